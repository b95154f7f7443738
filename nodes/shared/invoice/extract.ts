/**
 * The local, template-free extractor: label → value (same segment, to the right, or below) over
 * the words and positions of the text layer or OCR, locale-aware parsing, totals chosen so that the
 * arithmetic holds, and the line-item table from its column positions.
 */
import type { ReadDocument } from '../documents/types';
import { detectDateOrder, findDates, type DateOrder } from './dates';
import { DOCUMENT_TYPE_WORDS, matchLabels, type LabelField, type LabelMatch } from './labels';
import { buildLines, type Line, type Segment } from './layout';
import { amountsAgree, detectDecimalMark, findAmounts, roundMoney, type DecimalMark } from './numbers';
import { extractLineItems } from './table';
import { emptyInvoice, type CustomField, type Evidence, type Invoice } from './schema';
import { detectCurrency } from './currency';
import { findIbans, findVatIds } from './identifiers';

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
	for (const line of lines) {
		for (const segment of line.segments) {
			const labels = matchLabels(segment.text);
			if (labels.length === 0) continue;
			const best = labels[0];
			// Only labels as long as the best one compete (a "Total" inside "Total HT" does not).
			for (const label of labels.filter((l) => l.length === best.length || l.field === best.field)) {
				const rest = segment.text.slice(label.length).trim();
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
			.split(/\s+/)
			// Identifiers carry a digit; a word without one is the next label ("Payment Mode").
			.find((t) => /\d/.test(t) && /^[#A-Z0-9_\-/.]+[,;:]?$/i.test(t));
		if (!token) continue;
		const value = token.replace(/[,;]$/, '');
		if (value.length < 2 || findDates(value).length > 0 || /^[-(]?[$€£¥₹]/.test(value) || /^\d{1,3}(?:[.,]\d{3})*[.,]\d{2}$/.test(value)) continue;
		const strength = candidate.label.strength * candidate.placement * wordConfidence(candidate.valueSegment);
		if (!best || strength > best.strength) best = { value, strength, evidence: evidenceOf(candidate) };
	}
	return best;
}

function pickDate(candidates: Candidate[] | undefined, order: DateOrder, orderProven: boolean): Found<string> | null {
	let best: Found<string> | null = null;
	for (const candidate of candidates ?? []) {
		const date = findDates(candidate.valueText, order)[0];
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

const LEGAL_FORM = /\b(GmbH|AG|KG|OHG|UG|e\.\s?K\.|Inc\.?|Ltd\.?|LLC|LLP|PLC|Corp\.?|Co\.|Limited|S\.?A\.?R\.?L\.?|SAS|SASU|S\.A\.|SA|EURL|SNC|Pvt\.?\s?Ltd\.?|B\.V\.|N\.V\.|S\.r\.l\.|GbR|mbH)\b/;

/** A party block: the name line under (or after) its label and the address lines that follow. */
function partyBlock(lines: Line[], candidate: Candidate): { name: Found<string>; address: Found<string> | null } | null {
	const rest = candidate.segment.text.slice(candidate.label.length).trim();
	let nameSegment: Segment | undefined;
	let nameText: string;
	if (rest) {
		nameSegment = candidate.segment;
		nameText = rest;
	} else {
		nameSegment = segmentsBelow(lines, candidate.segment, 2).find((s) => !s.text.startsWith('(') && !matchLabels(s.text).some((l) => l.strength >= 0.9));
		if (!nameSegment) return null;
		nameText = nameSegment.text;
	}
	nameText = nameText.replace(/^(attn|z\.\s?hd\.?|à\s+l['’]attention\s+de)[:.]?\s*/i, '').replace(/[,;]\s*$/, '');
	if (nameText.length < 2) return null;
	const name: Found<string> = {
		value: nameText,
		strength: candidate.label.strength * (rest ? 0.9 : 0.85) * wordConfidence(nameSegment),
		evidence: { quote: `${candidate.segment.text} ${nameSegment === candidate.segment ? '' : nameSegment.text}`.trim(), page: candidate.segment.page },
	};
	const addressLines: string[] = [];
	let anchor = nameSegment;
	for (let i = 0; i < 4; i++) {
		const next = segmentsBelow(lines, anchor, 1).find((s) => Math.abs(s.x0 - nameSegment.x0) < 15);
		if (!next || matchLabels(next.text).some((l) => l.strength >= 0.9) || /@|phone|tel|fax|e-?mail/i.test(next.text)) break;
		addressLines.push(next.text.replace(/[,;]\s*$/, ''));
		anchor = next;
	}
	const address = addressLines.length
		? { value: addressLines.join(', '), strength: name.strength * 0.85, evidence: { quote: addressLines.join(' / '), page: candidate.segment.page } }
		: null;
	return { name, address };
}

/** The vendor when no label names it: a line with a legal form near the top, else the first line. */
function vendorFromLayout(lines: Line[], exclude: Set<number>): Found<string> | null {
	const firstPage = lines.filter((l) => l.page === lines[0]?.page);
	const top = firstPage.slice(0, Math.max(8, Math.ceil(firstPage.length / 3)));
	for (const line of top) {
		if (exclude.has(line.index)) continue;
		for (const segment of line.segments) {
			if (LEGAL_FORM.test(segment.text) && !matchLabels(segment.text).length && segment.text.length < 60)
				return { value: segment.text.split(/\s[|•·–-]\s/)[0].trim(), strength: 0.85 * wordConfidence(segment) ** 2, evidence: { quote: segment.text, page: segment.page } };
		}
	}
	for (const line of top) {
		if (exclude.has(line.index)) continue;
		const segment = line.segments[0];
		const isTitle = DOCUMENT_TYPE_WORDS.some(([pattern]) => pattern.test(segment.text)) && segment.text.split(/\s+/).length <= 3;
		if (isTitle || matchLabels(segment.text).length || /\d{3,}|@|:/.test(segment.text) || segment.text.length < 3) continue;
		return { value: segment.text, strength: 0.4 * wordConfidence(segment), evidence: { quote: segment.text, page: segment.page } };
	}
	return null;
}

function detectDocumentType(lines: Line[]): Found<Invoice['documentType']> {
	// The title near the top decides; the first line naming any type wins ("PAYMENT RECEIPT" over a later "invoice").
	for (const [index, line] of lines.entries()) {
		const hit = DOCUMENT_TYPE_WORDS.find(([pattern]) => pattern.test(line.text));
		if (hit) return { value: hit[1], strength: index < 15 ? 0.9 : 0.7, evidence: { quote: line.text, page: line.page } };
	}
	return { value: 'other', strength: 0.4, evidence: { quote: '', page: 1 } };
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
): TotalsChoice {
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
						consistent = amountsAgree(expected, total.value);
						// Dropping a printed amount to dodge a failed check would hide the problem: a mild penalty only.
						score += consistent ? 3 : -0.5;
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

	const mark = detectDecimalMark(fullText);
	const currency = detectCurrency(fullText);
	const vatIds = findVatIds(fullText);
	const { order, proven } = detectDateOrder(fullText, { currency: currency?.value, country: vatIds[0]?.slice(0, 2) });
	const candidates = collectCandidates(lines);

	set('documentType', detectDocumentType(lines), (v) => (invoice.documentType = v));
	set('currency', currency, (v) => (invoice.currency = v));
	set('invoiceId', pickIdentifier(candidates.get('invoiceId')), (v) => (invoice.invoiceId = v));
	set('purchaseOrder', pickIdentifier(candidates.get('purchaseOrder')), (v) => (invoice.purchaseOrder = v));
	set('customer.id', pickIdentifier(candidates.get('customerId')), (v) => (invoice.customer.id = v));
	set('payment.reference', pickIdentifier(candidates.get('paymentReference')), (v) => (invoice.payment.reference = v));
	set('payment.accountNumber', pickIdentifier(candidates.get('accountNumber')), (v) => (invoice.payment.accountNumber = v));
	set('paymentTerms', pickText(candidates.get('paymentTerms')), (v) => (invoice.paymentTerms = v));

	// Dates: a labelled invoice date, else the first date of the document.
	let invoiceDate = pickDate(candidates.get('invoiceDate'), order, proven);
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

	// Amounts.
	const dues = amountCandidates(candidates.get('amountDue'), mark);
	const totals = [...amountCandidates(candidates.get('invoiceTotal'), mark), ...dues.map((d) => ({ ...d, strength: d.strength * 0.8 }))];
	const taxes = amountCandidates(candidates.get('totalTax'), mark);
	const choice = chooseTotals(amountCandidates(candidates.get('subtotal'), mark), taxes, amountCandidates(candidates.get('totalDiscount'), mark), totals);
	const boost = choice.consistent ? 1.1 : 1;
	const asFound = (c: AmountCandidate | null): Found<number> | null => (c ? { value: roundMoney(c.value), strength: Math.min(1, c.strength * boost), evidence: c.evidence } : null);
	set('invoiceTotal', asFound(choice.total), (v) => (invoice.invoiceTotal = v));
	set('subtotal', asFound(choice.subtotal), (v) => (invoice.subtotal = v));
	set('totalTax', asFound(choice.tax), (v) => (invoice.totalTax = v));
	set('totalDiscount', asFound(choice.discount), (v) => (invoice.totalDiscount = Math.abs(v)));
	const due = dues[0] ?? null;
	set('amountDue', asFound(due), (v) => (invoice.amountDue = v));
	set('amountPaid', asFound(amountCandidates(candidates.get('amountPaid'), mark)[0] ?? null), (v) => (invoice.amountPaid = v));
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

	// Parties.
	const partyLines = new Set<number>();
	const customerCandidate = (candidates.get('customer') ?? []).find((c) => c.placement >= 0.8);
	if (customerCandidate) {
		const block = partyBlock(lines, customerCandidate);
		if (block) {
			set('customer.name', block.name, (v) => (invoice.customer.name = v));
			set('customer.address', block.address, (v) => (invoice.customer.address = v));
			set('billingAddress', block.address, (v) => (invoice.billingAddress = v));
			for (let i = customerCandidate.segment.line; i <= customerCandidate.segment.line + 5; i++) partyLines.add(i);
		}
	}
	const shipCandidate = (candidates.get('shipTo') ?? [])[0];
	if (shipCandidate) set('shippingAddress', partyBlock(lines, shipCandidate)?.address ?? null, (v) => (invoice.shippingAddress = v));
	const vendorCandidate = (candidates.get('vendor') ?? []).find((c) => c.placement >= 0.8);
	const vendorBlock = vendorCandidate ? partyBlock(lines, vendorCandidate) : null;
	if (vendorBlock) {
		set('vendor.name', vendorBlock.name, (v) => (invoice.vendor.name = v));
		set('vendor.address', vendorBlock.address, (v) => (invoice.vendor.address = v));
	} else {
		set('vendor.name', vendorFromLayout(lines, partyLines), (v) => (invoice.vendor.name = v));
	}

	// Tax ids: the one inside the customer block is the customer's, the other the vendor's.
	for (const line of lines) {
		for (const id of findVatIds(line.text)) {
			const isCustomer = partyLines.has(line.index) && line.segments.some((s) => s.x0 < (customerCandidate?.segment.x1 ?? 0) + 50);
			const path = isCustomer ? 'customer.taxId' : 'vendor.taxId';
			if (strength[path] !== undefined) continue;
			const labelled = matchLabels(line.text.replace(/^.*?(?=(vat|ust|tva|tax|gstin|tin|n°))/i, '')).some((l) => l.field === 'taxId');
			set(path, { value: id, strength: labelled ? 0.95 : 0.75, evidence: { quote: line.text, page: line.page } }, (v) => (isCustomer ? (invoice.customer.taxId = v) : (invoice.vendor.taxId = v)));
		}
	}
	if (!invoice.vendor.taxId) {
		const taxId = pickIdentifier(candidates.get('taxId'));
		// A tax number has at least six digits; "20%" after "VAT" is a rate, not an id.
		if (taxId && (taxId.value.match(/\d/g) ?? []).length >= 6 && !/%/.test(taxId.value)) set('vendor.taxId', taxId, (v) => (invoice.vendor.taxId = v));
	}

	// Payment details.
	const iban = lines.flatMap((l) => findIbans(l.text).map((value) => ({ value, line: l })))[0];
	if (iban) set('payment.iban', { value: iban.value, strength: 0.95, evidence: { quote: iban.line.text, page: iban.line.page } }, (v) => (invoice.payment.iban = v));
	const bic = (candidates.get('bic') ?? [])
		.map((c) => ({ c, m: /\b([A-Z]{4}[A-Z]{2}[A-Z0-9]{2}(?:[A-Z0-9]{3})?)\b/.exec(c.valueText) }))
		.find((x) => x.m);
	if (bic?.m) set('payment.bic', { value: bic.m[1], strength: 0.9 * bic.c.placement, evidence: evidenceOf(bic.c) }, (v) => (invoice.payment.bic = v));

	// Line items.
	const table = extractLineItems(lines, mark, order);
	invoice.lineItems = table.items;
	table.strengths.forEach((s, i) => {
		for (const [key, value] of Object.entries(s)) strength[`lineItems.${i}.${key}`] = value;
		evidence[`lineItems.${i}`] = table.evidence[i];
	});

	const out: Extraction = { invoice, strength, evidence, decimalMark: mark, dateOrder: order };
	extractCustomFields(lines, customFields, order, mark, out);
	return out;
}
