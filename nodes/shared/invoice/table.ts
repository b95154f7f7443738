/** The line-item table, read from the column positions of its header row. */
import type { Evidence, LineItem } from './schema';
import type { Line, Segment } from './layout';
import { findAmounts, type DecimalMark } from './numbers';
import { findDates, type DateOrder } from './dates';
import { matchLabels } from './labels';

type Column = 'description' | 'productCode' | 'quantity' | 'unit' | 'unitPrice' | 'taxRate' | 'tax' | 'amount' | 'date' | 'position';

const HEADER_WORDS: Array<[Column, RegExp]> = [
	['position', /^(pos\.?|position|#|no\.?|nr\.?|n°)$/i],
	['productCode', /^(code|sku|item\s*(no|#|code)|product\s*code|art(ikel)?\.?\s*-?\s*nr\.?|artikelnummer|réf(érence)?\.?|ref\.?|part\s*(no|number)|fsn)$/i],
	['description', /^(description|item|items|product|products|service|services|details?|title|article|bezeichnung|beschreibung|artikel|leistung|produkt|désignation|designation|libellé|libelle|produit|prestation|particulars)$/i],
	['quantity', /^(qty\.?|quantity|quantities|menge|anzahl|qté\.?|qte\.?|quantité|quantite|hours|hrs|stunden|std\.?|units|nb)$/i],
	['unit', /^(unit|uom|einheit|unité|unite)$/i],
	['unitPrice', /^(unit\s*price|price|rate|unit\s*cost|price\s*per\s*unit|einzelpreis|e-?preis|preis|stückpreis|prix\s*unitaire|prix\s*u\.?(\s*ht)?|p\.?u\.?(\s*ht)?|prix|tarif)$/i],
	['taxRate', /^((vat|tax|gst|mwst|ust|tva)\s*\(?%\)?|(vat|tax|gst|mwst|ust|tva)\s*rate|tax\s*\(%\)|taux(\s*tva)?|%)$/i],
	['tax', /^(vat|tax|gst|mwst|ust|tva)(\s*amount)?$/i],
	['amount', /^(amount|total|line\s*total|net\s*amount|betrag|gesamt|gesamtpreis|summe|montant(\s*ht)?|total\s*ht|prix\s*total|amount\s*\(.{1,4}\))$/i],
	['date', /^(date|datum)$/i],
];

interface HeaderColumn {
	column: Column;
	x0: number;
	x1: number;
}

function headerColumns(line: Line): HeaderColumn[] | null {
	const columns: HeaderColumn[] = [];
	for (const segment of line.segments) {
		// A header cell may hold several column names when the gaps are narrow ("Qty Price").
		const parts = [segment.text, ...segment.words.map((w) => w.text)];
		const whole = HEADER_WORDS.find(([, p]) => p.test(segment.text.trim()));
		if (whole) {
			columns.push({ column: whole[0], x0: segment.x0, x1: segment.x1 });
			continue;
		}
		for (const word of segment.words) {
			const hit = HEADER_WORDS.find(([, p]) => p.test(word.text.trim()));
			if (hit) columns.push({ column: hit[0], x0: word.x0, x1: word.x1 });
		}
		void parts;
	}
	const kinds = new Set(columns.map((c) => c.column));
	const numeric = ['quantity', 'unitPrice', 'amount'].filter((k) => kinds.has(k as Column)).length;
	if (!kinds.has('amount') && !kinds.has('unitPrice')) return null;
	if (numeric + (kinds.has('description') ? 1 : 0) < 2) return null;
	return columns.sort((a, b) => a.x0 - b.x0);
}

/** The column a cell belongs to: the header whose span it overlaps most, else the nearest. */
function columnOf(segment: Segment, columns: HeaderColumn[], pageRight: number): Column {
	let best = columns[0];
	let bestScore = -Infinity;
	columns.forEach((column, i) => {
		// A column reaches to where the next one starts (left-aligned text) or ends (right-aligned numbers).
		const left = i === 0 ? 0 : (columns[i - 1].x1 + column.x0) / 2;
		const right = i === columns.length - 1 ? pageRight : (column.x1 + columns[i + 1].x0) / 2;
		const overlap = Math.min(segment.x1, right) - Math.max(segment.x0, left);
		const score = overlap - Math.abs((segment.x0 + segment.x1) / 2 - (column.x0 + column.x1) / 2) * 0.01;
		if (score > bestScore) {
			bestScore = score;
			best = column;
		}
	});
	return best.column;
}

const STOP = new Set(['subtotal', 'invoiceTotal', 'totalTax', 'amountDue', 'totalDiscount']);

export interface TableResult {
	items: LineItem[];
	strengths: Array<Record<string, number>>;
	evidence: Evidence[];
}

export function extractLineItems(lines: Line[], mark: DecimalMark | undefined, order: DateOrder): TableResult {
	const result: TableResult = { items: [], strengths: [], evidence: [] };
	// The right edge of each page's text, once (not per header line, and without spreading every segment into a call).
	const rightEdge = new Map<number, number>();
	for (const line of lines) for (const segment of line.segments) rightEdge.set(line.page, Math.max(rightEdge.get(line.page) ?? -Infinity, segment.x1));
	for (let h = 0; h < lines.length; h++) {
		const columns = headerColumns(lines[h]);
		if (!columns) continue;
		const pageRight = rightEdge.get(lines[h].page) ?? -Infinity;
		let gapLines = 0;
		for (let r = h + 1; r < lines.length; r++) {
			const line = lines[r];
			if (line.page !== lines[h].page) break;
			const first = line.segments[0];
			const labels = matchLabels(first.text);
			const hasMoney = findAmounts(line.text.replace(/\d+(?:[.,]\d+)?\s?%/g, ' '), mark).length > 0;
			if (hasMoney && (labels.some((l) => STOP.has(l.field)) || line.segments.some((s) => matchLabels(s.text).some((l) => STOP.has(l.field) && l.length >= s.text.length - 3)))) break;
			const cells = new Map<Column, string[]>();
			for (const segment of line.segments) {
				const column = columnOf(segment, columns, pageRight);
				cells.set(column, [...(cells.get(column) ?? []), segment.text]);
			}
			const get = (column: Column): string | null => cells.get(column)?.join(' ') ?? null;
			const amountText = get('amount');
			const amount = amountText ? findAmounts(amountText, mark).pop()?.value ?? null : null;
			if (amount === null) {
				// A line without an amount continues the previous item's description.
				const text = get('description');
				if (result.items.length && text && [...cells.keys()].every((c) => c === 'description') && gapLines < 3) {
					const last = result.items[result.items.length - 1];
					if ((last.description ?? '').length < 200) last.description = `${last.description ?? ''} ${text}`.trim();
				}
				gapLines++;
				if (gapLines > 6) break;
				continue;
			}
			gapLines = 0;
			const number = (column: Column): number | null => {
				const text = get(column);
				if (!text) return null;
				return findAmounts(text.replace(/%/g, ''), mark)[0]?.value ?? null;
			};
			const quantityText = get('quantity');
			const unit = quantityText?.match(/[a-zA-Zäöüéè.]+$/)?.[0] ?? get('unit');
			const item: LineItem = {
				description: get('description'),
				productCode: get('productCode'),
				quantity: number('quantity'),
				unit: unit ?? null,
				unitPrice: number('unitPrice'),
				taxRate: number('taxRate'),
				tax: number('tax'),
				amount,
				date: get('date') ? findDates(get('date') as string, order)[0]?.iso ?? null : null,
			};
			const confidence = line.words.reduce((s, w) => s + w.confidence, 0) / line.words.length;
			const strengths: Record<string, number> = {};
			for (const [key, value] of Object.entries(item)) if (value !== null) strengths[key] = 0.8 * confidence;
			result.items.push(item);
			result.strengths.push(strengths);
			result.evidence.push({ quote: line.text, page: line.page });
		}
		if (result.items.length) break;
	}
	return result;
}
