/**
 * SQL shared by the SQLite and PostgreSQL stores: the versioned schema and the aggregate queries of
 * the report. Statements use `?` placeholders; the PostgreSQL store numbers them.
 * Tables carry an `aiwf_` prefix because teams often point the store at a database that holds
 * other tables (even n8n's own).
 */
import { createHash } from 'node:crypto';

import { LENGTH_BIN_EDGES, lengthBin, unknownShareHundredth } from '../metrics/inputDrift';
import {
	cascadeTierOf,
	type AggregateQuery,
	type CascadeTier,
	type EventFilter,
	type InputSkipReason,
	type MetricEvent,
	type ReviewCase,
	type SeenDocument,
	type SeenDocumentQuery,
	type SkipReason,
	type StoredModel,
	type TrainingExample,
} from './types';

export type Dialect = 'sqlite' | 'postgres';

export interface Migration {
	version: number;
	name: string;
	statements: (dialect: Dialect) => string[];
}

const real = (d: Dialect) => (d === 'sqlite' ? 'REAL' : 'DOUBLE PRECISION');
const bigint = (d: Dialect) => (d === 'sqlite' ? 'INTEGER' : 'BIGINT');

export const MIGRATIONS_TABLE = 'aiwf_schema_migrations';

/** `cascadeTierOf` in SQL: the tier a cascade event records, or the one its model implies. */
export const CASCADE_TIER_SQL =
	"COALESCE(tier, CASE WHEN model IS NULL OR SUBSTR(model, 1, 6) = 'local:' THEN 'local' ELSE 'llm' END)";

export const migrations: Migration[] = [
	{
		version: 1,
		name: 'metric events',
		statements: (d) => [
			`CREATE TABLE aiwf_metric_events (
				event_key TEXT PRIMARY KEY,
				workflow_id TEXT NOT NULL,
				execution_id TEXT NOT NULL,
				node_name TEXT NOT NULL,
				item_index INTEGER NOT NULL,
				at_ms ${bigint(d)} NOT NULL,
				step TEXT,
				task TEXT,
				label TEXT,
				confidence ${real(d)},
				engine TEXT,
				model TEXT,
				route_path TEXT,
				sampled SMALLINT,
				review_decision TEXT,
				reviewed_label TEXT,
				review_correct SMALLINT,
				overridden SMALLINT,
				truth_label TEXT,
				truth_correct SMALLINT,
				latency_ms ${real(d)},
				input_tokens ${bigint(d)},
				output_tokens ${bigint(d)},
				cost_usd ${real(d)},
				skip_reason TEXT,
				fields TEXT,
				dimensions TEXT
			)`,
			'CREATE INDEX aiwf_metric_events_at ON aiwf_metric_events (at_ms)',
			'CREATE INDEX aiwf_metric_events_workflow_at ON aiwf_metric_events (workflow_id, at_ms)',
		],
	},
	{
		version: 2,
		name: 'review cases',
		statements: (d) => [
			`CREATE TABLE aiwf_review_cases (
				id TEXT PRIMARY KEY,
				workflow_id TEXT NOT NULL,
				execution_id TEXT NOT NULL,
				node_name TEXT NOT NULL,
				token_hash TEXT NOT NULL,
				status TEXT NOT NULL,
				created_at TEXT NOT NULL,
				created_ms ${bigint(d)} NOT NULL,
				expires_at TEXT,
				decided_at TEXT,
				payload TEXT NOT NULL,
				decision TEXT
			)`,
			'CREATE INDEX aiwf_review_cases_execution ON aiwf_review_cases (execution_id, node_name)',
			'CREATE INDEX aiwf_review_cases_status ON aiwf_review_cases (status, workflow_id)',
		],
	},
	{
		version: 3,
		name: 'seen documents',
		statements: (d) => [
			`CREATE TABLE aiwf_seen_documents (
				execution_id TEXT NOT NULL,
				node_name TEXT NOT NULL,
				item_index INTEGER NOT NULL,
				workflow_id TEXT NOT NULL,
				vendor_key TEXT,
				invoice_id TEXT,
				file_sha256 TEXT,
				seen_ms ${bigint(d)} NOT NULL,
				PRIMARY KEY (execution_id, node_name, item_index)
			)`,
			'CREATE INDEX aiwf_seen_documents_invoice ON aiwf_seen_documents (vendor_key, invoice_id)',
			'CREATE INDEX aiwf_seen_documents_file ON aiwf_seen_documents (file_sha256)',
		],
	},
	{
		version: 4,
		name: 'local models',
		statements: (d) => [
			`CREATE TABLE aiwf_models (
				name TEXT NOT NULL,
				version TEXT NOT NULL,
				trained_at TEXT NOT NULL,
				trained_ms ${bigint(d)} NOT NULL,
				metrics TEXT NOT NULL,
				model ${d === 'sqlite' ? 'BLOB' : 'BYTEA'} NOT NULL,
				examples INTEGER NOT NULL,
				PRIMARY KEY (name, version)
			)`,
			'CREATE INDEX aiwf_models_newest ON aiwf_models (name, trained_ms)',
			// example_key: a hash of label and text, so the same example sent twice is kept once
			// (texts can be too long for a unique index of their own).
			`CREATE TABLE aiwf_training_examples (
				name TEXT NOT NULL,
				example_key TEXT NOT NULL,
				text TEXT NOT NULL,
				label TEXT NOT NULL,
				source TEXT NOT NULL,
				added_ms ${bigint(d)} NOT NULL,
				PRIMARY KEY (name, example_key)
			)`,
		],
	},
	{
		version: 5,
		name: 'cascade tier',
		// Cascade events logged before the tier was recorded get the tier their model implies.
		statements: () => [
			'ALTER TABLE aiwf_metric_events ADD COLUMN tier TEXT',
			`UPDATE aiwf_metric_events SET tier = ${CASCADE_TIER_SQL} WHERE engine = 'cascade'`,
		],
	},
	{
		version: 6,
		name: 'vendor memory',
		statements: (d) => [
			// The words of an extracted invoice, kept until a reviewer's correction can be learned from it.
			`CREATE TABLE aiwf_invoice_layouts (
				execution_id TEXT NOT NULL,
				record_hash TEXT NOT NULL,
				saved_ms ${bigint(d)} NOT NULL,
				layout TEXT NOT NULL,
				PRIMARY KEY (execution_id, record_hash)
			)`,
			'CREATE INDEX aiwf_invoice_layouts_saved ON aiwf_invoice_layouts (saved_ms)',
			// One row per key (tax id, IBAN, layout, name) of a vendor, each holding the vendor's whole memory.
			`CREATE TABLE aiwf_vendor_memory (
				vendor_key TEXT PRIMARY KEY,
				memory TEXT NOT NULL,
				updated_ms ${bigint(d)} NOT NULL
			)`,
		],
	},
	{
		version: 7,
		name: 'input statistics',
		// What `ai.input` says about the text the engine saw; events stored before stay null ("no input data").
		statements: (d) => [
			`ALTER TABLE aiwf_metric_events ADD COLUMN input_characters ${bigint(d)}`,
			'ALTER TABLE aiwf_metric_events ADD COLUMN input_language TEXT',
			`ALTER TABLE aiwf_metric_events ADD COLUMN input_unknown_share ${real(d)}`,
			'ALTER TABLE aiwf_metric_events ADD COLUMN input_cleaned SMALLINT',
			'ALTER TABLE aiwf_metric_events ADD COLUMN input_redacted INTEGER',
			'ALTER TABLE aiwf_metric_events ADD COLUMN input_skip_reason TEXT',
		],
	},
];

export const SAVE_INVOICE_LAYOUT =
	'INSERT INTO aiwf_invoice_layouts (execution_id, record_hash, saved_ms, layout) VALUES (?, ?, ?, ?) ' +
	'ON CONFLICT (execution_id, record_hash) DO UPDATE SET saved_ms = excluded.saved_ms, layout = excluded.layout';
/** Layouts older than this are dropped: a review waits far less, and nothing else reads them. */
export const INVOICE_LAYOUT_RETENTION_MS = 90 * 86_400_000;
export const PRUNE_INVOICE_LAYOUTS = 'DELETE FROM aiwf_invoice_layouts WHERE saved_ms < ?';
export const GET_INVOICE_LAYOUT = 'SELECT layout FROM aiwf_invoice_layouts WHERE execution_id = ? AND record_hash = ?';
export const SAVE_VENDOR_MEMORY =
	'INSERT INTO aiwf_vendor_memory (vendor_key, memory, updated_ms) VALUES (?, ?, ?) ' +
	'ON CONFLICT (vendor_key) DO UPDATE SET memory = excluded.memory, updated_ms = excluded.updated_ms';
export const findVendorMemoriesSql = (count: number): string =>
	`SELECT memory FROM aiwf_vendor_memory WHERE vendor_key IN (${Array.from({ length: count }, () => '?').join(', ')}) ORDER BY updated_ms DESC`;

export const EVENT_COLUMNS = [
	'event_key',
	'workflow_id',
	'execution_id',
	'node_name',
	'item_index',
	'at_ms',
	'step',
	'task',
	'label',
	'confidence',
	'engine',
	'model',
	'route_path',
	'sampled',
	'review_decision',
	'reviewed_label',
	'review_correct',
	'overridden',
	'truth_label',
	'truth_correct',
	'latency_ms',
	'input_tokens',
	'output_tokens',
	'cost_usd',
	'skip_reason',
	'fields',
	'dimensions',
	'tier',
	'input_characters',
	'input_language',
	'input_unknown_share',
	'input_cleaned',
	'input_redacted',
	'input_skip_reason',
] as const;

/** PostgreSQL array types of EVENT_COLUMNS, for the UNNEST bulk insert. */
export const EVENT_COLUMN_PG_TYPES = [
	'text', 'text', 'text', 'text', 'int', 'bigint', 'text', 'text', 'text', 'float8', 'text', 'text',
	'text', 'smallint', 'text', 'text', 'smallint', 'smallint', 'text', 'smallint', 'float8', 'bigint',
	'bigint', 'float8', 'text', 'text', 'text', 'text', 'bigint', 'text', 'float8', 'smallint', 'int', 'text',
];

type SqlValue = string | number | null | Uint8Array;

const flag = (value: boolean | undefined): number | null => (value === undefined ? null : value ? 1 : 0);
const opt = <T>(value: T | undefined): T | null => (value === undefined ? null : value);

export function toMillis(iso: string, what: string): number {
	const ms = Date.parse(iso);
	if (!Number.isFinite(ms)) throw new Error(`${what} is not a valid date: ${JSON.stringify(iso)}`);
	return ms;
}

export function eventToRow(e: MetricEvent): SqlValue[] {
	return [
		e.eventKey,
		e.workflowId,
		e.executionId,
		e.nodeName,
		e.itemIndex,
		toMillis(e.at, `Event ${e.eventKey}: at`),
		opt(e.step),
		opt(e.task),
		opt(e.label),
		opt(e.confidence),
		opt(e.engine),
		opt(e.model),
		opt(e.routePath),
		flag(e.sampled),
		opt(e.reviewDecision),
		opt(e.reviewedLabel),
		flag(e.reviewCorrect),
		flag(e.overridden),
		opt(e.truthLabel),
		flag(e.truthCorrect),
		opt(e.latencyMs),
		opt(e.inputTokens),
		opt(e.outputTokens),
		opt(e.costUsd),
		opt(e.skipReason),
		e.fields ? JSON.stringify(e.fields) : null,
		e.dimensions && Object.keys(e.dimensions).length ? JSON.stringify(e.dimensions) : null,
		opt(e.tier),
		opt(e.inputCharacters),
		opt(e.inputLanguage),
		opt(e.inputUnknownTokenShare),
		flag(e.inputCleaned),
		opt(e.inputRedacted),
		opt(e.inputSkipReason),
	];
}

type Row = Record<string, unknown>;

const num = (v: unknown): number | undefined => (v === null || v === undefined ? undefined : Number(v));
const str = (v: unknown): string | undefined => (v === null || v === undefined ? undefined : String(v));
const bool = (v: unknown): boolean | undefined => (v === null || v === undefined ? undefined : Number(v) === 1);

export function rowToEvent(r: Row): MetricEvent {
	const event: MetricEvent = {
		eventKey: String(r.event_key),
		workflowId: String(r.workflow_id),
		executionId: String(r.execution_id),
		nodeName: String(r.node_name),
		itemIndex: Number(r.item_index),
		at: new Date(Number(r.at_ms)).toISOString(),
		step: str(r.step),
		task: str(r.task) as MetricEvent['task'],
		label: str(r.label),
		confidence: num(r.confidence),
		engine: str(r.engine),
		tier: str(r.tier) as CascadeTier | undefined,
		model: str(r.model),
		routePath: str(r.route_path) as MetricEvent['routePath'],
		sampled: bool(r.sampled),
		reviewDecision: str(r.review_decision) as MetricEvent['reviewDecision'],
		reviewedLabel: str(r.reviewed_label),
		reviewCorrect: bool(r.review_correct),
		overridden: bool(r.overridden),
		truthLabel: str(r.truth_label),
		truthCorrect: bool(r.truth_correct),
		latencyMs: num(r.latency_ms),
		inputTokens: num(r.input_tokens),
		outputTokens: num(r.output_tokens),
		costUsd: num(r.cost_usd),
		skipReason: str(r.skip_reason) as SkipReason | undefined,
		fields: r.fields ? JSON.parse(String(r.fields)) : undefined,
		dimensions: r.dimensions ? JSON.parse(String(r.dimensions)) : undefined,
		inputCharacters: num(r.input_characters),
		inputLanguage: str(r.input_language),
		inputUnknownTokenShare: num(r.input_unknown_share),
		inputCleaned: bool(r.input_cleaned),
		inputRedacted: num(r.input_redacted),
		inputSkipReason: str(r.input_skip_reason) as InputSkipReason | undefined,
	};
	for (const key of Object.keys(event) as Array<keyof MetricEvent>) {
		if (event[key] === undefined) delete event[key];
	}
	return event;
}

export function reviewCaseToRow(c: ReviewCase): SqlValue[] {
	return [
		c.id,
		c.workflowId,
		c.executionId,
		c.nodeName,
		c.tokenHash,
		c.status,
		c.createdAt,
		toMillis(c.createdAt, `Review case ${c.id}: createdAt`),
		opt(c.expiresAt),
		opt(c.decidedAt),
		JSON.stringify(c.payload ?? null),
		c.decision === undefined ? null : JSON.stringify(c.decision),
	];
}

export const REVIEW_CASE_COLUMNS = [
	'id', 'workflow_id', 'execution_id', 'node_name', 'token_hash', 'status', 'created_at', 'created_ms',
	'expires_at', 'decided_at', 'payload', 'decision',
];

export function rowToReviewCase(r: Row): ReviewCase {
	const reviewCase: ReviewCase = {
		id: String(r.id),
		workflowId: String(r.workflow_id),
		executionId: String(r.execution_id),
		nodeName: String(r.node_name),
		tokenHash: String(r.token_hash),
		status: String(r.status) as ReviewCase['status'],
		createdAt: String(r.created_at),
		payload: JSON.parse(String(r.payload)),
	};
	if (r.expires_at !== null && r.expires_at !== undefined) reviewCase.expiresAt = String(r.expires_at);
	if (r.decided_at !== null && r.decided_at !== undefined) reviewCase.decidedAt = String(r.decided_at);
	if (r.decision !== null && r.decision !== undefined) reviewCase.decision = JSON.parse(String(r.decision));
	return reviewCase;
}

export interface Statement {
	sql: string;
	params: SqlValue[];
}

/** WHERE clause of a filter; `includeSkipped` false leaves out items recorded without metrics. */
export function whereClause(filter: EventFilter, includeSkipped: boolean): Statement {
	const conditions: string[] = [];
	const params: SqlValue[] = [];
	if (filter.from) {
		conditions.push('at_ms >= ?');
		params.push(toMillis(filter.from, 'from'));
	}
	if (filter.to) {
		conditions.push('at_ms < ?');
		params.push(toMillis(filter.to, 'to'));
	}
	for (const [column, value] of [
		['workflow_id', filter.workflowId],
		['step', filter.step],
		['label', filter.label],
		['model', filter.model],
	] as const) {
		if (value !== undefined && value !== '') {
			conditions.push(`${column} = ?`);
			params.push(value);
		}
	}
	if (!includeSkipped) conditions.push('skip_reason IS NULL');
	return { sql: conditions.length ? `WHERE ${conditions.join(' AND ')}` : '', params };
}

function truthExpressions(query: AggregateQuery): { label: string; correct: string } {
	switch (query.truthSource) {
		case 'groundTruth':
			return { label: 'truth_label', correct: 'truth_correct' };
		case 'review':
			return { label: 'reviewed_label', correct: 'review_correct' };
		default:
			return { label: 'COALESCE(truth_label, reviewed_label)', correct: 'COALESCE(truth_correct, review_correct)' };
	}
}

/** The statements of `aggregate()`, each returning rows with the column names used by the stores. */
export function aggregateStatements(d: Dialect, query: AggregateQuery) {
	const where = whereClause(query, true);
	const metricsWhere = whereClause(query, false);
	const truth = truthExpressions(query);
	const floorInt = (expr: string) => (d === 'sqlite' ? `CAST(${expr} AS INTEGER)` : `FLOOR(${expr})::int`);
	const roundInt = (expr: string) => (d === 'sqlite' ? `CAST(ROUND(${expr}) AS INTEGER)` : `ROUND(${expr})::bigint`);
	const fromMs = query.from ? toMillis(query.from, 'from') : 0;
	const and = (w: Statement, condition: string) => (w.sql ? `${w.sql} AND ${condition}` : `WHERE ${condition}`);
	const fieldRows =
		d === 'sqlite'
			? `SELECT f.key AS field, json_extract(f.value, '$.correct') AS ok, json_extract(f.value, '$.confidence') AS conf
				FROM aiwf_metric_events, json_each(aiwf_metric_events.fields) AS f ${and(metricsWhere, 'fields IS NOT NULL')}`
			: `SELECT f.key AS field, (f.value->>'correct')::boolean::int AS ok, (f.value->>'confidence')::float8 AS conf
				FROM aiwf_metric_events, jsonb_each(aiwf_metric_events.fields::jsonb) AS f ${and(metricsWhere, 'fields IS NOT NULL')}`;
	const okAsInt = d === 'sqlite' ? 'CASE WHEN ok THEN 1 ELSE 0 END' : 'ok';
	// `lengthBin` in SQL: the first inclusive upper edge the length fits under.
	const lengthBinSql = `CASE WHEN input_characters IS NULL THEN NULL ${LENGTH_BIN_EDGES.map((edge, i) => `WHEN input_characters <= ${edge} THEN ${i}`).join(' ')} ELSE ${LENGTH_BIN_EDGES.length} END`;

	return {
		/**
		 * One scan for totals, skips, confusion, label mix and confidence buckets: grouped by every
		 * column they need (a few thousand groups), folded by `foldGroups`.
		 */
		grouped: {
			sql: `SELECT skip_reason, label, ${truth.label} AS truth, ${floorInt('confidence * 100 + 0.000000001')} AS bucket,
				route_path, review_decision, overridden, sampled, ${truth.correct} AS correct,
				COUNT(*) AS n, COUNT(confidence) AS with_confidence, SUM(confidence) AS sum_confidence,
				COUNT(latency_ms) AS with_latency, SUM(latency_ms) AS sum_latency,
				SUM(input_tokens) AS input_tokens, SUM(output_tokens) AS output_tokens, SUM(cost_usd) AS cost_usd,
				MIN(at_ms) AS first_at, MAX(at_ms) AS last_at
				FROM aiwf_metric_events ${where.sql} GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9`,
			params: where.params,
		},
		latency: {
			sql: `SELECT ${roundInt('latency_ms')} AS ms, COUNT(*) AS n FROM aiwf_metric_events
				${and(metricsWhere, 'latency_ms IS NOT NULL')} GROUP BY 1`,
			params: metricsWhere.params,
		},
		timeline: {
			sql: `SELECT ${d === 'sqlite' ? 'CAST((at_ms - ?) / ? AS INTEGER)' : '(at_ms - ?::bigint) / ?::bigint'} AS bucket, COUNT(*) AS n,
				SUM(CASE WHEN route_path = 'auto' THEN 1 ELSE 0 END) AS auto,
				SUM(CASE WHEN review_decision IS NOT NULL THEN 1 ELSE 0 END) AS reviewed,
				SUM(CASE WHEN overridden = 1 THEN 1 ELSE 0 END) AS overridden
				FROM aiwf_metric_events ${metricsWhere.sql} GROUP BY 1`,
			params: [fromMs, Math.max(1, Math.round(query.timelineBucketMs)), ...metricsWhere.params],
		},
		fields: {
			sql: `SELECT field, COUNT(*) AS n, SUM(${okAsInt}) AS correct, COUNT(conf) AS with_confidence, SUM(conf) AS sum_confidence
				FROM (${fieldRows}) AS field_rows GROUP BY field`,
			params: metricsWhere.params,
		},
		cascade: {
			sql: `SELECT workflow_id, node_name, COALESCE(step, '') AS step, COALESCE(task, '') AS task, ${CASCADE_TIER_SQL} AS tier,
				COUNT(*) AS n, COUNT(cost_usd) AS with_cost, SUM(cost_usd) AS cost_usd
				FROM aiwf_metric_events ${and(metricsWhere, "engine = 'cascade'")} GROUP BY 1, 2, 3, 4, 5`,
			params: metricsWhere.params,
		},
		input: {
			sql: `SELECT workflow_id, node_name, COALESCE(step, '') AS step, input_skip_reason, ${lengthBinSql} AS length_bin, input_language,
				${floorInt('input_unknown_share * 100 + 0.000000001')} AS unknown_hundredth, input_cleaned,
				COUNT(*) AS n, SUM(input_characters) AS characters, SUM(input_unknown_share) AS unknown_sum,
				COUNT(input_redacted) AS with_redaction, SUM(input_redacted) AS redacted,
				SUM(CASE WHEN input_redacted > 0 THEN 1 ELSE 0 END) AS items_with_redaction
				FROM aiwf_metric_events ${where.sql}
				GROUP BY 1, 2, 3, 4, 5, 6, 7, 8`,
			params: where.params,
		},
		series: {
			sql: `SELECT workflow_id, COALESCE(step, '') AS step, COALESCE(label, '') AS label, COALESCE(route_path, '') AS route_path,
				COUNT(*) AS n,
				SUM(CASE WHEN review_decision IS NOT NULL THEN 1 ELSE 0 END) AS reviewed,
				SUM(CASE WHEN overridden = 1 THEN 1 ELSE 0 END) AS overridden,
				SUM(input_tokens) AS input_tokens, SUM(output_tokens) AS output_tokens, SUM(cost_usd) AS cost_usd,
				SUM(latency_ms) AS sum_latency
				FROM aiwf_metric_events ${metricsWhere.sql} GROUP BY 1, 2, 3, 4`,
			params: metricsWhere.params,
		},
	};
}

export type AggregateStatements = ReturnType<typeof aggregateStatements>;

type Rows = Row[];
const n = (v: unknown): number => (v === null || v === undefined ? 0 : Number(v));

/** Turns the rows of `aggregateStatements` into `Aggregates`. */
export type AggregateRows = Partial<
	Record<
		'skipped' | 'totals' | 'confusion' | 'labels' | 'confidenceBuckets' | 'latency' | 'timeline' | 'fields' | 'cascade' | 'input' | 'series',
		Rows
	>
>;

const cascadeOrder = (c: { workflowId: string; nodeName: string; step: string; task: string; tier: string }) =>
	JSON.stringify([c.workflowId, c.nodeName, c.step, c.task, c.tier]);
const nullable = <T>(v: unknown, map: (v: unknown) => T): T | null => (v === null || v === undefined ? null : map(v));
const inputOrder = (r: { workflowId: string; nodeName: string; step: string; skipReason: string | null; lengthBin: number | null; language: string | null; unknownHundredth: number | null; cleaned: boolean | null }) =>
	JSON.stringify([r.workflowId, r.nodeName, r.step, r.skipReason, r.lengthBin, r.language, r.unknownHundredth, r.cleaned]);

export function buildAggregates(rows: AggregateRows) {
	const t = rows.totals?.[0] ?? {};
	const skipped: Partial<Record<SkipReason, number>> = {};
	for (const r of rows.skipped ?? []) skipped[String(r.skip_reason) as SkipReason] = n(r.n);
	return {
		totals: {
			events: n(t.events),
			skipped,
			auto: n(t.auto),
			review: n(t.review),
			reject: n(t.reject),
			sampled: n(t.sampled),
			reviewed: n(t.reviewed),
			overridden: n(t.overridden),
			approved: n(t.approved),
			corrected: n(t.corrected),
			rejected: n(t.rejected),
			withConfidence: n(t.with_confidence),
			sumConfidence: n(t.sum_confidence),
			withLatency: n(t.with_latency),
			sumLatencyMs: n(t.sum_latency),
			inputTokens: n(t.input_tokens),
			outputTokens: n(t.output_tokens),
			costUsd: n(t.cost_usd),
			withTruth: n(t.with_truth),
			correct: n(t.correct),
			firstAtMs: t.first_at === null || t.first_at === undefined ? undefined : Number(t.first_at),
			lastAtMs: t.last_at === null || t.last_at === undefined ? undefined : Number(t.last_at),
		},
		confusion: (rows.confusion ?? []).map((r) => ({ predicted: String(r.predicted), truth: String(r.truth), count: n(r.n) })),
		labels: (rows.labels ?? []).map((r) => ({ label: String(r.label), count: n(r.n) })),
		confidenceBuckets: (rows.confidenceBuckets ?? []).map((r) => ({
			bucket: Math.min(100, Math.max(0, n(r.bucket))),
			count: n(r.n),
			sumConfidence: n(r.sum_confidence),
			withTruth: n(r.with_truth),
			correct: n(r.correct),
			sumConfidenceWithTruth: n(r.sum_confidence_truth),
		})),
		latency: (rows.latency ?? []).map((r) => ({ ms: n(r.ms), count: n(r.n) })),
		timeline: (rows.timeline ?? [])
			.map((r) => ({ bucket: n(r.bucket), events: n(r.n), auto: n(r.auto), reviewed: n(r.reviewed), overridden: n(r.overridden) }))
			.sort((a, b) => a.bucket - b.bucket),
		fields: (rows.fields ?? []).map((r) => ({
			field: String(r.field),
			total: n(r.n),
			correct: n(r.correct),
			withConfidence: n(r.with_confidence),
			sumConfidence: n(r.sum_confidence),
		})),
		cascade: (rows.cascade ?? [])
			.map((r) => ({
				workflowId: String(r.workflow_id),
				nodeName: String(r.node_name),
				step: String(r.step),
				task: String(r.task),
				tier: String(r.tier) as CascadeTier,
				count: n(r.n),
				withCost: n(r.with_cost),
				costUsd: n(r.cost_usd),
			}))
			.sort((a, b) => cascadeOrder(a).localeCompare(cascadeOrder(b))),
		input: (rows.input ?? [])
			// Events without input statistics form their own groups (all keys null): not input data.
			.filter((r) => nullable(r.input_skip_reason, String) !== null || nullable(r.length_bin, Number) !== null)
			.map((r) => ({
				workflowId: String(r.workflow_id),
				nodeName: String(r.node_name),
				step: String(r.step),
				skipReason: nullable(r.input_skip_reason, (v) => String(v) as InputSkipReason),
				lengthBin: nullable(r.length_bin, Number),
				language: nullable(r.input_language, String),
				unknownHundredth: nullable(r.unknown_hundredth, Number),
				cleaned: nullable(r.input_cleaned, (v) => Number(v) === 1),
				count: n(r.n),
				sumCharacters: n(r.characters),
				sumUnknownShare: n(r.unknown_sum),
				withRedaction: n(r.with_redaction),
				redacted: n(r.redacted),
				itemsWithRedaction: n(r.items_with_redaction),
			}))
			.sort((a, b) => inputOrder(a).localeCompare(inputOrder(b))),
		series: rows.series?.map((r) => ({
			workflowId: String(r.workflow_id),
			step: String(r.step),
			label: String(r.label),
			routePath: String(r.route_path),
			count: n(r.n),
			reviewed: n(r.reviewed),
			overridden: n(r.overridden),
			inputTokens: n(r.input_tokens),
			outputTokens: n(r.output_tokens),
			costUsd: n(r.cost_usd),
			sumLatencyMs: n(r.sum_latency),
		})),
	};
}

/** Columns the in-process aggregator reads, in this order. */
export const AGGREGATE_COLUMNS = [
	'skip_reason', 'label', 'truth_label', 'reviewed_label', 'truth_correct', 'review_correct', 'confidence', 'route_path',
	'review_decision', 'overridden', 'sampled', 'latency_ms', 'input_tokens', 'output_tokens', 'cost_usd', 'at_ms',
	'workflow_id', 'step', 'fields', 'node_name', 'task', 'engine', 'tier', 'model',
	'input_characters', 'input_language', 'input_unknown_share', 'input_cleaned', 'input_redacted', 'input_skip_reason',
] as const;

type AggregateRow = unknown[];

/**
 * The groupings of `aggregateStatements` computed in one pass over streamed rows (same results).
 * The embedded store uses it: SQLite groups by sorting, and eight sorts of a million rows cost more
 * than reading them once into hash maps in the same process.
 */
export class EventAggregator {
	private readonly skipped = new Map<string, number>();
	private readonly totals = {
		events: 0, auto: 0, review: 0, reject: 0, sampled: 0, reviewed: 0, overridden: 0, approved: 0, corrected: 0,
		rejected: 0, with_confidence: 0, sum_confidence: 0, with_latency: 0, sum_latency: 0, input_tokens: 0,
		output_tokens: 0, cost_usd: 0, with_truth: 0, correct: 0, first_at: null as number | null, last_at: null as number | null,
	};
	private readonly confusion = new Map<string, { predicted: string; truth: string; n: number }>();
	private readonly labels = new Map<string, number>();
	private readonly buckets = new Map<number, { n: number; sum_confidence: number; with_truth: number; correct: number; sum_confidence_truth: number }>();
	private readonly latency = new Map<number, number>();
	private readonly timeline = new Map<number, { n: number; auto: number; reviewed: number; overridden: number }>();
	private readonly fields = new Map<string, { n: number; correct: number; with_confidence: number; sum_confidence: number }>();
	private readonly cascade = new Map<string, { workflow_id: string; node_name: string; step: string; task: string; tier: string; n: number; with_cost: number; cost_usd: number }>();
	private readonly input = new Map<string, Record<string, unknown> & { n: number; characters: number; unknown_sum: number; with_redaction: number; redacted: number; items_with_redaction: number }>();
	private readonly series = new Map<string, Record<string, unknown> & { n: number; reviewed: number; overridden: number; input_tokens: number; output_tokens: number; cost_usd: number; sum_latency: number }>();
	private readonly fromMs: number;
	private readonly bucketMs: number;

	constructor(private readonly query: AggregateQuery) {
		this.fromMs = query.from ? toMillis(query.from, 'from') : 0;
		this.bucketMs = Math.max(1, Math.round(query.timelineBucketMs));
	}

	add(row: AggregateRow): void {
		const [skip, label, truthLabel, reviewedLabel, truthCorrect, reviewCorrect, confidence, route, decision, overridden, sampled, latency, inputTokens, outputTokens, cost, at, workflowId, step, fields, nodeName, task, engine, storedTier, model, inputCharacters, inputLanguage, inputUnknownShare, inputCleaned, inputRedacted, inputSkip] = row as [
			string | null, string | null, string | null, string | null, number | null, number | null, number | null, string | null,
			string | null, number | null, number | null, number | null, number | null, number | null, number | null, number,
			string, string | null, string | null, string, string | null, string | null, string | null, string | null,
			number | null, string | null, number | null, number | null, number | null, string | null,
		];
		if (skip !== null) {
			this.skipped.set(skip, (this.skipped.get(skip) ?? 0) + 1);
			return;
		}
		const t = this.totals;
		const source = this.query.truthSource;
		const truth = source === 'groundTruth' ? truthLabel : source === 'review' ? reviewedLabel : (truthLabel ?? reviewedLabel);
		const correct = source === 'groundTruth' ? truthCorrect : source === 'review' ? reviewCorrect : (truthCorrect ?? reviewCorrect);
		t.events++;
		if (route === 'auto') t.auto++;
		else if (route === 'review') t.review++;
		else if (route === 'reject') t.reject++;
		if (sampled === 1) t.sampled++;
		if (decision !== null) {
			t.reviewed++;
			if (decision === 'approved') t.approved++;
			else if (decision === 'corrected') t.corrected++;
			else if (decision === 'rejected') t.rejected++;
		}
		if (overridden === 1) t.overridden++;
		if (latency !== null) {
			t.with_latency++;
			t.sum_latency += latency;
			const ms = Math.round(latency);
			this.latency.set(ms, (this.latency.get(ms) ?? 0) + 1);
		}
		if (inputTokens !== null) t.input_tokens += inputTokens;
		if (outputTokens !== null) t.output_tokens += outputTokens;
		if (cost !== null) t.cost_usd += cost;
		if (correct !== null) {
			t.with_truth++;
			t.correct += correct;
		}
		if (t.first_at === null || at < t.first_at) t.first_at = at;
		if (t.last_at === null || at > t.last_at) t.last_at = at;
		if (label !== null) {
			this.labels.set(label, (this.labels.get(label) ?? 0) + 1);
			if (truth !== null) {
				const key = `${label}\u0000${truth}`;
				const cell = this.confusion.get(key);
				if (cell) cell.n++;
				else this.confusion.set(key, { predicted: label, truth, n: 1 });
			}
		}
		if (confidence !== null) {
			t.with_confidence++;
			t.sum_confidence += confidence;
			const bucketIndex = Math.floor(confidence * 100 + 0.000000001);
			let bucket = this.buckets.get(bucketIndex);
			if (!bucket) this.buckets.set(bucketIndex, (bucket = { n: 0, sum_confidence: 0, with_truth: 0, correct: 0, sum_confidence_truth: 0 }));
			bucket.n++;
			bucket.sum_confidence += confidence;
			if (correct !== null) {
				bucket.with_truth++;
				bucket.correct += correct;
				bucket.sum_confidence_truth += confidence;
			}
		}
		const timelineIndex = Math.floor((at - this.fromMs) / this.bucketMs);
		let slot = this.timeline.get(timelineIndex);
		if (!slot) this.timeline.set(timelineIndex, (slot = { n: 0, auto: 0, reviewed: 0, overridden: 0 }));
		slot.n++;
		if (route === 'auto') slot.auto++;
		if (decision !== null) slot.reviewed++;
		if (overridden === 1) slot.overridden++;
		if (fields !== null) {
			for (const [field, outcome] of Object.entries(JSON.parse(fields) as Record<string, { correct?: boolean; confidence?: number }>)) {
				let f = this.fields.get(field);
				if (!f) this.fields.set(field, (f = { n: 0, correct: 0, with_confidence: 0, sum_confidence: 0 }));
				f.n++;
				if (outcome.correct) f.correct++;
				if (typeof outcome.confidence === 'number') {
					f.with_confidence++;
					f.sum_confidence += outcome.confidence;
				}
			}
		}
		// SQL's rule: a stored tier wins; the model only decides when none is stored.
		const tier = engine === 'cascade' ? (storedTier ?? cascadeTierOf(engine, undefined, model)) : undefined;
		if (tier !== undefined) {
			const key = JSON.stringify([workflowId, nodeName, step ?? '', task ?? '', tier]);
			let c = this.cascade.get(key);
			if (!c) {
				c = { workflow_id: workflowId, node_name: nodeName, step: step ?? '', task: task ?? '', tier, n: 0, with_cost: 0, cost_usd: 0 };
				this.cascade.set(key, c);
			}
			c.n++;
			if (cost !== null) {
				c.with_cost++;
				c.cost_usd += cost;
			}
		}
		if (inputCharacters !== null || inputSkip !== null) {
			const length = inputCharacters === null ? null : lengthBin(inputCharacters);
			const hundredth = inputUnknownShare === null ? null : unknownShareHundredth(inputUnknownShare);
			const key = JSON.stringify([workflowId, nodeName, step ?? '', inputSkip, length, inputLanguage, hundredth, inputCleaned]);
			let i = this.input.get(key);
			if (!i) {
				i = {
					workflow_id: workflowId, node_name: nodeName, step: step ?? '', input_skip_reason: inputSkip, length_bin: length,
					input_language: inputLanguage, unknown_hundredth: hundredth, input_cleaned: inputCleaned,
					n: 0, characters: 0, unknown_sum: 0, with_redaction: 0, redacted: 0, items_with_redaction: 0,
				};
				this.input.set(key, i);
			}
			i.n++;
			i.characters += inputCharacters ?? 0;
			i.unknown_sum += inputUnknownShare ?? 0;
			if (inputRedacted !== null) {
				i.with_redaction++;
				i.redacted += inputRedacted;
				if (inputRedacted > 0) i.items_with_redaction++;
			}
		}
		if (this.query.includeSeries) {
			const key = JSON.stringify([workflowId, step ?? '', label ?? '', route ?? '']);
			let s = this.series.get(key);
			if (!s) {
				s = { workflow_id: workflowId, step: step ?? '', label: label ?? '', route_path: route ?? '', n: 0, reviewed: 0, overridden: 0, input_tokens: 0, output_tokens: 0, cost_usd: 0, sum_latency: 0 };
				this.series.set(key, s);
			}
			s.n++;
			if (decision !== null) s.reviewed++;
			if (overridden === 1) s.overridden++;
			s.input_tokens += inputTokens ?? 0;
			s.output_tokens += outputTokens ?? 0;
			s.cost_usd += cost ?? 0;
			s.sum_latency += latency ?? 0;
		}
	}

	result() {
		return buildAggregates({
			skipped: [...this.skipped].map(([skip_reason, n]) => ({ skip_reason, n })),
			totals: [this.totals],
			confusion: [...this.confusion.values()],
			labels: [...this.labels].map(([label, n]) => ({ label, n })),
			confidenceBuckets: [...this.buckets].map(([bucket, b]) => ({ bucket, ...b })),
			latency: [...this.latency].map(([ms, n]) => ({ ms, n })),
			timeline: [...this.timeline].map(([bucket, b]) => ({ bucket, ...b })),
			fields: [...this.fields].map(([field, f]) => ({ field, ...f })),
			cascade: [...this.cascade.values()],
			input: [...this.input.values()],
			series: this.query.includeSeries ? [...this.series.values()] : undefined,
		});
	}
}

/** Folds the rows of the `grouped` statement into the rows of skipped, totals, confusion, labels and buckets. */
export function foldGroups(groups: Row[]) {
	const skipped = new Map<string, number>();
	const totals = {
		events: 0, auto: 0, review: 0, reject: 0, sampled: 0, reviewed: 0, overridden: 0, approved: 0, corrected: 0,
		rejected: 0, with_confidence: 0, sum_confidence: 0, with_latency: 0, sum_latency: 0, input_tokens: 0,
		output_tokens: 0, cost_usd: 0, with_truth: 0, correct: 0, first_at: null as number | null, last_at: null as number | null,
	};
	const confusion = new Map<string, { predicted: string; truth: string; n: number }>();
	const labels = new Map<string, number>();
	const buckets = new Map<number, { n: number; sum_confidence: number; with_truth: number; correct: number; sum_confidence_truth: number }>();
	for (const g of groups) {
		const count = n(g.n);
		if (g.skip_reason !== null && g.skip_reason !== undefined) {
			skipped.set(String(g.skip_reason), (skipped.get(String(g.skip_reason)) ?? 0) + count);
			continue;
		}
		const correct = g.correct === null || g.correct === undefined ? null : n(g.correct);
		totals.events += count;
		if (g.route_path === 'auto') totals.auto += count;
		else if (g.route_path === 'review') totals.review += count;
		else if (g.route_path === 'reject') totals.reject += count;
		if (n(g.sampled) === 1) totals.sampled += count;
		if (g.review_decision !== null && g.review_decision !== undefined) {
			totals.reviewed += count;
			if (g.review_decision === 'approved') totals.approved += count;
			else if (g.review_decision === 'corrected') totals.corrected += count;
			else if (g.review_decision === 'rejected') totals.rejected += count;
		}
		if (n(g.overridden) === 1) totals.overridden += count;
		totals.with_confidence += n(g.with_confidence);
		totals.sum_confidence += n(g.sum_confidence);
		totals.with_latency += n(g.with_latency);
		totals.sum_latency += n(g.sum_latency);
		totals.input_tokens += n(g.input_tokens);
		totals.output_tokens += n(g.output_tokens);
		totals.cost_usd += n(g.cost_usd);
		if (correct !== null) {
			totals.with_truth += count;
			totals.correct += correct * count;
		}
		const first = n(g.first_at);
		const last = n(g.last_at);
		if (totals.first_at === null || first < totals.first_at) totals.first_at = first;
		if (totals.last_at === null || last > totals.last_at) totals.last_at = last;
		if (g.label !== null && g.label !== undefined) {
			const label = String(g.label);
			labels.set(label, (labels.get(label) ?? 0) + count);
			if (g.truth !== null && g.truth !== undefined) {
				const key = JSON.stringify([label, String(g.truth)]);
				const cell = confusion.get(key);
				if (cell) cell.n += count;
				else confusion.set(key, { predicted: label, truth: String(g.truth), n: count });
			}
		}
		if (g.bucket !== null && g.bucket !== undefined) {
			const index = n(g.bucket);
			let bucket = buckets.get(index);
			if (!bucket) buckets.set(index, (bucket = { n: 0, sum_confidence: 0, with_truth: 0, correct: 0, sum_confidence_truth: 0 }));
			bucket.n += count;
			bucket.sum_confidence += n(g.sum_confidence);
			if (correct !== null) {
				bucket.with_truth += count;
				bucket.correct += correct * count;
				bucket.sum_confidence_truth += n(g.sum_confidence);
			}
		}
	}
	return {
		skipped: [...skipped].map(([skip_reason, count]) => ({ skip_reason, n: count })),
		totals: [totals],
		confusion: [...confusion.values()],
		labels: [...labels].map(([label, count]) => ({ label, n: count })),
		confidenceBuckets: [...buckets].map(([bucket, b]) => ({ bucket, ...b })),
	};
}

/** The newest `limit` cases in one state, optionally of one workflow (status, workflowId, workflowId, limit). */
export const REVIEW_CASES_BY_STATUS =
	'SELECT * FROM aiwf_review_cases WHERE status = ? AND (CAST(? AS TEXT) IS NULL OR workflow_id = ?) ' +
	'ORDER BY created_ms DESC, id DESC LIMIT ?';

export const SEEN_DOCUMENT_COLUMNS = [
	'execution_id', 'node_name', 'item_index', 'workflow_id', 'vendor_key', 'invoice_id', 'file_sha256', 'seen_ms',
];

/** Idempotent by (execution, node, item): a retried item does not count as seen twice. */
export const INSERT_SEEN_DOCUMENT =
	`INSERT INTO aiwf_seen_documents (${SEEN_DOCUMENT_COLUMNS.join(', ')}) VALUES (${SEEN_DOCUMENT_COLUMNS.map(() => '?').join(', ')}) ` +
	'ON CONFLICT (execution_id, node_name, item_index) DO NOTHING';

export function seenDocumentToRow(s: SeenDocument): SqlValue[] {
	return [
		s.executionId,
		s.nodeName,
		s.itemIndex,
		s.workflowId,
		opt(s.vendorKey),
		opt(s.invoiceId),
		opt(s.fileSha256),
		toMillis(s.seenAt, 'Seen document: seenAt'),
	];
}

export function rowToSeenDocument(r: Row): SeenDocument {
	const seen: SeenDocument = {
		executionId: String(r.execution_id),
		nodeName: String(r.node_name),
		itemIndex: Number(r.item_index),
		workflowId: String(r.workflow_id),
		seenAt: new Date(Number(r.seen_ms)).toISOString(),
	};
	if (r.vendor_key !== null && r.vendor_key !== undefined) seen.vendorKey = String(r.vendor_key);
	if (r.invoice_id !== null && r.invoice_id !== undefined) seen.invoiceId = String(r.invoice_id);
	if (r.file_sha256 !== null && r.file_sha256 !== undefined) seen.fileSha256 = String(r.file_sha256);
	return seen;
}

/**
 * Earlier sightings with the same vendor and invoice id, or the same file, from other executions;
 * oldest first. A half-known key (vendor without invoice id) matches nothing.
 */
export function findSeenDocumentsStatement(query: SeenDocumentQuery): Statement {
	const conditions: string[] = [];
	const params: SqlValue[] = [];
	if (query.vendorKey && query.invoiceId) {
		conditions.push('(vendor_key = ? AND invoice_id = ?)');
		params.push(query.vendorKey, query.invoiceId);
	}
	if (query.fileSha256) {
		conditions.push('file_sha256 = ?');
		params.push(query.fileSha256);
	}
	if (conditions.length === 0) return { sql: '', params: [] };
	return {
		sql:
			`SELECT * FROM aiwf_seen_documents WHERE (${conditions.join(' OR ')}) AND execution_id <> ? ` +
			'ORDER BY seen_ms, execution_id, node_name, item_index LIMIT ?',
		params: [...params, query.excludeExecutionId, query.limit ?? 20],
	};
}

export const MODEL_COLUMNS = ['name', 'version', 'trained_at', 'trained_ms', 'metrics', 'model', 'examples'];

export function modelToRow(model: StoredModel): SqlValue[] {
	return [
		model.name,
		model.version,
		model.trainedAt,
		toMillis(model.trainedAt, `Model ${model.name}: trainedAt`),
		JSON.stringify(model.metrics ?? null),
		model.model,
		model.examples,
	];
}

export function rowToModel(r: Row): StoredModel {
	const bytes = r.model as Uint8Array;
	return {
		name: String(r.name),
		version: String(r.version),
		trainedAt: String(r.trained_at),
		metrics: JSON.parse(String(r.metrics)),
		model: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength),
		examples: Number(r.examples),
	};
}

/** Newest first; a retrained identical model (same version) counts from its latest training. */
export const NEWEST_MODEL = 'SELECT * FROM aiwf_models WHERE name = ? ORDER BY trained_ms DESC, version DESC LIMIT 1';
export const NEWEST_MODEL_VERSION = 'SELECT version FROM aiwf_models WHERE name = ? ORDER BY trained_ms DESC, version DESC LIMIT 1';

export const TRAINING_EXAMPLE_COLUMNS = ['name', 'example_key', 'text', 'label', 'source', 'added_ms'];

export function trainingExampleToRow(name: string, example: TrainingExample, addedMs: number): SqlValue[] {
	const key = createHash('sha256').update(example.label).update('\u0000').update(example.text).digest('hex');
	return [name, key, example.text, example.label, example.source, addedMs];
}

export function rowToTrainingExample(r: Row): TrainingExample {
	return { text: String(r.text), label: String(r.label), source: String(r.source) };
}

/** In the order they were added, so training on them is deterministic. */
export const TRAINING_EXAMPLES_OF = 'SELECT text, label, source FROM aiwf_training_examples WHERE name = ? ORDER BY added_ms, example_key';
