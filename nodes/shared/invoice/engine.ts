/** The local engine end to end: read words → extract → check → field confidence. */
import type { Check } from '../contract';
import type { ReadDocument } from '../documents/types';
import { DEFAULT_REQUIRED_FIELDS, fieldConfidence, runChecks } from './checks';
import { extractInvoice } from './extract';
import { getPath, HEADER_FIELDS, type CustomField, type Evidence, type Invoice, type RecordGroup } from './schema';
import { buildLines } from './layout';
import { calibrate } from './calibration';
import { applyRecalled, documentVendorKeys, pickMemory, recallFields, type VendorMemory } from './vendorMemory';

/** Which vendor memory was used, for `ai.evidence`. */
export interface MemoryUse {
	key: string;
	corrections: number;
	fields: string[];
}

export interface LocalResult {
	invoice: Invoice;
	fieldConfidence: Record<string, number>;
	evidence: Record<string, Evidence>;
	checks: Check[];
	/** The confidence of the record: its weakest required field. */
	confidence: number;
	/** Set when a vendor memory read some of the fields. */
	vendorMemory?: MemoryUse;
	/** The keys the document's vendor may be known by (tax ids, IBANs, layout fingerprint). */
	vendorKeys?: string[];
}

export interface EngineOptions {
	customFields?: CustomField[];
	requiredFields?: string[];
	/** The groups of the record the model is asked for (all when absent); the local engine reads everything. */
	modelGroups?: RecordGroup[];
	/** Memories learned from reviewers' corrections; the one of this document's vendor is used first. */
	vendorMemories?: VendorMemory[];
	/** Report the evidence strength uncalibrated (to fit the calibration). */
	rawConfidence?: boolean;
}

/** The paths that must be found: the user's list (or the default) and the required custom fields. */
export function requiredPaths(options: EngineOptions): string[] {
	const customFields = options.customFields ?? [];
	return [...(options.requiredFields ?? DEFAULT_REQUIRED_FIELDS), ...customFields.filter((f) => f.required).map((f) => `customFields.${f.name}`)];
}

/** The paths every engine reports a confidence for: header fields, the main line fields, custom fields. */
export function reportedFields(invoice: Invoice, customFields: CustomField[]): string[] {
	const lineFields = invoice.lineItems.flatMap((_, i) => ['description', 'quantity', 'unitPrice', 'amount'].map((key) => `lineItems.${i}.${key}`));
	return [...HEADER_FIELDS, ...lineFields, ...customFields.map((f) => `customFields.${f.name}`)];
}

/** The record's confidence: its weakest required field. */
export function recordConfidence(confidences: Record<string, number>, required: string[]): number {
	return Math.round(Math.min(...required.map((path) => confidences[path] ?? 0.15)) * 1000) / 1000;
}

export function runLocalEngine(document: ReadDocument, options: EngineOptions = {}): LocalResult {
	const customFields = options.customFields ?? [];
	const required = requiredPaths(options);
	const extraction = extractInvoice(document, customFields);
	const lines = buildLines(document.pages);
	const vendorKeys = documentVendorKeys(lines, extraction.invoice);
	let vendorMemory: MemoryUse | undefined;
	const picked = options.vendorMemories?.length ? pickMemory(options.vendorMemories, vendorKeys) : null;
	if (picked) {
		const recalled = recallFields(lines, document.pages, picked.memory, picked.key, extraction.dateOrder, extraction.decimalMark);
		const fields = applyRecalled(extraction.invoice, extraction.strength, extraction.evidence, recalled);
		extraction.derived = extraction.derived.filter((path) => !fields.includes(path));
		vendorMemory = { key: picked.key, corrections: picked.memory.corrections, fields };
	}
	const checks = runChecks(extraction.invoice, required, extraction.derived);
	// A field the local engine did not find is missing from the record far more often than absent from the document (measured on real invoices).
	const raw = fieldConfidence(extraction.invoice, extraction.strength, checks, reportedFields(extraction.invoice, customFields), 0.05);
	const confidences = options.rawConfidence ? raw : Object.fromEntries(Object.entries(raw).map(([path, value]) => [path, getPath(extraction.invoice, path) === null ? value : calibrate(path, value)]));
	return {
		invoice: extraction.invoice,
		fieldConfidence: confidences,
		evidence: extraction.evidence,
		checks: checks.map(({ fields: _fields, ...check }) => check),
		confidence: recordConfidence(confidences, required),
		vendorKeys,
		...(vendorMemory ? { vendorMemory } : {}),
	};
}
