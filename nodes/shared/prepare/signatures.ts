/**
 * Signatures and legal disclaimers at the end of the sender's own text (quotes.ts has already cut
 * the history off). Conservative by construction: only the tail of the message is looked at, and a
 * block is dropped only if it looks like a signature all the way down — short lines, no question,
 * no "P.S." — so a request that happens to follow a "Thanks," stays.
 */
import { SIGNATURE_MARK } from './html';
import { disclaimerAt, isMobileFooter, isSignOff } from './markers';

/** A signature block after a sign-off has at most this many lines … */
const MAX_SIGNATURE_LINES = 8;
/** … after a "-- " delimiter or a client's signature container, at most this many. */
const MAX_DELIMITED_LINES = 20;
/** A disclaimer starts within the last this-many lines (long bilingual ones included). */
const DISCLAIMER_WINDOW = 30;
/** A sign-off is looked for among the last this-many non-blank lines. */
const SIGN_OFF_WINDOW = 10;

const isBlank = (line: string): boolean => line.trim() === '';

/** A line that a signature never has: a question, a P.S. (P.D. in Spanish, N.B.), or a sentence of ten words or more. */
function looksLikeContent(line: string): boolean {
	const trimmed = line.trim();
	return /\?\s*$/.test(trimmed) || /^(?:p\.?\s?s|p\.?\s?d|n\.?\s?b)\b/i.test(trimmed) || trimmed.length > 80 || trimmed.split(/\s+/).length >= 10;
}

function trimEnd(lines: string[]): string[] {
	let end = lines.length;
	while (end > 0 && isBlank(lines[end - 1])) end--;
	return lines.slice(0, end);
}

/** Whether there is any of the sender's text above line `index`. */
const textAbove = (lines: string[], index: number): boolean => lines.slice(0, index).some((line) => !isBlank(line));

/** A short line without sentence punctuation (a name, a title, a phone number). */
const isSignatureLine = (line: string): boolean => line.length <= 60 && !looksLikeContent(line);

/** A trailing disclaimer: from a paragraph start in the tail whose opening reads like one, to the end. */
function disclaimerStart(lines: string[]): number | null {
	for (let i = Math.max(0, lines.length - DISCLAIMER_WINDOW); i < lines.length; i++) {
		// At a paragraph start, or right under a signature line (disclaimers are often glued to one).
		const atStart = i === 0 || isBlank(lines[i - 1]) || isSignatureLine(lines[i - 1]);
		if (isBlank(lines[i]) || !atStart) continue;
		// Up to three lines, for plain-text clients that wrap the phrase; it must start on this line.
		const at = disclaimerAt(lines.slice(i, i + 3).join(' '));
		if (at < 0 || at >= lines[i].length) continue;
		if (lines.slice(i).some((line) => /\?\s*$/.test(line)) || !textAbove(lines, i)) return null;
		return i;
	}
	return null;
}

/**
 * A "-- " delimiter (trimmed to "--" by whitespace normalisation) or a client's signature container,
 * within the last MAX_DELIMITED_LINES non-blank lines; the highest one wins. Scanned from the end,
 * so a text of a million "--" lines costs one pass, not a million.
 */
function delimiterStart(lines: string[]): number | null {
	let found: number | null = null;
	let below = 0;
	for (let i = lines.length - 1; i >= 1 && below <= MAX_DELIMITED_LINES; i--) {
		const line = lines[i].trim();
		if (line === '--' || line === SIGNATURE_MARK) found = i;
		else if (line !== '') below++;
	}
	return found !== null && textAbove(lines, found) ? found : null;
}

/** A sign-off among the last lines, followed only by a short name/contact block. */
function signOffStart(lines: string[]): number | null {
	const candidates: number[] = [];
	for (let i = lines.length - 1; i >= 0 && candidates.length < SIGN_OFF_WINDOW; i--) if (!isBlank(lines[i])) candidates.unshift(i);
	for (const i of candidates) {
		if (!isSignOff(lines[i].trim()) || !textAbove(lines, i)) continue;
		const block = lines.slice(i + 1).filter((line) => !isBlank(line));
		if (block.length <= MAX_SIGNATURE_LINES && block.every(isSignatureLine)) return i;
	}
	return null;
}

export interface SignatureCut {
	lines: string[];
	signature: boolean;
	disclaimer: boolean;
}

/** Removes mobile footers anywhere, then trailing disclaimers and signature blocks, until none is left. */
export function removeSignatures(input: string[]): SignatureCut {
	let lines = input.filter((line) => !isMobileFooter(line.trim()));
	let signature = lines.length !== input.length;
	let disclaimer = false;
	for (let round = 0; round < 4; round++) {
		lines = trimEnd(lines);
		const d = disclaimerStart(lines);
		if (d !== null) {
			lines = lines.slice(0, d);
			disclaimer = true;
			continue;
		}
		const s = delimiterStart(lines) ?? signOffStart(lines);
		if (s !== null) {
			lines = lines.slice(0, s);
			signature = true;
			continue;
		}
		break;
	}
	return { lines: trimEnd(lines.filter((line) => line !== SIGNATURE_MARK)), signature, disclaimer };
}
