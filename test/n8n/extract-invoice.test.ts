/**
 * Extract Invoice inside a real n8n (each supported version): a webhook receives an invoice upload
 * (multipart/form-data) → Extract Invoice → Respond to Webhook returns the record; a scanned page goes
 * through OCR; a corrupt file stops the workflow with the clear error, and with Continue On Fail the
 * item goes on carrying `error`.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describeEachN8nVersion, executionError, majorVersion, nodeOutput, type N8nInstance } from '../harness/n8n';
import { node, ourNode, webhook, workflow } from '../support/workflow';

jest.setTimeout(10 * 60_000);

const shared = join(__dirname, '..', '..', '..', 'shared', 'data', 'invoices');
const fixtures = join(__dirname, '..', 'fixtures', 'invoices');

/** A multipart/form-data body with one file field, as a browser or curl -F sends it. */
function multipart(field: string, filename: string, contentType: string, data: Buffer) {
	const boundary = `----aiw${Date.now().toString(16)}`;
	const head = Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${field}"; filename="${filename}"\r\nContent-Type: ${contentType}\r\n\r\n`);
	const tail = Buffer.from(`\r\n--${boundary}\r\nContent-Disposition: form-data; name="source"\r\n\r\nupload-test\r\n--${boundary}--\r\n`);
	return { body: Buffer.concat([head, data, tail]), headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } };
}

interface Response {
	invoice?: Record<string, unknown> & { invoiceTotal: number | null; invoiceId: string | null };
	ai?: { task: string; engine: string; confidence: number; confidenceSource: string; fieldConfidence: Record<string, number>; checks: Array<{ name: string; passed: boolean }>; latencyMs: number; attempts: number };
	evidence?: Record<string, { quote: string; page: number }>;
	error?: string;
}

let counter = 0;
async function deploy(n8n: N8nInstance, settings: { continueOnFail?: boolean } = {}) {
	const path = `invoice-${++counter}-${Date.now()}`;
	const wf = workflow(
		`Extract Invoice test ${counter}`,
		[
			webhook('Webhook', path, 'responseNode'),
			ourNode('Extract Invoice', 'extractInvoice', { inputType: 'binary', binaryPropertyName: 'invoice', engine: 'local', options: {} }, settings.continueOnFail ? { onError: 'continueRegularOutput' } : {}),
			node('Respond', 'n8n-nodes-base.respondToWebhook', 1.1, { respondWith: 'firstIncomingItem', options: {} }),
		],
		{ Webhook: [['Extract Invoice']], 'Extract Invoice': [['Respond']] },
	);
	const id = await n8n.createWorkflow(wf);
	await n8n.activate(id);
	await n8n.waitForWebhook(path, 'POST');
	return {
		upload: async (filename: string, contentType: string, data: Buffer) => {
			const form = multipart('invoice', filename, contentType, data);
			const response = await n8n.webhook<Response>(path, { method: 'POST', body: form.body, headers: form.headers, timeoutMs: 180_000 });
			const execution = await n8n.waitForExecution((e) => e.workflowId === id && (e.status === 'success' || e.status === 'error'), 180_000);
			return { response, execution };
		},
	};
}

describeEachN8nVersion('Extract Invoice', (getN8n, version) => {
	it('extracts an uploaded PDF (text layer) and the Respond node returns the record', async () => {
		const flow = await deploy(getN8n());
		const { response, execution } = await flow.upload('aws.pdf', 'application/pdf', readFileSync(join(shared, 'AmazonWebServices.pdf')));
		expect(execution.status).toBe('success');
		expect(response.status).toBe(200);
		expect(response.body.invoice).toMatchObject({ invoiceId: '42183017', invoiceDate: '2014-08-03', currency: 'USD', invoiceTotal: 4.11 });
		expect(response.body.ai).toMatchObject({ task: 'extract', engine: 'local', attempts: 1 });
		expect(['checks', 'local']).toContain(response.body.ai!.confidenceSource);
		expect(response.body.ai!.fieldConfidence.invoiceTotal).toBeGreaterThan(0.8);
		expect(response.body.evidence!.invoiceId).toEqual({ quote: 'Invoice Number: 42183017', page: 1 });
		const [out] = nodeOutput(execution, 'Extract Invoice');
		expect(out).toHaveLength(1);
		expect(out[0].pairedItem).toEqual({ item: 0 });
		expect(out[0].binary?.invoice).toBeDefined(); // binary passes through
		expect((out[0].json as { body?: { source?: string } }).body?.source).toBe('upload-test'); // original fields kept
	});

	it('reads a scanned page (JPEG) through OCR', async () => {
		const [expected] = JSON.parse(readFileSync(join(fixtures, 'de-DE-a-scan.json'), 'utf8'));
		const flow = await deploy(getN8n());
		const { response, execution } = await flow.upload('scan.jpg', 'image/jpeg', readFileSync(join(fixtures, 'de-DE-a-scan.jpg')));
		expect(execution.status).toBe('success');
		expect(response.body.invoice).toMatchObject({ invoiceId: expected.invoice_number, invoiceTotal: expected.amount, currency: 'EUR' });
	});

	it('a corrupt file stops the workflow with a clear error', async () => {
		const flow = await deploy(getN8n());
		const corrupt = readFileSync(join(shared, 'oyo.pdf')).subarray(0, 3000);
		const { response, execution } = await flow.upload('broken.pdf', 'application/pdf', corrupt);
		expect(execution.status).toBe('error');
		// n8n 2.x answers a failed "respond with node" workflow with 500; 1.x answers 200 all the same.
		if (majorVersion(version) >= 2) expect(response.status).toBeGreaterThanOrEqual(500);
		expect(executionError(execution)).toMatch(/Item 0: The PDF could not be opened.*download it again/s);
	});

	it('with Continue On Fail the failed item carries the error and goes on', async () => {
		const flow = await deploy(getN8n(), { continueOnFail: true });
		const { response, execution } = await flow.upload('notes.txt', 'text/plain', Buffer.from('just some notes, not an invoice'));
		expect(execution.status).toBe('success');
		expect(response.status).toBe(200);
		expect(response.body.error).toMatch(/not a PDF, PNG, JPEG, TIFF or WebP/);
		expect(response.body.invoice).toBeUndefined();
		const [out] = nodeOutput(execution, 'Extract Invoice');
		expect(out[0].pairedItem).toEqual({ item: 0 });
	});
});
