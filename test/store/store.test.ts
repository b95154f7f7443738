import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Client } from 'pg';

import { closeAllStores, defaultSqlitePath, openStore, postgresConfigFromCredential } from '../../nodes/shared/store';
import { numberPlaceholders } from '../../nodes/shared/store/postgres';
import { migrations, MIGRATIONS_TABLE } from '../../nodes/shared/store/sql';
import { loadSqlite } from '../../nodes/shared/store/sqlite';
import { StoreUnavailableError, type PackageStore, type ReviewCase, type StoreConfig } from '../../nodes/shared/store/types';
import { event } from './helpers/events';
import { createTestDatabase, PG } from '../support/pg';

const dir = mkdtempSync(join(tmpdir(), 'aiwf-store-'));
let pg: { database: string; drop: () => Promise<void> };

/**
 * A store as an older version left it — the migrations up to `version` and `rows` (SQL) written
 * directly — opened by this version, which migrates it, and handed to `check`.
 */
async function withStoreAtSchema(kind: 'sqlite' | 'postgres', version: number, rows: string[], check: (store: PackageStore) => Promise<void>) {
	const applied = migrations.filter((m) => m.version <= version);
	if (kind === 'sqlite') {
		const file = join(dir, `schema-${version}.sqlite`);
		// eslint-disable-next-line @typescript-eslint/no-require-imports -- node:sqlite is experimental and loaded only where it exists
		const { DatabaseSync } = require('node:sqlite');
		const db = new DatabaseSync(file);
		db.exec(`CREATE TABLE ${MIGRATIONS_TABLE} (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)`);
		for (const migration of applied) {
			for (const statement of migration.statements('sqlite')) db.exec(statement);
			db.prepare(`INSERT INTO ${MIGRATIONS_TABLE} VALUES (?, ?, ?)`).run(migration.version, migration.name, '2026-01-01');
		}
		for (const row of rows) db.exec(row);
		db.close();
		await check(await openStore({ kind: 'sqlite', path: file }));
		return;
	}
	const fresh = await createTestDatabase(`aiwf_schema${version}`);
	try {
		const client = new Client({ ...PG, database: fresh.database });
		await client.connect();
		await client.query(`CREATE TABLE ${MIGRATIONS_TABLE} (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())`);
		for (const migration of applied) {
			for (const statement of migration.statements('postgres')) await client.query(statement);
			await client.query(`INSERT INTO ${MIGRATIONS_TABLE} (version, name) VALUES ($1, $2)`, [migration.version, migration.name]);
		}
		for (const row of rows) await client.query(row);
		await client.end();
		const store = await openStore({ kind: 'postgres', ...PG, database: fresh.database });
		await check(store);
		await store.close();
	} finally {
		await fresh.drop();
	}
}

beforeAll(async () => {
	pg = await createTestDatabase('aiwf_store_test');
});
afterAll(async () => {
	await closeAllStores();
	await pg.drop();
	rmSync(dir, { recursive: true, force: true });
});

const configs: Array<[string, () => StoreConfig]> = [
	['sqlite', () => ({ kind: 'sqlite', path: join(dir, `${expect.getState().currentTestName?.replace(/\W+/g, '-')}.sqlite`) })],
	['postgres', () => ({ kind: 'postgres', ...PG, database: pg.database })],
];

function reviewCase(overrides: Partial<ReviewCase> = {}): ReviewCase {
	return {
		id: `case-${Math.random().toString(36).slice(2)}`,
		workflowId: 'wf',
		executionId: '42',
		nodeName: 'Review',
		tokenHash: 'ab'.repeat(32),
		status: 'pending',
		createdAt: '2026-11-20T10:00:00.000Z',
		payload: { items: [{ text: 'Refund ünïcödé <b>' }] },
		...overrides,
	};
}

describe.each(configs)('%s store', (kind, config) => {
	let store: PackageStore;
	beforeEach(async () => {
		store = await openStore(config());
	});
	afterEach(async () => {
		if (kind === 'postgres') {
			const client = new Client({ ...PG, database: pg.database });
			await client.connect();
			await client.query('TRUNCATE aiwf_metric_events, aiwf_review_cases, aiwf_models, aiwf_training_examples');
			await client.end();
		}
	});

	test('runs the versioned migrations once and records them', async () => {
		expect(store.kind).toBe(kind);
		await store.close();
		store = await openStore(config());
		const events = await store.readEvents({});
		expect(events).toEqual([]);
		if (kind === 'postgres') {
			const client = new Client({ ...PG, database: pg.database });
			await client.connect();
			const { rows } = await client.query('SELECT version, name FROM aiwf_schema_migrations ORDER BY version');
			await client.end();
			expect(rows).toEqual([
				{ version: 1, name: 'metric events' },
				{ version: 2, name: 'review cases' },
				{ version: 3, name: 'seen documents' },
				{ version: 4, name: 'local models' },
				{ version: 5, name: 'cascade tier' },
				{ version: 6, name: 'vendor memory' },
				{ version: 7, name: 'input statistics' },
			]);
		} else {
			// eslint-disable-next-line @typescript-eslint/no-require-imports -- node:sqlite is experimental and loaded only where it exists
			const { DatabaseSync } = require('node:sqlite');
			const db = new DatabaseSync(store.location);
			const rows = db.prepare('SELECT version, name FROM aiwf_schema_migrations ORDER BY version').all();
			db.close();
			expect(rows.map((r: { version: number; name: string }) => ({ ...r }))).toEqual([
				{ version: 1, name: 'metric events' },
				{ version: 2, name: 'review cases' },
				{ version: 3, name: 'seen documents' },
				{ version: 4, name: 'local models' },
				{ version: 5, name: 'cascade tier' },
				{ version: 6, name: 'vendor memory' },
				{ version: 7, name: 'input statistics' },
			]);
		}
	});

	test('round-trips every event field', async () => {
		const full = event({
			step: 'triage',
			engine: 'cascade',
			tier: 'llm',
			model: 'gpt-x',
			routePath: 'review',
			sampled: true,
			reviewDecision: 'corrected',
			reviewedLabel: 'refund',
			reviewCorrect: false,
			overridden: true,
			truthLabel: 'refund',
			truthCorrect: false,
			latencyMs: 812.5,
			inputTokens: 120,
			outputTokens: 3,
			costUsd: 0.000123,
			fields: { total: { correct: false, confidence: 0.7 } },
			dimensions: { team: 'emea' },
			inputCharacters: 1834,
			inputLanguage: 'de',
			inputUnknownTokenShare: 0.125,
			inputCleaned: true,
			inputRedacted: 3,
		});
		const badInput = event({ at: '2026-11-20T10:30:00.000Z', inputSkipReason: 'invalid_input' });
		const minimal = event({ at: '2026-11-20T11:00:00.000Z' });
		delete minimal.confidence;
		const skipped = { ...event({ at: '2026-11-20T12:00:00.000Z' }), skipReason: 'no_ai' as const };
		await store.writeEvents([full, badInput, minimal, skipped]);
		expect(await store.readEvents({})).toEqual([full, badInput, minimal, skipped]);
		expect(await store.readEvents({}, { includeSkipped: false })).toEqual([full, badInput, minimal]);
		expect(await store.readEvents({}, { limit: 1, offset: 2 })).toEqual([minimal]);
		expect(await store.countEvents({ from: '2026-11-20T10:30:00Z' })).toBe(3);
		expect(await store.readEvents({ step: 'triage', model: 'gpt-x', workflowId: 'wf', label: 'billing' })).toEqual([full]);
	});

	test('is idempotent by event key: a retried write is counted as duplicates', async () => {
		const batch = [event(), event(), event()];
		expect(await store.writeEvents(batch)).toEqual({ written: 3, duplicates: 0 });
		const retry = [...batch, event()];
		expect(await store.writeEvents(retry)).toEqual({ written: 1, duplicates: 3 });
		const again = event();
		expect(await store.writeEvents([again, { ...again }])).toEqual({ written: 1, duplicates: 1 });
		expect(await store.countEvents({})).toBe(5);
	});

	test('a batch is one transaction: a bad event leaves none of the batch written, and the store goes on', async () => {
		const bad = { ...event(), label: {} as unknown as string, itemIndex: 'x' as unknown as number };
		await expect(store.writeEvents([event(), bad])).rejects.toThrow();
		expect(await store.countEvents({})).toBe(0);
		expect(await store.writeEvents([event()])).toEqual({ written: 1, duplicates: 0 });
	});

	test('writes a large batch in one call', async () => {
		const many = Array.from({ length: 12_345 }, (_, i) => event({ itemIndex: i, eventKey: `big/${i}` }));
		expect(await store.writeEvents(many)).toEqual({ written: 12_345, duplicates: 0 });
		expect(await store.countEvents({})).toBe(12_345);
	});

	test('review cases: put, get, decide once, expire, list pending', async () => {
		const first = reviewCase({ id: 'c1', createdAt: '2026-11-20T10:00:00.000Z' });
		const newer = reviewCase({ id: 'c2', createdAt: '2026-11-20T11:00:00.000Z', expiresAt: '2026-11-21T11:00:00.000Z' });
		const other = reviewCase({ id: 'c3', workflowId: 'other', executionId: '43' });
		for (const c of [first, newer, other]) await store.putReviewCase(c);
		expect(await store.getReviewCase('42', 'Review')).toEqual(newer);
		expect(await store.getReviewCase('42', 'Nope')).toBeUndefined();
		expect(await store.getReviewCaseById('c1')).toEqual(first);
		expect((await store.listReviewCases('pending')).map((c) => c.id)).toEqual(['c1', 'c3', 'c2']);
		expect((await store.listReviewCases('pending', 'wf')).map((c) => c.id)).toEqual(['c1', 'c2']);

		const decisions = await Promise.all([
			store.decideReviewCase('c2', { decision: 'approved' }, '2026-11-20T12:00:00.000Z'),
			store.decideReviewCase('c2', { decision: 'rejected' }, '2026-11-20T12:00:01.000Z'),
		]);
		expect([...decisions].sort()).toEqual([false, true]);
		// Whichever decision won the race is the one stored.
		const winner = decisions[0]
			? { decision: { decision: 'approved' }, decidedAt: '2026-11-20T12:00:00.000Z' }
			: { decision: { decision: 'rejected' }, decidedAt: '2026-11-20T12:00:01.000Z' };
		expect(await store.getReviewCaseById('c2')).toMatchObject({ status: 'decided', ...winner });
		expect(await store.decideReviewCase('missing', {}, '2026-11-20T12:00:00.000Z')).toBe(false);
		expect(await store.expireReviewCase('c2')).toBe(false);
		expect(await store.expireReviewCase('c1')).toBe(true);
		expect(await store.decideReviewCase('c1', {}, '2026-11-20T12:00:00.000Z')).toBe(false);
		expect((await store.listReviewCases('pending')).map((c) => c.id)).toEqual(['c3']);
		expect((await store.listReviewCases('decided')).map((c) => c.id)).toEqual(['c2']);
		expect((await store.listReviewCases('expired', 'wf')).map((c) => c.id)).toEqual(['c1']);
		await store.decideReviewCase('c3', { decision: 'approved' }, '2026-11-20T12:00:02.000Z');
		// The newest decided cases, oldest first.
		expect((await store.listReviewCases('decided')).map((c) => c.id)).toEqual(['c3', 'c2']);
		expect((await store.listReviewCases('decided', undefined, 1)).map((c) => c.id)).toEqual(['c2']);

		await store.putReviewCase({ ...other, payload: { replaced: true } });
		expect((await store.getReviewCaseById('c3'))?.payload).toEqual({ replaced: true });
	});

	test('keeps training examples per model name, each once, in the order they were added', async () => {
		expect(await store.listTrainingExamples('triage')).toEqual([]);
		const first = [
			{ text: 'Refund my order ünïcödé', label: 'billing', source: 'items' },
			{ text: 'The app crashes', label: 'technical', source: 'items' },
		];
		expect(await store.addTrainingExamples('triage', first)).toEqual({ added: 2 });
		await new Promise((resolve) => setTimeout(resolve, 5));
		const second = [
			{ text: 'The app crashes', label: 'technical', source: 'items' },
			{ text: 'The app crashes', label: 'billing', source: 'items' },
			{ text: 'x'.repeat(20_000), label: 'other', source: 'category' },
		];
		expect(await store.addTrainingExamples('triage', second)).toEqual({ added: 2 });
		await store.addTrainingExamples('another', [{ text: 'elsewhere', label: 'a', source: 'items' }]);
		const kept = await store.listTrainingExamples('triage');
		expect(kept).toHaveLength(4);
		expect(kept.slice(0, 2)).toEqual(expect.arrayContaining(first));
		expect(kept.slice(2)).toEqual(expect.arrayContaining([second[1], second[2]]));
		expect(await store.addTrainingExamples('triage', [])).toEqual({ added: 0 });
	});

	test('stores model versions with their bytes and returns the newest', async () => {
		expect(await store.newestModel('triage')).toBeUndefined();
		expect(await store.newestModelVersion('triage')).toBeUndefined();
		const bytes = Buffer.from([0, 1, 2, 255, 0, 128]);
		const older = { name: 'triage', version: 'local-aaa', trainedAt: '2026-11-20T10:00:00.000Z', metrics: { cvAccuracy: 0.8 }, model: bytes, examples: 60 };
		const newer = { ...older, version: 'local-bbb', trainedAt: '2026-11-20T11:00:00.000Z', model: Buffer.from('LCLF'), examples: 70 };
		await store.saveModel(older);
		await store.saveModel(newer);
		await store.saveModel({ ...older, name: 'other', trainedAt: '2026-11-21T10:00:00.000Z' });
		expect(await store.newestModelVersion('triage')).toBe('local-bbb');
		const newest = await store.newestModel('triage');
		expect(newest).toEqual(newer);
		expect(Buffer.isBuffer(newest!.model)).toBe(true);
		// The same version trained again is the newest again, with its new metrics.
		await store.saveModel({ ...older, trainedAt: '2026-11-20T12:00:00.000Z', metrics: { cvAccuracy: 0.9 } });
		expect(await store.newestModel('triage')).toEqual({ ...older, trainedAt: '2026-11-20T12:00:00.000Z', metrics: { cvAccuracy: 0.9 } });
	});
});

describe('sqlite store under concurrent writers', () => {
	test('two processes writing the same file at once lose nothing', async () => {
		const path = join(dir, 'concurrent.sqlite');
		const child = (name: string) =>
			new Promise<string>((done, fail) => {
				const proc = spawn(
					process.execPath,
					[resolve('scripts/run-ts.js'), resolve('test/store/helpers/write-events-child.ts'), path, name, '4000', '50'],
					{ stdio: ['ignore', 'pipe', 'pipe'] },
				);
				let out = '';
				proc.stdout.on('data', (d) => (out += d));
				proc.stderr.on('data', (d) => (out += d));
				proc.on('exit', (code) => (code === 0 ? done(out) : fail(new Error(`child ${name} exited ${code}: ${out}`))));
			});
		const outputs = await Promise.all([child('a'), child('b')]);
		expect(outputs.map((o) => JSON.parse(o.trim().split('\n').pop()!))).toEqual([
			{ written: 4000, duplicates: 0 },
			{ written: 4000, duplicates: 0 },
		]);
		const store = await openStore({ kind: 'sqlite', path });
		expect(await store.countEvents({})).toBe(8000);
		await store.close();
	}, 60_000);
});

describe('configuration and failures', () => {
	test('default file lives under the n8n user folder', () => {
		expect(defaultSqlitePath({ N8N_USER_FOLDER: '/data' })).toBe('/data/.n8n/ai-workflow/store.sqlite');
	});

	test('an unreachable PostgreSQL fails with a clear error naming the store and the fix', async () => {
		const failure = openStore({ kind: 'postgres', host: '127.0.0.1', port: 1, database: 'nope', user: 'postgres' });
		await expect(failure).rejects.toBeInstanceOf(StoreUnavailableError);
		await expect(failure).rejects.toThrow(/^Cannot reach the PostgreSQL store at 127\.0\.0\.1:1\/nope \(connection refused\)$/);
		const error = (await failure.catch((e) => e)) as StoreUnavailableError;
		expect(error.fix).toMatch(/Postgres credential/);
		// n8n swaps any message containing a Node error code for a generic sentence: keep codes out.
		expect(error.message).not.toMatch(/\bE[A-Z]{4,}\b/);
	});

	test('a missing database is reported the same way', async () => {
		await expect(openStore({ kind: 'postgres', ...PG, database: 'aiwf_does_not_exist' })).rejects.toThrow(
			new RegExp(`Cannot reach the PostgreSQL store at ${PG.host.replace(/\./g, '\\.')}:${PG.port}/aiwf_does_not_exist .*does not exist`),
		);
	});

	test('an unwritable SQLite path fails with a clear error', async () => {
		const file = join(dir, 'a-file');
		writeFileSync(file, 'not a folder');
		await expect(openStore({ kind: 'sqlite', path: join(file, 'store.sqlite') })).rejects.toThrow(
			/^Cannot open the embedded store file .*a-file\/store\.sqlite \(a file stands where a folder is needed\)$/,
		);
	});

	test('migrations of two PostgreSQL openers racing on a fresh database both succeed', async () => {
		const fresh = await createTestDatabase('aiwf_race');
		try {
			const a = openStore({ kind: 'postgres', ...PG, database: fresh.database, maxConnections: 2 });
			const b = openStore({ kind: 'postgres', ...PG, database: fresh.database, maxConnections: 3 });
			const [sa, sb] = await Promise.all([a, b]);
			expect(await sa.writeEvents([event()])).toEqual({ written: 1, duplicates: 0 });
			expect(await sb.countEvents({})).toBe(1);
			await sa.close();
		} finally {
			await fresh.drop();
		}
	});

	describe('migration 5 gives cascade events stored before it the tier their model implies', () => {
		// Rows as a version with schema 4 wrote them: no tier column.
		const before = (engine: string, model: string | null, key: string) =>
			`INSERT INTO aiwf_metric_events (event_key, workflow_id, execution_id, node_name, item_index, at_ms, engine, model)
			VALUES ('${key}', 'wf', 'ex', 'Metrics', 0, 1795600000000, '${engine}', ${model === null ? 'NULL' : `'${model}'`})`;
		const oldRows = [
			before('cascade', 'local:3f2a', 'classify-local'),
			before('cascade', null, 'invoice-local'),
			before('cascade', 'gpt-4o-mini', 'llm'),
			before('openai', 'gpt-4o-mini', 'plain'),
		];
		const expectTiers = async (store: PackageStore) => {
			const tiers = Object.fromEntries((await store.readEvents({})).map((e) => [e.eventKey, e.tier]));
			expect(tiers).toEqual({ 'classify-local': 'local', 'invoice-local': 'local', llm: 'llm', plain: undefined });
		};

		test.each(['sqlite', 'postgres'] as const)('%s', (kind) => withStoreAtSchema(kind, 4, oldRows, expectTiers));
	});

	describe('migration 7 adds the input statistics to a store at schema 6 without losing its events', () => {
		// Two events and a skipped item as a version with schema 6 wrote them.
		const oldRows = [['a', 'billing', null], ['b', 'refund', null], ['c', null, 'no_ai']].map(
			([key, label, skip]) =>
				`INSERT INTO aiwf_metric_events (event_key, workflow_id, execution_id, node_name, item_index, at_ms, task, label, confidence, route_path, skip_reason, tier)
				VALUES ('${key}', 'wf', 'ex', 'Metrics', 0, 1795600000000, ${label ? "'classify'" : 'NULL'}, ${label ? `'${label}'` : 'NULL'}, ${label ? 0.8 : 'NULL'}, ${label ? "'auto'" : 'NULL'}, ${skip ? `'${skip}'` : 'NULL'}, NULL)`,
		);
		const expectMigrated = async (store: PackageStore) => {
			const events = await store.readEvents({});
			expect(events.map((e) => [e.eventKey, e.label, e.confidence, e.routePath, e.skipReason])).toEqual([
				['a', 'billing', 0.8, 'auto', undefined],
				['b', 'refund', 0.8, 'auto', undefined],
				['c', undefined, undefined, undefined, 'no_ai'],
			]);
			// The new columns are null: no input statistics, not zeros.
			for (const e of events) {
				expect(Object.keys(e).filter((k) => k.startsWith('input'))).toEqual([]);
			}
			const window = { from: '2026-11-25T00:00:00.000Z', to: '2026-12-01T00:00:00.000Z', truthSource: 'auto' as const, timelineBucketMs: 86_400_000 };
			const aggregates = await store.aggregate(window);
			expect(aggregates.totals.events).toBe(2);
			expect(aggregates.input).toEqual([]);
			// New events carry them.
			await store.writeEvents([event({ eventKey: 'd', at: '2026-11-26T00:00:00.000Z', inputCharacters: 80, inputLanguage: 'en', inputCleaned: false })]);
			expect((await store.readEvents({ from: '2026-11-26T00:00:00.000Z' }))[0]).toMatchObject({ inputCharacters: 80, inputLanguage: 'en', inputCleaned: false });
		};

		test.each(['sqlite', 'postgres'] as const)('%s', (kind) => withStoreAtSchema(kind, 6, oldRows, expectMigrated));
	});

	test('a Node without node:sqlite gets an error naming the fix', () => {
		const missing = () => {
			throw Object.assign(new Error("Cannot find module 'node:sqlite'"), { code: 'ERR_UNKNOWN_BUILTIN_MODULE' });
		};
		expect(() => loadSqlite(missing)).toThrow(/needs Node's built-in SQLite \(node:sqlite\)/);
		try {
			loadSqlite(missing);
		} catch (error) {
			expect((error as StoreUnavailableError).fix).toMatch(/Node 22\.13 or newer.*or choose PostgreSQL/);
		}
	});

	test('maps n8n postgres credential fields', () => {
		expect(
			postgresConfigFromCredential({ host: 'db', port: 6543, database: 'n8n', user: 'u', password: 'p', ssl: 'require', allowUnauthorizedCerts: true }),
		).toMatchObject({ kind: 'postgres', host: 'db', port: 6543, database: 'n8n', user: 'u', password: 'p', ssl: 'require', allowUnauthorizedCerts: true });
		expect(() => postgresConfigFromCredential({ sshTunnel: true })).toThrow(/SSH tunnel/);
		expect(numberPlaceholders('a = ? AND b = ?')).toBe('a = $1 AND b = $2');
	});
});
