/**
 * Extract Invoice's `openai` engine against the OpenAI-compatible test server, over HTTP with the real
 * SDK: the request (strict schema, logprobs, page text with markers, page images for scans), the
 * answer mapped to the record with logprob field confidence moved by the checks, garbage answers,
 * 429/500 retries, and a refused key.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { NodeApiError, type INode } from 'n8n-workflow';

import { readDocument, readText, type ReadDocument } from '../../nodes/shared/documents';
import { pageImages } from '../../nodes/shared/documents/pageImages';
import { buildInvoiceRequest, documentText, InvoiceAnswerError, LlmInvoiceExtractor } from '../../nodes/shared/invoice/llmEngine';
import { emptyInvoice, RECORD_GROUPS } from '../../nodes/shared/invoice/schema';
import { createClient } from '../../nodes/shared/llm/connection';
import { llmErrorToNodeError } from '../../nodes/shared/llm/nodeErrors';
import { ChatRunner, LlmRequestError } from '../../nodes/shared/llm/runner';
import { startFakeOpenAi, strictSchemaProblem, type ChatRequest, type FakeOpenAi } from '../support/openaiServer';

jest.setTimeout(60_000);

const fixtures = join(__dirname, '..', 'fixtures', 'invoices');
const API_KEY = 'sk-unit-secret-4242';

const TEXT = [
	'ACME Supplies GmbH',
	'Invoice ID: INV-2024-0042',
	'Invoice Date: 2024-03-05',
	'Due Date: 2024-04-04',
	'Currency: EUR',
	'Subtotal: 100.00',
	'Total Tax: 19.00',
	'Invoice Total: 119.00',
].join('\n');

let fake: FakeOpenAi;
beforeAll(async () => {
	fake = await startFakeOpenAi({ apiKey: API_KEY, seed: 11 });
});
afterAll(() => fake.close());
beforeEach(() => {
	fake.configure({ faults: {}, respond: undefined, latencyMs: 0 });
	fake.reset();
});

function extractor(options: { apiKey?: string; maxRetries?: number } = {}) {
	// No test here is about timeouts: a generous limit keeps a busy machine (the test server tokenizes
	// every prompt) from turning a slow first answer into a retry that changes `attempts`.
	const client = createClient({ baseUrl: fake.baseUrl, apiKey: options.apiKey ?? API_KEY, headers: {} }, 60_000);
	const runner = new ChatRunner(client, { concurrency: 4, maxRetries: options.maxRetries ?? 4, timeoutMs: 60_000, baseBackoffMs: 1 });
	return new LlmInvoiceExtractor(runner, 'gpt-4o-mini');
}

/** A scripted answer: an invoice record with the given values (tokens near-certain). */
function answer(values: Record<string, unknown>) {
	const { customFields: _none, ...record } = emptyInvoice();
	return () => ({ content: JSON.stringify({ ...record, ...values }) });
}

describe('the request', () => {
	it('sends the text with page markers, the strict invoice schema and asks for logprobs', () => {
		const request = buildInvoiceRequest(readText(TEXT), { model: 'gpt-4o-mini', customFields: [{ name: 'Cost Centre', type: 'string', description: 'four digits', required: false }], images: [] });
		expect(request.logprobs).toBe(true);
		expect(request.response_format).toMatchObject({ type: 'json_schema', json_schema: { name: 'invoice', strict: true } });
		const format = request.response_format as unknown as { json_schema: { schema: never } };
		expect(strictSchemaProblem(format.json_schema.schema)).toBeUndefined();
		expect(request.messages[1]).toEqual({ role: 'user', content: `--- Page 1 ---\n${TEXT}` });
		expect(format.json_schema.schema).toMatchObject({ properties: { customFields: { properties: { 'Cost Centre': { description: 'four digits' } } } } });
		expect(request.messages[0].content).not.toContain('image');
	});

	it('adds page images as PNG data URLs for a scan, none for a text-layer PDF unless asked', async () => {
		const scan = readFileSync(join(fixtures, 'en-GB-b-scan.jpg'));
		const scanned: ReadDocument = { kind: 'jpeg', pageCount: 1, truncated: false, pages: [{ number: 1, width: 0, height: 0, source: 'ocr', words: [] }] };
		const images = await pageImages(scan, scanned, 'scans');
		expect(images).toHaveLength(1);
		expect(images[0].dataUrl).toMatch(/^data:image\/png;base64,iVBORw0KGgo/);
		expect(await pageImages(scan, scanned, 'never')).toEqual([]);

		const pdf = readFileSync(join(fixtures, 'en-US-a.pdf'));
		const document = await readDocument(pdf);
		expect(document.pages.every((p) => p.source === 'text-layer')).toBe(true);
		expect(await pageImages(pdf, document, 'scans')).toEqual([]);
		const all = await pageImages(pdf, document, 'all');
		expect(all.map((i) => i.page)).toEqual(document.pages.map((p) => p.number));

		const request = buildInvoiceRequest(document, { model: 'gpt-4o', customFields: [], images: all });
		expect(request.messages[0].content).toContain('The images show the same pages');
		const content = request.messages[1].content as Array<{ type: string; text?: string; image_url?: { url: string } }>;
		expect(content[0]).toEqual({ type: 'text', text: documentText(document) });
		expect(content.slice(1).map((part) => part.type)).toEqual(all.map(() => 'image_url'));
	});
});

describe('the answer', () => {
	it('maps the model record with field confidence from the value tokens, usage with cost, model and attempts', async () => {
		const { extraction, ai } = await extractor().extract(readText(TEXT), [], {});
		expect(extraction.invoice).toMatchObject({ invoiceId: 'INV-2024-0042', invoiceDate: '2024-03-05', dueDate: '2024-04-04', currency: 'EUR', subtotal: 100, totalTax: 19, invoiceTotal: 119 });
		expect(ai).toMatchObject({ task: 'extract', engine: 'openai', confidenceSource: 'logprobs', model: 'gpt-4o-mini', attempts: 1 });
		expect(ai.usage!.inputTokens).toBeGreaterThan(100);
		expect(ai.usage!.costUsd).toBeGreaterThan(0);
		// Copied from the text: tokens near-certain. Invented by the model (-1.5 per token): low.
		expect(ai.fieldConfidence!.invoiceId).toBeGreaterThan(0.95);
		expect(ai.fieldConfidence!.currency).toBeGreaterThan(0.95);
		expect(ai.fieldConfidence!['payment.accountNumber']).toBeLessThan(0.25);
		expect(extraction.evidence.invoiceId).toEqual({ quote: 'Invoice ID: INV-2024-0042', page: 1 });
		// The server's log shows what was sent: the text and the schema.
		const sent: ChatRequest = fake.log[0].body;
		expect(sent.logprobs).toBe(true);
		expect(sent.response_format?.json_schema?.strict).toBe(true);
	});

	it('lowers the fields of a failed check', async () => {
		fake.configure({ respond: answer({ invoiceId: 'A-1', invoiceDate: '2024-03-05', currency: 'EUR', subtotal: 100, totalTax: 19, invoiceTotal: 119 }) });
		const good = await extractor().extract(readText(TEXT), [], {});
		expect(good.ai.checks).toContainEqual(expect.objectContaining({ name: 'totalsAddUp', passed: true }));
		expect(good.ai.fieldConfidence!.invoiceTotal).toBe(0.99);

		fake.configure({ respond: answer({ invoiceId: 'A-1', invoiceDate: '2024-03-05', currency: 'EUR', subtotal: 100, totalTax: 19, invoiceTotal: 150 }) });
		const bad = await extractor().extract(readText(TEXT), [], {});
		expect(bad.ai.checks).toContainEqual(expect.objectContaining({ name: 'totalsAddUp', passed: false }));
		expect(bad.ai.fieldConfidence!.invoiceTotal).toBe(0.5);
		expect(bad.ai.fieldConfidence!.subtotal).toBe(0.5);
		expect(bad.ai.fieldConfidence!.invoiceId).toBe(0.99);
		// The record is as weak as its weakest required field (vendor.name is missing here).
		expect(bad.ai.confidence).toBe(0.15);
	});

	it('types custom fields and takes their confidence from their value tokens', async () => {
		fake.configure({ respond: answer({ customFields: { Hours: 12.5 } }) });
		const { extraction, ai } = await extractor().extract(readText(TEXT), [], { customFields: [{ name: 'Hours', type: 'number', description: '', required: false }] });
		expect(extraction.invoice.customFields).toEqual({ Hours: 12.5 });
		expect(ai.fieldConfidence!['customFields.Hours']).toBe(0.99);
	});

	it('asks for the chosen groups only: the rest of the record is empty (or the local record), checks that need it are skipped', async () => {
		const options = { modelGroups: ['header' as const, 'totals' as const] };
		const printed = { invoiceId: 'INV-2024-0042', invoiceDate: '2024-03-05', dueDate: '2024-04-04', currency: 'EUR', subtotal: 100, totalTax: 19, invoiceTotal: 119 };
		const asked = [...RECORD_GROUPS.header, ...RECORD_GROUPS.totals].map((key) => [key, key === 'documentType' ? 'invoice' : null]);
		fake.configure({ respond: () => ({ content: JSON.stringify({ ...Object.fromEntries(asked), ...printed }) }) });
		const { extraction, ai } = await extractor().extract(readText(TEXT), [], options);
		const sent: ChatRequest = fake.log[0].body;
		expect(Object.keys((sent.response_format?.json_schema?.schema as { properties: object }).properties)).toEqual([...RECORD_GROUPS.header, ...RECORD_GROUPS.totals]);
		expect(extraction.invoice).toMatchObject({ invoiceId: 'INV-2024-0042', invoiceTotal: 119, vendor: { name: null }, lineItems: [], payment: { iban: null } });
		expect(ai.fieldConfidence!.invoiceId).toBeGreaterThan(0.95);
		expect(ai.fieldConfidence!['vendor.name']).toBeUndefined();
		expect(ai.checks).toContainEqual({ name: 'ibanChecksum', passed: true, skipped: true, detail: 'skipped: needs payment, not asked of the model (Fields for the Model)' });
		expect(ai.checks).toContainEqual(expect.objectContaining({ name: 'totalsAddUp', passed: true }));
		expect(ai.checks!.filter((c) => !c.passed)).toEqual([expect.objectContaining({ name: 'requiredFieldsPresent', detail: 'missing: vendor.name' })]);

		const local = { invoice: { ...emptyInvoice(), vendor: { name: 'ACME Supplies GmbH', address: null, taxId: null } }, fieldConfidence: { 'vendor.name': 0.7 }, evidence: { 'vendor.name': { quote: 'ACME Supplies GmbH', page: 1 } }, checks: [], confidence: 0.15 };
		const cascade = await extractor().extract(readText(TEXT), [], options, local);
		expect(cascade.extraction.invoice.vendor.name).toBe('ACME Supplies GmbH');
		expect(cascade.ai.fieldConfidence!['vendor.name']).toBe(0.7);
		expect(cascade.extraction.evidence['vendor.name']).toEqual({ quote: 'ACME Supplies GmbH', page: 1 });
		expect(cascade.ai.checks!.every((c) => c.passed)).toBe(true);
	});

	it('drops values in the wrong form to null and says so', async () => {
		fake.configure({ respond: answer({ invoiceId: 'A-1', invoiceDate: '05/03/2024', currency: 'euro' }) });
		const { extraction, ai } = await extractor().extract(readText(TEXT), [], {});
		expect(extraction.invoice).toMatchObject({ invoiceId: 'A-1', invoiceDate: null, currency: null });
		expect(ai.checks![0]).toEqual({ name: 'modelValuesWellFormed', passed: false, detail: 'dropped values not in the required form: invoiceDate, currency' });
		expect(ai.fieldConfidence!.invoiceDate).toBe(0.15);
	});

	it('without logprobs the confidence rests on the checks', async () => {
		fake.configure({ faults: { noLogprobs: true } });
		const { ai } = await extractor().extract(readText(TEXT), [], {});
		expect(ai.confidenceSource).toBe('checks');
		expect(ai.fieldConfidence!.invoiceId).toBe(0.5);
	});

	it('a model that refuses logprobs is asked again without them, and later documents skip them', async () => {
		fake.configure({ faults: { rejectLogprobs: true } });
		const engine = extractor();
		const first = await engine.extract(readText(TEXT), [], {});
		expect(first.extraction.invoice.invoiceId).toBe('INV-2024-0042');
		expect(first.ai).toMatchObject({ confidenceSource: 'checks', attempts: 2 });
		expect(fake.log.map((e) => [e.status, e.body.logprobs])).toEqual([[400, true], [200, false]]);
		const second = await engine.extract(readText(`${TEXT}\nReference: R-2`), [], {});
		expect(second.ai.attempts).toBe(1);
		expect(fake.stats.chatRequests).toBe(3);
	});

	it('rejects garbage answers with the answer quoted', async () => {
		fake.configure({ faults: { garbageContent: true } });
		await expect(extractor().extract(readText(TEXT), [], {})).rejects.toThrow(InvoiceAnswerError);
		fake.configure({ faults: {}, respond: () => ({ content: '{"invoiceId": 42}' }) });
		await expect(extractor().extract(readText(TEXT), [], {})).rejects.toThrow(/^The model's answer is not an invoice record \(.*\): "\{\\"invoiceId\\": 42\}"/);
		fake.configure({ respond: () => ({ content: '{"documentType":"invoice","invoiceId":"A', finish_reason: 'length' }) });
		await expect(extractor().extract(readText(TEXT), [], {})).rejects.toThrow(/stopped before finishing the record/);
	});
});

describe('the endpoint', () => {
	it('retries 429 and 500 answers and counts the attempts', async () => {
		fake.configure({ faults: { rate429: 0.5, rate500: 0.3, retryAfterSeconds: 0 } });
		const engine = extractor({ maxRetries: 20 });
		const texts = [1, 2, 3, 4, 5, 6].map((n) => `${TEXT}\nReference: R-${n}`);
		const results = await Promise.all(texts.map((text) => engine.extract(readText(text), [], {})));
		expect(fake.stats.byStatus[429]).toBeGreaterThan(0);
		expect(fake.stats.byStatus[500]).toBeGreaterThan(0);
		expect(results.every((r) => r.extraction.invoice.invoiceId === 'INV-2024-0042')).toBe(true);
		expect(results.reduce((sum, r) => sum + r.ai.attempts, 0)).toBe(fake.stats.chatRequests);
	});

	it('gives up after the retries with the provider error', async () => {
		fake.configure({ faults: { rate500: 1 } });
		const error = await extractor({ maxRetries: 2 }).extract(readText(TEXT), [], {}).catch((e: unknown) => e);
		expect(error).toBeInstanceOf(LlmRequestError);
		expect((error as LlmRequestError).message).toMatch(/\(HTTP 500\) after 3 attempts$/);
	});

	it('a refused key fails at once, and the node error does not contain the key', async () => {
		const wrongKey = 'sk-wrong-key-777777';
		const error = await extractor({ apiKey: wrongKey }).extract(readText(TEXT), [], {}).catch((e: unknown) => e);
		expect(error).toBeInstanceOf(LlmRequestError);
		expect((error as LlmRequestError).status).toBe(401);
		expect(fake.stats.chatRequests).toBe(1);
		const node = { name: 'Extract Invoice', type: 'extractInvoice', typeVersion: 1, position: [0, 0], parameters: {} } as unknown as INode;
		const nodeError = llmErrorToNodeError(node, error, 0, { baseUrl: fake.baseUrl, apiKey: wrongKey, headers: {} });
		expect(nodeError).toBeInstanceOf(NodeApiError);
		expect(nodeError.message).toMatch(/^Item 0: the model endpoint failed: .*\(HTTP 401\)/);
		expect(JSON.stringify({ message: nodeError.message, description: nodeError.description, cause: (nodeError as NodeApiError).cause })).not.toContain(wrongKey);
	});
});
