/**
 * The Metrics Logger report, computed from the groupings the store aggregates in SQL (so a window of
 * millions of events never travels to n8n row by row).
 *
 * Definitions (also in the README):
 * - auto-handled / review / reject rate: share of events by `route.path`; override rate: overridden
 *   among reviewed events.
 * - truth: the ground-truth field where given, else the reviewer (approved → the prediction was right;
 *   corrected → the corrected label, or wrong when `overridden`); events without either are left out
 *   of accuracy, precision/recall/F1, calibration and the error rates.
 * - per-label precision = TP/(TP+FP), recall = TP/(TP+FN); an undefined ratio (label never predicted
 *   or never true) is null and counts as 0 in the macro average (scikit-learn's zero_division=0).
 *   Micro averages pool the counts (single-label: micro P = R = F1 = accuracy over labelled events).
 * - percentiles: nearest rank over latencies rounded to whole milliseconds.
 * - ECE: 10 equal-width confidence bins, Σ (n_bin / n) · |accuracy_bin − mean confidence_bin|.
 * - threshold what-if: for τ, auto rate = share of events with confidence ≥ τ; error rate = wrong
 *   among those with a known truth.
 * - PSI of the label mix: Σ (p − q) · ln(p / q), shares floored at 0.0001.
 * - cascade (engine 'cascade'): items answered by the local tier and by the LLM; cost spent = the
 *   recorded cost of the LLM-tier items; estimated saving = local items × the mean recorded cost of the
 *   LLM-tier items of the same group (workflow, Metrics Logger node, step, task) in the window. A group
 *   without an LLM-tier item that carries a cost has no price to go by: its saving is not estimable
 *   (null), never guessed from a price list.
 * - input drift (`ai.input`): see inputDrift.ts — PSI of text length, language, unknown-token share
 *   and cleaned-away content per workflow, node and step against the previous window.
 */
import type { Aggregates, EventFilter, SkipReason, TruthSource } from '../store/types';
import { inputDriftAlerts, inputDriftSection, psiOfCategories, type InputAlert, type InputDriftSection } from './inputDrift';

export interface ReportOptions {
	from: string;
	to: string;
	filter: EventFilter;
	truthSource: TruthSource;
	timelineBucketMs: number;
	/** The τ that meets this error rate is reported (default 0.05). */
	targetErrorRate?: number;
	/** Alert when the override rate rises by more than this (absolute, default 0.05). */
	overrideRateIncrease?: number;
	/** Alert when the mean confidence moves by more than this (absolute, default 0.05). */
	confidenceShift?: number;
	/** Alert when the label mix PSI exceeds this (default 0.2). */
	psiThreshold?: number;
	/** Fewer events than this in either window: no drift alert (default 30). */
	minSamples?: number;
}

export interface LabelMetrics {
	label: string;
	support: number;
	predicted: number;
	truePositives: number;
	precision: number | null;
	recall: number | null;
	f1: number | null;
}

export interface DriftAlert {
	type: 'override_rate_up' | 'confidence_shift' | 'label_mix_psi' | InputAlert['type'];
	severity: 'warning' | 'critical';
	current: number;
	previous: number;
	threshold: number;
	message: string;
	/** Input-drift alerts: the workflow, Metrics Logger node and step whose input moved. */
	group?: InputAlert['group'];
	/** On `override_rate_up`: the input-drift alerts of the same window, the likely causes. */
	likelyCauses?: Array<Pick<InputAlert, 'type' | 'severity' | 'current' | 'group'>>;
}

export interface ThresholdPoint {
	threshold: number;
	autoRate: number | null;
	errorRate: number | null;
	autoCount: number;
	withTruth: number;
}

export interface CascadeGroup {
	workflowId: string;
	/** The Metrics Logger node that logged the events. */
	nodeName: string;
	step: string;
	task: string;
	items: number;
	localItems: number;
	llmItems: number;
	localShare: number | null;
	llmShare: number | null;
	/** Recorded cost of the LLM-tier items. */
	llmCostUsd: number;
	/** LLM-tier items that carry a cost (the mean is taken over these). */
	llmItemsWithCost: number;
	meanLlmCostUsd: number | null;
	/** localItems × meanLlmCostUsd; null when there are local items but no LLM cost to price them by. */
	estimatedSavedUsd: number | null;
}

export interface CascadeFigures {
	items: number;
	localItems: number;
	llmItems: number;
	localShare: number | null;
	llmShare: number | null;
	llmCostUsd: number;
	/** Sum over the groups that can be priced; null when no local item can be (see localItemsNotPriced). */
	estimatedSavedUsd: number | null;
	localItemsPriced: number;
	/** Local items of groups without an LLM-tier cost in the window: left out of the estimate. */
	localItemsNotPriced: number;
	method: string;
	groups: CascadeGroup[];
}

export const CASCADE_SAVING_METHOD =
	'Estimated saving = items answered by the local tier × the mean recorded LLM cost per item of the LLM-tier items ' +
	'of the same workflow, Metrics Logger node, step and task in this window. Groups without an LLM-tier item that ' +
	'carries a cost cannot be priced and are not estimated.';

export interface MetricsReport {
	window: { from: string; to: string; previousFrom: string; previousTo: string; hours: number };
	filters: EventFilter;
	truthSource: TruthSource;
	volume: number;
	skipped: Partial<Record<SkipReason, number>> & { total: number };
	counts: {
		auto: number;
		review: number;
		reject: number;
		sampled: number;
		reviewed: number;
		overridden: number;
		approved: number;
		corrected: number;
		rejected: number;
		withTruth: number;
		correct: number;
	};
	autoHandledRate: number | null;
	reviewRate: number | null;
	rejectRate: number | null;
	overrideRate: number | null;
	accuracy: number | null;
	meanConfidence: number | null;
	perLabel: LabelMetrics[];
	macro: { precision: number | null; recall: number | null; f1: number | null };
	micro: { precision: number | null; recall: number | null; f1: number | null };
	confusionMatrix: { labels: string[]; matrix: number[][] };
	fieldAccuracy: Array<{ field: string; total: number; correct: number; accuracy: number; meanConfidence: number | null }>;
	calibration: {
		ece: number | null;
		withTruth: number;
		bins: Array<{ from: number; to: number; count: number; meanConfidence: number | null; accuracy: number | null }>;
	};
	latencyMs: { p50: number | null; p95: number | null; p99: number | null; mean: number | null; count: number };
	tokens: { input: number; output: number; total: number; perItem: number | null; perAutoHandledItem: number | null };
	costUsd: { total: number; perItem: number | null; perAutoHandledItem: number | null };
	cascade: CascadeFigures;
	throughput: { perHour: number; perDay: number };
	overrideTimeline: Array<{
		from: string;
		to: string;
		events: number;
		reviewed: number;
		overridden: number;
		overrideRate: number | null;
		autoRate: number | null;
	}>;
	thresholdWhatIf: { points: ThresholdPoint[]; targetErrorRate: number; recommendedThreshold: number | null };
	previous: { volume: number; overrideRate: number | null; meanConfidence: number | null };
	inputDrift: InputDriftSection;
	alerts: DriftAlert[];
}

const ratio = (part: number, whole: number): number | null => (whole > 0 ? part / whole : null);
const round = (value: number | null, digits = 6): number | null =>
	value === null ? null : Math.round(value * 10 ** digits) / 10 ** digits;
const f1Of = (p: number | null, r: number | null): number | null => {
	if (p === null && r === null) return null;
	const pp = p ?? 0;
	const rr = r ?? 0;
	return pp + rr > 0 ? (2 * pp * rr) / (pp + rr) : 0;
};
/**
 * A mean confidence to 9 decimals: the stores add the same confidences in different orders (SQL
 * groups, one streamed pass), which moves the last binary digits; rounded, both give one figure.
 */
const meanConfidenceOf = (sum: number, count: number): number | null => round(ratio(sum, count), 9);
const mean = (values: Array<number | null>): number | null =>
	values.length ? values.reduce<number>((sum, v) => sum + (v ?? 0), 0) / values.length : null;

export function labelMetrics(confusion: Aggregates['confusion']) {
	const labels = [...new Set(confusion.flatMap((c) => [c.predicted, c.truth]))].sort();
	const index = new Map(labels.map((l, i) => [l, i]));
	const matrix = labels.map(() => labels.map(() => 0));
	for (const c of confusion) matrix[index.get(c.truth)!][index.get(c.predicted)!] += c.count;
	let tpSum = 0;
	let total = 0;
	const perLabel: LabelMetrics[] = labels.map((label, i) => {
		const truePositives = matrix[i][i];
		const support = matrix[i].reduce((a, b) => a + b, 0);
		const predicted = matrix.reduce((a, row) => a + row[i], 0);
		tpSum += truePositives;
		total += support;
		const precision = ratio(truePositives, predicted);
		const recall = ratio(truePositives, support);
		return { label, support, predicted, truePositives, precision, recall, f1: f1Of(precision, recall) };
	});
	const micro = ratio(tpSum, total);
	return {
		/** Rows: true label; columns: predicted label. */
		confusionMatrix: { labels, matrix },
		perLabel,
		macro: {
			precision: mean(perLabel.map((l) => l.precision)),
			recall: mean(perLabel.map((l) => l.recall)),
			f1: mean(perLabel.map((l) => l.f1)),
		},
		micro: { precision: micro, recall: micro, f1: micro },
	};
}

/** Nearest-rank percentile over a histogram of whole-millisecond latencies. */
export function percentile(histogram: Aggregates['latency'], p: number): number | null {
	const sorted = [...histogram].sort((a, b) => a.ms - b.ms);
	const total = sorted.reduce((a, h) => a + h.count, 0);
	if (total === 0) return null;
	const rank = Math.max(1, Math.ceil((p / 100) * total));
	let cumulative = 0;
	for (const h of sorted) {
		cumulative += h.count;
		if (cumulative >= rank) return h.ms;
	}
	return sorted[sorted.length - 1].ms;
}

export function calibration(buckets: Aggregates['confidenceBuckets'], binCount = 10) {
	const bins = Array.from({ length: binCount }, (_, i) => ({ from: i / binCount, to: (i + 1) / binCount, n: 0, sum: 0, correct: 0 }));
	for (const b of buckets) {
		const bin = bins[Math.min(binCount - 1, Math.floor((b.bucket * binCount) / 100))];
		bin.n += b.withTruth;
		bin.sum += b.sumConfidenceWithTruth;
		bin.correct += b.correct;
	}
	const withTruth = bins.reduce((a, b) => a + b.n, 0);
	const ece =
		withTruth > 0 ? bins.reduce((a, b) => (b.n ? a + (b.n / withTruth) * Math.abs(b.correct / b.n - b.sum / b.n) : a), 0) : null;
	return {
		ece,
		withTruth,
		bins: bins.map((b) => ({
			from: b.from,
			to: b.to,
			count: b.n,
			meanConfidence: ratio(b.sum, b.n),
			accuracy: ratio(b.correct, b.n),
		})),
	};
}

export function thresholdWhatIf(buckets: Aggregates['confidenceBuckets'], targetErrorRate: number) {
	const withConfidence = buckets.reduce((a, b) => a + b.count, 0);
	const points: ThresholdPoint[] = [];
	for (let t = 50; t <= 99; t++) {
		let autoCount = 0;
		let withTruth = 0;
		let correct = 0;
		for (const b of buckets) {
			if (b.bucket < t) continue;
			autoCount += b.count;
			withTruth += b.withTruth;
			correct += b.correct;
		}
		points.push({
			threshold: t / 100,
			autoRate: ratio(autoCount, withConfidence),
			errorRate: ratio(withTruth - correct, withTruth),
			autoCount,
			withTruth,
		});
	}
	const meeting = points.find((p) => p.errorRate !== null && p.errorRate <= targetErrorRate);
	return { points, targetErrorRate, recommendedThreshold: meeting ? meeting.threshold : null };
}

/** Population stability index of two label mixes. */
export function psi(current: Aggregates['labels'], previous: Aggregates['labels']): number | null {
	const counts = (labels: Aggregates['labels']) => Object.fromEntries(labels.map((l) => [l.label, l.count]));
	return psiOfCategories(counts(current), counts(previous));
}

export function driftAlerts(current: Aggregates, previous: Aggregates, options: ReportOptions, inputDrift?: InputDriftSection): DriftAlert[] {
	const minSamples = options.minSamples ?? 30;
	const alerts: DriftAlert[] = [];
	const severity = (change: number, threshold: number) => (Math.abs(change) > 2 * threshold ? 'critical' : 'warning');
	const cur = current.totals;
	const prev = previous.totals;

	const overrideThreshold = options.overrideRateIncrease ?? 0.05;
	const curOverride = ratio(cur.overridden, cur.reviewed);
	const prevOverride = ratio(prev.overridden, prev.reviewed);
	if (curOverride !== null && prevOverride !== null && cur.reviewed >= minSamples && prev.reviewed >= minSamples) {
		const change = curOverride - prevOverride;
		if (change > overrideThreshold) {
			alerts.push({
				type: 'override_rate_up',
				severity: severity(change, overrideThreshold),
				current: curOverride,
				previous: prevOverride,
				threshold: overrideThreshold,
				message: `Override rate rose from ${pct(prevOverride)} to ${pct(curOverride)} (reviewers correct the AI more often)`,
			});
		}
	}

	const shiftThreshold = options.confidenceShift ?? 0.05;
	const curConfidence = meanConfidenceOf(cur.sumConfidence, cur.withConfidence);
	const prevConfidence = meanConfidenceOf(prev.sumConfidence, prev.withConfidence);
	if (curConfidence !== null && prevConfidence !== null && cur.withConfidence >= minSamples && prev.withConfidence >= minSamples) {
		const change = curConfidence - prevConfidence;
		if (Math.abs(change) > shiftThreshold) {
			alerts.push({
				type: 'confidence_shift',
				severity: severity(change, shiftThreshold),
				current: curConfidence,
				previous: prevConfidence,
				threshold: shiftThreshold,
				message: `Mean confidence moved from ${prevConfidence.toFixed(3)} to ${curConfidence.toFixed(3)}`,
			});
		}
	}

	const psiThreshold = options.psiThreshold ?? 0.2;
	const curLabelled = current.labels.reduce((a, l) => a + l.count, 0);
	const prevLabelled = previous.labels.reduce((a, l) => a + l.count, 0);
	const labelPsi = psi(current.labels, previous.labels);
	if (labelPsi !== null && curLabelled >= minSamples && prevLabelled >= minSamples && labelPsi > psiThreshold) {
		alerts.push({
			type: 'label_mix_psi',
			severity: severity(labelPsi, psiThreshold),
			current: labelPsi,
			previous: 0,
			threshold: psiThreshold,
			message: `The mix of predicted labels changed (PSI ${labelPsi.toFixed(3)} > ${psiThreshold})`,
		});
	}

	const inputAlerts = inputDrift ? inputDriftAlerts(inputDrift, minSamples) : [];
	const overrideUp = alerts.find((a) => a.type === 'override_rate_up');
	if (overrideUp && inputAlerts.length) {
		// A rising override rate with the input moving in the same window: name the likely cause.
		overrideUp.likelyCauses = inputAlerts.map(({ type, severity, current: value, group }) => ({ type, severity, current: value, group }));
		const causes = inputAlerts.map((a) => `${INPUT_ALERT_WORDS[a.type]} (PSI ${a.current.toFixed(2)})`);
		overrideUp.message += `; the input changed too, likely cause: ${[...new Set(causes)].join(', ')}`;
	}
	return [...alerts, ...inputAlerts];
}

const INPUT_ALERT_WORDS: Record<InputAlert['type'], string> = {
	input_length_psi: 'text length',
	input_language_psi: 'language mix',
	input_unknown_tokens_psi: 'words unknown to the local model',
	input_cleaned_psi: 'cleaned-away content',
};

const pct = (value: number) => `${(value * 100).toFixed(1)}%`;

export function cascadeFigures(rows: Aggregates['cascade']): CascadeFigures {
	type GroupKey = Pick<CascadeGroup, 'workflowId' | 'nodeName' | 'step' | 'task'>;
	const byGroup = new Map<string, { key: GroupKey; local: number; llm: number; llmWithCost: number; llmCost: number }>();
	for (const row of rows) {
		const id = JSON.stringify([row.workflowId, row.nodeName, row.step, row.task]);
		let group = byGroup.get(id);
		if (!group) {
			group = { key: { workflowId: row.workflowId, nodeName: row.nodeName, step: row.step, task: row.task }, local: 0, llm: 0, llmWithCost: 0, llmCost: 0 };
			byGroup.set(id, group);
		}
		if (row.tier === 'local') {
			group.local += row.count;
		} else {
			group.llm += row.count;
			group.llmWithCost += row.withCost;
			group.llmCost += row.costUsd;
		}
	}
	let local = 0;
	let llm = 0;
	let llmCost = 0;
	let saved = 0;
	let priced = 0;
	const groups = [...byGroup.values()].map((g): CascadeGroup => {
		const meanCost = ratio(g.llmCost, g.llmWithCost);
		const groupSaved = g.local === 0 ? 0 : meanCost === null ? null : g.local * meanCost;
		local += g.local;
		llm += g.llm;
		llmCost += g.llmCost;
		if (groupSaved !== null) {
			saved += groupSaved;
			priced += g.local;
		}
		return {
			...g.key,
			items: g.local + g.llm,
			localItems: g.local,
			llmItems: g.llm,
			localShare: ratio(g.local, g.local + g.llm),
			llmShare: ratio(g.llm, g.local + g.llm),
			llmCostUsd: round(g.llmCost, 9) ?? 0,
			llmItemsWithCost: g.llmWithCost,
			meanLlmCostUsd: round(meanCost, 9),
			estimatedSavedUsd: round(groupSaved, 9),
		};
	});
	return {
		items: local + llm,
		localItems: local,
		llmItems: llm,
		localShare: ratio(local, local + llm),
		llmShare: ratio(llm, local + llm),
		llmCostUsd: round(llmCost, 9) ?? 0,
		estimatedSavedUsd: local > 0 && priced === 0 ? null : round(saved, 9),
		localItemsPriced: priced,
		localItemsNotPriced: local - priced,
		method: CASCADE_SAVING_METHOD,
		groups,
	};
}

export function computeReport(current: Aggregates, previous: Aggregates, options: ReportOptions): MetricsReport {
	const t = current.totals;
	const fromMs = Date.parse(options.from);
	const toMs = Date.parse(options.to);
	const spanMs = Math.max(1, toMs - fromMs);
	const hours = spanMs / 3_600_000;
	const labels = labelMetrics(current.confusion);
	const skippedTotal = Object.values(t.skipped).reduce<number>((a, b) => a + (b ?? 0), 0);
	const totalTokens = t.inputTokens + t.outputTokens;
	const width = Math.max(1, Math.round(options.timelineBucketMs));
	const bucketCount = Math.ceil(spanMs / width);
	const timelineByBucket = new Map(current.timeline.map((b) => [b.bucket, b]));
	const overrideTimeline = [];
	for (let i = 0; i < bucketCount; i++) {
		const b = timelineByBucket.get(i) ?? { events: 0, auto: 0, reviewed: 0, overridden: 0 };
		overrideTimeline.push({
			from: new Date(fromMs + i * width).toISOString(),
			to: new Date(Math.min(toMs, fromMs + (i + 1) * width)).toISOString(),
			events: b.events,
			reviewed: b.reviewed,
			overridden: b.overridden,
			overrideRate: ratio(b.overridden, b.reviewed),
			autoRate: ratio(b.auto, b.events),
		});
	}
	const targetErrorRate = options.targetErrorRate ?? 0.05;
	const inputDrift = inputDriftSection(current.input, previous.input);

	return {
		window: {
			from: new Date(fromMs).toISOString(),
			to: new Date(toMs).toISOString(),
			previousFrom: new Date(fromMs - spanMs).toISOString(),
			previousTo: new Date(fromMs).toISOString(),
			hours,
		},
		filters: options.filter,
		truthSource: options.truthSource,
		volume: t.events,
		skipped: { ...t.skipped, total: skippedTotal },
		counts: {
			auto: t.auto,
			review: t.review,
			reject: t.reject,
			sampled: t.sampled,
			reviewed: t.reviewed,
			overridden: t.overridden,
			approved: t.approved,
			corrected: t.corrected,
			rejected: t.rejected,
			withTruth: t.withTruth,
			correct: t.correct,
		},
		autoHandledRate: ratio(t.auto, t.events),
		reviewRate: ratio(t.review, t.events),
		rejectRate: ratio(t.reject, t.events),
		overrideRate: ratio(t.overridden, t.reviewed),
		accuracy: ratio(t.correct, t.withTruth),
		meanConfidence: meanConfidenceOf(t.sumConfidence, t.withConfidence),
		perLabel: labels.perLabel,
		macro: labels.macro,
		micro: labels.micro,
		confusionMatrix: labels.confusionMatrix,
		fieldAccuracy: current.fields
			.map((f) => ({
				field: f.field,
				total: f.total,
				correct: f.correct,
				accuracy: f.correct / f.total,
				meanConfidence: meanConfidenceOf(f.sumConfidence, f.withConfidence),
			}))
			.sort((a, b) => a.accuracy - b.accuracy || a.field.localeCompare(b.field)),
		calibration: calibration(current.confidenceBuckets),
		latencyMs: {
			p50: percentile(current.latency, 50),
			p95: percentile(current.latency, 95),
			p99: percentile(current.latency, 99),
			mean: round(ratio(t.sumLatencyMs, t.withLatency), 3),
			count: t.withLatency,
		},
		tokens: {
			input: t.inputTokens,
			output: t.outputTokens,
			total: totalTokens,
			perItem: ratio(totalTokens, t.events),
			perAutoHandledItem: ratio(totalTokens, t.auto),
		},
		costUsd: {
			total: round(t.costUsd, 9) ?? 0,
			perItem: round(ratio(t.costUsd, t.events), 9),
			perAutoHandledItem: round(ratio(t.costUsd, t.auto), 9),
		},
		cascade: cascadeFigures(current.cascade),
		throughput: { perHour: t.events / hours, perDay: (t.events / hours) * 24 },
		overrideTimeline,
		thresholdWhatIf: thresholdWhatIf(current.confidenceBuckets, targetErrorRate),
		previous: {
			volume: previous.totals.events,
			overrideRate: ratio(previous.totals.overridden, previous.totals.reviewed),
			meanConfidence: meanConfidenceOf(previous.totals.sumConfidence, previous.totals.withConfidence),
		},
		inputDrift,
		alerts: driftAlerts(current, previous, options, inputDrift),
	};
}
