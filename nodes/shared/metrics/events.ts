/**
 * Builds Metrics Logger's event from one item's contract fields (`ai`, `route`, `review`).
 * Lenient on purpose: only what the metrics need is checked, so hand-built `ai` objects (a Set node
 * with `label` and `confidence`) are logged too. What cannot be measured is a `SkippedItem`.
 */

import { inputSchema, reviewDecision, routePath } from '../contract';
import { cascadeTierOf, type FieldOutcome, type MetricEvent, type SkipReason } from '../store/types';

export interface EventContext {
	workflowId: string;
	executionId: string;
	nodeName: string;
	runIndex: number;
	itemIndex: number;
	/** Time used when the item carries no valid `ai.at`. */
	now: Date;
	step?: string;
	/** Value of the ground-truth field; empty → none. */
	groundTruth?: unknown;
	dimensions?: Record<string, string>;
	/** A business id that identifies the item across executions (replaces execution/run/item in the key). */
	eventId?: string;
}

export class SkippedItem extends Error {
	constructor(
		readonly reason: SkipReason,
		message: string,
	) {
		super(message);
		this.name = 'SkippedItem';
	}
}

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json =>
	typeof value === 'object' && value !== null && !Array.isArray(value);
const finite = (value: unknown): number | undefined =>
	typeof value === 'number' && Number.isFinite(value) ? value : undefined;
const nonNegative = (value: unknown): number | undefined => {
	const n = finite(value);
	return n !== undefined && n >= 0 ? n : undefined;
};

export function eventKey(context: EventContext): string {
	const { workflowId, executionId, nodeName, runIndex, itemIndex, eventId } = context;
	return eventId
		? `${workflowId}/${nodeName}/id:${eventId}`
		: `${workflowId}/${executionId}/${nodeName}/${runIndex}/${itemIndex}`;
}

function baseEvent(context: EventContext, at: string): MetricEvent {
	const event: MetricEvent = {
		eventKey: eventKey(context),
		workflowId: context.workflowId,
		executionId: context.executionId,
		nodeName: context.nodeName,
		itemIndex: context.itemIndex,
		at,
	};
	if (context.step) event.step = context.step;
	if (context.dimensions && Object.keys(context.dimensions).length) event.dimensions = context.dimensions;
	return event;
}

/** The event recorded for an item that is skipped: counted in the report, left out of the rates. */
export function skippedEvent(context: EventContext, reason: SkipReason): MetricEvent {
	return { ...baseEvent(context, context.now.toISOString()), skipReason: reason };
}

/** The label a review settled on: `after` as a label, `{ label }` or `{ ai: { label } }`. */
export function labelOf(value: unknown): string | undefined {
	if (typeof value === 'string') return value;
	if (isObject(value)) {
		if (typeof value.label === 'string') return value.label;
		if (isObject(value.ai) && typeof value.ai.label === 'string') return value.ai.label;
	}
	return undefined;
}

function truthLabelOf(value: unknown): string | undefined {
	if (typeof value === 'number' || typeof value === 'boolean') return String(value);
	if (typeof value === 'string' && value.trim() !== '') return value.trim();
	return undefined;
}

/** Leaf values by path; array indices become `[]` in the field name so line items aggregate. */
export function flattenFields(value: unknown, prefix = '', out = new Map<string, unknown>()): Map<string, unknown> {
	if (Array.isArray(value)) {
		value.forEach((entry, i) => flattenFields(entry, `${prefix}[${i}]`, out));
	} else if (isObject(value)) {
		for (const [key, entry] of Object.entries(value)) flattenFields(entry, prefix ? `${prefix}.${key}` : key, out);
	} else if (prefix) {
		out.set(prefix, value);
	}
	return out;
}

export const fieldName = (path: string) => path.replace(/\[\d+\]/g, '[]').replace(/\.(\d+)(?=\.|$)/g, '[]');

/** Per-field outcome of a reviewed extraction: a field is right when the reviewer left it unchanged. */
export function fieldOutcomes(
	before: unknown,
	after: unknown,
	approved: boolean,
	fieldConfidence: Json | undefined,
): Record<string, FieldOutcome> | undefined {
	if (!isObject(before)) return undefined;
	const beforeFields = flattenFields(before);
	if (beforeFields.size === 0) return undefined;
	const afterFields = isObject(after) ? flattenFields(after) : new Map<string, unknown>();
	const normalisedConfidence = new Map<string, number>();
	for (const [path, c] of Object.entries(fieldConfidence ?? {})) {
		const n = finite(c);
		if (n !== undefined) normalisedConfidence.set(path.replace(/\.(\d+)(?=\.|$)/g, '[$1]'), n);
	}
	// Several line items share one field name: a name is right only if every instance is.
	const outcomes: Record<string, FieldOutcome & { n: number; sum: number }> = {};
	for (const [path, value] of beforeFields) {
		const correct = approved || (afterFields.has(path) && JSON.stringify(afterFields.get(path)) === JSON.stringify(value));
		const name = fieldName(path);
		const confidence = normalisedConfidence.get(path) ?? finite(fieldConfidence?.[name]);
		const current = outcomes[name] ?? { correct: true, n: 0, sum: 0 };
		current.correct = current.correct && correct;
		if (confidence !== undefined) {
			current.n++;
			current.sum += confidence;
		}
		outcomes[name] = current;
	}
	const result: Record<string, FieldOutcome> = {};
	for (const [name, o] of Object.entries(outcomes)) {
		result[name] = o.n ? { correct: o.correct, confidence: o.sum / o.n } : { correct: o.correct };
	}
	return result;
}

/**
 * The event of one item. Throws `SkippedItem` when the item cannot be measured; the caller records
 * it with `skippedEvent` (or fails, as the user chose).
 */
export function buildEvent(json: Json, context: EventContext): MetricEvent {
	const ai = json.ai;
	if (ai === undefined || ai === null) throw new SkippedItem('no_ai', 'The item has no `ai` field (the output of AI Classify or Extract Invoice)');
	if (!isObject(ai)) throw new SkippedItem('invalid_ai', 'The item\'s `ai` field is not an object');
	const confidence = finite(ai.confidence);
	if (confidence === undefined || confidence < 0 || confidence > 1) {
		throw new SkippedItem(
			'invalid_confidence',
			`The item's ai.confidence must be a number from 0 to 1, got ${JSON.stringify(ai.confidence) ?? 'nothing'}`,
		);
	}
	if (ai.label !== undefined && typeof ai.label !== 'string') {
		throw new SkippedItem('invalid_ai', `The item's ai.label must be text, got ${JSON.stringify(ai.label)}`);
	}
	if (ai.task !== undefined && ai.task !== 'classify' && ai.task !== 'extract') {
		throw new SkippedItem('invalid_ai', `The item's ai.task must be "classify" or "extract", got ${JSON.stringify(ai.task)}`);
	}
	const label = ai.label as string | undefined;
	if (label !== undefined && Array.isArray(ai.labels) && ai.labels.length && !ai.labels.includes(label)) {
		throw new SkippedItem('unknown_label', `The item's ai.label ${JSON.stringify(label)} is not one of its ai.labels`);
	}
	const task = (ai.task as MetricEvent['task']) ?? (label !== undefined ? 'classify' : undefined);
	const at = typeof ai.at === 'string' && Number.isFinite(Date.parse(ai.at)) ? new Date(ai.at).toISOString() : context.now.toISOString();

	const event = baseEvent(context, at);
	event.confidence = confidence;
	if (task) event.task = task;
	if (label !== undefined) event.label = label;
	if (typeof ai.engine === 'string') event.engine = ai.engine;
	if (typeof ai.model === 'string') event.model = ai.model;
	const tier = cascadeTierOf(ai.engine, ai.tier, ai.model);
	if (tier) event.tier = tier;
	const latencyMs = nonNegative(ai.latencyMs);
	if (latencyMs !== undefined) event.latencyMs = latencyMs;
	if (isObject(ai.usage)) {
		const inputTokens = nonNegative(ai.usage.inputTokens);
		const outputTokens = nonNegative(ai.usage.outputTokens);
		const costUsd = nonNegative(ai.usage.costUsd);
		if (inputTokens !== undefined) event.inputTokens = Math.round(inputTokens);
		if (outputTokens !== undefined) event.outputTokens = Math.round(outputTokens);
		if (costUsd !== undefined) event.costUsd = costUsd;
	}

	if (isObject(json.route)) {
		const path = routePath.safeParse(json.route.path);
		if (path.success) event.routePath = path.data;
		if (typeof json.route.sampled === 'boolean') event.sampled = json.route.sampled;
	}

	if (isObject(json.review)) {
		const decision = reviewDecision.safeParse(json.review.decision);
		if (decision.success) {
			const review = json.review;
			event.reviewDecision = decision.data;
			if (typeof review.overridden === 'boolean') event.overridden = review.overridden;
			const afterLabel = labelOf(review.after);
			const reviewedLabel = decision.data === 'approved' ? (label ?? afterLabel) : afterLabel;
			if (task !== 'extract' && reviewedLabel !== undefined) event.reviewedLabel = reviewedLabel;
			if (task !== 'extract' && label !== undefined && reviewedLabel !== undefined) {
				event.reviewCorrect = reviewedLabel === label;
			} else if (decision.data === 'approved') {
				event.reviewCorrect = true;
			} else if (decision.data === 'corrected') {
				event.reviewCorrect = event.overridden === undefined ? false : !event.overridden;
			}
			if (task === 'extract') {
				const fields = fieldOutcomes(
					review.before,
					review.after,
					decision.data === 'approved',
					isObject(ai.fieldConfidence) ? ai.fieldConfidence : undefined,
				);
				if (fields) event.fields = fields;
			}
		}
	}

	const truth = truthLabelOf(context.groundTruth);
	if (truth !== undefined) {
		event.truthLabel = truth;
		if (label !== undefined) event.truthCorrect = truth === label;
	}
	Object.assign(event, inputStatistics(ai.input));
	return event;
}

/**
 * What the event records of `ai.input` (the contract's `inputSchema`): sizes, language, whether
 * anything was cleaned away, how many values were redacted — never the text. Absent → nothing; present
 * but invalid → only `inputSkipReason`, so the event is still measured and the skip is counted.
 */
export function inputStatistics(input: unknown): Pick<
	MetricEvent,
	'inputCharacters' | 'inputLanguage' | 'inputUnknownTokenShare' | 'inputCleaned' | 'inputRedacted' | 'inputSkipReason'
> {
	if (input === undefined || input === null) return {};
	const parsed = inputSchema.safeParse(input);
	if (!parsed.success) return { inputSkipReason: 'invalid_input' };
	const { characters, language, cleaned, redacted, unknownTokenShare } = parsed.data;
	const stats: ReturnType<typeof inputStatistics> = { inputCharacters: characters, inputLanguage: language.trim().toLowerCase() || 'und' };
	if (unknownTokenShare !== undefined) stats.inputUnknownTokenShare = unknownTokenShare;
	if (cleaned) stats.inputCleaned = cleaned.quotedHistory || cleaned.signature || cleaned.disclaimer || cleaned.html;
	if (redacted) stats.inputRedacted = Object.values(redacted).reduce<number>((a, b) => a + (b ?? 0), 0);
	return stats;
}
