/**
 * The local, template-free extractor: label → value (same segment, to the right, or below) over
 * the words and positions of the text layer or OCR, locale-aware parsing, totals chosen so that the
 * arithmetic holds, and the line-item table from its column positions.
 */
import type { ReadDocument } from '../documents/types';
import { detectDateOrder, findDates, type DateOrder } from './dates';
import { DOCUMENT_TYPE_WORDS, matchLabels, REFERENCE_CUE, TAX_SUMMARY_TITLE, type LabelField, type LabelMatch } from './labels';
import { buildLines, type Line, type Segment } from './layout';
import { amountsAgree, detectDecimalMark, findAmounts, roundMoney, type DecimalMark } from './numbers';
import { extractLineItems } from './table';
import { emptyInvoice, type CustomField, type Evidence, type Invoice } from './schema';
import { detectCurrency } from './currency';
import { findVatIds } from './identifiers';
import { findParties } from './parties';

/** A value found for a field, with how strongly the document supports it (0..1). */
export interface Found<T> {
	value: T;
	strength: number;
	evidence: Evidence;
}

export interface Extraction {
	invoice: Invoice;
	/** Evidence strength per dotted field path (before the checks). */
	strength: Record<string, number>;
	evidence: Record<string, Evidence>;
	decimalMark: DecimalMark | undefined;
	dateOrder: DateOrder;
	/** Fields set from other fields (the amount due from the total), not read from the document. */
	derived: string[];
}

interface Candidate {
	label: LabelMatch;
	segment: Segment;
	/** The value text: rest of the label's segment, the segment to its right or the one below. */
	valueText: string;
	valueSegment: Segment;
	placement: number;
	/** Read below a label that also has a value beside it. */
	besideValue?: boolean;
}

const wordConfidence = (segment: Segment): number =>
	segment.words.reduce((sum, w) => sum + w.confidence, 0) / Math.max(1, segment.words.length);

/** Segments below `segment` whose horizontal span overlaps it, nearest first (same page, ≤ 3 lines). */
function segmentsBelow(lines: Line[], segment: Segment, maxLines = 3): Segment[] {
	const result: Segment[] = [];
	const line = lines[segment.line];
	for (let i = segment.line + 1; i < lines.length && i <= segment.line + maxLines; i++) {
		const next = lines[i];
		if (next.page !== line.page) break;
		const lineHeight = line.y1 - line.y0 || 10;
		if (next.y0 - line.y1 > lineHeight * 4 * (i - segment.line)) break;
		for (const candidate of next.segments) {
			const overlap = Math.min(candidate.x1, segment.x1) - Math.max(candidate.x0, segment.x0);
			if (overlap > 0 || Math.abs(candidate.x0 - segment.x0) < lineHeight) result.push(candidate);
		}
	}
	return result;
}

/** Scan specks read as "i", "©" or "." sit between a label and its value: skip them. */
const isSpeck = (segment: Segment): boolean => !/\d/.test(segment.text) && (segment.text.match(/[\p{L}\p{N}]/gu) ?? []).length < 2;

function rightOf(lines: Line[], segment: Segment): Segment | undefined {
	const segments = lines[segment.line].segments;
	return segments.slice(segments.indexOf(segment) + 1).find((s) => !isSpeck(s));
}

/** Every labelled value in the document, strongest reading first. */
function collectCandidates(lines: Line[]): Map<LabelField, Candidate[]> {
	const byField = new Map<LabelField, Candidate[]>();
	const add = (candidate: Candidate) => {
		const list = byField.get(candidate.label.field) ?? [];
		list.push(candidate);
		byField.set(candidate.label.field, list);
	};
	// The rows of a tax breakdown ("GST Summary … Total 100.00 6.00") give no totals or subtotals.
	const summaryRows = new Set<number>();
	for (const line of lines) {
		if (!TAX_SUMMARY_TITLE.test(line.text)) continue;
		for (let i = line.index + 1; i < lines.length && i <= line.index + 6 && lines[i].page === line.page; i++) summaryRows.add(i);
	}
	for (const line of lines) {
		for (const segment of line.segments) {
			let labels = matchLabels(segment.text);
			if (summaryRows.has(line.index)) labels = labels.filter((l) => l.field !== 'invoiceTotal' && l.field !== 'subtotal' && l.field !== 'amountDue');
			if (labels.length === 0) continue;
			const best = labels[0];
			// Only labels as long as the best one compete (a "Total" inside "Total HT" does not).
			for (const label of labels.filter((l) => l.length === best.length || l.field === best.field)) {
				const rest = segment.text.slice(label.length).trim();
				// "Date de facture associée", "Related invoice no.": another document's value.
				if (REFERENCE_CUE.test(rest) || REFERENCE_CUE.test(segment.text.slice(label.text.length))) continue;
				if (rest) add({ label, segment, valueText: rest, valueSegment: segment, placement: 1 });
				const right = rightOf(lines, segment);
				const rightIsValue = !!right && !matchLabels(right.text).some((l) => l.length >= right.text.length - 1);
				if (right && rightIsValue) add({ label, segment, valueText: right.text, valueSegment: right, placement: rest ? 0.8 : 0.95 });
				// A value below the label is likely only in a "label above value" layout (nothing beside it).
				if (!rest) {
					for (const [n, below] of segmentsBelow(lines, segment, 2).entries()) {
						if (matchLabels(below.text).some((l) => l.strength >= 0.9 && l.length >= below.text.length - 2)) break;
						add({ label, segment, valueText: below.text, valueSegment: below, placement: (n === 0 ? 0.85 : 0.6) * (rightIsValue ? 0.6 : 1), besideValue: rightIsValue });
					}
				}
			}
		}
	}
	return byField;
}

const evidenceOf = (candidate: Candidate): Evidence => ({
	quote: candidate.valueSegment === candidate.segment ? candidate.segment.text : `${candidate.segment.text} ${candidate.valueSegment.text}`,
	page: candidate.segment.page,
});

function pickIdentifier(candidates: Candidate[] | undefined): Found<string> | null {
	let best: Found<string> | null = null;
	for (const candidate of candidates ?? []) {
		const token = candidate.valueText
			.replace(/^[:#\s]+/, '')
			// "INV - 100": an id whose hyphen the text layer spaced out.
			.replace(/^([A-Z]{2,5})\s+[-–]\s+(\d)/, '$1-$2')
			.split(/\s+/)
			// Identifiers carry a digit; a word without one is the next label ("Payment Mode").
			.find((t) => /\d/.test(t) && /^[#A-Z0-9_\-/.]+[,;:]?$/i.test(t));
		if (!token) continue;
		const value = token.replace(/[,;]$/, '');
		// A number that looks like a date is one, unless a strong label says it is the id ("Numer faktury 2/11/2023").
		const dateLike = findDates(value).length > 0 && !(candidate.label.strength >= 0.95 && findDates(value)[0].raw.length === value.length && /\//.test(value));
		if (value.length < 2 || dateLike || /^[-(]?[$€£¥₹]/.test(value) || /^\d{1,3}(?:[.,]\d{3})*[.,]\d{2}$/.test(value)) continue;
		const strength = candidate.label.strength * candidate.placement * wordConfidence(candidate.valueSegment);
		if (!best || strength > best.strength) best = { value, strength, evidence: evidenceOf(candidate) };
	}
	return best;
}

function pickDate(candidates: Candidate[] | undefined, order: DateOrder, orderProven: boolean): Found<string> | null {
	let best: Found<string> | null = null;
	for (const candidate of candidates ?? []) {
		const date = findDates(candidate.valueText, order, { compact: true })[0];
		if (!date) continue;
		const certainty = date.ambiguous && !orderProven ? 0.75 : 1;
		const strength = candidate.label.strength * candidate.placement * wordConfidence(candidate.valueSegment) * certainty;
		if (!best || strength > best.strength) best = { value: date.iso, strength, evidence: evidenceOf(candidate) };
	}
	return best;
}

interface AmountCandidate {
	value: number;
	strength: number;
	evidence: Evidence;
	note: string | null;
	line: number;
}

function amountCandidates(candidates: Candidate[] | undefined, mark: DecimalMark | undefined): AmountCandidate[] {
	const result: AmountCandidate[] = [];
	for (const candidate of candidates ?? []) {
		// Amounts below a label that has one beside it belong to the next row of a totals block.
		if (candidate.besideValue) continue;
		// The last amount of the value is the money (earlier ones are rates or bases: "19% of 100.00").
		let valueText = candidate.valueText.replace(/\d+(?:[.,]\d+)?\s?%/g, ' ');
		for (const date of findDates(valueText)) valueText = valueText.replace(date.raw, ' ');
		const amounts = findAmounts(valueText, mark);
		const amount = amounts[amounts.length - 1];
		if (!amount) continue;
		const certainty = amount.hasDecimals || amount.hasCurrency ? 1 : 0.8;
		result.push({
			value: amount.value,
			strength: candidate.label.strength * candidate.placement * wordConfidence(candidate.valueSegment) * certainty,
			evidence: evidenceOf(candidate),
			note: candidate.label.note ?? /(\d+(?:[.,]\d+)?)\s?%/.exec(candidate.segment.text)?.[1] ?? null,
			line: candidate.segment.line,
		});
	}
	return result.sort((a, b) => b.strength - a.strength);
}

function pickText(candidates: Candidate[] | undefined): Found<string> | null {
	let best: Found<string> | null = null;
	for (const candidate of candidates ?? []) {
		const value = candidate.valueText.replace(/^[:\s]+/, '').trim();
		if (value.length < 2) continue;
		const strength = candidate.label.strength * candidate.placement * wordConfidence(candidate.valueSegment);
		if (!best || strength > best.strength) best = { value, strength, evidence: evidenceOf(candidate) };
	}
	return best;
}

function detectDocumentType(lines: Line[]): Found<Invoice['documentType']> {
	// The title near the top decides; the first line naming any type wins ("PAYMENT RECEIPT" over a later "invoice").
	for (const [index, line] of lines.slice(0, 40).entries()) {
		for (const segment of line.segments) {
			if (segment.text.length > 60) continue;
			const hit = DOCUMENT_TYPE_WORDS.find(([pattern]) => pattern.test(segment.text));
			if (hit) return { value: hit[1], strength: index < 15 ? 0.9 : 0.75, evidence: { quote: segment.text, page: line.page } };
		}
	}
	// An invoice extractor mostly sees invoices: the likeliest type, said with little certainty.
	return { value: 'invoice', strength: 0.55, evidence: { quote: '', page: 1 } };
}

/** "Rechnung R0005532486", "FACTURE F20180027": an id right after the title word. */
function idAfterTitle(lines: Line[]): Found<string> | null {
	for (const line of lines.slice(0, 40)) {
		for (const segment of line.segments) {
			const hit = DOCUMENT_TYPE_WORDS.find(([pattern]) => pattern.test(segment.text));
			if (!hit) continue;
			const m = /^\s*(?:[\p{L}-]+\s+){0,2}?([A-Z]{0,6}[-/]?\d[\w/.-]*\d[\w]*|\d{3,})\s*$/u.exec(segment.text);
			if (!m || findDates(m[1]).length) continue;
			const title = segment.text.slice(0, segment.text.indexOf(m[1]));
			if (!hit[0].test(title)) continue;
			return { value: m[1], strength: 0.8 * wordConfidence(segment), evidence: { quote: segment.text, page: segment.page } };
		}
	}
	return null;
}

interface TotalsChoice {
	subtotal: AmountCandidate | null;
	tax: AmountCandidate | null;
	discount: AmountCandidate | null;
	total: AmountCandidate | null;
	consistent: boolean;
}

/** Picks subtotal, discount, tax and total so that subtotal − discount + tax = total where possible. */
function chooseTotals(
	subtotals: AmountCandidate[],
	taxes: AmountCandidate[],
	discounts: AmountCandidate[],
	totals: AmountCandidate[],
	adjustments: AmountCandidate[] = [],
): TotalsChoice {
	// A printed rounding adjustment ("Rounding -0.02") is part of the arithmetic of cash receipts.
	const adjustment = adjustments.find((a) => Math.abs(a.value) < 1)?.value ?? 0;
	const options = <T>(list: T[]): Array<T | null> => [...list.slice(0, 6), null];
	let best: TotalsChoice & { score: number } = { subtotal: null, tax: null, discount: null, total: null, consistent: false, score: -Infinity };
	for (const total of options(totals)) {
		for (const subtotal of options(subtotals)) {
			for (const tax of options(taxes)) {
				for (const discount of options(discounts)) {
					let score = (total?.strength ?? 0) * 2 + (subtotal?.strength ?? 0) + (tax?.strength ?? 0) + (discount?.strength ?? 0) * 0.5;
					let consistent = false;
					if (total && subtotal) {
						const expected = subtotal.value - Math.abs(discount?.value ?? 0) + (tax?.value ?? 0);
						consistent = amountsAgree(expected, total.value) || (adjustment !== 0 && amountsAgree(expected + adjustment, total.value));
						// Dropping a printed amount to dodge a failed check would hide the problem: a mild penalty only.
						score += consistent ? (tax ? 3 : 0.5) : -0.5;
						if (subtotal.value > total.value + 0.01 && !discount) score -= 1;
					}
					// A total is the largest of these amounts; prefer the last "total" when several agree.
					if (total) score += total.value >= Math.max(subtotal?.value ?? 0, tax?.value ?? 0) ? 0.5 : -1;
					if (total) score += total.line * 0.001;
					if (score > best.score) best = { subtotal, tax, discount, total, consistent, score };
				}
			}
		}
	}
	return best;
}

function parseRate(note: string | null): number | null {
	if (!note) return null;
	const m = /(\d+(?:[.,]\d+)?)/.exec(note);
	return m ? Number(m[1].replace(',', '.')) : null;
}

/** Values the user asked for by name: found by their label in the document. */
function extractCustomFields(lines: Line[], fields: CustomField[], order: DateOrder, mark: DecimalMark | undefined, out: Extraction): void {
	for (const field of fields) {
		const pattern = new RegExp(`^\\s*${field.name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*[:#.]?\\s*`, 'i');
		let found: Found<string | number | boolean> | null = null;
		for (const line of lines) {
			for (const segment of line.segments) {
				const m = pattern.exec(segment.text);
				if (!m) continue;
				const rest = segment.text.slice(m[0].length).trim();
				const valueText = rest || rightOf(lines, segment)?.text || segmentsBelow(lines, segment, 1)[0]?.text || '';
				let value: string | number | boolean | null = valueText || null;
				if (field.type === 'number') value = findAmounts(valueText, mark)[0]?.value ?? null;
				if (field.type === 'date') value = findDates(valueText, order)[0]?.iso ?? null;
				if (field.type === 'boolean') value = valueText ? /^(yes|ja|oui|true|x|✓)/i.test(valueText) : null;
				if (value !== null) found = { value, strength: (rest ? 0.9 : 0.8) * wordConfidence(segment), evidence: { quote: `${segment.text} ${rest ? '' : valueText}`.trim(), page: segment.page } };
				break;
			}
			if (found) break;
		}
		out.invoice.customFields[field.name] = found?.value ?? null;
		out.strength[`customFields.${field.name}`] = found?.strength ?? 0.2;
		if (found) out.evidence[`customFields.${field.name}`] = found.evidence;
	}
}

/** Runs the local extractor over a read document. */
export function extractInvoice(document: ReadDocument, customFields: CustomField[] = []): Extraction {
	const lines = buildLines(document.pages);
	const fullText = lines.map((l) => l.text).join('\n');
	const invoice = emptyInvoice();
	const strength: Record<string, number> = {};
	const evidence: Record<string, Evidence> = {};
	const set = <T>(path: string, found: Found<T> | null, assign: (value: T) => void) => {
		if (!found) return;
		assign(found.value);
		strength[path] = found.strength;
		evidence[path] = found.evidence;
	};

	const derived: string[] = [];
	const mark = detectDecimalMark(fullText);
	const currency = detectCurrency(fullText);
	const vatIds = findVatIds(fullText);
	const { order, proven } = detectDateOrder(fullText, { currency: currency?.value, country: vatIds[0]?.slice(0, 2) });
	const candidates = collectCandidates(lines);

	set('documentType', detectDocumentType(lines), (v) => (invoice.documentType = v));
	set('currency', currency, (v) => (invoice.currency = v));
	set('invoiceId', pickIdentifier(candidates.get('invoiceId')) ?? idAfterTitle(lines), (v) => (invoice.invoiceId = v));
	set('purchaseOrder', pickIdentifier(candidates.get('purchaseOrder')), (v) => (invoice.purchaseOrder = v));
	set('customer.id', pickIdentifier(candidates.get('customerId')), (v) => (invoice.customer.id = v));
	set('payment.reference', pickIdentifier(candidates.get('paymentReference')), (v) => (invoice.payment.reference = v));
	set('payment.accountNumber', pickIdentifier(candidates.get('accountNumber')), (v) => (invoice.payment.accountNumber = v));
	set('paymentTerms', pickText(candidates.get('paymentTerms')), (v) => (invoice.paymentTerms = v));

	// Dates: a labelled invoice date, the date after the invoice number ("Nr. 471102 vom 05.06.2018"), else the first date.
	let invoiceDate = pickDate(candidates.get('invoiceDate'), order, proven);
	if (!invoiceDate || invoiceDate.strength < 0.6) {
		for (const candidate of candidates.get('invoiceId') ?? []) {
			const m = /^\S+\s+(?:vom|du|of|dated|del|z\s+dnia|van|de)\s+(.+)$/iu.exec(candidate.valueText.replace(/^[:#\s]+/, ''));
			const date = m ? findDates(m[1], order)[0] : undefined;
			if (date && date.index === 0) {
				invoiceDate = { value: date.iso, strength: 0.85 * candidate.label.strength, evidence: evidenceOf(candidate) };
				break;
			}
		}
	}
	if (!invoiceDate) {
		const first = lines.map((l) => ({ l, d: findDates(l.text, order)[0] })).find((x) => x.d);
		if (first) invoiceDate = { value: first.d.iso, strength: 0.45, evidence: { quote: first.l.text, page: first.l.page } };
	}
	set('invoiceDate', invoiceDate, (v) => (invoice.invoiceDate = v));
	set('dueDate', pickDate(candidates.get('dueDate'), order, proven), (v) => (invoice.dueDate = v));
	const period = (candidates.get('servicePeriod') ?? []).map((c) => ({ c, dates: findDates(c.valueText, order) })).find((x) => x.dates.length > 0);
	if (period) {
		const s = period.c.label.strength * period.c.placement * 0.9;
		set('serviceStartDate', { value: period.dates[0].iso, strength: s, evidence: evidenceOf(period.c) }, (v) => (invoice.serviceStartDate = v));
		set('serviceEndDate', { value: (period.dates[1] ?? period.dates[0]).iso, strength: s * (period.dates[1] ? 1 : 0.7), evidence: evidenceOf(period.c) }, (v) => (invoice.serviceEndDate = v));
	}

	// Amounts: the grand total over subtotals and before-tax columns; the amount due kept apart.
	const dues = amountCandidates(candidates.get('amountDue'), mark);
	const paid = amountCandidates(candidates.get('amountPaid'), mark)[0] ?? null;
	let totals = amountCandidates(candidates.get('invoiceTotal'), mark);
	// Nothing labelled a total: what is payable is the total when nothing was paid before.
	if (totals.length === 0 && !paid) totals = dues.filter((d) => d.value !== 0).map((d) => ({ ...d, strength: d.strength * 0.7 }));
	const taxes = amountCandidates(candidates.get('totalTax'), mark);
	const choice = chooseTotals(amountCandidates(candidates.get('subtotal'), mark), taxes, amountCandidates(candidates.get('totalDiscount'), mark), totals, amountCandidates(candidates.get('adjustment'), mark));
	// Only arithmetic that involves a printed tax vouches for the total (subtotal = total proves nothing).
	const boost = choice.consistent && choice.tax ? 1.1 : 1;
	const asFound = (c: AmountCandidate | null, factor = 1): Found<number> | null => (c ? { value: roundMoney(c.value), strength: Math.min(1, c.strength * boost * factor), evidence: c.evidence } : null);
	set('invoiceTotal', asFound(choice.total), (v) => (invoice.invoiceTotal = v));
	set('subtotal', asFound(choice.subtotal), (v) => (invoice.subtotal = v));
	set('totalTax', asFound(choice.tax), (v) => (invoice.totalTax = v));
	set('totalDiscount', asFound(choice.discount), (v) => (invoice.totalDiscount = Math.abs(v)));
	const due = dues[0] ?? null;
	if (due) set('amountDue', asFound(due), (v) => (invoice.amountDue = v));
	// No payable amount printed apart: the whole total is due.
	else if (choice.total && !paid) {
		set('amountDue', asFound(choice.total, 0.85), (v) => (invoice.amountDue = v));
		derived.push('amountDue');
	}
	set('amountPaid', asFound(paid), (v) => (invoice.amountPaid = v));
	set('previousUnpaidBalance', asFound(amountCandidates(candidates.get('previousUnpaidBalance'), mark)[0] ?? null), (v) => (invoice.previousUnpaidBalance = v));
	// Tax details: one per tax line that names a rate.
	const seenTaxLines = new Set<number>();
	for (const tax of taxes) {
		const rate = parseRate(tax.note);
		if (rate === null || seenTaxLines.has(tax.line)) continue;
		seenTaxLines.add(tax.line);
		invoice.taxDetails.push({ rate, base: rate > 0 ? roundMoney((tax.value * 100) / rate) : invoice.subtotal, amount: tax.value });
	}
	if (invoice.taxDetails.length === 1 && invoice.subtotal !== null) invoice.taxDetails[0].base = invoice.subtotal;

	// Parties, their tax ids and the payee's account: from layout and labels (parties.ts).
	const parties = findParties(lines);
	set('vendor.name', parties.vendorName, (v) => (invoice.vendor.name = v));
	set('vendor.address', parties.vendorAddress, (v) => (invoice.vendor.address = v));
	set('customer.name', parties.customerName, (v) => (invoice.customer.name = v));
	set('customer.address', parties.customerAddress, (v) => (invoice.customer.address = v));
	set('billingAddress', parties.customerAddress, (v) => (invoice.billingAddress = v));
	set('shippingAddress', parties.shippingAddress, (v) => (invoice.shippingAddress = v));
	set('vendor.taxId', parties.vendorTaxId, (v) => (invoice.vendor.taxId = v));
	set('customer.taxId', parties.customerTaxId, (v) => (invoice.customer.taxId = v));
	set('payment.iban', parties.iban, (v) => (invoice.payment.iban = v));
	const bics = (candidates.get('bic') ?? [])
		.map((c) => ({ c, m: /\b([A-Z]{4}[A-Z]{2}[A-Z0-9]{2}(?:[A-Z0-9]{3})?)\b/.exec(c.valueText) }))
		.filter((x) => x.m)
		// The BIC printed with the chosen IBAN is that account's.
		.sort((x, y) => Math.abs(x.c.segment.line - (parties.ibanLine ?? x.c.segment.line)) - Math.abs(y.c.segment.line - (parties.ibanLine ?? y.c.segment.line)));
	const bic = bics[0];
	if (bic?.m) set('payment.bic', { value: bic.m[1], strength: 0.9 * bic.c.placement * (parties.ibanLine === null || Math.abs(bic.c.segment.line - parties.ibanLine) <= 2 ? 1 : 0.7), evidence: evidenceOf(bic.c) }, (v) => (invoice.payment.bic = v));

	// Line items.
	const table = extractLineItems(lines, mark, order);
	invoice.lineItems = table.items;
	table.strengths.forEach((s, i) => {
		for (const [key, value] of Object.entries(s)) strength[`lineItems.${i}.${key}`] = value;
		evidence[`lineItems.${i}`] = table.evidence[i];
	});

	const out: Extraction = { invoice, strength, evidence, decimalMark: mark, dateOrder: order, derived };
	extractCustomFields(lines, customFields, order, mark, out);
	return out;
}
