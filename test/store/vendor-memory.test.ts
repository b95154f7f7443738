/**
 * Vendor memory: a reviewer's correction of one invoice is kept in the package store by vendor, and
 * the next invoice of that vendor is read with it first (and says so); other vendors are not.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readDocument } from '../../nodes/shared/documents';
import { runLocalEngine } from '../../nodes/shared/invoice/engine';
import { buildLines } from '../../nodes/shared/invoice/layout';
import { documentVendorKeys, learnVendorMemory, pickMemory } from '../../nodes/shared/invoice/vendorMemory';
import { keepInvoiceLayout, learnFromCorrections, loadVendorMemories, recordHash } from '../../nodes/shared/invoice/vendorMemoryStore';
import { openStore, type PackageStore } from '../../nodes/shared/store';
import { nordlichtInvoice } from '../support/vendorInvoices';

const first = nordlichtInvoice('88-1234', 4, 1000);
const second = nordlichtInvoice('88-5678', 21, 250);

describe('vendor memory', () => {
	let folder: string;
	let store: PackageStore;
	beforeAll(async () => {
		folder = mkdtempSync(join(tmpdir(), 'aiw-vendor-memory-'));
		store = await openStore({ kind: 'sqlite', path: join(folder, 'store.sqlite') });
	});
	afterAll(async () => {
		await store.close();
		rmSync(folder, { recursive: true, force: true });
	});

	it('the general rules miss the labels this vendor uses', async () => {
		const result = runLocalEngine(await readDocument(second.pdf));
		expect(result.invoice.invoiceId).not.toBe('88-5678');
		expect(result.invoice.invoiceTotal).not.toBe(297.5);
		expect(result.vendorMemory).toBeUndefined();
		expect(result.vendorKeys).toEqual(expect.arrayContaining(['tax:DE811234563', 'iban:DE89370400440532013000']));
	});

	it('learns where the corrected fields sit and how they are labelled, and reads the next invoice with it', async () => {
		const document = await readDocument(first.pdf);
		const extracted = runLocalEngine(document);
		const corrected = { ...extracted.invoice, invoiceId: '88-1234', invoiceTotal: 1190, amountDue: 1190 };
		const memory = learnVendorMemory(document.pages, corrected, null, new Date('2026-01-01T00:00:00Z'), { extracted: extracted.invoice });
		expect(memory.fields.invoiceId).toMatchObject({ kind: 'label', label: 'vorgang', relation: 'same' });
		expect(memory.fields.invoiceTotal).toMatchObject({ kind: 'label', label: 'summazubegleichen', relation: 'right' });
		expect(memory.fields['vendor.taxId']).toMatchObject({ kind: 'value', value: 'DE811234563' });
		expect(memory.keys).toEqual(expect.arrayContaining(['tax:DE811234563']));

		const next = await readDocument(second.pdf);
		expect(pickMemory([memory], documentVendorKeys(buildLines(next.pages)))?.key).toBe('tax:DE811234563');
		const result = runLocalEngine(next, { vendorMemories: [memory] });
		expect(result.invoice).toMatchObject({ invoiceId: '88-5678', invoiceTotal: 297.5, amountDue: 297.5, invoiceDate: '2025-03-21' });
		expect(result.evidence.invoiceId).toMatchObject({ source: 'vendorMemory', quote: expect.stringContaining('88-5678') });
		expect(result.vendorMemory).toMatchObject({ key: 'tax:DE811234563', corrections: 1, fields: expect.arrayContaining(['invoiceId', 'invoiceTotal']) });
		expect(result.fieldConfidence.invoiceId).toBeGreaterThanOrEqual(0.9);
	});

	it('a memory is never used for another vendor', async () => {
		const document = await readDocument(first.pdf);
		const memory = learnVendorMemory(document.pages, { ...runLocalEngine(document).invoice, invoiceId: '88-1234' }, null, new Date());
		// Same layout and labels, other vendor: other tax id, IBAN and letterhead.
		const foreign = nordlichtInvoice('88-9999', 1, 10, { name: 'Sonnenschein Metallbau AG', vatId: 'DE136695976', iban: 'DE02 1203 0000 0000 2020 51' });
		const result = runLocalEngine(await readDocument(foreign.pdf), { vendorMemories: [memory] });
		expect(result.invoice.vendor.name).toBe('Sonnenschein Metallbau AG');
		expect(result.vendorMemory).toBeUndefined();
		expect(result.invoice.invoiceId).not.toBe('88-9999');
	});

	it('round trip through the store: the layout kept at extraction, the correction recorded at review, the memory found by the next invoice', async () => {
		const document = await readDocument(first.pdf);
		const extracted = runLocalEngine(document);
		await keepInvoiceLayout(store, 'exec-1', extracted.invoice, document.pages, new Date('2026-01-01T00:00:00Z'));
		// As the review page posts it: a number field that was empty comes back as text.
		const after = { ...extracted.invoice, invoiceId: '88-1234', invoiceTotal: '1190.00' };
		expect(await learnFromCorrections(store, 'exec-1', [{ before: extracted.invoice, after }], new Date('2026-01-02T00:00:00Z'))).toBe(1);
		// A correction whose extraction was not kept (another execution) teaches nothing.
		expect(await learnFromCorrections(store, 'exec-unknown', [{ before: extracted.invoice, after }], new Date())).toBe(0);
		expect(recordHash(JSON.parse(JSON.stringify(extracted.invoice)))).toBe(recordHash(extracted.invoice));

		const next = await readDocument(second.pdf);
		const keys = runLocalEngine(next).vendorKeys ?? [];
		const memories = await loadVendorMemories(store, keys);
		expect(memories).toHaveLength(1);
		const result = runLocalEngine(next, { vendorMemories: memories });
		expect(result.invoice).toMatchObject({ invoiceId: '88-5678', invoiceTotal: 297.5 });

		// A second correction of the same vendor adds to its memory.
		await keepInvoiceLayout(store, 'exec-2', result.invoice, next.pages, new Date('2026-01-03T00:00:00Z'));
		await learnFromCorrections(store, 'exec-2', [{ before: result.invoice, after: { ...result.invoice, purchaseOrder: null } }], new Date('2026-01-04T00:00:00Z'));
		const updated = await loadVendorMemories(store, keys);
		expect(updated).toHaveLength(1);
		expect(updated[0].corrections).toBe(2);
	});
});

describe('vendor memory on PostgreSQL', () => {
	it('keeps layouts and memories by key, newest memory first, each once', async () => {
		const { createTestDatabase, PG } = await import('../support/pg');
		const { database, drop } = await createTestDatabase('aiw_vendor_memory');
		const store = await openStore({ kind: 'postgres', host: PG.host, port: PG.port, user: PG.user, password: PG.password, database });
		try {
			await store.saveInvoiceLayout('exec-1', 'hash-1', '[{"number":1}]', '2026-01-01T00:00:00.000Z');
			await store.saveInvoiceLayout('exec-1', 'hash-1', '[{"number":2}]', '2026-01-01T00:00:01.000Z');
			expect(await store.getInvoiceLayout('exec-1', 'hash-1')).toBe('[{"number":2}]');
			expect(await store.getInvoiceLayout('exec-1', 'other')).toBeUndefined();
			// Layouts older than the retention are dropped when a new one is kept.
			await store.saveInvoiceLayout('exec-2', 'hash-2', '[]', '2026-06-01T00:00:00.000Z');
			expect(await store.getInvoiceLayout('exec-1', 'hash-1')).toBeUndefined();
			await store.saveVendorMemory(['tax:DE1', 'name:acme'], '{"v":1}', '2026-01-01T00:00:00.000Z');
			await store.saveVendorMemory(['tax:DE2'], '{"v":2}', '2026-01-02T00:00:00.000Z');
			expect(await store.findVendorMemories(['tax:DE1', 'name:acme'])).toEqual(['{"v":1}']);
			expect(await store.findVendorMemories(['tax:DE1', 'tax:DE2'])).toEqual(['{"v":2}', '{"v":1}']);
			await store.saveVendorMemory(['tax:DE1', 'name:acme'], '{"v":3}', '2026-01-03T00:00:00.000Z');
			expect(await store.findVendorMemories(['name:acme'])).toEqual(['{"v":3}']);
			expect(await store.findVendorMemories([])).toEqual([]);
		} finally {
			await store.close();
			await drop();
		}
	});
});
