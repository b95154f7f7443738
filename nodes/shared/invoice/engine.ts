/** The local engine end to end: read words → extract → check → field confidence. */
import type { Check } from '../contract';
import type { ReadDocument } from '../documents/types';
import { DEFAULT_REQUIRED_FIELDS, fieldConfidence, runChecks } from './checks';
import { extractInvoice } from './extract';
import { HEADER_FIELDS, type CustomField, type Evidence, type Invoice } from './schema';

export interface LocalResult {
	invoice: Invoice;
	fieldConfidence: Record<string, number>;
	evidence: Record<string, Evidence>;
	checks: Check[];
	/** The confidence of the record: its weakest required field. */
	confidence: number;
}

export function runLocalEngine(document: ReadDocument, options: { customFields?: CustomField[]; requiredFields?: string[] } = {}): LocalResult {
	const customFields = options.customFields ?? [];
	const required = [...(options.requiredFields ?? DEFAULT_REQUIRED_FIELDS), ...customFields.filter((f) => f.required).map((f) => `customFields.${f.name}`)];
	const extraction = extractInvoice(document, customFields);
	const checks = runChecks(extraction.invoice, required);
	const lineFields = extraction.invoice.lineItems.flatMap((_, i) =>
		['description', 'quantity', 'unitPrice', 'amount'].map((key) => `lineItems.${i}.${key}`),
	);
	const fields = [...HEADER_FIELDS, ...lineFields, ...customFields.map((f) => `customFields.${f.name}`)];
	const confidences = fieldConfidence(extraction.invoice, extraction.strength, checks, fields);
	const confidence = Math.min(...required.map((path) => confidences[path] ?? 0.15));
	return {
		invoice: extraction.invoice,
		fieldConfidence: confidences,
		evidence: extraction.evidence,
		checks: checks.map(({ name, passed, detail }) => ({ name, passed, detail })),
		confidence: Math.round(confidence * 1000) / 1000,
	};
}
