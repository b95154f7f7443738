/**
 * Reading the reviewer's form and applying it to the waiting items: one decision per item,
 * corrections to `ai.label` or the extracted record, the AI's original kept in `review.before`.
 */
import type { Review, ReviewDecision } from '../contract';
import { splitPath, type ReviewCasePayload, type ReviewField, type ReviewItemCase } from './case';

export interface ItemDecision {
	index: number;
	decision: ReviewDecision;
	label?: string;
	/** Extraction corrections: path → new text value. */
	fields?: Record<string, string>;
	comment?: string;
}

export interface ParsedDecision {
	reviewer: string;
	items: ItemDecision[];
}

export class DecisionError extends Error {}

const MAX_TEXT = 5000;

function text(body: Record<string, unknown>, name: string): string {
	const value = body[name];
	const single = Array.isArray(value) ? value[0] : value;
	return typeof single === 'string' ? single.slice(0, MAX_TEXT).trim() : '';
}

function parseFieldValue(field: ReviewField, raw: string): unknown {
	if (field.kind === 'number') {
		if (raw === '') return null;
		const number = Number(raw.replace(/\s/g, ''));
		if (!Number.isFinite(number)) throw new DecisionError(`"${field.path}" must be a number, got "${raw}"`);
		return number;
	}
	if (field.kind === 'boolean') return raw === 'true';
	if (field.kind === 'null') return raw === '' ? null : raw;
	return raw;
}

function sameValue(field: ReviewField, raw: string): boolean {
	if (field.kind === 'number' && raw !== '' && field.value !== '') return Number(raw) === Number(field.value);
	return raw === field.value;
}

/** Form names: `decision_<i>`, `label_<i>`, `field_<i>_<k>`, `comment_<i>`, `reviewer`. */
export function parseDecisionForm(body: Record<string, unknown>, payload: ReviewCasePayload): ParsedDecision {
	const reviewer = text(body, 'reviewer');
	if (reviewer === '') throw new DecisionError('Enter your name (or choose who you are) before submitting.');
	if (payload.reviewers.length > 0 && !payload.reviewers.includes(reviewer)) {
		throw new DecisionError('The reviewer is not on the list of allowed reviewers.');
	}

	const items = payload.items.map((item): ItemDecision => {
		const choice = text(body, `decision_${item.index}`);
		const comment = text(body, `comment_${item.index}`) || undefined;
		const name = `item ${item.index + 1}`;
		if (choice === 'reject') return { index: item.index, decision: 'rejected', comment };
		if (choice !== 'approve' && choice !== 'correct') {
			throw new DecisionError(`Choose approve, correct or reject for ${name}.`);
		}

		const changes: Pick<ItemDecision, 'label' | 'fields'> = {};
		const label = text(body, `label_${item.index}`);
		if (item.task !== 'extract' && label !== '' && label !== item.label) {
			if (!item.labelChoices.includes(label)) throw new DecisionError(`"${label}" is not a category of ${name}.`);
			changes.label = label;
		}
		const fields: Record<string, string> = {};
		item.fields.forEach((field, k) => {
			const key = `field_${item.index}_${k}`;
			if (!(key in body)) return;
			const raw = text(body, key);
			if (!sameValue(field, raw)) {
				parseFieldValue(field, raw);
				fields[field.path] = raw;
			}
		});
		if (Object.keys(fields).length > 0) changes.fields = fields;
		const changed = changes.label !== undefined || changes.fields !== undefined;

		if (choice === 'approve' && changed) {
			throw new DecisionError(`You changed ${name} but chose "approve": choose "correct", or undo the change.`);
		}
		if (choice === 'correct' && !changed) {
			throw new DecisionError(`You chose "correct" for ${name} but changed nothing: pick the right label or edit a field.`);
		}
		return { index: item.index, decision: choice === 'approve' ? 'approved' : 'corrected', ...changes, comment };
	});
	return { reviewer, items };
}

/** parseDecisionForm without exceptions: every error it raises is a reviewer mistake to show. */
export function tryParseDecisionForm(
	body: Record<string, unknown>,
	payload: ReviewCasePayload,
): { ok: true; decision: ParsedDecision } | { ok: false; message: string } {
	try {
		return { ok: true, decision: parseDecisionForm(body, payload) };
	} catch (error) {
		return { ok: false, message: (error as Error).message };
	}
}

function clone<T>(value: T): T {
	return value === undefined ? value : (JSON.parse(JSON.stringify(value)) as T);
}

function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
	const parts = splitPath(path);
	let current: Record<string, unknown> = target;
	for (const part of parts.slice(0, -1)) {
		const next = current[part];
		if (next === null || typeof next !== 'object') return;
		current = next as Record<string, unknown>;
	}
	current[parts[parts.length - 1]] = value;
}

export interface DecidedItem {
	json: Record<string, unknown>;
	decision: ReviewDecision;
}

/** The item as it leaves the node: corrected, with its `review` record. */
export function applyDecision(
	json: Record<string, unknown>,
	caseItem: ReviewItemCase,
	decision: ItemDecision,
	reviewer: string,
	decidedAt: Date,
	createdAtMs: number,
): DecidedItem {
	const out: Record<string, unknown> = { ...json };
	const ai = json.ai !== null && typeof json.ai === 'object' ? (json.ai as Record<string, unknown>) : undefined;
	let before: unknown;
	let after: unknown;

	if (caseItem.recordField !== undefined) {
		const record = clone(getRecord(json, caseItem.recordField));
		before = clone(record);
		after = clone(record);
		if (decision.fields && after !== null && typeof after === 'object') {
			const fieldsByPath = new Map(caseItem.fields.map((field) => [field.path, field]));
			for (const [path, raw] of Object.entries(decision.fields)) {
				const field = fieldsByPath.get(path);
				if (field) setPath(after as Record<string, unknown>, path, parseFieldValue(field, raw));
			}
			setRecord(out, caseItem.recordField, after);
		}
	} else {
		before = { label: ai?.label, confidence: ai?.confidence };
		after = { label: decision.label ?? ai?.label };
		if (decision.label !== undefined && ai) out.ai = { ...ai, label: decision.label };
	}
	if (decision.decision === 'rejected') after = null;

	const review: Review = {
		decision: decision.decision,
		reviewer,
		...(decision.comment !== undefined ? { comment: decision.comment } : {}),
		before,
		after,
		overridden: decision.decision === 'corrected',
		decidedAt: decidedAt.toISOString(),
		waitedMs: Math.max(0, decidedAt.getTime() - createdAtMs),
	};
	out.review = review;
	return { json: out, decision: decision.decision };
}

function getRecord(json: Record<string, unknown>, path: string): unknown {
	let current: unknown = json;
	for (const part of splitPath(path)) {
		if (current === null || typeof current !== 'object') return undefined;
		current = (current as Record<string, unknown>)[part];
	}
	return current;
}

function setRecord(json: Record<string, unknown>, path: string, value: unknown): void {
	const parts = splitPath(path);
	if (parts.length === 1) {
		json[parts[0]] = value;
		return;
	}
	// Copy the objects along the path so the waiting item n8n holds is not mutated.
	const head = parts[0];
	json[head] = clone(json[head]);
	setPath(json, path, value);
}
