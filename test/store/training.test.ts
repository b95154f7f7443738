import fs from 'node:fs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { normaliseCategories, type Category } from '../../nodes/shared/classify/categories';
import { ItemInputError } from '../../nodes/shared/classify/input';
import { classifyLocally, localModelFor } from '../../nodes/shared/classify/localEngine';
import {
	checkModelLabels,
	defaultModelName,
	namedModelFor,
	readTrainingLabel,
	trainNamedModel,
} from '../../nodes/shared/classify/training';
import { deserializeModel } from '../../nodes/shared/localClassifier';
import { closeAllStores, openStore, type PackageStore } from '../../nodes/shared/store';

const training = JSON.parse(fs.readFileSync(path.join(__dirname, '../../examples/samples/triage-training.json'), 'utf8')) as {
	examples: Record<string, string[]>;
};
const tickets = JSON.parse(fs.readFileSync(path.join(__dirname, '../../examples/samples/tickets.json'), 'utf8')) as Array<{
	text: string;
	truth: string;
}>;
const LABELS = Object.keys(training.examples);
/** The categories as a classifying node has them: names only, no examples. */
const bare: Category[] = normaliseCategories(LABELS.map((name) => ({ name })), false);
const labelled = (from: number, to: number) =>
	LABELS.flatMap((label) => training.examples[label].slice(from, to).map((text) => ({ text, label })));

const dir = mkdtempSync(path.join(tmpdir(), 'aiwf-training-'));
let store: PackageStore;
beforeEach(async () => {
	store = await openStore({ kind: 'sqlite', path: path.join(dir, `${Math.random().toString(36).slice(2)}.sqlite`) });
});
afterAll(async () => {
	await closeAllStores();
	rmSync(dir, { recursive: true, force: true });
});

function accuracy(model: ReturnType<typeof localModelFor>): number {
	const right = tickets.filter((ticket) => classifyLocally(model, ticket.text, false).label === ticket.truth).length;
	return right / tickets.length;
}

describe('training labels', () => {
	test('a label is matched to its category, ignoring case and spaces', () => {
		expect(readTrainingLabel(' Refund ', 0, LABELS)).toBe('refund');
	});

	test('a label that is no category names the item, the label and the categories', () => {
		expect(() => readTrainingLabel('shipping', 7, LABELS)).toThrow(ItemInputError);
		expect(() => readTrainingLabel('shipping', 7, LABELS)).toThrow(
			'Item 7: the training label "shipping" is not one of the categories ("account", "order", "refund", "delivery", "invoice", "payment")',
		);
		expect(() => readTrainingLabel(undefined, 2, LABELS)).toThrow(/^Item 2: the training label is missing/);
		expect(() => readTrainingLabel(3, 2, LABELS)).toThrow(/^Item 2: the training label is a number/);
	});

	test('the default model name is per workflow and node', () => {
		expect(defaultModelName('wf1', 'AI Classify')).not.toBe(defaultModelName('wf2', 'AI Classify'));
		expect(defaultModelName('wf1', 'AI Classify')).not.toBe(defaultModelName('wf1', 'Other node'));
	});
});

describe('named models in the store', () => {
	test('training stores a version with metrics; a node without examples then classifies with it', async () => {
		const summary = await trainNamedModel(store, { name: 'triage', categories: bare, withOther: false, examples: labelled(0, 10), skipped: 1 });
		expect(summary).toMatchObject({ model: 'triage', added: 60, skipped: 1 });
		expect(summary.version).toMatch(/^local-[0-9a-f]{16}$/);
		expect(summary.metrics.examples).toBe(60);
		expect(summary.metrics.examplesPerLabel).toEqual(Object.fromEntries(LABELS.map((label) => [label, 10])));
		expect(summary.metrics.accuracy).toBeGreaterThan(0.5);
		expect(summary.metrics.ece).toBeGreaterThanOrEqual(0);
		expect(summary.metrics.trainMs).toBeGreaterThan(0);

		const stored = await store.newestModel('triage');
		expect(stored).toMatchObject({ name: 'triage', version: summary.version, examples: 60 });
		expect(deserializeModel(stored!.model).version).toBe(summary.version);

		const model = await namedModelFor(store, { name: 'triage', categories: bare, withOther: false, outputLabels: LABELS });
		expect(model?.version).toBe(summary.version);
		const trained = accuracy(model!);
		// Six categories: chance is 1/6; names alone do much worse than the trained model.
		expect(trained).toBeGreaterThan(0.6);
		expect(trained).toBeGreaterThan(accuracy(localModelFor({ categories: bare, withOther: false })) + 0.1);
	});

	test('later trainings add up: the new version learns from the earlier examples too', async () => {
		const first = await trainNamedModel(store, { name: 'triage', categories: bare, withOther: false, examples: labelled(0, 5), skipped: 0 });
		const second = await trainNamedModel(store, { name: 'triage', categories: bare, withOther: false, examples: labelled(5, 10), skipped: 0 });
		expect(second.metrics.examples).toBe(60);
		expect(second.version).not.toBe(first.version);
		// The same examples again add nothing and train the same version.
		const again = await trainNamedModel(store, { name: 'triage', categories: bare, withOther: false, examples: labelled(0, 10), skipped: 0 });
		expect(again).toMatchObject({ added: 0, version: second.version });
		expect(await store.newestModelVersion('triage')).toBe(second.version);
	});

	test("the categories' own examples train with the items and are kept with the model", async () => {
		const withExamples = normaliseCategories(
			LABELS.map((name) => ({ name, examples: training.examples[name].slice(0, 3).join('\n') })),
			false,
		);
		const summary = await trainNamedModel(store, { name: 'triage', categories: withExamples, withOther: false, examples: labelled(3, 5), skipped: 0 });
		expect(summary.metrics.examples).toBe(30);
		expect((await store.listTrainingExamples('triage')).filter((example) => example.source === 'category')).toHaveLength(18);
	});

	test('no stored model: undefined, so the node trains from its categories as before', async () => {
		expect(await namedModelFor(store, { name: 'nothing', categories: bare, withOther: false, outputLabels: LABELS })).toBeUndefined();
		expect(
			await namedModelFor(store, { name: 'nothing', categories: bare, withOther: false, outputLabels: LABELS, reviewedExamples: [] }),
		).toBeUndefined();
	});

	test('a stored model trained on other categories is refused with both lists named', async () => {
		await trainNamedModel(store, { name: 'triage', categories: bare, withOther: false, examples: labelled(0, 3), skipped: 0 });
		const fewer = bare.slice(0, 5);
		await expect(
			namedModelFor(store, { name: 'triage', categories: fewer, withOther: false, outputLabels: fewer.map((c) => c.name) }),
		).rejects.toThrow(/was trained on the categories .*"payment".*but this node has "account"/);
		const model = await namedModelFor(store, { name: 'triage', categories: bare, withOther: false, outputLabels: LABELS });
		expect(() => checkModelLabels(model!, 'triage', [...LABELS].reverse())).not.toThrow();
	});

	test('with reviews: kept examples plus reviewed ones train the model, and a correction changes the answer', async () => {
		await trainNamedModel(store, { name: 'triage', categories: bare, withOther: false, examples: labelled(0, 10), skipped: 0 });
		const text = 'I need help with the bill for my last purchase';
		const stored = await namedModelFor(store, { name: 'triage', categories: bare, withOther: false, outputLabels: LABELS });
		const before = classifyLocally(stored!, text, false).label!;
		const corrected = before === 'payment' ? 'invoice' : 'payment';
		const reviewed = [{ text, label: corrected }];
		const learnt = await namedModelFor(store, {
			name: 'triage',
			categories: bare,
			withOther: false,
			outputLabels: LABELS,
			reviewedExamples: reviewed,
		});
		expect(learnt!.metrics.examples).toBe(61);
		expect(classifyLocally(learnt!, text, false).label).toBe(corrected);
		// Cached by fingerprint: the same data gives the very same model object.
		const again = await namedModelFor(store, { name: 'triage', categories: bare, withOther: false, outputLabels: LABELS, reviewedExamples: reviewed });
		expect(again).toBe(learnt);
	});

	test('stored versions are cached per process by version; a new version is loaded anew', async () => {
		await trainNamedModel(store, { name: 'triage', categories: bare, withOther: false, examples: labelled(0, 4), skipped: 0 });
		const request = { name: 'triage', categories: bare, withOther: false, outputLabels: LABELS };
		const first = await namedModelFor(store, request);
		expect(await namedModelFor(store, request)).toBe(first);
		const newer = await trainNamedModel(store, { name: 'triage', categories: bare, withOther: false, examples: labelled(4, 8), skipped: 0 });
		const second = await namedModelFor(store, request);
		expect(second).not.toBe(first);
		expect(second!.version).toBe(newer.version);
	});
});
