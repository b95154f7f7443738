/**
 * Confidence routing: the pure decision behind the Confidence Router node. Given an item's
 * confidence, label, the result of the user's "always review when" conditions and a stable item
 * key, it says whether the item is handled automatically, goes to a human, or is rejected.
 */
import { createHash } from 'node:crypto';
import type { Route } from '../contract';

export type RouterMode = 'twoWay' | 'threeWay';

export interface RouterConfig {
	mode: RouterMode;
	/** Auto at or above this confidence (unless a per-label threshold applies). */
	threshold: number;
	/** Three-way only: below this confidence the item is rejected. */
	rejectBelow: number;
	/** Per-label thresholds, e.g. `{ refund: 0.97 }`; they replace `threshold` for that label. */
	labelThresholds: Record<string, number>;
	/** Percentage (0..100) of items that would go auto and are sent to review for audit. */
	auditPercent: number;
}

export interface RouteInput {
	confidence: unknown;
	label?: unknown;
	/** True when one of the user's "always review when" conditions matched. */
	alwaysReview: boolean;
	/** Execution-independent key that decides audit sampling (same key → same decision). */
	sampleKey: string;
}

export class RouterConfigError extends Error {}

export function validateRouterConfig(config: RouterConfig): void {
	const inUnitRange = (value: number) => Number.isFinite(value) && value >= 0 && value <= 1;
	if (!inUnitRange(config.threshold)) {
		throw new RouterConfigError(`Threshold must be between 0 and 1, got ${config.threshold}`);
	}
	if (config.mode === 'threeWay') {
		if (!inUnitRange(config.rejectBelow)) {
			throw new RouterConfigError(`Reject Below must be between 0 and 1, got ${config.rejectBelow}`);
		}
		if (config.rejectBelow > config.threshold) {
			throw new RouterConfigError(
				`Reject Below (${config.rejectBelow}) must not be above the threshold (${config.threshold})`,
			);
		}
	}
	for (const [label, value] of Object.entries(config.labelThresholds)) {
		if (!inUnitRange(value)) {
			throw new RouterConfigError(`Threshold for label "${label}" must be between 0 and 1, got ${value}`);
		}
	}
	if (!Number.isFinite(config.auditPercent) || config.auditPercent < 0 || config.auditPercent > 100) {
		throw new RouterConfigError(`Audit sample must be between 0 and 100 %, got ${config.auditPercent}`);
	}
}

/** Reads a confidence the way users write it: a number, or a numeric string from an expression. */
export function parseConfidence(value: unknown): { ok: true; value: number } | { ok: false; reason: string } {
	if (value === undefined || value === null || value === '') {
		return { ok: false, reason: 'confidence missing' };
	}
	const number = typeof value === 'string' ? Number(value.trim()) : value;
	if (typeof number !== 'number' || Number.isNaN(number)) {
		return { ok: false, reason: `confidence is not a number (${describe(value)})` };
	}
	if (!Number.isFinite(number) || number < 0 || number > 1) {
		return { ok: false, reason: `confidence out of range 0..1 (${describe(value)})` };
	}
	return { ok: true, value: number };
}

function describe(value: unknown): string {
	const text = typeof value === 'string' ? JSON.stringify(value) : String(value);
	return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}

/**
 * Maps a key to a uniform number in [0, 1) by SHA-256, so sampling depends only on the key:
 * a re-run of the same item routes the same way, on any machine or n8n process.
 */
export function sampleFraction(key: string): number {
	const digest = createHash('sha256').update(key, 'utf8').digest();
	return digest.readUIntBE(0, 6) / 2 ** 48;
}

export function isSampled(key: string, percent: number): boolean {
	if (percent <= 0) return false;
	if (percent >= 100) return true;
	return sampleFraction(key) < percent / 100;
}

export function decideRoute(input: RouteInput, config: RouterConfig): Route {
	const label = typeof input.label === 'string' && input.label !== '' ? input.label : undefined;
	const labelThreshold = label !== undefined ? config.labelThresholds[label] : undefined;
	const threshold = labelThreshold ?? config.threshold;
	const thresholdName = labelThreshold !== undefined ? `threshold for label "${label}"` : 'threshold';

	const confidence = parseConfidence(input.confidence);
	if (!confidence.ok) {
		return { path: 'review', reason: confidence.reason, threshold };
	}
	const value = confidence.value;

	// High-stakes rules win over confidence: a human sees these items even when the model is sure
	// (and, in three-way mode, even when it is unsure enough to reject).
	if (input.alwaysReview) {
		return { path: 'review', reason: 'an "always review when" condition matched', threshold };
	}

	if (value >= threshold) {
		if (isSampled(input.sampleKey, config.auditPercent)) {
			return {
				path: 'review',
				reason: `audit sample (${config.auditPercent}% of confident items); confidence ${value} ≥ ${thresholdName} ${threshold}`,
				threshold,
				sampled: true,
			};
		}
		return { path: 'auto', reason: `confidence ${value} ≥ ${thresholdName} ${threshold}`, threshold };
	}

	if (config.mode === 'threeWay' && value < config.rejectBelow) {
		return {
			path: 'reject',
			reason: `confidence ${value} < reject-below ${config.rejectBelow}`,
			threshold: config.rejectBelow,
		};
	}
	return { path: 'review', reason: `confidence ${value} < ${thresholdName} ${threshold}`, threshold };
}

/** Keys on the item that this package writes per run; they must not change the sampling key. */
const RUN_DEPENDENT_KEYS = new Set(['ai', 'route', 'review', 'error']);

/**
 * The default sampling key when the user's key expression gives nothing: the item's own data,
 * without the fields a run adds (timestamps, latency), serialised with sorted keys.
 */
export function defaultSampleKey(json: Record<string, unknown>): string {
	const kept: Record<string, unknown> = {};
	for (const key of Object.keys(json)) {
		if (!RUN_DEPENDENT_KEYS.has(key)) kept[key] = json[key];
	}
	return stableStringify(kept);
}

export function stableStringify(value: unknown): string {
	if (Array.isArray(value)) return `[${value.map(stableStringify).join(',')}]`;
	if (value !== null && typeof value === 'object') {
		const entries = Object.keys(value as Record<string, unknown>)
			.sort()
			.map((key) => `${JSON.stringify(key)}:${stableStringify((value as Record<string, unknown>)[key])}`);
		return `{${entries.join(',')}}`;
	}
	return JSON.stringify(value) ?? 'null';
}
