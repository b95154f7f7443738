/** Exports of the event store: Prometheus text exposition (0.0.4), CSV and JSON lines. */
import type { Aggregates, MetricEvent } from '../store/types';
import { LENGTH_BIN_EDGES, unknownShareBin, UNKNOWN_SHARE_BIN_COUNT } from './inputDrift';

const promEscape = (value: string) => value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
const labelSet = (labels: Record<string, string>) =>
	`{${Object.entries(labels)
		.map(([k, v]) => `${k}="${promEscape(v)}"`)
		.join(',')}}`;
const promNumber = (v: number) => (Number.isFinite(v) ? String(v) : v > 0 ? '+Inf' : v < 0 ? '-Inf' : 'NaN');

export const CONFIDENCE_BUCKETS = [0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99, 1];
export const LATENCY_BUCKETS_MS = [100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000];

/**
 * Counters per workflow, step, label and route, and histograms of confidence and latency. Counters
 * are totals over the exported window: export without a time limit for counters a scraper can rate().
 * Confidence buckets count confidence below the next hundredth (two-decimal resolution).
 */
export function toPrometheus(aggregates: Aggregates, prefix = 'aiwf'): string {
	const lines: string[] = [];
	const series = aggregates.series ?? [];
	const counter = (name: string, help: string, values: Array<[Record<string, string>, number]>) => {
		lines.push(`# HELP ${prefix}_${name} ${help}`, `# TYPE ${prefix}_${name} counter`);
		for (const [labels, value] of values) lines.push(`${prefix}_${name}${labelSet(labels)} ${promNumber(value)}`);
	};
	const keyOf = (s: (typeof series)[number]) => ({ workflow: s.workflowId, step: s.step, label: s.label, route: s.routePath });
	counter('events_total', 'Decisions logged by Metrics Logger.', series.map((s) => [keyOf(s), s.count]));
	counter('reviews_total', 'Decisions a human reviewed.', series.map((s) => [keyOf(s), s.reviewed]));
	counter('overrides_total', 'Reviewed decisions the reviewer changed.', series.map((s) => [keyOf(s), s.overridden]));
	counter(
		'tokens_total',
		'Model tokens used.',
		series.flatMap((s) => [
			[{ ...keyOf(s), direction: 'input' }, s.inputTokens] as [Record<string, string>, number],
			[{ ...keyOf(s), direction: 'output' }, s.outputTokens] as [Record<string, string>, number],
		]),
	);
	counter('cost_usd_total', 'Model cost in US dollars.', series.map((s) => [keyOf(s), s.costUsd]));
	const cascadeKey = (c: Aggregates['cascade'][number]) => ({ workflow: c.workflowId, node: c.nodeName, step: c.step, task: c.task, tier: c.tier });
	counter('cascade_items_total', 'Cascade decisions by the tier that answered (local or llm).', aggregates.cascade.map((c) => [cascadeKey(c), c.count]));
	counter('cascade_cost_usd_total', 'Recorded model cost of cascade decisions by tier, in US dollars.', aggregates.cascade.map((c) => [cascadeKey(c), c.costUsd]));
	counter(
		'skipped_total',
		'Items logged without metrics (no ai field, invalid confidence…).',
		Object.entries(aggregates.totals.skipped).map(([reason, n]) => [{ reason }, n ?? 0]),
	);

	inputSeries(aggregates.input, prefix, lines, counter);

	lines.push(`# HELP ${prefix}_confidence Confidence of the decisions.`, `# TYPE ${prefix}_confidence histogram`);
	let sumConfidence = 0;
	let countConfidence = 0;
	for (const b of aggregates.confidenceBuckets) {
		sumConfidence += b.sumConfidence;
		countConfidence += b.count;
	}
	for (const le of CONFIDENCE_BUCKETS) {
		const bound = Math.round(le * 100);
		const cumulative = aggregates.confidenceBuckets
			.filter((b) => (le === 1 ? true : b.bucket < bound))
			.reduce((a, b) => a + b.count, 0);
		lines.push(`${prefix}_confidence_bucket{le="${le}"} ${cumulative}`);
	}
	lines.push(`${prefix}_confidence_bucket{le="+Inf"} ${countConfidence}`);
	lines.push(`${prefix}_confidence_sum ${promNumber(sumConfidence)}`, `${prefix}_confidence_count ${countConfidence}`);

	lines.push(`# HELP ${prefix}_latency_ms Model latency per decision in milliseconds.`, `# TYPE ${prefix}_latency_ms histogram`);
	const latencyCount = aggregates.latency.reduce((a, h) => a + h.count, 0);
	for (const le of LATENCY_BUCKETS_MS) {
		const cumulative = aggregates.latency.filter((h) => h.ms <= le).reduce((a, h) => a + h.count, 0);
		lines.push(`${prefix}_latency_ms_bucket{le="${le}"} ${cumulative}`);
	}
	lines.push(`${prefix}_latency_ms_bucket{le="+Inf"} ${latencyCount}`);
	lines.push(
		`${prefix}_latency_ms_sum ${promNumber(aggregates.totals.sumLatencyMs)}`,
		`${prefix}_latency_ms_count ${latencyCount}`,
	);
	return `${lines.join('\n')}\n`;
}

type Labels = Record<string, string>;

/**
 * The input statistics (`ai.input`) by workflow, node and step: items by language, items with content
 * cleaned away, values redacted, input statistics skipped, and histograms of text length (the input
 * drift bins) and unknown-token share (tenths, counting shares below the next hundredth).
 */
function inputSeries(
	rows: Aggregates['input'],
	prefix: string,
	lines: string[],
	counter: (name: string, help: string, values: Array<[Labels, number]>) => void,
) {
	const valid = rows.filter((r) => r.skipReason === null);
	const groupOf = (r: Aggregates['input'][number]): Labels => ({ workflow: r.workflowId, node: r.nodeName, step: r.step });
	const sumBy = (list: typeof rows, key: (r: (typeof rows)[number]) => Labels, value: (r: (typeof rows)[number]) => number) => {
		const sums = new Map<string, [Labels, number]>();
		for (const r of list) {
			const labels = key(r);
			const id = JSON.stringify(labels);
			const entry = sums.get(id) ?? [labels, 0];
			entry[1] += value(r);
			sums.set(id, entry);
		}
		return [...sums.values()];
	};
	counter('input_items_total', 'Decisions logged with input statistics, by the language of the text the engine saw.', sumBy(valid, (r) => ({ ...groupOf(r), language: r.language ?? 'und' }), (r) => r.count));
	counter('input_cleaned_total', 'Inputs with quoted history, a signature, a disclaimer or HTML cleaned away.', sumBy(valid.filter((r) => r.cleaned !== null), groupOf, (r) => (r.cleaned ? r.count : 0)));
	counter('input_redacted_total', 'Values redacted before the model.', sumBy(valid.filter((r) => r.withRedaction > 0), groupOf, (r) => r.redacted));
	counter('input_skipped_total', 'Decisions logged without input statistics (invalid ai.input).', sumBy(rows.filter((r) => r.skipReason !== null), (r) => ({ ...groupOf(r), reason: String(r.skipReason) }), (r) => r.count));

	const histogram = (name: string, help: string, edges: number[], binOf: (r: (typeof rows)[number]) => number | null, sum: (r: (typeof rows)[number]) => number) => {
		lines.push(`# HELP ${prefix}_${name} ${help}`, `# TYPE ${prefix}_${name} histogram`);
		const groups = new Map<string, { labels: Labels; bins: number[]; count: number; sum: number }>();
		for (const r of valid) {
			const bin = binOf(r);
			if (bin === null) continue;
			const labels = groupOf(r);
			const id = JSON.stringify(labels);
			const g = groups.get(id) ?? { labels, bins: new Array<number>(edges.length + 1).fill(0), count: 0, sum: 0 };
			g.bins[bin] += r.count;
			g.count += r.count;
			g.sum += sum(r);
			groups.set(id, g);
		}
		for (const g of groups.values()) {
			let cumulative = 0;
			edges.forEach((edge, i) => {
				cumulative += g.bins[i];
				lines.push(`${prefix}_${name}_bucket${labelSet({ ...g.labels, le: String(edge) })} ${cumulative}`);
			});
			lines.push(`${prefix}_${name}_bucket${labelSet({ ...g.labels, le: '+Inf' })} ${g.count}`);
			lines.push(`${prefix}_${name}_sum${labelSet(g.labels)} ${promNumber(g.sum)}`, `${prefix}_${name}_count${labelSet(g.labels)} ${g.count}`);
		}
	};
	histogram('input_characters', 'Characters of the text the engine saw.', [...LENGTH_BIN_EDGES], (r) => r.lengthBin, (r) => r.sumCharacters);
	const tenths = Array.from({ length: UNKNOWN_SHARE_BIN_COUNT - 1 }, (_, i) => (i + 1) / 10);
	// The last tenth [0.9, 1] has no edge of its own: +Inf holds it.
	histogram('input_unknown_token_share', 'Share of the words unknown to the local model.', tenths, (r) => (r.unknownHundredth === null ? null : unknownShareBin(r.unknownHundredth)), (r) => r.sumUnknownShare);
}

export const CSV_COLUMNS: Array<keyof MetricEvent> = [
	'eventKey', 'at', 'workflowId', 'executionId', 'nodeName', 'itemIndex', 'step', 'task', 'label', 'confidence',
	'engine', 'tier', 'model', 'routePath', 'sampled', 'reviewDecision', 'reviewedLabel', 'reviewCorrect', 'overridden',
	'truthLabel', 'truthCorrect', 'latencyMs', 'inputTokens', 'outputTokens', 'costUsd', 'skipReason', 'fields',
	'dimensions', 'inputCharacters', 'inputLanguage', 'inputUnknownTokenShare', 'inputCleaned', 'inputRedacted', 'inputSkipReason',
];

/** RFC 4180 quoting; text starting with = + - @ gets a leading ' so spreadsheets do not run it. */
export function csvCell(value: unknown): string {
	if (value === undefined || value === null) return '';
	let text = typeof value === 'object' ? JSON.stringify(value) : String(value);
	if (typeof value === 'string' && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
	return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function csvHeader(): string {
	return `${CSV_COLUMNS.join(',')}\r\n`;
}

export function toCsvRows(events: MetricEvent[]): string {
	return events.map((e) => `${CSV_COLUMNS.map((c) => csvCell(e[c])).join(',')}\r\n`).join('');
}

export function toJsonLines(events: MetricEvent[]): string {
	return events.map((e) => `${JSON.stringify(e)}\n`).join('');
}
