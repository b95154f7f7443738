/** Dates as printed in en/de/fr invoices, to ISO 8601 (yyyy-mm-dd). */

export type DateOrder = 'DMY' | 'MDY';

const MONTHS: Record<string, number> = {};
const monthNames: string[][] = [
	['january', 'jan', 'januar', 'jänner', 'janvier', 'janv'],
	['february', 'feb', 'februar', 'février', 'fevrier', 'févr', 'fevr', 'fév', 'fev'],
	['march', 'mar', 'märz', 'maerz', 'mrz', 'mars'],
	['april', 'apr', 'avril', 'avr'],
	['may', 'mai'],
	['june', 'jun', 'juni', 'juin'],
	['july', 'jul', 'juli', 'juillet', 'juil'],
	['august', 'aug', 'août', 'aout'],
	['september', 'sep', 'sept', 'septembre'],
	['october', 'oct', 'oktober', 'okt', 'octobre'],
	['november', 'nov', 'novembre'],
	['december', 'dec', 'dezember', 'dez', 'décembre', 'decembre', 'déc'],
];
monthNames.forEach((names, index) => names.forEach((name) => (MONTHS[name] = index + 1)));
const MONTH_ALTERNATION = Object.keys(MONTHS)
	.sort((a, b) => b.length - a.length)
	.join('|');

export interface FoundDate {
	iso: string;
	raw: string;
	index: number;
	/** Day and month could be swapped (both ≤ 12, numeric). */
	ambiguous: boolean;
	/** For numeric dates: the two leading numbers, to decide the document's order. */
	parts?: [number, number];
}

const pad = (n: number): string => String(n).padStart(2, '0');

function valid(year: number, month: number, day: number): boolean {
	if (month < 1 || month > 12 || day < 1 || day > 31 || year < 1900 || year > 2200) return false;
	const date = new Date(Date.UTC(year, month - 1, day));
	return date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

const fullYear = (year: number): number => (year < 100 ? (year < 70 ? 2000 + year : 1900 + year) : year);

const NUMERIC = /(?<!\d)(\d{4})[-./](\d{1,2})[-./](\d{1,2})(?!\d)|(?<![\d.,])(\d{1,2})\s?([./-])\s?(\d{1,2})\s?\5\s?(\d{4}|\d{2})(?![\d,]|\.\d)/g;
const NAMED_DMY = new RegExp(`(?<!\\w)(\\d{1,2})(?:er|st|nd|rd|th)?\\.?[\\s-]*(${MONTH_ALTERNATION})\\.?[\\s,-]*(\\d{4})(?!\\d)`, 'giu');
const NAMED_MDY = new RegExp(`(?<![\\p{L}])(${MONTH_ALTERNATION})\\.?\\s*(\\d{1,2})(?:st|nd|rd|th)?\\s*,?\\s*(\\d{4})(?!\\d)`, 'giu');

/** Every date in a text. Numeric dd/mm vs mm/dd is read in `order` (default day first). */
export function findDates(text: string, order: DateOrder = 'DMY'): FoundDate[] {
	const found: FoundDate[] = [];
	for (const m of text.matchAll(NUMERIC)) {
		if (m[1]) {
			const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
			if (valid(year, month, day)) found.push({ iso: `${year}-${pad(month)}-${pad(day)}`, raw: m[0], index: m.index ?? 0, ambiguous: false });
			continue;
		}
		const a = Number(m[4]);
		const b = Number(m[6]);
		const year = fullYear(Number(m[7]));
		let day = order === 'DMY' ? a : b;
		let month = order === 'DMY' ? b : a;
		if (!valid(year, month, day)) [day, month] = [month, day];
		if (!valid(year, month, day)) continue;
		found.push({ iso: `${year}-${pad(month)}-${pad(day)}`, raw: m[0], index: m.index ?? 0, ambiguous: a <= 12 && b <= 12 && a !== b, parts: [a, b] });
	}
	for (const m of text.matchAll(NAMED_DMY)) {
		const month = MONTHS[m[2].toLowerCase()];
		const [day, year] = [Number(m[1]), Number(m[3])];
		if (month && valid(year, month, day)) found.push({ iso: `${year}-${pad(month)}-${pad(day)}`, raw: m[0], index: m.index ?? 0, ambiguous: false });
	}
	for (const m of text.matchAll(NAMED_MDY)) {
		const month = MONTHS[m[1].toLowerCase()];
		const [day, year] = [Number(m[2]), Number(m[3])];
		if (month && valid(year, month, day) && !found.some((f) => Math.abs(f.index - (m.index ?? 0)) < 3))
			found.push({ iso: `${year}-${pad(month)}-${pad(day)}`, raw: m[0], index: m.index ?? 0, ambiguous: false });
	}
	return found.sort((x, y) => x.index - y.index);
}

/** The first date in a text, or null. */
export function parseDate(text: string, order: DateOrder = 'DMY'): string | null {
	return findDates(text, order)[0]?.iso ?? null;
}

/**
 * The numeric date order of a document: a date with a first number above 12 proves day-first, a
 * second number above 12 proves month-first; otherwise US dollars or a US/Philippine address
 * suggest month-first, and everything else day-first.
 */
export function detectDateOrder(text: string, hints: { currency?: string | null; country?: string | null } = {}): { order: DateOrder; proven: boolean } {
	let dayFirst = 0;
	let monthFirst = 0;
	for (const date of findDates(text, 'DMY')) {
		if (!date.parts) continue;
		if (date.parts[0] > 12) dayFirst++;
		if (date.parts[1] > 12) monthFirst++;
	}
	if (dayFirst !== monthFirst) return { order: dayFirst > monthFirst ? 'DMY' : 'MDY', proven: true };
	const usLike = hints.currency === 'USD' || /^(US|PH)$/.test(hints.country ?? '');
	return { order: usLike ? 'MDY' : 'DMY', proven: false };
}
