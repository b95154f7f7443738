/**
 * Store benchmark: writes N synthetic decision events (batches as one node execution would write
 * them) and times the report over all of them, on the embedded SQLite store and on PostgreSQL.
 *
 * Run after a build, on Node 24 (which runs this file as is):
 *   npm run build && node scripts/bench-store.ts [events=1000000] [batch=1000]
 *
 * PostgreSQL: AIW_BENCH_PG (connection string to an admin database, default
 * postgres://postgres@127.0.0.1:5432/test); a database of its own is created and dropped.
 * AIW_BENCH_STORES=sqlite or postgres runs one store only.
 */
// Required, not imported: Node runs this file as CommonJS, and imports would make it a module.
/* eslint-disable @typescript-eslint/no-require-imports */
const { mkdtempSync, rmSync, statSync }: typeof import('node:fs') = require('node:fs');
const { cpus, loadavg, tmpdir }: typeof import('node:os') = require('node:os');
const { join }: typeof import('node:path') = require('node:path');
const { Client }: typeof import('pg') = require('pg');

const { rangeWindow, reportFromStore }: typeof import('../nodes/shared/metrics/run') = require('../dist/nodes/shared/metrics/run');
const { closeAllStores, openStore }: typeof import('../nodes/shared/store') = require('../dist/nodes/shared/store');
type MetricEvent = import('../nodes/shared/store/types').MetricEvent;
type PackageStore = import('../nodes/shared/store/types').PackageStore;
type StoreConfig = import('../nodes/shared/store/types').StoreConfig;

const total = Number(process.argv[2] ?? 1_000_000);
const batch = Number(process.argv[3] ?? 1000);
/** AIW_BENCH_INPUT=1: every event carries input statistics (ai.input of AI Classify 1.1), for the input-drift cost. */
const withInput = process.env.AIW_BENCH_INPUT === '1';
const LANGUAGES = ['en', 'de', 'fr', 'nl', 'es', 'und'];
const LABELS = ['billing', 'refund', 'technical', 'shipping', 'account', 'fraud', 'cancel', 'upgrade', 'feedback', 'other'];
const START = Date.parse('2026-11-01T00:00:00.000Z');
const SPAN = 14 * 86_400_000;

/** Deterministic pseudo-random numbers (mulberry32), so both stores get the same events. */
function random(seed: number) {
	return () => {
		seed |= 0;
		seed = (seed + 0x6d2b79f5) | 0;
		let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
		t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}

function* batches(): Generator<MetricEvent[]> {
	const rnd = random(42);
	for (let start = 0; start < total; start += batch) {
		const events: MetricEvent[] = [];
		for (let i = start; i < Math.min(total, start + batch); i++) {
			const label = LABELS[Math.floor(rnd() * LABELS.length)];
			const confidence = 0.4 + rnd() * 0.6;
			const right = rnd() < confidence;
			const truth = right ? label : LABELS[Math.floor(rnd() * LABELS.length)];
			const routePath = confidence >= 0.85 ? 'auto' : confidence >= 0.5 ? 'review' : 'reject';
			const reviewed = routePath === 'review';
			events.push({
				eventKey: `bench/${Math.floor(i / batch)}/Metrics/0/${i % batch}`,
				workflowId: 'bench',
				executionId: String(Math.floor(i / batch)),
				nodeName: 'Metrics',
				itemIndex: i % batch,
				at: new Date(START + Math.floor((i / total) * SPAN)).toISOString(),
				step: 'triage',
				task: 'classify',
				label,
				confidence,
				engine: 'openai',
				model: 'gpt-4o-mini',
				routePath,
				...(reviewed
					? { reviewDecision: right ? 'approved' : 'corrected', reviewedLabel: truth, reviewCorrect: label === truth, overridden: label !== truth }
					: {}),
				truthLabel: truth,
				truthCorrect: label === truth,
				latencyMs: 200 + Math.floor(rnd() * 1800),
				inputTokens: 150 + Math.floor(rnd() * 100),
				outputTokens: 1,
				costUsd: 0.00003,
				...(withInput
					? {
							inputCharacters: Math.floor(20 * Math.exp(rnd() * 6)),
							inputLanguage: LANGUAGES[Math.floor(rnd() * LANGUAGES.length)],
							inputUnknownTokenShare: Math.floor(rnd() * 60) / 100,
							inputCleaned: rnd() < 0.4,
							inputRedacted: rnd() < 0.2 ? 1 + Math.floor(rnd() * 3) : 0,
						}
					: {}),
			} as MetricEvent);
		}
		yield events;
	}
}

async function bench(name: string, config: StoreConfig) {
	const store: PackageStore = await openStore(config);
	let written = 0;
	const writeStart = process.hrtime.bigint();
	for (const events of batches()) written += (await store.writeEvents(events)).written;
	const writeSeconds = Number(process.hrtime.bigint() - writeStart) / 1e9;

	const window = rangeWindow(new Date(START).toISOString(), new Date(START + SPAN).toISOString());
	const times: number[] = [];
	const cpu: number[] = [];
	let report;
	for (let run = 0; run < 3; run++) {
		const t0 = process.hrtime.bigint();
		const c0 = process.cpuUsage();
		report = await reportFromStore(store, window, {});
		times.push(Number(process.hrtime.bigint() - t0) / 1e6);
		const c = process.cpuUsage(c0);
		cpu.push((c.user + c.system) / 1000);
	}
	const retryStart = process.hrtime.bigint();
	const retry = await store.writeEvents(batches().next().value as MetricEvent[]);
	const retryMs = Number(process.hrtime.bigint() - retryStart) / 1e6;
	console.log(
		JSON.stringify({
			store: name,
			events: written,
			batch,
			writeSeconds: +writeSeconds.toFixed(2),
			eventsPerSecond: Math.round(written / writeSeconds),
			reportMs: times.map((t) => Math.round(t)),
			// This process's CPU: the whole report for SQLite; for PostgreSQL the server does the work.
			reportCpuMs: cpu.map((t) => Math.round(t)),
			loadAverage: loadavg().map((l) => +l.toFixed(2)),
			cores: cpus().length,
			reportVolume: report?.volume,
			accuracy: report?.accuracy,
			retriedBatch: { ...retry, ms: Math.round(retryMs) },
			...(config.kind === 'sqlite' && config.path ? { fileMB: +(statSync(config.path).size / 1e6).toFixed(1) } : {}),
		}),
	);
	await store.close();
}

async function main() {
	const stores = (process.env.AIW_BENCH_STORES ?? 'sqlite,postgres').split(',');
	if (stores.includes('sqlite')) {
		const dir = mkdtempSync(join(tmpdir(), 'aiwf-bench-'));
		try {
			await bench('sqlite', { kind: 'sqlite', path: join(dir, 'store.sqlite') });
		} finally {
			if (!process.env.AIW_BENCH_KEEP) rmSync(dir, { recursive: true, force: true }); else console.log(dir);
		}
	}
	if (stores.includes('postgres')) {
		const admin = process.env.AIW_BENCH_PG ?? 'postgres://postgres@127.0.0.1:5432/test';
		const database = `aiwf_bench_${process.pid}`;
		const client = new Client({ connectionString: admin });
		await client.connect();
		await client.query(`CREATE DATABASE ${database}`);
		try {
			const url = new URL(admin);
			url.pathname = `/${database}`;
			await bench('postgres', { kind: 'postgres', connectionString: url.toString() });
		} finally {
			await closeAllStores();
			if (!process.env.AIW_BENCH_KEEP) await client.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`); else console.log(database);
			await client.end();
		}
	}
}

main().catch((error) => {
	console.error(error);
	process.exit(1);
});
