/**
 * Confidence Router → Human Review Wait in a real n8n (each supported version), driven by a real
 * headless Chromium: the reviewer opens the link from the notification, sees the case, corrects a
 * label and submits; the execution resumes and the item leaves on the right output with `review`.
 * Then the attacks (forged/altered/neighbouring links, replay, double POST, link scanners, expired
 * links, XSS in every shown field) and a timeout, each leaving the execution as it was.
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';

import type { Browser } from 'playwright-core';

import {
	describeEachN8nVersion,
	executionError,
	nodeOutput,
	type Execution,
	type N8nInstance,
} from '../harness/n8n';
import { repoRoot } from '../harness/runtime';
import { launchChromium } from '../harness/browser';
import { createTestDatabase, PG, postgresCredentialData } from '../support/pg';
import { node, ourNode, splitOut, workflow } from '../support/workflow';

jest.setTimeout(10 * 60_000);



/** Stands in for Slack & co.: records what Human Review Wait posts. */
interface Inbox {
	url: string;
	posts: Array<Record<string, unknown>>;
	failNext: number;
	close(): Promise<void>;
}

async function startInbox(): Promise<Inbox> {
	const inbox = { posts: [] as Array<Record<string, unknown>>, failNext: 0 } as Inbox;
	const server = http.createServer((req, res) => {
		let body = '';
		req.on('data', (chunk) => (body += chunk));
		req.on('end', () => {
			if (inbox.failNext > 0) {
				inbox.failNext--;
				res.writeHead(503).end('busy');
				return;
			}
			inbox.posts.push(JSON.parse(body));
			res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
		});
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	inbox.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/notify`;
	inbox.close = () => new Promise<void>((resolve) => server.close(() => resolve()));
	return inbox;
}

function ai(label: string, confidence: number, extra: Record<string, unknown> = {}) {
	const others = ['billing', 'refund', 'technical'].filter((name) => name !== label);
	return {
		task: 'classify',
		label,
		labels: ['billing', 'refund', 'technical'],
		scores: { [label]: confidence, [others[0]]: (1 - confidence) * 0.7, [others[1]]: (1 - confidence) * 0.3 },
		confidence,
		confidenceSource: 'logprobs',
		engine: 'openai',
		model: 'test',
		latencyMs: 12,
		attempts: 1,
		at: new Date().toISOString(),
		...extra,
	};
}

const REVIEW_TARGETS = ['Timed Out', 'Approved', 'Corrected', 'Rejected', 'Reviewed'];
const NOOPS = ['Auto', ...REVIEW_TARGETS];

let counter = 0;

async function deployReview(
	n8n: N8nInstance,
	inbox: Inbox,
	review: Record<string, unknown>,
	layout: 'byDecision' | 'single',
	reviewNodeExtra: Record<string, unknown> = {},
) {
	const webhookPath = `review-${++counter}-${Date.now()}`;
	const nodes = [
		node('Webhook', 'n8n-nodes-base.webhook', 2, { httpMethod: 'POST', path: webhookPath, responseMode: 'onReceived', options: {} }, { webhookId: webhookPath }),
		splitOut('Split', 'body.items'),
		ourNode('Confidence Router', 'confidenceRouter', {
			mode: 'twoWay',
			threshold: 0.85,
			alwaysReview: {
				options: { caseSensitive: false, leftValue: '', typeValidation: 'loose', version: 2 },
				combinator: 'or',
				conditions: [{ id: 'amount', leftValue: '={{ $json.amount }}', rightValue: 10000, operator: { type: 'number', operation: 'gt' } }],
			},
		}),
		ourNode('Human Review Wait', 'humanReviewWait', {
			title: 'Support ticket review',
			notifyFormat: 'generic',
			notifyUrl: inbox.url,
			outputLayout: layout,
			limitWaitTime: 24,
			limitUnit: 'hours',
			options: {},
			...review,
		}, { webhookId: `hrw-${webhookPath}`, ...reviewNodeExtra }),
		...NOOPS.map((name) => node(name, 'n8n-nodes-base.noOp', 1, {})),
	];
	const reviewOutputs = layout === 'single' ? [['Reviewed']] : [['Timed Out'], ['Approved'], ['Corrected'], ['Rejected']];
	const wf = workflow(`Review ${counter}`, nodes, {
		Webhook: [['Split']],
		Split: [['Confidence Router']],
		'Confidence Router': [['Auto'], ['Human Review Wait']],
		'Human Review Wait': reviewOutputs,
	});
	const id = await n8n.createWorkflow(wf as unknown as Parameters<N8nInstance['createWorkflow']>[0]);
	await n8n.activate(id);
	await n8n.waitForWebhook(webhookPath, 'POST');
	return {
		id,
		/** Posts the items and waits until the execution pauses (or ends) and the link arrived. */
		start: async (items: unknown[]) => {
			const before = new Set([...(await n8n.listExecutions(id)).map((execution) => execution.id), ...inbox.posts.map((entry) => String(entry.executionId))]);
			const postsBefore = inbox.posts.length;
			const response = await n8n.webhook(webhookPath, { method: 'POST', body: { items } });
			expect(response.status).toBe(200);
			const execution = await newExecution(n8n, inbox, id, before, postsBefore);
			const post = inbox.posts.find((entry) => entry.executionId === execution.id);
			return { execution, link: post?.reviewUrl as string | undefined, post };
		},
	};
}

/**
 * The execution once it has one of `statuses` *and* its run data shows Human Review Wait's run.
 * n8n 1.x writes an execution's status before its data: read in between, a resumed execution reads
 * "success" with the run data of the moment it resumed (the review node's run removed).
 */
async function settled(n8n: N8nInstance, id: string, statuses: Execution['status'][], timeoutMs = 60_000): Promise<Execution> {
	return await n8n.waitForExecutionStatus(id, statuses, timeoutMs, (execution) => {
		const runData = execution.data?.resultData?.runData ?? {};
		// A finished review execution has run one of the nodes after the review node.
		if (execution.status === 'success') return REVIEW_TARGETS.some((name) => runData[name] !== undefined);
		return (runData['Human Review Wait'] ?? []).length > 0;
	});
}

/**
 * The execution the last POST started, once it waits (its notification arrived) or has ended.
 * n8n 1.x's public API leaves waiting executions out of its lists, so a waiting one is found
 * through the notification, which names it, and fetched by id.
 */
async function newExecution(n8n: N8nInstance, inbox: Inbox, workflowId: string, before: Set<string>, postsBefore: number): Promise<Execution> {
	const deadline = Date.now() + 60_000;
	for (;;) {
		const notice = inbox.posts.slice(postsBefore).find((entry) => !before.has(String(entry.executionId)));
		if (notice) return await settled(n8n, String(notice.executionId), ['waiting', 'success', 'error'], 30_000);
		const ended = (await n8n.listExecutions(workflowId)).find((e) => !before.has(e.id) && ['success', 'error'].includes(e.status));
		if (ended) return ended;
		if (Date.now() > deadline) {
			const all = (await n8n.listExecutions()).map((e) => `${e.id}:${e.workflowId}:${e.status}`).join(', ');
			throw new Error(`no execution of workflow ${workflowId} (listed: ${all || 'none'})\n${n8n.logTail(30)}`);
		}
		await new Promise((resolve) => setTimeout(resolve, 300));
	}
}

/** Output items per NoOp node of a finished execution. */
function arrived(execution: Execution): Record<string, Array<Record<string, unknown>>> {
	const result: Record<string, Array<Record<string, unknown>>> = {};
	for (const name of NOOPS) {
		const runs = execution.data?.resultData?.runData?.[name];
		result[name] = runs ? nodeOutput(execution, name)[0].map((item) => item.json as Record<string, unknown>) : [];
	}
	return result;
}

/** What can be observed of a waiting execution: status, wait limit and the data it holds. */
async function snapshot(n8n: N8nInstance, id: string) {
	const execution = await n8n.getExecution(id);
	return {
		status: execution.status,
		waitTill: execution.waitTill,
		runData: JSON.stringify(execution.data?.resultData?.runData),
		stack: JSON.stringify(execution.data?.executionData?.nodeExecutionStack),
	};
}

async function form(page: string) {
	const token = /name="decisionToken" value="([^"]+)"/.exec(page)?.[1];
	if (!token) throw new Error(`no decision token in page: ${page.slice(0, 300)}`);
	return token;
}

function post(n8n: N8nInstance, link: string, fields: Record<string, string>) {
	return n8n.http<string>(link, {
		method: 'POST',
		body: new URLSearchParams(fields).toString(),
		headers: { 'content-type': 'application/x-www-form-urlencoded' },
	});
}

describeEachN8nVersion(
	'Confidence Router + Human Review Wait',
	(getN8n, version) => {
		const major = Number(version.split('.')[0]);
		const layout = major >= 2 ? 'byDecision' : 'single';
		let inbox: Inbox;
		let browser: Browser;

		beforeAll(async () => {
			inbox = await startInbox();
			browser = await launchChromium();
		});
		afterAll(async () => {
			await browser?.close();
			await inbox?.close();
		});

		it('routes confident items to auto and the rest to a reviewer, who corrects a label in Chromium', async () => {
			const n8n = getN8n();
			const flow = await deployReview(n8n, inbox, {}, layout);
			const { execution, link, post: notice } = await flow.start([
				{ id: 1, text: 'Thanks, all good now', ai: ai('technical', 0.97) },
				{ id: 2, text: 'Please give me my money back for order 1234', ai: ai('billing', 0.55) },
				{ id: 3, text: 'Invoice 77 was paid twice', amount: 25000, ai: ai('billing', 0.99) },
			]);
			expect(execution.status).toBe('waiting');
			expect(link).toBeDefined();
			expect(notice).toMatchObject({ itemCount: 2, title: 'Support ticket review' });
			const url = new URL(link!);
			expect(url.pathname).toBe(`/webhook-waiting/${execution.id}/review`);
			expect(url.searchParams.get('t')).toMatch(/^[A-Za-z0-9_-]{43}$/);
			if (major >= 2) expect(url.searchParams.get('signature')).toBeTruthy();

			const page = await browser.newPage({ viewport: { width: 420, height: 900 } });
			const response = await page.goto(link!);
			expect(response?.status()).toBe(200);
			expect(response?.headers()['content-security-policy']).toMatch(/default-src 'none'/);
			expect(await page.locator('body').innerText()).toContain('Please give me my money back for order 1234');
			expect(await page.locator('body').innerText()).toContain('an "always review when" condition matched');
			expect(await page.locator('body').innerText()).toContain('low confidence 55%');

			await page.locator('input[name="decision_0"][value="correct"]').check();
			await page.selectOption('select[name="label_0"]', 'refund');
			await page.fill('textarea[name="comment_0"]', 'asks for a refund');
			await page.locator('input[name="decision_1"][value="approve"]').check();
			await page.fill('input[name="reviewer"]', 'Ann Reviewer');
			// AIW_UPDATE_SCREENSHOTS=1 refreshes the README's screenshot; normal runs leave docs/ alone.
			if (major >= 2 && process.env.AIW_UPDATE_SCREENSHOTS === '1') {
				await page.screenshot({ path: path.join(repoRoot, 'docs', 'review-page.png'), fullPage: true });
			}
			await Promise.all([page.waitForNavigation(), page.locator('button[type="submit"]').click()]);
			expect(await page.locator('h1').innerText()).toContain('Thank you');
			await page.close();

			const done = await settled(n8n, execution.id, ['success', 'error'], 60_000);
			expect(executionError(done)).toBeUndefined();
			const out = arrived(done);
			if (out.Auto.length !== 1) {
				const runData = done.data?.resultData?.runData ?? {};
				throw new Error(`Auto missing: status ${done.status}, ran ${Object.entries(runData).map(([k, v]) => `${k}x${v.length}`).join(',')}; HRW: ${JSON.stringify(runData['Human Review Wait']).slice(0, 1500)}; log: ${n8n.logTail(20)}`);
			}
			expect(out.Auto.map((item) => item.id)).toEqual([1]);
			expect(out['Timed Out']).toEqual([]);
			const reviewed = major >= 2 ? [...out.Corrected, ...out.Approved] : out.Reviewed;
			expect(reviewed).toHaveLength(2);
			if (major >= 2) {
				expect(out.Corrected.map((item) => item.id)).toEqual([2]);
				expect(out.Approved.map((item) => item.id)).toEqual([3]);
			}
			const corrected = reviewed.find((item) => item.id === 2)!;
			expect((corrected.ai as { label: string }).label).toBe('refund');
			expect(corrected.route).toMatchObject({ path: 'review' });
			expect(corrected.review).toMatchObject({
				decision: 'corrected',
				reviewer: 'Ann Reviewer',
				comment: 'asks for a refund',
				before: { label: 'billing', confidence: 0.55 },
				after: { label: 'refund' },
				overridden: true,
			});
			expect((corrected.review as { waitedMs: number }).waitedMs).toBeGreaterThan(0);
			expect(reviewed.find((item) => item.id === 3)!.review).toMatchObject({ decision: 'approved', overridden: false });

			// Replay of the decided link: refused, nothing runs again.
			const replay = await n8n.http(link!);
			expect(replay.status).toBe(409);
		});

		it('refuses forged, altered, neighbouring, replayed and doubled requests, leaving the execution as it was', async () => {
			const n8n = getN8n();
			const flow = await deployReview(n8n, inbox, {}, layout);
			const a = await flow.start([{ id: 'a', text: 'first', ai: ai('billing', 0.5) }]);
			const b = await flow.start([{ id: 'b', text: 'second', ai: ai('refund', 0.5) }]);
			expect([a.execution.status, b.execution.status]).toEqual(['waiting', 'waiting']);
			const before = await snapshot(n8n, a.execution.id);
			const linkA = new URL(a.link!);
			const linkB = new URL(b.link!);

			const variant = (mutate: (url: URL) => void) => {
				const url = new URL(linkA);
				mutate(url);
				return url.toString();
			};
			const forged = variant((url) => url.searchParams.set('t', 'A'.repeat(43)));
			const missing = variant((url) => url.searchParams.delete('t'));
			const altered = variant((url) => url.searchParams.set('t', `${linkA.searchParams.get('t')!.slice(0, -1)}${linkA.searchParams.get('t')!.endsWith('A') ? 'B' : 'A'}`));
			// A's secret (and signature) on B's path, and on ids around A's.
			const neighbour = variant((url) => (url.pathname = linkB.pathname));
			const around = [-2, -1, 1, 2, 1000].map((delta) =>
				variant((url) => (url.pathname = url.pathname.replace(`/${a.execution.id}/`, `/${Number(a.execution.id) + delta}/`))),
			);

			const expectRefused = async (link: string, statuses: number[]) => {
				for (const method of ['GET', 'POST']) {
					const response = await n8n.http<string>(link, { method, ...(method === 'POST' ? { body: 'decision_0=approve&reviewer=x', headers: { 'content-type': 'application/x-www-form-urlencoded' } } : {}) });
					if (!statuses.includes(response.status)) {
						throw new Error(`${method} ${link} answered ${response.status}, expected one of ${statuses.join('/')}`);
					}
					expect(String(response.body)).not.toContain('decisionToken');
				}
			};
			await expectRefused(forged, [403, 401]);
			await expectRefused(missing, [401]);
			await expectRefused(altered, [403, 401]);
			await expectRefused(neighbour, [403, 401]);
			for (const link of around) await expectRefused(link, [401, 403, 404, 409]);
			if (major >= 2) {
				// n8n 2.x's own signature is checked first, ours second.
				await expectRefused(variant((url) => url.searchParams.delete('signature')), [401]);
			}

			// A link scanner / chat unfurler that only GETs (and HEADs) decides nothing.
			for (let i = 0; i < 3; i++) expect((await n8n.http(a.link!)).status).toBe(200);
			expect((await n8n.http(a.link!, { method: 'HEAD' })).status).toBeLessThan(500);
			// A POST without the page's token (cross-site form, scripted guess) is refused.
			expect((await post(n8n, a.link!, { decision_0: 'approve', reviewer: 'x' })).status).toBe(403);
			// B's page token does not decide A.
			const tokenB = await form(String((await n8n.http<string>(b.link!)).body));
			expect((await post(n8n, a.link!, { decisionToken: tokenB, decision_0: 'approve', reviewer: 'x' })).status).toBe(403);
			// An incomplete form shows the page again with the error.
			const tokenA = await form(String((await n8n.http<string>(a.link!)).body));
			const incomplete = await post(n8n, a.link!, { decisionToken: tokenA, reviewer: 'x' });
			expect(incomplete.status).toBe(422);
			expect(String(incomplete.body)).toContain('Choose approve, correct or reject');

			expect(await snapshot(n8n, a.execution.id)).toEqual(before);
			expect((await n8n.getExecution(b.execution.id)).status).toBe('waiting');

			// Two valid POSTs at once: exactly one decides.
			const decide = { decisionToken: tokenA, decision_0: 'reject', comment_0: 'spam', reviewer: 'Bo' };
			const [first, second] = await Promise.all([post(n8n, a.link!, decide), post(n8n, a.link!, decide)]);
			expect([first.status, second.status].sort()).toEqual([200, 409]);
			const done = await settled(n8n, a.execution.id, ['success', 'error'], 60_000);
			const out = arrived(done);
			const rejected = major >= 2 ? out.Rejected : out.Reviewed;
			expect(rejected).toHaveLength(1);
			expect(rejected[0].review).toMatchObject({ decision: 'rejected', reviewer: 'Bo', comment: 'spam', after: null });
			if (major >= 2) expect([...out.Approved, ...out.Corrected, ...out['Timed Out']]).toEqual([]);

			// Replay after the decision.
			expect((await post(n8n, a.link!, decide)).status).toBe(409);
			expect((await n8n.http(a.link!)).status).toBe(409);
			// B is untouched by all of this and still decidable.
			expect((await n8n.getExecution(b.execution.id)).status).toBe('waiting');
			const tokenB2 = await form(String((await n8n.http<string>(b.link!)).body));
			expect((await post(n8n, b.link!, { decisionToken: tokenB2, decision_0: 'approve', reviewer: 'Cy' })).status).toBe(200);
			await settled(n8n, b.execution.id, ['success'], 60_000);
		});

		it('shows XSS payloads in every field as text; none executes in Chromium', async () => {
			const n8n = getN8n();
			const flow = await deployReview(n8n, inbox, { title: '<script>window.__xss="title"</script>', instructions: '<img src=x onerror="window.__xss=\'instr\'">' }, layout);
			const payloads = ['<script>window.__xss="s"</script>', '<img src=x onerror="window.__xss=\'img\'">', 'javascript:window.__xss="js"', '"><svg onload="window.__xss=\'svg\'">'];
			const items = payloads.map((payload, i) => ({
				id: payload,
				text: payload,
				link: payload,
				[payload]: payload,
				ai: ai('billing', 0.4, {
					label: payload,
					labels: ['billing', payload],
					scores: { billing: 0.3, [payload]: 0.4 },
					reasoning: payload,
					checks: [{ name: payload, passed: false, detail: payload }],
				}),
				n: i,
			}));
			const { execution, link } = await flow.start(items);
			expect(execution.status).toBe('waiting');
			const page = await browser.newPage();
			const dialogs: string[] = [];
			page.on('dialog', async (dialog) => {
				dialogs.push(dialog.message());
				await dialog.dismiss();
			});
			await page.goto(link!);
			await page.waitForLoadState('load');
			expect(await page.evaluate('window.__xss')).toBeUndefined();
			expect(dialogs).toEqual([]);
			expect(await page.locator('script').count()).toBe(0);
			expect(await page.locator('svg').count()).toBe(0);
			expect(await page.evaluate("[...document.querySelectorAll('*')].flatMap((el) => [...el.attributes].map((a) => a.name)).filter((name) => name.startsWith('on'))")).toEqual([]);
			expect(await page.evaluate("[...document.querySelectorAll('a[href], img[src]')].map((el) => el.getAttribute('href') || el.getAttribute('src')).filter((v) => /^\\s*javascript:/i.test(v || ''))")).toEqual([]);
			for (const payload of payloads) expect(await page.locator('body').innerText()).toContain(payload);
			// Clicking every link and focusing every control runs nothing either.
			for (const field of await page.locator('input, select, textarea').all()) await field.focus();
			expect(await page.evaluate('window.__xss')).toBeUndefined();
			await page.close();
		});

		it('refuses the link once it has expired (recording the expiry in the store), and a timed-out item leaves on output 0, never approved', async () => {
			const n8n = getN8n();
			// A PostgreSQL store, so that the test can read the case's status while n8n holds it.
			const { database, drop } = await createTestDatabase('aiw_expiry');
			const client = new (await import('pg')).Client({ ...PG, database });
			try {
				const credentialId = await n8n.createCredential('Expiry store', 'postgres', postgresCredentialData(database));
				const flow = await deployReview(n8n, inbox, { limitWaitTime: 3, limitUnit: 'seconds', storeType: 'postgres' }, layout, {
					credentials: { postgres: { id: credentialId, name: 'Expiry store' } },
				});
				const { execution, link } = await flow.start([{ id: 't', text: 'nobody answers', ai: ai('billing', 0.5) }]);
				expect(execution.status).toBe('waiting');
				await client.connect();
				const caseStatus = async () => (await client.query('SELECT status FROM aiwf_review_cases')).rows.map((row) => row.status);
				expect(await caseStatus()).toEqual(['pending']);
				await new Promise((resolve) => setTimeout(resolve, 4000));
				// Until n8n's once-a-minute sweep resumes it, the node itself says "expired" (410); after it, n8n says 409.
				const expired = await n8n.http<string>(link!);
				expect([410, 409]).toContain(expired.status);
				console.log(`n8n ${version}: link 4 s after a 3 s limit answered ${expired.status}`);
				if (expired.status === 410) {
					expect(String(expired.body)).toContain('expired');
					expect(await caseStatus()).toEqual(['expired']);
					const token = 'x';
					expect((await post(n8n, link!, { decisionToken: token, decision_0: 'approve', reviewer: 'late' })).status).toBe(410);
				}
				const done = await settled(n8n, execution.id, ['success', 'error'], 150_000);
				const out = arrived(done);
				if (major >= 2) {
					expect(out['Timed Out'].map((item) => item.id)).toEqual(['t']);
					expect([...out.Approved, ...out.Corrected, ...out.Rejected]).toEqual([]);
				} else {
					expect(out.Reviewed.map((item) => item.id)).toEqual(['t']);
				}
				const timedOut = (major >= 2 ? out['Timed Out'] : out.Reviewed)[0];
				expect(timedOut.review).toBeUndefined();
				expect((await n8n.http(link!)).status).toBe(409);
				expect(await caseStatus()).not.toEqual(['decided']);
			} finally {
				await client.end().catch(() => {});
				await drop();
			}
		});

		it('shows an invoice image from binary data and takes field corrections of an extraction', async () => {
			const n8n = getN8n();
			const webhookPath = `extract-${Date.now()}`;
			const nodes = [
				node('Webhook', 'n8n-nodes-base.webhook', 2, { httpMethod: 'POST', path: webhookPath, responseMode: 'onReceived', options: {} }, { webhookId: webhookPath }),
				// Set 3.4 keeps binary data only when it keeps other fields: keep none of the request's.
				node('Fields', 'n8n-nodes-base.set', 3.4, {
					mode: 'manual',
					includeOtherFields: true,
					include: 'except',
					excludeFields: 'headers,params,query,body,webhookUrl,executionMode',
					assignments: {
						assignments: ['invoice', 'ai'].map((field) => ({ id: field, name: field, value: `={{ JSON.parse($json.body.payload).${field} }}`, type: 'object' })),
					},
					options: {},
				}),
				ourNode('Human Review Wait', 'humanReviewWait', { title: 'Invoice review', notifyFormat: 'generic', notifyUrl: inbox.url, outputLayout: layout, limitWaitTime: 1, limitUnit: 'hours', options: {} }, { webhookId: `hrw-${webhookPath}` }),
				...NOOPS.map((name) => node(name, 'n8n-nodes-base.noOp', 1, {})),
			];
			const wf = workflow('Invoice review', nodes, {
				Webhook: [['Fields']],
				Fields: [['Human Review Wait']],
				'Human Review Wait': layout === 'single' ? [['Reviewed']] : [['Timed Out'], ['Approved'], ['Corrected'], ['Rejected']],
			});
			const id = await n8n.createWorkflow(wf as unknown as Parameters<N8nInstance['createWorkflow']>[0]);
			await n8n.activate(id);
			await n8n.waitForWebhook(webhookPath, 'POST');

			const png = fs.readFileSync(path.join(repoRoot, 'test', 'fixtures', 'invoice2data', 'FlipkartInvoice.png'));
			const record = { invoiceId: 'FAFFSG1500000', vendor: { name: 'Flipkart' }, total: 999, lines: [{ description: 'Item', amount: 999 }] };
			const item = {
				invoice: record,
				ai: { task: 'extract', confidence: 0.6, confidenceSource: 'checks', fieldConfidence: { invoiceId: 0.98, 'vendor.name': 0.95, total: 0.41, 'lines[0].amount': 0.45 }, checks: [{ name: 'totals', passed: false, detail: 'lines do not add up' }], engine: 'local', latencyMs: 5, attempts: 1, at: new Date().toISOString() },
			};
			const body = new FormData();
			body.append('payload', JSON.stringify(item));
			body.append('invoice', new Blob([png], { type: 'image/png' }), 'FlipkartInvoice.png');
			const postsBefore = inbox.posts.length;
			const before = new Set((await n8n.listExecutions(id)).map((execution) => execution.id));
			const response = await fetch(new URL(`webhook/${webhookPath}`, n8n.baseUrl), { method: 'POST', body });
			expect(response.status).toBe(200);
			const execution = await newExecution(n8n, inbox, id, before, postsBefore);
			expect(execution.status).toBe('waiting');
			const link = inbox.posts.slice(postsBefore)[0].reviewUrl as string;

			const page = await browser.newPage({ viewport: { width: 420, height: 900 } });
			await page.goto(link);
			const image = page.locator('img.doc');
			await image.waitFor({ timeout: 5000 }).catch(async (error) => {
				throw new Error(`${(error as Error).message}\n${await page.locator('main').innerText()}`);
			});
			// Loaded from the node's document URL under the page's CSP (img-src 'self').
			const width = await page.evaluate(
				"new Promise((resolve) => { const img = document.querySelector('img.doc'); if (img.complete) resolve(img.naturalWidth); else { img.onload = () => resolve(img.naturalWidth); img.onerror = () => resolve(0); } })",
			);
			expect(width).toBeGreaterThan(100);
			expect(await page.locator('tr.low label').allInnerTexts()).toEqual(['total', 'lines[0].amount']);
			expect(await page.locator('input[name="field_0_0"]').inputValue()).toBe('FAFFSG1500000');
			await page.fill('input[name="field_0_2"]', '1099.5');
			await page.locator('input[name="decision_0"][value="correct"]').check();
			await page.fill('input[name="reviewer"]', 'Fin Ance');
			await Promise.all([page.waitForNavigation(), page.locator('button[type="submit"]').click()]);
			expect(await page.locator('h1').innerText()).toContain('Thank you');
			await page.close();

			const done = await settled(n8n, execution.id, ['success', 'error'], 60_000);
			expect(executionError(done)).toBeUndefined();
			const name = major >= 2 ? 'Corrected' : 'Reviewed';
			const output = nodeOutput(done, name)[0];
			expect(output).toHaveLength(1);
			expect(output[0].json.invoice).toEqual({ ...record, total: 1099.5 });
			expect(output[0].json.review).toMatchObject({ decision: 'corrected', before: record, after: { ...record, total: 1099.5 }, overridden: true, reviewer: 'Fin Ance' });
			expect(output[0].binary?.invoice?.mimeType).toBe('image/png');
		});

		it('keeps the case in PostgreSQL when told to (queue mode), and decides through it', async () => {
			const n8n = getN8n();
			const { database, drop } = await createTestDatabase('aiw_review');
			try {
				const credentialId = await n8n.createCredential('Review store', 'postgres', postgresCredentialData(database));
				const flow = await deployReview(n8n, inbox, { storeType: 'postgres' }, layout, {
					credentials: { postgres: { id: credentialId, name: 'Review store' } },
				});
				const { execution, link } = await flow.start([{ id: 'pg', text: 'stored in postgres', ai: ai('billing', 0.5) }]);
				expect(execution.status).toBe('waiting');
				const client = new (await import('pg')).Client({ ...PG, database });
				await client.connect();
				try {
					const rows = (await client.query('SELECT execution_id, status, token_hash FROM aiwf_review_cases')).rows;
					expect(rows).toEqual([expect.objectContaining({ execution_id: execution.id, status: 'pending' })]);
					expect(JSON.stringify(rows)).not.toContain(new URL(link!).searchParams.get('t')!);
					const token = await form(String((await n8n.http<string>(link!)).body));
					expect((await post(n8n, link!, { decisionToken: token, decision_0: 'correct', label_0: 'refund', reviewer: 'Pat' })).status).toBe(200);
					const done = await settled(n8n, execution.id, ['success'], 60_000);
					const out = arrived(done);
					const item = (major >= 2 ? out.Corrected : out.Reviewed)[0];
					if (!item) {
						const runData = done.data?.resultData?.runData ?? {};
						throw new Error(`nothing arrived: status ${done.status}, ran ${Object.entries(runData).map(([k, v]) => `${k}x${v.length}`).join(',')}; log ${n8n.logTail(20)}; review runs: ${JSON.stringify(runData['Human Review Wait']).slice(0, 2500)} ${executionError(done)}`);
					}
					expect(item.review).toMatchObject({ decision: 'corrected', reviewer: 'Pat', after: { label: 'refund' } });
					expect((await client.query('SELECT status FROM aiwf_review_cases')).rows).toEqual([{ status: 'decided' }]);
				} finally {
					await client.end();
				}
			} finally {
				await drop();
			}
		});

		if (major < 2) {
			it('says clearly that n8n 1.x needs the single-output layout', async () => {
				const n8n = getN8n();
				const flow = await deployReview(n8n, inbox, {}, 'byDecision');
				const { execution } = await flow.start([{ id: 'x', text: 'y', ai: ai('billing', 0.5) }]);
				expect(execution.status).toBe('error');
				const done = await n8n.getExecution(execution.id);
				expect(executionError(done)).toMatch(/only resume a waiting node to its first output/);
			});
		}

		it('fails loudly when nobody can be told, and retries a busy notification service', async () => {
			const n8n = getN8n();
			inbox.failNext = 2;
			const flow = await deployReview(n8n, inbox, { options: { notifyAttempts: 4 } }, layout);
			const retried = await flow.start([{ id: 'r', text: 'retry me', ai: ai('billing', 0.5) }]);
			expect(retried.execution.status).toBe('waiting');
			expect(retried.link).toBeDefined();

			const broken = await deployReview(n8n, inbox, { notifyUrl: 'http://127.0.0.1:9/nothing', options: { notifyAttempts: 2 } }, layout);
			const { execution } = await broken.start([{ id: 'f', text: 'nobody', ai: ai('billing', 0.5) }]);
			expect(execution.status).toBe('error');
			expect(executionError(await n8n.getExecution(execution.id))).toMatch(/notification could not be delivered/);
		});
	},
);
