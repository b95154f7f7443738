/**
 * Human Review Wait in-process: execute() stores the case, notifies and puts the execution to wait
 * (n8n-core's WorkflowExecute); webhook() answers the review page and the decision in n8n-core's
 * WebhookContext, as n8n's waiting-webhook handler calls it. Then every forged, replayed, expired
 * or malformed request, each leaving the review as it was. What only a real n8n shows (its own
 * link signature, the resume after a decision, the once-a-minute timeout sweep, the page in
 * Chromium) is tested in test/n8n/review.test.ts.
 */
import { DatabaseSync } from 'node:sqlite';

import type { IDataObject, INodeExecutionData } from 'n8n-workflow';

import { callWaitingWebhook, runNode, type NodeRun, type RunOptions, type WebhookAnswer, type WebhookRequest } from '../harness/inProcess';
import { expectEveryItemOnce, expectNodeError, fileItem, jsonOf, pairedPerOutput, UNOPENABLE_STORE, UNOPENABLE_STORE_FIX, useInbox, useTempFolder } from './support';

// Human Review Wait resumes to one output per decision only on n8n 2.x, and finds the n8n it runs in
// through require.main (nodes/shared/review/n8nVersion.ts). Under jest require.main is jest, not n8n:
// report the n8n whose engine runs these tests (2.41.1, jest.config.js), or 1.x where a test says so.
let mockN8nVersion: string | undefined = '2.41.1';
jest.mock('../../nodes/shared/review/n8nVersion', () => ({
	...jest.requireActual('../../nodes/shared/review/n8nVersion'),
	findN8nVersion: () => mockN8nVersion,
}));

const inbox = useInbox();
const temp = useTempFolder('review');

const TIMED_OUT = 0;
const APPROVED = 1;
const CORRECTED = 2;
const REJECTED = 3;

function ai(label: string, confidence: number, extra: IDataObject = {}) {
	return { task: 'classify', label, labels: ['billing', 'refund', 'technical'], scores: { billing: 0.2, refund: 0.2, technical: 0.2, [label]: confidence }, confidence, ...extra };
}

const TICKETS = [
	{ id: 1, text: 'Please give me my money back for order 1234', ai: ai('billing', 0.55), route: { path: 'review', reason: 'confidence 0.55 < threshold 0.85', threshold: 0.85 } },
	{ id: 2, text: 'Invoice 77 was paid twice', ai: ai('billing', 0.99) },
	{ id: 3, text: 'Spam spam spam', ai: ai('technical', 0.4) },
];

interface Review {
	run: NodeRun;
	post: IDataObject;
	link: URL;
	secret: string;
	storePath: string;
}

/** The review link in whatever shape the notification has (generic, Slack, Teams, Discord). */
function linkIn(post: IDataObject): URL {
	const found = /http:\/\/[^"\s]*\/webhook-waiting\/[^"\s]*/.exec(JSON.stringify(post));
	if (!found) throw new Error(`no review link in ${JSON.stringify(post)}`);
	return new URL(found[0]);
}

async function startReview(parameters: IDataObject = {}, items: Array<IDataObject | INodeExecutionData> = TICKETS, extra: Partial<RunOptions> = {}): Promise<Review> {
	const store = temp.store();
	const posts = inbox.posts.length;
	const run = await runNode({ type: 'humanReviewWait', parameters: { notifyUrl: inbox.url, ...store, ...parameters }, items, ...extra });
	expect(run.error).toBeUndefined();
	expect(inbox.posts.length).toBe(posts + 1);
	const post = inbox.posts[posts];
	const link = linkIn(post);
	return { run, post, link, secret: link.searchParams.get('t')!, storePath: store.storePath };
}

function request(review: Review, method: WebhookRequest['method'], query: Record<string, string> = { t: review.secret }, body?: IDataObject): Promise<WebhookAnswer> {
	return callWaitingWebhook(review.run, { method, path: 'review', query, body });
}

const open = (review: Review, query?: Record<string, string>) => request(review, 'GET', query);

function tokenOf(page: WebhookAnswer): string {
	const token = /name="decisionToken" value="([^"]+)"/.exec(page.body)?.[1];
	if (!token) throw new Error(`no decision token on the page (${page.status}): ${page.body.slice(0, 300)}`);
	return token;
}

/** What a reviewer posts from the page: the page's token plus the form fields. */
async function submit(review: Review, fields: IDataObject): Promise<WebhookAnswer> {
	const decisionToken = tokenOf(await open(review));
	return await request(review, 'POST', { t: review.secret }, { decisionToken, ...fields });
}

/** The review's case as the store holds it (read from the SQLite file). */
function caseStatus(review: Review): string[] {
	const db = new DatabaseSync(review.storePath, { readOnly: true });
	try {
		const rows = db.prepare('SELECT status FROM aiwf_review_cases WHERE execution_id = ?').all(String(review.run.additionalData.executionId)) as Array<{ status: string }>;
		return rows.map((row) => row.status);
	} finally {
		db.close();
	}
}

/** The request was answered with a page and decided nothing: no resume, the case still pending. */
function expectNothingDecided(review: Review, answer: WebhookAnswer, status: number): void {
	expect(answer.status).toBe(status);
	expect(answer.result).toEqual({ noWebhookResponse: true });
	expect(answer.result.workflowData).toBeUndefined();
	expect(caseStatus(review)).toEqual(['pending']);
}

/** The items each output resumes with. */
function resumed(answer: WebhookAnswer): IDataObject[][] {
	return (answer.result.workflowData ?? []).map((items) => items.map((item) => item.json));
}

describe('execute: the case is stored, the reviewer told, the execution waits', () => {
	it('waits until the limit with the items on the first output, as n8n shows a waiting node', async () => {
		const before = Date.now();
		const review = await startReview();
		expect(review.run.waitTill!.getTime()).toBeGreaterThanOrEqual(before + 24 * 3_600_000);
		expect(review.run.waitTill!.getTime()).toBeLessThanOrEqual(Date.now() + 24 * 3_600_000);
		expectEveryItemOnce(review.run, 3);
		expect(jsonOf(review.run)).toEqual(TICKETS);
		expect(caseStatus(review)).toEqual(['pending']);
	});

	it.each([
		[30, 'seconds', 30_000],
		[5, 'minutes', 300_000],
		[2, 'hours', 7_200_000],
		[3, 'days', 259_200_000],
	])('Limit Wait Time %d %s', async (limitWaitTime, limitUnit, ms) => {
		const before = Date.now();
		const { run, post } = await startReview({ limitWaitTime, limitUnit }, [TICKETS[0]]);
		expect(run.waitTill!.getTime() - before).toBeGreaterThanOrEqual(ms);
		expect(run.waitTill!.getTime() - Date.now()).toBeLessThanOrEqual(ms);
		expect(post.expiresAt).toBe(run.waitTill!.toISOString());
	});

	it('the generic notification: title, items, summary, expiry and the link to this execution', async () => {
		const { run, post, link, secret } = await startReview({ title: 'Support ticket review' });
		expect(post).toMatchObject({
			title: 'Support ticket review',
			itemCount: 3,
			executionId: run.additionalData.executionId,
			workflowName: 'in-process test',
			summary: ['Item 1: billing (55%) — confidence 0.55 < threshold 0.85', 'Item 2: billing (99%)', 'Item 3: technical (40%)'],
		});
		expect(post.text).toContain(link.toString());
		expect(link.pathname).toBe(`/webhook-waiting/${run.additionalData.executionId}/review`);
		expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
		// n8n's own signature of the resume URL is kept.
		expect(link.searchParams.get('signature')).toMatch(/^[0-9a-f]{64}$/);
	});

	it.each([
		['slack', (post: IDataObject) => (post.blocks as IDataObject[]).length],
		['teams', (post: IDataObject) => (post.attachments as IDataObject[]).length],
		['discord', (post: IDataObject) => (post.embeds as IDataObject[]).length],
	])('the %s notification carries the link', async (notifyFormat, parts) => {
		const { post, link } = await startReview({ notifyFormat }, [TICKETS[0]]);
		expect(parts(post)).toBeGreaterThan(0);
		expect(link.pathname).toMatch(/\/review$/);
	});

	it('the store keeps a hash of the link secret, never the secret', async () => {
		const review = await startReview({}, [TICKETS[0]]);
		const db = new DatabaseSync(review.storePath, { readOnly: true });
		try {
			const rows = db.prepare('SELECT * FROM aiwf_review_cases').all();
			expect(rows).toHaveLength(1);
			expect(JSON.stringify(rows)).not.toContain(review.secret);
		} finally {
			db.close();
		}
	});
});

describe('the review page (GET)', () => {
	it('shows the case with safe headers, and decides nothing', async () => {
		const review = await startReview({ title: 'Support ticket review', instructions: 'Refunds need a reason.' });
		const page = await open(review);
		expectNothingDecided(review, page, 200);
		expect(page.headers).toMatchObject({
			'content-type': 'text/html; charset=utf-8',
			'cache-control': 'no-store',
			'referrer-policy': 'no-referrer',
			'x-content-type-options': 'nosniff',
		});
		expect(page.headers['content-security-policy']).toMatch(/default-src 'none'/);
		for (const text of ['Support ticket review', 'Refunds need a reason.', 'Please give me my money back for order 1234', 'confidence 0.55 &lt; threshold 0.85', 'low confidence 55%', '3 items to review']) {
			expect(page.body).toContain(text);
		}
		expect(page.body).not.toContain('<script');
	});

	it('link scanners (GET, HEAD, again and again) decide nothing; the reviewer still can', async () => {
		const review = await startReview({}, [TICKETS[0]]);
		for (let i = 0; i < 3; i++) expectNothingDecided(review, await open(review), 200);
		expectNothingDecided(review, await request(review, 'HEAD'), 200);
		expect((await submit(review, { decision_0: 'approve', reviewer: 'Ann' })).status).toBe(200);
		expect(caseStatus(review)).toEqual(['decided']);
	});

	it('Context Fields, Label Choices, Allowed Reviewers and Highlight Confidence Below shape the page', async () => {
		const review = await startReview({
			options: { contextFields: 'text, customer.tier', labelChoices: 'billing, refund, shipping', reviewers: 'ann@example.com, bo@example.com', lowConfidenceBelow: 0.5 },
		}, [{ ...TICKETS[0], customer: { tier: 'gold' }, secretNote: 'internal only' }]);
		const page = await open(review);
		expect(page.body).toContain('customer.tier');
		expect(page.body).toContain('gold');
		expect(page.body).not.toContain('internal only');
		expect(page.body).toContain('<option value="shipping">');
		expect(page.body).toMatch(/<select id="reviewer" name="reviewer" required><option value="">Choose…<\/option><option value="ann@example.com">/);
		expect(page.body).not.toContain('low confidence');
	});

	it('escapes every value it shows', async () => {
		const xss = '<script>alert(1)</script>';
		const review = await startReview({ title: xss, instructions: `<img src=x onerror="alert(2)">` }, [
			{ text: xss, [xss]: xss, ai: ai('billing', 0.4, { label: xss, labels: ['billing', xss], reasoning: xss, checks: [{ name: xss, passed: false, detail: xss }] }) },
		]);
		const page = await open(review);
		expect(page.status).toBe(200);
		expect(page.body).not.toContain('<script>');
		expect(page.body).not.toContain('<img src=x');
		expect(page.body).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
	});

	it("shows AI Classify 1.1's cleaned text (ai.input.text) under the original, escaped, with the page's CSP", async () => {
		const original = 'Hi, charged twice <b>again</b>\n\nOn Mon, Support wrote:\n> old history';
		const review = await startReview({}, [{ text: original, ai: ai('billing', 0.6, { input: { characters: 30, language: 'en', text: 'Hi, charged twice <b>again</b>' } }) }]);
		const page = await open(review);
		expect(page.status).toBe(200);
		expect(page.body).toContain('<h2 class="muted">Cleaned text (what the AI saw)</h2><pre class="cleaned">Hi, charged twice &lt;b&gt;again&lt;/b&gt;</pre>');
		expect(page.body.indexOf('old history')).toBeLessThan(page.body.indexOf('Cleaned text'));
		expect(page.body).not.toContain('<b>again');
		expect(page.headers['content-security-policy']).toMatch(/default-src 'none'/);
	});

	it('shows an invoice image from binary data, served by the node under the same link', async () => {
		const item = await fileItem('invoice2data/FlipkartInvoice.png', 'image/png', { property: 'invoice', json: { ...TICKETS[0] } });
		const review = await startReview({}, [item]);
		const page = await open(review);
		const src = /<img class="doc" alt="[^"]*" src="([^"]+)"/.exec(page.body)?.[1];
		expect(src).toBeDefined();
		const unescaped = src!.replace(/&#(\d+);/g, (_, code: string) => String.fromCharCode(Number(code))).replace(/&amp;/g, '&');
		const query = Object.fromEntries(new URLSearchParams(unescaped.replace(/^\?/, '')));
		expect(query).toMatchObject({ t: review.secret, item: '0', doc: 'invoice' });
		const document = await open(review, query);
		expect(document.status).toBe(200);
		expect(document.headers['content-type']).toBe('image/png');
		expect(document.headers['content-security-policy']).toMatch(/sandbox/);
		expect(document.result).toEqual({ noWebhookResponse: true });
		// A document that is not part of the review.
		expectNothingDecided(review, await open(review, { ...query, doc: 'other' }), 404);
	});

	it('a file over the preview limit, or of a type the page cannot show, is listed, not embedded', async () => {
		const png = await fileItem('invoice2data/FlipkartInvoice.png', 'image/png', { property: 'scan' });
		const text = await fileItem(Buffer.from('just notes'), 'text/plain', { property: 'notes', fileName: 'notes.txt' });
		const review = await startReview({ options: { maxDocumentMb: 0.001 } }, [{ json: TICKETS[0], binary: { ...png.binary, ...text.binary } }]);
		const page = await open(review);
		expect(page.body).not.toContain('<img class="doc"');
		expect(page.body).toMatch(/larger than the 1 KiB preview limit/);
		expect(page.body).toContain('this file type is not shown on the page');
	});
});

describe('decisions (POST): one per item, each on its output', () => {
	it('approve, correct and reject: the items resume on their outputs with review', async () => {
		const review = await startReview();
		const answer = await submit(review, {
			reviewer: 'Ann Reviewer',
			decision_0: 'correct',
			label_0: 'refund',
			comment_0: 'asks for a refund',
			decision_1: 'approve',
			decision_2: 'reject',
			comment_2: 'spam',
		});
		expect(answer.status).toBe(200);
		expect(answer.body).toContain('Thank you');
		expect(answer.result.noWebhookResponse).toBe(true);
		const outputs = resumed(answer);
		expect(outputs).toHaveLength(4);
		expect(outputs.map((items) => items.map((json) => json.id))).toEqual([[], [2], [1], [3]]);
		expect(answer.result.workflowData!.map((items) => items.map((item) => item.pairedItem))).toEqual([[], [{ item: 1 }], [{ item: 0 }], [{ item: 2 }]]);

		const corrected = outputs[CORRECTED][0];
		expect(corrected.ai).toMatchObject({ label: 'refund', confidence: 0.55 });
		expect(corrected.route).toEqual(TICKETS[0].route);
		expect(corrected.review).toMatchObject({
			decision: 'corrected',
			reviewer: 'Ann Reviewer',
			comment: 'asks for a refund',
			before: { label: 'billing', confidence: 0.55 },
			after: { label: 'refund' },
			overridden: true,
		});
		expect(outputs[APPROVED][0].review).toMatchObject({ decision: 'approved', overridden: false, after: { label: 'billing' } });
		expect(outputs[REJECTED][0].review).toMatchObject({ decision: 'rejected', comment: 'spam', after: null, overridden: false });
		expect(outputs[REJECTED][0].ai).toEqual(TICKETS[2].ai);
		const { decidedAt, waitedMs } = corrected.review as { decidedAt: string; waitedMs: number };
		expect(Date.parse(decidedAt)).toBeGreaterThan(Date.now() - 60_000);
		expect(waitedMs).toBeGreaterThanOrEqual(0);
		expect(caseStatus(review)).toEqual(['decided']);
	});

	it('One Output: every decided item on the one output, in input order', async () => {
		const review = await startReview({ outputLayout: 'single' });
		const answer = await submit(review, { reviewer: 'Bo', decision_0: 'reject', decision_1: 'approve', decision_2: 'correct', label_2: 'refund' });
		expect(resumed(answer).map((items) => items.map((json) => (json.review as IDataObject).decision))).toEqual([['rejected', 'approved', 'corrected']]);
	});

	it('binary data resumes with its item', async () => {
		const item = await fileItem('invoice2data/FlipkartInvoice.png', 'image/png', { property: 'invoice', json: { ...TICKETS[0] } });
		const review = await startReview({}, [item]);
		const answer = await submit(review, { reviewer: 'Ann', decision_0: 'approve' });
		expect(answer.result.workflowData![APPROVED][0].binary).toEqual(item.binary);
	});

	it('an extraction: field corrections typed like the record, the record before and after', async () => {
		const record = { invoiceId: 'FAFFSG1500000', vendor: { name: 'Flipkart' }, total: 999, paid: false, lines: [{ description: 'Item', amount: 999 }] };
		const extraction = { invoice: record, ai: { task: 'extract', confidence: 0.6, fieldConfidence: { invoiceId: 0.98, total: 0.41 } } };
		const review = await startReview({}, [extraction]);
		const page = await open(review);
		expect(page.body).toContain('name="field_0_2" value="999"');
		expect(page.body).toMatch(/<tr class="low"><th><label for="field_0_2">total<\/label>/);
		const answer = await submit(review, { reviewer: 'Fin', decision_0: 'correct', field_0_2: '1 099.50', field_0_3: 'true' });
		const [item] = resumed(answer)[CORRECTED];
		const after = { ...record, total: 1099.5, paid: true };
		expect(item.invoice).toEqual(after);
		expect(item.review).toMatchObject({ decision: 'corrected', before: record, after, overridden: true });
	});

	const formErrors: Array<[string, IDataObject, string]> = [
		['no reviewer', { decision_0: 'approve' }, 'Enter your name (or choose who you are) before submitting.'],
		['no decision for an item', { reviewer: 'Ann' }, 'Choose approve, correct or reject for item 1.'],
		['an unknown decision', { reviewer: 'Ann', decision_0: 'maybe' }, 'Choose approve, correct or reject for item 1.'],
		['"approve" with a changed label', { reviewer: 'Ann', decision_0: 'approve', label_0: 'refund' }, 'You changed item 1 but chose "approve": choose "correct", or undo the change.'],
		['"correct" without a change', { reviewer: 'Ann', decision_0: 'correct', label_0: 'billing' }, 'You chose "correct" for item 1 but changed nothing: pick the right label or edit a field.'],
		['a label that is no category', { reviewer: 'Ann', decision_0: 'correct', label_0: 'shipping' }, '"shipping" is not a category of item 1.'],
	];
	it.each(formErrors)('%s: the page again with the message (422), nothing decided', async (_name, fields, message) => {
		const review = await startReview({}, [TICKETS[0]]);
		const answer = await submit(review, fields);
		expectNothingDecided(review, answer, 422);
		expect(answer.body).toContain(message.replace(/"/g, '&quot;'));
		// The form keeps what was entered, with a fresh token: the reviewer fixes it and submits.
		expect(tokenOf(answer)).toBe(tokenOf(await open(review)));
		expect((await submit(review, { reviewer: 'Ann', decision_0: 'approve' })).status).toBe(200);
	});

	it('a reviewer not on Allowed Reviewers is refused', async () => {
		const review = await startReview({ options: { reviewers: 'ann@example.com' } }, [TICKETS[0]]);
		const answer = await submit(review, { reviewer: 'mallory@example.com', decision_0: 'approve' });
		expectNothingDecided(review, answer, 422);
		expect(answer.body).toContain('The reviewer is not on the list of allowed reviewers.');
		expect((await submit(review, { reviewer: 'ann@example.com', decision_0: 'approve' })).status).toBe(200);
	});

	it('a field that must be a number and is not: 422 naming the field', async () => {
		const review = await startReview({}, [{ invoice: { total: 5 }, ai: { task: 'extract', confidence: 0.5 } }]);
		const answer = await submit(review, { reviewer: 'Ann', decision_0: 'correct', field_0_0: 'five' });
		expectNothingDecided(review, answer, 422);
		expect(answer.body).toContain('&quot;total&quot; must be a number, got &quot;five&quot;');
	});
});

describe('forged, replayed and misdirected requests decide nothing', () => {
	it('a missing, forged, altered or malformed secret', async () => {
		const review = await startReview({}, [TICKETS[0]]);
		const last = review.secret.slice(-1);
		const altered = `${review.secret.slice(0, -1)}${last === 'A' ? 'B' : 'A'}`;
		for (const method of ['GET', 'POST'] as const) {
			expectNothingDecided(review, await request(review, method, {}), 401);
			expectNothingDecided(review, await request(review, method, { t: '' }), 401);
			expectNothingDecided(review, await request(review, method, { t: 'A'.repeat(43) }), 403);
			expectNothingDecided(review, await request(review, method, { t: altered }), 403);
			expectNothingDecided(review, await request(review, method, { t: `${review.secret}x` }), 403);
			expectNothingDecided(review, await request(review, method, { t: "' OR 1=1 --" }), 403);
		}
		const refused = await request(review, 'GET', { t: altered });
		expect(refused.body).not.toContain('decisionToken');
		expect(refused.body).not.toContain(TICKETS[0].text);
	});

	it("another review's secret or page token does not open or decide this one", async () => {
		const a = await startReview({}, [TICKETS[0]]);
		const b = await startReview({ ...{ storeType: 'sqlite', storePath: a.storePath } }, [TICKETS[1]]);
		expectNothingDecided(a, await request(a, 'GET', { t: b.secret }), 403);
		const tokenB = tokenOf(await open(b));
		expectNothingDecided(a, await request(a, 'POST', { t: a.secret }, { decisionToken: tokenB, reviewer: 'x', decision_0: 'approve' }), 403);
	});

	it('a POST without the page token (a cross-site form, a script) is refused', async () => {
		const review = await startReview({}, [TICKETS[0]]);
		const fields = { reviewer: 'x', decision_0: 'approve' };
		expectNothingDecided(review, await request(review, 'POST', { t: review.secret }, fields), 403);
		expectNothingDecided(review, await request(review, 'POST', { t: review.secret }, { ...fields, decisionToken: 'forged' }), 403);
		expectNothingDecided(review, await request(review, 'POST', { t: review.secret }, { ...fields, decisionToken: 'x'.repeat(500) }), 403);
	});

	it('an execution with no review case: 404', async () => {
		const review = await startReview({}, [TICKETS[0]]);
		const elsewhere = { ...review.run, additionalData: { ...review.run.additionalData, executionId: 'no-such-execution' } };
		const answer = await callWaitingWebhook(elsewhere, { method: 'GET', path: 'review', query: { t: review.secret } });
		expect(answer.status).toBe(404);
		expect(answer.result).toEqual({ noWebhookResponse: true });
	});

	it('methods other than GET and POST: 405', async () => {
		const review = await startReview({}, [TICKETS[0]]);
		expectNothingDecided(review, await request(review, 'PUT'), 405);
	});

	it('a decided review: the link and the form are refused (409), nothing resumes twice', async () => {
		const review = await startReview({}, [TICKETS[0]]);
		const decisionToken = tokenOf(await open(review));
		const decide = { decisionToken, reviewer: 'Ann', decision_0: 'reject' };
		expect((await request(review, 'POST', { t: review.secret }, decide)).status).toBe(200);
		for (const replay of [await request(review, 'POST', { t: review.secret }, decide), await open(review)]) {
			expect(replay.status).toBe(409);
			expect(replay.result.workflowData).toBeUndefined();
		}
	});

	it('two decisions at once: exactly one resumes', async () => {
		const review = await startReview({}, [TICKETS[0]]);
		const decisionToken = tokenOf(await open(review));
		const post = (reviewer: string) => request(review, 'POST', { t: review.secret }, { decisionToken, reviewer, decision_0: 'approve' });
		const answers = await Promise.all([post('Ann'), post('Bo')]);
		expect(answers.map((a) => a.status).sort()).toEqual([200, 409]);
		expect(answers.filter((a) => a.result.workflowData !== undefined)).toHaveLength(1);
	});
});

describe('timeouts', () => {
	afterEach(() => jest.useRealTimers());

	it('after the limit the link answers "expired" (410), records the expiry, and decides nothing', async () => {
		const review = await startReview({ limitWaitTime: 5, limitUnit: 'minutes' }, [TICKETS[0]]);
		const decisionToken = tokenOf(await open(review));
		// Only the clock moves on: timers stay real for the store and the HTTP stack.
		jest.useFakeTimers({ now: Date.now() + 5 * 60_000 + 1000, doNotFake: ['hrtime', 'nextTick', 'performance', 'queueMicrotask', 'setImmediate', 'clearImmediate', 'setInterval', 'clearInterval', 'setTimeout', 'clearTimeout'] });
		const late = await open(review);
		expect(late.status).toBe(410);
		expect(late.body).toContain('The time to review this case has run out.');
		expect(caseStatus(review)).toEqual(['expired']);
		const lateDecision = await request(review, 'POST', { t: review.secret }, { decisionToken, reviewer: 'late', decision_0: 'approve' });
		expect(lateDecision.status).toBe(410);
		expect(lateDecision.result.workflowData).toBeUndefined();
	});

	it('a forged link after the limit still learns nothing (403 before 410)', async () => {
		const review = await startReview({ limitWaitTime: 1, limitUnit: 'seconds' }, [TICKETS[0]]);
		jest.useFakeTimers({ now: Date.now() + 60_000, doNotFake: ['hrtime', 'nextTick', 'performance', 'queueMicrotask', 'setImmediate', 'clearImmediate', 'setInterval', 'clearInterval', 'setTimeout', 'clearTimeout'] });
		expectNothingDecided(review, await open(review, { t: 'A'.repeat(43) }), 403);
	});

	it.each([0, -3])('Limit Wait Time %d stops with the fix, telling nobody', async (limitWaitTime) => {
		const run = await runNode({ type: 'humanReviewWait', parameters: { notifyUrl: inbox.url, limitWaitTime, ...temp.store() }, items: [TICKETS[0]] });
		expectNodeError(run, { message: `Limit Wait Time must be a positive number, got ${limitWaitTime}`, description: 'Set how long the review may take, e.g. 24 hours.' });
		expect(inbox.posts).toEqual([]);
		expect(run.waitTill).toBeUndefined();
	});
});

describe('output layouts and n8n versions', () => {
	afterEach(() => {
		mockN8nVersion = '2.41.1';
	});

	it('n8n 1.x resumes a waiting node to its first output only: One per Decision is refused before anyone is told', async () => {
		mockN8nVersion = '1.123.81';
		const run = await runNode({ type: 'humanReviewWait', parameters: { notifyUrl: inbox.url, ...temp.store() }, items: [TICKETS[0]] });
		expectNodeError(run, {
			message: 'n8n 1.123.81 can only resume a waiting node to its first output',
			description: 'Set Outputs to "One Output" and route on review.decision (timed-out items have no review), or run n8n 2.x.',
		});
		expect(inbox.posts).toEqual([]);
	});

	it('an n8n whose version cannot be told counts as 1.x', async () => {
		mockN8nVersion = undefined;
		const run = await runNode({ type: 'humanReviewWait', parameters: { notifyUrl: inbox.url, ...temp.store() }, items: [TICKETS[0]] });
		expectNodeError(run, { message: 'n8n (unknown version) can only resume a waiting node to its first output' });
	});

	it('n8n 1.x with One Output: waits, and every decision resumes on the one output', async () => {
		mockN8nVersion = '1.123.81';
		const review = await startReview({ outputLayout: 'single' }, TICKETS.slice(0, 2));
		const answer = await submit(review, { reviewer: 'Ann', decision_0: 'approve', decision_1: 'reject' });
		expect(resumed(answer).map((items) => items.map((json) => json.id))).toEqual([[1, 2]]);
	});

	it('a review started under One per Decision resumes on one output if n8n is now 1.x', async () => {
		const review = await startReview({}, TICKETS.slice(0, 2));
		mockN8nVersion = '1.123.81';
		const answer = await submit(review, { reviewer: 'Ann', decision_0: 'approve', decision_1: 'reject' });
		expect(resumed(answer)).toHaveLength(1);
		expect(resumed(answer)[TIMED_OUT]).toHaveLength(2);
	});
});

describe('notification failures: nobody would learn about the review', () => {
	const notDelivered = 'The review notification could not be delivered, so no reviewer would learn about this review';

	it('an empty Notification URL is a parameter issue: n8n does not run the workflow', async () => {
		await expect(runNode({ type: 'humanReviewWait', parameters: { notifyUrl: '', ...temp.store() }, items: [TICKETS[0]] })).rejects.toThrow(
			/The 'Node' node has issues:\s+- Parameter "Notification URL" is required\./,
		);
	});

	it.each([['blank', '   '], ['not a URL', 'hooks.slack.com/services/x'], ['another scheme', 'ftp://example.com/hook']])(
		'a Notification URL that is %s stops with the fix',
		async (_name, notifyUrl) => {
			const run = await runNode({ type: 'humanReviewWait', parameters: { notifyUrl, ...temp.store() }, items: [TICKETS[0]] });
			expectNodeError(run, { message: 'No Notification URL: nobody would learn about this review', description: /Set Notification URL to a Slack, Teams or Discord webhook/ });
		},
	);

	it('an unreachable service stops the node, the review not started', async () => {
		const run = await runNode({
			type: 'humanReviewWait',
			parameters: { notifyUrl: 'http://127.0.0.1:9/hook', options: { notifyAttempts: 1 }, ...temp.store() },
			items: [TICKETS[0]],
		});
		expectNodeError(run, { message: notDelivered, description: /Check Notification URL .*The review was not started\.$/ });
		expect(run.waitTill).toBeUndefined();
	});

	it('a busy service (503) is retried; the review starts with one notification', async () => {
		inbox.failNext = 2;
		const review = await startReview({ options: { notifyAttempts: 3 } }, [TICKETS[0]]);
		expect(review.run.waitTill).toBeDefined();
		expect(inbox.posts).toHaveLength(1);
	});

	it('a refusing service (4xx) is not retried', async () => {
		inbox.failNext = 1;
		inbox.failStatus = 404;
		const run = await runNode({ type: 'humanReviewWait', parameters: { notifyUrl: inbox.url, options: { notifyAttempts: 3 }, ...temp.store() }, items: [TICKETS[0]] });
		expectNodeError(run, { message: notDelivered, description: /404/ });
		expect(inbox.posts).toEqual([]);
		expect(inbox.failNext).toBe(0);
	});

	it('Continue On Fail: the items go on at once, carrying the error, no wait', async () => {
		const run = await runNode({
			type: 'humanReviewWait',
			parameters: { notifyUrl: 'http://127.0.0.1:9/hook', options: { notifyAttempts: 1 }, ...temp.store() },
			items: TICKETS,
			onError: 'continueRegularOutput',
		});
		expectEveryItemOnce(run, 3);
		expect(run.waitTill).toBeUndefined();
		expect(pairedPerOutput(run)[TIMED_OUT]).toEqual([0, 1, 2]);
		for (const [i, json] of jsonOf(run).entries()) {
			expect(json).toMatchObject({ ...TICKETS[i], error: expect.stringMatching(/^The review notification could not be delivered: /) });
		}
	});

	it('Continue (using error output): the items leave on the error output', async () => {
		const run = await runNode({
			type: 'humanReviewWait',
			parameters: { notifyUrl: 'http://127.0.0.1:9/hook', options: { notifyAttempts: 1 }, ...temp.store() },
			items: TICKETS,
			onError: 'continueErrorOutput',
		});
		expect(run.outputs).toHaveLength(5);
		expect(pairedPerOutput(run)).toEqual([[], [], [], [], [0, 1, 2]]);
		expect(jsonOf(run, 4)[0]).toMatchObject({ id: 1, error: expect.stringMatching(/could not be delivered/) });
	});
});

describe('store failures', () => {
	it('a store that cannot be opened stops execute() with the fix, before anyone is told', async () => {
		const run = await runNode({ type: 'humanReviewWait', parameters: { notifyUrl: inbox.url, ...UNOPENABLE_STORE }, items: [TICKETS[0]] });
		expectNodeError(run, { message: /^The review store cannot be opened: Cannot open the embedded store file /, description: UNOPENABLE_STORE_FIX });
		expect(inbox.posts).toEqual([]);
	});

	it('a store lost while waiting: the page says so (503) and nothing is decided', async () => {
		const review = await startReview({}, [TICKETS[0]]);
		const lost = { ...review.run, node: { ...review.run.node, parameters: { ...review.run.node.parameters, ...UNOPENABLE_STORE } } };
		const answer = await callWaitingWebhook(lost, { method: 'GET', path: 'review', query: { t: review.secret } });
		expect(answer.status).toBe(503);
		expect(answer.body).toContain('The review store cannot be reached.');
		expect(answer.result).toEqual({ noWebhookResponse: true });
	});
});
