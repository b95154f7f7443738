/** Dates as printed on invoices (month names from every language dictionary), to ISO 8601 (yyyy-mm-dd). */
import { MONTH_NUMBERS } from './labels';

export type DateOrder = 'DMY' | 'MDY';

const MONTH_ALTERNATION = [...MONTH_NUMBERS.keys()]
	.sort((a, b) => b.length - a.length)
	.map((name) => name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
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

// A letter or digit glued to a date makes it part of a code ("HD03-04-06", "INV2020-11-21").
const NUMERIC =
	/(?<![\p{L}\d.,/-])(\d{4})[-./](\d{1,2})[-./](\d{1,2})(?![\p{L}\d]|[.,/-]\d)|(?<![\p{L}\d.,/-])(\d{1,2})\s?([./-])\s?(\d{1,2})\s?\5\s?(\d{4}|(?:19|20)\s\d{2}(?![\d.,])|\d{2})(?![\p{L}\d,]|[.]\d|[/-]\d)/gu;
const NAMED_DMY = new RegExp(`(?<![\\p{L}\\d])(\\d{1,2})(?:er|st|nd|rd|th|\\.)?[\\s/.-]*(?:de\\s+)?(${MONTH_ALTERNATION})(?![\\p{L}])\\.?[\\s,/.-]*(?:de\\s+|del\\s+)?(\\d{4}|\\d{2})(?![\\d])`, 'giu');
const NAMED_MDY = new RegExp(`(?<![\\p{L}])(${MONTH_ALTERNATION})(?![\\p{L}])\\.?\\s*(\\d{1,2})(?:st|nd|rd|th)?\\s*,?\\s*(\\d{4})(?!\\d)`, 'giu');
/** 25032018 or 20180325: only where a label says a date follows (otherwise it is any 8-digit number). */
const COMPACT = /(?<![\p{L}\d])(\d{8})(?![\p{L}\d])/gu;

export interface DateOptions {
	/** Also read 8-digit dates without separators (a labelled date value). */
	compact?: boolean;
}

/** Every date in a text. Numeric dd/mm vs mm/dd is read in `order` (default day first). */
export function findDates(text: string, order: DateOrder = 'DMY', options: DateOptions = {}): FoundDate[] {
	const found: FoundDate[] = [];
	const add = (date: FoundDate) => {
		if (!found.some((f) => f.index < date.index + date.raw.length && date.index < f.index + f.raw.length)) found.push(date);
	};
	for (const m of text.matchAll(NAMED_DMY)) {
		const month = MONTH_NUMBERS.get(m[2].toLowerCase());
		const [day, year] = [Number(m[1]), fullYear(Number(m[3]))];
		if (month && valid(year, month, day)) add({ iso: `${year}-${pad(month)}-${pad(day)}`, raw: m[0], index: m.index ?? 0, ambiguous: false });
	}
	for (const m of text.matchAll(NAMED_MDY)) {
		const month = MONTH_NUMBERS.get(m[1].toLowerCase());
		const [day, year] = [Number(m[2]), Number(m[3])];
		if (month && valid(year, month, day)) add({ iso: `${year}-${pad(month)}-${pad(day)}`, raw: m[0], index: m.index ?? 0, ambiguous: false });
	}
	for (const m of text.matchAll(NUMERIC)) {
		if (m[1]) {
			const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
			if (valid(year, month, day)) add({ iso: `${year}-${pad(month)}-${pad(day)}`, raw: m[0], index: m.index ?? 0, ambiguous: false });
			continue;
		}
		const a = Number(m[4]);
		const b = Number(m[6]);
		// "11/15/20 19": a year split by a stray space in the text layer.
		const year = fullYear(Number(m[7].replace(/\s/g, '')));
		let day = order === 'DMY' ? a : b;
		let month = order === 'DMY' ? b : a;
		if (!valid(year, month, day)) [day, month] = [month, day];
		if (!valid(year, month, day)) continue;
		add({ iso: `${year}-${pad(month)}-${pad(day)}`, raw: m[0], index: m.index ?? 0, ambiguous: a <= 12 && b <= 12 && a !== b, parts: [a, b] });
	}
	if (options.compact) {
		for (const m of text.matchAll(COMPACT)) {
			const digits = m[1];
			// Day first (25032018), else year first (20181230).
			for (const [day, month, year] of [
				[Number(digits.slice(0, 2)), Number(digits.slice(2, 4)), Number(digits.slice(4))],
				[Number(digits.slice(6)), Number(digits.slice(4, 6)), Number(digits.slice(0, 4))],
			]) {
				if (year >= 1990 && year <= 2099 && valid(year, month, day)) {
					add({ iso: `${year}-${pad(month)}-${pad(day)}`, raw: m[0], index: m.index ?? 0, ambiguous: false });
					break;
				}
			}
		}
	}
	return found.sort((x, y) => x.index - y.index);
}

/** The first date in a text, or null. */
export function parseDate(text: string, order: DateOrder = 'DMY', options: DateOptions = {}): string | null {
	return findDates(text, order, options)[0]?.iso ?? null;
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
