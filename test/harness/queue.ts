/**
 * n8n in queue mode for tests: a main process, a webhook processor and workers, all against a
 * PostgreSQL database of the test's own (created here, dropped on stop) and the machine's Redis
 * (a Bull key prefix of the test's own), each process with its own user folder holding the packed
 * package. See /work/shared/N8N-HARNESS.md "Queue mode".
 *
 *   const queue = await startQueueN8n({ version: '2.41.1', workers: 2 });
 *   const id = await queue.main.createWorkflow(wf);          // API calls go to main
 *   await queue.main.activate(id);
 *   await queue.processor.waitForWebhook('path', 'POST');    // webhooks go to the processor
 *   await queue.processor.webhook('path', { body: {...} });
 *   queue.executionsStartedOnWorkers();                      // from the workers' logs
 *   await queue.stop();
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { createTestDatabase, PG, REDIS } from '../support/pg';
import { startN8n, type N8nInstance } from './n8n';
import { installPackedPackage, placePackage, type InstalledPackage } from './package';
import { freePort, HOST, logTail, n8nEnvironment, spawnN8n, stopProcessGroup, type StartedProcess } from './process';
import { ensureN8n, ensureNode } from './runtime';

/**
 * Short worker locks so that a killed worker's jobs are detected as stalled within ~40 s instead
 * of ~135 s (measured, N8N-HARNESS.md).
 */
export const FAST_STALL_DETECTION = {
	QUEUE_WORKER_LOCK_DURATION: '10000',
	QUEUE_WORKER_LOCK_RENEW_TIME: '2500',
	QUEUE_WORKER_STALLED_INTERVAL: '5000',
};

export interface QueueStartOptions {
	version: string;
	/** Number of `n8n worker` processes (default 2). */
	workers?: number;
	/** `--concurrency` of each worker (default 5). */
	concurrency?: number;
	/** Extra environment for every process. */
	env?: Record<string, string>;
	readyTimeoutMs?: number;
}

export interface QueueProcess {
	name: string;
	/** Base URL of its HTTP server (the health server for a worker). */
	baseUrl: string;
	userFolder: string;
	logFile: string;
	process: StartedProcess;
	log(): string;
}

export interface QueueN8n {
	/** The main process: owner, API key, workflows, credentials, executions. */
	main: N8nInstance;
	/** The same client aimed at the webhook processor (webhook(), waitForWebhook(), http()). */
	processor: N8nInstance;
	processorProcess: QueueProcess;
	workers: QueueProcess[];
	/** n8n's own database (PostgreSQL), dropped on stop. */
	database: string;
	/** The environment every process shares (as the compose file sets it). */
	sharedEnv: Record<string, string>;
	/** Execution ids each worker logged as started, by worker name. */
	executionsStartedOnWorkers(): Record<string, string[]>;
	/** SIGKILL to a worker's process group (n8n and its task runner). */
	killWorker(index: number): Promise<void>;
	/** Starts a worker again (after killWorker) with the same folder and ports. */
	restartWorker(index: number): Promise<void>;
	stop(): Promise<void>;
}

const sleep = async (ms: number) => await new Promise((resolve) => setTimeout(resolve, ms));

async function waitForReadiness(started: StartedProcess, name: string, baseUrl: string, timeoutMs: number) {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		if (started.hasExited()) {
			throw new Error(`n8n ${name} exited before it was ready (code ${await started.exited}). Log tail:\n${logTail(started.logFile)}`);
		}
		try {
			const readiness = await fetch(new URL('healthz/readiness', baseUrl), { signal: AbortSignal.timeout(2_000) });
			if (readiness.status === 200) return;
		} catch {
			// Not listening yet.
		}
		if (Date.now() > deadline) throw new Error(`n8n ${name} was not ready within ${timeoutMs} ms. Log tail:\n${logTail(started.logFile)}`);
		await sleep(250);
	}
}

/** The client of `main` aimed at another process's base URL (its log shown on failures). */
function clientAt(main: N8nInstance, baseUrl: string, logFile: string): N8nInstance {
	return Object.create(main, {
		baseUrl: { value: baseUrl },
		logFile: { value: logFile },
		logTail: { value: (lines = 60) => logTail(logFile, lines) },
	}) as N8nInstance;
}

export async function startQueueN8n(options: QueueStartOptions): Promise<QueueN8n> {
	const { version } = options;
	const workerCount = options.workers ?? 2;
	const concurrency = options.concurrency ?? 5;
	const readyTimeoutMs = options.readyTimeoutMs ?? 180_000;
	const nodeFolder = ensureNode();
	const n8nFolder = ensureN8n(version);
	const keep = process.env.AIW_KEEP_N8N === '1';

	const { database, drop } = await createTestDatabase('aiw_queue');
	const processorPort = await freePort();
	const processorUrl = `http://${HOST}:${processorPort}/`;
	const sharedEnv: Record<string, string> = {
		DB_TYPE: 'postgresdb',
		DB_POSTGRESDB_HOST: PG.host,
		DB_POSTGRESDB_PORT: String(PG.port),
		DB_POSTGRESDB_DATABASE: database,
		DB_POSTGRESDB_USER: PG.user,
		DB_POSTGRESDB_PASSWORD: PG.password,
		EXECUTIONS_MODE: 'queue',
		QUEUE_BULL_REDIS_HOST: REDIS.host,
		QUEUE_BULL_REDIS_PORT: String(REDIS.port),
		// Other test runs may use the same Redis at the same time: their own queue keys.
		QUEUE_BULL_PREFIX: `aiw-${database}`,
		QUEUE_HEALTH_CHECK_ACTIVE: 'true',
		N8N_ENCRYPTION_KEY: randomBytes(24).toString('hex'),
		// Resume URLs (Human Review Wait's links) are built from it: they must reach the processor.
		WEBHOOK_URL: processorUrl,
		N8N_WEBHOOK_URL: processorUrl,
		OFFLOAD_MANUAL_EXECUTIONS_TO_WORKERS: 'true',
		N8N_DISABLE_PRODUCTION_MAIN_PROCESS: 'true',
		...FAST_STALL_DETECTION,
		...(options.env ?? {}),
	};

	const spawned: QueueProcess[] = [];
	let main: N8nInstance | undefined;
	let stopped = false;
	const stopAll = async () => {
		if (stopped) return;
		stopped = true;
		await Promise.all([main?.stop(), ...spawned.map(async (p) => await stopProcessGroup(p.process))]);
		if (!keep) for (const p of spawned) fs.rmSync(p.userFolder, { recursive: true, force: true });
		await drop();
	};

	let installed: InstalledPackage | undefined;
	const spawnRole = async (name: string, command: string[], port: number, extra: Record<string, string>, userFolder?: string): Promise<QueueProcess> => {
		const folder = userFolder ?? fs.mkdtempSync(path.join(os.tmpdir(), `aiw-queue-${name}-`));
		// n8n scans the community packages at start-up.
		placePackage(folder, installed!);
		const brokerPort = await freePort([port, processorPort]);
		const env = n8nEnvironment({ version, nodeFolder, userFolder: folder, port, brokerPort, extra: { ...sharedEnv, ...extra } });
		const logFile = path.join(folder, 'n8n.log');
		const started = spawnN8n({ nodeFolder, n8nFolder, env, logFile, command, removeIfOrphaned: keep ? undefined : folder });
		return { name, baseUrl: `http://${HOST}:${port}/`, userFolder: folder, logFile, process: started, log: () => fs.readFileSync(logFile, 'utf8') };
	};

	try {
		// Main first on its own: it installs the package once (cached) and owns the migrations.
		const mainStarting = startN8n({ version, env: sharedEnv, readyTimeoutMs }).then((instance) => (main = instance));
		// Awaited below; until then a failure must not count as unhandled.
		mainStarting.catch(() => undefined);
		// The same installed package (packed once per test process) for every other process.
		installed = await installPackedPackage();

		const processor = await spawnRole('webhook', ['webhook'], processorPort, {});
		spawned.push(processor);
		const workerPorts: number[] = [];
		for (let i = 0; i < workerCount; i++) {
			const healthPort = await freePort([processorPort, ...workerPorts]);
			workerPorts.push(healthPort);
			const worker = await spawnRole(`worker${i + 1}`, ['worker', `--concurrency=${concurrency}`], await freePort([healthPort, processorPort]), {
				QUEUE_HEALTH_CHECK_PORT: String(healthPort),
				N8N_WORKER_SERVER_ADDRESS: HOST,
			});
			worker.baseUrl = `http://${HOST}:${healthPort}/`;
			spawned.push(worker);
		}
		await mainStarting;
		await Promise.all(spawned.map(async (p) => await waitForReadiness(p.process, p.name, p.baseUrl, readyTimeoutMs)));

		const workers = spawned.slice(1);
		const queue: QueueN8n = {
			main: main!,
			processor: clientAt(main!, processorUrl, processor.logFile),
			processorProcess: processor,
			workers,
			database,
			sharedEnv,
			executionsStartedOnWorkers() {
				return Object.fromEntries(
					workers.map((w) => [w.name, [...w.log().matchAll(/Worker started execution (\d+)/g)].map((m) => m[1])]),
				);
			},
			async killWorker(index: number) {
				const worker = workers[index];
				try {
					process.kill(-worker.process.child.pid!, 'SIGKILL');
				} catch {
					// Already gone.
				}
				await worker.process.exited;
			},
			async restartWorker(index: number) {
				const worker = workers[index];
				const port = Number(new URL(worker.baseUrl).port);
				const again = await spawnRole(worker.name, ['worker', `--concurrency=${concurrency}`], await freePort([port, processorPort]), {
					QUEUE_HEALTH_CHECK_PORT: String(port),
					N8N_WORKER_SERVER_ADDRESS: HOST,
				}, worker.userFolder);
				worker.process = again.process;
				spawned[index + 1] = worker;
				await waitForReadiness(worker.process, worker.name, worker.baseUrl, readyTimeoutMs);
			},
			stop: stopAll,
		};
		return queue;
	} catch (error) {
		const tails = spawned.map((p) => `--- ${p.name}\n${logTail(p.logFile, 30)}`).join('\n');
		await stopAll();
		throw new Error(`${(error as Error).message}\n${tails}`);
	}
}
