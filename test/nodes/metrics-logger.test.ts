/**
 * Metrics Logger in-process (n8n-core's WorkflowExecute), on SQLite files in a temp folder: Log
 * passes items on and records one event each (read back through the node's own Export), items
 * without a valid `ai` are skipped and counted or fail as chosen; Report and Export in every window
 * and format, files written through n8n-core's binary data; and what n8n shows for a store that
 * cannot be used. The figures themselves are tested in test/unit and test/store.
 */
import type { IDataObject, INodeExecutionData, INodeParameters } from 'n8n-workflow';

import { readBinary, runNode, type NodeRun, type RunOptions } from '../harness/inProcess';
import { expectEveryItemOnce, expectNodeError, jsonOf, pairedPerOutput, UNOPENABLE_STORE, UNOPENABLE_STORE_FIX, useTempFolder } from './support';

const temp = useTempFolder('metrics');

const DAY = { from: '2026-11-20T00:00:00.000Z', to: '2026-11-21T00:00:00.000Z' };
const at = (minutes: number) => new Date(Date.parse(DAY.from) + minutes * 60_000).toISOString();

function decision(i: number, extra: IDataObject = {}): IDataObject {
	const label = ['billing', 'refund', 'technical'][i % 3];
	return {
		id: `t-${i}`,
		text: `ticket ${i}`,
		truth: i % 4 === 0 ? 'refund' : label,
		ai: {
			task: 'classify',
			label,
			labels: ['billing', 'refund', 'technical'],
			confidence: 0.5 + (i % 5) / 10,
			engine: 'openai',
			model: 'gpt-test',
			usage: { inputTokens: 100, outputTokens: 5, costUsd: 0.0001 },
			latencyMs: 100 + i,
			attempts: 1,
			at: at(i),
		},
		route: { path: i % 2 ? 'review' : 'auto', reason: 'test', threshold: 0.8 },
		...extra,
	};
}

const DECISIONS = Array.from({ length: 6 }, (_, i) => decision(i));

function metrics(parameters: INodeParameters, items: Array<IDataObject | INodeExecutionData> = [{}], extra: Partial<RunOptions> = {}) {
	return runNode({ type: 'metricsLogger', parameters, items, ...extra });
}

const log = (store: INodeParameters, items: Array<IDataObject | INodeExecutionData>, parameters: INodeParameters = {}, extra: Partial<RunOptions> = {}) =>
	metrics({ operation: 'log', ...store, ...parameters }, items, extra);

/** The stored events, through the node's own JSON-lines export. */
async function storedEvents(store: INodeParameters, filters: INodeParameters = {}): Promise<IDataObject[]> {
	const run = await metrics({ operation: 'export', format: 'jsonl', ...store, filters });
	expect(run.error).toBeUndefined();
	const text = (await readBinary(run.outputs[0][0].binary!.data)).toString('utf8');
	return text.split('\n').filter(Boolean).map((line) => JSON.parse(line) as IDataObject);
}

const report = (store: INodeParameters, parameters: INodeParameters = {}) =>
	metrics({ operation: 'report', ...store, window: 'range', from: DAY.from, to: DAY.to, reportOptions: { html: false }, ...parameters });

const figures = (run: NodeRun) => jsonOf(run)[0] as IDataObject & { volume: number; skipped: IDataObject; counts: IDataObject };

describe('Log: items pass on unchanged, one event each', () => {
	it('passes every item on as it came, paired, with its binary data', async () => {
		const binary = { data: { data: 'aGk=', mimeType: 'text/plain' } };
		const items = [...DECISIONS.slice(0, 2), { json: DECISIONS[2], binary }];
		const run = await log(temp.store(), items);
		expectEveryItemOnce(run, 3);
		expect(jsonOf(run)).toEqual(DECISIONS.slice(0, 3));
		expect(run.outputs[0][2].binary).toEqual(binary);
	});

	it('records each decision with its step, ground truth, dimensions, route and usage', async () => {
		const store = temp.store();
		const run = await log(store, DECISIONS.slice(0, 2), {
			step: 'triage',
			groundTruth: '={{ $json.truth }}',
			dimensions: { dimension: [{ name: 'channel', value: 'email' }, { name: 'tier', value: '={{ $json.id }}' }, { name: '', value: 'ignored' }] },
		});
		const events = await storedEvents(store);
		expect(events).toHaveLength(2);
		const executionId = run.additionalData.executionId;
		expect(events.find((e) => e.itemIndex === 0)).toMatchObject({
			eventKey: `wf-in-process/${executionId}/Node/0/0`,
			workflowId: 'wf-in-process',
			executionId,
			nodeName: 'Node',
			step: 'triage',
			task: 'classify',
			label: 'billing',
			confidence: 0.5,
			engine: 'openai',
			model: 'gpt-test',
			routePath: 'auto',
			truthLabel: 'refund',
			truthCorrect: false,
			latencyMs: 100,
			inputTokens: 100,
			outputTokens: 5,
			costUsd: 0.0001,
			at: at(0),
			dimensions: { channel: 'email', tier: 't-0' },
		});
		expect(events.find((e) => e.itemIndex === 1)).toMatchObject({ truthLabel: 'refund', truthCorrect: true, routePath: 'review' });
	});

	it('a reviewed item records the decision and whether the reviewer overrode the AI', async () => {
		const store = temp.store();
		await log(store, [
			decision(0, { review: { decision: 'corrected', before: { label: 'billing' }, after: { label: 'refund' }, overridden: true, decidedAt: at(5), waitedMs: 1 } }),
			decision(1, { review: { decision: 'approved', before: { label: 'refund' }, after: { label: 'refund' }, overridden: false, decidedAt: at(5), waitedMs: 1 } }),
		]);
		const events = await storedEvents(store);
		expect(events.find((e) => e.itemIndex === 0)).toMatchObject({ reviewDecision: 'corrected', overridden: true, reviewedLabel: 'refund', reviewCorrect: false });
		expect(events.find((e) => e.itemIndex === 1)).toMatchObject({ reviewDecision: 'approved', overridden: false, reviewCorrect: true });
	});

	it('records the input statistics of ai.input; an invalid ai.input is logged without them, counted, and n8n shows a hint', async () => {
		const store = temp.store();
		const withInput = (i: number, input: unknown) => {
			const item = decision(i);
			return { ...item, ai: { ...(item.ai as IDataObject), input } };
		};
		const cleaned = { html: true, quotedHistory: true, signature: false, disclaimer: false, unicode: false, removedCharacters: 640 };
		const run = await log(store, [
			withInput(0, { characters: 1834, language: 'de', text: 'Guten Tag', cleaned, redacted: { email: 1, phone: 0, iban: 1, card: 0, nationalId: 0, custom: 0 }, unknownTokenShare: 0.25 }),
			withInput(1, { characters: 'many', language: 'en' }),
			decision(2),
		]);
		expectEveryItemOnce(run, 3);
		const events = await storedEvents(store);
		expect(events.find((e) => e.itemIndex === 0)).toMatchObject({ inputCharacters: 1834, inputLanguage: 'de', inputCleaned: true, inputRedacted: 2, inputUnknownTokenShare: 0.25 });
		// Never the text itself.
		expect(JSON.stringify(events)).not.toContain('Guten Tag');
		expect(events.find((e) => e.itemIndex === 1)).toMatchObject({ label: 'refund', inputSkipReason: 'invalid_input' });
		expect(Object.keys(events.find((e) => e.itemIndex === 2)!).filter((k) => k.startsWith('input') && k !== 'inputTokens')).toEqual([]);
		expect(run.run.data.resultData.runData.Node[0].hints).toEqual([
			{ message: expect.stringMatching(/^1 of 3 items have an ai\.input that does not match the item contract/), location: 'outputPane' },
		]);
		const figures = jsonOf(await report(store, { window: 'range', from: DAY.from, to: DAY.to }))[0] as IDataObject & { inputDrift: IDataObject };
		expect(figures.volume).toBe(3);
		expect(figures.inputDrift).toMatchObject({ skipped: { invalid_input: 1, total: 1 }, groups: [{ current: { items: 1, languages: { de: 1 } }, previous: null }] });
	});

	it('a re-run of the same items with an Event ID is not counted twice, and n8n shows a hint', async () => {
		const store = temp.store();
		const parameters = { logOptions: { eventId: '={{ $json.id }}' } };
		await log(store, DECISIONS.slice(0, 3), parameters);
		const rerun = await log(store, DECISIONS.slice(0, 4), parameters);
		expect((await storedEvents(store)).map((e) => e.eventKey).sort()).toEqual(['t-0', 't-1', 't-2', 't-3'].map((id) => `wf-in-process/Node/id:${id}`));
		const task = rerun.run.data.resultData.runData.Node[0];
		expect(task.hints).toEqual([{ message: '3 of 4 events were already stored (a re-run of the same items) and were not counted again', location: 'outputPane' }]);
	});

	it('without an Event ID every execution counts its items', async () => {
		const store = temp.store();
		await log(store, DECISIONS.slice(0, 2));
		await log(store, DECISIONS.slice(0, 2));
		expect(await storedEvents(store)).toHaveLength(4);
	});

	it('an item without ai.at is logged at the time of the execution', async () => {
		const store = temp.store();
		const before = Date.now();
		const { ai, ...rest } = decision(0) as { ai: IDataObject };
		await log(store, [{ ...rest, ai: { ...ai, at: undefined } }]);
		const [event] = await storedEvents(store);
		expect(Date.parse(String(event.at))).toBeGreaterThanOrEqual(before - 1000);
	});
});

describe('items without a valid AI result', () => {
	const invalid: Array<[string, IDataObject, string, RegExp]> = [
		['no ai field', { text: 'no ai' }, 'no_ai', /^The item has no `ai` field/],
		['ai not an object', { ai: 'billing' }, 'invalid_ai', /^The item's `ai` field is not an object/],
		['a confidence that is text', { ai: { label: 'billing', confidence: 'high' } }, 'invalid_confidence', /^The item's ai\.confidence must be a number from 0 to 1, got "high"/],
		['a confidence above 1', { ai: { label: 'billing', confidence: 1.2 } }, 'invalid_confidence', /got 1\.2/],
		['no confidence', { ai: { label: 'billing' } }, 'invalid_confidence', /got nothing/],
		['a label that is no text', { ai: { label: 3, confidence: 0.9 } }, 'invalid_ai', /^The item's ai\.label must be text, got 3/],
		['an unknown task', { ai: { task: 'translate', confidence: 0.9 } }, 'invalid_ai', /^The item's ai\.task must be "classify" or "extract"/],
		['a label outside ai.labels', { ai: { label: 'spam', labels: ['billing', 'refund'], confidence: 0.9 } }, 'unknown_label', /^The item's ai\.label "spam" is not one of its ai\.labels/],
	];

	it.each(invalid)('%s: skipped and counted by default, the item passed on', async (_name, item, reason) => {
		const store = temp.store();
		const run = await log(store, [DECISIONS[0], item]);
		expectEveryItemOnce(run, 2);
		expect(jsonOf(run)).toEqual([DECISIONS[0], item]);
		const skipped = (await storedEvents(store)).find((e) => e.itemIndex === 1);
		expect(skipped).toMatchObject({ skipReason: reason });
		expect(skipped).not.toHaveProperty('confidence');
	});

	it.each(invalid)('%s with "Fail": the item named, the fix shown', async (_name, item, _reason, message) => {
		const run = await log(temp.store(), [DECISIONS[0], item], { logOptions: { onInvalidItem: 'error' } });
		expectNodeError(run, { message, itemIndex: 1, description: /Put AI Classify or Extract Invoice before this node .*"Skip and Count"/ });
	});

	it('the report counts the skipped items by reason, outside the rates', async () => {
		const store = temp.store();
		await log(store, [...DECISIONS.slice(0, 2), ...invalid.map(([, item]) => item)]);
		const run = await metrics({ operation: 'report', ...store, window: 'last', lastAmount: 1, lastUnit: 'days', reportOptions: { html: false } });
		expect(figures(run).skipped).toEqual({ no_ai: 1, invalid_ai: 3, invalid_confidence: 3, unknown_label: 1, total: 8 });
	});

	it('"Fail" with Continue On Fail: the bad items carry the error, the good ones are logged', async () => {
		const store = temp.store();
		const items = [DECISIONS[0], { text: 'no ai' }, DECISIONS[1]];
		const run = await log(store, items, { logOptions: { onInvalidItem: 'error' } }, { onError: 'continueRegularOutput' });
		expectEveryItemOnce(run, 3);
		expect(jsonOf(run)).toEqual([DECISIONS[0], { text: 'no ai', error: expect.stringMatching(/no `ai` field/) }, DECISIONS[1]]);
		expect((await storedEvents(store)).map((e) => e.itemIndex).sort()).toEqual([0, 2]);
	});

	it('"Fail" with Continue (using error output): the bad items leave on the error output', async () => {
		const run = await log(temp.store(), [DECISIONS[0], { text: 'no ai' }], { logOptions: { onInvalidItem: 'error' } }, { onError: 'continueErrorOutput' });
		expect(run.outputs).toHaveLength(2);
		expect(pairedPerOutput(run)).toEqual([[0], [1]]);
		expect(jsonOf(run, 1)).toEqual([{ text: 'no ai', error: expect.stringMatching(/no `ai` field/) }]);
	});
});

describe('Report', () => {
	let store: INodeParameters;
	beforeAll(async () => {
		store = temp.store('report');
		await log(store, DECISIONS, { step: 'triage', groundTruth: '={{ $json.truth }}' });
		await log(store, [decision(10, { ai: { ...(decision(10).ai as IDataObject), model: 'other-model', at: at(10) } })], { step: 'intake' });
	});

	it('the figures of a window, with the HTML page as a file by default', async () => {
		const run = await metrics({ operation: 'report', ...store, window: 'range', from: DAY.from, to: DAY.to });
		expectEveryItemOnce(run, 1);
		const result = figures(run);
		expect(result.volume).toBe(7);
		expect(result.counts).toMatchObject({ auto: 4, review: 3, withTruth: 6 });
		// Six with ground truth; item 0 (billing, truly refund) is the one wrong.
		expect(result.accuracy).toBeCloseTo(5 / 6, 10);
		expect(result.window).toMatchObject({ from: DAY.from, to: DAY.to });
		const html = run.outputs[0][0].binary!.report;
		expect(html).toMatchObject({ mimeType: 'text/html', fileName: 'metrics-report.html' });
		expect(html.id).toMatch(/^filesystem-v2:/);
		const page = (await readBinary(html)).toString('utf8');
		expect(page).toMatch(/^<!doctype html>/i);
		expect(page).toContain('<svg');
	});

	it('HTML Page off: the figures only', async () => {
		const run = await report(store);
		expect(run.outputs[0][0].binary).toBeUndefined();
	});

	it('Filters: step, label, model and workflow narrow the events', async () => {
		expect(figures(await report(store, { filters: { step: 'triage' } })).volume).toBe(6);
		expect(figures(await report(store, { filters: { label: 'refund' } })).volume).toBe(3);
		expect(figures(await report(store, { filters: { model: 'other-model' } })).volume).toBe(1);
		expect(figures(await report(store, { filters: { workflowId: 'another-workflow' } })).volume).toBe(0);
		expect(figures(await report(store, { filters: { step: '  ' } })).volume).toBe(7);
	});

	it('a window without events: zero volume, no rates', async () => {
		const run = await report(store, { from: '2020-01-01T00:00:00Z', to: '2020-01-02T00:00:00Z' });
		expect(figures(run)).toMatchObject({ volume: 0, accuracy: null, overrideRate: null });
	});

	it('Truth "Reviewer Decisions Only" ignores the ground truth', async () => {
		expect(figures(await report(store, { reportOptions: { html: false, truthSource: 'review' } })).accuracy).toBeNull();
	});

	it('"Last" windows end now', async () => {
		const before = Date.now();
		const run = await metrics({ operation: 'report', ...store, window: 'last', lastAmount: 2, lastUnit: 'hours', reportOptions: { html: false } });
		const window = figures(run).window as { from: string; to: string };
		expect(Date.parse(window.to) - Date.parse(window.from)).toBe(2 * 3_600_000);
		expect(Date.parse(window.to)).toBeGreaterThanOrEqual(before);
	});

	const badWindows: Array<[string, INodeParameters, string]> = [
		['"To" before "From"', { from: DAY.to, to: DAY.from }, `"To" (${DAY.from}) must be later than "From" (${DAY.to})`],
		['a "From" that is no date', { from: 'yesterday' }, '"From" is not a valid date: "yesterday"'],
		['a "To" that is no date', { to: '2026-13-45' }, '"To" is not a valid date: "2026-13-45"'],
	];
	it.each(badWindows)('%s stops with the fix', async (_name, parameters, message) => {
		expectNodeError(await report(store, parameters), { message, description: 'Set a time window whose end is after its start, with dates like 2026-11-20T00:00:00Z.' });
	});

	it('a "Last" of 0 stops with the fix', async () => {
		const run = await metrics({ operation: 'report', ...store, window: 'last', lastAmount: 0, lastUnit: 'days' });
		expectNodeError(run, { message: 'The window length must be a positive number, got 0', description: /Set a time window/ });
	});

	it('an empty range is a parameter issue: n8n does not run the workflow', async () => {
		await expect(metrics({ operation: 'report', ...store, window: 'range', from: '', to: '' })).rejects.toThrow(/Parameter "From" is required/);
	});
});

describe('Export', () => {
	let store: INodeParameters;
	beforeAll(async () => {
		store = temp.store('export');
		await log(store, DECISIONS, { step: 'triage' });
		await log(store, [{ text: 'no ai' }]);
	});

	async function file(parameters: INodeParameters) {
		const run = await metrics({ operation: 'export', ...store, ...parameters });
		expectEveryItemOnce(run, 1);
		const [item] = run.outputs[0];
		const property = String(parameters.binaryPropertyName ?? 'data');
		return { json: item.json, binary: item.binary![property], text: (await readBinary(item.binary![property])).toString('utf8') };
	}

	it('Prometheus text (the default): counters and histograms over all events', async () => {
		const { json, binary, text } = await file({});
		expect(json).toEqual({ format: 'prometheus', window: 'all', filters: {} });
		expect(binary).toMatchObject({ fileName: 'metrics.prom', mimeType: 'text/plain; version=0.0.4' });
		expect(text).toContain('# TYPE aiwf_events_total counter');
		expect(text).toMatch(/^aiwf_events_total\{workflow="wf-in-process",step="triage",label="billing",route="auto"\} 1$/m);
		expect(text).toMatch(/^aiwf_skipped_total\{reason="no_ai"\} 1$/m);
		expect(text).toMatch(/^aiwf_confidence_count 6$/m);
		expect(text.endsWith('\n')).toBe(true);
	});

	it('CSV: a header and one row per event', async () => {
		const { json, binary, text } = await file({ format: 'csv' });
		expect(json).toMatchObject({ format: 'csv', events: 7, totalEvents: 7, truncated: false });
		expect(binary).toMatchObject({ fileName: 'metrics-events.csv', mimeType: 'text/csv' });
		const lines = text.split('\r\n').filter(Boolean);
		expect(lines[0].split(',').slice(0, 3)).toEqual(['eventKey', 'at', 'workflowId']);
		expect(lines).toHaveLength(8);
	});

	it('JSON lines, into the field asked for', async () => {
		const { binary, text } = await file({ format: 'jsonl', binaryPropertyName: 'events' });
		expect(binary).toMatchObject({ fileName: 'metrics-events.jsonl', mimeType: 'application/x-ndjson' });
		expect(text.trim().split('\n').map((line) => JSON.parse(line).itemIndex).sort()).toEqual([0, 0, 1, 2, 3, 4, 5]);
	});

	it('Max Events: the rest left out, and the output says so', async () => {
		const { json, text } = await file({ format: 'jsonl', maxRows: 3 });
		expect(json).toMatchObject({ events: 3, totalEvents: 7, truncated: true });
		expect(text.trim().split('\n')).toHaveLength(3);
	});

	it('a window and filters narrow the export', async () => {
		const range = await file({ format: 'jsonl', exportWindow: 'range', from: at(2), to: at(4) });
		expect(range.json).toMatchObject({ window: { from: at(2), to: at(4) }, events: 2 });
		expect((await file({ format: 'csv', filters: { label: 'refund' } })).json).toMatchObject({ events: 2, filters: { label: 'refund' } });
		// The decisions were made in 2026-11; the skipped item now.
		expect((await file({ format: 'csv', exportWindow: 'last', lastAmount: 1, lastUnit: 'hours' })).json).toMatchObject({ events: Date.now() > Date.parse(DAY.to) ? 1 : 7 });
	});

	it('an empty store exports an empty file, not an error', async () => {
		const { json, text } = await file({ ...temp.store(), format: 'csv' });
		expect(json).toMatchObject({ events: 0, totalEvents: 0 });
		expect(text).toBe('eventKey,at,workflowId,executionId,nodeName,itemIndex,step,task,label,confidence,engine,tier,model,routePath,sampled,reviewDecision,reviewedLabel,reviewCorrect,overridden,truthLabel,truthCorrect,latencyMs,inputTokens,outputTokens,costUsd,skipReason,fields,dimensions,inputCharacters,inputLanguage,inputUnknownTokenShare,inputCleaned,inputRedacted,inputSkipReason\r\n');
	});
});

describe('a store that cannot be used', () => {
	it.each(['log', 'report', 'export'])('%s: stops naming the store, with the fix', async (operation) => {
		const run = await metrics({ operation, ...UNOPENABLE_STORE, window: 'last' }, DECISIONS.slice(0, 2));
		expectNodeError(run, { message: /^Cannot open the embedded store file .*oyo\.pdf\/store\.sqlite/, description: UNOPENABLE_STORE_FIX });
	});

	it('log with Continue On Fail: every item goes on and says its event was not recorded', async () => {
		const run = await log(UNOPENABLE_STORE, DECISIONS.slice(0, 3), {}, { onError: 'continueRegularOutput' });
		expectEveryItemOnce(run, 3);
		for (const [i, json] of jsonOf(run).entries()) expect(json).toEqual({ ...DECISIONS[i], error: expect.stringMatching(/^Cannot open the embedded store file/) });
	});

	it('log with Continue (using error output): every item on the error output', async () => {
		const run = await log(UNOPENABLE_STORE, DECISIONS.slice(0, 2), {}, { onError: 'continueErrorOutput' });
		expect(pairedPerOutput(run)).toEqual([[], [0, 1]]);
		expect(jsonOf(run, 1)[1]).toMatchObject({ id: 't-1', error: expect.stringMatching(/^Cannot open the embedded store file/) });
	});

	it("PostgreSQL chosen but no Postgres credential: n8n's own error", async () => {
		const run = await metrics({ operation: 'log', storeType: 'postgres' }, DECISIONS.slice(0, 1));
		expectNodeError(run, { message: 'Node does not have any credentials set for "postgres"' });
	});
});
