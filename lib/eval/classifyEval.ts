/** Evaluation of the local classifier on labelled CSV data: splits, metrics, confusion summary. */
import { existsSync, readFileSync } from 'node:fs';
import { expectedCalibrationError, predictProbabilities, type TrainedModel } from '../../nodes/shared/localClassifier';
import { createRandom, shuffleInPlace } from '../../nodes/shared/localClassifier/random';
import { parseCsvRecords } from './csv';

export interface LabelledRow {
	text: string;
	label: string;
}

export function readLabelledCsv(path: string, textColumn = 'text', labelColumn = 'category'): LabelledRow[] {
	if (!existsSync(path)) throw new Error(`${path} does not exist: give the path of a CSV file`);
	const { header, records } = parseCsvRecords(readFileSync(path, 'utf8'));
	for (const column of [textColumn, labelColumn]) {
		if (!header.includes(column)) {
			throw new Error(`${path} has no "${column}" column (header: ${header.join(', ')})`);
		}
	}
	return records
		.map((record) => ({ text: record[textColumn], label: record[labelColumn] }))
		.filter((row) => row.text.trim() !== '' && row.label.trim() !== '');
}

/** Stratified: each label contributes `fraction` of its rows to the held-out part. */
export function splitStratified(rows: LabelledRow[], fraction: number, seed: number) {
	const random = createRandom(seed);
	const byLabel = groupByLabel(rows);
	const train: LabelledRow[] = [];
	const test: LabelledRow[] = [];
	for (const group of byLabel.values()) {
		shuffleInPlace(group, random);
		const held = Math.round(group.length * fraction);
		test.push(...group.slice(0, held));
		train.push(...group.slice(held));
	}
	return { train, test };
}

export function limitPerLabel(rows: LabelledRow[], perLabel: number, seed: number): LabelledRow[] {
	const random = createRandom(seed ^ 0x5f3759df);
	const limited: LabelledRow[] = [];
	for (const group of groupByLabel(rows).values()) {
		shuffleInPlace(group, random);
		limited.push(...group.slice(0, perLabel));
	}
	return limited;
}

function groupByLabel(rows: LabelledRow[]): Map<string, LabelledRow[]> {
	const groups = new Map<string, LabelledRow[]>();
	for (const row of rows) {
		const group = groups.get(row.label) ?? [];
		group.push(row);
		groups.set(row.label, group);
	}
	return groups;
}

export interface EvaluationReport {
	examples: number;
	accuracy: number;
	macroF1: number;
	ece: number;
	meanConfidence: number;
	itemsPerSecond: number;
	/** Most frequent (true → predicted) mistakes. */
	confusedPairs: { actual: string; predicted: string; count: number }[];
	unknownTestLabels: string[];
}

export function evaluateModel(model: TrainedModel, rows: LabelledRow[], topPairs = 10): EvaluationReport {
	const labelIndex = new Map(model.labels.map((label, index) => [label, index]));
	const truePositive = new Float64Array(model.labels.length);
	const predictedCount = new Float64Array(model.labels.length);
	const actualCount = new Float64Array(model.labels.length);
	const confidences = new Float64Array(rows.length);
	const correct: boolean[] = [];
	const mistakes = new Map<string, number>();
	const unknown = new Set<string>();
	const started = performance.now();
	rows.forEach((row, index) => {
		const probabilities = predictProbabilities(model, row.text);
		let best = 0;
		for (let k = 1; k < probabilities.length; k++) if (probabilities[k] > probabilities[best]) best = k;
		const actual = labelIndex.get(row.label);
		if (actual === undefined) unknown.add(row.label);
		else actualCount[actual]++;
		predictedCount[best]++;
		confidences[index] = probabilities[best];
		const isCorrect = actual === best;
		correct.push(isCorrect);
		if (isCorrect) truePositive[best]++;
		else {
			const key = `${row.label}\u0000${model.labels[best]}`;
			mistakes.set(key, (mistakes.get(key) ?? 0) + 1);
		}
	});
	const elapsedSeconds = (performance.now() - started) / 1000;
	let f1Sum = 0;
	let f1Classes = 0;
	for (let k = 0; k < model.labels.length; k++) {
		if (actualCount[k] === 0 && predictedCount[k] === 0) continue;
		const precision = predictedCount[k] ? truePositive[k] / predictedCount[k] : 0;
		const recall = actualCount[k] ? truePositive[k] / actualCount[k] : 0;
		f1Sum += precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
		f1Classes++;
	}
	const confusedPairs = [...mistakes.entries()]
		.map(([key, count]) => {
			const [actual, predicted] = key.split('\u0000');
			return { actual, predicted, count };
		})
		.sort((a, b) => b.count - a.count || a.actual.localeCompare(b.actual))
		.slice(0, topPairs);
	return {
		examples: rows.length,
		accuracy: correct.filter(Boolean).length / Math.max(1, rows.length),
		macroF1: f1Classes ? f1Sum / f1Classes : 0,
		ece: expectedCalibrationError(confidences, correct),
		meanConfidence: confidences.reduce((sum, value) => sum + value, 0) / Math.max(1, rows.length),
		itemsPerSecond: rows.length / Math.max(elapsedSeconds, 1e-9),
		confusedPairs,
		unknownTestLabels: [...unknown],
	};
}
