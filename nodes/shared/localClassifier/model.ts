/** The trained model as it lives in memory, and its content-derived version. */
import { createHash } from 'node:crypto';
import type { FeatureOptions } from './features';
import type { OpenSetFit, OpenSetHead } from './openSet';
import type { SoftmaxWeights } from './softmaxRegression';
import type { Vectorizer } from './vectorizer';

export const MODEL_FORMAT = 1;

export interface TrainingSettings {
	seed: number;
	epochs: number;
	learningRate: number;
	l2: number;
	minDf: number;
	wordBlockWeight: number;
	folds: number;
	useCategoryText: boolean;
	/**
	 * Learning rate of the weights shared by categories whose names share a word, relative to each
	 * category's own (0: none). Optional because models stored before it existed lack it.
	 */
	nameSharing?: number;
	/**
	 * How many of the folds get a model fitted for calibration (the rest of the data only trains
	 * them). Optional because models stored before it existed lack it (they fitted every fold).
	 */
	foldsFitted?: number;
	/**
	 * The label of texts unlike every category ("Other"), decided by the open-set head rather than
	 * learnt as a category from its description. Absent: no such label, or a model stored before it
	 * existed (where "Other" was an ordinary category).
	 */
	openSetLabel?: string;
	/** Share of held-out in-scope answers that were right the open set may turn into Other. */
	openSetBudget?: number;
	/** Weight of the known n-gram share in the open-set score (see openSet.ts). */
	openSetCoverageWeight?: number;
	/** Slope of P(Other) in the open-set score; absent: the most likely on the held-out answers. */
	openSetSlope?: number;
}

export interface TrainingMetrics {
	/** Labelled examples trained on (category pseudo-examples not counted). */
	examples: number;
	examplesPerLabel: Record<string, number>;
	/** Accuracy of the held-out folds (cross-fitting); absent when too few examples to fold. */
	cvAccuracy?: number;
	/** ECE of the held-out folds after temperature scaling. */
	ece?: number;
	eceBeforeCalibration?: number;
	temperature: number;
	/** True when there were no labelled examples: answers come from category names/descriptions. */
	coldStart: boolean;
	/** True when the temperature was fitted on held-out folds. */
	calibrated: boolean;
	/** Held-out answers the temperature was fitted on (absent when not calibrated). */
	calibrationExamples?: number;
	columns: number;
	trainMs: number;
	calibrationMs: number;
	/** How the open-set threshold was fitted (absent without an open-set label). */
	openSet?: Partial<OpenSetFit> & { fitted: boolean };
}

export interface TrainedModel {
	format: number;
	/** Content hash of everything that decides predictions; same data + settings → same version. */
	version: string;
	labels: string[];
	trainedAt: string;
	metrics: TrainingMetrics;
	settings: TrainingSettings;
	features: FeatureOptions;
	vectorizer: Vectorizer;
	softmax: SoftmaxWeights;
	temperature: number;
	/**
	 * Share of a uniform distribution mixed into the probabilities when the temperature could not
	 * be fitted (cold start, very few examples), so the confidence stays honestly low.
	 */
	uniformMix: number;
	/**
	 * Decides the open-set label (always the last label); absent in models without one. The softmax
	 * has the last label as a class only when `otherTrained`.
	 */
	openSet?: OpenSetHead;
}

export type ModelContent = Omit<TrainedModel, 'version' | 'trainedAt' | 'metrics'>;

export function modelVersion(content: ModelContent): string {
	const hash = createHash('sha256');
	hash.update(
		JSON.stringify({
			format: content.format,
			labels: content.labels,
			settings: content.settings,
			features: content.features,
			wordBlockWeight: content.vectorizer.wordBlockWeight,
			temperature: content.temperature,
			uniformMix: content.uniformMix,
			// Undefined (older models, no open set) leaves the JSON, and so their versions, as they were.
			openSet: content.openSet,
		}),
	);
	for (const array of [
		content.vectorizer.hashIds,
		content.vectorizer.idf,
		content.softmax.weights,
		content.softmax.bias,
	]) {
		hash.update(new Uint8Array(array.buffer, array.byteOffset, array.byteLength));
	}
	return `local-${hash.digest('hex').slice(0, 16)}`;
}
