/**
 * Rate-limit-aware throughput inside a real n8n (each supported version), against the test server
 * enforcing a provider's limits (test/support/providerLimits.ts): 500 items through AI Classify at
 * its defaults come out with no failure, paced at the limit (not faster, and not far slower), with
 * progress in n8n's log; with no header at all the node finds the limit by backing off; with no
 * retries allowed, a rate-limited item fails naming the limit and Continue On Fail carries it;
 * Extract Invoice is paced by tokens per minute.
 */
import fs from 'node:fs';

import { describeEachN8nVersion, type N8nInstance } from '../harness/n8n';
import { startFakeOpenAi, type FakeOpenAi, type ProviderLimits } from '../support/openaiServer';
import { ourNode, splitOut, webhook, workflow } from '../support/workflow';

jest.setTimeout(10 * 60_000);

const API_KEY = 'sk-test-ratelimit-0123456789';
const DOMAIN_FIELDS = { allowedHttpRequestDomains: 'all' };
const CATEGORIES = [
	{ name: 'billing', description: 'invoice charge charged payment card bill' },
	{ name: 'refund', description: 'refund money back return reimburse' },
	{ name: 'technical', description: 'error bug crash login password app broken' },
	{ name: 'shipping', description: 'delivery parcel tracking shipped courier late' },
];
const PHRASES = ['I was charged twice on my card', 'Please refund my money', 'The app crashes at login', 'Where is my parcel?'];

const INVOICE = (n: number) =>
	[
		'ACME Supplies GmbH, Hauptstraße 1, 10115 Berlin, VAT DE123456789',
		`Invoice No: RL-${1000 + n}`,
		'Invoice Date: 2024-03-01',
		'Bill to: Example Customer Ltd, 1 High Street, London',
		'Description                Qty   Unit price   Amount',
		`Consulting services        ${n + 1}     100.00       ${(n + 1) * 100}.00`,
		`Subtotal ${(n + 1) * 100}.00`,
		`VAT 19% ${((n + 1) * 19).toFixed(2)}`,
		`Total EUR ${((n + 1) * 119).toFixed(2)}`,
	].join('\n');

let counter = 0;
async function deploy(n8n: N8nInstance, credentialId: string, nodeType: 'aiClassify' | 'extractInvoice', parameters: Record<string, unknown>, continueOnFail = false) {
	const path = `ratelimit-${++counter}-${Date.now()}`;
	const id = await n8n.createWorkflow(
		workflow(
			`Rate limits ${counter}`,
			[
				webhook('Webhook', path),
				splitOut('Split', 'body.items'),
				ourNode('Paced', nodeType, parameters, {
					credentials: { openAiCompatibleApi: { id: credentialId, name: 'Limited server' } },
					...(continueOnFail ? { onError: 'continueRegularOutput' } : {}),
				}),
			],
			{ Webhook: [['Split']], Split: [['Paced']] },
		),
	);
	await n8n.activate(id);
	await n8n.waitForWebhook(path, 'POST');
	return (items: unknown[]) => n8n.runWebhook(id, path, { method: 'POST', body: { items }, timeoutMs: 5 * 60_000, executionTimeoutMs: 5 * 60_000 });
}

const classifyParameters = (options: Record<string, unknown> = {}) => ({
	engine: 'openai',
	authentication: 'openAiCompatibleApi',
	model: { __rl: true, mode: 'id', value: 'gpt-4o-mini' },
	text: '={{ $json.text }}',
	categories: { category: CATEGORIES },
	fallback: 'none',
	outputMode: 'single',
	options,
});

describeEachN8nVersion('Rate limits', (getN8n) => {
	let fake: FakeOpenAi;
	/** A fresh server (full buckets, its own address: a budget of its own) and a credential for it. */
	async function limitedServer(limits: ProviderLimits, latencyMs = 100) {
		await fake?.close();
		fake = await startFakeOpenAi({ apiKey: API_KEY, seed: 3, latencyMs, rateLimit: limits });
		const credentialId = await getN8n().createCredential(`Limited ${++counter}`, 'openAiCompatibleApi', {
			apiKey: API_KEY,
			baseUrl: fake.baseUrl,
			organization: '',
			customHeaders: '{}',
			...DOMAIN_FIELDS,
		});
		return credentialId;
	}
	afterAll(async () => await fake?.close());

	it('pushes 500 items through 600 requests/min (10 s burst) with no failure, paced at the limit, with progress in the log', async () => {
		const limits = { requestsPerMinute: 600, tokensPerMinute: 200_000, burstSeconds: 10 };
		const run = await deploy(getN8n(), await limitedServer(limits), 'aiClassify', classifyParameters());
		const items = Array.from({ length: 500 }, (_, i) => ({ text: `${PHRASES[i % PHRASES.length]} (#${i})`, n: i }));
		const logBefore = fs.readFileSync(getN8n().logFile, 'utf8').length;
		const started = Date.now();
		const { response, execution } = await run(items);
		const wallMs = Date.now() - started;
		expect(execution.status).toBe('success');
		const out = response.body as Array<{ n: number; ai?: { label: string; attempts: number }; error?: string }>;
		expect(out.map((item) => item.n)).toEqual(items.map((item) => item.n));
		expect(out.filter((item) => item.error || !item.ai?.label)).toEqual([]);

		const admitted = fake.log.filter((entry) => entry.status === 200).map((entry) => entry.at).sort((a, b) => a - b);
		expect(admitted).toHaveLength(500);
		// Never faster than the limit: 100 at once, then 10 a second — so at least 40 s…
		expect(admitted[499] - admitted[0]).toBeGreaterThanOrEqual(39_000);
		// …and within 90% of it (the requests after the burst arrive at the refill rate).
		const afterBurst = admitted.slice(150);
		const perSecond = (afterBurst.length - 1) / ((afterBurst[afterBurst.length - 1] - afterBurst[0]) / 1000);
		expect(perSecond).toBeGreaterThanOrEqual(9);
		expect(perSecond).toBeLessThanOrEqual(10.5);
		expect(wallMs).toBeLessThan(40_000 / 0.9 + 15_000);
		// Evenly: no second after the burst with twice the refill (budget left unused a moment earlier
		// may be spent, a burst may not), and no stall of 2 s.
		for (let i = 0; i < afterBurst.length; i++) {
			expect(afterBurst.filter((at) => at >= afterBurst[i] && at < afterBurst[i] + 1000).length).toBeLessThanOrEqual(20);
			if (i > 0) expect(afterBurst[i] - afterBurst[i - 1]).toBeLessThan(2000);
		}
		expect(fake.stats.rateLimited / fake.log.length).toBeLessThanOrEqual(0.02);
		const log = fs.readFileSync(getN8n().logFile, 'utf8').slice(logBefore);
		expect(log).toMatch(/AI Classify "Paced": \d+ of 500 items done after \d+ s \([\d.]+ items\/s\); \d+ requests, \d+ answered 429; rate limit of gpt-4o-mini: 600 requests\/min and 200,000 tokens\/min \(from the endpoint's rate-limit headers\)/);
	});

	it('finds the limit of a provider that sends no headers at all: 200 items, no failure', async () => {
		const run = await deploy(getN8n(), await limitedServer({ requestsPerMinute: 600, burstSeconds: 5, headers: 'none' }), 'aiClassify', classifyParameters());
		const items = Array.from({ length: 200 }, (_, i) => ({ text: `${PHRASES[i % PHRASES.length]} [${i}]`, n: i }));
		const { response, execution } = await run(items);
		expect(execution.status).toBe('success');
		const out = response.body as Array<{ n: number; ai?: { label: string }; error?: string }>;
		expect(out.filter((item) => item.error || !item.ai?.label)).toEqual([]);
		expect(fake.stats.rateLimited).toBeGreaterThan(0); // it had to find the limit
		expect(fake.stats.rateLimited / fake.log.length).toBeLessThanOrEqual(0.1);
	});

	it('with Retries 0, a rate-limited item fails naming the limit; Continue On Fail carries it and the others go on', async () => {
		const run = await deploy(getN8n(), await limitedServer({ requestsPerMinute: 60, burstSeconds: 10, headers: 'none' }, 20), 'aiClassify', classifyParameters({ maxRetries: 0 }), true);
		const items = Array.from({ length: 30 }, (_, i) => ({ text: `${PHRASES[i % PHRASES.length]} {${i}}`, n: i }));
		const { response, execution } = await run(items);
		expect(execution.status).toBe('success');
		const out = response.body as Array<{ n: number; ai?: { label: string }; error?: string }>;
		expect(out.map((item) => item.n).sort((a, b) => a - b)).toEqual(items.map((item) => item.n));
		const failed = out.filter((item) => item.error);
		expect(failed.length).toBe(fake.stats.rateLimited);
		expect(failed.length).toBeGreaterThan(0);
		for (const item of failed) {
			expect(item.error).toMatch(new RegExp(`^Item ${item.n}: the model endpoint failed: Rate limit reached for gpt-4o-mini on requests per min \\(RPM\\): Limit 60\\. Please try again later\\. \\(HTTP 429\\); the rate limit: `));
		}
		expect(out.filter((item) => item.ai).length).toBe(items.length - failed.length);
	});

	it('Extract Invoice is paced by tokens per minute: 14 invoices, no failure, no 429 after the first answers', async () => {
		const run = await deploy(getN8n(), await limitedServer({ tokensPerMinute: 60_000, burstSeconds: 10 }, 50), 'extractInvoice', {
			engine: 'openai',
			inputType: 'text',
			text: '={{ $json.text }}',
			authentication: 'openAiCompatibleApi',
			model: { __rl: true, mode: 'id', value: 'gpt-4o-mini' },
			options: {},
		});
		const items = Array.from({ length: 14 }, (_, i) => ({ text: INVOICE(i), n: i }));
		const started = Date.now();
		const { response, execution } = await run(items);
		expect(execution.status).toBe('success');
		const out = response.body as Array<{ n: number; invoice?: { invoiceId: string | null }; error?: string }>;
		expect(out.filter((item) => item.error || !item.invoice)).toEqual([]);
		const charged = fake.stats.promptTokens + fake.stats.completionTokens;
		// More than the 10 s bucket holds: the rest had to wait for the refill (1,000 tokens a second).
		expect(charged).toBeGreaterThan(10_000);
		expect(Date.now() - started).toBeGreaterThanOrEqual(((charged - 10_000) / 1000) * 1000 * 0.9);
		expect(fake.stats.rateLimited).toBeLessThanOrEqual(2);
	});
	// A shared machine under load can take minutes to start n8n.
}, { readyTimeoutMs: 300_000 });
