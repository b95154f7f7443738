/**
 * AI Classify's "Train" operation and named models: labelled items (plus the categories' own
 * examples) train the local classifier under a model name; the store keeps every example given
 * so far and each trained version, so later trainings add up and any process can load the model.
 */
import { serializeModel, type LabelledText, type TrainedModel } from '../localClassifier';
import type { PackageStore, TrainingExample } from '../store/types';
import type { Category } from './categories';
import { ItemInputError } from './input';
import { localModelFor, storedModelFor } from './localEngine';

/** The name a model gets when the node leaves Model Name empty: one model per workflow and node. */
export function defaultModelName(workflowId: string | undefined, nodeName: string): string {
	return `workflow ${workflowId ?? 'unsaved'} / ${nodeName}`;
}

/** The category an item's label names (case and surrounding spaces ignored), or a clear error. */
export function readTrainingLabel(value: unknown, itemIndex: number, labels: readonly string[]): string {
	const shown = labels.map((label) => `"${label}"`).join(', ');
	if (typeof value !== 'string' || value.trim() === '') {
		const got = value === undefined ? 'missing' : value === null ? 'null' : typeof value === 'string' ? 'empty' : `a ${typeof value}`;
		throw new ItemInputError(
			`Item ${itemIndex}: the training label is ${got}; it must be one of the categories (${shown})`,
			'Set "Label" to an expression that gives the category of the item, e.g. {{ $json.label }}.',
		);
	}
	const wanted = value.trim().toLowerCase();
	const label = labels.find((candidate) => candidate.toLowerCase() === wanted);
	if (!label) {
		throw new ItemInputError(
			`Item ${itemIndex}: the training label "${value.trim()}" is not one of the categories (${shown})`,
			'Add a category with that name under "Categories", correct the label, or turn on Continue On Fail to skip such items.',
		);
	}
	return label;
}

/** The categories' own examples, kept with the model so that it can be retrained without the node. */
export function categoryExamples(categories: readonly Category[]): TrainingExample[] {
	return categories.flatMap((category) => category.examples.map((text) => ({ text, label: category.name, source: 'category' })));
}

/**
 * Trains on every example kept for a model name. The categories' examples are among them (see
 * `categoryExamples`), so they are not added a second time here.
 */
export function trainOnKeptExamples(
	categories: readonly Category[],
	withOther: boolean,
	kept: readonly LabelledText[],
): TrainedModel {
	return localModelFor({
		categories: categories.map((category) => ({ ...category, examples: [] })),
		withOther,
		examples: kept.map(({ text, label }) => ({ text, label })),
	});
}

export interface TrainingSummary {
	model: string;
	version: string;
	trainedAt: string;
	metrics: {
		/** Accuracy of held-out cross-validation folds; null when there were too few examples to fold. */
		accuracy: number | null;
		/** Expected calibration error of the held-out folds after calibration; null as above. */
		ece: number | null;
		examples: number;
		examplesPerLabel: Record<string, number>;
		trainMs: number;
		calibrated: boolean;
	};
	/** Examples this run added (texts already kept for this model are not counted twice). */
	added: number;
	/** Items skipped for a bad text or label (Continue On Fail). */
	skipped: number;
}

const round = (value: number, digits: number) => Math.round(value * 10 ** digits) / 10 ** digits;

export function trainingSummary(name: string, model: TrainedModel, added: number, skipped: number): TrainingSummary {
	const metrics = model.metrics;
	return {
		model: name,
		version: model.version,
		trainedAt: model.trainedAt,
		metrics: {
			accuracy: metrics.cvAccuracy === undefined ? null : round(metrics.cvAccuracy, 4),
			ece: metrics.ece === undefined ? null : round(metrics.ece, 4),
			examples: metrics.examples,
			examplesPerLabel: metrics.examplesPerLabel,
			trainMs: round(metrics.trainMs, 1),
			calibrated: metrics.calibrated,
		},
		added,
		skipped,
	};
}

/** A stored model answers only with its own labels: they must be this node's categories. */
export function checkModelLabels(model: TrainedModel, name: string, outputLabels: readonly string[]): void {
	const expected = [...outputLabels].sort();
	const actual = [...model.labels].sort();
	if (expected.length === actual.length && expected.every((label, index) => label === actual[index])) return;
	throw new Error(
		`Model "${name}" (${model.version}) was trained on the categories ${actual.map((l) => `"${l}"`).join(', ')}, ` +
			`but this node has ${expected.map((l) => `"${l}"`).join(', ')}`,
	);
}

type ModelStore = Pick<PackageStore, 'addTrainingExamples' | 'listTrainingExamples' | 'saveModel' | 'newestModel' | 'newestModelVersion'>;

export interface TrainRequest {
	name: string;
	categories: readonly Category[];
	withOther: boolean;
	/** The labelled input items (already checked against the categories). */
	examples: readonly LabelledText[];
	/** Items left out for a bad text or label, reported in the summary. */
	skipped: number;
}

/** Keeps the new examples, trains on all examples kept under the name, and stores the new version. */
export async function trainNamedModel(store: ModelStore, request: TrainRequest): Promise<TrainingSummary> {
	const { added } = await store.addTrainingExamples(request.name, [
		...categoryExamples(request.categories),
		...request.examples.map(({ text, label }) => ({ text, label, source: 'items' })),
	]);
	const kept = await store.listTrainingExamples(request.name);
	const model = trainOnKeptExamples(request.categories, request.withOther, kept);
	await store.saveModel({
		name: request.name,
		version: model.version,
		trainedAt: new Date().toISOString(),
		metrics: model.metrics,
		model: serializeModel(model),
		examples: model.metrics.examples,
	});
	return trainingSummary(request.name, model, added, request.skipped);
}

export interface NamedModelRequest {
	name: string;
	categories: readonly Category[];
	withOther: boolean;
	outputLabels: readonly string[];
	/** Reviewed examples (Learn From Reviews): the kept examples and these train a fresh model. */
	reviewedExamples?: readonly LabelledText[];
}

/**
 * The model a classify run with a Model Name uses: the newest stored version, or, when reviews are
 * learnt from, the kept examples plus the reviewed ones (and the node's own category examples).
 * Undefined when nothing is stored under the name: the caller trains from the categories as before.
 */
export async function namedModelFor(store: ModelStore, request: NamedModelRequest): Promise<TrainedModel | undefined> {
	let model: TrainedModel | undefined;
	if (request.reviewedExamples) {
		const kept = await store.listTrainingExamples(request.name);
		if (kept.length === 0) return undefined;
		const fromCategories = categoryExamples(request.categories);
		model = trainOnKeptExamples(request.categories, request.withOther, uniqueExamples([...fromCategories, ...kept, ...request.reviewedExamples]));
	} else {
		const version = await store.newestModelVersion(request.name);
		if (!version) return undefined;
		model = await storedModelFor(request.name, version, async () => (await store.newestModel(request.name))?.model);
		if (!model) return undefined;
	}
	checkModelLabels(model, request.name, request.outputLabels);
	return model;
}

function uniqueExamples(examples: readonly LabelledText[]): LabelledText[] {
	const seen = new Set<string>();
	return examples.filter((example) => {
		const key = JSON.stringify([example.label, example.text]);
		if (seen.has(key)) return false;
		seen.add(key);
		return true;
	});
}
