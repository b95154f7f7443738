/**
 * Duplicate invoices: the keys an invoice is recognised by (vendor + invoice id, file hash), and what
 * Extract Invoice adds to an item whose invoice was seen before. Pure; the store does the looking up.
 */
import { createHash } from 'node:crypto';

import type { Check } from '../contract';
import type { SeenDocument } from '../store/types';

/**
 * A duplicate's confidence is capped here: below Confidence Router's default Auto Threshold (0.85),
 * so it goes to review, and above its default Reject Below (0.3), so a person decides rather than
 * the reject path (the earlier invoice may have been rejected, or this may be a legitimate resend).
 */
export const DUPLICATE_CONFIDENCE_CAP = 0.5;

/** The keys of one invoice; absent where the document does not give them. */
export interface DocumentKeys {
	vendorKey?: string;
	invoiceId?: string;
	fileSha256?: string;
}

export type DuplicateReason = 'sameFile' | 'sameVendorAndInvoiceId';

/** An earlier sighting of the same invoice, as the item's `duplicateOf` lists it. */
export interface DuplicateOf {
	workflowId: string;
	executionId: string;
	nodeName: string;
	itemIndex: number;
	seenAt: string;
	reasons: DuplicateReason[];
}

const squash = (value: string) => value.normalize('NFKD').replace(/[\u0300-\u036f]/g, '');

/**
 * Tax ids compare without spaces, dots and dashes, in capitals ("DE 123.456.789" = "de123456789").
 * Names compare in lower case without accents and punctuation, so OCR spacing and "GmbH," vs "GmbH"
 * do not matter. The tax id wins: names vary between documents of one vendor, tax ids do not.
 */
export function vendorKey(vendor: { name?: string | null; taxId?: string | null } | null | undefined): string | undefined {
	const taxId = squash(vendor?.taxId ?? '').replace(/[^\p{L}\p{N}]/gu, '').toUpperCase();
	if (taxId) return `tax:${taxId}`;
	const name = squash(vendor?.name ?? '').toLowerCase().replace(/[^\p{L}\p{N}]+/gu, ' ').trim();
	return name ? `name:${name}` : undefined;
}

/** Invoice ids compare in capitals without separators ("inv-2024 0042" = "INV20240042"). */
export function normaliseInvoiceId(invoiceId: string | null | undefined): string | undefined {
	const id = squash(invoiceId ?? '').replace(/[^\p{L}\p{N}]/gu, '').toUpperCase();
	return id || undefined;
}

export function sha256(data: Buffer | string): string {
	return createHash('sha256').update(data).digest('hex');
}

export function documentKeys(
	invoice: { invoiceId?: string | null; vendor?: { name?: string | null; taxId?: string | null } | null },
	content: Buffer | string | undefined,
): DocumentKeys {
	const keys: DocumentKeys = {};
	const vendor = vendorKey(invoice.vendor);
	const invoiceId = normaliseInvoiceId(invoice.invoiceId);
	if (vendor) keys.vendorKey = vendor;
	if (invoiceId) keys.invoiceId = invoiceId;
	if (content !== undefined && content.length > 0) keys.fileSha256 = sha256(content);
	return keys;
}

/** Why each earlier sighting matches this invoice; sightings that do not match are left out. */
export function duplicatesOf(keys: DocumentKeys, earlier: SeenDocument[]): DuplicateOf[] {
	const duplicates: DuplicateOf[] = [];
	for (const seen of earlier) {
		const reasons: DuplicateReason[] = [];
		if (keys.fileSha256 && seen.fileSha256 === keys.fileSha256) reasons.push('sameFile');
		if (keys.vendorKey && keys.invoiceId && seen.vendorKey === keys.vendorKey && seen.invoiceId === keys.invoiceId) {
			reasons.push('sameVendorAndInvoiceId');
		}
		if (reasons.length === 0) continue;
		const { workflowId, executionId, nodeName, itemIndex, seenAt } = seen;
		duplicates.push({ workflowId, executionId, nodeName, itemIndex, seenAt, reasons });
	}
	return duplicates;
}

function describeReasons(reasons: DuplicateReason[], keys: DocumentKeys): string {
	return reasons
		.map((reason) => (reason === 'sameFile' ? 'same file' : `same vendor (${keys.vendorKey}) and invoice id (${keys.invoiceId})`))
		.join(' and ');
}

/** The failed `duplicate` check: the first (oldest) sighting in words, and how many more there are. */
export function duplicateCheck(duplicates: DuplicateOf[], keys: DocumentKeys): Check {
	if (duplicates.length === 0) return { name: 'duplicate', passed: true, detail: 'not seen before' };
	const [first] = duplicates;
	const more = duplicates.length > 1 ? `; seen ${duplicates.length - 1} more time${duplicates.length > 2 ? 's' : ''} since` : '';
	return {
		name: 'duplicate',
		passed: false,
		detail:
			`${describeReasons(first.reasons, keys)} as item ${first.itemIndex} of execution ${first.executionId} ` +
			`(workflow ${first.workflowId}, node "${first.nodeName}") at ${first.seenAt}${more}`,
	};
}

export function cappedConfidence(confidence: number): number {
	return Math.min(confidence, DUPLICATE_CONFIDENCE_CAP);
}
