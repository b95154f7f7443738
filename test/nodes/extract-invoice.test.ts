/**
 * Extract Invoice in-process (n8n-core's WorkflowExecute): text and file input (files stored by
 * n8n-core's binary data service, as n8n 2.x stores an upload), the local, OpenAI-compatible (the
 * test server on 127.0.0.1) and cascade engines, Fields for the Model, Required and Custom Fields,
 * Detect Duplicates on SQLite files, the purchase-order match; then every bad input and endpoint
 * failure as n8n shows it. OCR (seconds per page) is left to test/unit and test/n8n: every file
 * here has a text layer.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

import type { IDataObject, INodeExecutionData, INodeParameters } from 'n8n-workflow';

import { writePdf } from '../fixtures/pdf-writer';
import { runNode, type NodeRun, type RunOptions } from '../harness/inProcess';
import {
	expectEveryItemOnce,
	expectNodeError,
	FIXTURES,
	fileItem,
	jsonOf,
	pairedPerOutput,
	UNOPENABLE_STORE,
	UNOPENABLE_STORE_FIX,
	UNREACHABLE_BASE_URL,
	useOpenAiServer,
	useTempFolder,
} from './support';

const API_KEY = 'sk-test-invoice-0123456789';
const openai = useOpenAiServer({ apiKey: API_KEY, seed: 5 });
const temp = useTempFolder('invoice');

/** The local engine reads this one with confidence (labels it knows, totals that add up)… */
// Field confidence is calibrated on real invoices, where a labelled seller name is right about 2 in 3 times.
const STRONG = ['Seller: ACME Supplies GmbH', 'Invoice ID: INV-2024-0042', 'Invoice Date: 2024-03-05', 'Due Date: 2024-04-04', 'Currency: EUR', 'Subtotal: 100.00', 'Total Tax: 19.00', 'Invoice Total: 119.00'].join('\n');
/** …and not this one: no invoice number, date or currency it can find. */
const WEAK = ['Globex Corporation', 'Reference Number: GX-77', 'Amount Payable: 42.00'].join('\n');

/** A generated invoice with a text layer: two lines, PO-34642 (test/fixtures/invoices/en-US-a.*). */
const EN_US_A = 'invoices/en-US-a.pdf';
const EN_US_A_TRUTH = JSON.parse(fs.readFileSync(path.join(FIXTURES, 'invoices', 'en-US-a.json'), 'utf8'))[0] as {
	invoice_number: string;
	date: string;
	currency: string;
	amount: number;
	po_number: string;
	lines: Array<{ name: string; quantity: number; price_unit: number }>;
};
const ORDER = {
	number: EN_US_A_TRUTH.po_number,
	lines: EN_US_A_TRUTH.lines.map((line) => ({ description: line.name, quantity: line.quantity, unitPrice: line.price_unit })),
};

type Ai = { task: string; engine: string; tier?: string; confidence: number; confidenceSource: string; fieldConfidence: Record<string, number>; checks: Array<{ name: string; passed: boolean; detail: string; skipped?: boolean }>; model?: string; usage?: { inputTokens: number; costUsd?: number }; truncated?: boolean };
const aiOf = (run: NodeRun, index = 0) => jsonOf(run)[index].ai as unknown as Ai;
const invoiceOf = (run: NodeRun, index = 0) => jsonOf(run)[index].invoice as IDataObject;
const check = (run: NodeRun, name: string, index = 0) => aiOf(run, index).checks.find((c) => c.name === name);

function fromText(parameters: INodeParameters, texts: string[] = [STRONG], extra: Partial<RunOptions> = {}) {
	return runNode({ type: 'extractInvoice', parameters: { inputType: 'text', text: '={{ $json.text }}', ...parameters }, items: texts.map((text) => ({ text })), ...extra });
}

function fromFiles(parameters: INodeParameters, items: INodeExecutionData[], extra: Partial<RunOptions> = {}) {
	return runNode({ type: 'extractInvoice', parameters: { inputType: 'binary', ...parameters }, items, ...extra });
}

const withModel = (parameters: INodeParameters = {}): INodeParameters => ({
	engine: 'openai',
	authentication: 'openAiCompatibleApi',
	model: { __rl: true, mode: 'id', value: 'gpt-4o-mini' },
	...parameters,
});

const lastRequest = () => openai.server().log[openai.server().log.length - 1].body;

describe('text input, local engine', () => {
	it('reads the record with evidence, field confidence and checks; the item keeps its fields', async () => {
		const run = await runNode({ type: 'extractInvoice', parameters: { inputType: 'text', text: '={{ $json.body }}' }, items: [{ body: STRONG, ticket: 7 }] });
		expectEveryItemOnce(run, 1);
		const [json] = jsonOf(run);
		expect(json).toMatchObject({ body: STRONG, ticket: 7 });
		expect(json.invoice).toMatchObject({
			documentType: 'invoice',
			invoiceId: 'INV-2024-0042',
			invoiceDate: '2024-03-05',
			dueDate: '2024-04-04',
			vendor: { name: 'ACME Supplies GmbH' },
			currency: 'EUR',
			subtotal: 100,
			totalTax: 19,
			invoiceTotal: 119,
		});
		expect(json.evidence).toMatchObject({ invoiceId: { quote: 'Invoice ID: INV-2024-0042', page: 1 }, invoiceTotal: { quote: 'Invoice Total: 119.00', page: 1 } });
		const ai = aiOf(run);
		expect(ai).toMatchObject({ task: 'extract', engine: 'local', confidenceSource: 'checks', attempts: 1 });
		expect(ai.confidence).toBeGreaterThanOrEqual(0.6);
		expect(ai.fieldConfidence.invoiceTotal).toBeGreaterThanOrEqual(0.9);
		expect(check(run, 'totalsAddUp')).toMatchObject({ passed: true });
		expect(check(run, 'requiredFieldsPresent')).toMatchObject({ passed: true });
		expect(openai.server().stats.requests).toBe(0);
	});

	it('a document missing required fields: the check fails and the confidence is its weakest required field', async () => {
		const run = await fromText({}, [STRONG, WEAK]);
		expect(check(run, 'requiredFieldsPresent', 1)).toEqual({ name: 'requiredFieldsPresent', passed: false, detail: 'missing: invoiceId, invoiceDate, currency' });
		expect(aiOf(run, 1).confidence).toBeLessThan(0.3);
		expect(aiOf(run, 0).confidence).toBeGreaterThan(aiOf(run, 1).confidence);
	});

	it('Required Fields: the fields that must be found, and the confidence they give', async () => {
		const run = await fromText({ options: { requiredFields: 'vendor.name, invoiceTotal, payment.reference' } }, [WEAK]);
		expect(check(run, 'requiredFieldsPresent')).toMatchObject({ passed: true, detail: 'all of vendor.name, invoiceTotal, payment.reference present' });
		const { fieldConfidence, confidence } = aiOf(run);
		expect(confidence).toBeCloseTo(Math.min(fieldConfidence['vendor.name'], fieldConfidence.invoiceTotal, fieldConfidence['payment.reference']), 3);
		const missing = await fromText({ options: { requiredFields: 'invoiceId, customer.name' } }, [STRONG]);
		expect(check(missing, 'requiredFieldsPresent')).toMatchObject({ passed: false, detail: 'missing: customer.name' });
	});

	describe('Custom Fields', () => {
		const text = `${STRONG}\nCost Centre: CC-42\nApproved: yes\nSeats: 12`;

		it('found by their printed label, with confidence and evidence', async () => {
			const run = await fromText({ customFields: { field: [{ name: 'Cost Centre', type: 'string' }, { name: 'Seats', type: 'number' }, { name: 'Project', type: 'string' }] } }, [text]);
			expect(invoiceOf(run).customFields).toMatchObject({ 'Cost Centre': 'CC-42', Seats: 12, Project: null });
			expect(aiOf(run).fieldConfidence['customFields.Cost Centre']).toBeGreaterThan(0.8);
			expect(jsonOf(run)[0].evidence).toMatchObject({ 'customFields.Cost Centre': { quote: 'Cost Centre: CC-42', page: 1 } });
		});

		it('a required custom field that is missing fails the check', async () => {
			const run = await fromText({ customFields: { field: [{ name: 'Project', type: 'string', required: true }] } }, [text]);
			expect(check(run, 'requiredFieldsPresent')).toMatchObject({ passed: false, detail: 'missing: customFields.Project' });
		});

		it('a custom field without a label stops with the fix', async () => {
			const run = await fromText({ customFields: { field: [{ name: 'Cost Centre', type: 'string' }, { name: '', type: 'string' }] } });
			expectNodeError(run, { message: 'Custom field 2 is incomplete', description: 'Give every custom field a label (as printed on the invoice) and a type.', itemIndex: 0 });
		});
	});

	it('empty text fails the item with the fix; Continue On Fail keeps the others', async () => {
		const texts = [STRONG, '   ', WEAK];
		expectNodeError(await fromText({}, texts), {
			message: 'Item 1: The text is empty',
			description: 'Map the field that holds the invoice text (for example the email body).',
			itemIndex: 1,
		});
		const lenient = await fromText({}, texts, { onError: 'continueRegularOutput' });
		expectEveryItemOnce(lenient, 3);
		expect(jsonOf(lenient)[1]).toEqual({ text: '   ', error: 'Item 1: The text is empty', errorDescription: 'Map the field that holds the invoice text (for example the email body).' });
		expect(invoiceOf(lenient, 2)).toMatchObject({ vendor: { name: 'Globex Corporation' } });
	});

	it('Continue (using error output): the failed item leaves on the error output with its fields', async () => {
		const run = await fromText({}, [STRONG, ''], { onError: 'continueErrorOutput' });
		expect(pairedPerOutput(run)).toEqual([[0], [1]]);
		expect(jsonOf(run, 1)).toEqual([{ text: '', error: 'Item 1: The text is empty' }]);
	});

	it('an empty Text parameter is a parameter issue: n8n does not run the workflow', async () => {
		await expect(runNode({ type: 'extractInvoice', parameters: { inputType: 'text', text: '' }, items: [{}] })).rejects.toThrow(/Parameter "Text" is required/);
	});
});

describe('file input', () => {
	it('a PDF with a text layer: the record, and the file passed on', async () => {
		const item = await fileItem(EN_US_A, 'application/pdf', { json: { source: 'upload' } });
		const run = await fromFiles({}, [item]);
		expectEveryItemOnce(run, 1);
		expect(invoiceOf(run)).toMatchObject({
			invoiceId: EN_US_A_TRUTH.invoice_number,
			invoiceDate: EN_US_A_TRUTH.date,
			currency: EN_US_A_TRUTH.currency,
			invoiceTotal: EN_US_A_TRUTH.amount,
			purchaseOrder: EN_US_A_TRUTH.po_number,
			lineItems: EN_US_A_TRUTH.lines.map((line) => expect.objectContaining({ description: line.name, quantity: line.quantity, unitPrice: line.price_unit })),
		});
		expect(jsonOf(run)[0].source).toBe('upload');
		expect(run.outputs[0][0].binary).toEqual(item.binary);
		expect(check(run, 'lineItemsSumToSubtotal')).toMatchObject({ passed: true });
	});

	it('another Input Binary Field', async () => {
		const run = await fromFiles({ binaryPropertyName: 'invoice' }, [await fileItem(EN_US_A, 'application/pdf', { property: 'invoice' })]);
		expect(invoiceOf(run).invoiceId).toBe(EN_US_A_TRUTH.invoice_number);
	});

	it('Max Pages: later pages are not read, and ai.truncated says so', async () => {
		// Both pages with a text layer (enough characters), so that no page goes to OCR.
		const pdf = writePdf([
			[{ x: 50, y: 60, text: 'ACME Supplies GmbH' }, { x: 50, y: 90, text: 'Invoice ID: INV-9' }],
			[{ x: 50, y: 60, text: 'Invoice Total: 10.00' }, { x: 50, y: 90, text: 'Thank you for your order.' }],
		]);
		const all = await fromFiles({}, [await fileItem(pdf, 'application/pdf', { fileName: 'two.pdf' })]);
		expect(invoiceOf(all).invoiceTotal).toBe(10);
		expect(aiOf(all).truncated).toBeUndefined();
		const first = await fromFiles({ options: { maxPages: 1 } }, [await fileItem(pdf, 'application/pdf', { fileName: 'two.pdf' })]);
		expect(invoiceOf(first)).toMatchObject({ invoiceId: 'INV-9', invoiceTotal: null });
		expect(aiOf(first).truncated).toBe(true);
	});

	it('an item without the binary property: the properties it has, and the fix', async () => {
		const run = await fromFiles({}, [await fileItem(EN_US_A, 'application/pdf', { property: 'attachment_0' })]);
		expectNodeError(run, {
			message: 'Item 0 has no binary property "data"',
			description: 'Set "Input Binary Field" to the property that holds the file (this item has: attachment_0).',
			itemIndex: 0,
		});
		expectNodeError(await fromFiles({}, [{ json: { text: STRONG } }]), { message: 'Item 0 has no binary property "data"', description: /this item has: no binary data/ });
	});

	it('a file that is not a PDF or an image', async () => {
		const run = await fromFiles({}, [await fileItem(Buffer.from('just some notes, not an invoice'), 'text/plain', { fileName: 'notes.txt' })]);
		expectNodeError(run, { message: /^Item 0: .*not a PDF, PNG, JPEG, TIFF or WebP/, itemIndex: 0 });
	});

	it('a corrupt PDF: the item named, the fix shown; with Continue On Fail the others go on', async () => {
		const corrupt = fs.readFileSync(path.join(FIXTURES, 'invoice2data', 'oyo.pdf')).subarray(0, 3000);
		const items = [await fileItem(EN_US_A, 'application/pdf'), await fileItem(corrupt, 'application/pdf', { fileName: 'broken.pdf' })];
		expectNodeError(await fromFiles({}, items), { message: /^Item 1: The PDF could not be opened/, description: /download it again/, itemIndex: 1 });
		const lenient = await fromFiles({}, items, { onError: 'continueRegularOutput' });
		expectEveryItemOnce(lenient, 2);
		expect(invoiceOf(lenient, 0).invoiceId).toBe(EN_US_A_TRUTH.invoice_number);
		expect(jsonOf(lenient)[1]).toEqual({ error: expect.stringMatching(/^Item 1: The PDF could not be opened/), errorDescription: expect.stringMatching(/download it again/) });
		// The failed item keeps its file.
		expect(lenient.outputs[0][1].binary).toEqual(items[1].binary);
	});
});

describe('OpenAI-compatible engine', () => {
	it('returns the record with field confidence from logprobs and usage, through a strict json_schema', async () => {
		const run = await fromText(withModel(), [STRONG], { credentials: openai.credentials() });
		expectEveryItemOnce(run, 1);
		expect(invoiceOf(run)).toMatchObject({ invoiceId: 'INV-2024-0042', invoiceDate: '2024-03-05', currency: 'EUR', invoiceTotal: 119 });
		const ai = aiOf(run);
		expect(ai).toMatchObject({ task: 'extract', engine: 'openai', confidenceSource: 'logprobs', model: 'gpt-4o-mini' });
		expect(ai.fieldConfidence.invoiceId).toBeGreaterThan(0.95);
		expect(ai.usage!.inputTokens).toBeGreaterThan(100);
		expect(ai.usage!.costUsd).toBeGreaterThan(0);
		expect(jsonOf(run)[0].evidence).toMatchObject({ invoiceId: { quote: 'Invoice ID: INV-2024-0042', page: 1 } });
		expect(lastRequest()).toMatchObject({ logprobs: true, response_format: { type: 'json_schema', json_schema: { strict: true } } });
		expect(lastRequest().messages[1].content).toBe(`--- Page 1 ---\n${STRONG}`);
	});

	it("n8n's own OpenAI credential works the same", async () => {
		const run = await fromText(withModel({ authentication: 'openAiApi' }), [STRONG], { credentials: { openAiApi: { apiKey: API_KEY, url: openai.server().baseUrl } } });
		expect(invoiceOf(run).invoiceId).toBe('INV-2024-0042');
	});

	describe('Fields for the Model', () => {
		it('asks only for the chosen groups; the rest stays empty and its checks are skipped', async () => {
			const run = await fromText(withModel({ options: { fieldsForModel: ['header', 'parties', 'totals'] } }), [STRONG], { credentials: openai.credentials() });
			const schema = lastRequest().response_format.json_schema.schema;
			expect(Object.keys(schema.properties)).not.toContain('lineItems');
			expect(invoiceOf(run)).toMatchObject({ invoiceId: 'INV-2024-0042', invoiceTotal: 119, lineItems: [], billingAddress: null, payment: { iban: null } });
			expect(check(run, 'ibanChecksum')).toMatchObject({ passed: true, skipped: true });
		});

		it('every group chosen is the whole record', async () => {
			await fromText(withModel({ options: { fieldsForModel: ['header', 'parties', 'addresses', 'totals', 'payment', 'taxDetails', 'lineItems'] } }), [STRONG], { credentials: openai.credentials() });
			expect(Object.keys(lastRequest().response_format.json_schema.schema.properties)).toContain('lineItems');
		});

		it('no group chosen stops with the fix, before any request', async () => {
			const run = await fromText(withModel({ options: { fieldsForModel: [] } }), [STRONG], { credentials: openai.credentials() });
			expectNodeError(run, { message: 'Fields for the Model has no group chosen', description: /Choose at least one group/, itemIndex: 0 });
			expect(openai.server().stats.requests).toBe(0);
		});

		it('a required field it leaves out stops with the fix, before any request', async () => {
			const run = await fromText(withModel({ options: { fieldsForModel: ['totals'] } }), [STRONG], { credentials: openai.credentials() });
			expectNodeError(run, {
				message: 'Required Fields lists invoiceId, invoiceDate, vendor.name, currency, which Fields for the Model does not ask for',
				description: 'Add the group that holds these fields to Fields for the Model, or remove them from Required Fields.',
				itemIndex: 0,
			});
			expect(openai.server().stats.requests).toBe(0);
		});

		it('the local engine ignores it', async () => {
			const run = await fromText({ engine: 'local', options: { fieldsForModel: [] } });
			expect(run.error).toBeUndefined();
		});
	});

	describe('Send Page Images', () => {
		it('"All Pages": a PDF page goes to the model as a PNG beside its text', async () => {
			await fromFiles(withModel({ options: { pageImages: 'all' } }), [await fileItem(EN_US_A, 'application/pdf')], { credentials: openai.credentials() });
			const [text, image] = lastRequest().messages[1].content;
			expect(text).toMatchObject({ type: 'text', text: expect.stringMatching(/^--- Page 1 ---\n/) });
			expect(image.image_url.url).toMatch(/^data:image\/png;base64,iVBORw0KGgo/);
		});

		it('"Scans and Photos" (the default) and "Never": a page with a text layer goes as text only', async () => {
			for (const pageImages of [undefined, 'never']) {
				await fromFiles(withModel({ options: pageImages ? { pageImages } : {} }), [await fileItem(EN_US_A, 'application/pdf')], { credentials: openai.credentials() });
				expect(typeof lastRequest().messages[1].content).toBe('string');
			}
		});
	});

	describe('failures: the item and the provider message, never the key', () => {
		it('a refused key: 401; Continue On Fail carries the error and the fix', async () => {
			const wrong = 'sk-wrong-invoice-key-31337';
			const credentials = openai.credentials({ apiKey: wrong });
			expectNodeError(await fromText(withModel(), [STRONG], { credentials }), {
				message: /^Item 0: the model endpoint failed: .*\(HTTP 401\)/,
				description: 'The API key was refused. Check the credential.',
				itemIndex: 0,
			});
			const lenient = await fromText(withModel(), [STRONG, WEAK], { credentials, onError: 'continueRegularOutput' });
			expectEveryItemOnce(lenient, 2);
			expect(jsonOf(lenient)[1]).toMatchObject({ text: WEAK, error: expect.stringMatching(/^Item 1: .*HTTP 401/), errorDescription: 'The API key was refused. Check the credential.' });
			expect(JSON.stringify(lenient.run.data)).not.toContain(wrong);
		});

		it('an unreachable endpoint', async () => {
			const run = await fromText(withModel({ options: { maxRetries: 0 } }), [STRONG], { credentials: openai.credentials({ baseUrl: UNREACHABLE_BASE_URL }) });
			expectNodeError(run, { message: /^Item 0: the model endpoint failed: Connection error/, description: /Check that the Base URL is reachable/ });
		});

		it('an answer that is not the record asked for', async () => {
			openai.server().configure({ faults: { garbageContent: true } });
			const run = await fromText(withModel({ options: { maxRetries: 0 } }), [STRONG], { credentials: openai.credentials() });
			expectNodeError(run, {
				message: /^Item 0: /,
				description: 'The model did not return a usable invoice record. Use a model that supports structured outputs (json_schema), or Continue On Fail.',
				itemIndex: 0,
			});
		});

		it('a server error without retries', async () => {
			openai.server().configure({ faults: { rate500: 1 } });
			const run = await fromText(withModel({ options: { maxRetries: 0 } }), [STRONG], { credentials: openai.credentials() });
			expectNodeError(run, { message: /\(HTTP 500\)/, description: 'The endpoint kept failing. Try again later, or raise Retries in the options.', httpCode: '500' });
		});

		it('a credential whose Custom Headers are not JSON stops before any request', async () => {
			const run = await fromText(withModel(), [STRONG], { credentials: openai.credentials({ customHeaders: 'api-key: x' }) });
			expectNodeError(run, { message: /is not valid JSON/, description: 'Check the credential (Custom Headers must be JSON) and the Prices option (JSON).' });
			expect(openai.server().stats.requests).toBe(0);
		});

		it('no credential', async () => {
			const run = await fromText(withModel(), [STRONG], { credentials: {} });
			expectNodeError(run, { message: 'Node does not have any credentials set for "openAiCompatibleApi"' });
		});
	});
});

describe('cascade', () => {
	it('only the document the local engine is unsure of goes to the model', async () => {
		const run = await fromText(withModel({ engine: 'cascade', cascadeThreshold: 0.6 }), [STRONG, WEAK], { credentials: openai.credentials() });
		expectEveryItemOnce(run, 2);
		expect(aiOf(run, 0)).toMatchObject({ engine: 'cascade', tier: 'local' });
		expect(aiOf(run, 0).usage).toBeUndefined();
		expect(aiOf(run, 1)).toMatchObject({ engine: 'cascade', tier: 'llm', confidenceSource: 'logprobs', model: 'gpt-4o-mini' });
		expect(openai.server().stats.chatRequests).toBe(1);
		expect(JSON.stringify(lastRequest().messages)).toContain('GX-77');
	});

	it('fields not asked of the model come from the local engine', async () => {
		const run = await fromText(withModel({ engine: 'cascade', cascadeThreshold: 1, options: { fieldsForModel: ['header', 'parties', 'totals'] } }), [WEAK], { credentials: openai.credentials() });
		expect(aiOf(run).tier).toBe('llm');
		expect(Object.keys(lastRequest().response_format.json_schema.schema.properties)).not.toContain('payment');
		expect(invoiceOf(run).payment).toMatchObject({ reference: 'GX-77' });
	});

	it('a bar of 0 keeps everything local', async () => {
		const run = await fromText(withModel({ engine: 'cascade', cascadeThreshold: 0 }), [STRONG, WEAK], { credentials: openai.credentials() });
		expect([aiOf(run, 0).tier, aiOf(run, 1).tier]).toEqual(['local', 'local']);
		expect(openai.server().stats.requests).toBe(0);
	});
});

describe('Detect Duplicates', () => {
	it('an invoice seen in an earlier execution: a failed duplicate check, duplicateOf, confidence at most 0.5', async () => {
		const store = temp.store();
		const parameters = { detectDuplicates: true, ...store };
		const first = await fromText(parameters, [STRONG]);
		expect(check(first, 'duplicate')).toBeUndefined();
		expect(jsonOf(first)[0].duplicateOf).toBeUndefined();

		const second = await fromText(parameters, [STRONG, WEAK]);
		const firstExecution = first.additionalData.executionId;
		expect(check(second, 'duplicate')).toEqual({
			name: 'duplicate',
			passed: false,
			detail: expect.stringMatching(new RegExp(`^same file and same vendor \\(name:acme supplies gmbh\\) and invoice id \\(INV20240042\\) as item 0 of execution ${firstExecution} \\(workflow wf-in-process, node "Node"\\) at \\d{4}-`)),
		});
		expect(jsonOf(second)[0].duplicateOf).toEqual([
			{ workflowId: 'wf-in-process', executionId: firstExecution, nodeName: 'Node', itemIndex: 0, seenAt: expect.any(String), reasons: ['sameFile', 'sameVendorAndInvoiceId'] },
		]);
		expect(aiOf(second).confidence).toBeLessThanOrEqual(0.5);
		expect(aiOf(second).confidenceSource).toBe('checks');
		// The other invoice was not seen before.
		expect(check(second, 'duplicate', 1)).toBeUndefined();
	});

	it('the same vendor and invoice id in another file is a duplicate; the same file too', async () => {
		const parameters = { detectDuplicates: true, ...temp.store() };
		await fromText(parameters, [STRONG]);
		const resent = await fromText(parameters, [`${STRONG}\nThank you for your business!`]);
		expect((jsonOf(resent)[0].duplicateOf as IDataObject[])[0].reasons).toEqual(['sameVendorAndInvoiceId']);

		const pdf = await fileItem(EN_US_A, 'application/pdf');
		await fromFiles(parameters, [pdf]);
		const again = await fromFiles(parameters, [await fileItem(EN_US_A, 'application/pdf', { fileName: 'copy.pdf' })]);
		expect((jsonOf(again)[0].duplicateOf as IDataObject[])[0].reasons).toEqual(['sameFile', 'sameVendorAndInvoiceId']);
	});

	it('off by default: nothing is looked up or stored', async () => {
		await fromText({}, [STRONG]);
		const run = await fromText({}, [STRONG]);
		expect(check(run, 'duplicate')).toBeUndefined();
	});

	it('a store that cannot be opened fails every item with the fix; Continue On Fail carries it', async () => {
		const parameters = { detectDuplicates: true, ...UNOPENABLE_STORE };
		expectNodeError(await fromText(parameters, [STRONG, WEAK]), {
			message: /^The store of invoices already seen cannot be opened: Cannot open the embedded store file /,
			description: UNOPENABLE_STORE_FIX,
		});
		const lenient = await fromText(parameters, [STRONG, WEAK], { onError: 'continueRegularOutput' });
		expectEveryItemOnce(lenient, 2);
		for (const json of jsonOf(lenient)) {
			expect(json).toMatchObject({ error: expect.stringMatching(/^The store of invoices already seen cannot be opened/), errorDescription: UNOPENABLE_STORE_FIX });
			expect(json.invoice).toBeUndefined();
		}
	});
});

describe('Purchase Order match', () => {
	let invoice: INodeExecutionData;
	beforeAll(async () => {
		invoice = await fileItem(EN_US_A, 'application/pdf');
	});
	const match = (options: IDataObject) => fromFiles({ options } as INodeParameters, [invoice]);
	const matchOf = (run: NodeRun) => jsonOf(run)[0].match as { matched: boolean; issues: Array<{ code: string; line: number | null }> };

	it('an invoice that matches its order, line by line', async () => {
		const run = await match({ purchaseOrder: JSON.stringify(ORDER) });
		expect(matchOf(run)).toEqual({ matched: true, issues: [], lines: [{ invoiceLine: 0, orderLine: 0 }, { invoiceLine: 1, orderLine: 1 }] });
		expect(check(run, 'purchaseOrderMatch')).toEqual({ name: 'purchaseOrderMatch', passed: true, detail: 'all lines match the order' });
	});

	it('the order as an object from an expression', async () => {
		const run = await fromFiles({ options: { purchaseOrder: '={{ $json.po }}' } }, [{ ...invoice, json: { po: ORDER } }]);
		expect(matchOf(run).matched).toBe(true);
	});

	it('price, quantity, line and PO-number differences are named by code', async () => {
		const order = {
			number: 'PO-99999',
			lines: [
				{ description: 'Annual maintenance', quantity: 5, unitPrice: 394.49 },
				{ description: 'Software licence', quantity: 9, unitPrice: 700 },
			],
		};
		const run = await match({ purchaseOrder: JSON.stringify(order) });
		expect(matchOf(run).matched).toBe(false);
		expect(matchOf(run).issues.map((issue) => [issue.code, issue.line])).toEqual([['PO_NUMBER_MISMATCH', null], ['QTY_MISMATCH', 0], ['PRICE_VARIANCE', 1]]);
		expect(check(run, 'purchaseOrderMatch')).toEqual({ name: 'purchaseOrderMatch', passed: false, detail: 'PO_NUMBER_MISMATCH, QTY_MISMATCH, PRICE_VARIANCE' });
		expect(aiOf(run).confidenceSource).toBe('checks');
	});

	it('Price Tolerance (%) allows small price differences', async () => {
		const order = { ...ORDER, lines: ORDER.lines.map((line) => ({ ...line, unitPrice: line.unitPrice * 1.02 })) };
		expect(matchOf(await match({ purchaseOrder: JSON.stringify(order) })).issues.map((i) => i.code)).toEqual(['PRICE_VARIANCE', 'PRICE_VARIANCE']);
		expect(matchOf(await match({ purchaseOrder: JSON.stringify(order), priceTolerancePercent: 3 })).matched).toBe(true);
	});

	it('a line not on the order', async () => {
		const run = await match({ purchaseOrder: JSON.stringify({ lines: [ORDER.lines[0]] }) });
		expect(matchOf(run).issues).toEqual([expect.objectContaining({ code: 'MISSING_PO_LINE', line: 1 })]);
	});

	it('Goods Receipt: more invoiced than received', async () => {
		const receipt = { lines: [{ description: 'Annual maintenance', quantity: 6 }, { description: 'Software licence', quantity: 4 }] };
		const run = await match({ purchaseOrder: JSON.stringify(ORDER), goodsReceipt: JSON.stringify(receipt) });
		expect(matchOf(run).issues).toEqual([expect.objectContaining({ code: 'QTY_OVER_RECEIPT', line: 1 })]);
	});

	const bad: Array<[string, IDataObject, string | RegExp, string | RegExp]> = [
		['an order that is not JSON', { purchaseOrder: '{lines: []' }, 'Purchase Order is not valid JSON', 'Pass an object or an expression such as {{ $json.po }} for "Purchase Order".'],
		['an order without lines', { purchaseOrder: '{"number": "PO-1"}' }, /^Purchase Order has the wrong shape: /, 'Expected {"lines": [{"productCode" or "description", "quantity", "unitPrice"}]}.'],
		['a line without a quantity', { purchaseOrder: '{"lines": [{"description": "x"}]}' }, /^Purchase Order has the wrong shape: /, /Expected/],
		['a receipt that is not JSON', { purchaseOrder: JSON.stringify(ORDER), goodsReceipt: 'received all' }, 'Goods Receipt is not valid JSON', /"Goods Receipt"/],
	];
	it.each(bad)('%s stops with the fix', async (_name, options, message, description) => {
		expectNodeError(await match(options), { message, description, itemIndex: 0 });
	});

	it('with Continue On Fail a bad order fails only the items it is given to', async () => {
		const run = await fromFiles({ options: { purchaseOrder: '={{ $json.po }}' } }, [{ ...invoice, json: { po: ORDER } }, { ...invoice, json: { po: 'not json' } }], { onError: 'continueRegularOutput' });
		expectEveryItemOnce(run, 2);
		expect(matchOf(run).matched).toBe(true);
		expect(jsonOf(run)[1]).toMatchObject({ po: 'not json', error: 'Purchase Order is not valid JSON' });
	});
});
