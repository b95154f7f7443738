/**
 * The language data of languages/*.json compiled once into line tests. Adding a language is adding
 * a JSON file (and its import below); no code changes. Every test is for one line (or a window of up
 * to three lines for wrapped attributions) and is skipped for long lines, which no client's marker
 * is: work stays linear in the message, and no pattern sees more than MAX_MARKER_LINE characters.
 */
import de from './languages/de.json';
import en from './languages/en.json';
import es from './languages/es.json';
import fr from './languages/fr.json';
import it from './languages/it.json';
import nl from './languages/nl.json';
import pt from './languages/pt.json';

export type HeaderField = 'from' | 'sent' | 'to' | 'cc' | 'subject';

interface LanguageData {
	language: string;
	/** Reply attributions ("On … wrote:"), each a regex for the whole (joined) line. */
	attribution: string[];
	/** Separator phrases ("Original Message", "Forwarded message"), matched with any dashes around. */
	separators: string[];
	/** Header field names of quoted/forwarded header blocks ("From:", "Von:", "De :"). */
	headerFields: Record<HeaderField, string[]>;
	/** Sign-off phrases ("Best regards"), matched as a whole line or followed by a name. */
	signOffs: string[];
	/** "Sent from my iPhone" and the like, each a regex for the whole line. */
	mobileFooters: string[];
	/** Phrases that start or mark a legal disclaimer paragraph (regexes, lower-case text). */
	disclaimers: string[];
}

export const LANGUAGES: readonly LanguageData[] = [en, de, fr, nl, es, it, pt];

/** Marker lines are short; longer lines are customer text and skip every marker test. */
export const MAX_MARKER_LINE = 400;

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/** Longest first, so "Thanks in advance" wins over "Thanks". */
const alternation = (words: string[]): string =>
	[...new Set(words)]
		.sort((a, b) => b.length - a.length)
		.map(escape)
		.join('|');
const all = <K extends keyof LanguageData>(key: K): LanguageData[K][] => LANGUAGES.map((l) => l[key]);

const attributions = all('attribution')
	.flat()
	.map((source) => new RegExp(source, 'iu'));
const separator = new RegExp(`^[-_=*~\\s]*(?:${alternation(all('separators').flat())})[-_=*~\\s:]*$`, 'iu');
const fields = (Object.keys(en.headerFields) as HeaderField[]).map((field) => ({
	field,
	// "From: x", "*From:* x", "**Von:** x", "De : x" (French puts a space before the colon).
	test: new RegExp(`^[*_]{0,2}(?:${alternation(LANGUAGES.flatMap((l) => l.headerFields[field]))})[*_]{0,2} ?:[*_]{0,2}(?:\\s|$)`, 'iu'),
}));
const signOffPhrase = alternation(all('signOffs').flat());
const signOffLine = new RegExp(`^(?:${signOffPhrase})[\\s,.!:;-]*$`, 'iu');
const signOffWithName = new RegExp(`^(?:${signOffPhrase})[,.!]?\\s+(.{1,60})$`, 'iu');
/** One to three capitalised words: a name after a sign-off on the same line ("Cheers, Anna"). */
const NAME = /^\p{Lu}[\p{L}.'-]*(?:\s+\p{Lu}[\p{L}.'-]*){0,2}$/u;
/** One alternation: this test runs on every short line of a message. */
const mobileFooter = new RegExp(
	all('mobileFooters')
		.flat()
		.map((source) => `(?:${source})`)
		.join('|'),
	'iu',
);
const disclaimers = all('disclaimers')
	.flat()
	.map((source) => new RegExp(source, 'iu'));

const short = (line: string): boolean => line.length <= MAX_MARKER_LINE;

/** "On Fri, 4 Dec 2026 at 10:00, Anna <a@b.c> wrote:" in any of the languages (one joined line). */
export function isAttribution(line: string): boolean {
	// Clients always put a date, a time or an address in it; "On Monday your colleague wrote:" is a sentence.
	return short(line) && line.endsWith(':') && /[\d@]/.test(line) && attributions.some((re) => re.test(line));
}

/** "-----Original Message-----", "---------- Forwarded message ---------", "Begin forwarded message:". */
export function isSeparator(line: string): boolean {
	return short(line) && separator.test(line);
}

/** Which header field a line starts ("From:", "Gesendet:", "Objet :"), if any. */
export function headerField(line: string): HeaderField | null {
	if (!short(line)) return null;
	for (const { field, test } of fields) if (test.test(line)) return field;
	return null;
}

/** A line of underscores, dashes or equals signs that clients put above quoted headers. */
export function isRule(line: string): boolean {
	return /^[-_=*~]{3,}$/.test(line);
}

/** A sign-off on its own line ("Best regards,") or followed by a name ("Cheers, Anna"). */
export function isSignOff(raw: string): boolean {
	if (!short(raw)) return false;
	const line = raw.replace(/[\u2018\u2019]/g, "'"); // "Merci d’avance" as typed on a phone
	if (signOffLine.test(line)) return true;
	const withName = signOffWithName.exec(line);
	return withName !== null && NAME.test(withName[1].trim());
}

export function isMobileFooter(line: string): boolean {
	return line.length <= 80 && mobileFooter.test(line);
}

/**
 * Where a legal disclaimer phrase starts in a paragraph's opening (-1 if none): the caller checks it
 * starts on the paragraph's first line, so a name line above a glued-on disclaimer is not taken in.
 */
export function disclaimerAt(paragraph: string): number {
	const start = paragraph.slice(0, MAX_MARKER_LINE);
	let first = -1;
	for (const re of disclaimers) {
		const match = re.exec(start);
		if (match && (first < 0 || match.index < first)) first = match.index;
	}
	return first;
}
