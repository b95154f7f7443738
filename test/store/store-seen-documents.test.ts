import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { closeAllStores, openStore } from '../../nodes/shared/store';
import type { PackageStore, SeenDocument, StoreConfig } from '../../nodes/shared/store/types';
import { createTestDatabase, PG } from '../support/pg';

const dir = mkdtempSync(join(tmpdir(), 'aiwf-seen-'));
let pg: { database: string; drop: () => Promise<void> };
let counter = 0;

beforeAll(async () => {
	pg = await createTestDatabase('aiwf_seen_test');
});
afterAll(async () => {
	await closeAllStores();
	await pg.drop();
	rmSync(dir, { recursive: true, force: true });
});

const configs: Array<[string, () => StoreConfig]> = [
	['sqlite', () => ({ kind: 'sqlite', path: join(dir, `seen-${++counter}.sqlite`) })],
	// A fresh schema per test would need a database per test; distinct execution ids keep tests apart instead.
	['postgres', () => ({ kind: 'postgres', ...PG, database: pg.database })],
];

function seen(overrides: Partial<SeenDocument> = {}): SeenDocument {
	return {
		vendorKey: 'tax:DE123456789',
		invoiceId: 'INV20240042',
		fileSha256: 'a'.repeat(64),
		workflowId: 'wf-1',
		executionId: '100',
		nodeName: 'Extract Invoice',
		itemIndex: 0,
		seenAt: '2026-11-20T10:00:00.000Z',
		...overrides,
	};
}

describe.each(configs)('%s store: seen documents', (_kind, config) => {
	let store: PackageStore;
	let prefix: string;
	beforeEach(async () => {
		store = await openStore(config());
		prefix = `t${++counter}-`;
	});

	test('records a sighting once per execution, node and item', async () => {
		const first = seen({ executionId: `${prefix}1` });
		expect(await store.recordSeenDocument(first)).toBe(true);
		expect(await store.recordSeenDocument({ ...first, fileSha256: 'b'.repeat(64) })).toBe(false);
		expect(await store.recordSeenDocument({ ...first, itemIndex: 1 })).toBe(true);
		expect(await store.recordSeenDocument({ ...first, nodeName: 'Other' })).toBe(true);
		const found = await store.findSeenDocuments({ fileSha256: first.fileSha256, excludeExecutionId: 'none' });
		expect(found.filter((s) => s.executionId === first.executionId)).toHaveLength(3);
		// the retried item kept its first record
		expect(found.find((s) => s.executionId === first.executionId && s.itemIndex === 0 && s.nodeName === first.nodeName)).toEqual(first);
	});

	test('finds earlier sightings by vendor and invoice id, or by file, oldest first, not of the same execution', async () => {
		const vendor = `tax:${prefix}DE1`;
		const file = `${prefix}`.padEnd(64, 'f');
		const byInvoice = seen({ executionId: `${prefix}a`, vendorKey: vendor, invoiceId: 'INV1', fileSha256: 'c'.repeat(64), seenAt: '2026-11-20T10:00:00.000Z' });
		const byFile = seen({ executionId: `${prefix}b`, vendorKey: vendor, invoiceId: 'OTHER', fileSha256: file, seenAt: '2026-11-19T09:00:00.000Z' });
		const otherInvoice = seen({ executionId: `${prefix}c`, vendorKey: vendor, invoiceId: 'INV2', fileSha256: 'd'.repeat(64) });
		const otherVendor = seen({ executionId: `${prefix}d`, vendorKey: `name:${prefix}globex`, invoiceId: 'INV1', fileSha256: 'e'.repeat(64) });
		const sameExecution = seen({ executionId: `${prefix}now`, vendorKey: vendor, invoiceId: 'INV1', fileSha256: file, itemIndex: 3 });
		for (const s of [byInvoice, byFile, otherInvoice, otherVendor, sameExecution]) await store.recordSeenDocument(s);

		const found = await store.findSeenDocuments({ vendorKey: vendor, invoiceId: 'INV1', fileSha256: file, excludeExecutionId: `${prefix}now` });
		expect(found).toEqual([byFile, byInvoice]);
		expect(await store.findSeenDocuments({ vendorKey: vendor, invoiceId: 'INV1', excludeExecutionId: `${prefix}now` })).toEqual([byInvoice]);
		expect(await store.findSeenDocuments({ fileSha256: file, excludeExecutionId: `${prefix}now` })).toEqual([byFile]);
		expect(await store.findSeenDocuments({ fileSha256: file, excludeExecutionId: `${prefix}now`, limit: 0 })).toEqual([]);
	});

	test('a half-known key matches nothing; optional keys round-trip as absent', async () => {
		const bare = seen({ executionId: `${prefix}1`, vendorKey: undefined, invoiceId: undefined, fileSha256: `${prefix}`.padEnd(64, '0') });
		await store.recordSeenDocument(bare);
		await store.recordSeenDocument(seen({ executionId: `${prefix}2`, vendorKey: `name:${prefix}x`, invoiceId: undefined, fileSha256: undefined }));
		expect(await store.findSeenDocuments({ vendorKey: `name:${prefix}x`, excludeExecutionId: 'now' })).toEqual([]);
		expect(await store.findSeenDocuments({ invoiceId: 'INV20240042', excludeExecutionId: 'now' })).toEqual([]);
		expect(await store.findSeenDocuments({ excludeExecutionId: 'now' })).toEqual([]);
		const [found] = await store.findSeenDocuments({ fileSha256: bare.fileSha256, excludeExecutionId: 'now' });
		expect(found).toEqual({ workflowId: 'wf-1', executionId: `${prefix}1`, nodeName: 'Extract Invoice', itemIndex: 0, seenAt: bare.seenAt, fileSha256: bare.fileSha256 });
		expect('vendorKey' in found).toBe(false);
	});
});
