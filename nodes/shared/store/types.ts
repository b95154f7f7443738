/**
 * The package store: one place for Metrics Logger's decision events and Human Review Wait's cases.
 * `execute()` and `webhook()` may run in different processes (queue mode), so nothing here may live
 * only in process memory. Implementations: embedded SQLite (default) and PostgreSQL.
 */
import type { RoutePath, ReviewDecision } from '../contract';

export type CascadeTier = 'local' | 'llm';

/**
 * Which tier of a cascade answered: the item's `ai.tier` when it says, else what the package's nodes
 * imply (the local tier writes a `local:` model or none, the LLM tier the LLM's model). The store's
 * SQL (`CASCADE_TIER_SQL`) and migration 5 apply the same rule to events stored without a tier.
 */
export function cascadeTierOf(engine: unknown, tier: unknown, model: unknown): CascadeTier | undefined {
	if (engine !== 'cascade') return undefined;
	if (tier === 'local' || tier === 'llm') return tier;
	return typeof model !== 'string' || model.startsWith('local:') ? 'local' : 'llm';
}

/** Why an item was recorded without metrics: counted in the report, left out of every rate. */
export type SkipReason = 'no_ai' | 'invalid_ai' | 'invalid_confidence' | 'unknown_label';

/** Why an event was logged without its input statistics (`ai.input`): counted in the report's input drift. */
export type InputSkipReason = 'invalid_input';

/** Per-field outcome of a reviewed extraction: was the extracted value kept by the reviewer? */
export interface FieldOutcome {
	confidence?: number;
	correct: boolean;
}

/** One decision as Metrics Logger records it; idempotent by `eventKey` (execution, node, run, item). */
export interface MetricEvent {
	eventKey: string;
	workflowId: string;
	executionId: string;
	nodeName: string;
	itemIndex: number;
	/** ISO 8601 time of the decision. */
	at: string;
	step?: string;
	task?: 'classify' | 'extract';
	label?: string;
	confidence?: number;
	engine?: string;
	/** Which tier of a cascade answered (`engine` 'cascade' only). */
	tier?: CascadeTier;
	model?: string;
	routePath?: RoutePath;
	sampled?: boolean;
	reviewDecision?: ReviewDecision;
	/** The label the reviewer settled on (approved → the predicted label). */
	reviewedLabel?: string;
	/** The reviewer's verdict on the prediction: approved → true, corrected with a change → false. */
	reviewCorrect?: boolean;
	overridden?: boolean;
	/** Ground-truth label from the item (a field the user points at). */
	truthLabel?: string;
	/** Prediction equals the ground-truth label. */
	truthCorrect?: boolean;
	latencyMs?: number;
	inputTokens?: number;
	outputTokens?: number;
	costUsd?: number;
	/** Set for items recorded without metrics (no `ai`, bad confidence…). */
	skipReason?: SkipReason;
	fields?: Record<string, FieldOutcome>;
	dimensions?: Record<string, string>;
	/** From `ai.input` (AI Classify / Extract Invoice 1.1): characters of the text the engine saw. */
	inputCharacters?: number;
	/** ISO 639-1 of that text ('und' when unknown). */
	inputLanguage?: string;
	/** Share of its words the trained local model has never seen. */
	inputUnknownTokenShare?: number;
	/** Clean Input removed quoted history, a signature, a disclaimer or HTML (absent: Clean Input did not run). */
	inputCleaned?: boolean;
	/** Values redacted before the model, all kinds together (absent: redaction did not run). */
	inputRedacted?: number;
	/** Set when `ai.input` was present but invalid: the event is measured, its input statistics are not. */
	inputSkipReason?: InputSkipReason;
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

/** One invoice an Extract Invoice node has read: the keys duplicates are found by, and where it was seen. */
export interface SeenDocument {
	/** Normalised vendor tax id (`tax:…`) or, without one, vendor name (`name:…`). */
	vendorKey?: string;
	/** Normalised invoice id. */
	invoiceId?: string;
	/** SHA-256 (hex) of the file's bytes, or of the text for text input. */
	fileSha256?: string;
	workflowId: string;
	executionId: string;
	nodeName: string;
	itemIndex: number;
	/** ISO 8601. */
	seenAt: string;
}

export interface SeenDocumentQuery {
	vendorKey?: string;
	invoiceId?: string;
	fileSha256?: string;
	/** The execution asking: its own sightings are not earlier ones. */
	excludeExecutionId: string;
	/** At most this many, oldest first (default 20). */
	limit?: number;
}

/** One trained local classifier as the store keeps it: AI Classify's "Train" writes, its classify reads. */
export interface StoredModel {
	/** The Model Name of the node (default: workflow and node). */
	name: string;
	/** Content-derived version of the model (same data and settings → same version). */
	version: string;
	/** ISO 8601. */
	trainedAt: string;
	/** JSON: the training metrics (cross-validated accuracy, ECE, examples per label…). */
	metrics: unknown;
	/** The serialized model (see localClassifier/serialize). */
	model: Buffer;
	/** Labelled examples it was trained on. */
	examples: number;
}

/** A labelled text kept for a model name, so that later trainings add up. */
export interface TrainingExample {
	text: string;
	label: string;
	/** Where it came from: `items` (a Train run's input), `category` (a category's examples)… */
	source: string;
}

export interface EventFilter {
	/** ISO 8601, inclusive. */
	from?: string;
	/** ISO 8601, exclusive. */
	to?: string;
	workflowId?: string;
	step?: string;
	label?: string;
	model?: string;
}

/** Which truth the accuracy metrics use: ground truth where given, else the reviewer's verdict. */
export type TruthSource = 'auto' | 'groundTruth' | 'review';

export interface AggregateQuery extends EventFilter {
	truthSource: TruthSource;
	/** Width of the timeline buckets (override rate over time), counted from `from`. */
	timelineBucketMs: number;
	/** Also group counters by workflow, step, label and route (for the Prometheus export). */
	includeSeries?: boolean;
}

export interface AggregateTotals {
	/** Events with metrics (skipped items excluded). */
	events: number;
	skipped: Partial<Record<SkipReason, number>>;
	auto: number;
	review: number;
	reject: number;
	sampled: number;
	reviewed: number;
	overridden: number;
	approved: number;
	corrected: number;
	rejected: number;
	withConfidence: number;
	sumConfidence: number;
	withLatency: number;
	sumLatencyMs: number;
	inputTokens: number;
	outputTokens: number;
	costUsd: number;
	withTruth: number;
	correct: number;
	firstAtMs?: number;
	lastAtMs?: number;
}

/** Raw groupings computed by the database; `metrics/report.ts` turns them into the report. */
export interface Aggregates {
	totals: AggregateTotals;
	/** Predicted × true label, events with a known truth and a predicted label only. */
	confusion: Array<{ predicted: string; truth: string; count: number }>;
	labels: Array<{ label: string; count: number }>;
	/** bucket = floor(confidence × 100), 0..100. */
	confidenceBuckets: Array<{
		bucket: number;
		count: number;
		sumConfidence: number;
		withTruth: number;
		correct: number;
		/** Sum of the confidence of the events with a known truth (for calibration). */
		sumConfidenceWithTruth: number;
	}>;
	/** Latency rounded to whole milliseconds. */
	latency: Array<{ ms: number; count: number }>;
	timeline: Array<{ bucket: number; events: number; auto: number; reviewed: number; overridden: number }>;
	fields: Array<{ field: string; total: number; correct: number; withConfidence: number; sumConfidence: number }>;
	/**
	 * Cascade events (`engine` 'cascade') per workflow, Metrics Logger node, step, task and tier: how
	 * many, how many carry a cost, and the sum of that cost.
	 */
	cascade: Array<{
		workflowId: string;
		nodeName: string;
		step: string;
		task: string;
		tier: CascadeTier;
		count: number;
		withCost: number;
		costUsd: number;
	}>;
	/**
	 * Input statistics per workflow, Metrics Logger node, step and bin: events with valid `ai.input`
	 * grouped by length bin, language, unknown-token hundredth and cleaned flag, plus events whose
	 * `ai.input` was invalid (`skipReason`, the other keys null).
	 */
	input: Array<{
		workflowId: string;
		nodeName: string;
		step: string;
		skipReason: InputSkipReason | null;
		lengthBin: number | null;
		language: string | null;
		unknownHundredth: number | null;
		cleaned: boolean | null;
		count: number;
		sumCharacters: number;
		sumUnknownShare: number;
		/** Events that carry a redaction count, the values redacted, and events with at least one. */
		withRedaction: number;
		redacted: number;
		itemsWithRedaction: number;
	}>;
	series?: Array<{
		workflowId: string;
		step: string;
		label: string;
		routePath: string;
		count: number;
		reviewed: number;
		overridden: number;
		inputTokens: number;
		outputTokens: number;
		costUsd: number;
		sumLatencyMs: number;
	}>;
}

export interface ReadEventsOptions {
	limit?: number;
	offset?: number;
	/** Include skipped items (default true). */
	includeSkipped?: boolean;
}

export interface PackageStore {
	readonly kind: 'sqlite' | 'postgres';
	/** Where the store lives, for messages (file path or host:port/database). */
	readonly location: string;
	/** One transaction; an event whose key is already stored is counted as a duplicate, not written. */
	writeEvents(events: MetricEvent[]): Promise<{ written: number; duplicates: number }>;
	/** Ordered by time, then key. */
	readEvents(filter: EventFilter, options?: ReadEventsOptions): Promise<MetricEvent[]>;
	countEvents(filter: EventFilter): Promise<number>;
	aggregate(query: AggregateQuery): Promise<Aggregates>;
	/** Inserts, or replaces the case with the same id. */
	putReviewCase(reviewCase: ReviewCase): Promise<void>;
	/** The newest case of that execution and node. */
	getReviewCase(executionId: string, nodeName: string): Promise<ReviewCase | undefined>;
	getReviewCaseById(id: string): Promise<ReviewCase | undefined>;
	/** Atomically moves a pending case to decided; false when it was not pending any more. */
	decideReviewCase(id: string, decision: unknown, decidedAt: string): Promise<boolean>;
	/** Atomically moves a pending case to expired; false when it was not pending any more. */
	expireReviewCase(id: string): Promise<boolean>;
	/** Oldest first. */
	/** Cases in one state, oldest first; `limit` keeps the newest ones (e.g. decided cases to learn from). */
	listReviewCases(status: ReviewCaseStatus, workflowId?: string, limit?: number): Promise<ReviewCase[]>;
	/** Records that an item was seen; idempotent by (execution, node, item). True when newly written. */
	recordSeenDocument(seen: SeenDocument): Promise<boolean>;
	/** Earlier sightings with the same vendor key and invoice id, or the same file hash, of other executions; oldest first. */
	findSeenDocuments(query: SeenDocumentQuery): Promise<SeenDocument[]>;
	/** Adds labelled examples to a model name; one already kept (same text and label) is not added again. */
	addTrainingExamples(name: string, examples: TrainingExample[]): Promise<{ added: number }>;
	/** All examples of a model name, in the order they were added. */
	listTrainingExamples(name: string): Promise<TrainingExample[]>;
	/** Inserts a model version, or refreshes its time and metrics when that version is already kept. */
	saveModel(model: StoredModel): Promise<void>;
	/** The newest version of a model name, without its bytes (cheap: for caches). */
	newestModelVersion(name: string): Promise<string | undefined>;
	/** The newest version of a model name, with its bytes. */
	newestModel(name: string): Promise<StoredModel | undefined>;
	/** Keeps the words of an extracted invoice (JSON) by execution and record hash, for learning from its correction. */
	saveInvoiceLayout(executionId: string, recordHash: string, layout: string, savedAt: string): Promise<void>;
	getInvoiceLayout(executionId: string, recordHash: string): Promise<string | undefined>;
	/** Stores a vendor's memory (JSON) under each of its keys. */
	saveVendorMemory(keys: string[], memory: string, updatedAt: string): Promise<void>;
	/** The memories (JSON) stored under any of these keys, newest first, each once. */
	findVendorMemories(keys: string[]): Promise<string[]>;
	/** Releases the file handle or pool and forgets the cached store; nodes need not call it. */
	close(): Promise<void>;
}

export interface SqliteStoreConfig {
	kind: 'sqlite';
	/** Absolute or relative file path; default `<n8n user folder>/ai-workflow/store.sqlite`. */
	path?: string;
}

export interface PostgresStoreConfig {
	kind: 'postgres';
	connectionString?: string;
	host?: string;
	port?: number;
	database?: string;
	user?: string;
	password?: string;
	/** n8n's postgres credential values: disable | allow | require | verify | verify-full. */
	ssl?: string;
	allowUnauthorizedCerts?: boolean;
	/** Pool size per process (default 5). */
	maxConnections?: number;
	connectionTimeoutMs?: number;
	/** How long operations ride out a lost connection (default: retry.ts DEFAULT_RETRY_POLICY); tests shorten it. */
	retryPolicy?: { budgetMs: number; baseDelayMs: number; maxDelayMs: number };
}

export type StoreConfig = SqliteStoreConfig | PostgresStoreConfig;

/** The store cannot be opened or reached; the message names the store and the fix. */
export class StoreUnavailableError extends Error {
	constructor(
		message: string,
		readonly fix: string,
		readonly cause?: unknown,
	) {
		super(message);
		this.name = 'StoreUnavailableError';
	}
}

const PLAIN_CAUSES: Record<string, string> = {
	ECONNREFUSED: 'connection refused',
	ECONNRESET: 'connection closed by the server',
	ENOTFOUND: 'host not found',
	EAI_AGAIN: 'host name could not be resolved',
	ETIMEDOUT: 'timed out',
	EHOSTUNREACH: 'host unreachable',
	EACCES: 'permission denied',
	EPERM: 'permission denied',
	ENOENT: 'no such file or folder',
	ENOTDIR: 'a file stands where a folder is needed',
	EEXIST: 'a file stands where a folder is needed',
	EROFS: 'read-only file system',
};

/**
 * The cause of a store failure in words, without Node's error codes: n8n replaces any error message
 * that contains one (ECONNREFUSED…) by a generic sentence that would hide which store failed.
 */
export function plainCause(error: unknown): string {
	const code = (error as NodeJS.ErrnoException)?.code;
	if (typeof code === 'string' && PLAIN_CAUSES[code]) return PLAIN_CAUSES[code];
	const message = String((error as Error)?.message ?? error);
	for (const [errorCode, words] of Object.entries(PLAIN_CAUSES)) {
		if (message.includes(errorCode)) return words;
	}
	return message.replace(/\b(E[A-Z_]{3,}|GETADDRINFO)\b:?\s*/g, '').trim() || 'unknown error';
}
