/** Medians over rounds, the figures the issue asks for, and docs/benchmarks.md / .json. */
import type { RunResult } from './measure';

/** gpt-4o-mini list prices, USD per million tokens (nodes/shared/llm/pricing.ts). */
export const PRICES = { model: 'gpt-4o-mini', inputPerMillion: 0.15, outputPerMillion: 0.6 };

export interface Summary {
	key: string;
	title: string;
	concurrency?: number;
	rounds: number;
	items: number;
	wallMs: number;
	wallMsRange: [number, number];
	nodeMs: number;
	itemsPerSecond: number;
	nodeItemsPerSecond: number;
	/** concurrency ÷ latency, items/s; undefined without a model server. */
	limitItemsPerSecond?: number;
	/** itemsPerSecond ÷ limit (wall time), and the same for the node's own time. */
	limitRatio?: number;
	nodeLimitRatio?: number;
	requestsPerItem: number;
	promptTokensPerItem: number;
	completionTokensPerItem: number;
	costPer1000Usd: number;
	classifiedShare: number;
	accuracy: number;
	maxConcurrent: number;
	serverMeanMs: number;
	/** Median share of concurrency slots busy at the server (see RunResult.slotUse). */
	slotUse?: number;
	/** Extractors: mean filled fields per record. */
	fieldsPerItem?: number;
	/** Median classifier node start → first request at the server. */
	leadInMs?: number;
}

export function median(values: number[]): number {
	const sorted = [...values].filter((value) => Number.isFinite(value)).sort((a, b) => a - b);
	if (sorted.length === 0) return Number.NaN;
	const middle = Math.floor(sorted.length / 2);
	return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

export function summarise(key: string, title: string, concurrency: number | undefined, latencyMs: number, runs: RunResult[]): Summary {
	const items = runs[0].items;
	const wallMs = median(runs.map((run) => run.wallMs));
	const nodeMs = median(runs.map((run) => run.nodeMs));
	const itemsPerSecond = items / (wallMs / 1000);
	const nodeItemsPerSecond = items / (nodeMs / 1000);
	const limit = concurrency !== undefined && latencyMs > 0 ? concurrency / (latencyMs / 1000) : undefined;
	const promptTokensPerItem = median(runs.map((run) => run.promptTokens / run.items));
	const completionTokensPerItem = median(runs.map((run) => run.completionTokens / run.items));
	return {
		key,
		title,
		concurrency,
		rounds: runs.length,
		items,
		wallMs,
		wallMsRange: [Math.min(...runs.map((run) => run.wallMs)), Math.max(...runs.map((run) => run.wallMs))],
		nodeMs,
		itemsPerSecond,
		nodeItemsPerSecond,
		limitItemsPerSecond: limit,
		limitRatio: limit ? itemsPerSecond / limit : undefined,
		nodeLimitRatio: limit ? nodeItemsPerSecond / limit : undefined,
		requestsPerItem: median(runs.map((run) => run.requests / run.items)),
		promptTokensPerItem,
		completionTokensPerItem,
		costPer1000Usd: ((promptTokensPerItem * PRICES.inputPerMillion + completionTokensPerItem * PRICES.outputPerMillion) / 1e6) * 1000,
		classifiedShare: median(runs.map((run) => run.classified / run.items)),
		accuracy: median(runs.map((run) => run.correct / run.items)),
		maxConcurrent: Math.max(...runs.map((run) => run.maxConcurrent)),
		serverMeanMs: median(runs.map((run) => run.serverMeanMs)),
		slotUse: concurrency !== undefined ? median(runs.map((run) => run.slotUse ?? Number.NaN)) : undefined,
		leadInMs: runs[0].leadInMs === undefined ? undefined : median(runs.map((run) => run.leadInMs ?? Number.NaN)),
		fieldsPerItem: runs[0].fieldsPerItem === undefined ? undefined : median(runs.map((run) => run.fieldsPerItem ?? Number.NaN)),
	};
}

export interface Goal {
	goal: string;
	measured: string;
	met: boolean;
}

export interface Comparison {
	ours: string;
	theirs: string;
	itemsPerSecond: number;
	promptTokensPerItem: number;
	completionTokensPerItem: number;
	tokensPerItem: number;
	costPer1000: number;
}

export function compare(ours: Summary, theirs: Summary): Comparison {
	return {
		ours: ours.key,
		theirs: theirs.key,
		itemsPerSecond: ours.itemsPerSecond / theirs.itemsPerSecond,
		promptTokensPerItem: ours.promptTokensPerItem / theirs.promptTokensPerItem,
		completionTokensPerItem: ours.completionTokensPerItem / theirs.completionTokensPerItem,
		tokensPerItem:
			(ours.promptTokensPerItem + ours.completionTokensPerItem) / (theirs.promptTokensPerItem + theirs.completionTokensPerItem),
		costPer1000: ours.costPer1000Usd / theirs.costPer1000Usd,
	};
}

const fixed = (value: number | undefined, digits = 1) => (value === undefined || !Number.isFinite(value) ? '–' : value.toFixed(digits));
export const percent = (value: number | undefined, digits = 0) => (value === undefined || !Number.isFinite(value) ? '–' : `${(value * 100).toFixed(digits)}%`);
const usd = (value: number) => (value === 0 ? '$0' : `$${value.toFixed(4)}`);

export function summaryTable(summaries: Summary[]): string {
	const lines = [
		'| contender | concurrency | wall time (median, range) | items/s | of the limit (wall / node) | requests/item | prompt tok/item | completion tok/item | cost / 1,000 items | classified | agrees with Bitext label |',
		'|---|---:|---|---:|---|---:|---:|---:|---:|---:|---:|',
	];
	for (const s of summaries) {
		lines.push(
			`| ${s.title} | ${s.concurrency ?? '–'} | ${fixed(s.wallMs / 1000, 2)} s (${fixed(s.wallMsRange[0] / 1000, 2)}–${fixed(s.wallMsRange[1] / 1000, 2)}) | ${fixed(s.itemsPerSecond)} | ${s.limitRatio === undefined ? '–' : `${percent(s.limitRatio)} / ${percent(s.nodeLimitRatio)} of ${fixed(s.limitItemsPerSecond, 0)}/s`} | ${fixed(s.requestsPerItem, 2)} | ${fixed(s.promptTokensPerItem)} | ${fixed(s.completionTokensPerItem)} | ${usd(s.costPer1000Usd)} | ${percent(s.classifiedShare)} | ${percent(s.accuracy)} |`,
		);
	}
	return lines.join('\n');
}

export function extractionTable(summaries: Summary[]): string {
	const lines = [
		'| contender | concurrency | wall time (median, range) | documents/s | of the limit (wall / node) | requests/doc | prompt tok/doc | completion tok/doc | cost / 1,000 docs | extracted | filled fields/doc |',
		'|---|---:|---|---:|---|---:|---:|---:|---:|---:|---:|',
	];
	for (const s of summaries) {
		lines.push(
			`| ${s.title} | ${s.concurrency ?? '–'} | ${fixed(s.wallMs / 1000, 2)} s (${fixed(s.wallMsRange[0] / 1000, 2)}–${fixed(s.wallMsRange[1] / 1000, 2)}) | ${fixed(s.itemsPerSecond)} | ${s.limitRatio === undefined ? '–' : `${percent(s.limitRatio)} / ${percent(s.nodeLimitRatio)} of ${fixed(s.limitItemsPerSecond, 0)}/s`} | ${fixed(s.requestsPerItem, 2)} | ${fixed(s.promptTokensPerItem)} | ${fixed(s.completionTokensPerItem)} | ${usd(s.costPer1000Usd)} | ${percent(s.classifiedShare)} | ${fixed(s.fieldsPerItem)} |`,
		);
	}
	return lines.join('\n');
}

export function comparisonTable(comparisons: Array<Comparison & { label: string }>): string {
	const lines = ['| ours / theirs | items/s | prompt tokens/item | completion tokens/item | all tokens/item | cost/1,000 |', '|---|---:|---:|---:|---:|---:|'];
	for (const c of comparisons) {
		lines.push(
			`| ${c.label} | ${fixed(c.itemsPerSecond, 2)}× | ${fixed(c.promptTokensPerItem, 2)}× | ${fixed(c.completionTokensPerItem, 3)}× | ${fixed(c.tokensPerItem, 2)}× | ${fixed(c.costPer1000, 2)}× |`,
		);
	}
	return lines.join('\n');
}

export function goalsTable(goals: Goal[]): string {
	return ['| goal | measured | met |', '|---|---|:---:|', ...goals.map((g) => `| ${g.goal} | ${g.measured} | ${g.met ? 'yes' : '**no**'} |`)].join('\n');
}

/** The invoice comparisons: the ratios, and the filled fields of each side (the goal asks for more). */
export function invoiceComparisonTable(rows: Array<{ label: string; ours: Summary; theirs: Summary }>): string {
	const lines = [
		'| ours / theirs | documents/s | prompt tokens/doc | completion tokens/doc | all tokens/doc (ours vs theirs) | cost/1,000 | filled fields/doc (ours vs theirs) |',
		'|---|---:|---:|---:|---:|---:|---:|',
	];
	for (const { label, ours, theirs } of rows) {
		const c = compare(ours, theirs);
		const tokens = (s: Summary) => fixed(s.promptTokensPerItem + s.completionTokensPerItem, 0);
		lines.push(
			`| ${label} | ${fixed(c.itemsPerSecond, 2)}× | ${fixed(c.promptTokensPerItem, 2)}× | ${fixed(c.completionTokensPerItem, 2)}× | ${fixed(c.tokensPerItem, 2)}× (${tokens(ours)} vs ${tokens(theirs)}) | ${fixed(c.costPer1000, 2)}× | ${fixed(ours.fieldsPerItem)} vs ${fixed(theirs.fieldsPerItem)} |`,
		);
	}
	return lines.join('\n');
}
