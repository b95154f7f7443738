/** Locale-aware amounts: 1.234,56 / 1,234.56 / 1 234,56 / 1'234.56 / (12.00) / 12.00- . */

export type DecimalMark = ',' | '.';

const CURRENCY_NOISE = /(?:[A-Z]{3}|Rs\.?|INR|EUR|USD|GBP|CHF|Fr\.|[€$£¥₹])/g;

/** A number token as printed: sign or parentheses, currency, digits with group and decimal marks. */
const AMOUNT_TOKEN = /(?:[-−(]\s?)?(?:(?:[A-Z]{3}|Rs\.?)\s?|[€$£¥₹]\s?)?\d(?:[\d.,'’]|[\u00a0\u202f ](?=\d{3}(?!\d)))*(?:\s?(?:[€$£¥₹]|[A-Z]{3}(?![a-z])))?\)?-?/g;

export interface FoundAmount {
	value: number;
	raw: string;
	index: number;
	/** Printed with decimals (12.00), the usual sign of a money amount. */
	hasDecimals: boolean;
	hasCurrency: boolean;
}

/** Every amount-like number in a text. */
export function findAmounts(text: string, decimalMark?: DecimalMark): FoundAmount[] {
	const found: FoundAmount[] = [];
	for (const m of text.matchAll(AMOUNT_TOKEN)) {
		const raw = m[0].trim().replace(/[.,]$/, '');
		const value = parseAmount(raw, decimalMark);
		if (value === null) continue;
		found.push({
			value,
			raw,
			index: m.index ?? 0,
			hasDecimals: /[.,]\d{2}(?!\d)/.test(raw),
			hasCurrency: /[€$£¥₹]|[A-Z]{3}|Rs/.test(raw),
		});
	}
	return found;
}

/**
 * Parses an amount. `decimalMark` is the document's decimal mark when known: it settles
 * "1.234" and "1,234" (one mark followed by exactly three digits).
 */
export function parseAmount(raw: string, decimalMark?: DecimalMark): number | null {
	let text = raw.trim().replace(CURRENCY_NOISE, '').replace(/\s+/g, ' ').trim();
	let negative = false;
	if (/^\(.*\)$/.test(text)) {
		negative = true;
		text = text.slice(1, -1).trim();
	}
	if (/^[-−]/.test(text)) {
		negative = true;
		text = text.slice(1).trim();
	}
	if (/-$/.test(text)) {
		negative = true;
		text = text.slice(0, -1).trim();
	}
	// Group separators that are never decimal marks.
	text = text.replace(/(\d)['’\u00a0\u202f ](?=\d{3}(?:\D|$))/g, '$1');
	if (!/^\d[\d.,]*$/.test(text)) return null;
	const lastComma = text.lastIndexOf(',');
	const lastDot = text.lastIndexOf('.');
	let decimal: DecimalMark | null = null;
	if (lastComma >= 0 && lastDot >= 0) {
		decimal = lastComma > lastDot ? ',' : '.';
	} else if (lastComma >= 0 || lastDot >= 0) {
		const mark: DecimalMark = lastComma >= 0 ? ',' : '.';
		const occurrences = text.split(mark).length - 1;
		const digitsAfter = text.length - text.lastIndexOf(mark) - 1;
		// "12,517,31": OCR read the group dot as a comma; two trailing digits are still the cents.
		if (occurrences > 1) decimal = digitsAfter <= 2 ? mark : null;
		else if (digitsAfter !== 3) decimal = mark;
		else if (decimalMark) decimal = decimalMark === mark ? mark : null;
		else decimal = null; // "1,234" / "1.234" with no hint: a thousands group is the likelier reading
	}
	let normalised: string;
	if (decimal === null) normalised = text.replace(/[.,]/g, '');
	else {
		const at = text.lastIndexOf(decimal);
		normalised = `${text.slice(0, at).replace(/[.,]/g, '')}.${text.slice(at + 1)}`;
	}
	if (!/^\d+(\.\d+)?$/.test(normalised)) return null;
	const value = Number(normalised);
	if (!Number.isFinite(value)) return null;
	return negative ? -value : value;
}

/** The decimal mark a document uses, from its unambiguous amounts (x.xx vs x,xx). */
export function detectDecimalMark(text: string): DecimalMark | undefined {
	const comma = (text.match(/\d,\d{2}(?!\d)/g) ?? []).length + (text.match(/\d\.\d{3},\d/g) ?? []).length * 2;
	const dot = (text.match(/\d\.\d{2}(?!\d)/g) ?? []).length + (text.match(/\d,\d{3}\.\d/g) ?? []).length * 2;
	if (comma === 0 && dot === 0) return undefined;
	return comma > dot ? ',' : '.';
}

export const roundMoney = (value: number): number => Math.round(value * 100) / 100;

/** Two amounts agree within a cent per 1000 (rounding of printed amounts). */
export const amountsAgree = (a: number, b: number, tolerance = 0.011): boolean =>
	Math.abs(a - b) <= Math.max(tolerance, Math.abs(b) * 0.0005);
