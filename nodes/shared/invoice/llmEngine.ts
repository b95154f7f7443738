/**
 * The `openai` engine of Extract Invoice: one Chat Completions request per document with the invoice
 * record as a strict json_schema and token logprobs; the document's text page by page, plus page
 * images for vision models. Field confidence is the joint probability of each value's tokens, then
 * moved by the same checks the local engine runs (a failed check halves the fields it involves).
 */
import type { ChatCompletion, ChatCompletionContentPart, ChatCompletionCreateParamsNonStreaming } from 'openai/resources/chat/completions';

import type { AiResult, Check } from '../contract';
import type { PageImage } from '../documents/pageImages';
import type { ReadDocument } from '../documents/types';
import { LlmRequestError, type ChatRunner, type CompletionResult } from '../llm/runner';
import { restore } from '../prepare/redact';
import { fieldConfidence, runChecks, skippedChecks } from './checks';
import { recordConfidence, reportedFields, requiredPaths, type EngineOptions, type LocalResult } from './engine';
import { buildLines } from './layout';
import { askedGroups, fromLlmInvoice, invoiceResponseFormat, llmInvoiceSchema, type LlmInvoice } from './llmSchema';
import { fieldConfidenceFromLogprobs, type TokenLogprob } from './logprobConfidence';
import { getPath, inGroups, setPath, type CustomField, type Evidence, type Invoice, type RecordGroup } from './schema';

/** The model's answer is not a usable invoice record (not JSON, wrong shape, refused, cut off). */
export class InvoiceAnswerError extends Error {
	constructor(message: string) {
		super(message);
		this.name = 'InvoiceAnswerError';
	}
}

export interface LlmExtraction {
	invoice: Invoice;
	fieldConfidence: Record<string, number>;
	evidence: Record<string, Evidence>;
	checks: Check[];
	confidence: number;
	confidenceSource: AiResult['confidenceSource'];
}

// Short on purpose: it goes with every document. The schema names the fields; this says how to fill them.
const SYSTEM_PROMPT = [
	'Extract the invoice, credit note or receipt below into the schema.',
	'Copy values as printed; null when the document does not show one, never guess or compute.',
	'Amounts: plain numbers, no symbols or thousands separators. Currency: ISO 4217 code. Dates: yyyy-mm-dd. Tax rates: percent (19 for 19%).',
	'One line item per row of the item table.',
].join('\n');
const IMAGES_NOTE = 'The images show the same pages as the text.';

/** The document as text, line by line in reading order, with a marker before each page. */
export function documentText(document: ReadDocument): string {
	const lines = buildLines(document.pages);
	const parts: string[] = [];
	for (const page of document.pages) {
		parts.push(`--- Page ${page.number} ---`);
		for (const line of lines) if (line.page === page.number) parts.push(line.text);
	}
	return parts.join('\n');
}

export interface InvoiceRequestSpec {
	model: string;
	customFields: CustomField[];
	images: PageImage[];
	/** The groups of the record to ask for (all when absent). */
	groups?: RecordGroup[];
	/** The text to send instead of the document's own (Redact Before the Model: with placeholders). */
	text?: string;
}

/** The document's text as prepared for the model: placeholders in it, and the values to put back. */
export interface PreparedDocumentText {
	text: string;
	placeholders: ReadonlyMap<string, string>;
}

export function buildInvoiceRequest(document: ReadDocument, spec: InvoiceRequestSpec): ChatCompletionCreateParamsNonStreaming {
	const text = spec.text ?? documentText(document);
	const content: string | ChatCompletionContentPart[] =
		spec.images.length === 0
			? text
			: [{ type: 'text', text }, ...spec.images.map((image): ChatCompletionContentPart => ({ type: 'image_url', image_url: { url: image.dataUrl, detail: 'high' } }))];
	return {
		model: spec.model,
		messages: [
			{ role: 'system', content: spec.images.length === 0 ? SYSTEM_PROMPT : `${SYSTEM_PROMPT}\n${IMAGES_NOTE}` },
			{ role: 'user', content },
		],
		response_format: invoiceResponseFormat(spec.customFields, spec.groups),
		logprobs: true,
	};
}

const preview = (text: string) => JSON.stringify(text.length > 200 ? `${text.slice(0, 200)}…` : text);

/**
 * Parses the answer against the schema. Values of the right shape but the wrong form (a date not in
 * yyyy-mm-dd, a currency that is not three capitals) are dropped to null and listed, rather than
 * failing the document; anything else is not an invoice record.
 */
export function parseInvoiceAnswer(content: string, customFields: CustomField[] = [], groups?: RecordGroup[]): { answer: LlmInvoice; dropped: string[] } {
	const schema = llmInvoiceSchema(customFields, groups);
	let data: unknown;
	try {
		data = JSON.parse(content);
	} catch {
		throw new InvoiceAnswerError(`The model's answer is not the JSON record that was asked for: ${preview(content)}`);
	}
	const dropped: string[] = [];
	for (let pass = 0; pass < 2; pass++) {
		const parsed = schema.safeParse(data);
		if (parsed.success) return { answer: parsed.data, dropped };
		if (pass === 1 || typeof data !== 'object' || data === null) break;
		const fixable = parsed.error.issues.filter((issue) => {
			const value = issue.path.length ? getPath(data, issue.path.join('.')) : undefined;
			return (issue.code === 'invalid_format' || issue.code === 'invalid_value') && issue.path.length > 0 && value !== null && typeof value !== 'object';
		});
		if (fixable.length !== parsed.error.issues.length) break;
		for (const issue of fixable) {
			const path = issue.path.join('.');
			// documentType is not nullable: an unknown kind of document is "other".
			setPath(data as Record<string, unknown>, path, path === 'documentType' ? 'other' : null);
			dropped.push(path);
		}
	}
	const problems = schema.safeParse(data).error?.issues.slice(0, 3).map((i) => `${i.path.join('.') || '(record)'}: ${i.message}`) ?? [];
	throw new InvoiceAnswerError(`The model's answer is not an invoice record (${problems.join('; ')}): ${preview(content)}`);
}

function tokensOf(completion: ChatCompletion): TokenLogprob[] | undefined {
	const content = completion.choices[0]?.logprobs?.content;
	return Array.isArray(content) && content.length > 0 ? content : undefined;
}

/** A quote for text values: the first line of the document that contains the value. */
function locateEvidence(invoice: Invoice, document: ReadDocument, fields: string[]): Record<string, Evidence> {
	const lines = buildLines(document.pages);
	const evidence: Record<string, Evidence> = {};
	for (const path of fields) {
		const value = getPath(invoice, path);
		// documentType is a category the model chose, not a value printed on the page.
		if (path === 'documentType' || typeof value !== 'string' || value.trim().length < 2) continue;
		const wanted = value.trim().toLowerCase();
		const line = lines.find((l) => l.text.toLowerCase().includes(wanted));
		if (line) evidence[path] = { quote: line.text.trim(), page: line.page };
	}
	return evidence;
}

/**
 * The model's answer as the package's record, field confidences and checks. Fields not asked of the
 * model come from `base` (the local engine's record, in the cascade) with its confidence and evidence.
 */
export function interpretInvoiceAnswer(
	completion: ChatCompletion,
	document: ReadDocument,
	options: EngineOptions,
	base?: LocalResult,
	placeholders?: ReadonlyMap<string, string>,
): LlmExtraction {
	const choice = completion.choices[0];
	const message = choice?.message;
	if (message?.refusal) throw new InvoiceAnswerError(`The model refused: ${preview(message.refusal)}`);
	const content = message?.content ?? '';
	if (choice?.finish_reason === 'length') {
		throw new InvoiceAnswerError('The model stopped before finishing the record (output token limit). Use a model with a larger output limit or fewer pages.');
	}
	const customFields = options.customFields ?? [];
	const groups = askedGroups(options.modelGroups);
	const { answer, dropped } = parseInvoiceAnswer(content, customFields, groups);
	// Redacted values are put back before the checks (an IBAN's checksum) and the evidence (quotes from the document) see them.
	const read = fromLlmInvoice(answer, customFields, { groups, base: base?.invoice });
	const invoice = placeholders && placeholders.size > 0 ? restore(read, placeholders) : read;
	const required = requiredPaths(options);
	const ran = runChecks(invoice, required);
	const checks = [...ran, ...skippedChecks(ran, groups)];
	if (dropped.length > 0) {
		checks.unshift({ name: 'modelValuesWellFormed', passed: false, detail: `dropped values not in the required form: ${dropped.join(', ')}`, fields: dropped });
	}

	const tokens = tokensOf(completion);
	// The answer has the record's paths (custom values by name under customFields).
	const logprob = tokens ? fieldConfidenceFromLogprobs(content, tokens) : {};
	const isAsked = (path: string) => path.startsWith('customFields.') || inGroups(path, groups);
	const fields = reportedFields(invoice, customFields).filter(isAsked);
	const confidences = fieldConfidence(invoice, logprob, checks, fields);
	const requiredSet = new Set(required);
	for (const path of fields) {
		const value = getPath(invoice, path);
		const absent = value === null || value === undefined;
		// A null the model was sure of is a finding for an optional field; a missing required field stays low.
		if (absent && !requiredSet.has(path) && !dropped.includes(path) && logprob[path] !== undefined) {
			confidences[path] = Math.round(Math.max(0.01, Math.min(0.99, logprob[path])) * 1000) / 1000;
		}
	}
	const evidence = locateEvidence(invoice, document, fields);
	if (base) {
		for (const [path, confidence] of Object.entries(base.fieldConfidence)) if (!isAsked(path)) confidences[path] = confidence;
		for (const [path, quote] of Object.entries(base.evidence)) if (!isAsked(path)) evidence[path] = quote;
	}
	const usedLogprobs = Object.keys(logprob).length > 0;
	return {
		invoice,
		fieldConfidence: confidences,
		evidence,
		checks: checks.map(({ fields: _fields, ...check }) => check),
		confidence: recordConfidence(confidences, required),
		confidenceSource: usedLogprobs ? 'logprobs' : 'checks',
	};
}

export interface LlmInvoiceResult {
	extraction: LlmExtraction;
	ai: AiResult;
}

export class LlmInvoiceExtractor {
	constructor(
		private readonly runner: ChatRunner,
		private readonly model: string,
	) {}

	/** Set once the endpoint has refused logprobs (OpenAI's reasoning models do), so later documents skip them. */
	private logprobsRefused = false;

	async extract(document: ReadDocument, images: PageImage[], options: EngineOptions, base?: LocalResult, prepared?: PreparedDocumentText): Promise<LlmInvoiceResult> {
		const started = Date.now();
		const request = buildInvoiceRequest(document, { model: this.model, customFields: options.customFields ?? [], images, groups: options.modelGroups, text: prepared?.text });
		let result: CompletionResult;
		let earlierAttempts = 0;
		try {
			result = await this.runner.complete(this.logprobsRefused ? { ...request, logprobs: false } : request);
		} catch (error) {
			if (this.logprobsRefused || !refusesLogprobs(error)) throw error;
			this.logprobsRefused = true;
			earlierAttempts = (error as LlmRequestError).attempts;
			result = await this.runner.complete({ ...request, logprobs: false });
		}
		const extraction = interpretInvoiceAnswer(result.completion, document, options, base, prepared?.placeholders);
		const ai: AiResult = {
			task: 'extract',
			confidence: extraction.confidence,
			confidenceSource: extraction.confidenceSource,
			fieldConfidence: extraction.fieldConfidence,
			checks: extraction.checks,
			engine: 'openai',
			model: result.completion.model || this.model,
			usage: result.usage,
			latencyMs: Date.now() - started,
			attempts: earlierAttempts + result.attempts,
			truncated: document.truncated || undefined,
			at: new Date().toISOString(),
		};
		return { extraction, ai };
	}
}

/** A 400 that names the logprobs parameter: the model cannot give them, the request is otherwise fine. */
function refusesLogprobs(error: unknown): boolean {
	return error instanceof LlmRequestError && error.status === 400 && /logprobs/i.test(error.providerMessage ?? error.message);
}
