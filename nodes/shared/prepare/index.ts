/**
 * Input preparation before an engine sees a text: clean it (message or document mode), detect its
 * language, and redact personal data. One call for the nodes; the parts are exported for tests and
 * for the engines that need only one of them.
 *
 * Nothing here knows n8n. The nodes wire it (options gated by node version), put `input` on the
 * item, keep `placeholders` in memory to `restore` the model's answer, and map PrepareInputError
 * to NodeOperationError.
 */
import { cleanText, type CleanMode } from './clean';
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

export function prepareInput(raw: unknown, options: PrepareOptions): PreparedInput {
	let text: string;
	let cleaned: InputRecord['cleaned'];
	if (options.clean) {
		const result = cleanText(raw, { mode: options.clean, html: options.html });
		text = result.text;
		cleaned = { ...result.cleaned, removedCharacters: result.removedCharacters };
	} else {
		text = requireString(raw, 'text');
	}
	// The language of the text itself, before placeholders replace parts of it.
	const language = detectLanguage(text);
	let placeholders = new Map<string, string>();
	let redacted: RedactionCounts | undefined;
	if (options.redaction) {
		const result = redact(text, options.redaction);
		text = result.text;
		placeholders = result.placeholders;
		redacted = result.counts;
	}
	const input: InputRecord = { characters: text.length, language };
	if (cleaned) input.cleaned = cleaned;
	if (redacted) input.redacted = redacted;
	return { text, input, placeholders };
}
