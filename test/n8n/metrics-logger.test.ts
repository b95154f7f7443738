/**
 * Metrics Logger inside a real n8n (each supported version): a Webhook → Metrics Logger (log) flow
 * records 300 decisions of known truth from two concurrent executions, then a report flow returns the
 * figures the data implies — on the embedded SQLite store and on PostgreSQL through n8n's Postgres
 * credential. Chromium renders the HTML report (AIW_UPDATE_SCREENSHOTS=1 writes docs/metrics-report.png).
 * An unreachable store fails the execution with a clear error.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client } from 'pg';

import { describeEachN8nVersion, executionError, nodeOutput, type N8nInstance } from '../harness/n8n';
import { repoRoot } from '../harness/runtime';
import { launchChromium } from '../harness/browser';
import { ourNode, splitOut, webhook, workflow, node } from '../support/workflow';
import { PG, PG_ADMIN_DATABASE, postgresCredentialData } from '../support/pg';

jest.setTimeout(10 * 60_000);

const LABELS = ['billing', 'refund', 'technical'];
const DAY = { from: '2026-11-20T00:00:00.000Z', to: '2026-11-21T00:00:00.000Z' };


interface Decision {
	text: string;
	truth: string;
	ai: Record<string, unknown>;
	route: Record<string, unknown>;
	review?: Record<string, unknown>;
}

/** 300 decisions: every fifth prediction wrong, confident ones auto-handled, the rest reviewed. */
function decisions(): Decision[] {
	return Array.from({ length: 300 }, (_, i) => {
		const label = LABELS[i % 3];
		const truth = i % 5 === 0 ? LABELS[(i + 1) % 3] : label;
		const confidence = 0.5 + (i % 50) / 100;
		const path = confidence >= 0.8 ? 'auto' : 'review';
		return {
			text: `ticket ${i}`,
			truth,
			ai: {
				task: 'classify',
				label,
				labels: LABELS,
				confidence,
				confidenceSource: 'logprobs',
				engine: 'openai',
				model: 'gpt-test',
				usage: { inputTokens: 100, outputTokens: 5, costUsd: 0.0001 },
				latencyMs: 100 + i,
				attempts: 1,
				at: new Date(Date.parse(DAY.from) + i * 60_000).toISOString(),
			},
			route: { path, reason: 'threshold', threshold: 0.8 },
			...(path === 'review'
				? {
						review: {
							decision: truth === label ? 'approved' : 'corrected',
							before: { label },
							after: { label: truth },
							overridden: truth !== label,
							decidedAt: DAY.from,
							waitedMs: 1000,
						},
					}
				: {}),
		};
	});
}

/** The figures the data implies, counted here without the package's code. */
function expectedFigures(items: Decision[]) {
	const reviewed = items.filter((d) => d.review);
	const count = (predicate: (d: Decision) => boolean) => items.filter(predicate).length;
	const confusion = LABELS.map((truth) => LABELS.map((predicted) => count((d) => d.truth === truth && d.ai.label === predicted)));
	return {
		volume: items.length,
		autoHandledRate: count((d) => d.route.path === 'auto') / items.length,
		reviewRate: reviewed.length / items.length,
		overrideRate: reviewed.filter((d) => d.review!.overridden).length / reviewed.length,
		accuracy: count((d) => d.truth === d.ai.label) / items.length,
		confusion,
		tokensTotal: items.length * 105,
		costTotal: items.length * 0.0001,
		latencyP50: [...items.map((d) => d.ai.latencyMs as number)].sort((a, b) => a - b)[Math.ceil(0.5 * items.length) - 1],
	};
}

let flowCounter = 0;

async function deployLogFlow(
	n8n: N8nInstance,
	store: Record<string, unknown>,
	credentials?: Record<string, { id: string; name: string }>,
	logOptions: Record<string, unknown> = {},
	settings: { onError?: string } = {},
) {
	const hookPath = `metrics-log-${++flowCounter}-${Date.now()}`;
	const id = await n8n.createWorkflow(
		workflow(
			`Metrics log ${flowCounter}`,
			[
				webhook('Webhook', hookPath),
				splitOut('Split', 'body.items'),
				ourNode(
					'Metrics Logger',
					'metricsLogger',
					{ operation: 'log', ...store, step: 'triage', groundTruth: '={{ $json.truth }}', dimensions: { dimension: [{ name: 'channel', value: 'email' }] }, logOptions },
					{ ...(credentials ? { credentials } : {}), ...settings },
				),
			],
			{ Webhook: [['Split']], Split: [['Metrics Logger']] },
		),
	);
	await n8n.activate(id);
	await n8n.waitForWebhook(hookPath, 'POST');
	return { id, hookPath };
}

async function deployReportFlow(
	n8n: N8nInstance,
	store: Record<string, unknown>,
	workflowId: string,
	credentials?: Record<string, { id: string; name: string }>,
	window = DAY,
) {
	const hookPath = `metrics-report-${++flowCounter}-${Date.now()}`;
	const id = await n8n.createWorkflow(
		workflow(
			`Metrics report ${flowCounter}`,
			[
				webhook('Webhook', hookPath, 'responseNode'),
				ourNode(
					'Metrics Logger',
					'metricsLogger',
					{ operation: 'report', ...store, window: 'range', from: window.from, to: window.to, filters: { workflowId }, reportOptions: {} },
					credentials ? { credentials } : {},
				),
				node('Respond', 'n8n-nodes-base.respondToWebhook', 1.1, { respondWith: 'binary', inputDataFieldName: 'report', options: {} }),
			],
			{ Webhook: [['Metrics Logger']], 'Metrics Logger': [['Respond']] },
		),
	);
	await n8n.activate(id);
	await n8n.waitForWebhook(hookPath, 'POST');
	return { id, hookPath };
}

/** Logs the 300 decisions from two concurrent executions, then runs the report flow. */
async function logAndReport(n8n: N8nInstance, store: Record<string, unknown>, credentials?: Record<string, { id: string; name: string }>) {
	const items = decisions();
	const log = await deployLogFlow(n8n, store, credentials);
	const halves = [items.slice(0, 150), items.slice(150)];
	const responses = await Promise.all(halves.map((half) => n8n.webhook<unknown[]>(log.hookPath, { method: 'POST', body: { items: half } })));
	for (const response of responses) {
		expect(response.status).toBe(200);
		expect(response.body).toHaveLength(150);
	}
	// Items pass through unchanged.
	expect((responses[0].body as Decision[])[3]).toEqual(JSON.parse(JSON.stringify(halves[0][3])));

	const report = await deployReportFlow(n8n, store, log.id, credentials);
	const { response, execution } = await n8n.runWebhook<string>(report.id, report.hookPath, { method: 'POST', body: {} });
	expect(executionError(execution)).toBeUndefined();
	const output = nodeOutput(execution, 'Metrics Logger')[0][0];
	// eslint-disable-next-line @typescript-eslint/no-explicit-any -- n8n's untyped execution JSON
	return { items, figures: output.json as Record<string, any>, html: response, output };
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
function expectFigures(figures: Record<string, any>, items: Decision[]) {
	const expected = expectedFigures(items);
	expect(figures.volume).toBe(expected.volume);
	expect(figures.autoHandledRate).toBeCloseTo(expected.autoHandledRate, 10);
	expect(figures.reviewRate).toBeCloseTo(expected.reviewRate, 10);
	expect(figures.overrideRate).toBeCloseTo(expected.overrideRate, 10);
	expect(figures.accuracy).toBeCloseTo(expected.accuracy, 10);
	expect(figures.confusionMatrix).toEqual({ labels: LABELS.slice().sort(), matrix: expected.confusion });
	expect(figures.tokens.total).toBe(expected.tokensTotal);
	expect(figures.costUsd.total).toBeCloseTo(expected.costTotal, 9);
	expect(figures.latencyMs.p50).toBe(expected.latencyP50);
	expect(figures.skipped.total).toBe(0);
	expect(Array.isArray(figures.alerts)).toBe(true);
	expect(figures.thresholdWhatIf.points).toHaveLength(50);
}

describeEachN8nVersion(
	'Metrics Logger',
	(getN8n, version) => {
		const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'aiw-metrics-'));
		let database: string;

		beforeAll(async () => {
			database = `aiwf_n8n_${process.pid}_${version.replace(/\W/g, '_')}`;
			const admin = new Client({ ...PG, database: PG_ADMIN_DATABASE });
			await admin.connect();
			await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
			await admin.query(`CREATE DATABASE ${database}`);
			await admin.end();
		});
		afterAll(async () => {
			const admin = new Client({ ...PG, database: PG_ADMIN_DATABASE });
			await admin.connect();
			await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
			await admin.end();
			fs.rmSync(tmp, { recursive: true, force: true });
		});

		it('logs 300 decisions from two concurrent executions on the embedded store; the report has the expected figures', async () => {
			const store = { storeType: 'sqlite', storePath: path.join(tmp, 'store.sqlite') };
			const { items, figures, html } = await logAndReport(getN8n(), store);
			expectFigures(figures, items);
			expect(html.status).toBe(200);
			expect(String(html.body)).toContain('<svg');

			if (version.startsWith('2.')) {
				const browser = await launchChromium();
				try {
					const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
					const requests: string[] = [];
					page.on('request', (request) => requests.push(request.url()));
					await page.setContent(String(html.body), { waitUntil: 'load' });
					expect(await page.locator('svg').count()).toBe(4);
					expect(await page.locator('text=Override rate').first().isVisible()).toBe(true);
					// Self-contained: the page asks for nothing.
					expect(requests.filter((url) => !url.startsWith('data:') && url !== 'about:blank')).toEqual([]);
					// The README's screenshot is refreshed on request only, so a test run leaves the tree clean.
					const screenshot = process.env.AIW_UPDATE_SCREENSHOTS === '1'
						? path.join(repoRoot, 'docs', 'metrics-report.png')
						: path.join(tmp, 'metrics-report.png');
					await page.screenshot({ path: screenshot, fullPage: true });
					expect(fs.statSync(screenshot).size).toBeGreaterThan(20_000);
				} finally {
					await browser.close();
				}
			}
		});

		it('logs and reports through PostgreSQL with n8n\'s Postgres credential', async () => {
			const n8n = getN8n();
			const credentialId = await n8n.createCredential('Store database', 'postgres', postgresCredentialData(database, 10));
			const credentials = { postgres: { id: credentialId, name: 'Store database' } };
			const { items, figures } = await logAndReport(n8n, { storeType: 'postgres' }, credentials);
			expectFigures(figures, items);
			const client = new Client({ ...PG, database });
			await client.connect();
			const { rows } = await client.query('SELECT COUNT(*)::int AS n, COUNT(DISTINCT execution_id)::int AS executions FROM aiwf_metric_events');
			await client.end();
			expect(rows[0]).toEqual({ n: 300, executions: 2 });
		});

		it('input drift: short English texts, then long German ones with quoted history removed, raise the input alerts with the expected PSI', async () => {
			const n8n = getN8n();
			const store = { storeType: 'sqlite', storePath: path.join(tmp, 'input-drift.sqlite') };
			const flags = (quotedHistory: boolean) => ({ html: false, quotedHistory, signature: false, disclaimer: false, unicode: false, removedCharacters: quotedHistory ? 900 : 0 });
			// ai.input as AI Classify 1.1 writes it, built here by hand; the day before DAY is the previous window.
			const item = (i: number, day: 'previous' | 'current') => {
				const previous = day === 'previous';
				const at = new Date(Date.parse(DAY.from) - (previous ? 86_400_000 : 0) + i * 60_000).toISOString();
				const overridden = !previous && i % 2 === 0;
				return {
					text: `ticket ${day} ${i}`,
					truth: overridden ? 'refund' : 'billing',
					ai: {
						task: 'classify', label: 'billing', labels: LABELS, confidence: 0.8, confidenceSource: 'local', engine: 'local', latencyMs: 5, attempts: 1, at,
						input: previous
							? { characters: 40 + i, language: 'en', cleaned: flags(false), unknownTokenShare: 0.02 }
							: { characters: 2500 + 50 * i, language: i % 10 === 0 ? 'en' : 'de', cleaned: flags(i % 5 !== 0), unknownTokenShare: 0.3 },
					},
					route: { path: 'review', reason: 'threshold', threshold: 0.9 },
					review: { decision: overridden ? 'corrected' : 'approved', before: { label: 'billing' }, after: { label: overridden ? 'refund' : 'billing' }, overridden, decidedAt: at, waitedMs: 1000 },
				};
			};
			const items = [...Array.from({ length: 40 }, (_, i) => item(i, 'previous')), ...Array.from({ length: 40 }, (_, i) => item(i, 'current'))];
			const log = await deployLogFlow(n8n, store);
			const logged = await n8n.webhook<unknown[]>(log.hookPath, { method: 'POST', body: { items } });
			expect(logged.status).toBe(200);
			expect(logged.body).toHaveLength(80);

			const report = await deployReportFlow(n8n, store, log.id);
			const { response, execution } = await n8n.runWebhook<string>(report.id, report.hookPath, { method: 'POST', body: {} });
			expect(executionError(execution)).toBeUndefined();
			// eslint-disable-next-line @typescript-eslint/no-explicit-any -- n8n's untyped execution JSON
			const figures = nodeOutput(execution, 'Metrics Logger')[0][0].json as Record<string, any>;

			// PSI = Σ (p − q) · ln(p / q), shares floored at 0.0001, worked out from the items above.
			const eps = 0.0001;
			const term = (p: number, q: number) => (p - q) * Math.log(p / q);
			const expected = {
				// 40…79 characters: 11 in ≤ 50, 29 in 51–100; then all 40 in 2001–5000.
				length: term(eps, 11 / 40) + term(eps, 29 / 40) + term(1, eps),
				// en 100 % → de 90 %, en 10 %.
				language: term(0.9, eps) + term(0.1, 1),
				// every share in [0, 0.1) → every share in [0.3, 0.4).
				unknownTokenShare: term(eps, 1) + term(1, eps),
				// nothing cleaned away → 32 of 40 with quoted history removed.
				cleaned: term(0.8, eps) + term(0.2, 1),
			};
			const [group] = figures.inputDrift.groups;
			expect(figures.inputDrift.groups).toHaveLength(1);
			expect(group).toMatchObject({ workflowId: log.id, nodeName: 'Metrics Logger', step: 'triage' });
			expect(group.previous).toMatchObject({ items: 40, languages: { en: 40 }, cleaned: { share: 0 }, unknownTokenShare: { median: 0.02 } });
			expect(group.current).toMatchObject({ items: 40, languages: { de: 36, en: 4 }, cleaned: { share: 0.8 }, unknownTokenShare: { median: 0.3 } });
			expect(group.previous.meanCharacters).toBeCloseTo(59.5, 6);
			expect(group.current.meanCharacters).toBeCloseTo(3475, 6);
			for (const figure of ['length', 'language', 'unknownTokenShare', 'cleaned'] as const) {
				expect(group.psi[figure]).toBeCloseTo(expected[figure], 9);
			}
			// eslint-disable-next-line @typescript-eslint/no-explicit-any
			const alerts = figures.alerts as Array<Record<string, any>>;
			expect(alerts.map((a) => [a.type, a.severity])).toEqual([
				['override_rate_up', 'critical'],
				['input_length_psi', 'critical'],
				['input_language_psi', 'critical'],
				['input_unknown_tokens_psi', 'critical'],
				['input_cleaned_psi', 'critical'],
			]);
			expect(alerts[0]).toMatchObject({ previous: 0, current: 0.5 });
			expect(alerts[0].message).toContain(`likely cause: text length (PSI ${expected.length.toFixed(2)}), language mix (PSI ${expected.language.toFixed(2)})`);
			expect(alerts[2].current).toBeCloseTo(expected.language, 9);
			expect(String(response.body)).toContain('<h2>Input drift</h2>');
			expect(String(response.body)).toContain(`${expected.cleaned.toFixed(3)} alert`);
		});

		it('items without ai: skipped and counted by default; with Fail and Continue On Fail they carry an error', async () => {
			const n8n = getN8n();
			const store = { storeType: 'sqlite', storePath: path.join(tmp, 'invalid.sqlite') };
			const good = decisions().slice(0, 2);
			const bad = [{ text: 'no ai' }, { text: 'bad confidence', ai: { label: 'billing', confidence: 'high' } }];
			const skipping = await deployLogFlow(n8n, store);
			const skipped = await n8n.webhook<Array<Record<string, unknown>>>(skipping.hookPath, { method: 'POST', body: { items: [...good, ...bad] } });
			expect(skipped.body).toEqual(JSON.parse(JSON.stringify([...good, ...bad])));
			// Skipped items carry no ai.at: they are logged at the time of the execution.
			const report = await deployReportFlow(n8n, store, skipping.id, undefined, { from: DAY.from, to: new Date(Date.now() + 3600_000).toISOString() });
			const { execution } = await n8n.runWebhook(report.id, report.hookPath, { method: 'POST', body: {} });
			expect(nodeOutput(execution, 'Metrics Logger')[0][0].json).toMatchObject({
				volume: 2,
				skipped: { no_ai: 1, invalid_confidence: 1, total: 2 },
			});

			const failing = await deployLogFlow(n8n, store, undefined, { onInvalidItem: 'error' }, { onError: 'continueRegularOutput' });
			const failed = await n8n.webhook<Array<Record<string, unknown>>>(failing.hookPath, { method: 'POST', body: { items: [...good, ...bad] } });
			expect(failed.body).toHaveLength(4);
			expect(failed.body[0].error).toBeUndefined();
			expect(failed.body[2]).toMatchObject({ text: 'no ai', error: expect.stringMatching(/no `ai` field/) });
			expect(failed.body[3]).toMatchObject({ text: 'bad confidence', error: expect.stringMatching(/confidence must be a number from 0 to 1/) });
		});

		it('fails with a clear error when the PostgreSQL store is unreachable', async () => {
			const n8n = getN8n();
			const credentialId = await n8n.createCredential('Nowhere', 'postgres', {
				host: '127.0.0.1',
				port: 1,
				database: 'nowhere',
				user: 'postgres',
				password: '',
				ssl: 'disable',
				allowUnauthorizedCerts: false,
				sshTunnel: false,
				maxConnections: 10,
			});
			const credentials = { postgres: { id: credentialId, name: 'Nowhere' } };
			const log = await deployLogFlow(n8n, { storeType: 'postgres' }, credentials);
			const { execution } = await n8n.runWebhook(log.id, log.hookPath, { method: 'POST', body: { items: decisions().slice(0, 3) } });
			expect(execution.status).toBe('error');
			expect(executionError(execution)).toMatch(/Cannot reach the PostgreSQL store at 127\.0\.0\.1:1\/nowhere \(connection refused\)/);

			// With Continue On Fail every item goes on and says that its event was not recorded.
			const tolerant = await deployLogFlow(n8n, { storeType: 'postgres' }, credentials, {}, { onError: 'continueRegularOutput' });
			const response = await n8n.webhook<Array<Record<string, unknown>>>(tolerant.hookPath, { method: 'POST', body: { items: decisions().slice(0, 3) } });
			expect(response.body).toHaveLength(3);
			for (const item of response.body) expect(item.error).toMatch(/Cannot reach the PostgreSQL store/);
		});

		it('uses ai-workflow/store.sqlite in the n8n user folder when no file is given', async () => {
			const n8n = getN8n();
			const log = await deployLogFlow(n8n, { storeType: 'sqlite', storePath: '' });
			const response = await n8n.webhook<unknown[]>(log.hookPath, { method: 'POST', body: { items: decisions().slice(0, 5) } });
			expect(response.body).toHaveLength(5);
			const file = path.join(n8n.userFolder, '.n8n', 'ai-workflow', 'store.sqlite');
			expect(fs.existsSync(file)).toBe(true);
			const { DatabaseSync } = await import('node:sqlite');
			const db = new DatabaseSync(file, { readOnly: true });
			try {
				expect(db.prepare('SELECT COUNT(*) AS n FROM aiwf_metric_events WHERE workflow_id = ?').get(log.id)).toEqual({ n: 5 });
			} finally {
				db.close();
			}
		});
	},
);
