/**
 * Label dictionaries: one JSON file per language in `dictionaries/` (data, not code), compiled here
 * into patterns matched at the start of a segment. The longest match wins, so "Total HT" is a
 * subtotal and "Total TVA" a tax, not a total. `strength` is how surely the label names the field (a
 * bare "Date" or "Total" less than "Invoice date" or "Gesamtbetrag").
 *
 * A phrase is either plain text (case-insensitive; a space matches any white space, a "." may be
 * missing) or, after `re:`, a regular expression in which `{no}` stands for the words for "number".
 */
import de from './dictionaries/de.json';
import en from './dictionaries/en.json';
import es from './dictionaries/es.json';
import fr from './dictionaries/fr.json';
import it from './dictionaries/it.json';
import nl from './dictionaries/nl.json';
import pl from './dictionaries/pl.json';
import pt from './dictionaries/pt.json';

export type LabelField =
	| 'invoiceId'
	| 'invoiceDate'
	| 'dueDate'
	| 'servicePeriod'
	| 'purchaseOrder'
	| 'customerId'
	| 'paymentTerms'
	| 'subtotal'
	| 'totalTax'
	| 'invoiceTotal'
	| 'amountDue'
	| 'totalDiscount'
	| 'amountPaid'
	| 'previousUnpaidBalance'
	| 'vendor'
	| 'customer'
	| 'shipTo'
	| 'taxId'
	| 'iban'
	| 'bic'
	| 'accountNumber'
	| 'paymentReference'
	| 'name'
	/** A rounding adjustment: named so that no shorter label ("Rounding") takes it for the payable amount. */
	| 'adjustment';

export type DocumentType = 'credit_note' | 'receipt' | 'quote' | 'invoice';

/** The shape of one language's dictionary file. */
export interface Dictionary {
	language: string;
	labels: Partial<Record<LabelField, Array<[string, number] | (string | number)[]>>>;
	/** Words that make a party block, a tax id or an account the customer's ("Ihre", "your", "client"). */
	customerCues: string[];
	/** Words that make them the issuer's ("unsere", "our", "seller"). */
	vendorCues: string[];
	documentTypes: Partial<Record<DocumentType, string[]>>;
	/** Twelve lists of month names and abbreviations, January first. */
	months: string[][];
	/** Words after a label that make it another document's ("date de facture associée", "related invoice"). */
	referenceCues: string[];
	/** A letter's salutation ("Dear", "Geachte heer"): never a party's name. */
	greetings: string[];
	/** Titles of a tax breakdown table ("GST Summary", "Récapitulatif TVA"): its "Total" row is no grand total. */
	taxSummaryTitles: string[];
}

export const DICTIONARIES: Dictionary[] = [en, de, fr, nl, es, it, pl, pt] as Dictionary[];

export interface Label {
	field: LabelField;
	pattern: RegExp;
	strength: number;
	language: string;
}

const NO = String.raw`(?:no\.?|nr\.?|n[°º]\.?|number|num\.?|nummer|numéro|numero|número|nº|#|id)`;

/** A phrase of a dictionary as a regular expression source. */
export function phraseSource(phrase: string): string {
	if (phrase.startsWith('re:')) return phrase.slice(3).replace(/\{no\}/g, NO);
	return phrase
		.trim()
		.split(/\s+/)
		.map((word) => word.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/\\\./g, '\\.?'))
		.join('\\s+');
}

export const LABELS: Label[] = DICTIONARIES.flatMap((dictionary) =>
	Object.entries(dictionary.labels).flatMap(([field, phrases]) =>
		(phrases ?? []).map(([phrase, strength]) => ({
			field: field as LabelField,
			language: dictionary.language,
			// Label, then optional punctuation; a letter right after would mean a longer word ("Totally").
			pattern: new RegExp(`^\\s*(?:${phraseSource(String(phrase))})(?![\\p{L}])\\s*(?:\\(\\s*[^)]{0,12}\\)\\s*)?[:#.\\-–]?\\s*`, 'iu'),
			strength: Number(strength),
		})),
	),
);

export interface LabelMatch {
	field: LabelField;
	strength: number;
	/** Characters of the segment the label covers (its value may follow in the same segment). */
	length: number;
	/** Text inside parentheses after the label, e.g. "(19%)". */
	note: string | null;
	/** The label as printed. */
	text: string;
}

const matchCache = new Map<string, LabelMatch[]>();

/** Every field a segment's text may label, longest label first (one match per field). */
export function matchLabels(text: string): LabelMatch[] {
	const cached = matchCache.get(text);
	if (cached) return cached;
	const byField = new Map<LabelField, LabelMatch>();
	for (const label of LABELS) {
		const m = label.pattern.exec(text);
		if (!m) continue;
		const note = /\(([^)]*)\)/.exec(m[0])?.[1] ?? null;
		const match = { field: label.field, strength: label.strength, length: m[0].length, note, text: m[0].trim() };
		const known = byField.get(label.field);
		if (!known || core(match) > core(known) || (core(match) === core(known) && match.strength > known.strength)) byField.set(label.field, match);
	}
	const matches = [...byField.values()].sort((a, b) => core(b) - core(a) || b.strength - a.strength);
	if (matchCache.size > 20_000) matchCache.clear();
	matchCache.set(text, matches);
	return matches;
}

const core = (m: LabelMatch): number => m.length - (m.note !== null ? m.note.length + 2 : 0);

const wordsPattern = (phrases: string[]): RegExp => new RegExp(`(?<![\\p{L}])(?:${phrases.map(phraseSource).join('|')})(?![\\p{L}])`, 'iu');

/** Title words per document type, in the order they are tried: a credit note's title holds "invoice" too. */
export const DOCUMENT_TYPE_WORDS: Array<[RegExp, DocumentType]> = (['credit_note', 'quote', 'invoice', 'receipt'] as const).map((type) => [
	wordsPattern(DICTIONARIES.flatMap((d) => d.documentTypes[type] ?? [])),
	type,
]);

/** "Ihre", "your", "client"…: marks a tax id, an account or a block as the customer's. */
export const CUSTOMER_CUE = wordsPattern(DICTIONARIES.flatMap((d) => d.customerCues));
/** "Unsere", "our", "seller"…: marks them as the issuer's. */
export const VENDOR_CUE = wordsPattern(DICTIONARIES.flatMap((d) => d.vendorCues));

/** The salutation of a letter: a line that starts with it names no party. */
export const GREETING = new RegExp(`^\\s*(?:${DICTIONARIES.flatMap((d) => d.greetings).map(phraseSource).join('|')})(?![\\p{L}])`, 'iu');

/** The title of a tax breakdown table. */
export const TAX_SUMMARY_TITLE = new RegExp(`^\\s*(?:${DICTIONARIES.flatMap((d) => d.taxSummaryTitles).map(phraseSource).join('|')})(?![\\p{L}])`, 'iu');

/** A label followed by one of these names another document's value, not this one's. */
export const REFERENCE_CUE = new RegExp(`^\\s*(?:${DICTIONARIES.flatMap((d) => d.referenceCues).map(phraseSource).join('|')})(?![\\p{L}])`, 'iu');

/** Month name or abbreviation → month number (1–12), from every dictionary. */
export const MONTH_NUMBERS: ReadonlyMap<string, number> = new Map(
	DICTIONARIES.flatMap((d) => d.months.flatMap((names, index) => names.map((name) => [name.toLowerCase(), index + 1] as const))),
);
