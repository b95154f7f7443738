/** The classify engine against the OpenAI-compatible test server, over HTTP with the real SDK. */
import { normaliseCategories } from '../../nodes/shared/classify/categories';
import { OpenAiClassifier, ModelAnswerError, type ClassifierSettings } from '../../nodes/shared/classify/openAiClassifier';
import { createClient } from '../../nodes/shared/llm/connection';
import { ChatRunner } from '../../nodes/shared/llm/runner';
import { startFakeOpenAi, type FakeOpenAi } from '../support/openaiServer';

const categories = normaliseCategories(
	[
		{ name: 'billing', description: 'invoice charge charged payment card' },
		{ name: 'refund', description: 'refund money back return' },
		{ name: 'technical', description: 'error bug crash login app' },
	],
	false,
);

let fake: FakeOpenAi;
beforeAll(async () => {
	fake = await startFakeOpenAi({ apiKey: 'k', seed: 3 });
});
afterAll(() => fake.close());
beforeEach(() => {
	fake.configure({ faults: {}, respond: undefined, latencyMs: 0 });
	fake.reset();
});

function classifier(settings: Partial<ClassifierSettings> = {}, concurrency = 8) {
	const client = createClient({ baseUrl: fake.baseUrl, apiKey: 'k', headers: {} }, 5000);
	// Enough retries that a 30% fault rate cannot exhaust them (0.3^9 per item): the test stays deterministic.
	const runner = new ChatRunner(client, { concurrency, maxRetries: 8, timeoutMs: 5000, baseBackoffMs: 1 });
	return new OpenAiClassifier(runner, {
		model: 'gpt-4o-mini',
		categories,
		withOther: false,
		multiLabel: false,
		multiLabelThreshold: 0.5,
		includeReasoning: false,
		confidenceMethod: 'auto',
		...settings,
	});
}

it('gives every category a probability and the label the most likely one', async () => {
	const ai = await classifier().classify('I was charged twice on my card', {}, false);
	expect(ai.label).toBe('billing');
	expect(Object.keys(ai.scores!)).toEqual(['billing', 'refund', 'technical']);
	expect(Object.values(ai.scores!).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
	expect(ai.confidence).toBe(ai.scores!.billing);
	expect(ai.confidence).toBeLessThan(1);
	expect(ai.confidenceSource).toBe('logprobs');
	expect(ai.model).toBe('gpt-4o-mini');
	expect(ai.usage!.outputTokens).toBe(1);
});

it('reads the category token inside a JSON answer when reasoning is asked for', async () => {
	const ai = await classifier({ includeReasoning: true }).classify('The app crashes with an error at login', {}, false);
	expect(ai.label).toBe('technical');
	expect(typeof ai.reasoning).toBe('string');
	expect(ai.confidenceSource).toBe('logprobs');
	expect(fake.log[0].body.response_format.type).toBe('json_schema');
});

it('multi-label: a probability per category and the labels above the threshold', async () => {
	const ai = await classifier({ multiLabel: true }).classify('Refund my money, the app crashes with an error', {}, false);
	expect(ai.labels).toEqual(expect.arrayContaining(['refund', 'technical']));
	expect(ai.labels).not.toContain('billing');
	for (const p of Object.values(ai.scores!)) expect(p).toBeGreaterThanOrEqual(0);
	const expectedConfidence = Object.values(ai.scores!).reduce((acc, p) => acc * (p >= 0.5 ? p : 1 - p), 1);
	expect(ai.confidence).toBeCloseTo(expectedConfidence, 5);
});

it('falls back to a stated confidence without logprobs, and remembers the endpoint has none', async () => {
	fake.configure({ faults: { noLogprobs: true } });
	const engine = classifier();
	const first = await engine.classify('I was charged twice on my card', {}, false);
	expect(first.confidenceSource).toBe('model');
	expect(first.label).toBe('billing');
	expect(fake.stats.chatRequests).toBe(2);
	await engine.classify('refund my money', {}, false);
	expect(fake.stats.chatRequests).toBe(3);
	await expect(classifier({ confidenceMethod: 'logprobs' }).classify('x y', {}, false)).rejects.toThrow(/no logprobs/);
});

describe('broken answers (no content, no logprobs) are retried as broken, not taken for an endpoint without logprobs', () => {
	const empty = { content: '', logprobs: null };

	it('retries an empty answer and reads the next one with logprobs', async () => {
		let calls = 0;
		fake.configure({ respond: () => (++calls <= 2 ? empty : undefined) });
		const engine = classifier();
		const ai = await engine.classify('I was charged twice on my card', {}, false);
		expect(ai).toMatchObject({ label: 'billing', confidenceSource: 'logprobs', attempts: 3 });
		// The next item still asks for logprobs (one request, with logprobs).
		const next = await engine.classify('refund my money please', {}, false);
		expect(next.confidenceSource).toBe('logprobs');
		expect(fake.log.map((entry) => entry.body.logprobs)).toEqual([true, true, true, true]);
	});

	it('fails the item with the reason once every attempt was broken, and later items still ask for logprobs', async () => {
		fake.configure({ respond: () => empty });
		const engine = classifier();
		const error = await engine.classify('I was charged twice on my card', {}, false).catch((e) => e);
		expect(error).toBeInstanceOf(ModelAnswerError);
		expect(error.message).toBe("The model's answer is broken: it has no content after 9 attempts");
		expect(error.attempts).toBe(9);
		fake.configure({ respond: undefined });
		expect((await engine.classify('refund my money please', {}, false)).confidenceSource).toBe('logprobs');
	});

	it('under 30% empty answers every item keeps its logprob confidence', async () => {
		let calls = 0;
		fake.configure({ respond: () => (++calls % 10 < 3 ? empty : undefined) });
		const engine = classifier({}, 4);
		const results = await Promise.all(Array.from({ length: 40 }, (_, i) => engine.classify(`charged twice invoice ${i}`, {}, false)));
		expect(results.filter((r) => r.confidenceSource !== 'logprobs')).toEqual([]);
		expect(results.reduce((n, r) => n + r.attempts, 0)).toBe(fake.stats.chatRequests);
	});

	it('a JSON answer that is not JSON is retried too (reasoning shape)', async () => {
		let calls = 0;
		fake.configure({ respond: () => (++calls === 1 ? { content: '{"reasoning": "the customer', logprobs: null } : undefined) });
		const ai = await classifier({ includeReasoning: true }).classify('The app crashes with an error at login', {}, false);
		expect(ai).toMatchObject({ label: 'technical', confidenceSource: 'logprobs', attempts: 2 });
	});

	it('an answer without logprobs that is not a category is the model\'s error, not a reason to fall back', async () => {
		fake.configure({ respond: () => ({ content: 'Sure! Here is', logprobs: null }), faults: { noLogprobs: true } });
		const engine = classifier();
		const error = await engine.classify('anything', {}, false).catch((e) => e);
		expect(error).toBeInstanceOf(ModelAnswerError);
		expect(error.message).toMatch(/which is not one of the categories/);
		// Not taken as "no logprobs here": a well-formed answer later is still asked with logprobs first.
		fake.configure({ respond: undefined, faults: { noLogprobs: true } });
		await engine.classify('I was charged twice on my card', {}, false);
		expect(fake.log.slice(-2).map((entry) => Boolean(entry.body.logprobs))).toEqual([true, false]);
	});
});

it('rejects an answer that is not a category', async () => {
	fake.configure({ respond: () => ({ content: 'Sure! Here is', logprobs: null }) });
	fake.configure({
		respond: () => ({ content: 'Sure', logprobs: [{ token: 'Sure', logprob: -0.01, top_logprobs: [{ token: 'Sure', logprob: -0.01 }] }] }),
	});
	const error = await classifier().classify('anything', {}, false).catch((e) => e);
	expect(error).toBeInstanceOf(ModelAnswerError);
	expect(error.message).toBe('The model answered "Sure", which is not one of the categories (1, 2, 3).');
});

it('retries 429s honouring Retry-After and keeps concurrency bounded', async () => {
	fake.configure({ faults: { rate429: 0.3, retryAfterSeconds: 0 }, latencyMs: 20 });
	const engine = classifier({}, 4);
	const texts = Array.from({ length: 30 }, (_, i) => `charged twice invoice ${i}`);
	const results = await Promise.all(texts.map((t) => engine.classify(t, {}, false)));
	expect(results.every((r) => r.label === 'billing')).toBe(true);
	expect(fake.stats.byStatus[429]).toBeGreaterThan(0);
	expect(results.reduce((n, r) => n + r.attempts, 0)).toBe(fake.stats.chatRequests);
	expect(fake.stats.maxConcurrent).toBeLessThanOrEqual(4);
});
