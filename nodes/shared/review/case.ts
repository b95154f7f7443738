/**
 * The review case: what `execute()` stores for `webhook()` to show. Built from the waiting items
 * alone, so the page can be served by any n8n process (queue mode) from the store.
 */
export const REVIEW_CASE_VERSION = 1;

export interface ReviewDocument {
	/** Binary property name on the item. */
	property: string;
	fileName?: string;
	mimeType: string;
	size: number;
	/** Kept only for types the page can show and within the size limit. */
	dataBase64?: string;
	omitted?: string;
}

export interface ReviewField {
	path: string;
	/** Shown and posted as text; parsed back to the original value's type. */
	value: string;
	kind: 'string' | 'number' | 'boolean' | 'null';
	confidence?: number;
}

export interface ReviewItemCase {
	index: number;
	task: 'classify' | 'extract' | 'none';
	context: Record<string, unknown>;
	label?: string;
	confidence?: number;
	scores?: Record<string, number>;
	reasoning?: string;
	/** The text after Clean Input (ai.input.text, AI Classify / Extract Invoice 1.1), shown under the original. */
	cleanedText?: string;
	checks?: Array<{ name: string; passed: boolean; detail: string; skipped?: boolean }>;
	routeReason?: string;
	labelChoices: string[];
	/** Extraction: where the record sits on the item, and its editable leaf fields. */
	recordField?: string;
	fields: ReviewField[];
	documents: ReviewDocument[];
}

export interface ReviewCasePayload {
	version: typeof REVIEW_CASE_VERSION;
	title: string;
	instructions?: string;
	lowConfidenceBelow: number;
	/** Allowed reviewer identities; empty = free-text name. */
	reviewers: string[];
	createdAtMs: number;
	expiresAtMs: number;
	items: ReviewItemCase[];
}

export interface CaseBuildOptions {
	/** Dot paths of the fields to show; empty = the whole item (without ai/route/review). */
	contextFields: string[];
	/** Fixed label choices; empty = `ai.labels`, else the keys of `ai.scores`. */
	labelChoices: string[];
	/** Where Extract Invoice's record sits on the item. */
	recordField: string;
	/** Documents larger than this are listed but not embedded. */
	maxDocumentBytes: number;
}

export interface BinaryInput {
	mimeType: string;
	fileName?: string;
	/** The bytes (fetched by the node shell through n8n's binary helpers). */
	data?: Buffer;
	size?: number;
}

const SHOWN_MIME = /^(application\/pdf|image\/(png|jpeg|gif|webp))$/;
const PACKAGE_FIELDS = new Set(['ai', 'route', 'review']);

export function getPath(source: unknown, path: string): unknown {
	let current: unknown = source;
	for (const part of splitPath(path)) {
		if (current === null || typeof current !== 'object') return undefined;
		current = (current as Record<string, unknown>)[part];
	}
	return current;
}

export function splitPath(path: string): string[] {
	return path
		.replace(/\[(\d+)\]/g, '.$1')
		.split('.')
		.filter((part) => part !== '');
}

function contextOf(json: Record<string, unknown>, fields: string[], shownAsForm?: string): Record<string, unknown> {
	const context: Record<string, unknown> = {};
	if (fields.length === 0) {
		for (const [key, value] of Object.entries(json)) {
			if (!PACKAGE_FIELDS.has(key) && key !== shownAsForm) context[key] = value;
		}
		return context;
	}
	for (const field of fields) context[field] = getPath(json, field);
	return context;
}

/** Leaf values of an extracted record as editable text fields, with their confidence. */
export function flattenRecord(
	record: unknown,
	fieldConfidence: Record<string, number> = {},
	prefix = '',
	out: ReviewField[] = [],
): ReviewField[] {
	if (Array.isArray(record)) {
		record.forEach((value, index) => flattenRecord(value, fieldConfidence, `${prefix}[${index}]`, out));
		return out;
	}
	if (record !== null && typeof record === 'object') {
		for (const [key, value] of Object.entries(record)) {
			flattenRecord(value, fieldConfidence, prefix === '' ? key : `${prefix}.${key}`, out);
		}
		return out;
	}
	const kind = record === null ? 'null' : typeof record;
	if (kind !== 'string' && kind !== 'number' && kind !== 'boolean' && kind !== 'null') return out;
	const dotted = prefix.replace(/\[(\d+)\]/g, '.$1');
	const confidence = fieldConfidence[prefix] ?? fieldConfidence[dotted];
	out.push({
		path: prefix,
		value: record === null ? '' : String(record),
		kind: kind as ReviewField['kind'],
		...(typeof confidence === 'number' ? { confidence } : {}),
	});
	return out;
}

function cleanedTextOf(input: unknown): string | undefined {
	if (input === null || typeof input !== 'object') return undefined;
	const text = (input as Record<string, unknown>).text;
	return typeof text === 'string' && text !== '' ? text : undefined;
}

function numberRecord(value: unknown): Record<string, number> | undefined {
	if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
	const out: Record<string, number> = {};
	for (const [key, entry] of Object.entries(value)) if (typeof entry === 'number') out[key] = entry;
	return out;
}

export function buildReviewItem(
	index: number,
	json: Record<string, unknown>,
	binaries: Record<string, BinaryInput>,
	options: CaseBuildOptions,
): ReviewItemCase {
	const ai = (json.ai ?? {}) as Record<string, unknown>;
	const task = ai.task === 'classify' || ai.task === 'extract' ? ai.task : 'none';
	const scores = numberRecord(ai.scores);
	const label = typeof ai.label === 'string' ? ai.label : undefined;
	const choices = new Set<string>(
		options.labelChoices.length > 0
			? options.labelChoices
			: Array.isArray(ai.labels)
				? (ai.labels as unknown[]).filter((entry): entry is string => typeof entry === 'string')
				: Object.keys(scores ?? {}),
	);
	if (label !== undefined) choices.add(label);

	const record = task === 'extract' ? getPath(json, options.recordField) : undefined;
	const fields =
		record !== undefined && record !== null && typeof record === 'object'
			? flattenRecord(record, numberRecord(ai.fieldConfidence))
			: [];

	const documents: ReviewDocument[] = Object.entries(binaries).map(([property, binary]) => {
		const size = binary.data?.length ?? binary.size ?? 0;
		const base = { property, fileName: binary.fileName, mimeType: binary.mimeType, size };
		if (!SHOWN_MIME.test(binary.mimeType)) return { ...base, omitted: 'this file type is not shown on the page' };
		if (!binary.data) return { ...base, omitted: 'the file could not be read' };
		if (binary.data.length > options.maxDocumentBytes) {
			return { ...base, omitted: `larger than the ${Math.round(options.maxDocumentBytes / 1024)} KiB preview limit` };
		}
		return { ...base, dataBase64: binary.data.toString('base64') };
	});

	const route = json.route as Record<string, unknown> | undefined;
	const recordField = task === 'extract' && fields.length > 0 ? options.recordField : undefined;
	return {
		index,
		task,
		// The record is already on the page as the correction form.
		context: contextOf(json, options.contextFields, recordField),
		label,
		confidence: typeof ai.confidence === 'number' ? ai.confidence : undefined,
		scores,
		reasoning: typeof ai.reasoning === 'string' ? ai.reasoning : undefined,
		cleanedText: cleanedTextOf(ai.input),
		checks: Array.isArray(ai.checks) ? (ai.checks as ReviewItemCase['checks']) : undefined,
		routeReason: typeof route?.reason === 'string' ? route.reason : undefined,
		labelChoices: [...choices],
		recordField,
		fields,
		documents,
	};
}
