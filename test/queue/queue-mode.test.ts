/**
 * The package in n8n 2.41.1 queue mode: main, a webhook processor and two workers on the machine's
 * PostgreSQL and Redis, the package store on PostgreSQL. 200 support messages posted to the
 * processor run AI Classify (OpenAI-compatible test server, 50 ms per request) → Confidence Router →
 * Human Review Wait for the uncertain → Metrics Logger; then the 50 reviews are decided concurrently
 * through the processor over HTTP. Every execution runs on a worker and ends `success`; the Metrics
 * Logger report equals the truth. A worker SIGKILLed mid-run, and the store's own PostgreSQL crashed
 * and restarted under Metrics Logger (test/harness/privatePostgres: the machine's server stays up), lose
 * or double nothing. The embedded SQLite store refuses queue mode with a clear error.
 *
 * Run: npm run test:queue (builds first). Env AIW_KEEP_N8N=1 keeps the processes' folders and logs.
 */
import { randomUUID } from 'node:crypto';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client } from 'pg';

import { executionError, nodeOutput, type Execution } from '../harness/n8n';
import { startPrivatePostgres, type PrivatePostgres } from '../harness/privatePostgres';
import { startQueueN8n, type QueueN8n } from '../harness/queue';
import { createTestDatabase, PG, postgresCredentialData } from '../support/pg';
import { startFakeOpenAi, type ChatRequest, type FakeOpenAi } from '../support/openaiServer';
import { node, ourNode, webhook, workflow } from '../support/workflow';

jest.setTimeout(20 * 60_000);

const VERSION = '2.41.1';
const API_KEY = 'sk-queue-0123456789abcdef';
const LABELS = ['billing', 'refund', 'technical'];
const CATEGORIES = [
	{ name: 'billing', description: 'invoice charge payment' },
	{ name: 'refund', description: 'money back return' },
	{ name: 'technical', description: 'error bug crash login' },
];
const MESSAGES = 200;
const THRESHOLD = 0.8;

/** The truth of message n: what the model says, how sure it is, and what the reviewer decides. */
function truthOf(n: number) {
	const label = LABELS[n % 3];
	const uncertain = n % 4 === 0;
	const corrected = uncertain && n % 12 === 0;
	return {
		label,
		uncertain,
		confidence: uncertain ? 0.6 : 0.97,
		decision: uncertain ? (corrected ? 'correct' : 'approve') : undefined,
		correctedTo: corrected ? LABELS[(n + 1) % 3] : undefined,
	};
}

const messageText = (n: number) => `Support message #${n}: please look at my account`;

/** The model's answer for message n: the category number with the logprob of the truth's confidence. */
function respond(request: ChatRequest) {
	const user = request.messages.filter((message) => message.role === 'user').at(-1);
	const text = typeof user?.content === 'string' ? user.content : JSON.stringify(user?.content ?? '');
	const n = Number(/#(\d+)/.exec(text)?.[1] ?? Number.NaN);
	if (!Number.isFinite(n)) return undefined;
	const truth = truthOf(n);
	const chosen = String(LABELS.indexOf(truth.label) + 1);
	const other = String(((LABELS.indexOf(truth.label) + 1) % 3) + 1);
	return {
		content: chosen,
		logprobs: [
			{
				token: chosen,
				logprob: Math.log(truth.confidence),
				top_logprobs: [
					{ token: chosen, logprob: Math.log(truth.confidence) },
					{ token: other, logprob: Math.log(1 - truth.confidence) },
				],
			},
		],
	};
}

interface Inbox {
	url: string;
	posts: Array<Record<string, unknown>>;
	close(): Promise<void>;
}

/** Stands in for the team chat: records what Human Review Wait posts (the review links). */
async function startInbox(): Promise<Inbox> {
	const posts: Array<Record<string, unknown>> = [];
	const server = http.createServer((req, res) => {
		let body = '';
		req.on('data', (chunk) => (body += chunk));
		req.on('end', () => {
			posts.push(JSON.parse(body));
			res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
		});
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	return {
		url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/notify`,
		posts,
		close: () => new Promise<void>((resolve) => server.close(() => resolve())),
	};
}

/** Runs `work` on every entry with at most `limit` at a time. */
async function pool<T, R>(entries: T[], limit: number, work: (entry: T) => Promise<R>): Promise<R[]> {
	const results: R[] = new Array(entries.length);
	let next = 0;
	await Promise.all(
		Array.from({ length: Math.min(limit, entries.length) }, async () => {
			while (next < entries.length) {
				const index = next++;
				results[index] = await work(entries[index]);
			}
		}),
	);
	return results;
}

const sleep = async (ms: number) => await new Promise((resolve) => setTimeout(resolve, ms));

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const value = await probe();
		if (value !== undefined) return value;
		if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
		await sleep(500);
	}
}

describe(`n8n ${VERSION} in queue mode (main, webhook processor, 2 workers)`, () => {
	let queue: QueueN8n;
	let fake: FakeOpenAi;
	let inbox: Inbox;
	let store: { database: string; drop: () => Promise<void> };
	let credentials: { openAi: string; postgres: string };
	let privatePg: PrivatePostgres | undefined;
	const startedAt = new Date(Date.now() - 60_000).toISOString();

	beforeAll(async () => {
		fake = await startFakeOpenAi({ apiKey: API_KEY, latencyMs: 50, respond });
		inbox = await startInbox();
		store = await createTestDatabase('aiw_queue_store');
		queue = await startQueueN8n({ version: VERSION, workers: 2, concurrency: 5 });
		credentials = {
			openAi: await queue.main.createCredential('Test server', 'openAiCompatibleApi', {
				apiKey: API_KEY,
				baseUrl: fake.baseUrl,
				organization: '',
				customHeaders: '{}',
				allowedHttpRequestDomains: 'all',
			}),
			postgres: await queue.main.createCredential('Package store', 'postgres', postgresCredentialData(store.database)),
		};
	}, 10 * 60_000);

	afterAll(async () => {
		await privatePg?.destroy();
		await queue?.stop();
		await Promise.all([fake?.close(), inbox?.close()]);
		await store?.drop();
	}, 2 * 60_000);

	const storeParameters = () => ({ storeType: 'postgres' });
	const storeCredential = () => ({ postgres: { id: credentials.postgres, name: 'Package store' } });

	async function deployTriage() {
		const hookPath = `triage-${randomUUID()}`;
		const logNode = (name: string) =>
			ourNode(
				name,
				'metricsLogger',
				{ operation: 'log', ...storeParameters(), step: 'triage', logOptions: { eventId: '={{ $json.body.id }}' } },
				{ credentials: storeCredential() },
			);
		const id = await queue.main.createWorkflow(
			workflow(
				'Queue triage',
				[
					node('Webhook', 'n8n-nodes-base.webhook', 2, { httpMethod: 'POST', path: hookPath, responseMode: 'onReceived', options: {} }, { webhookId: randomUUID() }),
					ourNode(
						'AI Classify',
						'aiClassify',
						{
							engine: 'openai',
							authentication: 'openAiCompatibleApi',
							model: { __rl: true, mode: 'id', value: 'gpt-4o-mini' },
							text: '={{ $json.body.text }}',
							categories: { category: CATEGORIES },
							fallback: 'none',
							outputMode: 'single',
							options: {},
						},
						{ credentials: { openAiCompatibleApi: { id: credentials.openAi, name: 'Test server' } } },
					),
					ourNode('Confidence Router', 'confidenceRouter', { mode: 'twoWay', threshold: THRESHOLD }),
					ourNode(
						'Human Review Wait',
						'humanReviewWait',
						{
							title: 'Support triage',
							notifyFormat: 'generic',
							notifyUrl: inbox.url,
							outputLayout: 'single',
							limitWaitTime: 24,
							limitUnit: 'hours',
							options: {},
							...storeParameters(),
						},
						{ webhookId: randomUUID(), credentials: storeCredential() },
					),
					logNode('Log Auto'),
					logNode('Log Reviewed'),
				],
				{
					Webhook: [['AI Classify']],
					'AI Classify': [['Confidence Router']],
					'Confidence Router': [['Log Auto'], ['Human Review Wait']],
					'Human Review Wait': [['Log Reviewed']],
				},
			),
		);
		await queue.main.activate(id);
		await queue.processor.waitForWebhook(hookPath, 'POST', 60_000);
		return { id, hookPath };
	}

	async function report(workflowId: string) {
		const hookPath = `report-${randomUUID()}`;
		const id = await queue.main.createWorkflow(
			workflow(
				'Queue report',
				[
					webhook('Webhook', hookPath),
					ourNode(
						'Metrics Logger',
						'metricsLogger',
						{
							operation: 'report',
							...storeParameters(),
							window: 'range',
							from: startedAt,
							to: new Date(Date.now() + 3600_000).toISOString(),
							filters: { workflowId },
							reportOptions: {},
						},
						{ credentials: storeCredential() },
					),
				],
				{ Webhook: [['Metrics Logger']] },
			),
		);
		await queue.main.activate(id);
		await queue.processor.waitForWebhook(hookPath, 'POST', 60_000);
		// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the webhook answers untyped JSON
		const response = await queue.processor.webhook<Array<Record<string, any>>>(hookPath, { body: {}, timeoutMs: 120_000 });
		expect(response.status).toBe(200);
		return response.body[0];
	}

	async function executionsOf(workflowId: string): Promise<Execution[]> {
		return await queue.main.listExecutions(workflowId, { includeData: false, limit: 250 });
	}

	it('runs 200 messages and 50 concurrent reviews on the workers; the report equals the truth', async () => {
		const triage = await deployTriage();
		const timings: Record<string, number> = {};

		// 200 messages, 20 at a time, each its own execution.
		let clock = Date.now();
		const posted = await pool(
			Array.from({ length: MESSAGES }, (_, n) => n),
			20,
			async (n) => (await queue.processor.webhook(triage.hookPath, { body: { id: `msg-${n}`, n, text: messageText(n) } })).status,
		);
		expect(posted.every((status) => status === 200)).toBe(true);
		timings.postMs = Date.now() - clock;

		const uncertain = Array.from({ length: MESSAGES }, (_, n) => n).filter((n) => truthOf(n).uncertain);
		const notices = await until(
			'every uncertain message to wait for review and every other to finish',
			async () => {
				if (inbox.posts.length < uncertain.length) return undefined;
				const executions = await executionsOf(triage.id);
				const done = executions.filter((execution) => execution.status === 'success').length;
				const failed = executions.filter((execution) => ['error', 'crashed', 'canceled'].includes(execution.status));
				if (failed.length > 0) {
					const first = await queue.main.getExecution(failed[0].id);
					throw new Error(`${failed.length} executions failed; first: ${executionError(first)}`);
				}
				return done >= MESSAGES - uncertain.length ? inbox.posts : undefined;
			},
			5 * 60_000,
		);
		timings.classifyMs = Date.now() - clock;
		expect(notices).toHaveLength(uncertain.length);
		expect(fake.stats.chatRequests).toBe(MESSAGES);

		// Which message waits where: the execution's own data names it.
		const waiting = await pool(notices, 10, async (notice) => {
			const execution = await queue.main.getExecution(String(notice.executionId));
			expect(execution.status).toBe('waiting');
			const body = nodeOutput(execution, 'Confidence Router')[1][0].json.body as { n: number };
			return { n: body.n, link: String(notice.reviewUrl), executionId: execution.id };
		});
		expect(waiting.map((entry) => entry.n).sort((a, b) => a - b)).toEqual(uncertain);
		for (const entry of waiting) expect(new URL(entry.link).origin).toBe(new URL(queue.processor.baseUrl).origin);

		// 50 reviews at once, as 50 reviewers would: GET the page, POST the decision.
		clock = Date.now();
		const decided = await Promise.all(
			waiting.map(async ({ n, link }) => {
				const page = await fetch(link, { signal: AbortSignal.timeout(120_000) });
				const html = await page.text();
				const token = /name="decisionToken" value="([^"]+)"/.exec(html)?.[1];
				if (page.status !== 200 || !token) throw new Error(`review page of #${n}: ${page.status} ${html.slice(0, 300)}`);
				const truth = truthOf(n);
				const fields: Record<string, string> = { decisionToken: token, reviewer: `reviewer-${n}`, decision_0: truth.decision! };
				if (truth.correctedTo) fields.label_0 = truth.correctedTo;
				const answer = await fetch(link, {
					method: 'POST',
					body: new URLSearchParams(fields),
					signal: AbortSignal.timeout(120_000),
				});
				return { n, status: answer.status, text: (await answer.text()).slice(0, 300) };
			}),
		);
		for (const answer of decided) expect(answer).toMatchObject({ status: 200 });
		timings.reviewRequestsMs = Date.now() - clock;

		const finished = await until(
			'every execution to end',
			async () => {
				const executions = await executionsOf(triage.id);
				return executions.length === MESSAGES && executions.every((execution) => ['success', 'error', 'crashed', 'canceled'].includes(execution.status))
					? executions
					: undefined;
			},
			5 * 60_000,
		);
		timings.reviewsDoneMs = Date.now() - clock;
		expect(finished.map((execution) => execution.status)).toEqual(new Array(MESSAGES).fill('success'));

		// Every execution started on a worker (a resumed one again on a worker), and both workers worked.
		const onWorkers = queue.executionsStartedOnWorkers();
		const started = new Set(Object.values(onWorkers).flat());
		expect(finished.filter((execution) => !started.has(execution.id))).toEqual([]);
		for (const [name, ids] of Object.entries(onWorkers)) expect({ name, ran: ids.length > 0 }).toEqual({ name, ran: true });
		const resumedOnWorker = waiting.filter((entry) => Object.values(onWorkers).flat().filter((id) => id === entry.executionId).length >= 2);
		expect(resumedOnWorker).toHaveLength(waiting.length);

		// Each message on the right path with the right decision.
		const withData = await pool(finished, 8, async (execution) => await queue.main.getExecution(execution.id));
		for (const execution of withData) {
			const runData = execution.data!.resultData.runData;
			const viaReview = Boolean(runData['Log Reviewed']);
			const item = nodeOutput(execution, viaReview ? 'Log Reviewed' : 'Log Auto')[0];
			expect(item).toHaveLength(1);
			const json = item[0].json as { body: { n: number }; ai: { label: string }; review?: { decision: string; overridden: boolean } };
			const truth = truthOf(json.body.n);
			expect({ n: json.body.n, viaReview }).toEqual({ n: json.body.n, viaReview: truth.uncertain });
			expect(Boolean(runData['Log Auto'])).toBe(!truth.uncertain);
			if (truth.uncertain) {
				expect(json.review).toMatchObject({ decision: truth.correctedTo ? 'corrected' : 'approved', overridden: Boolean(truth.correctedTo) });
				expect(json.ai.label).toBe(truth.correctedTo ?? truth.label);
			} else {
				expect(json.ai.label).toBe(truth.label);
			}
		}

		// The store: one event per message, every review case decided once.
		const client = new Client({ ...PG, database: store.database });
		await client.connect();
		try {
			const cases = (await client.query('SELECT status, count(*)::int AS n FROM aiwf_review_cases GROUP BY status')).rows;
			expect(cases).toEqual([{ status: 'decided', n: uncertain.length }]);
		} finally {
			await client.end();
		}

		const figures = await report(triage.id);
		const overridden = uncertain.filter((n) => truthOf(n).correctedTo).length;
		expect(figures.volume).toBe(MESSAGES);
		expect(figures.reviewRate).toBe(uncertain.length / MESSAGES);
		expect(figures.overrideRate).toBe(overridden / uncertain.length);
		expect(figures.autoHandledRate).toBe((MESSAGES - uncertain.length) / MESSAGES);
		expect(figures.skipped.total).toBe(0);
		console.info(`queue mode timings (ms): ${JSON.stringify(timings)}; executions per worker: ${JSON.stringify(Object.fromEntries(Object.entries(onWorkers).map(([k, v]) => [k, v.length])))}`);
	});

	it('SIGKILL of a worker mid-run: its executions fail, the store has no partial or doubled batch, a re-run completes the counts', async () => {
		const BATCHES = 16;
		const PER_BATCH = 5;
		fake.configure({ latencyMs: 1000 });
		const hookPath = `fault-${randomUUID()}`;
		const id = await queue.main.createWorkflow(
			workflow(
				'Queue fault',
				[
					node('Webhook', 'n8n-nodes-base.webhook', 2, { httpMethod: 'POST', path: hookPath, responseMode: 'onReceived', options: {} }, { webhookId: randomUUID() }),
					node('Split', 'n8n-nodes-base.splitOut', 1, { fieldToSplitOut: 'body.messages', options: {} }),
					ourNode(
						'AI Classify',
						'aiClassify',
						{
							engine: 'openai',
							authentication: 'openAiCompatibleApi',
							model: { __rl: true, mode: 'id', value: 'gpt-4o-mini' },
							text: '={{ $json.text }}',
							categories: { category: CATEGORIES },
							fallback: 'none',
							outputMode: 'single',
							options: {},
						},
						{ credentials: { openAiCompatibleApi: { id: credentials.openAi, name: 'Test server' } } },
					),
					ourNode(
						'Metrics Logger',
						'metricsLogger',
						{ operation: 'log', ...storeParameters(), step: 'fault', logOptions: { eventId: '={{ $json.id }}' } },
						{ credentials: storeCredential() },
					),
				],
				{ Webhook: [['Split']], Split: [['AI Classify']], 'AI Classify': [['Metrics Logger']] },
			),
		);
		await queue.main.activate(id);
		await queue.processor.waitForWebhook(hookPath, 'POST', 60_000);
		// Confident messages only (n % 4 ≠ 0): every one goes straight to the logger.
		const ids = Array.from({ length: 200 }, (_, i) => 1001 + i).filter((n) => !truthOf(n).uncertain).slice(0, BATCHES * PER_BATCH);
		const batches = Array.from({ length: BATCHES }, (_, b) => ({
			batch: `b-${b}`,
			messages: ids.slice(b * PER_BATCH, (b + 1) * PER_BATCH).map((n) => ({ id: `fault-${n}`, batch: `b-${b}`, text: messageText(n) })),
		}));
		const send = async (batch: (typeof batches)[number]) => expect((await queue.processor.webhook(hookPath, { body: batch })).status).toBe(200);

		const victim = queue.workers[0];
		const startedBefore = new Set(queue.executionsStartedOnWorkers()[victim.name]);
		await Promise.all(batches.map(send));
		// Kill worker 1 once it is in the middle of executions of this workflow.
		const running = await until(
			'worker 1 to be running executions',
			async () => {
				const log = victim.log();
				const started = [...log.matchAll(/Worker started execution (\d+)/g)].map((m) => m[1]).filter((e) => !startedBefore.has(e));
				const finished = new Set([...log.matchAll(/Worker finished execution (\d+)/g)].map((m) => m[1]));
				const inFlight = started.filter((e) => !finished.has(e));
				return inFlight.length >= 2 ? inFlight : undefined;
			},
			60_000,
		);
		await queue.killWorker(0);
		const killedAt = Date.now();

		const ended = await until(
			'every execution of the fault workflow to end',
			async () => {
				const executions = await executionsOf(id);
				return executions.length === BATCHES && executions.every((e) => !['new', 'running', 'waiting', 'unknown'].includes(e.status)) ? executions : undefined;
			},
			4 * 60_000,
		);
		const failed = ended.filter((e) => e.status !== 'success');
		console.info(`fault: killed worker1 with ${running.length} in flight; ${failed.length} executions ended ${[...new Set(failed.map((e) => e.status))].join('/')} after ${Date.now() - killedAt} ms`);
		expect(failed.length).toBeGreaterThan(0);
		for (const executionId of running) expect(ended.find((e) => e.id === executionId)?.status).not.toBe('success');

		// The store: every batch all or nothing, nothing twice, every succeeded batch recorded.
		// (n8n keeps no run data of an execution whose worker died: the store tells which inputs are missing.)
		const client = new Client({ ...PG, database: store.database });
		await client.connect();
		try {
			const logged = async () =>
				(await client.query(`SELECT execution_id, count(*)::int AS n, count(DISTINCT event_key)::int AS keys, count(label)::int AS labelled FROM aiwf_metric_events WHERE workflow_id = $1 GROUP BY execution_id`, [id])).rows as Array<{ execution_id: string; n: number; keys: number; labelled: number }>;
			for (const row of await logged()) expect(row).toMatchObject({ n: PER_BATCH, keys: PER_BATCH, labelled: PER_BATCH });
			const loggedExecutions = new Set((await logged()).map((row) => row.execution_id));
			for (const e of ended.filter((e) => e.status === 'success')) expect(loggedExecutions.has(e.id)).toBe(true);
			const loggedIds = new Set(
				(await client.query(`SELECT event_key FROM aiwf_metric_events WHERE workflow_id = $1`, [id])).rows.map((row) => String(row.event_key).replace(/^.*id:/, '')),
			);
			const missing = batches.filter((b) => !b.messages.some((m) => loggedIds.has(m.id)));
			expect(missing.length).toBeGreaterThan(0);
			expect(missing.length).toBeLessThanOrEqual(failed.length);
			expect(loggedIds.size).toBe((BATCHES - missing.length) * PER_BATCH);

			// Re-running the missing inputs, and one batch that was already recorded, completes the counts
			// without counting anything twice.
			const rerun = [...missing, batches.find((b) => !missing.includes(b))!];
			await queue.restartWorker(0);
			const before = new Set((await executionsOf(id)).map((e) => e.id));
			await Promise.all(rerun.map(send));
			await until(
				're-run executions to end',
				async () => {
					const again = (await executionsOf(id)).filter((e) => !before.has(e.id));
					return again.length === rerun.length && again.every((e) => e.status === 'success') ? again : undefined;
				},
				2 * 60_000,
			);
			const events = (await client.query(`SELECT event_key FROM aiwf_metric_events WHERE workflow_id = $1`, [id])).rows.map((row) => String(row.event_key));
			expect(events.map((key) => key.replace(/^.*id:/, '')).sort()).toEqual(ids.map((n) => `fault-${n}`).sort());
		} finally {
			await client.end();
			fake.configure({ latencyMs: 50 });
		}
		const figures = await report(id);
		expect(figures.volume).toBe(BATCHES * PER_BATCH);
		expect(figures.reviewRate).toBe(0);
	});

	it('PostgreSQL store crashed and restarted while Metrics Logger writes: every event lands exactly once, or the execution fails naming the store and a re-post completes the counts', async () => {
		const PER_BATCH = 5;
		// The store's own cluster: the machine's PostgreSQL (n8n's database, other tests) stays up.
		privatePg = await startPrivatePostgres();
		const pgConfig = { host: privatePg.host, port: privatePg.port, user: privatePg.user, database: privatePg.database };
		const credential = await queue.main.createCredential('Crashing store', 'postgres', {
			...pgConfig,
			password: '',
			ssl: 'disable',
			allowUnauthorizedCerts: false,
			maxConnections: 5,
			sshTunnel: false,
		});
		const hookPath = `outage-${randomUUID()}`;
		const id = await queue.main.createWorkflow(
			workflow(
				'Queue store outage',
				[
					node('Webhook', 'n8n-nodes-base.webhook', 2, { httpMethod: 'POST', path: hookPath, responseMode: 'onReceived', options: {} }, { webhookId: randomUUID() }),
					node('Split', 'n8n-nodes-base.splitOut', 1, { fieldToSplitOut: 'body.messages', options: {} }),
					ourNode(
						'Metrics Logger',
						'metricsLogger',
						{ operation: 'log', storeType: 'postgres', step: 'outage', logOptions: { eventId: '={{ $json.id }}' } },
						{ credentials: { postgres: { id: credential, name: 'Crashing store' } } },
					),
				],
				{ Webhook: [['Split']], Split: [['Metrics Logger']] },
			),
		);
		await queue.main.activate(id);
		await queue.processor.waitForWebhook(hookPath, 'POST', 60_000);

		type Batch = { batch: string; messages: Array<{ id: string; ai: { label: string; confidence: number } }> };
		const makeBatch = (name: string): Batch => ({
			batch: name,
			messages: Array.from({ length: PER_BATCH }, (_, i) => ({ id: `${name}-${i}`, ai: { label: LABELS[i % 3], confidence: 0.9 } })),
		});
		const send = async (batch: Batch) => expect((await queue.processor.webhook(hookPath, { body: batch })).status).toBe(200);
		const endedExecutions = async (count: number) =>
			await until(
				`${count} executions of the outage workflow to end`,
				async () => {
					const executions = await executionsOf(id);
					return executions.length === count && executions.every((e) => !['new', 'running', 'waiting', 'unknown'].includes(e.status)) ? executions : undefined;
				},
				3 * 60_000,
			);
		const retriesLogged = () => queue.workers.reduce((sum, w) => sum + [...w.log().matchAll(/PostgreSQL store at \S+ is unreachable/g)].length, 0);

		// Warm-up: both workers open the store (a store never reached is reported at once, not retried).
		const warmUp = Array.from({ length: 6 }, (_, b) => makeBatch(`warm${b}`));
		await Promise.all(warmUp.map(send));
		await endedExecutions(warmUp.length);

		const client = () => {
			const c = new Client(pgConfig);
			c.on('error', () => {});
			return c;
		};
		// A lock keeps the next writes waiting inside PostgreSQL, so the crash cuts them mid-transaction.
		const blocker = client();
		await blocker.connect();
		await blocker.query('BEGIN');
		await blocker.query('LOCK TABLE aiwf_metric_events IN EXCLUSIVE MODE');
		const cut = Array.from({ length: 6 }, (_, b) => makeBatch(`cut${b}`));
		await Promise.all(cut.map(send));
		const watcher = client();
		await watcher.connect();
		const blockedWrites = await until(
			'the writes to wait on the lock',
			async () => {
				const { rows } = await watcher.query("SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = $1", [pgConfig.database]);
				return rows[0].n >= cut.length ? (rows[0].n as number) : undefined;
			},
			60_000,
		);
		await watcher.end();
		const retriesBefore = retriesLogged();

		const downAt = Date.now();
		await privatePg.crash();
		// Messages keep coming while the store is down.
		const duringOutage = Array.from({ length: 6 }, (_, b) => makeBatch(`down${b}`));
		await Promise.all(duringOutage.map(send));
		await sleep(Math.max(0, 4_000 - (Date.now() - downAt)));
		await privatePg.start();
		const downMs = Date.now() - downAt;
		await blocker.end().catch(() => {});
		const afterRestart = Array.from({ length: 3 }, (_, b) => makeBatch(`after${b}`));
		await Promise.all(afterRestart.map(send));

		const all = [...warmUp, ...cut, ...duringOutage, ...afterRestart];
		const ended = await endedExecutions(all.length);
		const retries = retriesLogged() - retriesBefore;
		const failed = ended.filter((e) => e.status !== 'success');

		let store = client();
		await store.connect();
		try {
			const rows = async () =>
				(await store.query('SELECT event_key, execution_id FROM aiwf_metric_events WHERE workflow_id = $1', [id])).rows.map((row) => ({
					id: String(row.event_key).replace(/^.*id:/, ''),
					executionId: String(row.execution_id),
				}));
			// The writes cut mid-transaction were tried again and landed.
			const stored = new Set((await rows()).map((row) => row.id));
			expect(cut.filter((b) => !b.messages.every((m) => stored.has(m.id))).map((b) => b.batch)).toEqual([]);
			// What failed failed loudly, naming the store.
			const failedErrors = await pool(failed, 4, async (e) => executionError(await queue.main.getExecution(e.id)));
			for (const error of failedErrors) expect(error).toMatch(/PostgreSQL store at 127\.0\.0\.1:\d+\/store/);
			// A succeeded execution has all its events, a failed one none: nothing half-written, nothing twice.
			const byExecution = new Map<string, string[]>();
			for (const row of await rows()) byExecution.set(row.executionId, [...(byExecution.get(row.executionId) ?? []), row.id]);
			for (const e of ended) expect({ id: e.id, events: byExecution.get(e.id)?.length ?? 0 }).toEqual({ id: e.id, events: e.status === 'success' ? PER_BATCH : 0 });
			const missing = all.filter((b) => !b.messages.some((m) => stored.has(m.id)));
			expect(missing).toHaveLength(failed.length);
			expect(retries).toBeGreaterThan(0);

			// An outage longer than the retry budget (30 s): the executions fail, naming the store and the fix.
			await store.end();
			const longDownAt = Date.now();
			await privatePg.crash();
			const lost = Array.from({ length: 3 }, (_, b) => makeBatch(`long${b}`));
			await Promise.all(lost.map(send));
			const afterLong = await endedExecutions(all.length + lost.length);
			const longDownMs = Date.now() - longDownAt;
			await privatePg.start();
			const gaveUp = afterLong.filter((e) => !ended.some((earlier) => earlier.id === e.id));
			expect(gaveUp.map((e) => e.status)).toEqual(['error', 'error', 'error']);
			const gaveUpErrors = await pool(gaveUp, 3, async (e) => executionError(await queue.main.getExecution(e.id)) ?? '');
			for (const error of gaveUpErrors) {
				expect(error).toMatch(/^The PostgreSQL store at 127\.0\.0\.1:\d+\/store could not be reached for \d+ s \(connection refused; \d+ attempts\): Check that PostgreSQL is running.*run the execution again/);
			}

			// Re-posting what failed, and a batch already stored, completes the counts without doubles.
			store = client();
			await store.connect();
			const before = new Set(afterLong.map((e) => e.id));
			const rerun = [...missing, ...lost, cut[0]];
			await Promise.all(rerun.map(send));
			const again = (await endedExecutions(all.length + lost.length + rerun.length)).filter((e) => !before.has(e.id));
			expect(again.map((e) => e.status)).toEqual(new Array(rerun.length).fill('success'));
			const final = (await rows()).map((row) => row.id).sort();
			expect(final).toEqual([...all, ...lost].flatMap((b) => b.messages.map((m) => m.id)).sort());
			console.info(
				`store outage: server down ${downMs} ms with ${blockedWrites} writes waiting on the lock; ${retries} retries logged by the workers; ` +
					`${ended.length - failed.length}/${ended.length} executions succeeded, ${failed.length} failed loudly${failedErrors[0] ? ` (${failedErrors[0]})` : ''}. ` +
					`Down ${longDownMs} ms: ${gaveUp.length} executions failed (${gaveUpErrors[0]}). ` +
					`${final.length} events stored once each after re-posting ${rerun.length} batches`,
			);
		} finally {
			await store.end().catch(() => {});
		}
	});

	it('refuses the embedded SQLite store on a worker with an error naming the fix', async () => {
		const hookPath = `sqlite-${randomUUID()}`;
		const id = await queue.main.createWorkflow(
			workflow(
				'Queue sqlite',
				[
					node('Webhook', 'n8n-nodes-base.webhook', 2, { httpMethod: 'POST', path: hookPath, responseMode: 'onReceived', options: {} }, { webhookId: randomUUID() }),
					ourNode('Metrics Logger', 'metricsLogger', { operation: 'log', storeType: 'sqlite', step: 'x', logOptions: {} }),
				],
				{ Webhook: [['Metrics Logger']] },
			),
		);
		await queue.main.activate(id);
		await queue.processor.waitForWebhook(hookPath, 'POST', 60_000);
		expect((await queue.processor.webhook(hookPath, { body: { ai: { label: 'billing' } } })).status).toBe(200);
		const failed = await queue.main.waitForExecution((execution) => execution.status === 'error', 60_000, id);
		const error = executionError(await queue.main.getExecution(failed.id));
		expect(error).toMatch(/embedded SQLite store cannot be used in queue mode/);
		expect(error).toMatch(/Set Store to PostgreSQL/);
		expect(Object.values(queue.executionsStartedOnWorkers()).flat()).toContain(failed.id);
	});
});
