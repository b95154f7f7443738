import { deserializeModel, predict, serializeModel, trainClassifier, TrainingInputError } from '../../nodes/shared/localClassifier';
import { modelVersion } from '../../nodes/shared/localClassifier/model';
import { criticalThreshold, fitOpenSet, fitOpenSetThreshold, SLOPES, withOther, type HeldOutAnswer } from '../../nodes/shared/localClassifier/openSet';
import { softmaxProbabilities } from '../../nodes/shared/localClassifier/predict';
import { createRandom } from '../../nodes/shared/localClassifier/random';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { supportCategories, supportTickets } from './fixtures/supportTickets';
import { offTopicTexts, supportTicketsMore } from './fixtures/supportTicketsMore';

const OTHER = { name: 'Other' };
const tickets = [...supportTickets, ...supportTicketsMore];
const inScopeTexts = ['I was charged twice on my card', 'my parcel is late, where is the courier', 'I cannot log in, my password is wrong'];
const supportCategoriesWithOther = [...supportCategories, OTHER];

// The README's ticket-triage sample: 15 examples for each of 6 categories, and 42 held-out tickets.
const samples = join(__dirname, '../../examples/samples');
const triage = JSON.parse(readFileSync(join(samples, 'triage-training.json'), 'utf8')) as { examples: Record<string, string[]> };
const triageTickets = JSON.parse(readFileSync(join(samples, 'tickets.json'), 'utf8')) as { text: string; truth: string }[];
const triageExamples = Object.entries(triage.examples).flatMap(([label, texts]) => texts.map((text) => ({ text, label })));
const triageCategories = [...Object.keys(triage.examples).map((name) => ({ name })), OTHER];
const offTopic = [
	'what is the weather in Paris tomorrow',
	'Who won the football match last night?',
	'Can you recommend a good pasta recipe?',
	'How tall is the Eiffel tower?',
	'thanks!',
];

describe('local classifier: the open set ("Other" for texts unlike every category)', () => {
	const withOpenSet = trainClassifier(tickets, supportCategoriesWithOther, { openSetLabel: 'Other' });
	const withoutOpenSet = trainClassifier(tickets, supportCategories);

	it('answers Other for off-topic texts and keeps the categories of in-scope ones (triage sample)', () => {
		const model = trainClassifier(triageExamples, triageCategories, { openSetLabel: 'Other' });
		for (const text of offTopic) expect([text, predict(model, text).label]).toEqual([text, 'Other']);
		const answers = triageTickets.map((ticket) => predict(model, ticket.text).label);
		expect(answers.filter((label) => label === 'Other').length).toBeLessThanOrEqual(2);
		expect(answers.filter((label, index) => label === triageTickets[index].truth).length).toBeGreaterThanOrEqual(36);
	});

	it('the same with the hand-written tickets, for texts whose words it has never seen', () => {
		for (const text of offTopicTexts.slice(2)) expect([text, predict(withOpenSet, text).label]).toEqual([text, 'Other']);
		expect(inScopeTexts.map((text) => predict(withOpenSet, text).label)).toEqual(['billing', 'shipping', 'account_access']);
	});

	it('keeps a probability for Other in the scores, which sum to one', () => {
		for (const text of [...offTopicTexts, ...inScopeTexts]) {
			const prediction = predict(withOpenSet, text);
			expect(Object.keys(prediction.scores)).toEqual(['billing', 'shipping', 'account_access', 'Other']);
			expect(Object.values(prediction.scores).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 9);
			expect(prediction.confidence).toBe(prediction.scores[prediction.label]);
		}
		expect(predict(withOpenSet, offTopicTexts[2]).scores.Other).toBeGreaterThan(0.5);
		expect(predict(withOpenSet, inScopeTexts[0]).scores.Other).toBeLessThan(0.2);
	});

	it('is the model without Other for the in-scope categories: same ranking, Other decided apart', () => {
		expect(withOpenSet.softmax.classCount).toBe(3);
		expect(withOpenSet.temperature).toBe(withoutOpenSet.temperature);
		expect(Array.from(withOpenSet.softmax.weights)).toEqual(Array.from(withoutOpenSet.softmax.weights));
		for (const text of [...offTopicTexts, ...inScopeTexts]) {
			const { probabilities } = softmaxProbabilities(withOpenSet, text);
			const best = probabilities.indexOf(Math.max(...probabilities));
			expect(withOpenSet.labels[best]).toBe(predict(withoutOpenSet, text).label);
		}
	});

	it('fits its threshold on the held-out folds within the budget, and says so in the metrics', () => {
		expect(withOpenSet.metrics.openSet).toMatchObject({ fitted: true, heldOut: tickets.length });
		expect(withOpenSet.metrics.openSet!.inScopeLoss).toBeLessThanOrEqual(withOpenSet.settings.openSetBudget!);
		expect(withOpenSet.openSet!.threshold).toBe(withOpenSet.metrics.openSet!.threshold);
		const strict = trainClassifier(tickets, supportCategoriesWithOther, { openSetLabel: 'Other', openSetBudget: 0.2 });
		expect(strict.openSet!.threshold).toBeGreaterThan(withOpenSet.openSet!.threshold);
	});

	it('is deterministic, and round-trips through the store with its head', () => {
		const again = trainClassifier(tickets, supportCategoriesWithOther, { openSetLabel: 'Other' });
		expect(again.version).toBe(withOpenSet.version);
		expect(again.version).not.toBe(withoutOpenSet.version);
		const restored = deserializeModel(serializeModel(withOpenSet));
		expect(restored.openSet).toEqual(withOpenSet.openSet);
		for (const text of [...offTopicTexts, ...inScopeTexts]) expect(predict(restored, text)).toEqual(predict(withOpenSet, text));
	});

	it('puts the open-set label last whatever the category order', () => {
		const first = trainClassifier(tickets, [OTHER, ...supportCategories], { openSetLabel: 'Other' });
		expect(first.labels).toEqual(['billing', 'shipping', 'account_access', 'Other']);
		expect(first.version).toBe(withOpenSet.version);
	});

	it('learns from examples labelled Other: they train an Other class besides the threshold', () => {
		const spam = [
			'Win a free cruise, click this link now',
			'Cheap watches and sunglasses, best prices online',
			'Congratulations, you have won a prize, claim it today',
			'Earn money from home, no experience needed',
			'Hot singles in your area want to meet you',
			'Limited offer: lose weight fast with this pill',
		];
		const taught = trainClassifier(
			[...tickets, ...spam.map((text) => ({ text, label: 'Other' }))],
			[...supportCategories, OTHER],
			{ openSetLabel: 'Other' },
		);
		expect(taught.openSet!.otherTrained).toBe(true);
		expect(taught.softmax.classCount).toBe(4);
		expect(taught.metrics.examplesPerLabel.Other).toBe(spam.length);
		expect(taught.metrics.openSet!.otherRecall).toBeGreaterThan(0);
		const unseenSpam = 'Click now to claim your free prize offer';
		expect(predict(taught, unseenSpam).label).toBe('Other');
		expect(predict(taught, unseenSpam).scores.Other).toBeGreaterThan(predict(withOpenSet, unseenSpam).scores.Other);
		expect(inScopeTexts.map((text) => predict(taught, text).label)).toEqual(['billing', 'shipping', 'account_access']);
	});

	it('with under ten examples (no folds) it still says Other for what it has never seen; one category works too', () => {
		const few = supportTickets.filter((_, index) => index % 12 < 3);
		const model = trainClassifier(few, supportCategoriesWithOther, { openSetLabel: 'Other' });
		expect(model.metrics.openSet).toEqual({ fitted: false });
		expect(predict(model, 'Who won the football match last night?').label).toBe('Other');
		expect(predict(model, 'I was charged twice for my subscription').label).toBe('billing');
		const single = trainClassifier(
			supportTickets.filter((ticket) => ticket.label === 'billing'),
			[supportCategories[0], OTHER],
			{ openSetLabel: 'Other' },
		);
		// One example in all: an answer, with an honestly low confidence.
		const one = trainClassifier([supportTickets[0]], supportCategoriesWithOther, { openSetLabel: 'Other' });
		const guess = predict(one, 'I was charged twice for my subscription');
		expect(guess.label).toBe('billing');
		expect(guess.confidence).toBeLessThan(0.8);
		expect(guess.confidence).toBeLessThanOrEqual(predict(trainClassifier([supportTickets[0]], supportCategories), 'I was charged twice for my subscription').confidence);
		// One category: the softmax has nothing to compare, the known n-gram share alone decides.
		expect(single.softmax.classCount).toBe(1);
		expect(predict(single, 'Why is my invoice higher this month?').label).toBe('billing');
		expect(predict(single, 'asdkjh qwpoeiru zxmcnb').label).toBe('Other');
	});

	it('a text with no known n-gram at all is Other with certainty', () => {
		expect(predict(withOpenSet, 'ÿÿÿ ŋŋŋ').label).toBe('Other');
		expect(predict(withOpenSet, '!!!').scores.Other).toBeCloseTo(1, 3);
	});

	it('rejects an open-set label that is no category, and bad settings, naming them', () => {
		expect(() => trainClassifier(tickets, supportCategories, { openSetLabel: 'Other' })).toThrow(TrainingInputError);
		expect(() => trainClassifier(tickets, supportCategories, { openSetLabel: 'Other' })).toThrow(/"Other" is not one of the categories/);
		expect(() => trainClassifier(tickets, supportCategoriesWithOther, { openSetLabel: 'Other', openSetBudget: 1.5 })).toThrow(
			/openSetBudget is 1.5/,
		);
		expect(() => predict(withOpenSet, '  ')).toThrow(/empty text/);
	});

	it('an older model with "Other" as an ordinary category (no head) loads and predicts as before', () => {
		const old = trainClassifier(tickets, [...supportCategories, { name: 'Other', description: 'fits none of the other categories' }]);
		expect(old.openSet).toBeUndefined();
		const serialized = serializeModel(old);
		expect(JSON.parse(serialized.toString('utf8', 8, 8 + serialized.readUInt32LE(4)))).not.toHaveProperty('openSet');
		const restored = deserializeModel(serialized);
		expect(modelVersion(restored)).toBe(old.version);
		for (const text of [...offTopicTexts, ...inScopeTexts]) expect(predict(restored, text)).toEqual(predict(old, text));
	});
});

describe('open-set threshold fitting', () => {
	const settings = { coverageWeight: 1, slope: 1, budget: 0.05 };
	const random = createRandom(3);
	const answers: HeldOutAnswer[] = Array.from({ length: 400 }, () => {
		const topInScope = 0.3 + 0.7 * random();
		const right = random() < 0.9;
		return { topInScope, trainedOther: 0, coverage: 0.5 + 0.5 * random(), kind: right ? 'right' : 'wrong', truth: right ? topInScope : (1 - topInScope) * random() };
	});

	it('loses at most the budget of the right answers, and exactly as many as it may', () => {
		const fit = fitOpenSetThreshold(answers, settings);
		const lost = answers.filter((answer) => answer.kind === 'right' && criticalThreshold(answer, settings) < fit.threshold);
		expect(lost.length).toBe(Math.floor(settings.budget * answers.length));
		expect(fit.inScopeLoss).toBeCloseTo(lost.length / answers.length, 12);
		expect(fit.otherRecall).toBeUndefined();
	});

	it('keeps the slope under which the held-out answers are most likely', () => {
		const { budget, coverageWeight } = settings;
		const fit = fitOpenSet(answers, { budget, coverageWeight });
		const nllAt = (slope: number) => fitOpenSetThreshold(answers, { budget, coverageWeight, slope }).heldOutNll;
		expect(SLOPES).toContain(fit.slope);
		for (const slope of SLOPES) expect(fit.heldOutNll).toBeLessThanOrEqual(nllAt(slope));
		// Neither extreme: a flat slope taxes every answer, a steep one makes the lost ones certain.
		expect(fit.slope).toBeGreaterThan(SLOPES[0]);
		expect(fit.slope).toBeLessThan(SLOPES[SLOPES.length - 1]);
	});

	it('the critical value is where Other overtakes the best category', () => {
		const evidence = { topInScope: 0.6, trainedOther: 0, coverage: 0.7 };
		const head = { ...settings, otherTrained: false };
		const critical = criticalThreshold(evidence, head);
		const at = (threshold: number) => withOther({ ...head, threshold }, Float64Array.from([0.6, 0.3, 0.1]), 0.7);
		expect(at(critical - 1e-6)[3]).toBeLessThan(at(critical - 1e-6)[0]);
		expect(at(critical + 1e-6)[3]).toBeGreaterThan(at(critical + 1e-6)[0]);
	});

	it('reports the recall of held-out examples of Other, and never lets a threshold be infinite', () => {
		const fit = fitOpenSetThreshold(
			[
				...answers,
				{ topInScope: 0.2, trainedOther: 0.7, coverage: 0.9, kind: 'other', truth: 0.7 },
				{ topInScope: 0.99, trainedOther: 0, coverage: 1, kind: 'other', truth: 0 },
			],
			settings,
		);
		expect(fit.otherRecall).toBe(0.5);
		expect(Number.isFinite(fitOpenSetThreshold([], settings).threshold)).toBe(true);
	});
});
