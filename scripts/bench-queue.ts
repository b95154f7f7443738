/**
 * Queue-mode throughput: the same triage workflow (Webhook → AI Classify against the
 * OpenAI-compatible test server → Confidence Router → Metrics Logger on PostgreSQL) run by n8n
 * 2.41.1 in queue mode with 1 and then 2 workers (concurrency 5 each), in the environment of
 * test/queue/queue-mode.test.ts. Prints executions per second from the first POST until the last
 * execution has succeeded.
 *
 *   npm run build && node scripts/run-ts.js scripts/bench-queue.ts [messages=300] [modelLatencyMs=50]
 *
 * Env AIW_BENCH_WORKERS (comma list, default "1,2").
 */
import { randomUUID } from 'node:crypto';
import { cpus, loadavg } from 'node:os';
import { Client } from 'pg';

import { startQueueN8n } from '../test/harness/queue';
import { createTestDatabase, PG } from '../test/support/pg';
import { startFakeOpenAi } from '../test/support/openaiServer';
import { node, ourNode, workflow } from '../test/support/workflow';

const VERSION = '2.41.1';
const API_KEY = 'sk-bench-0123456789abcdef';
const messages = Number(process.argv[2] ?? 300);
const latencyMs = Number(process.argv[3] ?? 50);
const workerCounts = (process.env.AIW_BENCH_WORKERS ?? '1,2').split(',').map(Number);
const CATEGORIES = [
	{ name: 'billing', description: 'invoice charge payment' },
	{ name: 'refund', description: 'money back return' },
	{ name: 'technical', description: 'error bug crash login' },
];
const TEXTS = ['I was charged twice on my invoice', 'Please give my money back', 'The app crashes at login'];

const sleep = async (ms: number) => await new Promise((resolve) => setTimeout(resolve, ms));

async function run(workers: number) {
	const fake = await startFakeOpenAi({ apiKey: API_KEY, latencyMs, seed: 1 });
	const store = await createTestDatabase('aiw_bench_queue_store');
	const queue = await startQueueN8n({ version: VERSION, workers, concurrency: 5 });
	try {
		const openAi = await queue.main.createCredential('Test server', 'openAiCompatibleApi', {
			apiKey: API_KEY,
			baseUrl: fake.baseUrl,
			organization: '',
			customHeaders: '{}',
			allowedHttpRequestDomains: 'all',
		});
		const postgres = await queue.main.createCredential('Package store', 'postgres', {
			...PG,
			database: store.database,
			password: '',
			ssl: 'disable',
			allowUnauthorizedCerts: false,
			maxConnections: 5,
			sshTunnel: false,
		});
		const hookPath = `bench-${randomUUID()}`;
		const id = await queue.main.createWorkflow(
			workflow(
				'Queue bench',
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
						{ credentials: { openAiCompatibleApi: { id: openAi, name: 'Test server' } } },
					),
					ourNode('Confidence Router', 'confidenceRouter', { mode: 'twoWay', threshold: 0.8 }),
					ourNode('Log', 'metricsLogger', { operation: 'log', storeType: 'postgres', step: 'bench', logOptions: {} }, { credentials: { postgres: { id: postgres, name: 'Package store' } } }),
				],
				{ Webhook: [['AI Classify']], 'AI Classify': [['Confidence Router']], 'Confidence Router': [['Log'], ['Log']] },
			),
		);
		await queue.main.activate(id);
		await queue.processor.waitForWebhook(hookPath, 'POST', 60_000);

		const n8nDb = new Client({ ...PG, database: queue.database });
		await n8nDb.connect();
		const count = async (status: string) =>
			Number((await n8nDb.query('SELECT count(*)::int AS n FROM execution_entity WHERE "workflowId" = $1 AND status = $2', [id, status])).rows[0].n);
		const started = Date.now();
		let next = 0;
		await Promise.all(
			Array.from({ length: 20 }, async () => {
				while (next < messages) {
					const n = next++;
					const response = await queue.processor.webhook(hookPath, { body: { text: `${TEXTS[n % 3]} (#${n})` } });
					if (response.status !== 200) throw new Error(`POST answered ${response.status}`);
				}
			}),
		);
		const postedMs = Date.now() - started;
		for (;;) {
			const [success, error] = [await count('success'), await count('error')];
			if (error > 0) throw new Error(`${error} executions failed`);
			if (success >= messages) break;
			if (Date.now() - started > 15 * 60_000) throw new Error(`only ${success}/${messages} done after 15 min`);
			await sleep(200);
		}
		const totalMs = Date.now() - started;
		await n8nDb.end();
		const perWorker = Object.fromEntries(Object.entries(queue.executionsStartedOnWorkers()).map(([name, ids]) => [name, ids.length]));
		return { workers, messages, modelLatencyMs: latencyMs, postedMs, totalMs, perSecond: Number(((messages * 1000) / totalMs).toFixed(1)), perWorker };
	} finally {
		await queue.stop();
		await fake.close();
		await store.drop();
	}
}

async function main() {
	console.log(`machine: ${cpus().length} cores, load ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
	for (const workers of workerCounts) console.log(JSON.stringify(await run(workers)));
}

main().then(
	() => process.exit(0),
	(error) => {
		console.error(error);
		process.exit(1);
	},
);
