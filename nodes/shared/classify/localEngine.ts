/**
 * AI Classify's offline engine: the local classifier trained on the categories' descriptions and
 * examples (plus any labelled texts given), inside n8n, with no network and no key.
 * Trained models are cached per process by their training data: a cache only — any process can
 * rebuild the same model (training is deterministic), so nothing here is state another process needs.
 */
import type { AiResult } from '../contract';
import { deserializeModel, predict, trainClassifier, trainingFingerprint, type LabelledText, type TrainedModel } from '../localClassifier';
import { OTHER_CATEGORY, type Category } from './categories';

const MAX_CACHED_MODELS = 16;
const modelCache = new Map<string, TrainedModel>();

export interface LocalTrainingData {
	categories: Category[];
	withOther: boolean;
	/** Labelled texts beyond the categories' own examples (a training set, reviewer decisions). */
	examples?: LabelledText[];
}

function definitions(data: LocalTrainingData) {
	const defs = data.categories.map((c) => ({ name: c.name, description: c.description }));
	// "Other" is decided by the classifier's open-set head (texts unlike every category), not learnt
	// from a description; examples labelled Other (training items, reviewers' corrections) add to it.
	if (data.withOther) defs.push({ name: OTHER_CATEGORY, description: undefined });
	return defs;
}

function trainingExamples(data: LocalTrainingData): LabelledText[] {
	const fromCategories = data.categories.flatMap((c) => c.examples.map((text) => ({ text, label: c.name })));
	return [...fromCategories, ...(data.examples ?? [])];
}

export function localModelFor(data: LocalTrainingData): TrainedModel {
	const categories = definitions(data);
	const examples = trainingExamples(data);
	const options = data.withOther ? { openSetLabel: OTHER_CATEGORY } : {};
	const key = trainingFingerprint(examples, categories, options);
	const cached = modelCache.get(key);
	if (cached) {
		modelCache.delete(key);
		modelCache.set(key, cached);
		return cached;
	}
	const model = trainClassifier(examples, categories, options);
	modelCache.set(key, model);
	if (modelCache.size > MAX_CACHED_MODELS) modelCache.delete(modelCache.keys().next().value!);
	return model;
}

const storedModelCache = new Map<string, TrainedModel>();

/**
 * A model version from the store, deserialized once per process: versions are content hashes, so a
 * cached version can never be stale; a newer training has a new version and is loaded anew.
 */
export async function storedModelFor(name: string, version: string, load: () => Promise<Buffer | undefined>): Promise<TrainedModel | undefined> {
	const key = JSON.stringify([name, version]);
	const cached = storedModelCache.get(key);
	if (cached) {
		storedModelCache.delete(key);
		storedModelCache.set(key, cached);
		return cached;
	}
	const bytes = await load();
	if (!bytes) return undefined;
	const model = deserializeModel(bytes);
	// A newer version may have been saved since `version` was read: cache what was actually loaded.
	storedModelCache.set(JSON.stringify([name, model.version]), model);
	if (storedModelCache.size > MAX_CACHED_MODELS) storedModelCache.delete(storedModelCache.keys().next().value!);
	return model;
}

export function classifyLocally(model: TrainedModel, text: string, truncated: boolean): AiResult {
	const started = performance.now();
	const prediction = predict(model, text);
	const ai: AiResult = {
		task: 'classify',
		label: prediction.label,
		scores: Object.fromEntries(Object.entries(prediction.scores).map(([label, p]) => [label, Math.round(p * 1e6) / 1e6])),
		confidence: Math.round(prediction.confidence * 1e6) / 1e6,
		confidenceSource: 'local',
		engine: 'local',
		model: `local:${model.version}`,
		usage: { inputTokens: 0, outputTokens: 0, costUsd: 0 },
		latencyMs: Math.round((performance.now() - started) * 1000) / 1000,
		attempts: 1,
		at: new Date().toISOString(),
	};
	if (truncated) ai.truncated = true;
	return ai;
}
