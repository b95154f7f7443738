/**
 * Vendor memory in the package store. Extract Invoice keeps the words of each invoice it extracts
 * (by execution and a hash of the record it output) and reads the memories of the document's keys;
 * Human Review Wait hands over the corrected extractions of a decided review, and the memory of each
 * corrected vendor is learned from the kept words and stored under all of its keys.
 */
import { createHash } from 'node:crypto';
import type { DocumentPage } from '../documents/types';
import type { PackageStore } from '../store/types';
import { buildLines } from './layout';
import { parseAmount } from './numbers';
import { getPath, setPath, type Invoice } from './schema';
import { learnVendorMemory, pickMemory, recordVendorKeys, type VendorMemory } from './vendorMemory';

/** JSON with sorted keys: the same record gives the same text after n8n has passed it on. */
function stableJson(value: unknown): string {
	if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
	if (value !== null && typeof value === 'object') {
		return `{${Object.keys(value)
			.sort()
			.map((key) => `${JSON.stringify(key)}:${stableJson((value as Record<string, unknown>)[key])}`)
			.join(',')}}`;
	}
	return JSON.stringify(value ?? null);
}

export const recordHash = (record: unknown): string => createHash('sha256').update(stableJson(record)).digest('hex');

/** Keeps an extracted invoice's words, so that a correction of it can be learned from. */
export async function keepInvoiceLayout(store: PackageStore, executionId: string, invoice: Invoice, pages: DocumentPage[], at: Date): Promise<void> {
	const compact = pages.map((page) => ({
		...page,
		words: page.words.map((w) => ({ ...w, x0: Math.round(w.x0 * 10) / 10, x1: Math.round(w.x1 * 10) / 10, y0: Math.round(w.y0 * 10) / 10, y1: Math.round(w.y1 * 10) / 10, confidence: Math.round(w.confidence * 100) / 100 })),
	}));
	await store.saveInvoiceLayout(executionId, recordHash(invoice), JSON.stringify(compact), at.toISOString());
}

/** The memories stored under any of a document's keys. */
export async function loadVendorMemories(store: PackageStore, keys: string[]): Promise<VendorMemory[]> {
	if (keys.length === 0) return [];
	return (await store.findVendorMemories(keys)).map((json) => JSON.parse(json) as VendorMemory);
}

const AMOUNT_PATHS = ['subtotal', 'totalTax', 'totalDiscount', 'invoiceTotal', 'amountDue', 'amountPaid', 'previousUnpaidBalance'];

/** The review page posts a field that was empty as text: amounts become numbers again. */
function typedRecord(record: Invoice): Invoice {
	const typed = JSON.parse(JSON.stringify(record)) as Invoice;
	for (const path of AMOUNT_PATHS) {
		const value = getPath(typed, path);
		if (typeof value === 'string') setPath(typed as unknown as Record<string, unknown>, path, value.trim() === '' ? null : parseAmount(value, '.') ?? parseAmount(value));
	}
	return typed;
}

export interface Correction {
	/** The record as the engine output it (`review.before`). */
	before: unknown;
	/** The record as the reviewer left it (`review.after`). */
	after: unknown;
}

/**
 * Learns from the corrected extractions of one execution. Extractions whose words were not kept
 * (Extract Invoice without vendor memory, or another engine's record) teach nothing. Returns the
 * number of vendor memories written.
 */
export async function learnFromCorrections(store: PackageStore, executionId: string, corrections: Correction[], at: Date): Promise<number> {
	let learned = 0;
	for (const correction of corrections) {
		if (!correction.after || typeof correction.after !== 'object' || !correction.before || typeof correction.before !== 'object') continue;
		const layout = await store.getInvoiceLayout(executionId, recordHash(correction.before));
		if (!layout) continue;
		const pages = JSON.parse(layout) as DocumentPage[];
		const after = typedRecord(correction.after as Invoice);
		const lines = buildLines(pages);
		// The corrected vendor's own keys only: a tax id or name on the page may be the customer's.
		const keys = recordVendorKeys(after, lines);
		const previous = pickMemory(await loadVendorMemories(store, keys), keys)?.memory ?? null;
		const memory = learnVendorMemory(pages, after, previous, at, { extracted: correction.before as Invoice });
		await store.saveVendorMemory(memory.keys, JSON.stringify(memory), memory.updatedAt);
		learned++;
	}
	return learned;
}
