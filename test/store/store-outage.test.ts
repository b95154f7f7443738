/**
 * The PostgreSQL store riding out a crash of its server: a private cluster (test/harness/privatePostgres)
 * is shut down immediately while writes are in flight and started again; every write lands exactly
 * once. An outage longer than the retry budget ends in a StoreUnavailableError naming the store.
 */
import { LoggerProxy } from 'n8n-workflow';
import { Client } from 'pg';

import { startPrivatePostgres, type PrivatePostgres } from '../harness/privatePostgres';
import { closeAllStores, openStore, StoreUnavailableError, type PostgresStoreConfig } from '../../nodes/shared/store';
import { event } from './helpers/events';

jest.setTimeout(120_000);

const sleep = async (ms: number) => await new Promise((resolve) => setTimeout(resolve, ms));

let pg: PrivatePostgres;
const warnings: string[] = [];

beforeAll(async () => {
	pg = await startPrivatePostgres();
	const keep = (message: unknown) => warnings.push(String(message));
	LoggerProxy.init({ error: () => {}, warn: keep, info: () => {}, debug: () => {} } as unknown as Parameters<typeof LoggerProxy.init>[0]);
});

afterAll(async () => {
	await closeAllStores();
	await pg?.destroy();
});

const config = (retryPolicy?: PostgresStoreConfig['retryPolicy']): PostgresStoreConfig => ({
	kind: 'postgres',
	host: pg.host,
	port: pg.port,
	database: pg.database,
	user: pg.user,
	retryPolicy,
});

async function eventKeys(): Promise<string[]> {
	const client = new Client({ host: pg.host, port: pg.port, user: pg.user, database: pg.database });
	await client.connect();
	try {
		return (await client.query('SELECT event_key FROM aiwf_metric_events ORDER BY event_key')).rows.map((row) => String(row.event_key));
	} finally {
		await client.end();
	}
}

test('writes cut by a server crash, and writes sent while it is down, land exactly once after the restart', async () => {
	const store = await openStore(config());
	const batch = (name: string) => Array.from({ length: 20 }, (_, i) => event({ eventKey: `${name}/${i}` }));
	expect(await store.writeEvents(batch('before'))).toEqual({ written: 20, duplicates: 0 });

	// A lock held elsewhere keeps three writes waiting inside PostgreSQL when the crash comes.
	const blocker = new Client({ host: pg.host, port: pg.port, user: pg.user, database: pg.database });
	blocker.on('error', () => {});
	await blocker.connect();
	await blocker.query('BEGIN');
	await blocker.query('LOCK TABLE aiwf_metric_events IN EXCLUSIVE MODE');
	const inFlight = ['cut-1', 'cut-2', 'cut-3'].map(async (name) => await store.writeEvents(batch(name)));
	await sleep(300);
	warnings.length = 0;
	const downAt = Date.now();
	await pg.crash();
	const whileDown = store.writeEvents(batch('down'));
	await sleep(2_000);
	await pg.start();
	const downMs = Date.now() - downAt;

	await blocker.end().catch(() => {});

	const results = await Promise.all([...inFlight, whileDown]);
	for (const result of results) expect(result.written + result.duplicates).toBe(20);
	const keys = await eventKeys();
	expect(keys).toHaveLength(5 * 20);
	expect(new Set(keys).size).toBe(keys.length);
	expect(warnings.length).toBeGreaterThanOrEqual(4);
	// The cut writes saw their connection end mid-query; the later ones a refused connect.
	expect(warnings.some((warning) => /Connection terminated|terminating connection/i.test(warning))).toBe(true);
	expect(warnings.some((warning) => /connection refused/.test(warning))).toBe(true);
	expect(warnings[0]).toMatch(/the PostgreSQL store at 127\.0\.0\.1:\d+\/store is unreachable \(.+\); trying again in \d+ ms/);
	console.info(`server down ${downMs} ms; ${warnings.length} retries logged, e.g. ${warnings.slice(0, 2).join(' | ')}`);
});

test('an outage longer than the retry budget fails with an error naming the store and the fix; the store works again after', async () => {
	const store = await openStore(config({ budgetMs: 1_500, baseDelayMs: 100, maxDelayMs: 400 }));
	await store.writeEvents([event({ eventKey: 'budget/ok' })]);
	await pg.crash();
	try {
		const failure = store.writeEvents([event({ eventKey: 'budget/lost' })]);
		await expect(failure).rejects.toBeInstanceOf(StoreUnavailableError);
		await expect(failure).rejects.toThrow(/^The PostgreSQL store at 127\.0\.0\.1:\d+\/store could not be reached for \d s \(connection refused; \d+ attempts\)$/);
		expect(((await failure.catch((e: unknown) => e)) as StoreUnavailableError).fix).toMatch(/run the execution again/);
	} finally {
		await pg.start();
	}
	expect(await store.writeEvents([event({ eventKey: 'budget/after' })])).toEqual({ written: 1, duplicates: 0 });
	expect((await eventKeys()).filter((key) => key.startsWith('budget/'))).toEqual(['budget/after', 'budget/ok']);
});
