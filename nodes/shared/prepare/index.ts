/**
 * Input preparation before an engine sees a text: clean it (message or document mode), detect its
 * language, and redact personal data. One call for the nodes; the parts are exported for tests and
 * for the engines that need only one of them.
 *
 * Nothing here knows n8n. The nodes wire it (options gated by node version), put `input` on the
 * item, keep `placeholders` in memory to `restore` the model's answer, and map PrepareInputError
 * to NodeOperationError.
 */
import { cleanText, type CleanMode, type CleanResult } from './clean';
import { requireString } from './errors';
import { detectLanguage } from './language';
import type { InputRecord } from '../contract';
import { redact, type RedactOptions, type RedactionCounts } from './redact';

export { cleanText, type CleanMode, type CleanOptions, type CleanResult } from './clean';
export { PrepareInputError, type PrepareErrorCode } from './errors';
export { detectLanguage } from './language';
export { REDACTION_KINDS, redact, redactAll, redactRequest, restore, type CustomPattern, type RedactOptions, type Redaction, type RedactionCounts, type RedactionKind } from './redact';

export interface PrepareOptions {
	/** 'message' for e-mails and tickets, 'document' for a document's text layer, false to keep the text as it is. */
	clean: CleanMode | false;
	/** Whether the input is HTML (detected when absent; only used when cleaning). */
	html?: boolean;
	/** Redact before the model (OpenAI-compatible and cascade engines); absent or false for the local engine. */
	redaction?: RedactOptions | false;
}

/** What goes on the item (the contract's ai.input): sizes, language and what was done, never a value. */
export type { InputRecord } from '../contract';
export interface PreparedInput {
	text: string;
	input: InputRecord;
	/** Placeholder → original value, to restore the model's answer; empty without redaction. Never on the item. */
	placeholders: Map<string, string>;
}

/** What an engine was given, for `describeInput`. */
export interface InputSeen {
	/** The text the engine worked on, before any placeholders: its language is detected. */
	seen: string;
	/** What left n8n (with placeholders); `seen` when nothing was redacted. */
	sent?: string;
	/** What Clean Input did to `raw`; `shown` goes on the item (for the review page) when cleaning changed `raw`. */
	cleaning?: { result: CleanResult; raw: string; shown?: string };
	redacted?: InputRecord['redacted'];
}

/** The contract's ai.input for what an engine was given: sizes, language, what was done, never a value. */
export function describeInput({ seen, sent = seen, cleaning, redacted }: InputSeen): InputRecord {
	const input: InputRecord = { characters: sent.length, language: detectLanguage(seen) };
	if (cleaning) {
		if (cleaning.shown !== undefined && cleaning.result.text !== cleaning.raw.trim()) input.text = cleaning.shown;
		input.cleaned = { ...cleaning.result.cleaned, removedCharacters: cleaning.result.removedCharacters };
	}
	if (redacted) input.redacted = redacted;
	return input;
}

export function prepareInput(raw: unknown, options: PrepareOptions): PreparedInput {
	let text: string;
	let cleaning: InputSeen['cleaning'];
	if (options.clean) {
		const result = cleanText(raw, { mode: options.clean, html: options.html });
		text = result.text;
		cleaning = { result, raw: raw as string };
	} else {
		text = requireString(raw, 'text');
	}
	let sent = text;
	let placeholders = new Map<string, string>();
	let redacted: RedactionCounts | undefined;
	if (options.redaction) {
		const result = redact(text, options.redaction);
		sent = result.text;
		placeholders = result.placeholders;
		redacted = result.counts;
	}
	// The language of the text itself, before placeholders replace parts of it.
	return { text: sent, input: describeInput({ seen: text, sent, cleaning, redacted }), placeholders };
}
