/**
 * Unicode and whitespace normalisation: the same text always reaches the model in the same form,
 * whatever client or encoding mishap produced it.
 *
 * Order matters: mojibake is repaired first (NFKC would rewrite some of its characters, e.g. "™"
 * to "TM", and make it unrepairable), then NFKC folds compatibility forms (full-width letters,
 * ligatures, non-breaking spaces), then invisible characters go, then whitespace.
 */

/**
 * Zero-width characters, the soft hyphen, bidi controls (LRM/RLM, embeddings, overrides, isolates,
 * the Arabic letter mark), the BOM and the Mongolian vowel separator: invisible, but they split
 * words for the tokenizer and can smuggle text past a human reader.
 */
const INVISIBLE = /[\u00AD\u061C\u180E\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u206F\uFEFF]/g;
/** C0/C1 control characters other than tab and line feed (carriage returns are handled before). */
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/g;

/** Windows-1252's characters for bytes 0x80–0x9F (the ones that differ from Latin-1). */
const CP1252: Record<string, number> = {
	'€': 0x80, '‚': 0x82, 'ƒ': 0x83, '„': 0x84, '…': 0x85, '†': 0x86, '‡': 0x87, 'ˆ': 0x88, '‰': 0x89,
	'Š': 0x8a, '‹': 0x8b, 'Œ': 0x8c, 'Ž': 0x8e, '‘': 0x91, '’': 0x92, '“': 0x93, '”': 0x94, '•': 0x95,
	'–': 0x96, '—': 0x97, '˜': 0x98, '™': 0x99, 'š': 0x9a, '›': 0x9b, 'œ': 0x9c, 'ž': 0x9e, 'Ÿ': 0x9f,
};
/** A UTF-8 continuation byte read as Latin-1 or Windows-1252. */
const CONT = '[\u0080-\u00BF€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ]';
/**
 * One UTF-8 sequence decoded as Windows-1252 ("Ã¼" for "ü", "â‚¬" for "€"): a lead byte and exactly
 * as many continuation bytes as it announces. Fixed-length alternatives, so no backtracking.
 */
const MOJIBAKE = new RegExp(`[\u00C2-\u00DF]${CONT}|[\u00E0-\u00EF]${CONT}{2}|[\u00F0-\u00F4]${CONT}{3}`, 'g');
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Repairs UTF-8 text that was decoded as Latin-1/Windows-1252 somewhere upstream, one sequence at a
 * time, so a message that mixes correct and broken parts comes out whole. A sequence is replaced
 * only if its bytes are valid UTF-8; real Latin-1 text practically never forms such pairs.
 */
export function repairMojibake(text: string): string {
	if (!/[\u00C2-\u00F4]/.test(text)) return text;
	return text.replace(MOJIBAKE, (sequence) => {
		const bytes = Uint8Array.from(sequence, (ch) => CP1252[ch] ?? ch.charCodeAt(0));
		try {
			return strictUtf8.decode(bytes);
		} catch {
			return sequence;
		}
	});
}

/** Unicode only: mojibake, NFKC, invisible and control characters. Line structure is untouched. */
export function normalizeUnicode(text: string): string {
	return repairMojibake(text).normalize('NFKC').replace(INVISIBLE, '').replace(CONTROL, '');
}

/**
 * Whitespace: one kind of line break, spaces and tabs collapsed, lines trimmed, at most one empty
 * line in a row (paragraph breaks are kept: the quote and signature rules work on them, and so does
 * a reader of the cleaned text).
 */
export function normalizeWhitespace(text: string): string {
	return text
		.replace(/\r\n?|[\u2028\u2029\u0085]/g, '\n')
		.replace(/[^\S\n]+/g, ' ')
		.replace(/ ?\n ?/g, '\n')
		.replace(/\n{3,}/g, '\n\n')
		.trim();
}

/** Both normalisations; `unicodeChanged` tells whether anything beyond whitespace was changed. */
export function normalizeText(text: string): { text: string; unicodeChanged: boolean } {
	// A non-breaking space is whitespace, not a Unicode repair (every HTML e-mail has &nbsp;).
	const unified = text.replace(/\r\n?|[\u2028\u2029\u0085]/g, '\n').replace(/\u00A0/g, ' ');
	const unicode = normalizeUnicode(unified);
	return { text: normalizeWhitespace(unicode), unicodeChanged: unicode !== unified };
}
