import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { csvCell, csvHeader, toCsvRows, toJsonLines, toPrometheus } from '../../nodes/shared/metrics/export';
import { escapeHtml, renderReportHtml } from '../../nodes/shared/metrics/html';
import { rangeWindow, reportFromStore } from '../../nodes/shared/metrics/run';
import { closeAllStores, openStore } from '../../nodes/shared/store';
import type { MetricEvent, PackageStore } from '../../nodes/shared/store/types';
import { event } from './helpers/events';

const dir = mkdtempSync(join(tmpdir(), 'aiwf-export-'));
let store: PackageStore;
beforeAll(async () => {
	store = await openStore({ kind: 'sqlite', path: join(dir, 'export.sqlite') });
	await store.writeEvents([
		event({ label: 'billing', confidence: 0.95, routePath: 'auto', latencyMs: 90, inputTokens: 100, outputTokens: 1, costUsd: 0.01, at: '2026-11-20T10:10:00.000Z' }),
		event({ label: 'billing', confidence: 0.55, routePath: 'review', reviewDecision: 'corrected', overridden: true, reviewedLabel: 'refund', reviewCorrect: false, latencyMs: 700, at: '2026-11-20T13:45:00.000Z' }),
		event({ label: 'x"y\\z\n', confidence: 0.62, routePath: 'review', latencyMs: 3000, at: '2026-11-20T23:59:59.000Z' }),
		{ ...event({ at: '2026-11-20T12:00:00.000Z' }), skipReason: 'no_ai' },
	]);
});
afterAll(async () => {
	await closeAllStores();
	rmSync(dir, { recursive: true, force: true });
});

/** A minimal parser of the text exposition format: every sample line is `name{labels} value`. */
function parsePrometheus(text: string) {
	const samples: Array<{ name: string; labels: Record<string, string>; value: number }> = [];
	const types = new Map<string, string>();
	for (const line of text.split('\n')) {
		if (!line) continue;
		const type = /^# TYPE (\w+) (counter|histogram|gauge)$/.exec(line);
		if (type) {
			types.set(type[1], type[2]);
			continue;
		}
		if (line.startsWith('# HELP ')) continue;
		const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$/.exec(line);
		if (!m) throw new Error(`unparsable line: ${line}`);
		const labels: Record<string, string> = {};
		const re = /(\w+)="((?:[^"\\]|\\.)*)"/g;
		let l;
		while ((l = re.exec(m[3] ?? ''))) labels[l[1]] = l[2].replace(/\\n/g, '\n').replace(/\\"/g, '"').replace(/\\\\/g, '\\');
		samples.push({ name: m[1], labels, value: Number(m[4]) });
	}
	return { samples, types };
}

test('Prometheus exposition: counters per series, cumulative histograms, escaped label values', async () => {
	const aggregates = await store.aggregate({ truthSource: 'auto', timelineBucketMs: 86_400_000, includeSeries: true });
	const { samples, types } = parsePrometheus(toPrometheus(aggregates));
	expect(types.get('aiwf_events_total')).toBe('counter');
	expect(types.get('aiwf_latency_ms')).toBe('histogram');
	const sum = (name: string, match: Record<string, string> = {}) =>
		samples.filter((s) => s.name === name && Object.entries(match).every(([k, v]) => s.labels[k] === v)).reduce((a, s) => a + s.value, 0);
	expect(sum('aiwf_events_total')).toBe(3);
	expect(sum('aiwf_events_total', { label: 'billing', route: 'review' })).toBe(1);
	expect(sum('aiwf_events_total', { label: 'x"y\\z\n' })).toBe(1);
	expect(sum('aiwf_overrides_total')).toBe(1);
	expect(sum('aiwf_reviews_total')).toBe(1);
	expect(sum('aiwf_tokens_total', { direction: 'input' })).toBe(100);
	expect(sum('aiwf_cost_usd_total')).toBeCloseTo(0.01, 12);
	expect(sum('aiwf_skipped_total', { reason: 'no_ai' })).toBe(1);
	const buckets = samples.filter((s) => s.name === 'aiwf_latency_ms_bucket');
	expect(buckets.find((b) => b.labels.le === '100')?.value).toBe(1);
	expect(buckets.find((b) => b.labels.le === '1000')?.value).toBe(2);
	expect(buckets.find((b) => b.labels.le === '+Inf')?.value).toBe(3);
	expect(buckets.map((b) => b.value)).toEqual([...buckets.map((b) => b.value)].sort((a, b) => a - b));
	expect(sum('aiwf_latency_ms_count')).toBe(3);
	expect(sum('aiwf_latency_ms_sum')).toBe(3790);
	const confidence = samples.filter((s) => s.name === 'aiwf_confidence_bucket');
	expect(confidence.find((b) => b.labels.le === '0.6')?.value).toBe(1);
	expect(confidence.find((b) => b.labels.le === '0.7')?.value).toBe(2);
	expect(confidence.find((b) => b.labels.le === '+Inf')?.value).toBe(3);
});

test('CSV quotes, neutralises formulas and keeps one row per event', async () => {
	expect(csvCell('a,b')).toBe('"a,b"');
	expect(csvCell('say "hi"')).toBe('"say ""hi"""');
	expect(csvCell('=HYPERLINK("x")')).toBe('"\'=HYPERLINK(""x"")"');
	expect(csvCell(-3)).toBe('-3');
	expect(csvCell({ a: 1 })).toBe('"{""a"":1}"');
	const events = await store.readEvents({});
	const csv = csvHeader() + toCsvRows(events);
	expect(csv.split('\r\n').filter(Boolean)).toHaveLength(1 + 4);
	expect(csv.startsWith('eventKey,at,workflowId')).toBe(true);
});

test('JSON lines round-trip the events', async () => {
	const events = await store.readEvents({});
	const parsed = toJsonLines(events)
		.trim()
		.split('\n')
		.map((line) => JSON.parse(line) as MetricEvent);
	expect(parsed).toEqual(events);
});

test('HTML page: self-contained, escaped, with the four charts', async () => {
	const report = await reportFromStore(store, rangeWindow('2026-11-20T00:00:00Z', '2026-11-21T00:00:00Z'), { label: undefined });
	// A hostile label and title must come out as text.
	report.perLabel.push({ label: '<script>alert(1)</script>', support: 1, predicted: 1, truePositives: 1, precision: 1, recall: 1, f1: 1 });
	const html = renderReportHtml(report, 'Metrics <img src=x onerror=alert(1)>');
	expect(html).not.toMatch(/<script/i);
	expect(html).not.toMatch(/<img/i);
	expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
	expect(html).not.toMatch(/(src|href)=["']?(https?:)?\/\//i);
	expect(html).not.toMatch(/@import|url\(/i);
	expect(html.match(/<svg/g)).toHaveLength(4);
	for (const caption of ['Confusion matrix', 'Reliability diagram', 'Override rate over time', 'Threshold what-if']) {
		expect(html).toContain(caption);
	}
	expect(escapeHtml(`<a href="x">'&`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;');
});

test('the override timeline counts every event in its bucket, whatever the minute', async () => {
	const report = await reportFromStore(store, rangeWindow('2026-11-20T00:00:00Z', '2026-11-21T00:00:00Z'), {});
	expect(report.overrideTimeline).toHaveLength(24);
	expect(report.overrideTimeline.reduce((a, b) => a + b.events, 0)).toBe(3);
	expect(report.overrideTimeline[13]).toMatchObject({ from: '2026-11-20T13:00:00.000Z', events: 1, reviewed: 1, overridden: 1, overrideRate: 1 });
	expect(report.overrideTimeline[23].events).toBe(1);
});

test('cascade: Prometheus counters by tier, the tier in CSV, and an escaped HTML section that says when a saving is not estimable', async () => {
	const cascadeStore = await openStore({ kind: 'sqlite', path: join(dir, 'cascade.sqlite') });
	const at = '2026-11-20T10:00:00.000Z';
	await cascadeStore.writeEvents([
		event({ engine: 'cascade', tier: 'local', model: 'local:v1', costUsd: 0, step: '<b>triage</b>', at }),
		event({ engine: 'cascade', tier: 'local', model: 'local:v1', costUsd: 0, step: '<b>triage</b>', at }),
		event({ engine: 'cascade', tier: 'llm', model: 'gpt-test', costUsd: 0.003, step: '<b>triage</b>', at }),
		event({ engine: 'cascade', tier: 'local', task: 'extract', step: 'invoices', at }),
	]);
	const aggregates = await cascadeStore.aggregate({ truthSource: 'auto', timelineBucketMs: 86_400_000, includeSeries: true });
	const { samples, types } = parsePrometheus(toPrometheus(aggregates));
	expect(types.get('aiwf_cascade_items_total')).toBe('counter');
	const value = (name: string, labels: Record<string, string>) =>
		samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;
	expect(value('aiwf_cascade_items_total', { step: '<b>triage</b>', tier: 'local', node: 'Metrics' })).toBe(2);
	expect(value('aiwf_cascade_items_total', { step: '<b>triage</b>', tier: 'llm' })).toBe(1);
	expect(value('aiwf_cascade_cost_usd_total', { step: '<b>triage</b>', tier: 'llm' })).toBeCloseTo(0.003, 12);
	expect(value('aiwf_cascade_items_total', { step: 'invoices', tier: 'local', task: 'extract' })).toBe(1);

	const [header, first] = (csvHeader() + toCsvRows(await cascadeStore.readEvents({}))).split('\r\n');
	const tierColumn = header.split(',').indexOf('tier');
	expect(tierColumn).toBeGreaterThan(0);
	expect(first.split(',')[tierColumn]).toBe('local');

	const report = await reportFromStore(cascadeStore, rangeWindow('2026-11-20T00:00:00Z', '2026-11-21T00:00:00Z'), {});
	expect(report.cascade).toMatchObject({ localItems: 3, llmItems: 1, estimatedSavedUsd: 0.006, localItemsNotPriced: 1 });
	const html = renderReportHtml(report);
	expect(html).toContain('<h2>Cascade</h2>');
	expect(html).not.toContain('<b>triage</b>');
	expect(html).toContain('&lt;b&gt;triage&lt;/b&gt;');
	expect(html).toContain('covers 2 of 3 local items');
	expect(html).toMatch(/<td>invoices<\/td>.*<td>not estimable<\/td><\/tr>/);
	expect(html).toContain('Estimated saving = items answered by the local tier');
	// No cascade event, no cascade section.
	expect(renderReportHtml(await reportFromStore(store, rangeWindow('2026-11-20T00:00:00Z', '2026-11-21T00:00:00Z'), {}))).not.toContain('Cascade');
});

test('input drift: Prometheus counters and histograms by group, the input columns in CSV, an escaped HTML section with "no input data"', async () => {
	const inputStore = await openStore({ kind: 'sqlite', path: join(dir, 'input.sqlite') });
	const previous = '2026-11-19T10:00:00.000Z';
	const current = '2026-11-20T10:00:00.000Z';
	const step = '<i>triage</i>';
	await inputStore.writeEvents([
		// 30 short English texts the day before, 30 long German texts with quoted history removed on the day.
		...Array.from({ length: 30 }, () => event({ step, at: previous, inputCharacters: 40, inputLanguage: 'en', inputCleaned: false, inputUnknownTokenShare: 0.05 })),
		...Array.from({ length: 30 }, (_, i) =>
			event({ step, at: current, inputCharacters: 1500, inputLanguage: 'de', inputCleaned: true, inputUnknownTokenShare: 0.42, inputRedacted: i < 3 ? 2 : 0 }),
		),
		event({ step, at: current, inputSkipReason: 'invalid_input' }),
	]);
	const aggregates = await inputStore.aggregate({ from: '2026-11-20T00:00:00Z', to: '2026-11-21T00:00:00Z', truthSource: 'auto', timelineBucketMs: 86_400_000, includeSeries: true });
	const { samples, types } = parsePrometheus(toPrometheus(aggregates));
	const value = (name: string, labels: Record<string, string>) =>
		samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;
	expect(types.get('aiwf_input_items_total')).toBe('counter');
	expect(types.get('aiwf_input_characters')).toBe('histogram');
	expect(value('aiwf_input_items_total', { step, node: 'Metrics', language: 'de' })).toBe(30);
	expect(value('aiwf_input_cleaned_total', { step })).toBe(30);
	expect(value('aiwf_input_redacted_total', { step })).toBe(6);
	expect(value('aiwf_input_skipped_total', { step, reason: 'invalid_input' })).toBe(1);
	expect(value('aiwf_input_characters_bucket', { step, le: '1000' })).toBe(0);
	expect(value('aiwf_input_characters_bucket', { step, le: '2000' })).toBe(30);
	expect(value('aiwf_input_characters_bucket', { step, le: '+Inf' })).toBe(30);
	expect(value('aiwf_input_characters_sum', { step })).toBe(45000);
	expect(value('aiwf_input_unknown_token_share_bucket', { step, le: '0.4' })).toBe(0);
	expect(value('aiwf_input_unknown_token_share_bucket', { step, le: '0.5' })).toBe(30);
	expect(value('aiwf_input_unknown_token_share_count', { step })).toBe(30);

	const [header, ...rows] = (csvHeader() + toCsvRows(await inputStore.readEvents({ from: '2026-11-20T00:00:00Z' }))).split('\r\n');
	const columns = header.split(',');
	expect(columns.slice(-6)).toEqual(['inputCharacters', 'inputLanguage', 'inputUnknownTokenShare', 'inputCleaned', 'inputRedacted', 'inputSkipReason']);
	const cells = rows[0].split(',');
	expect(cells.slice(-6)).toEqual(['1500', 'de', '0.42', 'true', '2', '']);
	expect(rows[30].split(',').slice(-6)).toEqual(['', '', '', '', '', 'invalid_input']);

	const report = await reportFromStore(inputStore, rangeWindow('2026-11-20T00:00:00Z', '2026-11-21T00:00:00Z'), {});
	expect(report.alerts.map((a) => a.type)).toEqual(['input_length_psi', 'input_language_psi', 'input_unknown_tokens_psi', 'input_cleaned_psi']);
	const html = renderReportHtml(report);
	expect(html).toContain('<h2>Input drift</h2>');
	expect(html).not.toContain('<i>triage</i>');
	expect(html).toContain('wf / Metrics / &lt;i&gt;triage&lt;/i&gt;');
	// PSI of all 30 in one length bin, then all 30 in another: 2 · (1 − ε) · ln(1 / ε).
	const extreme = 2 * (1 - 0.0001) * Math.log(1 / 0.0001);
	expect(html).toContain(`<td class="alert">${extreme.toFixed(3)} alert</td>`);
	expect(html).toContain('1 items with an invalid ai.input');
	expect(html).toMatch(/Language mix of wf \/ Metrics \/ &lt;i&gt;triage&lt;\/i&gt; changed/);
	// The day before has no previous window with input data: shown as such, not as zeros.
	const dayBefore = renderReportHtml(await reportFromStore(inputStore, rangeWindow('2026-11-19T00:00:00Z', '2026-11-20T00:00:00Z'), {}));
	expect(dayBefore).toContain('<span class="empty">no input data</span> → 30');
	expect(renderReportHtml(await reportFromStore(store, rangeWindow('2026-11-20T00:00:00Z', '2026-11-21T00:00:00Z'), {}))).toContain('No input data (ai.input) in this window or the previous one.');
});
