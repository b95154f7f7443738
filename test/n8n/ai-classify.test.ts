/**
 * AI Classify inside a real n8n (each supported version), against the OpenAI-compatible test server
 * through the real openai SDK: batches through a production webhook, routing per category, confidence
 * equal to what the server's logprobs imply, faults (429/500) without losing items, and bad input;
 * Fallback "Other" for texts unlike every category (local engine, Train, cascade, model).
 */
import fs from 'node:fs';
import os from 'node:os';
import nodePath from 'node:path';

import { describeEachN8nVersion, executionError, nodeOutput, type N8nInstance } from '../harness/n8n';
import { startFakeOpenAi, type FakeOpenAi } from '../support/openaiServer';
import { node, ourNode, splitOut, webhook, workflow } from '../support/workflow';

jest.setTimeout(10 * 60_000);

const API_KEY = 'sk-test-0123456789abcdef';
/** n8n 1.x adds domain-restriction fields to every credential and its public API then requires them. */
const DOMAIN_FIELDS = { allowedHttpRequestDomains: 'all' };

const CATEGORIES = [
	{ name: 'billing', description: 'invoice charge charged payment card bill' },
	{ name: 'refund', description: 'refund money back return reimburse' },
	{ name: 'technical', description: 'error bug crash login password app broken' },
	{ name: 'shipping', description: 'delivery parcel tracking shipped courier late' },
];

const TICKETS = [
	'I was charged twice on my card for the same invoice',
	'Please refund my money, I want it back',
	'The app shows an error and crashes at login',
	'Where is my parcel? The tracking says delivery is late',
	'My password reset link is broken',
	'Can I get a refund and return the shoes?',
	'The bill has a wrong payment amount',
	'Courier lost the parcel during delivery',
	'Bug: the app crashes when I open it',
	'I want my money back for the late delivery',
	'Why is there a second charge on my invoice?',
	'Tracking number does not work for my shipped order',
];

interface AiField {
	label: string;
	labels?: string[];
	scores: Record<string, number>;
	confidence: number;
	confidenceSource: string;
	engine: string;
	model: string;
	usage: { inputTokens: number; outputTokens: number; costUsd?: number };
	latencyMs: number;
	attempts: number;
	truncated?: boolean;
	at: string;
}

function classifyParameters(overrides: Record<string, unknown> = {}) {
	return {
		engine: 'openai',
		authentication: 'openAiCompatibleApi',
		model: { __rl: true, mode: 'id', value: 'gpt-4o-mini' },
		text: '={{ $json.text }}',
		categories: { category: CATEGORIES },
		fallback: 'none',
		outputMode: 'single',
		options: {},
		...overrides,
	};
}

let counter = 0;
async function deploy(
	n8n: N8nInstance,
	credentialId: string,
	parameters: Record<string, unknown>,
	settings: { continueOnFail?: boolean } = {},
) {
	const path = `classify-${++counter}-${Date.now()}`;
	const wf = workflow(
		`AI Classify test ${counter}`,
		[
			webhook('Webhook', path),
			splitOut('Split', 'body.tickets'),
			ourNode('AI Classify', 'aiClassify', parameters, {
				credentials: { openAiCompatibleApi: { id: credentialId, name: 'Test server' } },
				...(settings.continueOnFail ? { onError: 'continueRegularOutput' } : {}),
			}),
		],
		{ Webhook: [['Split']], Split: [['AI Classify']] },
	);
	const id = await n8n.createWorkflow(wf);
	await n8n.activate(id);
	await n8n.waitForWebhook(path, 'POST');
	return {
		id,
		run: (tickets: unknown[]) => n8n.runWebhook(id, path, { method: 'POST', body: { tickets } }),
	};
}

/** A webhook workflow with AI Classify on the local engine (no credential): items come in body.items. */
async function deployLocal(n8n: N8nInstance, parameters: Record<string, unknown>, settings: { continueOnFail?: boolean } = {}) {
	const path = `local-${++counter}-${Date.now()}`;
	const id = await n8n.createWorkflow(
		workflow(
			`AI Classify local ${counter}`,
			[
				webhook('Webhook', path),
				splitOut('Split', 'body.items'),
				ourNode('AI Classify', 'aiClassify', { engine: 'local', text: '={{ $json.text }}', options: {}, ...parameters }, {
					...(settings.continueOnFail ? { onError: 'continueRegularOutput' } : {}),
				}),
			],
			{ Webhook: [['Split']], Split: [['AI Classify']] },
		),
	);
	await n8n.activate(id);
	await n8n.waitForWebhook(path, 'POST');
	return (items: unknown[]) => n8n.runWebhook(id, path, { method: 'POST', body: { items } });
}

/** The distribution the server's answer implies: softmax of the category tokens' logprobs. */
function expectedScores(fake: FakeOpenAi, text: string) {
	const entry = fake.log.find((e) => e.status === 200 && JSON.stringify(e.body.messages).includes(JSON.stringify(text).slice(1, -1)));
	if (!entry) throw new Error(`no request for ${text}`);
	const top: Array<{ token: string; logprob: number }> = entry.response.choices[0].logprobs.content[0].top_logprobs;
	const mass: Record<string, number> = {};
	for (const t of top) {
		const key = t.token.trim();
		if (/^[1-4]$/.test(key)) mass[key] = (mass[key] ?? 0) + Math.exp(t.logprob);
	}
	const total = Object.values(mass).reduce((a, b) => a + b, 0);
	return Object.fromEntries(Object.entries(mass).map(([k, v]) => [CATEGORIES[Number(k) - 1].name, v / total]));
}

describeEachN8nVersion('AI Classify', (getN8n) => {
	let fake: FakeOpenAi;
	let credentialId: string;

	beforeAll(async () => {
		fake = await startFakeOpenAi({ apiKey: API_KEY, seed: 7 });
		credentialId = await getN8n().createCredential('Test server', 'openAiCompatibleApi', {
			apiKey: API_KEY,
			baseUrl: fake.baseUrl,
			organization: '',
			customHeaders: '{}',
			...DOMAIN_FIELDS,
		});
	});
	afterAll(async () => fake?.close());
	beforeEach(() => {
		fake.configure({ faults: {}, latencyMs: 0, respond: undefined });
		fake.reset();
	});

	it('classifies a batch through a production webhook with the confidence the logprobs imply', async () => {
		const flow = await deploy(getN8n(), credentialId, classifyParameters({ contextFields: 'tier' }));
		const tickets = TICKETS.map((text, i) => ({ text, tier: i % 2 ? 'gold' : 'basic', ticketId: i }));
		const { response, execution } = await flow.run(tickets);
		expect(response.status).toBe(200);
		expect(execution.status).toBe('success');
		const items = response.body as Array<{ text: string; tier: string; ticketId: number; ai: AiField }>;
		expect(items).toHaveLength(TICKETS.length);
		const [out] = nodeOutput(execution, 'AI Classify');
		out.forEach((item, i) => expect(item.pairedItem).toEqual({ item: i }));

		for (const [i, item] of items.entries()) {
			expect(item.ticketId).toBe(i); // original fields kept
			expect(item.tier).toBe(tickets[i].tier);
			const expected = expectedScores(fake, item.text);
			for (const category of CATEGORIES) {
				expect(item.ai.scores[category.name]).toBeCloseTo(expected[category.name] ?? 0, 5);
			}
			const best = Object.entries(expected).sort((a, b) => b[1] - a[1])[0];
			expect(item.ai.label).toBe(best[0]);
			expect(item.ai.confidence).toBeCloseTo(best[1], 5);
			expect(item.ai.confidenceSource).toBe('logprobs');
			expect(item.ai.engine).toBe('openai');
			expect(item.ai.attempts).toBe(1);
			expect(item.ai.usage.inputTokens).toBeGreaterThan(50);
			expect(item.ai.usage.outputTokens).toBe(1);
			expect(item.ai.usage.costUsd).toBeCloseTo((item.ai.usage.inputTokens * 0.15 + 0.6) / 1e6, 12);
		}
		// The lexical test model agrees with the obvious cases.
		expect(items[0].ai.label).toBe('billing');
		expect(items[1].ai.label).toBe('refund');
		expect(items[2].ai.label).toBe('technical');
		expect(items[3].ai.label).toBe('shipping');
		// Context fields reach the model, after the static prefix.
		const request = fake.log.find((e) => JSON.stringify(e.body).includes('charged twice'))!.body;
		expect(request.messages[1].content).toBe(`Context:\ntier: basic\n\nText:\n${TICKETS[0]}`);
		expect(request.max_tokens).toBe(1);
		expect(fake.stats.chatRequests).toBe(TICKETS.length);
	});

	it('routes each item to the output of its category', async () => {
		const flow = await deploy(getN8n(), credentialId, classifyParameters({ outputMode: 'perCategory', fallback: 'other' }));
		const { execution } = await flow.run(TICKETS.map((text) => ({ text })));
		const outputs = nodeOutput(execution, 'AI Classify');
		expect(outputs).toHaveLength(CATEGORIES.length + 1);
		let total = 0;
		outputs.forEach((items, index) => {
			for (const item of items) {
				const ai = item.json.ai as unknown as AiField;
				expect(ai.label).toBe(index < CATEGORIES.length ? CATEGORIES[index].name : 'Other');
				total++;
			}
		});
		expect(total).toBe(TICKETS.length);
	});

	it('loses no item under 30% 429 / 5% 500: retries recover, Continue On Fail carries the rest', async () => {
		const batch = Array.from({ length: 40 }, (_, i) => ({ text: `${TICKETS[i % TICKETS.length]} (#${i})`, n: i }));
		fake.configure({ faults: { rate429: 0.3, rate500: 0.05, retryAfterSeconds: 0 } });
		const retrying = await deploy(getN8n(), credentialId, classifyParameters({ options: { maxRetries: 10 } }));
		const first = await retrying.run(batch);
		const classified = first.response.body as Array<{ n: number; ai: AiField }>;
		expect(classified.map((item) => item.n)).toEqual(batch.map((b) => b.n));
		expect(classified.every((item) => item.ai && item.ai.label)).toBe(true);
		expect(classified.some((item) => item.ai.attempts > 1)).toBe(true);
		expect(fake.stats.byStatus[429]).toBeGreaterThan(0);

		fake.reset();
		const noRetries = await deploy(getN8n(), credentialId, classifyParameters({ options: { maxRetries: 0 } }), { continueOnFail: true });
		const second = await noRetries.run(batch);
		expect(second.execution.status).toBe('success');
		const items = second.response.body as Array<{ n: number; ai?: AiField; error?: string }>;
		expect(items.map((item) => item.n).sort((a, b) => a - b)).toEqual(batch.map((b) => b.n));
		const failed = items.filter((item) => item.error);
		expect(failed.length).toBe((fake.stats.byStatus[429] ?? 0) + (fake.stats.byStatus[500] ?? 0));
		expect(failed.length).toBeGreaterThan(0);
		for (const item of failed) {
			expect(item.error).toMatch(new RegExp(`^Item ${item.n}: the model endpoint failed: .*\\(HTTP (429|500)\\)`));
			expect(item.ai).toBeUndefined();
		}
		expect(items.filter((item) => item.ai).length).toBe(batch.length - failed.length);
	});

	it('reports bad items by index; with Continue On Fail the others go on', async () => {
		const tickets = [{ text: TICKETS[0] }, { text: '   ' }, { text: 42 }, { other: 'no text field' }, { text: TICKETS[1] }];
		const lenient = await deploy(getN8n(), credentialId, classifyParameters(), { continueOnFail: true });
		const { response } = await lenient.run(tickets);
		const items = response.body as Array<{ ai?: AiField; error?: string }>;
		expect(items).toHaveLength(5);
		expect(items[0].ai?.label).toBe('billing');
		expect(items[1].error).toBe('Item 1: the text to classify is empty');
		expect(items[2].error).toBe('Item 2: the text to classify is a number, not a string');
		expect(items[3].error).toBe('Item 3: the text to classify is nothing, not a string');
		expect(items[4].ai?.label).toBe('refund');

		const strict = await deploy(getN8n(), credentialId, classifyParameters());
		const failed = await strict.run(tickets);
		expect(failed.execution.status).toBe('error');
		// n8n shows the message and, under it, how to fix it.
		expect(executionError(failed.execution)).toMatch(/^Item 1: the text to classify is empty.*Check that "Text" points at the right field/s);
	});

	it('Continue (using error output): failed items leave on the error output with their fields', async () => {
		const n8n = getN8n();
		const path = `error-output-${++counter}-${Date.now()}`;
		const id = await n8n.createWorkflow(
			workflow(
				`AI Classify error output ${counter}`,
				[
					webhook('Webhook', path),
					splitOut('Split', 'body.items'),
					ourNode('AI Classify', 'aiClassify', { engine: 'local', text: '={{ $json.text }}', categories: { category: CATEGORIES }, outputMode: 'single', options: {} }, { onError: 'continueErrorOutput' }),
					node('Classified', 'n8n-nodes-base.noOp', 1, {}),
					node('Failed', 'n8n-nodes-base.noOp', 1, {}),
				],
				{ Webhook: [['Split']], Split: [['AI Classify']], 'AI Classify': [['Classified'], ['Failed']] },
			),
		);
		await n8n.activate(id);
		await n8n.waitForWebhook(path, 'POST');
		const { execution } = await n8n.runWebhook(id, path, { method: 'POST', body: { items: [{ text: TICKETS[0], n: 0 }, { text: '  ', n: 1 }, { n: 2 }] } });
		expect(executionError(execution)).toBeUndefined();
		expect(nodeOutput(execution, 'Classified')[0].map((item) => item.json.n)).toEqual([0]);
		// n8n adds the input item's fields back to the item on the error output.
		expect(nodeOutput(execution, 'Failed')[0].map((item) => item.json)).toEqual([
			{ text: '  ', n: 1, error: 'Item 1: the text to classify is empty' },
			{ n: 2, error: 'Item 2: the text to classify is nothing, not a string' },
		]);
	});

	it('truncates text over the limit and flags it, or fails the item by option', async () => {
		const long = 'refund '.repeat(50);
		const truncating = await deploy(getN8n(), credentialId, classifyParameters({ options: { maxTextLength: 40 } }));
		const { response } = await truncating.run([{ text: long }]);
		const [item] = response.body as Array<{ ai: AiField }>;
		expect(item.ai.truncated).toBe(true);
		expect(JSON.stringify(fake.log[0].body.messages[1].content)).toContain('refund refund');
		expect(fake.log[0].body.messages[1].content.length).toBeLessThan(60);

		const failing = await deploy(getN8n(), credentialId, classifyParameters({ options: { maxTextLength: 40, onLongText: 'fail' } }), {
			continueOnFail: true,
		});
		const second = await failing.run([{ text: long }]);
		expect((second.response.body as Array<{ error: string }>)[0].error).toBe(
			`Item 0: the text is ${long.trim().length} characters long, over the limit of 40`,
		);
	});

	it('refuses a configuration without categories or with duplicate names', async () => {
		const none = await deploy(getN8n(), credentialId, classifyParameters({ categories: {} }));
		const a = await none.run([{ text: 'x' }]);
		expect(executionError(a.execution)).toMatch(/^No categories are defined/);

		const duplicates = await deploy(
			getN8n(),
			credentialId,
			classifyParameters({ categories: { category: [{ name: 'billing' }, { name: 'Billing' }] } }),
		);
		const b = await duplicates.run([{ text: 'x' }]);
		expect(executionError(b.execution)).toMatch(/^Categories 1 and 2 are both named "Billing"\. Category names must be unique\./);
	});

	it('under On Error: Continue a settings error goes on every item (n8n alone would pass them on unmarked)', async () => {
		const tickets = [{ text: 'charged twice', id: 1 }, { text: 'refund please', id: 2 }];
		const cases: Array<[string, Record<string, unknown>, RegExp]> = [
			['no categories', { categories: {} }, /^No categories are defined/],
			['duplicate categories', { categories: { category: [{ name: 'billing' }, { name: 'Billing' }] } }, /^Categories 1 and 2 are both named "Billing"/],
			['a name from an expression on a missing field', { categories: { category: [{ name: '={{ $json.missing }}' }, { name: 'refund' }] } }, /^Category 1 has no name\. Give every category a name \(a name set by an expression must give text for the first item\)\./],
		];
		for (const [what, parameters, message] of cases) {
			const flow = await deploy(getN8n(), credentialId, classifyParameters(parameters), { continueOnFail: true });
			const { response, execution } = await flow.run(tickets);
			expect(execution.status).toBe('success');
			const items = response.body as Array<{ id: number; error?: string; errorDescription?: string; ai?: unknown }>;
			expect({ what, ids: items.map((item) => item.id) }).toEqual({ what, ids: [1, 2] });
			for (const item of items) {
				expect(item.error).toMatch(message);
				expect(item.errorDescription).toMatch(/Categories are set in the node/);
				expect(item.ai).toBeUndefined();
			}
		}
	});

	it('names the item and the provider message for a wrong key, an unreachable URL and garbage answers, without leaking the key', async () => {
		const n8n = getN8n();
		const wrongKey = await n8n.createCredential('Wrong key', 'openAiCompatibleApi', {
			apiKey: 'sk-wrong-secret-999',
			baseUrl: fake.baseUrl,
			organization: '',
			customHeaders: '{}',
			...DOMAIN_FIELDS,
		});
		const unauthorized = await deploy(n8n, wrongKey, classifyParameters(), { continueOnFail: true });
		const a = await unauthorized.run([{ text: TICKETS[0] }]);
		const errorA = (a.response.body as Array<{ error: string }>)[0].error;
		expect(errorA).toMatch(/^Item 0: the model endpoint failed: .*\(HTTP 401\)/);
		expect(JSON.stringify(a.execution)).not.toContain('sk-wrong-secret-999');

		const unreachable = await n8n.createCredential('Nowhere', 'openAiCompatibleApi', {
			apiKey: API_KEY,
			baseUrl: 'http://127.0.0.1:9/v1',
			organization: '',
			customHeaders: '{}',
			...DOMAIN_FIELDS,
		});
		const down = await deploy(n8n, unreachable, classifyParameters({ options: { maxRetries: 1 } }));
		const b = await down.run([{ text: TICKETS[0] }]);
		expect(b.execution.status).toBe('error');
		expect(executionError(b.execution)).toMatch(/^Item 0: the model endpoint failed: Connection error/);

		fake.configure({
			respond: () => ({
				content: 'Hello',
				logprobs: [{ token: 'Hello', logprob: -0.1, top_logprobs: [{ token: 'Hello', logprob: -0.1 }, { token: 'Hi', logprob: -2.4 }] }],
			}),
		});
		const garbage = await deploy(n8n, credentialId, classifyParameters(), { continueOnFail: true });
		const c = await garbage.run([{ text: TICKETS[0] }]);
		expect((c.response.body as Array<{ error: string }>)[0].error).toMatch(/^Item 0: The model answered "Hello", which is not one of the categories/);
	});

	it('classifies offline with the local engine: no credential, no request, no cost', async () => {
		const n8n = getN8n();
		const path = `local-${Date.now()}`;
		const examples: Record<string, string> = {
			billing: 'I was charged twice\nWrong amount on my invoice\nMy card payment failed',
			refund: 'I want my money back\nPlease refund the order\nHow do I return this for a refund',
			technical: 'The app crashes\nI cannot log in\nError message when I open the page',
			shipping: 'Where is my parcel\nThe delivery is late\nTracking number does not work',
		};
		const id = await n8n.createWorkflow(
			workflow('AI Classify local', [
				webhook('Webhook', path),
				splitOut('Split', 'body.tickets'),
				ourNode('AI Classify', 'aiClassify', {
					engine: 'local',
					text: '={{ $json.text }}',
					categories: { category: CATEGORIES.map((c) => ({ ...c, examples: examples[c.name] })) },
					outputMode: 'single',
					options: {},
				}),
			], { Webhook: [['Split']], Split: [['AI Classify']] }),
		);
		await n8n.activate(id);
		await n8n.waitForWebhook(path, 'POST');
		const { response } = await n8n.runWebhook(id, path, { method: 'POST', body: { tickets: TICKETS.slice(0, 4).map((text) => ({ text })) } });
		const items = response.body as Array<{ ai: AiField & { tier?: string } }>;
		expect(items.map((i) => i.ai.label)).toEqual(['billing', 'refund', 'technical', 'shipping']);
		for (const item of items) {
			expect(item.ai.engine).toBe('local');
			expect(item.ai.confidenceSource).toBe('local');
			expect(item.ai.model).toMatch(/^local:/);
			expect(item.ai.usage.costUsd).toBe(0);
			expect(item.ai.confidence).toBeGreaterThan(0.25);
			expect(item.ai.confidence).toBeLessThan(1);
			expect(Object.values(item.ai.scores).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 4);
		}
		expect(fake.stats.requests).toBe(0);
	});

	it('cascade: confident local answers stay local, the rest go to the model', async () => {
		const categories = {
			category: CATEGORIES.map((c) => ({
				...c,
				examples: c.name === 'billing' ? 'charged twice on my card for the invoice\ndouble charge on my card invoice' : '',
			})),
		};
		const texts = [{ text: 'I was charged twice on my card for the same invoice' }, { text: 'Hello, a question about my account' }];
		// The local model is deterministic: its confidences tell where to put the bar between the two texts.
		const localOnly = await deploy(getN8n(), credentialId, classifyParameters({ engine: 'local', categories }));
		const local = (await localOnly.run(texts)).response.body as Array<{ ai: AiField }>;
		const [sure, unsure] = local.map((i) => i.ai.confidence);
		expect(sure).toBeGreaterThan(unsure);
		const bar = (sure + unsure) / 2;

		const flow = await deploy(getN8n(), credentialId, classifyParameters({ engine: 'cascade', cascadeThreshold: bar, categories }));
		const { response } = await flow.run(texts);
		const items = response.body as Array<{ ai: AiField & { tier?: string } }>;
		expect(items.map((i) => i.ai.engine)).toEqual(['cascade', 'cascade']);
		expect(items.map((i) => i.ai.tier)).toEqual(['local', 'llm']);
		expect(fake.stats.chatRequests).toBe(1);
		expect(items[0].ai.confidence).toBeCloseTo(sure, 6);
		expect(items[0].ai.label).toBe('billing');
		expect(items[0].ai.usage.costUsd).toBe(0);
		expect(items[1].ai.confidenceSource).toBe('logprobs');
		expect(items[1].ai.usage.costUsd).toBeGreaterThan(0);

		// Logged by Metrics Logger, the report counts both tiers and prices the local answers by the LLM's.
		const n8n = getN8n();
		const tmp = fs.mkdtempSync(nodePath.join(os.tmpdir(), 'aiwf-cascade-'));
		try {
			const store = { storeType: 'sqlite', storePath: nodePath.join(tmp, 'store.sqlite') };
			const logPath = `cascade-log-${++counter}-${Date.now()}`;
			const logged = await n8n.createWorkflow(
				workflow(
					`Cascade logged ${counter}`,
					[
						webhook('Webhook', logPath),
						splitOut('Split', 'body.tickets'),
						ourNode('AI Classify', 'aiClassify', classifyParameters({ engine: 'cascade', cascadeThreshold: bar, categories }), {
							credentials: { openAiCompatibleApi: { id: credentialId, name: 'Test server' } },
						}),
						ourNode('Metrics Logger', 'metricsLogger', { operation: 'log', ...store, step: 'triage' }),
					],
					{ Webhook: [['Split']], Split: [['AI Classify']], 'AI Classify': [['Metrics Logger']] },
				),
			);
			await n8n.activate(logged);
			await n8n.waitForWebhook(logPath, 'POST');
			fake.reset();
			// Two confident texts stay local, one goes to the model.
			const run = await n8n.runWebhook(logged, logPath, { method: 'POST', body: { tickets: [texts[0], texts[1], texts[0]] } });
			expect(run.execution.status).toBe('success');
			const loggedItems = run.response.body as Array<{ ai: AiField & { tier?: string } }>;
			expect(loggedItems.map((i) => i.ai.tier)).toEqual(['local', 'llm', 'local']);
			expect(fake.stats.chatRequests).toBe(1);
			const llmCost = loggedItems[1].ai.usage.costUsd!;

			const reportPath = `cascade-report-${++counter}-${Date.now()}`;
			const report = await n8n.createWorkflow(
				workflow(
					`Cascade report ${counter}`,
					[
						webhook('Webhook', reportPath),
						ourNode('Metrics Logger', 'metricsLogger', {
							operation: 'report',
							...store,
							window: 'last',
							lastAmount: 1,
							lastUnit: 'days',
							filters: { workflowId: logged },
							reportOptions: {},
						}),
					],
					{ Webhook: [['Metrics Logger']] },
				),
			);
			await n8n.activate(report);
			await n8n.waitForWebhook(reportPath, 'POST');
			const { execution } = await n8n.runWebhook(report, reportPath, { method: 'POST', body: {} });
			expect(executionError(execution)).toBeUndefined();
			// eslint-disable-next-line @typescript-eslint/no-explicit-any -- n8n's untyped execution JSON
			const cascade = nodeOutput(execution, 'Metrics Logger')[0][0].json.cascade as Record<string, any>;
			expect(cascade).toMatchObject({ items: 3, localItems: 2, llmItems: 1, localItemsPriced: 2, localItemsNotPriced: 0 });
			expect(cascade.localShare).toBeCloseTo(2 / 3, 10);
			expect(cascade.llmCostUsd).toBeCloseTo(llmCost, 9);
			expect(cascade.estimatedSavedUsd).toBeCloseTo(2 * llmCost, 9);
			expect(cascade.groups).toEqual([
				expect.objectContaining({ workflowId: logged, nodeName: 'Metrics Logger', step: 'triage', task: 'classify', localItems: 2, llmItems: 1 }),
			]);
		} finally {
			fs.rmSync(tmp, { recursive: true, force: true });
		}
	});

	describe('Train operation and named models', () => {
		const samples = nodePath.join(__dirname, '../../examples/samples');
		const training = JSON.parse(fs.readFileSync(nodePath.join(samples, 'triage-training.json'), 'utf8')) as {
			examples: Record<string, string[]>;
		};
		const heldOut = JSON.parse(fs.readFileSync(nodePath.join(samples, 'tickets.json'), 'utf8')) as Array<{ text: string; truth: string }>;
		const labels = Object.keys(training.examples);
		// Names only: whatever the classifying node knows beyond them comes from the trained model.
		const bareCategories = { category: labels.map((name) => ({ name })) };
		const sixty = labels.flatMap((label) => training.examples[label].slice(0, 10).map((text) => ({ text, label, ticket: `${label}-x` })));
		let tmp: string;
		beforeAll(() => {
			tmp = fs.mkdtempSync(nodePath.join(os.tmpdir(), 'aiwf-train-'));
		});
		afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
		const store = () => ({ storeType: 'sqlite', storePath: nodePath.join(tmp, 'store.sqlite') });

		it('trains a named model from 60 labelled items; a classify node with only the names then uses it', async () => {
			const n8n = getN8n();
			const modelName = `triage-${Date.now()}`;
			const train = await deployLocal(n8n, { operation: 'train', modelName, label: '={{ $json.label }}', categories: bareCategories, ...store() });
			const trained = await train(sixty);
			expect(trained.execution.status).toBe('success');
			const [summary] = trained.response.body as Array<{
				model: string;
				version: string;
				metrics: { accuracy: number; ece: number; examples: number; examplesPerLabel: Record<string, number>; trainMs: number };
				added: number;
				skipped: number;
			}>;
			expect(summary).toMatchObject({ model: modelName, added: 60, skipped: 0 });
			expect(summary.version).toMatch(/^local-[0-9a-f]{16}$/);
			expect(summary.metrics.examples).toBe(60);
			expect(summary.metrics.examplesPerLabel).toEqual(Object.fromEntries(labels.map((label) => [label, 10])));
			expect(summary.metrics.accuracy).toBeGreaterThan(0.5);
			expect(summary.metrics.ece).toBeGreaterThanOrEqual(0);
			expect(summary.metrics.trainMs).toBeGreaterThan(0);
			const [out] = nodeOutput(trained.execution, 'AI Classify');
			expect(out).toHaveLength(1);
			expect(out[0].pairedItem).toEqual(sixty.map((_, item) => ({ item })));

			const classify = await deployLocal(n8n, { modelName, categories: bareCategories, outputMode: 'single', ...store() });
			const { response } = await classify(heldOut);
			const items = response.body as Array<{ truth: string; ai: AiField }>;
			expect(items).toHaveLength(heldOut.length);
			for (const item of items) expect(item.ai.model).toBe(`local:${summary.version}`);
			const accuracy = items.filter((item) => item.ai.label === item.truth).length / items.length;
			// Six categories: chance is 1/6.
			expect(accuracy).toBeGreaterThan(0.6);

			// Without the Model Name the same node knows only the category names, and does much worse.
			const namesOnly = await deployLocal(n8n, { categories: bareCategories, outputMode: 'single' });
			const guessed = (await namesOnly(heldOut)).response.body as Array<{ truth: string; ai: AiField }>;
			expect(guessed[0].ai.model).not.toBe(`local:${summary.version}`);
			expect(guessed.filter((item) => item.ai.label === item.truth).length / guessed.length).toBeLessThan(accuracy - 0.1);
		});

		it('names the item of a label that is no category; Continue On Fail skips and counts it', async () => {
			const n8n = getN8n();
			const modelName = `bad-label-${Date.now()}`;
			const parameters = { operation: 'train', modelName, label: '={{ $json.label }}', categories: bareCategories, ...store() };
			const batch = [...sixty.slice(0, 3), { text: 'where is my parcel', label: 'shipping' }, ...sixty.slice(3, 6)];
			const failing = await deployLocal(n8n, parameters);
			const failed = await failing(batch);
			expect(failed.execution.status).toBe('error');
			expect(executionError(failed.execution)).toMatch(/^Item 3: the training label "shipping" is not one of the categories \("account", "order"/);

			const skipping = await deployLocal(n8n, parameters, { continueOnFail: true });
			const { response, execution } = await skipping(batch);
			expect(execution.status).toBe('success');
			// The webhook answers with every item of the last node: here the one summary.
			expect(response.body).toMatchObject([{ model: modelName, skipped: 1, added: 6, metrics: { examples: 6 } }]);
		});
	});

	it('falls back to the model\'s stated confidence where the endpoint returns no logprobs', async () => {
		fake.configure({ faults: { noLogprobs: true } });
		const flow = await deploy(getN8n(), credentialId, classifyParameters());
		const { response } = await flow.run(TICKETS.slice(0, 3).map((text) => ({ text })));
		const items = response.body as Array<{ ai: AiField }>;
		for (const item of items) {
			expect(item.ai.confidenceSource).toBe('model');
			expect(Object.values(item.ai.scores).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
		}
		expect(items[0].ai.label).toBe('billing');
	});

	describe('Fallback "Other"', () => {
		const samples = nodePath.join(__dirname, '../../examples/samples');
		const training = JSON.parse(fs.readFileSync(nodePath.join(samples, 'triage-training.json'), 'utf8')) as {
			examples: Record<string, string[]>;
		};
		const tickets = JSON.parse(fs.readFileSync(nodePath.join(samples, 'tickets.json'), 'utf8')) as Array<{ text: string; truth: string }>;
		const labels = Object.keys(training.examples);
		// The categories with their examples in the node's own settings, as a user would give them.
		const categories = { category: labels.map((name) => ({ name, examples: training.examples[name].join('\n') })) };
		// Clearly out of scope for a shop's support inbox.
		const offTopic = [
			'what is the weather in Paris tomorrow',
			'Who won the football match last night?',
			'Can you recommend a good pasta recipe?',
			'Tell me a joke about cats',
			'How tall is the Eiffel tower?',
			'What time does the sun set today?',
		];

		it('local engine: off-topic texts go to the Other output, in-scope ones keep their category', async () => {
			const run = await deployLocal(getN8n(), { categories, fallback: 'other', outputMode: 'perCategory' });
			const items = [...tickets.map(({ text, truth }) => ({ text, truth })), ...offTopic.map((text) => ({ text, truth: 'Other' }))];
			const { execution } = await run(items);
			expect(execution.status).toBe('success');
			const outputs = nodeOutput(execution, 'AI Classify');
			expect(outputs).toHaveLength(labels.length + 1);
			const other = outputs[labels.length].map((item) => item.json as { text: string; truth: string; ai: AiField });
			expect(other.filter((item) => item.truth === 'Other').map((item) => item.text).sort()).toEqual([...offTopic].sort());
			expect(other.filter((item) => item.truth !== 'Other').length).toBeLessThanOrEqual(2);
			for (const item of other) {
				expect(item.ai.label).toBe('Other');
				expect(item.ai.confidence).toBe(item.ai.scores.Other);
				expect(item.ai.confidence).toBe(Math.max(...Object.values(item.ai.scores)));
			}
			const all = outputs.flat().map((item) => item.json as { truth: string; ai: AiField });
			expect(all).toHaveLength(items.length);
			for (const item of all) {
				expect(Object.keys(item.ai.scores).sort()).toEqual([...labels, 'Other'].sort());
				expect(Object.values(item.ai.scores).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 4);
			}
			const inScope = all.filter((item) => item.truth !== 'Other');
			expect(inScope.filter((item) => item.ai.label === item.truth).length / inScope.length).toBeGreaterThan(0.8);
		});

		it('Train: items labelled Other teach it; the named model then says Other for texts like them', async () => {
			const n8n = getN8n();
			const tmp = fs.mkdtempSync(nodePath.join(os.tmpdir(), 'aiwf-other-'));
			try {
				const store = { storeType: 'sqlite', storePath: nodePath.join(tmp, 'store.sqlite') };
				const modelName = `with-other-${Date.now()}`;
				const bare = { category: labels.map((name) => ({ name })) };
				const spam = [
					'Win a free cruise, click this link now',
					'Cheap watches and sunglasses, best prices online',
					'Congratulations, you have won a prize, claim it today',
					'Earn money from home, no experience needed',
					'Limited offer: lose weight fast with this pill',
					'You are the lucky winner of our lottery',
				];
				const labelled = [
					...labels.flatMap((label) => training.examples[label].map((text) => ({ text, label }))),
					// Any case: the label is matched to the category "Other".
					...spam.map((text) => ({ text, label: 'other' })),
				];
				const settings = { categories: bare, fallback: 'other', modelName, ...store };
				const train = await deployLocal(n8n, { ...settings, operation: 'train', label: '={{ $json.label }}' });
				const trained = await train(labelled);
				expect(trained.execution.status).toBe('success');
				expect(trained.response.body).toMatchObject([{ model: modelName, skipped: 0, metrics: { examplesPerLabel: { Other: spam.length } } }]);

				const classify = await deployLocal(n8n, { ...settings, outputMode: 'single' });
				const { response } = await classify([{ text: 'Claim your free prize now, click here' }, { text: tickets[0].text }]);
				const [unseenSpam, ticket] = response.body as Array<{ ai: AiField }>;
				expect(unseenSpam.ai.label).toBe('Other');
				expect(ticket.ai.label).toBe(tickets[0].truth);
			} finally {
				fs.rmSync(tmp, { recursive: true, force: true });
			}
		});

		it('cascade: a confident local Other stays local; the model answers Other from its logprobs', async () => {
			const bar = 0.55;
			const cascade = await deploy(getN8n(), credentialId, classifyParameters({ engine: 'cascade', categories, fallback: 'other', cascadeThreshold: bar }));
			const { response, execution } = await cascade.run(offTopic.map((text) => ({ text })));
			expect(execution.status).toBe('success');
			const items = response.body as Array<{ ai: AiField & { tier?: string } }>;
			const local = items.filter((item) => item.ai.tier === 'local');
			expect(local.length).toBeGreaterThan(0);
			for (const item of local) {
				expect(item.ai.label).toBe('Other');
				expect(item.ai.confidence).toBeGreaterThanOrEqual(bar);
			}
			expect(fake.stats.chatRequests).toBe(items.length - local.length);
			for (const item of items.filter((i) => i.ai.tier === 'llm')) {
				expect(item.ai.confidenceSource).toBe('logprobs');
				expect(item.ai.scores).toHaveProperty('Other');
			}
			// The model alone: Other is one of its category keys, with a probability from the logprobs (names
			// only: the test model would read the example lines as options).
			const names = { category: labels.map((name) => ({ name })) };
			const model = await deploy(getN8n(), credentialId, classifyParameters({ categories: names, fallback: 'other' }));
			const [answered] = (await model.run([{ text: offTopic[0] }])).response.body as Array<{ ai: AiField }>;
			expect(answered.ai.confidenceSource).toBe('logprobs');
			expect(answered.ai.label).toBe('Other');
			expect(answered.ai.confidence).toBeCloseTo(answered.ai.scores.Other, 6);
			expect(Object.values(answered.ai.scores).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 4);
		});
	});
});
