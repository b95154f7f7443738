/**
 * Open-set evaluation: labels left out of training stand for texts unlike every category. A model
 * trained with the open-set label "Other" is compared with the same data trained without it (Fallback
 * "None"): in-scope accuracy, out-of-scope recall, and the trade-off between them as the threshold
 * moves (the fitted threshold is one point of that curve).
 */
import { expectedCalibrationError, predict, type TrainedModel } from '../../nodes/shared/localClassifier';
import { answerOf, criticalThreshold } from '../../nodes/shared/localClassifier/openSet';
import { softmaxProbabilities } from '../../nodes/shared/localClassifier/predict';
import type { LabelledRow } from './classifyEval';

export interface TradeOffPoint {
	threshold: number;
	/** In-scope accuracy at this threshold (Other counts as wrong for in-scope texts). */
	accuracy: number;
	outOfScopeRecall: number;
	/** True for the threshold the training fitted. */
	fitted: boolean;
}

export interface OpenSetReport {
	inScopeExamples: number;
	outOfScopeExamples: number;
	/** In-scope accuracy of the model trained without the open-set label. */
	accuracyWithoutOther: number;
	accuracy: number;
	outOfScopeRecall: number;
	/** Recall on out-of-scope texts of labels the training saw as examples of Other, if any. */
	taughtRecall?: number;
	/** Recall on out-of-scope texts of labels the training never saw. */
	unseenRecall?: number;
	/** Share of Other answers that were out of scope. */
	otherPrecision: number;
	/** ECE over all test texts, Other being right for the out-of-scope ones. */
	ece: number;
	/** ECE over the in-scope texts alone. */
	inScopeEce: number;
	threshold: number;
	curve: TradeOffPoint[];
}

/** In-scope losses (share of in-scope texts) at which the curve is drawn, beside the fitted point. */
const CURVE_LOSSES = [0, 0.005, 0.01, 0.02, 0.03, 0.05, 0.1, 0.2];

export function evaluateOpenSet(
	model: TrainedModel,
	withoutOther: TrainedModel,
	inScopeRows: readonly LabelledRow[],
	outOfScopeRows: readonly (LabelledRow & { taught?: boolean })[],
): OpenSetReport {
	const head = model.openSet;
	if (!head) throw new Error('The model has no open-set label: train it with openSetLabel');
	const otherLabel = model.labels[model.labels.length - 1];
	const confidences: number[] = [];
	const correct: boolean[] = [];
	let inScopeRight = 0;
	let baselineRight = 0;
	let otherAnswers = 0;
	let otherRight = 0;
	const inScopeCritical: { critical: number; right: boolean }[] = [];
	const outOfScopeCritical: number[] = [];
	const recallOf = { taught: [0, 0], unseen: [0, 0] };
	const visit = (row: LabelledRow, outOfScope: boolean, taught?: boolean) => {
		const prediction = predict(model, row.text);
		const right = outOfScope ? prediction.label === otherLabel : prediction.label === row.label;
		confidences.push(prediction.confidence);
		correct.push(right);
		if (prediction.label === otherLabel) {
			otherAnswers++;
			if (outOfScope) otherRight++;
		}
		const { probabilities, coverage } = softmaxProbabilities(model, row.text);
		const evidence = answerOf(probabilities, coverage, head.otherTrained);
		const critical = criticalThreshold(evidence, head);
		if (outOfScope) {
			outOfScopeCritical.push(critical);
			const group = taught ? recallOf.taught : recallOf.unseen;
			group[0] += right ? 1 : 0;
			group[1]++;
			return;
		}
		if (right) inScopeRight++;
		if (predict(withoutOther, row.text).label === row.label) baselineRight++;
		let best = 0;
		for (let k = 1; k < probabilities.length; k++) if (probabilities[k] > probabilities[best]) best = k;
		inScopeCritical.push({ critical, right: model.labels[best] === row.label });
	};
	for (const row of inScopeRows) visit(row, false);
	for (const row of outOfScopeRows) visit(row, true, row.taught);

	const inScope = Math.max(1, inScopeRows.length);
	const pointAt = (threshold: number, fitted: boolean): TradeOffPoint => ({
		threshold,
		accuracy: inScopeCritical.filter((row) => row.right && !(row.critical < threshold)).length / inScope,
		outOfScopeRecall: outOfScopeCritical.filter((critical) => critical < threshold).length / Math.max(1, outOfScopeRows.length),
		fitted,
	});
	const rightCritical = inScopeCritical.filter((row) => row.right).map((row) => row.critical).sort((a, b) => a - b);
	const curve = CURVE_LOSSES.filter((loss) => Math.floor(loss * inScope) < rightCritical.length).map((loss) =>
		pointAt(rightCritical[Math.floor(loss * inScope)], false),
	);
	curve.push(pointAt(head.threshold, true));
	curve.sort((a, b) => a.threshold - b.threshold);
	const rate = ([hits, total]: number[]) => (total > 0 ? hits / total : undefined);
	const inScopeCount = inScopeRows.length;
	return {
		inScopeExamples: inScopeCount,
		outOfScopeExamples: outOfScopeRows.length,
		accuracyWithoutOther: baselineRight / inScope,
		accuracy: inScopeRight / inScope,
		outOfScopeRecall: (recallOf.taught[0] + recallOf.unseen[0]) / Math.max(1, outOfScopeRows.length),
		taughtRecall: recallOf.taught[1] > 0 ? rate(recallOf.taught) : undefined,
		unseenRecall: recallOf.taught[1] > 0 ? rate(recallOf.unseen) : undefined,
		otherPrecision: otherAnswers > 0 ? otherRight / otherAnswers : 0,
		ece: expectedCalibrationError(confidences, correct),
		inScopeEce: expectedCalibrationError(confidences.slice(0, inScopeCount), correct.slice(0, inScopeCount)),
		threshold: head.threshold,
		curve,
	};
}
