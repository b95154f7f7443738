/**
 * Input drift: how the texts the engines saw (`ai.input`) changed from the previous window, per
 * workflow, Metrics Logger node and step. Four figures, each as a distribution over fixed bins
 * compared by the population stability index (PSI):
 * - text length: characters in 9 log-spaced bins with inclusive upper edges 50, 100, 200, 500,
 *   1,000, 2,000, 5,000, 10,000 and above;
 * - language: one bin per ISO 639-1 code ('und' included);
 * - unknown-token share: recorded to the hundredth (rounded down), 10 equal-width bins [0, 0.1) … [0.9, 1];
 * - cleaned-away content (quoted history, signature, disclaimer or HTML removed): two bins, yes / no.
 * PSI = Σ (p − q) · ln(p / q) over the bins, each share floored at ε = 0.0001 (an empty bin on one
 * side would make it infinite). 0.1 and above is notable (warning), 0.25 and above an alert (critical).
 */
import type { Aggregates, InputSkipReason } from '../store/types';

/** Inclusive upper edges of the text-length bins; the last bin holds everything longer. */
export const LENGTH_BIN_EDGES = [50, 100, 200, 500, 1000, 2000, 5000, 10000] as const;
export const LENGTH_BIN_COUNT = LENGTH_BIN_EDGES.length + 1;
export const UNKNOWN_SHARE_BIN_COUNT = 10;
export const PSI_EPSILON = 0.0001;
export const INPUT_PSI_NOTABLE = 0.1;
export const INPUT_PSI_ALERT = 0.25;

export const INPUT_DRIFT_METHOD =
	'Each figure is compared with the previous window of the same length by the population stability index, ' +
	'PSI = Σ (p − q) · ln(p / q) over fixed bins (text length: ≤50, ≤100, ≤200, ≤500, ≤1,000, ≤2,000, ≤5,000, ≤10,000, ' +
	'longer characters; language: one bin per code; unknown-token share: tenths; cleaned-away content: yes / no), ' +
	'shares floored at 0.0001. PSI ≥ 0.1 is notable (warning), ≥ 0.25 an alert (critical); alerts need the minimum ' +
	'sample size in both windows.';

/** The bin of a text length (characters). */
export function lengthBin(characters: number): number {
	const index = LENGTH_BIN_EDGES.findIndex((edge) => characters <= edge);
	return index === -1 ? LENGTH_BIN_EDGES.length : index;
}

/** The hundredth (rounded down) an unknown-token share is recorded at; the epsilon keeps 0.29 at 29. */
export const unknownShareHundredth = (share: number): number => Math.min(100, Math.max(0, Math.floor(share * 100 + 0.000000001)));
export const unknownShareBin = (hundredth: number): number => Math.min(UNKNOWN_SHARE_BIN_COUNT - 1, Math.floor(hundredth / 10));

/** PSI of two count distributions over the same bins; null when either side is empty. */
export function psiOfCounts(current: number[], previous: number[], epsilon = PSI_EPSILON): number | null {
	const curTotal = current.reduce((a, b) => a + b, 0);
	const prevTotal = previous.reduce((a, b) => a + b, 0);
	if (!curTotal || !prevTotal) return null;
	let sum = 0;
	for (let i = 0; i < Math.max(current.length, previous.length); i++) {
		const p = Math.max(epsilon, (current[i] ?? 0) / curTotal);
		const q = Math.max(epsilon, (previous[i] ?? 0) / prevTotal);
		sum += (p - q) * Math.log(p / q);
	}
	return sum;
}

/** PSI of two categorical distributions (label or language → count) over the union of their categories. */
export function psiOfCategories(current: Record<string, number>, previous: Record<string, number>, epsilon = PSI_EPSILON): number | null {
	const keys = [...new Set([...Object.keys(current), ...Object.keys(previous)])];
	return psiOfCounts(
		keys.map((k) => current[k] ?? 0),
		keys.map((k) => previous[k] ?? 0),
		epsilon,
	);
}

export type DriftLevel = 'stable' | 'notable' | 'alert';
export const driftLevel = (value: number | null): DriftLevel | null =>
	value === null ? null : value >= INPUT_PSI_ALERT ? 'alert' : value >= INPUT_PSI_NOTABLE ? 'notable' : 'stable';

/** The input statistics of one group in one window; null in the report when the window has none. */
export interface InputWindowStats {
	/** Events carrying valid input statistics. */
	items: number;
	meanCharacters: number;
	/** Counts per text-length bin (LENGTH_BIN_EDGES). */
	lengthBins: number[];
	/** Events per language code. */
	languages: Record<string, number>;
	unknownTokenShare: {
		/** Events with a share (local and cascade engines); mean and median null without one. */
		items: number;
		mean: number | null;
		/** Nearest rank over shares recorded to the hundredth (rounded down). */
		median: number | null;
		/** Counts per tenth. */
		bins: number[];
	};
	cleaned: {
		/** Events that say what Clean Input did (Clean Input on). */
		items: number;
		/** …of which something was cleaned away (quoted history, signature, disclaimer or HTML). */
		cleanedAway: number;
		share: number | null;
	};
	redaction: {
		/** Events that say what was redacted (redaction on). */
		items: number;
		/** Values replaced by placeholders, all kinds together. */
		values: number;
		/** Events with at least one value redacted. */
		itemsWithRedaction: number;
	};
}

export interface InputPsi {
	length: number | null;
	language: number | null;
	unknownTokenShare: number | null;
	cleaned: number | null;
}

export interface InputDriftGroup {
	workflowId: string;
	nodeName: string;
	step: string;
	/** null: no input data in that window. */
	current: InputWindowStats | null;
	previous: InputWindowStats | null;
	/** null where either window has no data for the figure. */
	psi: InputPsi;
	levels: { [K in keyof InputPsi]: DriftLevel | null };
}

export interface InputDriftSection {
	method: string;
	thresholds: { notable: number; alert: number };
	epsilon: number;
	/** Inclusive upper edges of the length bins (the last bin: longer). */
	lengthBinEdges: number[];
	/** Events of the window logged without input statistics because their `ai.input` was invalid. */
	skipped: Partial<Record<InputSkipReason, number>> & { total: number };
	/** "no input data" when no event of either window carries input statistics. */
	note?: string;
	groups: InputDriftGroup[];
}

type InputRow = Aggregates['input'][number];
const groupId = (r: Pick<InputRow, 'workflowId' | 'nodeName' | 'step'>) => JSON.stringify([r.workflowId, r.nodeName, r.step]);

function windowStats(rows: InputRow[]): InputWindowStats | null {
	const valid = rows.filter((r) => r.skipReason === null);
	const items = valid.reduce((a, r) => a + r.count, 0);
	if (items === 0) return null;
	const lengthBins = new Array<number>(LENGTH_BIN_COUNT).fill(0);
	const unknownBins = new Array<number>(UNKNOWN_SHARE_BIN_COUNT).fill(0);
	const hundredths = new Map<number, number>();
	const languages: Record<string, number> = {};
	let characters = 0;
	let withUnknown = 0;
	let sumUnknown = 0;
	let withCleaned = 0;
	let cleanedAway = 0;
	const redaction = { items: 0, values: 0, itemsWithRedaction: 0 };
	for (const r of valid) {
		characters += r.sumCharacters;
		if (r.lengthBin !== null) lengthBins[r.lengthBin] += r.count;
		if (r.language !== null) languages[r.language] = (languages[r.language] ?? 0) + r.count;
		if (r.unknownHundredth !== null) {
			withUnknown += r.count;
			sumUnknown += r.sumUnknownShare;
			unknownBins[unknownShareBin(r.unknownHundredth)] += r.count;
			hundredths.set(r.unknownHundredth, (hundredths.get(r.unknownHundredth) ?? 0) + r.count);
		}
		if (r.cleaned !== null) {
			withCleaned += r.count;
			if (r.cleaned) cleanedAway += r.count;
		}
		redaction.items += r.withRedaction;
		redaction.values += r.redacted;
		redaction.itemsWithRedaction += r.itemsWithRedaction;
	}
	let median: number | null = null;
	if (withUnknown > 0) {
		const rank = Math.ceil(0.5 * withUnknown);
		let cumulative = 0;
		for (const [h, n] of [...hundredths].sort((a, b) => a[0] - b[0])) {
			cumulative += n;
			if (cumulative >= rank) {
				median = h / 100;
				break;
			}
		}
	}
	return {
		items,
		meanCharacters: Math.round((characters / items) * 1000) / 1000,
		lengthBins,
		languages: Object.fromEntries(Object.entries(languages).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))),
		unknownTokenShare: {
			items: withUnknown,
			mean: withUnknown ? Math.round((sumUnknown / withUnknown) * 1e6) / 1e6 : null,
			median,
			bins: unknownBins,
		},
		cleaned: { items: withCleaned, cleanedAway, share: withCleaned ? cleanedAway / withCleaned : null },
		redaction,
	};
}

const cleanedCounts = (s: InputWindowStats) => [s.cleaned.cleanedAway, s.cleaned.items - s.cleaned.cleanedAway];

export function inputPsi(current: InputWindowStats | null, previous: InputWindowStats | null): InputPsi {
	if (!current || !previous) return { length: null, language: null, unknownTokenShare: null, cleaned: null };
	return {
		length: psiOfCounts(current.lengthBins, previous.lengthBins),
		language: psiOfCategories(current.languages, previous.languages),
		unknownTokenShare: psiOfCounts(current.unknownTokenShare.bins, previous.unknownTokenShare.bins),
		cleaned: psiOfCounts(cleanedCounts(current), cleanedCounts(previous)),
	};
}

export function inputDriftSection(current: Aggregates['input'], previous: Aggregates['input']): InputDriftSection {
	const skipped: InputDriftSection['skipped'] = { total: 0 };
	for (const r of current) {
		if (r.skipReason === null) continue;
		skipped[r.skipReason] = (skipped[r.skipReason] ?? 0) + r.count;
		skipped.total += r.count;
	}
	const keys = new Map<string, Pick<InputRow, 'workflowId' | 'nodeName' | 'step'>>();
	for (const r of [...current, ...previous]) {
		if (r.skipReason === null) keys.set(groupId(r), { workflowId: r.workflowId, nodeName: r.nodeName, step: r.step });
	}
	const groups = [...keys]
		.sort((a, b) => a[0].localeCompare(b[0]))
		.map(([id, key]): InputDriftGroup => {
			const cur = windowStats(current.filter((r) => groupId(r) === id));
			const prev = windowStats(previous.filter((r) => groupId(r) === id));
			const psi = inputPsi(cur, prev);
			return {
				...key,
				current: cur,
				previous: prev,
				psi,
				levels: {
					length: driftLevel(psi.length),
					language: driftLevel(psi.language),
					unknownTokenShare: driftLevel(psi.unknownTokenShare),
					cleaned: driftLevel(psi.cleaned),
				},
			};
		});
	return {
		method: INPUT_DRIFT_METHOD,
		thresholds: { notable: INPUT_PSI_NOTABLE, alert: INPUT_PSI_ALERT },
		epsilon: PSI_EPSILON,
		lengthBinEdges: [...LENGTH_BIN_EDGES],
		skipped,
		...(groups.length ? {} : { note: 'no input data' }),
		groups,
	};
}

export type InputAlertType = 'input_length_psi' | 'input_language_psi' | 'input_unknown_tokens_psi' | 'input_cleaned_psi';

export interface InputAlert {
	type: InputAlertType;
	severity: 'warning' | 'critical';
	current: number;
	previous: number;
	threshold: number;
	message: string;
	group: { workflowId: string; nodeName: string; step: string };
}

const pct = (value: number | null) => (value === null ? '–' : `${(value * 100).toFixed(1)}%`);
const topLanguages = (languages: Record<string, number>, items: number) =>
	Object.entries(languages)
		.slice(0, 3)
		.map(([code, n]) => `${code} ${pct(n / items)}`)
		.join(', ');

/** Alerts of the groups whose figures moved: warning at PSI ≥ 0.1, critical at ≥ 0.25, both windows ≥ minSamples. */
export function inputDriftAlerts(section: InputDriftSection, minSamples: number): InputAlert[] {
	const alerts: InputAlert[] = [];
	for (const g of section.groups) {
		const cur = g.current;
		const prev = g.previous;
		if (!cur || !prev) continue;
		const where = `${g.workflowId} / ${g.nodeName}${g.step ? ` / ${g.step}` : ''}`;
		const figures: Array<[InputAlertType, number | null, number, number, string]> = [
			[
				'input_length_psi',
				g.psi.length,
				cur.items,
				prev.items,
				`Text length of ${where} changed (PSI ${fmt(g.psi.length)}): mean ${Math.round(prev.meanCharacters)} → ${Math.round(cur.meanCharacters)} characters`,
			],
			[
				'input_language_psi',
				g.psi.language,
				cur.items,
				prev.items,
				`Language mix of ${where} changed (PSI ${fmt(g.psi.language)}): ${topLanguages(prev.languages, prev.items)} → ${topLanguages(cur.languages, cur.items)}`,
			],
			[
				'input_unknown_tokens_psi',
				g.psi.unknownTokenShare,
				cur.unknownTokenShare.items,
				prev.unknownTokenShare.items,
				`Share of words unknown to the local model in ${where} changed (PSI ${fmt(g.psi.unknownTokenShare)}): mean ${fmt(prev.unknownTokenShare.mean)} → ${fmt(cur.unknownTokenShare.mean)}`,
			],
			[
				'input_cleaned_psi',
				g.psi.cleaned,
				cur.cleaned.items,
				prev.cleaned.items,
				`Share of ${where} inputs with content cleaned away (quoted history, signature, disclaimer, HTML) changed (PSI ${fmt(g.psi.cleaned)}): ${pct(prev.cleaned.share)} → ${pct(cur.cleaned.share)}`,
			],
		];
		for (const [type, value, curN, prevN, message] of figures) {
			if (value === null || value < INPUT_PSI_NOTABLE || curN < minSamples || prevN < minSamples) continue;
			const critical = value >= INPUT_PSI_ALERT;
			alerts.push({
				type,
				severity: critical ? 'critical' : 'warning',
				current: value,
				previous: 0,
				threshold: critical ? INPUT_PSI_ALERT : INPUT_PSI_NOTABLE,
				message,
				group: { workflowId: g.workflowId, nodeName: g.nodeName, step: g.step },
			});
		}
	}
	return alerts;
}

const fmt = (value: number | null) => (value === null ? '–' : value.toFixed(3));
