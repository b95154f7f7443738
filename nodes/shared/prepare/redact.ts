/**
 * Redact Before the Model: personal data in a text replaced by typed placeholders ([EMAIL_1],
 * [PHONE_2], …) before the text leaves n8n, and the model's answer mapped back with `restore`.
 *
 * Only values that pass their format's own check are redacted — IBAN mod-97, payment cards Luhn,
 * national ids their checksum or format rules, phone numbers libphonenumber's validity for the
 * country — so order numbers and amounts stay readable for the model. The same value gets the same
 * placeholder everywhere in a text, so the model can still tell "the same address twice" apart from
 * "two addresses". `counts` says how many values of each kind were replaced and never holds a value:
 * it goes on the item and into metrics; `placeholders` holds the values and must stay in memory.
 *
 * Passes run in a fixed order (custom, e-mail, IBAN, national id, card, phone): the stricter
 * checks first (a French NIR's key is 1 in 97, Luhn 1 in 10), so a card number is never half-eaten
 * by the phone finder. Later passes never look
 * inside placeholders that earlier ones wrote.
 */
import { findPhoneNumbersInText, type CountryCode } from 'libphonenumber-js/max';
// The invoice checks' IBAN rules (ISO 13616 lengths and mod-97), one definition for the package.
import { IBAN_LENGTH, isValidIban } from '../invoice/identifiers';
import { PrepareInputError, requireString } from './errors';

export type RedactionKind = 'email' | 'phone' | 'iban' | 'card' | 'nationalId' | 'custom';
export const REDACTION_KINDS: readonly RedactionKind[] = ['email', 'phone', 'iban', 'card', 'nationalId', 'custom'];
export type RedactionCounts = Record<RedactionKind, number>;

/** A custom pattern: a regular expression source, with optional flags among i, m, s, u. */
export type CustomPattern = string | { pattern: string; flags?: string };

export interface RedactOptions {
	/** Which built-in kinds to redact (default: all); custom patterns run whenever some are given. */
	kinds?: readonly RedactionKind[];
	customPatterns?: readonly CustomPattern[];
	/** Country for phone numbers written without +prefix ("030 1234567"); without it only +numbers are found. */
	defaultCountry?: CountryCode;
}

export interface Redaction {
	text: string;
	/** Placeholder → original text. Keep in memory for `restore`; never store it on the item. */
	placeholders: Map<string, string>;
	counts: RedactionCounts;
}

const TAG: Record<RedactionKind, string> = { email: 'EMAIL', phone: 'PHONE', iban: 'IBAN', card: 'CARD', nationalId: 'NATIONAL_ID', custom: 'CUSTOM' };
/** A placeholder as written, or as a model may echo it back: "[EMAIL_1]", "[email 1]", "[ NATIONAL ID_2 ]". */
const PLACEHOLDER = /\[\s*(EMAIL|PHONE|IBAN|CARD|NATIONAL[_ ]ID|CUSTOM)[_ ](\d{1,6})\s*\]/gi;

interface Found {
	start: number;
	end: number;
	/** The value that decides "the same value" (normalised: lower-case e-mail, E.164 phone, bare digits). */
	key: string;
}
type Finder = (text: string) => Found[];

// ---- e-mail ----------------------------------------------------------------------------------

/** Bounded quantifiers, each group ending in a literal dot: linear on any input. */
const EMAIL = /(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]{1,64}@(?:[A-Za-z0-9-]{1,63}\.){1,8}[A-Za-z]{2,24}(?![A-Za-z0-9-])/g;
const findEmails: Finder = (text) => [...text.matchAll(EMAIL)].map((m) => ({ start: m.index, end: m.index + m[0].length, key: m[0].toLowerCase() }));

// ---- IBAN --------------------------------------------------------------------------------------

const IBAN_CANDIDATE = /(?<![A-Za-z0-9])[A-Z]{2}\d{2}(?:[ -]?[A-Za-z0-9]){10,32}/g;

const findIbans: Finder = (text) => {
	const found: Found[] = [];
	const re = new RegExp(IBAN_CANDIDATE.source, 'g');
	for (let m = re.exec(text); m; m = re.exec(text)) {
		const length = IBAN_LENGTH[m[0].slice(0, 2)];
		// Walk to the country's length: a grouped IBAN may be followed by " or NL91…" or "Thanks".
		let seen = 0;
		let end = 0;
		while (length && end < m[0].length && seen < length) if (/[A-Za-z0-9]/.test(m[0][end++])) seen++;
		const iban = m[0].slice(0, end);
		const compact = iban.replace(/[ -]/g, '').toUpperCase();
		if (length && seen === length && !/[A-Za-z0-9]/.test(text[m.index + end] ?? '') && isValidIban(compact)) {
			found.push({ start: m.index, end: m.index + end, key: compact });
			re.lastIndex = m.index + end;
		} else {
			// The candidate may have run over the start of the next IBAN: look again from the next character.
			re.lastIndex = m.index + 1;
		}
	}
	return found;
};

// ---- payment cards -------------------------------------------------------------------------------

const CARD_CANDIDATE = /(?<![\d-])\d(?:[ -]?\d){12,18}(?!\d)/g;

export function passesLuhn(digits: string): boolean {
	let sum = 0;
	for (let i = 0; i < digits.length; i++) {
		let d = Number(digits[digits.length - 1 - i]);
		if (i % 2 === 1) {
			d *= 2;
			if (d > 9) d -= 9;
		}
		sum += d;
	}
	return sum % 10 === 0;
}

const isCard = (digits: string): boolean => digits.length >= 13 && digits.length <= 19 && !/^(\d)\1+$/.test(digits) && passesLuhn(digits);

/**
 * A run of digit groups may hold a card between other numbers ("Visa13 4222…", "… 1111 12/28"):
 * the leftmost, then widest range of whole groups that is a card wins; the groups after it are searched again.
 */
const findCards: Finder = (text) => {
	const found: Found[] = [];
	for (const m of text.matchAll(CARD_CANDIDATE)) {
		const groups = m[0].split(/(?<=\d)(?=[ -])/);
		const offsets = groups.map((_, i) => groups.slice(0, i).join('').length);
		let from = 0;
		while (from < groups.length) {
			let hit: [number, number] | null = null;
			for (let s = from; s < groups.length && !hit; s++) {
				for (let to = groups.length; to > s && !hit; to--) {
					const span = groups.slice(s, to).join('');
					if (isCard(span.replace(/\D/g, ''))) hit = [s, to];
				}
			}
			if (!hit) break;
			const start = m.index + offsets[hit[0]] + (groups[hit[0]].match(/^[ -]*/)?.[0].length ?? 0);
			found.push({ start, end: m.index + offsets[hit[1] - 1] + groups[hit[1] - 1].length, key: groups.slice(hit[0], hit[1]).join('').replace(/\D/g, '') });
			from = hit[1];
		}
	}
	return found;
};

// ---- national ids ------------------------------------------------------------------------------------

/** Dutch BSN: nine digits, 9·d1 + 8·d2 + … + 2·d8 − d9 divisible by 11. */
export function isValidBsn(digits: string): boolean {
	if (!/^\d{9}$/.test(digits) || /^0+$/.test(digits)) return false;
	let sum = 0;
	for (let i = 0; i < 8; i++) sum += (9 - i) * Number(digits[i]);
	return (sum - Number(digits[8])) % 11 === 0;
}

/** German Steuer-ID: eleven digits, no leading zero, check digit by ISO 7064 MOD 11,10. */
export function isValidSteuerId(digits: string): boolean {
	if (!/^[1-9]\d{10}$/.test(digits)) return false;
	let product = 10;
	for (let i = 0; i < 10; i++) {
		let sum = (Number(digits[i]) + product) % 10;
		if (sum === 0) sum = 10;
		product = (sum * 2) % 11;
	}
	const check = 11 - product === 10 ? 0 : 11 - product;
	return check === Number(digits[10]);
}

/** French NIR (numéro de sécurité sociale): 13 characters and a key of 97 − (number mod 97); Corsica 2A/2B. */
export function isValidNir(compact: string): boolean {
	const m = /^([12]\d{4})(\d{2}|2A|2B)(\d{6})(\d{2})$/i.exec(compact);
	if (!m) return false;
	const dept = m[2].toUpperCase();
	let number = BigInt(m[1] + (dept === '2A' || dept === '2B' ? '19' : dept) + m[3]);
	if (dept === '2A') number -= 1_000_000n;
	if (dept === '2B') number -= 2_000_000n;
	return 97n - (number % 97n) === BigInt(m[4]);
}

/** Spanish DNI: eight digits and the letter of their remainder mod 23. */
export function isValidDni(value: string): boolean {
	const m = /^(\d{8})([A-Z])$/i.exec(value);
	return m !== null && 'TRWAGMYFPDXBNJZSQVHLCKE'[Number(m[1]) % 23] === m[2].toUpperCase();
}

/** US SSN: no checksum exists, so only the dashed form with the SSA's rules (no 000/666/9xx area, no 00 group, no 0000 serial). */
const SSN = /(?<![\d-])(?!000|666|9\d\d)\d{3}-(?!00)\d{2}-(?!0000)\d{4}(?![\d-])/g;
/** A BSN or Steuer-ID is only taken after its name: nine or eleven digits with a 1-in-11 check are too common otherwise. */
const BSN = /\b(?:BSN|burgerservicenummer|sofinummer)\b[^\d\n]{0,20}(\d{4}[ .]?\d{2}[ .]?\d{3}|\d{3}[ .]\d{3}[ .]\d{3})(?!\d)/dgi;
const STEUER_ID = /\b(?:Steuer-?ID|Steuer-?IdNr|Steueridentifikationsnummer|Identifikationsnummer|IdNr)\b[^\d\n]{0,20}(\d{2} ?\d{3} ?\d{3} ?\d{3})(?!\d)/dgi;
const NIR = /(?<![\dA-Z])[12] ?\d{2} ?\d{2} ?(?:\d{2}|2[AB]) ?\d{3} ?\d{3} ?\d{2}(?![\dA-Z])/gi;
const DNI = /(?<![\dA-Z])\d{8}-?[A-Z](?![\dA-Z])/gi;

function keyed(re: RegExp, text: string, valid: (compact: string) => boolean, group = 0): Found[] {
	const found: Found[] = [];
	for (const m of text.matchAll(re)) {
		const [start, end] = group === 0 ? [m.index, m.index + m[0].length] : m.indices![group];
		const compact = text.slice(start, end).replace(/[ .-]/g, '').toUpperCase();
		if (valid(compact)) found.push({ start, end, key: compact });
	}
	return found;
}

const findNationalIds: Finder = (text) => [
	...keyed(SSN, text, () => true),
	...keyed(BSN, text, isValidBsn, 1),
	...keyed(STEUER_ID, text, isValidSteuerId, 1),
	...keyed(NIR, text, isValidNir),
	...keyed(DNI, text, isValidDni),
];

// ---- phone numbers -------------------------------------------------------------------------------------

/** Dates and times that national numbering plans happen to accept ("04.12.2026" is a valid German number). */
const DATE_LIKE = /^(?:\d{1,2}[./-]\d{1,2}[./-]\d{2,4}|\d{4}[./-]\d{1,2}[./-]\d{1,2}|\d{1,2}:\d{2}(?::\d{2})?)$/;

function phoneFinder(defaultCountry: CountryCode | undefined): Finder {
	return (text) =>
		findPhoneNumbersInText(text, defaultCountry ? { defaultCountry } : undefined)
			.filter((f) => !DATE_LIKE.test(text.slice(f.startsAt, f.endsAt).trim()))
			.map((f) => ({ start: f.startsAt, end: f.endsAt, key: f.number.number }));
}

// ---- custom patterns ----------------------------------------------------------------------------------

function compileCustom(patterns: readonly CustomPattern[]): RegExp[] {
	return patterns.map((entry, i) => {
		const { pattern, flags = '' } = typeof entry === 'string' ? { pattern: entry } : entry;
		const fix = `Fix custom pattern ${i + 1} ("${String(pattern).slice(0, 80)}"): write a JavaScript regular expression without slashes, e.g. CUST-\\d{6}; flags may be i, m, s, u.`;
		if (typeof pattern !== 'string' || pattern === '' || !/^[imsu]*$/.test(flags)) {
			throw new PrepareInputError('BAD_PATTERN', `Custom redaction pattern ${i + 1} is empty, not a string, or has unsupported flags`, fix);
		}
		let re: RegExp;
		try {
			re = new RegExp(pattern, `${flags}g`);
		} catch (error) {
			throw new PrepareInputError('BAD_PATTERN', `Custom redaction pattern ${i + 1} is not a valid regular expression: ${(error as Error).message}`, fix);
		}
		// A pattern that matches the empty text would "redact" between every character.
		if (new RegExp(pattern, flags).test('')) {
			throw new PrepareInputError('BAD_PATTERN', `Custom redaction pattern ${i + 1} matches an empty text`, fix);
		}
		return re;
	});
}

const customFinder =
	(patterns: RegExp[]): Finder =>
	(text) =>
		patterns.flatMap((re) => [...text.matchAll(re)].filter((m) => m[0] !== '').map((m) => ({ start: m.index, end: m.index + m[0].length, key: m[0] })));

// ---- the passes ------------------------------------------------------------------------------------------

class Placeholders {
	readonly map = new Map<string, string>();
	readonly counts: RedactionCounts = { email: 0, phone: 0, iban: 0, card: 0, nationalId: 0, custom: 0 };
	private readonly byValue = new Map<string, string>();
	private readonly next: RedactionCounts = { email: 1, phone: 1, iban: 1, card: 1, nationalId: 1, custom: 1 };

	/** Placeholders already in the input are never handed out again, so `restore` cannot confuse them. */
	constructor(private readonly taken: Set<string>) {}

	for(kind: RedactionKind, key: string, original: string): string {
		this.counts[kind]++;
		const id = `${kind}\u0000${key}`;
		const known = this.byValue.get(id);
		if (known) return known;
		let placeholder: string;
		do placeholder = `[${TAG[kind]}_${this.next[kind]++}]`;
		while (this.taken.has(placeholder));
		this.byValue.set(id, placeholder);
		this.map.set(placeholder, original);
		return placeholder;
	}
}

/** Runs one finder on the parts of the text outside placeholders and replaces what it found. */
function pass(text: string, kind: RedactionKind, find: Finder, placeholders: Placeholders): string {
	let out = '';
	let last = 0;
	const segments: Array<[number, number]> = [];
	for (const m of text.matchAll(PLACEHOLDER)) {
		segments.push([last, m.index]);
		last = m.index + m[0].length;
	}
	segments.push([last, text.length]);
	let copied = 0;
	for (const [from, to] of segments) {
		const segment = text.slice(from, to);
		const found = find(segment)
			.filter((f) => f.end > f.start)
			.sort((a, b) => a.start - b.start || b.end - a.end);
		let cursor = 0;
		for (const f of found) {
			if (f.start < cursor) continue; // overlapping matches: the first (longest) wins
			out += text.slice(copied, from + f.start) + placeholders.for(kind, f.key, segment.slice(f.start, f.end));
			copied = from + f.end;
			cursor = f.end;
		}
	}
	return out + text.slice(copied);
}

/** Replaces personal data in `text` by typed placeholders; see the module comment for what is found. */
export function redact(raw: unknown, options: RedactOptions = {}): Redaction {
	const { texts, placeholders, counts } = redactAll([requireString(raw, 'text to redact')], options);
	return { text: texts[0], placeholders, counts };
}

/**
 * Redacts several texts that go into one request (the text and the context fields shown with it)
 * with one set of placeholders: the same value is the same placeholder in all of them, and no two
 * values share one, so `restore` maps the model's answer back whichever text it quotes.
 */
export function redactAll(texts: readonly string[], options: RedactOptions = {}): { texts: string[]; placeholders: Map<string, string>; counts: RedactionCounts } {
	texts.forEach((text) => requireString(text, 'text to redact'));
	const kinds = new Set(options.kinds ?? REDACTION_KINDS);
	const custom = compileCustom(options.customPatterns ?? []);
	const taken = new Set(texts.flatMap((text) => [...text.matchAll(PLACEHOLDER)].map((m) => canonical(m[1], m[2]))));
	const placeholders = new Placeholders(taken);
	const passes: Array<[RedactionKind, Finder]> = [
		['custom', customFinder(custom)],
		['email', findEmails],
		['iban', findIbans],
		['nationalId', findNationalIds],
		['card', findCards],
		['phone', phoneFinder(options.defaultCountry)],
	];
	const results = texts.map((text) => {
		let result = text;
		for (const [kind, find] of passes) {
			if (kind === 'custom' ? custom.length > 0 : kinds.has(kind)) result = pass(result, kind, find, placeholders);
		}
		return result;
	});
	return { texts: results, placeholders: placeholders.map, counts: placeholders.counts };
}

function canonical(tag: string, n: string): string {
	return `[${tag.toUpperCase().replace(' ', '_')}_${Number(n)}]`;
}

/** Deeper than this, a model's answer is returned as it is (JSON from a model is never this deep). */
const MAX_RESTORE_DEPTH = 64;

/**
 * Puts the original values back into a model's answer: a string, or any JSON value (strings in
 * arrays and objects, object keys included). Placeholders that are not in the map stay as written.
 * The input is not changed; a new value is returned.
 */
export function restore<T>(value: T, placeholders: ReadonlyMap<string, string>): T {
	return restoreValue(value, placeholders, 0) as T;
}

function restoreValue(value: unknown, placeholders: ReadonlyMap<string, string>, depth: number): unknown {
	if (typeof value === 'string') {
		if (placeholders.size === 0) return value;
		return value.replace(PLACEHOLDER, (match, tag: string, n: string) => placeholders.get(canonical(tag, n)) ?? match);
	}
	if (depth >= MAX_RESTORE_DEPTH || value === null || typeof value !== 'object') return value;
	if (Array.isArray(value)) return value.map((v) => restoreValue(v, placeholders, depth + 1));
	// Plain objects only (of any realm: structuredClone and n8n's sandboxes make objects of another one); a Date or class instance stays as it is.
	const prototype = Object.getPrototypeOf(value) as object | null;
	if (prototype !== null && Object.getPrototypeOf(prototype) !== null) return value;
	return Object.fromEntries(Object.entries(value).map(([k, v]) => [restoreValue(k, placeholders, depth + 1), restoreValue(v, placeholders, depth + 1)]));
}

/**
 * A request's text and the other fields sent with it (AI Classify's context fields: any JSON), redacted
 * with one set of placeholders. Strings are redacted wherever they sit in the fields (object keys are
 * kept as written); numbers, booleans and null are passed as they are.
 */
export function redactRequest(
	text: string,
	fields: Record<string, unknown>,
	options: RedactOptions = {},
): { text: string; fields: Record<string, unknown>; placeholders: Map<string, string>; counts: RedactionCounts } {
	const strings: string[] = [text];
	const collect = (value: unknown, depth: number): void => {
		if (typeof value === 'string') strings.push(value);
		else if (depth < MAX_RESTORE_DEPTH && value !== null && typeof value === 'object') for (const entry of Object.values(value)) collect(entry, depth + 1);
	};
	collect(fields, 0);
	const { texts, placeholders, counts } = redactAll(strings, options);
	let next = 1;
	const rebuild = (value: unknown, depth: number): unknown => {
		if (typeof value === 'string') return texts[next++];
		if (depth >= MAX_RESTORE_DEPTH || value === null || typeof value !== 'object') return value;
		if (Array.isArray(value)) return value.map((entry) => rebuild(entry, depth + 1));
		return Object.fromEntries(Object.entries(value).map(([key, entry]) => [key, rebuild(entry, depth + 1)]));
	};
	return { text: texts[0], fields: rebuild(fields, 0) as Record<string, unknown>, placeholders, counts };
}
