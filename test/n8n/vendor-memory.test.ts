/**
 * Vendor memory in a real n8n (each supported version): Extract Invoice (Learn From Reviews) →
 * Human Review Wait on one store. A reviewer corrects the first invoice of a vendor (the invoice
 * number and the payable amount carry labels no dictionary knows) by posting the review form; the
 * next invoice of that vendor, uploaded afterwards, comes out of Extract Invoice with those fields
 * right, read with the vendor's memory, and says so in `ai.evidence` and `evidence`.
 */
import * as http from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeEachN8nVersion, executionError, nodeOutput, type Execution, type N8nInstance } from '../harness/n8n';
import { node, ourNode, workflow } from '../support/workflow';
import { nordlichtInvoice } from '../support/vendorInvoices';
import { openStore } from '../../nodes/shared/store';

jest.setTimeout(10 * 60_000);

/** Stands in for Slack & co.: keeps what Human Review Wait posts. */
async function startInbox() {
	const posts: Array<Record<string, unknown>> = [];
	const server = http.createServer((req, res) => {
		let body = '';
		req.on('data', (chunk) => (body += chunk));
		req.on('end', () => {
			posts.push(JSON.parse(body));
			res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
		});
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	return { posts, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/notify`, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

describeEachN8nVersion('Vendor memory: Extract Invoice → Human Review Wait', (getN8n, version) => {
	const major = Number(version.split('.')[0]);
	let inbox: Awaited<ReturnType<typeof startInbox>>;
	let folder: string;
	beforeAll(async () => {
		inbox = await startInbox();
		folder = mkdtempSync(join(tmpdir(), 'aiw-vendor-memory-n8n-'));
	});
	afterAll(async () => {
		await inbox?.close();
		rmSync(folder, { recursive: true, force: true });
	});

	it('a correction posted in the review teaches the next invoice of that vendor', async () => {
		const n8n: N8nInstance = getN8n();
		const storePath = join(folder, 'store.sqlite');
		const path = `vendor-memory-${Date.now()}`;
		const outputs = major >= 2 ? ['Timed Out', 'Approved', 'Corrected', 'Rejected'] : ['Reviewed'];
		const wf = workflow(
			'Vendor memory',
			[
				node('Webhook', 'n8n-nodes-base.webhook', 2, { httpMethod: 'POST', path, responseMode: 'onReceived', options: {} }, { webhookId: path }),
				ourNode('Extract Invoice', 'extractInvoice', { inputType: 'binary', binaryPropertyName: 'invoice', engine: 'local', vendorMemory: true, storeType: 'sqlite', storePath, options: {} }),
				ourNode(
					'Human Review Wait',
					'humanReviewWait',
					{ title: 'Invoice review', notifyFormat: 'generic', notifyUrl: inbox.url, outputLayout: major >= 2 ? 'byDecision' : 'single', limitWaitTime: 1, limitUnit: 'hours', storeType: 'sqlite', storePath, options: {} },
					{ webhookId: `hrw-${path}` },
				),
				...outputs.map((name) => node(name, 'n8n-nodes-base.noOp', 1, {})),
			],
			{ Webhook: [['Extract Invoice']], 'Extract Invoice': [['Human Review Wait']], 'Human Review Wait': outputs.map((name) => [name]) },
		);
		const id = await n8n.createWorkflow(wf as unknown as Parameters<N8nInstance['createWorkflow']>[0]);
		await n8n.activate(id);
		await n8n.waitForWebhook(path, 'POST');

		/** Uploads an invoice and returns its execution once it waits for the review (with the link). */
		const upload = async (pdf: Buffer, name: string): Promise<{ execution: Execution; link: string }> => {
			const postsBefore = inbox.posts.length;
			const body = new FormData();
			body.append('invoice', new Blob([pdf], { type: 'application/pdf' }), name);
			const response = await fetch(new URL(`webhook/${path}`, n8n.baseUrl), { method: 'POST', body });
			expect(response.status).toBe(200);
			const deadline = Date.now() + 120_000;
			while (inbox.posts.length === postsBefore) {
				if (Date.now() > deadline) throw new Error(`no review notification\n${n8n.logTail(40)}`);
				await new Promise((resolve) => setTimeout(resolve, 300));
			}
			const notice = inbox.posts[postsBefore];
			const execution = await n8n.waitForExecutionStatus(String(notice.executionId), ['waiting'], 60_000, (e) => (e.data?.resultData?.runData?.['Human Review Wait'] ?? []).length > 0);
			return { execution, link: String(notice.reviewUrl) };
		};

		const first = nordlichtInvoice('88-1234', 4, 1000);
		const second = nordlichtInvoice('88-5678', 21, 250);

		const a = await upload(first.pdf, 'nordlicht-1.pdf');
		const firstRecord = nodeOutput(a.execution, 'Extract Invoice')[0][0].json as { invoice: Record<string, unknown>; ai: Record<string, unknown> };
		expect(firstRecord.invoice.invoiceId).not.toBe('88-1234');
		expect(firstRecord.ai.evidence).toBeUndefined();

		// The reviewer opens the page and posts the corrected fields.
		const page = await n8n.http<string>(a.link);
		expect(page.status).toBe(200);
		const html = String(page.body);
		const token = /name="decisionToken" value="([^"]+)"/.exec(html)?.[1];
		expect(token).toBeDefined();
		const fieldName = (fieldPath: string) => new RegExp(`<label for="(field_0_\\d+)">${fieldPath.replace('.', '\\.')}</label>`).exec(html)?.[1];
		const form = new URLSearchParams({ decisionToken: token!, decision_0: 'correct', reviewer: 'Fin Ance' });
		form.set(fieldName('invoiceId')!, '88-1234');
		form.set(fieldName('invoiceTotal')!, '1190');
		const decided = await n8n.http<string>(a.link, { method: 'POST', body: form.toString(), headers: { 'content-type': 'application/x-www-form-urlencoded' } });
		expect(decided.status).toBe(200);
		const done = await n8n.waitForExecutionStatus(a.execution.id, ['success', 'error'], 60_000, (e) => e.status !== 'success' || outputs.some((name) => e.data?.resultData?.runData?.[name] !== undefined));
		expect(executionError(done)).toBeUndefined();
		// Human Review Wait handed the correction to the vendor memory in the shared store.
		const store = await openStore({ kind: 'sqlite', path: storePath });
		const layouts = await (store as unknown as { db: { prepare(sql: string): { all(): unknown[] } } }).db.prepare('SELECT execution_id FROM aiwf_invoice_layouts').all();
		expect(layouts).toEqual([{ execution_id: a.execution.id }]);
		const memories = await store.findVendorMemories(['tax:DE811234563']);
		await store.close();
		expect(memories).toHaveLength(1);
		expect(JSON.parse(memories[0])).toMatchObject({ corrections: 1, fields: { invoiceId: { label: 'vorgang' } } });

		// The next invoice of the same vendor: read with what the correction taught.
		const b = await upload(second.pdf, 'nordlicht-2.pdf');
		const next = nodeOutput(b.execution, 'Extract Invoice')[0][0].json as {
			invoice: Record<string, unknown>;
			ai: { evidence?: { vendorMemory?: { key: string; corrections: number; fields: string[] } }; fieldConfidence: Record<string, number> };
			evidence: Record<string, { source?: string; quote: string }>;
		};
		expect(next.invoice).toMatchObject({ invoiceId: '88-5678', invoiceTotal: 297.5, vendor: expect.objectContaining({ name: 'Nordlicht Werkzeuge GmbH', taxId: 'DE811234563' }) });
		expect(next.ai.evidence?.vendorMemory).toMatchObject({ key: 'tax:DE811234563', corrections: 1, fields: expect.arrayContaining(['invoiceId', 'invoiceTotal']) });
		expect(next.evidence.invoiceId).toMatchObject({ source: 'vendorMemory', quote: expect.stringContaining('88-5678') });
		expect(next.ai.fieldConfidence.invoiceId).toBeGreaterThanOrEqual(0.9);
	});
	// A shared 2-core machine can be slow to start n8n: allow it the time.
}, { readyTimeoutMs: 300_000 });
