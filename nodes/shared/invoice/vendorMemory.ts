/**
 * Vendor memory: what a reviewer's correction teaches about one vendor's invoices. For every field
 * of the corrected record it keeps where the value sits on the page and how it is labelled (the text
 * before it on its line, or above it), and for the vendor's own constants (name, address, tax id,
 * IBAN, BIC, currency) the value itself. The next invoice of that vendor — found by its tax id, its
 * IBAN, else the normalised letterhead of its first page — is read with these rules first; the
 * general rules fill what they do not find.
 */
import { createHash } from 'node:crypto';
import type { DocumentPage } from '../documents/types';
import { findDates, type DateOrder } from './dates';
import { findIbans, findVatIds } from './identifiers';
import { buildLines, type Line, type Segment } from './layout';
import { findAmounts, type DecimalMark } from './numbers';
import { matchLabels, type LabelField } from './labels';
import { getPath, setPath, type Evidence, type Invoice } from './schema';

/** Fields that are the same on every invoice of a vendor: learned as values. */
const CONSTANT_FIELDS = ['vendor.name', 'vendor.address', 'vendor.taxId', 'payment.iban', 'payment.bic', 'currency'] as const;
/** Fields that change from invoice to invoice: learned as a place and a label. */
const VARIABLE_FIELDS = ['invoiceId', 'invoiceDate', 'dueDate', 'purchaseOrder', 'customer.name', 'customer.taxId', 'customer.id', 'subtotal', 'totalTax', 'totalDiscount', 'invoiceTotal', 'amountDue', 'amountPaid'] as const;
const AMOUNT_FIELDS = new Set(['subtotal', 'totalTax', 'totalDiscount', 'invoiceTotal', 'amountDue', 'amountPaid']);
const DATE_FIELDS = new Set(['invoiceDate', 'dueDate']);
/** The dictionary labels that name each learned field (a learned label the dictionaries know is surer). */
const LABEL_FIELDS: Record<string, LabelField[]> = {
	invoiceId: ['invoiceId'],
	invoiceDate: ['invoiceDate'],
	dueDate: ['dueDate'],
	purchaseOrder: ['purchaseOrder'],
	'customer.name': ['customer', 'name'],
	'customer.taxId': ['taxId'],
	'customer.id': ['customerId'],
	subtotal: ['subtotal'],
	totalTax: ['totalTax'],
	totalDiscount: ['totalDiscount'],
	invoiceTotal: ['invoiceTotal', 'amountDue'],
	amountDue: ['amountDue', 'invoiceTotal'],
	amountPaid: ['amountPaid'],
};

export interface FieldRule {
	/** `value`: the field always has this value; `label`: read next to this label; `place`: read at this place. */
	kind: 'value' | 'label' | 'place';
	value?: string | number;
	/** The label, normalised (lower case, letters and digits only). */
	label?: string;
	/** Where the value stands from its label. */
	relation?: 'same' | 'right' | 'below';
	/** The label is one the dictionaries know for this field (not just the text that happened to precede it). */
	known?: boolean;
	page: number;
	/** The value's position as a share of the page (0..1), to choose among several matches. */
	x: number;
	y: number;
}

export interface VendorMemory {
	/** The keys this memory is found by: `tax:…`, `iban:…`, `layout:…`, `name:…`. */
	keys: string[];
	fields: Record<string, FieldRule>;
	dateOrder?: DateOrder;
	/** Corrections it was learned from. */
	corrections: number;
	updatedAt: string;
}

const normalise = (text: string): string =>
	text
		.toLowerCase()
		.normalize('NFKD')
		.replace(/[\u0300-\u036f]/g, '')
		.replace(/[^\p{L}\p{N}]+/gu, '');
const letters = (text: string): string => normalise(text).replace(/\d+/g, '');

/**
 * The layout fingerprint: the letters of the first three lines of the first page (the letterhead,
 * without numbers that change between invoices). Two invoices of one vendor share it.
 */
export function layoutFingerprint(lines: Line[]): string | null {
	const first = lines.filter((l) => l.page === lines[0]?.page).slice(0, 3);
	const text = first.map((l) => letters(l.text)).join('|');
	if (text.replace(/\|/g, '').length < 6) return null;
	return createHash('sha256').update(text).digest('hex').slice(0, 20);
}

/** A name key: the letters of a company name (at least five, so that no short word passes for one). */
const nameKey = (name: string): string | null => {
	// A registration number in brackets after the name ("(519537-X)") is not part of it.
	const key = letters(name.replace(/\((?=[^)]*\d)[^)]*\)/g, ' '));
	return key.length >= 5 ? `name:${key}` : null;
};

/**
 * The keys a document may be known by: every tax id and IBAN it prints, its layout fingerprint, and
 * the name keys of the lines at its top (where a vendor prints its name).
 */
export function documentVendorKeys(lines: Line[], extracted?: Invoice): string[] {
	const text = lines.map((l) => l.text).join('\n');
	// Tax ids the general rules read from their labels (national numbers a VAT format does not know).
	const labelled = [extracted?.vendor.taxId, extracted?.customer.taxId].filter((id): id is string => !!id).map((id) => `tax:${id.replace(/[\s.-]/g, '').toUpperCase()}`);
	const fingerprint = layoutFingerprint(lines);
	const top = lines.filter((l) => l.page === lines[0]?.page).slice(0, 6);
	const names = top.flatMap((l) => [l.text, ...l.segments.map((s) => s.text)]).map(nameKey).filter((k): k is string => k !== null);
	return [...new Set([...labelled, ...findVatIds(text).map((id) => `tax:${id}`), ...findIbans(text).map((iban) => `iban:${iban}`), ...(fingerprint ? [`layout:${fingerprint}`] : []), ...names])];
}

/** The keys a corrected record is kept under: the vendor's own tax id and IBAN, and the layout. */
export function recordVendorKeys(invoice: Invoice, lines: Line[]): string[] {
	const keys: string[] = [];
	const taxId = invoice.vendor.taxId?.replace(/[\s.-]/g, '').toUpperCase();
	if (taxId) keys.push(`tax:${taxId}`);
	const iban = invoice.payment.iban?.replace(/\s+/g, '').toUpperCase();
	if (iban) keys.push(`iban:${iban}`);
	const fingerprint = layoutFingerprint(lines);
	if (fingerprint) keys.push(`layout:${fingerprint}`);
	const name = invoice.vendor.name ? nameKey(invoice.vendor.name) : null;
	if (name) keys.push(name);
	return keys;
}

/** The most specific memory for a document: a tax id beats an IBAN beats the layout beats the name. */
export function pickMemory(memories: VendorMemory[], documentKeys: string[]): { memory: VendorMemory; key: string } | null {
	for (const prefix of ['tax:', 'iban:', 'layout:', 'name:']) {
		for (const key of documentKeys.filter((k) => k.startsWith(prefix))) {
			const memory = memories.filter((m) => m.keys.includes(key)).sort((a, b) => b.updatedAt.localeCompare(a.updatedAt))[0];
			if (memory) return { memory, key };
		}
	}
	return null;
}

interface Place {
	segment: Segment;
	/** The value's text inside the segment (the whole segment unless a label precedes it). */
	before: string;
}

function pageSize(pages: DocumentPage[], lines: Line[], page: number): { width: number; height: number } {
	const known = pages.find((p) => p.number === page);
	const pageLines = lines.filter((l) => l.page === page);
	const width = known?.width || Math.max(1, ...pageLines.flatMap((l) => l.segments.map((s) => s.x1)));
	const height = known?.height || Math.max(1, ...pageLines.map((l) => l.y1));
	return { width, height };
}

/** Where a value is printed: segments that hold it, with the text before it in the segment. */
function findValue(lines: Line[], path: string, value: string | number, order: DateOrder | undefined, mark: DecimalMark | undefined): Place[] {
	const places: Place[] = [];
	for (const line of lines) {
		for (const segment of line.segments) {
			if (AMOUNT_FIELDS.has(path) && typeof value === 'number') {
				const hit = findAmounts(segment.text, mark).find((a) => Math.abs(Math.abs(a.value) - Math.abs(value)) < 0.005);
				if (hit) places.push({ segment, before: segment.text.slice(0, hit.index) });
			} else if (DATE_FIELDS.has(path) && typeof value === 'string') {
				const hit = [...findDates(segment.text, order ?? 'DMY', { compact: true }), ...findDates(segment.text, order === 'MDY' ? 'DMY' : 'MDY')].find((d) => d.iso === value);
				if (hit) places.push({ segment, before: segment.text.slice(0, hit.index) });
			} else {
				const wanted = normalise(String(value));
				if (wanted.length < 2) continue;
				const at = normalise(segment.text).indexOf(wanted);
				if (at < 0) continue;
				// The raw position of the value: the first character whose normalised prefix reaches `at`.
				let cut = 0;
				while (cut < segment.text.length && normalise(segment.text.slice(0, cut + 1)).length <= at) cut++;
				places.push({ segment, before: segment.text.slice(0, cut) });
			}
		}
	}
	return places;
}

/** The label of a value: the text before it in its segment, the segment to its left, else the one above. */
function labelOf(lines: Line[], place: Place): { label: string; raw: string; relation: FieldRule['relation'] } | null {
	const before = letters(place.before);
	if (before.length >= 2) return { label: before, raw: place.before, relation: 'same' };
	const segments = lines[place.segment.line].segments;
	const left = segments[segments.indexOf(place.segment) - 1];
	if (left && letters(left.text).length >= 2) return { label: letters(left.text), raw: left.text, relation: 'right' };
	for (let i = place.segment.line - 1; i >= Math.max(0, place.segment.line - 2); i--) {
		const above = lines[i].segments.find((s) => s.x0 < place.segment.x1 && s.x1 > place.segment.x0);
		if (above && letters(above.text).length >= 2) return { label: letters(above.text), raw: above.text, relation: 'below' };
	}
	return null;
}

/** Whether a label names this field (true), another field (false), or nothing the dictionaries know (null). */
function labelNames(path: string, raw: string): boolean | null {
	const fields = matchLabels(raw.trim()).filter((l) => l.length >= raw.trim().length - 3).map((l) => l.field);
	if (fields.length === 0) return null;
	return fields.some((field) => (LABEL_FIELDS[path] ?? []).includes(field));
}

/**
 * Learns from a corrected record and the document it was read from; `previous` is the vendor's
 * memory so far, `extracted` what the engine had said. Places and labels are learned for the fields
 * the reviewer changed (where the general rules failed for this vendor) and for those whose label the
 * dictionaries know; the vendor's constants always.
 */
export function learnVendorMemory(
	pages: DocumentPage[],
	corrected: Invoice,
	previous: VendorMemory | null,
	at: Date,
	hints: { order?: DateOrder; mark?: DecimalMark; extracted?: Invoice } = {},
): VendorMemory {
	const lines = buildLines(pages);
	const fields: Record<string, FieldRule> = { ...(previous?.fields ?? {}) };
	let dateOrder = previous?.dateOrder ?? hints.order;
	for (const path of CONSTANT_FIELDS) {
		const value = getPath(corrected, path);
		if (value === null || value === undefined || value === '') continue;
		fields[path] = { kind: 'value', value: value as string, page: 1, x: 0, y: 0 };
	}
	for (const path of VARIABLE_FIELDS) {
		const value = getPath(corrected, path) as string | number | null;
		if (value === null || value === undefined || value === '') continue;
		const places = findValue(lines, path, value, dateOrder, hints.mark);
		const labelled = places
			.map((place) => ({ place, label: labelOf(lines, place) }))
			.filter((p): p is { place: Place; label: NonNullable<ReturnType<typeof labelOf>> } => p.label !== null)
			.map((p) => ({ ...p, names: labelNames(path, p.label.raw) }));
		// A label the dictionaries know for this field first; never one that names another field ("Cash", "Change").
		const known = labelled.filter((p) => p.names === true);
		const unknown = labelled.filter((p) => p.names === null);
		const changed = !hints.extracted || JSON.stringify(getPath(hints.extracted, path)) !== JSON.stringify(value);
		if (!changed && known.length === 0) {
			delete fields[path];
			continue;
		}
		const pool = known.length ? known : unknown;
		// A known total label: the lowest (the grand total after subtotals); an unknown one: the first (before "Cash", "Change").
		const chosen = AMOUNT_FIELDS.has(path) && known.length ? pool[pool.length - 1] : pool[0];
		const place = chosen?.place ?? (places.length === 1 ? places[0] : undefined);
		if (!place) continue;
		const size = pageSize(pages, lines, place.segment.page);
		fields[path] = {
			kind: chosen ? 'label' : 'place',
			...(chosen ? { label: chosen.label.label, relation: chosen.label.relation, known: chosen.names === true } : {}),
			page: place.segment.page,
			x: place.segment.x0 / size.width,
			y: place.segment.y0 / size.height,
		};
		if (DATE_FIELDS.has(path) && typeof value === 'string') {
			// A corrected date settles the vendor's day/month order.
			const text = place.segment.text;
			if (findDates(text, 'DMY').some((d) => d.iso === value && d.ambiguous)) dateOrder = 'DMY';
			else if (findDates(text, 'MDY').some((d) => d.iso === value && d.ambiguous)) dateOrder = 'MDY';
		}
	}
	return {
		keys: [...new Set([...(previous?.keys ?? []), ...recordVendorKeys(corrected, lines)])],
		fields,
		dateOrder,
		corrections: (previous?.corrections ?? 0) + 1,
		updatedAt: at.toISOString(),
	};
}

export interface Recalled {
	path: string;
	value: string | number;
	strength: number;
	evidence: Evidence;
}

function readValue(path: string, text: string, order: DateOrder, mark: DecimalMark | undefined): string | number | null {
	if (AMOUNT_FIELDS.has(path)) {
		const amounts = findAmounts(text.replace(/\d+(?:[.,]\d+)?\s?%/g, ' '), mark);
		return amounts.length ? amounts[amounts.length - 1].value : null;
	}
	if (DATE_FIELDS.has(path)) return findDates(text, order, { compact: true })[0]?.iso ?? null;
	const trimmed = text.replace(/^[\s:#.-]+/, '').trim();
	if (path === 'customer.name') return trimmed.length >= 2 ? trimmed : null;
	const token = trimmed.split(/\s+/).find((t) => /\d/.test(t));
	return token ? token.replace(/[,;:]$/, '') : null;
}

/** Reads the fields a vendor's memory knows from a document. */
export function recallFields(lines: Line[], pages: DocumentPage[], memory: VendorMemory, key: string, order: DateOrder, mark: DecimalMark | undefined): Recalled[] {
	const recalled: Recalled[] = [];
	const text = normalise(lines.map((l) => l.text).join(' '));
	const dateOrder = memory.dateOrder ?? order;
	for (const [path, rule] of Object.entries(memory.fields)) {
		if (rule.kind === 'value' && rule.value !== undefined) {
			// A constant printed on this invoice is confirmed; a name not printed (a logo) is taken only on a tax id or IBAN.
			const printed = text.includes(normalise(String(rule.value)));
			if (!printed && !(path === 'vendor.name' && /^(tax|iban):/.test(key))) continue;
			recalled.push({ path, value: rule.value, strength: printed ? 0.98 : 0.92, evidence: { quote: String(rule.value), page: 1 } });
			continue;
		}
		let best: { value: string | number; quote: string; page: number; distance: number } | null = null;
		for (const line of lines) {
			const size = pageSize(pages, lines, line.page);
			for (const [index, segment] of line.segments.entries()) {
				let valueText: string | null = null;
				let valueSegment = segment;
				if (rule.kind === 'label' && rule.label) {
					const own = letters(segment.text);
					if (!own.startsWith(rule.label)) continue;
					if (rule.relation === 'same') {
						// Cut the label off the raw text: the value follows the last letter the label covers.
						let cut = 0;
						while (cut < segment.text.length && letters(segment.text.slice(0, cut)).length < rule.label.length) cut++;
						valueText = segment.text.slice(cut);
					} else if (rule.relation === 'right') {
						valueSegment = line.segments[index + 1];
						valueText = valueSegment?.text ?? null;
					} else {
						valueSegment = lines[segment.line + 1]?.segments.find((s) => s.x0 < segment.x1 + 5 && s.x1 > segment.x0 - 5) ?? segment;
						valueText = valueSegment === segment ? null : valueSegment.text;
					}
				} else if (rule.kind === 'place') {
					if (line.page !== rule.page) continue;
					valueText = segment.text;
				}
				if (!valueText || !valueSegment) continue;
				const value = readValue(path, valueText, dateOrder, mark);
				if (value === null) continue;
				const distance = Math.hypot(valueSegment.x0 / size.width - rule.x, valueSegment.y0 / size.height - rule.y) + (line.page === rule.page ? 0 : 1);
				if (rule.kind === 'place' && distance > 0.04) continue;
				if (!best || distance < best.distance) best = { value, quote: `${segment.text}${valueSegment === segment ? '' : ` ${valueSegment.text}`}`, page: line.page, distance };
			}
		}
		if (!best) continue;
		const strength = rule.kind === 'place' ? 0.6 : (rule.known ? 0.97 : 0.9) - (best.distance < 0.15 ? 0 : 0.1);
		recalled.push({ path, value: best.value, strength, evidence: { quote: best.quote, page: best.page } });
	}
	return recalled;
}

/** Puts recalled values into a record (before the general rules' values), with their strength and evidence. */
export function applyRecalled(invoice: Invoice, strength: Record<string, number>, evidence: Record<string, Evidence>, recalled: Recalled[]): string[] {
	const applied: string[] = [];
	for (const item of recalled) {
		setPath(invoice as unknown as Record<string, unknown>, item.path, item.value);
		strength[item.path] = item.strength;
		evidence[item.path] = { ...item.evidence, source: 'vendorMemory' };
		applied.push(item.path);
	}
	return applied;
}
