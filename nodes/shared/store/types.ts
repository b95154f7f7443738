/**
 * The package store: one place for Metrics Logger's decision events and Human Review Wait's cases.
 * `execute()` and `webhook()` may run in different processes (queue mode), so nothing here may live
 * only in process memory. Implementations: embedded SQLite (default) and PostgreSQL.
 *
 * DRAFT interface — the store issue owns and may refine it.
 */
import type { RoutePath, ReviewDecision } from '../contract';

/** One decision as Metrics Logger records it; idempotent by `eventKey` (execution, node, item). */
export interface MetricEvent {
	eventKey: string;
	workflowId: string;
	executionId: string;
	nodeName: string;
	itemIndex: number;
	at: string;
	step?: string;
	task?: 'classify' | 'extract';
	label?: string;
	confidence?: number;
	engine?: string;
	model?: string;
	routePath?: RoutePath;
	sampled?: boolean;
	reviewDecision?: ReviewDecision;
	reviewedLabel?: string;
	overridden?: boolean;
	truthLabel?: string;
	latencyMs?: number;
	inputTokens?: number;
	outputTokens?: number;
	costUsd?: number;
	dimensions?: Record<string, string>;
}

export type ReviewCaseStatus = 'pending' | 'decided' | 'expired';

/** A paused Human Review Wait execution: what the page shows and how its link is verified. */
export interface ReviewCase {
	id: string;
	workflowId: string;
	executionId: string;
	nodeName: string;
	/** SHA-256 of the per-review secret carried by the link; the secret itself is never stored. */
	tokenHash: string;
	status: ReviewCaseStatus;
	createdAt: string;
	expiresAt?: string;
	decidedAt?: string;
	/** JSON: the items, context fields, AI output, documents and correction options to show. */
	payload: unknown;
	/** JSON: the reviewer's decisions once decided. */
	decision?: unknown;
}

export interface EventFilter {
	from?: string;
	to?: string;
	workflowId?: string;
	step?: string;
	label?: string;
	model?: string;
}

export interface PackageStore {
	readonly kind: 'sqlite' | 'postgres';
	writeEvents(events: MetricEvent[]): Promise<{ written: number; duplicates: number }>;
	readEvents(filter: EventFilter): Promise<MetricEvent[]>;
	putReviewCase(reviewCase: ReviewCase): Promise<void>;
	getReviewCase(executionId: string, nodeName: string): Promise<ReviewCase | undefined>;
	/** Atomically moves a pending case to decided; false when it was not pending any more. */
	decideReviewCase(id: string, decision: unknown, decidedAt: string): Promise<boolean>;
	listPendingReviewCases(workflowId?: string): Promise<ReviewCase[]>;
	close(): Promise<void>;
}
