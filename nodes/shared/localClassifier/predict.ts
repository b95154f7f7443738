/** One text → label, calibrated class probabilities and the confidence of the chosen label. */
import { extractFeatures } from './features';
import type { TrainedModel } from './model';
import { computeLogits, softmaxInPlace } from './softmaxRegression';
import { vectorize } from './vectorizer';

export interface Prediction {
	label: string;
	scores: Record<string, number>;
	confidence: number;
}

export function predictProbabilities(model: TrainedModel, text: string): Float64Array {
	if (typeof text !== 'string' || text.trim() === '') {
		throw new Error('Cannot classify an empty text: give the item a non-empty text field');
	}
	const row = vectorize(model.vectorizer, extractFeatures(text, model.features));
	const probabilities = new Float64Array(model.labels.length);
	computeLogits(model.softmax.weights, model.softmax.bias, model.softmax.classCount, row, 1, probabilities);
	softmaxInPlace(probabilities, model.temperature);
	if (model.uniformMix > 0) {
		const uniform = model.uniformMix / probabilities.length;
		for (let k = 0; k < probabilities.length; k++) {
			probabilities[k] = (1 - model.uniformMix) * probabilities[k] + uniform;
		}
	}
	return probabilities;
}

export function predict(model: TrainedModel, text: string): Prediction {
	const probabilities = predictProbabilities(model, text);
	let best = 0;
	for (let k = 1; k < probabilities.length; k++) if (probabilities[k] > probabilities[best]) best = k;
	const scores: Record<string, number> = {};
	model.labels.forEach((label, k) => (scores[label] = probabilities[k]));
	return { label: model.labels[best], scores, confidence: probabilities[best] };
}
