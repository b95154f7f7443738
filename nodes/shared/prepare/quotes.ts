/**
 * Quoted and forwarded history: finds where the history starts (a client's marker line, a
 * "From:/Sent:" header block, a separator, a reply attribution, or the first ">"-quoted line) and
 * keeps the sender's own text. Works on lines, top to bottom, and stops at the first start, so a
 * 5 MB thread costs one pass over its first message plus cheap tests on the rest.
 *
 * Three shapes are told apart:
 * - top-posting (the usual): text above the start is the message; everything below is history;
 * - inline or bottom-posted replies: after an attribution or a quoted line, unquoted lines that
 *   come after quoted ones are the sender's answers and are kept, the quoted lines dropped;
 * - nothing above the start (a bare forward, or a reply that only quotes): the forwarded message's
 *   content is the message, so its header is skipped and it is cleaned in turn, never emptied.
 */
import { ATTRIBUTION_MARK, HISTORY_MARK } from './html';
import { headerField, isAttribution, isRule, isSeparator, MAX_MARKER_LINE, type HeaderField } from './markers';

type StartKind = 'header' | 'attribution' | 'quote';
interface HistoryStart {
	/** First line of the marker (or of the quoted run). */
	index: number;
	/** First line after the marker (for an attribution: after its one to three lines). */
	after: number;
	kind: StartKind;
}

/** Forwards inside forwards are unwrapped at most this deep. */
const MAX_DEPTH = 3;
/** A header block spans at most this many lines (fields, wrapped values, blank lines between). */
const HEADER_SPAN = 12;

const isQuoted = (line: string): boolean => line.startsWith('>');
const isBlank = (line: string): boolean => line.trim() === '';

/**
 * A reply attribution ending on line `end`, wrapped over up to three lines by plain-text clients;
 * returns its first line. A wrapped first part must not end a sentence, so a customer's
 * "On Monday it broke." above "Here is what your colleague wrote:" is not taken for one.
 */
function attributionEndingAt(lines: string[], end: number): number | null {
	if (!lines[end].endsWith(':')) return null;
	for (let start = end; start >= Math.max(0, end - 2); start--) {
		if (start < end && (isBlank(lines[start]) || /[.!?]$/.test(lines[start]))) return null;
		if (isAttribution(lines.slice(start, end + 1).join(' '))) return start;
	}
	return null;
}

/**
 * The line right above a quote (a blank line between allowed) that reads like an attribution in a
 * language we have no data for ("W dniu 3.12.2026 o 09:02, Bob <bob@x.pl> napisał:"): it ends with a
 * colon and carries an address and a number. Only ever looked at above a ">" line.
 */
function unknownAttributionAbove(lines: string[], quoted: number): number | null {
	let j = quoted - 1;
	if (j >= 0 && isBlank(lines[j])) j--;
	if (j < 0) return null;
	const line = lines[j];
	return line.length <= MAX_MARKER_LINE && line.endsWith(':') && /\S@\S/.test(line) && /\d/.test(line) ? j : null;
}

/**
 * A quoted mail's header block starting at `index`: "From:" and at least two other distinct fields
 * (Sent/Date, To, Cc, Subject) within a few lines. One "From:" in a customer's sentence is not one.
 */
function isHeaderBlock(lines: string[], index: number): boolean {
	const seen = new Set<HeaderField>();
	for (let i = index; i < Math.min(lines.length, index + HEADER_SPAN); i++) {
		if (isBlank(lines[i])) continue;
		const field = headerField(lines[i]);
		if (field === null) break;
		seen.add(field);
	}
	return seen.has('from') && seen.size >= 3;
}

function startAt(lines: string[], i: number): HistoryStart | null {
	const line = lines[i];
	if (line === HISTORY_MARK || isSeparator(line)) return { index: i, after: i + 1, kind: 'header' };
	if (line === ATTRIBUTION_MARK) return { index: i, after: i + 1, kind: 'attribution' };
	if (isQuoted(line)) {
		const attribution = unknownAttributionAbove(lines, i);
		return attribution === null ? { index: i, after: i, kind: 'quote' } : { index: attribution, after: i, kind: 'attribution' };
	}
	if (headerField(line) !== null && isHeaderBlock(lines, i)) return { index: i, after: i, kind: 'header' };
	const attribution = attributionEndingAt(lines, i);
	if (attribution !== null) return { index: attribution, after: i + 1, kind: 'attribution' };
	return null;
}

function firstStart(lines: string[], from = 0): HistoryStart | null {
	for (let i = from; i < lines.length; i++) {
		const start = startAt(lines, i);
		if (start) return start;
	}
	return null;
}

/** Drops trailing blank lines and rules ("____", "-----") that clients put above a quoted header. */
function trimEnd(lines: string[]): string[] {
	let end = lines.length;
	while (end > 0 && (isBlank(lines[end - 1]) || isRule(lines[end - 1]))) end--;
	return lines.slice(0, end);
}

/**
 * The sender's answers between and after quoted lines (inline or bottom-posted replies), or null if
 * the history is plainly top-posted: the first thing after an attribution is not a quoted line, or
 * no unquoted text follows a quoted one. Stops at the next history start below the quote.
 */
function interleavedAnswers(lines: string[], start: HistoryStart): string[] | null {
	const answers: string[] = [];
	let seenQuoted = false;
	for (let i = start.after; i < lines.length; i++) {
		const line = lines[i];
		if (isQuoted(line)) {
			seenQuoted = true;
			if (answers.length > 0 && answers[answers.length - 1] !== '') answers.push('');
			continue;
		}
		if (isBlank(line)) {
			if (answers.length > 0 && answers[answers.length - 1] !== '') answers.push('');
			continue;
		}
		if (!seenQuoted) return null;
		if (startAt(lines, i)) break;
		answers.push(line);
	}
	const kept = trimEnd(answers);
	return kept.length > 0 ? kept : null;
}

/** The forwarded (or only quoted) message below a start: header skipped, one level of ">" removed. */
function forwardedBody(lines: string[], start: HistoryStart): string[] {
	let i = start.after;
	const headerEnd = Math.min(lines.length, i + HEADER_SPAN);
	while (
		i < headerEnd &&
		(isBlank(lines[i]) || isRule(lines[i]) || isSeparator(lines[i]) || lines[i] === HISTORY_MARK || lines[i] === ATTRIBUTION_MARK || headerField(lines[i]) !== null)
	)
		i++;
	const body = lines.slice(i);
	return start.kind === 'quote' || body.every((line) => isBlank(line) || isQuoted(line)) ? body.map((line) => line.replace(/^> ?/, '')) : body;
}

export interface QuoteCut {
	lines: string[];
	/** Whether any quoted or forwarded history was dropped. */
	removed: boolean;
}

/** Removes quoted reply and forward history from a message's lines (already normalised). */
export function cutQuotedHistory(lines: string[], depth = 0): QuoteCut {
	const start = firstStart(lines);
	if (!start) return { lines, removed: false };
	const above = trimEnd(lines.slice(0, start.index));
	const answers = start.kind === 'header' ? null : interleavedAnswers(lines, start);
	if (above.some((line) => !isBlank(line))) {
		return { lines: answers ? [...above, '', ...answers] : above, removed: true };
	}
	if (answers) return { lines: answers, removed: true };
	// Nothing above: a bare forward. Its content is the message; older history inside it still goes.
	const body = forwardedBody(lines, start);
	if (!body.some((line) => !isBlank(line))) return { lines, removed: false };
	if (depth >= MAX_DEPTH) return { lines: body, removed: true };
	return { lines: cutQuotedHistory(body, depth + 1).lines, removed: true };
}
