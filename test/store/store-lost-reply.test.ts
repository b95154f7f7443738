/**
 * A write whose COMMIT went through but whose reply was lost is tried again (the store cannot tell
 * it from a write that never arrived) and must neither record anything twice nor report the
 * store's own earlier try as someone else's: the idempotency the retries rely on (retry.ts).
 */
import { closeAllStores, openStore, type PackageStore, type ReviewCase } from '../../nodes/shared/store';
import { startCuttingProxy, type CuttingProxy } from './helpers/cuttingProxy';
import { event } from './helpers/events';
import { createTestDatabase, PG } from '../support/pg';

let db: { database: string; drop: () => Promise<void> };
let proxy: CuttingProxy;
let store: PackageStore;

beforeAll(async () => {
	db = await createTestDatabase('aiwf_lost_reply');
	proxy = await startCuttingProxy(PG);
	store = await openStore({ kind: 'postgres', host: '127.0.0.1', port: proxy.port, database: db.database, user: PG.user, password: PG.password });
});

afterAll(async () => {
	await closeAllStores();
	await proxy?.close();
	await db?.drop();
});

const pendingCase = (id: string): ReviewCase => ({
	id,
	workflowId: 'wf',
	executionId: `ex-${id}`,
	nodeName: 'Review',
	tokenHash: 'ab'.repeat(32),
	status: 'pending',
	createdAt: '2026-11-20T10:00:00.000Z',
	payload: { items: [] },
});

test('events whose COMMIT reply was lost are stored once, and counted as written rather than as duplicates', async () => {
	const events = [1, 2, 3].map((i) => event({ eventKey: `lost-commit/${i}`, executionId: 'ex-lost' }));
	proxy.cutAfter(/COMMIT/);
	expect(await store.writeEvents(events)).toEqual({ written: 3, duplicates: 0 });
	expect(proxy.cuts()).toBe(1);
	// The same events from another execution (a re-run) are duplicates as before.
	expect(await store.writeEvents(events.map((e) => ({ ...e, executionId: 'ex-rerun' })))).toEqual({ written: 0, duplicates: 3 });
	expect((await store.readEvents({})).filter((e) => e.eventKey.startsWith('lost-commit/')).map((e) => e.eventKey).sort()).toEqual([
		'lost-commit/1',
		'lost-commit/2',
		'lost-commit/3',
	]);
});

test('a review decision whose reply was lost still wins; a later decision does not', async () => {
	await store.putReviewCase(pendingCase('lost-decision'));
	const cutsBefore = proxy.cuts();
	proxy.cutAfter(/UPDATE aiwf_review_cases/);
	expect(await store.decideReviewCase('lost-decision', { reviewer: 'ann' }, '2026-11-20T11:00:00.000Z')).toBe(true);
	expect(proxy.cuts()).toBe(cutsBefore + 1);
	expect(await store.getReviewCaseById('lost-decision')).toMatchObject({ status: 'decided', decision: { reviewer: 'ann' } });
	expect(await store.decideReviewCase('lost-decision', { reviewer: 'bob' }, '2026-11-20T11:00:01.000Z')).toBe(false);
	expect(await store.getReviewCaseById('lost-decision')).toMatchObject({ decision: { reviewer: 'ann' } });
});
