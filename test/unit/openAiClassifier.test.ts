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
