/**
 * cleanText: what the model should see of an e-mail or a document's text.
 *
 * message mode   HTML to text → Unicode and whitespace → quoted history → signatures/disclaimers
 * document mode  HTML to text → Unicode and whitespace (an invoice's text layer has no quotes, and
 *                its last lines — bank details, legal footer — are data, not a signature)
 *
 * Never returns less than something: if cleaning would leave nothing (a message that is all
 * signature, say), the normalised original is returned and the flags say nothing was cut.
 */
import { requireString } from './errors';
import { htmlToText, looksLikeHtml, stripMarks } from './html';
import { normalizeText, normalizeWhitespace } from './normalize';
import { cutQuotedHistory } from './quotes';
import { removeSignatures } from './signatures';

export type CleanMode = 'message' | 'document';

export interface CleanOptions {
	mode: CleanMode;
	/** Whether the input is HTML; detected from the text when absent. */
	html?: boolean;
}

export interface CleanResult {
	text: string;
	/** What was done (never what was removed: these go on the item and into metrics). */
	cleaned: { html: boolean; quotedHistory: boolean; signature: boolean; disclaimer: boolean; unicode: boolean };
	/** Characters of the input not in the text: markup, history, signatures, invisible characters. */
	removedCharacters: number;
}

export function cleanText(raw: unknown, options: CleanOptions = { mode: 'message' }): CleanResult {
	const input = requireString(raw, 'text to clean');
	const html = options.html ?? looksLikeHtml(input);
	const message = options.mode !== 'document';
	const text = html ? htmlToText(input, message) : stripMarks(input);
	const normalised = normalizeText(text);
	const cleaned = { html, quotedHistory: false, signature: false, disclaimer: false, unicode: normalised.unicodeChanged };
	let result = normalised.text;
	if (message) {
		const quotes = cutQuotedHistory(normalised.text.split('\n'));
		const signatures = removeSignatures(quotes.lines);
		const kept = normalizeWhitespace(stripMarks(signatures.lines.join('\n')));
		if (kept !== '') {
			result = kept;
			Object.assign(cleaned, { quotedHistory: quotes.removed, signature: signatures.signature, disclaimer: signatures.disclaimer });
		} else {
			result = normalizeWhitespace(stripMarks(normalised.text));
		}
	}
	return { text: result, cleaned, removedCharacters: Math.max(0, input.length - result.length) };
}
