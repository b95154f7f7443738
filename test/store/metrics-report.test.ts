import { join } from 'node:path';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';

import { buildEvent, skippedEvent, SkippedItem, type EventContext } from '../../nodes/shared/metrics/events';
import { psi } from '../../nodes/shared/metrics/report';
import { rangeWindow, reportFromStore } from '../../nodes/shared/metrics/run';
import { closeAllStores, openStore } from '../../nodes/shared/store';
import type { MetricEvent, PackageStore } from '../../nodes/shared/store/types';
import { Client } from 'pg';
import { event } from './helpers/events';
import { createTestDatabase, PG } from '../support/pg';

const dir = mkdtempSync(join(tmpdir(), 'aiwf-metrics-'));
afterAll(async () => {
	await closeAllStores();
	rmSync(dir, { recursive: true, force: true });
});

const DAY = rangeWindow('2026-11-20T00:00:00.000Z', '2026-11-21T00:00:00.000Z');
let store: PackageStore;
let fileCounter = 0;
let pg: { database: string; drop: () => Promise<void> };
beforeAll(async () => {
	pg = await createTestDatabase('aiwf_metrics_test');
});
afterAll(async () => pg?.drop());

/** Every report test runs on both stores: the SQL of PostgreSQL and the streamed SQLite pass agree. */
async function freshStore(kind: 'sqlite' | 'postgres'): Promise<PackageStore> {
	if (kind === 'sqlite') return openStore({ kind: 'sqlite', path: join(dir, `m${++fileCounter}.sqlite`) });
	const opened = await openStore({ kind: 'postgres', ...PG, database: pg.database });
	const client = new Client({ ...PG, database: pg.database });
	await client.connect();
	await client.query('TRUNCATE aiwf_metric_events');
	await client.end();
	return opened;
}

let seq = 0;
function context(overrides: Partial<EventContext> = {}): EventContext {
	seq++;
	return {
		workflowId: 'wf',
		executionId: `ex${seq}`,
		nodeName: 'Metrics',
		runIndex: 0,
		itemIndex: 0,
		now: new Date('2026-11-20T12:00:00.000Z'),
		...overrides,
	};
}

function ai(label: string | undefined, confidence: number, extra: Record<string, unknown> = {}) {
	return {
		task: 'classify',
		label,
		confidence,
		confidenceSource: 'logprobs',
		engine: 'openai',
		model: 'gpt-test',
		usage: { inputTokens: 100, outputTokens: 10, costUsd: 0.001 },
		at: '2026-11-20T10:00:00.000Z',
		attempts: 1,
		...extra,
	};
}

const review = (decision: string, after: unknown, overridden: boolean) => ({
	decision,
	before: 'x',
	after,
	overridden,
	decidedAt: '2026-11-20T11:00:00.000Z',
	waitedMs: 1000,
});

/** The six hand-computed cases of the README's worked example. */
function sixEvents(): MetricEvent[] {
	const rows: Array<[string, string, number, string, number, unknown?]> = [
		['a', 'a', 0.95, 'auto', 100],
		['a', 'a', 0.9, 'auto', 200],
		['a', 'b', 0.8, 'auto', 300],
		['b', 'b', 0.7, 'review', 400, review('approved', 'b', false)],
		['b', 'a', 0.6, 'review', 500, review('corrected', { label: 'a' }, true)],
		['a', 'c', 0.55, 'review', 1000, review('corrected', { ai: { label: 'c' } }, true)],
	];
	return rows.map(([label, truth, confidence, path, latencyMs, rev]) =>
		buildEvent(
			{ ai: ai(label, confidence, { latencyMs }), route: { path, reason: 'r', threshold: 0.85 }, review: rev },
			context({ groundTruth: truth }),
		),
	);
}

/**
 * Cascade decisions of two groups plus noise:
 * - triage (classify): 6 answered locally, 2 by the LLM at $0.002 and $0.004 → mean $0.003, saving 6 × 0.003 = $0.018;
 * - invoices (extract): 3 local, 1 LLM item without a recorded cost → no price, saving not estimable;
 * - not counted: a plain openai event, a cascade event of the day before, a skipped item.
 */
function cascadeEvents(): MetricEvent[] {
	const triage = (tier: 'local' | 'llm', costUsd: number) =>
		buildEvent(
			{ ai: ai('a', 0.9, { engine: 'cascade', tier, model: tier === 'local' ? 'local:v1' : 'gpt-test', usage: { inputTokens: 0, outputTokens: 0, costUsd } }) },
			context({ step: 'triage' }),
		);
	const invoice = (tier: 'local' | 'llm') =>
		buildEvent(
			{ ai: ai(undefined, 0.7, { task: 'extract', engine: 'cascade', tier, model: tier === 'llm' ? 'gpt-test' : undefined, usage: undefined }) },
			context({ step: 'invoices' }),
		);
	return [
		...Array.from({ length: 6 }, () => triage('local', 0)),
		triage('llm', 0.002),
		triage('llm', 0.004),
		...Array.from({ length: 3 }, () => invoice('local')),
		invoice('llm'),
		buildEvent({ ai: ai('a', 0.9, { usage: { inputTokens: 1, outputTokens: 1, costUsd: 0.01 } }) }, context({ step: 'triage' })),
		buildEvent({ ai: ai('a', 0.9, { engine: 'cascade', tier: 'llm', at: '2026-11-19T10:00:00.000Z' }) }, context({ step: 'triage' })),
		skippedEvent(context({ step: 'triage' }), 'no_ai'),
	];
}

const EPS = 0.0001;
/** One term of PSI = Σ (p − q) · ln(p / q), written out here rather than taken from the product. */
const term = (p: number, q: number) => (p - q) * Math.log(p / q);
const cleanedFlags = (quotedHistory: boolean) => ({ html: false, quotedHistory, signature: false, disclaimer: false, unicode: true, removedCharacters: quotedHistory ? 400 : 0 });

/**
 * Input drift between two days, 40 decisions each, all labelled 'a' at confidence 0.8:
 * - 19 Nov: short English texts (30…69 characters: 21 ≤ 50, 19 in 51–100), 4 German; quoted history
 *   removed from 4; unknown-token share 0.05 (30) and 0.15 (10); every review approved.
 * - 20 Nov: long German texts (1500…1890 characters), 10 English; quoted history removed from 32;
 *   unknown-token share 0.35; half the reviews overridden; 8 with an e-mail address redacted.
 * Plus on 20 Nov: 2 decisions with an invalid ai.input, 1 without ai.input, 1 skipped item.
 */
function inputDriftEvents(): MetricEvent[] {
	const events: MetricEvent[] = [];
	for (let i = 0; i < 40; i++) {
		const at = `2026-11-19T${String(i % 24).padStart(2, '0')}:10:00.000Z`;
		const input = { characters: 30 + i, language: i % 10 === 0 ? 'de' : 'en', cleaned: cleanedFlags(i % 10 === 0), unknownTokenShare: i % 4 === 0 ? 0.15 : 0.05 };
		events.push(buildEvent({ ai: ai('a', 0.8, { at, input }), review: review('approved', 'a', false) }, context({ step: 'triage' })));
	}
	for (let i = 0; i < 40; i++) {
		const input = {
			characters: 1500 + i * 10,
			language: i % 4 === 0 ? 'en' : 'de',
			cleaned: cleanedFlags(i % 5 !== 0),
			unknownTokenShare: 0.35,
			...(i % 5 === 0 ? { redacted: { email: 1 } } : {}),
		};
		const rev = i % 2 === 0 ? review('corrected', 'b', true) : review('approved', 'a', false);
		events.push(buildEvent({ ai: ai('a', 0.8, { input }), review: rev }, context({ step: 'triage' })));
	}
	events.push(buildEvent({ ai: ai('a', 0.8, { input: { characters: '1200', language: 'de' } }) }, context({ step: 'triage' })));
	events.push(buildEvent({ ai: ai('a', 0.8, { input: { characters: 1200, language: 'de', cleaned: { quotedHistory: 'yes' } } }) }, context({ step: 'triage' })));
	events.push(buildEvent({ ai: ai('a', 0.8) }, context({ step: 'triage' })));
	events.push(skippedEvent(context({ step: 'triage' }), 'no_ai'));
	return events;
}

describe.each(['sqlite', 'postgres'] as const)('%s store', (kind) => {
	beforeEach(async () => {
		store = await freshStore(kind);
	});

	describe('report figures against hand-computed values', () => {
		test('ground truth: rates, accuracy, per-label P/R/F1, macro, micro, confusion, calibration, latency, cost, what-if', async () => {
			await store.writeEvents(sixEvents());
			const r = await reportFromStore(store, DAY, {}, { truthSource: 'groundTruth', targetErrorRate: 0.05 });
			expect(r.volume).toBe(6);
			expect(r.autoHandledRate).toBe(0.5);
			expect(r.reviewRate).toBe(0.5);
			expect(r.rejectRate).toBe(0);
			expect(r.overrideRate).toBeCloseTo(2 / 3, 10);
			expect(r.accuracy).toBe(0.5);
			expect(r.confusionMatrix).toEqual({
				labels: ['a', 'b', 'c'],
				matrix: [
					[2, 1, 0],
					[1, 1, 0],
					[1, 0, 0],
				],
			});
			const [a, b, c] = r.perLabel;
			expect(a).toMatchObject({ label: 'a', support: 3, predicted: 4, truePositives: 2, precision: 0.5 });
			expect(a.recall).toBeCloseTo(2 / 3, 10);
			expect(a.f1).toBeCloseTo(4 / 7, 10);
			expect(b).toMatchObject({ label: 'b', support: 2, predicted: 2, precision: 0.5, recall: 0.5, f1: 0.5 });
			// c is never predicted: precision undefined, recall 0, F1 0.
			expect(c).toMatchObject({ label: 'c', support: 1, predicted: 0, precision: null, recall: 0, f1: 0 });
			expect(r.macro.precision).toBeCloseTo(1 / 3, 10);
			expect(r.macro.recall).toBeCloseTo(7 / 18, 10);
			expect(r.macro.f1).toBeCloseTo((4 / 7 + 0.5) / 3, 10);
			expect(r.micro).toEqual({ precision: 0.5, recall: 0.5, f1: 0.5 });
			expect(r.calibration.ece).toBeCloseTo(0.4, 10);
			expect(r.calibration.bins[9]).toMatchObject({ count: 2, accuracy: 1 });
			expect(r.calibration.bins[9].meanConfidence).toBeCloseTo(0.925, 10);
			expect(r.calibration.bins[5]).toMatchObject({ count: 1, accuracy: 0 });
			expect(r.calibration.bins[0]).toMatchObject({ count: 0, accuracy: null, meanConfidence: null });
			expect(r.latencyMs).toMatchObject({ p50: 300, p95: 1000, p99: 1000, count: 6 });
			expect(r.latencyMs.mean).toBeCloseTo(2500 / 6, 2);
			expect(r.tokens).toEqual({ input: 600, output: 60, total: 660, perItem: 110, perAutoHandledItem: 220 });
			expect(r.costUsd.total).toBeCloseTo(0.006, 12);
			expect(r.costUsd.perItem).toBeCloseTo(0.001, 12);
			expect(r.costUsd.perAutoHandledItem).toBeCloseTo(0.002, 12);
			expect(r.throughput.perHour).toBeCloseTo(0.25, 10);
			const at = (t: number) => r.thresholdWhatIf.points.find((p) => Math.abs(p.threshold - t) < 1e-9)!;
			expect(at(0.5)).toMatchObject({ autoCount: 6, autoRate: 1, errorRate: 0.5 });
			expect(at(0.8)).toMatchObject({ autoCount: 3, autoRate: 0.5 });
			expect(at(0.8).errorRate).toBeCloseTo(1 / 3, 10);
			expect(at(0.9)).toMatchObject({ autoCount: 2, errorRate: 0 });
			expect(at(0.99)).toMatchObject({ autoCount: 0, autoRate: 0, errorRate: null });
			expect(r.thresholdWhatIf.points).toHaveLength(50);
			expect(r.thresholdWhatIf.recommendedThreshold).toBe(0.81);
			expect(r.meanConfidence).toBeCloseTo(4.5 / 6, 10);
			expect(r.alerts).toEqual([]);
			expect(r.overrideTimeline.reduce((s, b) => s + b.overridden, 0)).toBe(2);
			expect(r.overrideTimeline).toHaveLength(24);
			const tenOClock = r.overrideTimeline.find((b) => b.from === '2026-11-20T10:00:00.000Z')!;
			expect(tenOClock).toMatchObject({ events: 6, reviewed: 3, overridden: 2 });
		});

		test('reviewer decisions as truth: approved = right, corrected = the corrected label', async () => {
			await store.writeEvents(sixEvents());
			const r = await reportFromStore(store, DAY, {}, { truthSource: 'review' });
			expect(r.counts).toMatchObject({ withTruth: 3, correct: 1, reviewed: 3, approved: 1, corrected: 2 });
			expect(r.accuracy).toBeCloseTo(1 / 3, 10);
			expect(r.confusionMatrix).toEqual({ labels: ['a', 'b', 'c'], matrix: [[0, 1, 0], [0, 1, 0], [1, 0, 0]] });
			// 'auto' prefers the ground truth where an item has one.
			const auto = await reportFromStore(store, DAY, {}, {});
			expect(auto.accuracy).toBe(0.5);
		});

		test('filters by label, model, step and workflow', async () => {
			await store.writeEvents(sixEvents());
			await store.writeEvents([
				buildEvent({ ai: ai('a', 0.9, { model: 'other' }) }, context({ workflowId: 'wf2', step: 'triage' })),
			]);
			expect((await reportFromStore(store, DAY, { label: 'b' })).volume).toBe(2);
			expect((await reportFromStore(store, DAY, { model: 'other' })).volume).toBe(1);
			expect((await reportFromStore(store, DAY, { step: 'triage' })).volume).toBe(1);
			expect((await reportFromStore(store, DAY, { workflowId: 'wf' })).volume).toBe(6);
			expect((await reportFromStore(store, rangeWindow('2026-11-21T00:00:00Z', '2026-11-22T00:00:00Z'), {})).volume).toBe(0);
		});

		test('a narrow window among many events counts only its own events', async () => {
			const events: MetricEvent[] = [];
			for (let day = 1; day <= 20; day++) {
				for (let i = 0; i < 5; i++) {
					const at = `2026-11-${String(day).padStart(2, '0')}T0${i}:30:00.000Z`;
					events.push(buildEvent({ ai: ai(i % 2 ? 'a' : 'b', 0.6 + i / 10, { at, latencyMs: day * 10 + i }), route: { path: i < 2 ? 'auto' : 'review' } }, context({ groundTruth: 'a' })));
				}
			}
			await store.writeEvents(events);
			const r = await reportFromStore(store, rangeWindow('2026-11-10T00:00:00Z', '2026-11-11T00:00:00Z'), {});
			expect(r).toMatchObject({ volume: 5, autoHandledRate: 0.4, accuracy: 0.4, previous: { volume: 5 } });
			expect(r.latencyMs).toMatchObject({ p50: 102, p99: 104 });
			expect(r.confusionMatrix).toEqual({ labels: ['a', 'b'], matrix: [[2, 3], [0, 0]] });
		});

		test('empty window: zero volume, undefined rates, no alerts', async () => {
			const r = await reportFromStore(store, DAY, {});
			expect(r).toMatchObject({
				volume: 0,
				autoHandledRate: null,
				overrideRate: null,
				accuracy: null,
				meanConfidence: null,
				perLabel: [],
				macro: { precision: null, recall: null, f1: null },
				micro: { precision: null, recall: null, f1: null },
				calibration: { ece: null, withTruth: 0 },
				latencyMs: { p50: null, p95: null, p99: null, mean: null, count: 0 },
				tokens: { total: 0, perItem: null, perAutoHandledItem: null },
				thresholdWhatIf: { recommendedThreshold: null },
				alerts: [],
			});
			expect(r.skipped.total).toBe(0);
		});

		test('all overridden: override rate 1, accuracy 0', async () => {
			await store.writeEvents(
				['x', 'y', 'x'].map((label) =>
					buildEvent({ ai: ai(label, 0.7), route: { path: 'review' }, review: review('corrected', { label: 'z' }, true) }, context()),
				),
			);
			const r = await reportFromStore(store, DAY, {});
			expect(r.overrideRate).toBe(1);
			expect(r.accuracy).toBe(0);
			expect(r.autoHandledRate).toBe(0);
			expect(r.perLabel.find((l) => l.label === 'z')).toMatchObject({ predicted: 0, precision: null, recall: 0, f1: 0, support: 3 });
			expect(r.perLabel.find((l) => l.label === 'x')).toMatchObject({ predicted: 2, precision: 0, recall: null, f1: 0 });
		});

		test('skipped items are counted in the report and left out of the rates', async () => {
			const events: MetricEvent[] = [buildEvent({ ai: ai('a', 0.9), route: { path: 'auto' } }, context())];
			for (const json of [{ text: 'no ai' }, { ai: ai('a', Number.NaN) }, { ai: ai('a', '0.9' as unknown as number) }, { ai: 'yes' }]) {
				const ctx = context();
				try {
					events.push(buildEvent(json, ctx));
				} catch (error) {
					expect(error).toBeInstanceOf(SkippedItem);
					events.push(skippedEvent(ctx, (error as SkippedItem).reason));
				}
			}
			await store.writeEvents(events);
			const r = await reportFromStore(store, DAY, {});
			expect(r.volume).toBe(1);
			expect(r.autoHandledRate).toBe(1);
			expect(r.skipped).toEqual({ no_ai: 1, invalid_confidence: 2, invalid_ai: 1, total: 4 });
		});

		test('cascade: local vs LLM items, LLM cost spent and the saving priced by the same group\'s LLM items', async () => {
			await store.writeEvents(cascadeEvents());
			const { cascade } = await reportFromStore(store, DAY, {});
			expect(cascade).toEqual({
				items: 12,
				localItems: 9,
				llmItems: 3,
				localShare: 0.75,
				llmShare: 0.25,
				llmCostUsd: 0.006,
				estimatedSavedUsd: 0.018,
				localItemsPriced: 6,
				localItemsNotPriced: 3,
				method: expect.stringMatching(/^Estimated saving = items answered by the local tier × the mean recorded LLM cost/),
				groups: [
					{
						workflowId: 'wf', nodeName: 'Metrics', step: 'invoices', task: 'extract', items: 4, localItems: 3, llmItems: 1,
						localShare: 0.75, llmShare: 0.25, llmCostUsd: 0, llmItemsWithCost: 0, meanLlmCostUsd: null, estimatedSavedUsd: null,
					},
					{
						workflowId: 'wf', nodeName: 'Metrics', step: 'triage', task: 'classify', items: 8, localItems: 6, llmItems: 2,
						localShare: 0.75, llmShare: 0.25, llmCostUsd: 0.006, llmItemsWithCost: 2, meanLlmCostUsd: 0.003, estimatedSavedUsd: 0.018,
					},
				],
			});
			// A filter narrows the cascade figures like every other figure.
			expect((await reportFromStore(store, DAY, { step: 'invoices' })).cascade).toMatchObject({ localItems: 3, llmItems: 1, estimatedSavedUsd: null, localItemsNotPriced: 3 });
		});

		test('cascade without a cascade event: zero items, nothing saved', async () => {
			await store.writeEvents(sixEvents());
			const { cascade } = await reportFromStore(store, DAY, {});
			expect(cascade).toMatchObject({ items: 0, localItems: 0, llmItems: 0, localShare: null, llmCostUsd: 0, estimatedSavedUsd: 0, groups: [] });
		});

		test('per-field accuracy of reviewed extractions', async () => {
			const before = { total: 10, vendor: 'ACME', lines: [{ amount: 1 }, { amount: 2 }] };
			const extract = (rev: unknown) =>
				buildEvent(
					{ ai: { task: 'extract', confidence: 0.8, fieldConfidence: { total: 0.6, vendor: 0.9, 'lines[0].amount': 0.8, 'lines[1].amount': 0.6 } }, review: rev },
					context(),
				);
			await store.writeEvents([
				extract(review('corrected', { ...before, total: 12 }, true)),
				extract({ ...review('approved', before, false), before }),
			]);
			// The first review's `before` is the record: rebuild with it.
			const r0 = extract({ ...review('corrected', { ...before, total: 12 }, true), before });
			expect(r0.fields).toEqual({
				total: { correct: false, confidence: 0.6 },
				vendor: { correct: true, confidence: 0.9 },
				'lines[].amount': { correct: true, confidence: 0.7 },
			});
			expect(r0.reviewCorrect).toBe(false);
			await store.writeEvents([r0]);
			const r = await reportFromStore(store, DAY, {});
			expect(r.fieldAccuracy).toEqual([
				{ field: 'total', total: 2, correct: 1, accuracy: 0.5, meanConfidence: 0.6 },
				{ field: 'lines[].amount', total: 2, correct: 2, accuracy: 1, meanConfidence: expect.closeTo(0.7, 10) },
				{ field: 'vendor', total: 2, correct: 2, accuracy: 1, meanConfidence: 0.9 },
			]);
		});
	});

	describe('drift alerts against the previous window', () => {
		test('override rate up, confidence shift and label-mix PSI', async () => {
			const previousDay = (i: number) => `2026-11-19T${String(i % 24).padStart(2, '0')}:00:00.000Z`;
			const events: MetricEvent[] = [];
			for (let i = 0; i < 40; i++) {
				events.push(buildEvent({ ai: ai('a', 0.9, { at: previousDay(i) }), review: review('approved', 'a', false) }, context()));
				events.push(buildEvent({ ai: ai('b', 0.6), review: review('corrected', 'c', true) }, context()));
			}
			await store.writeEvents(events);
			const r = await reportFromStore(store, DAY, {});
			expect(r.previous).toMatchObject({ volume: 40, overrideRate: 0 });
			expect(r.alerts.map((a) => [a.type, a.severity])).toEqual([
				['override_rate_up', 'critical'],
				['confidence_shift', 'critical'],
				['label_mix_psi', 'critical'],
			]);
			expect(r.alerts[0]).toMatchObject({ current: 1, previous: 0, threshold: 0.05 });
			expect(r.alerts[1].current - r.alerts[1].previous).toBeCloseTo(-0.3, 10);
			expect(r.alerts[2].current).toBeCloseTo(2 * 0.9999 * Math.log(10000), 6);
		});

		test('input drift: length, language, unknown tokens and cleaned-away content by PSI, the likely cause of the override rise', async () => {
			await store.writeEvents(inputDriftEvents());
			const r = await reportFromStore(store, DAY, {});
			expect(r.volume).toBe(43);
			expect(r.skipped).toEqual({ no_ai: 1, total: 1 });
			const drift = r.inputDrift;
			expect(drift.skipped).toEqual({ invalid_input: 2, total: 2 });
			expect(drift.thresholds).toEqual({ notable: 0.1, alert: 0.25 });
			expect(drift.groups).toHaveLength(1);
			const [g] = drift.groups;
			expect(g).toMatchObject({ workflowId: 'wf', nodeName: 'Metrics', step: 'triage' });
			expect(g.previous).toEqual({
				items: 40,
				meanCharacters: 49.5,
				lengthBins: [21, 19, 0, 0, 0, 0, 0, 0, 0],
				languages: { en: 36, de: 4 },
				unknownTokenShare: { items: 40, mean: 0.075, median: 0.05, bins: [30, 10, 0, 0, 0, 0, 0, 0, 0, 0] },
				cleaned: { items: 40, cleanedAway: 4, share: 0.1 },
				redaction: { items: 0, values: 0, itemsWithRedaction: 0 },
			});
			expect(g.current).toEqual({
				items: 40,
				meanCharacters: 1695,
				lengthBins: [0, 0, 0, 0, 0, 40, 0, 0, 0],
				languages: { de: 30, en: 10 },
				unknownTokenShare: { items: 40, mean: 0.35, median: 0.35, bins: [0, 0, 0, 40, 0, 0, 0, 0, 0, 0] },
				cleaned: { items: 40, cleanedAway: 32, share: 0.8 },
				redaction: { items: 8, values: 8, itemsWithRedaction: 8 },
			});
			const expected = {
				length: term(EPS, 21 / 40) + term(EPS, 19 / 40) + term(1, EPS),
				language: term(0.75, 0.1) + term(0.25, 0.9),
				unknownTokenShare: term(EPS, 0.75) + term(EPS, 0.25) + term(1, EPS),
				cleaned: term(0.8, 0.1) + term(0.2, 0.9),
			};
			for (const figure of ['length', 'language', 'unknownTokenShare', 'cleaned'] as const) {
				expect(g.psi[figure]).toBeCloseTo(expected[figure], 9);
				expect(g.levels[figure]).toBe('alert');
			}
			expect(r.alerts.map((a) => [a.type, a.severity])).toEqual([
				['override_rate_up', 'critical'],
				['input_length_psi', 'critical'],
				['input_language_psi', 'critical'],
				['input_unknown_tokens_psi', 'critical'],
				['input_cleaned_psi', 'critical'],
			]);
			const [override, length, language] = r.alerts;
			expect(override).toMatchObject({ current: 0.5, previous: 0 });
			expect(override.likelyCauses?.map((c) => c.type)).toEqual(['input_length_psi', 'input_language_psi', 'input_unknown_tokens_psi', 'input_cleaned_psi']);
			expect(override.message).toMatch(
				`; the input changed too, likely cause: text length (PSI ${expected.length.toFixed(2)}), language mix (PSI ${expected.language.toFixed(2)}), ` +
					`words unknown to the local model (PSI ${expected.unknownTokenShare.toFixed(2)}), cleaned-away content (PSI ${expected.cleaned.toFixed(2)})`,
			);
			expect(length).toMatchObject({ threshold: 0.25, group: { workflowId: 'wf', nodeName: 'Metrics', step: 'triage' } });
			expect(length.current).toBeCloseTo(expected.length, 9);
			expect(language.message).toBe(`Language mix of wf / Metrics / triage changed (PSI ${expected.language.toFixed(3)}): en 90.0%, de 10.0% → de 75.0%, en 25.0%`);
		});

		test('input drift without input statistics: "no input data", not zeros; a previous window without them: no PSI', async () => {
			await store.writeEvents(sixEvents());
			expect((await reportFromStore(store, DAY, {})).inputDrift).toMatchObject({ note: 'no input data', groups: [], skipped: { total: 0 } });
			await store.writeEvents([buildEvent({ ai: ai('a', 0.8, { input: { characters: 120, language: 'en' } }) }, context())]);
			const r = await reportFromStore(store, DAY, {});
			expect(r.inputDrift.note).toBeUndefined();
			expect(r.inputDrift.groups).toEqual([
				expect.objectContaining({
					step: '',
					previous: null,
					current: expect.objectContaining({ items: 1, unknownTokenShare: { items: 0, mean: null, median: null, bins: [0, 0, 0, 0, 0, 0, 0, 0, 0, 0] }, cleaned: { items: 0, cleanedAway: 0, share: null } }),
					psi: { length: null, language: null, unknownTokenShare: null, cleaned: null },
				}),
			]);
			expect(r.alerts).toEqual([]);
		});

		test('no alert below the minimum sample size or when nothing moved', async () => {
			const events: MetricEvent[] = [];
			for (let i = 0; i < 10; i++) {
				events.push(buildEvent({ ai: ai('a', 0.9, { at: '2026-11-19T10:00:00.000Z' }) }, context()));
				events.push(buildEvent({ ai: ai('b', 0.5), review: review('corrected', 'c', true) }, context()));
			}
			await store.writeEvents(events);
			expect((await reportFromStore(store, DAY, {})).alerts).toEqual([]);
			expect(psi([{ label: 'a', count: 5 }, { label: 'b', count: 5 }], [{ label: 'a', count: 50 }, { label: 'b', count: 50 }])).toBe(0);
		});
	});
});

test('the PostgreSQL SQL and the streamed SQLite pass give identical reports, cascade included', async () => {
	// Written without a tier (as by hand): both stores read the tier from its model.
	const untiered = { ...event({ engine: 'cascade', model: 'local:v1', step: 'triage', at: '2026-11-20T10:00:00.000Z' }) };
	const events = [...sixEvents(), ...cascadeEvents(), untiered, ...inputDriftEvents()];
	const reports = [];
	for (const kind of ['sqlite', 'postgres'] as const) {
		const opened = await freshStore(kind);
		await opened.writeEvents(events);
		reports.push(await reportFromStore(opened, DAY, {}));
	}
	expect(reports[0].cascade).toMatchObject({ items: 13, localItems: 10, localItemsPriced: 7 });
	expect(reports[0].cascade.estimatedSavedUsd).toBeCloseTo(0.021, 12);
	expect(reports[0].inputDrift.groups.map((g) => [g.step, g.current?.items, g.previous?.items])).toEqual([['triage', 40, 40]]);
	expect(reports[1]).toEqual(reports[0]);
});

describe('building events from items', () => {
	test('cascade tier: from ai.tier, else implied by the model; none outside a cascade', () => {
		const tierOf = (extra: Record<string, unknown>) => buildEvent({ ai: ai('a', 0.9, extra) }, context()).tier;
		expect(tierOf({ engine: 'cascade', tier: 'llm', model: 'local:v1' })).toBe('llm');
		expect(tierOf({ engine: 'cascade', model: 'local:v1' })).toBe('local');
		expect(tierOf({ engine: 'cascade', model: undefined })).toBe('local');
		expect(tierOf({ engine: 'cascade', model: 'gpt-4o-mini' })).toBe('llm');
		expect(tierOf({ engine: 'openai', tier: 'llm' })).toBeUndefined();
	});

	test('key, route, review, ground truth, dimensions', () => {
		const e = buildEvent(
			{ ai: ai('a', 0.8, { latencyMs: 12 }), route: { path: 'review', reason: 'low', threshold: 0.9, sampled: true }, review: review('approved', 'a', false) },
			context({ executionId: '7', runIndex: 1, itemIndex: 3, step: 'triage', groundTruth: 5, dimensions: { team: 'x' } }),
		);
		expect(e).toEqual({
			eventKey: 'wf/7/Metrics/1/3',
			workflowId: 'wf',
			executionId: '7',
			nodeName: 'Metrics',
			itemIndex: 3,
			at: '2026-11-20T10:00:00.000Z',
			step: 'triage',
			dimensions: { team: 'x' },
			confidence: 0.8,
			task: 'classify',
			label: 'a',
			engine: 'openai',
			model: 'gpt-test',
			latencyMs: 12,
			inputTokens: 100,
			outputTokens: 10,
			costUsd: 0.001,
			routePath: 'review',
			sampled: true,
			reviewDecision: 'approved',
			overridden: false,
			reviewedLabel: 'a',
			reviewCorrect: true,
			truthLabel: '5',
			truthCorrect: false,
		});
		expect(buildEvent({ ai: ai('a', 1) }, context({ eventId: 'T-1' })).eventKey).toBe('wf/Metrics/id:T-1');
	});

	test('unknown labels and malformed fields are skipped with a reason', () => {
		const reason = (json: Record<string, unknown>) => {
			try {
				buildEvent(json, context());
				return 'kept';
			} catch (error) {
				return (error as SkippedItem).reason;
			}
		};
		expect(reason({ ai: ai('z', 0.5, { labels: ['a', 'b'] }) })).toBe('unknown_label');
		expect(reason({ ai: ai('a', 1.5) })).toBe('invalid_confidence');
		expect(reason({ ai: { ...ai('a', 0.5), label: 3 } })).toBe('invalid_ai');
		expect(reason({ ai: { ...ai('a', 0.5), task: 'summarise' } })).toBe('invalid_ai');
		expect(reason({ ai: null })).toBe('no_ai');
		expect(reason({ ai: { label: 'a', confidence: 0.5 } })).toBe('kept');
	});
});
