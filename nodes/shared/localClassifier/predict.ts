/** One text → label, calibrated class probabilities and the confidence of the chosen label. */
import { extractFeatures, wordIds } from './features';
import type { TrainedModel } from './model';
import { withOther } from './openSet';
import { computeLogits, softmaxInPlace } from './softmaxRegression';
import { knownShare, vectorize } from './vectorizer';

export interface Prediction {
	label: string;
	scores: Record<string, number>;
	confidence: number;
}

/**
 * The softmax's calibrated probabilities (without the open-set label unless it is a trained class)
 * and the text's known n-gram share, from which `predictProbabilities` decides the open set.
 */
export function softmaxProbabilities(model: TrainedModel, text: string): { probabilities: Float64Array; coverage: number } {
	if (typeof text !== 'string' || text.trim() === '') {
		throw new Error('Cannot classify an empty text: give the item a non-empty text field');
	}
	const features = extractFeatures(text, model.features);
	const row = vectorize(model.vectorizer, features);
	const probabilities = new Float64Array(model.softmax.classCount);
	computeLogits(model.softmax.weights, model.softmax.bias, model.softmax.classCount, row, 1, probabilities);
	softmaxInPlace(probabilities, model.temperature);
	if (model.uniformMix > 0) {
		const uniform = model.uniformMix / probabilities.length;
		for (let k = 0; k < probabilities.length; k++) {
			probabilities[k] = (1 - model.uniformMix) * probabilities[k] + uniform;
		}
	}
	// Only the open set needs the share: models without one predict as fast as before.
	return { probabilities, coverage: model.openSet ? knownShare(model.vectorizer, features) : Number.NaN };
}

export function predictProbabilities(model: TrainedModel, text: string): Float64Array {
	const { probabilities, coverage } = softmaxProbabilities(model, text);
	return model.openSet ? withOther(model.openSet, probabilities, coverage) : probabilities;
}

export function predict(model: TrainedModel, text: string): Prediction {
	const probabilities = predictProbabilities(model, text);
	let best = 0;
	for (let k = 1; k < probabilities.length; k++) if (probabilities[k] > probabilities[best]) best = k;
	const scores: Record<string, number> = {};
	model.labels.forEach((label, k) => (scores[label] = probabilities[k]));
	return { label: model.labels[best], scores, confidence: probabilities[best] };
}

/**
 * Share of the text's words the model has no column for: words it never saw in training (or saw
 * fewer than its minimum document frequency), by occurrence. 0 for a text without words. Input
 * drift reads it: a rising share means texts unlike those the model learnt from.
 */
export function unknownWordShare(model: TrainedModel, text: string): number {
	const ids = wordIds(text, model.features);
	if (ids.length === 0) return 0;
	let unknown = 0;
	for (const id of ids) if (model.vectorizer.columnOf[id] === -1) unknown++;
	return unknown / ids.length;
}
