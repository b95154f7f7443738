/**
 * The invoice part of the benchmark: the same invoice texts for Extract Invoice (local engine, text
 * input) and n8n's Information Extractor (OpenAI Chat Model on the test server, fields described as
 * a user would describe an invoice's main fields). The texts are the PDFs' text layers, laid out line
 * by line as an email body holding an invoice would be.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { randomUUID } from 'node:crypto';

import { readDocument, readText } from '../../nodes/shared/documents';
import { buildLines } from '../../nodes/shared/invoice/layout';
import { buildInvoiceRequest } from '../../nodes/shared/invoice/llmEngine';
import { invoiceResponseFormat } from '../../nodes/shared/invoice/llmSchema';
import type { RecordGroup } from '../../nodes/shared/invoice/schema';
import { countTokens, responseFormatText } from '../../test/support/openaiServer';
import type { Execution } from '../../test/harness/n8n';
import { nodeOutput } from '../../test/harness/n8n';
import { node, ourNode, type WorkflowNode } from '../../test/support/workflow';
import { CLASSIFIER_NODE, MODEL } from './workflows';

export interface InvoiceText {
	id: number;
	file: string;
	text: string;
}

/** Text-layer PDFs from the given folders (scans are left out: OCR is measured elsewhere). */
export async function loadInvoiceTexts(folders: string[], count: number): Promise<{ texts: InvoiceText[]; documents: string[] }> {
	const files = folders
		.filter((folder) => fs.existsSync(folder))
		.flatMap((folder) => fs.readdirSync(folder).filter((name) => name.toLowerCase().endsWith('.pdf')).sort().map((name) => path.join(folder, name)));
	const documents: Array<{ file: string; text: string }> = [];
	for (const file of files) {
		const document = await readDocument(new Uint8Array(fs.readFileSync(file)));
		if (document.pages.some((page) => page.source !== 'text-layer')) continue;
		const text = buildLines(document.pages)
			.map((line) => line.segments.map((segment) => segment.text).join('    '))
			.join('\n');
		if (text.trim()) documents.push({ file: path.basename(file), text });
	}
	if (documents.length === 0) throw new Error(`No text-layer invoice PDFs found in ${folders.join(', ')}`);
	// The documents in turn, as often as needed for `count` items, each as its own forwarded message:
	// identical texts would let Extract Invoice answer repeats from one request (it de-duplicates within
	// an execution), which is not what is being compared.
	const texts = Array.from({ length: count }, (_, id) => {
		const document = documents[id % documents.length];
		return { id, file: document.file, text: `Forwarded invoice ${id + 1}\n\n${document.text}` };
	});
	return { texts, documents: documents.map((document) => document.file) };
}

/** What a user would ask the Information Extractor for on an invoice. */
export const INVOICE_ATTRIBUTES = [
	{ name: 'vendorName', type: 'string', description: 'the name of the company that issued the invoice' },
	{ name: 'invoiceNumber', type: 'string', description: 'the invoice number' },
	{ name: 'invoiceDate', type: 'date', description: 'the date the invoice was issued' },
	{ name: 'dueDate', type: 'date', description: 'the date payment is due' },
	{ name: 'customerName', type: 'string', description: 'the name of the customer billed' },
	{ name: 'currency', type: 'string', description: 'the ISO 4217 currency code of the amounts' },
	{ name: 'subtotal', type: 'number', description: 'the total before tax' },
	{ name: 'taxAmount', type: 'number', description: 'the total tax' },
	{ name: 'totalAmount', type: 'number', description: 'the invoice total including tax' },
	{ name: 'iban', type: 'string', description: 'the IBAN to pay to' },
].map((attribute) => ({ ...attribute, required: false }));

export const INFORMATION_EXTRACTOR_VERSION = 1.2;

function chain(extractor: WorkflowNode, path: string, extra: WorkflowNode[] = [], extraConnections: object = {}) {
	return {
		name: `bench ${path}`,
		nodes: [
			node('Webhook', 'n8n-nodes-base.webhook', 2, { httpMethod: 'POST', path, responseMode: 'lastNode', responseData: 'noData', options: {} }, { webhookId: randomUUID() }),
			node('Split Out', 'n8n-nodes-base.splitOut', 1, { fieldToSplitOut: 'body.tickets', options: {} }),
			extractor,
			...extra,
		],
		connections: {
			Webhook: { main: [[{ node: 'Split Out', type: 'main', index: 0 }]] },
			'Split Out': { main: [[{ node: CLASSIFIER_NODE, type: 'main', index: 0 }]] },
			...extraConnections,
		},
		settings: { executionOrder: 'v1' },
	};
}

export function extractInvoiceWorkflow(path: string) {
	return chain(ourNode(CLASSIFIER_NODE, 'extractInvoice', { inputType: 'text', text: '={{ $json.text }}', engine: 'local', options: {} }), path);
}

/** The compact selection of Fields for the Model the benchmark measures: the main fields, no lists, addresses or payment details. */
export const COMPACT_GROUPS: RecordGroup[] = ['header', 'parties', 'totals'];

/** Extract Invoice with the OpenAI-compatible engine, every option at its default unless given. */
export function extractInvoiceLlmWorkflow(path: string, credentialId: string, options: Record<string, unknown> = {}) {
	return chain(
		ourNode(
			CLASSIFIER_NODE,
			'extractInvoice',
			{
				inputType: 'text',
				text: '={{ $json.text }}',
				engine: 'openai',
				authentication: 'openAiCompatibleApi',
				model: { __rl: true, mode: 'id', value: MODEL },
				options,
			},
			{ credentials: { openAiCompatibleApi: { id: credentialId, name: 'Bench server' } } },
		),
		path,
	);
}

/**
 * The whole of Extract Invoice's record as a user of the Information Extractor would give it: its
 * attributes cannot hold lists (line items, tax lines), so as "Generate From JSON Example" with an
 * example invoice of the same fields (one line item and one tax line, as the test model answers).
 */
export const FULL_RECORD_EXAMPLE = {
	documentType: 'invoice',
	invoiceId: 'INV-1001',
	invoiceDate: '2024-03-05',
	dueDate: '2024-04-04',
	serviceStartDate: '2024-02-01',
	serviceEndDate: '2024-02-29',
	purchaseOrder: 'PO-2024-17',
	vendor: { name: 'ACME Supplies GmbH', address: 'Hauptstraße 1, 10115 Berlin', taxId: 'DE123456789' },
	customer: { name: 'Globex Ltd', address: '1 High Street, London', taxId: 'GB123456789', id: 'C-42' },
	billingAddress: '1 High Street, London',
	shippingAddress: '2 Dock Road, London',
	remittanceAddress: 'Hauptstraße 1, 10115 Berlin',
	paymentTerms: '30 days net',
	currency: 'EUR',
	subtotal: 100,
	totalDiscount: 0,
	totalTax: 19,
	invoiceTotal: 119,
	amountPaid: 0,
	amountDue: 119,
	previousUnpaidBalance: 0,
	taxDetails: [{ rate: 19, base: 100, amount: 19 }],
	payment: { iban: 'DE89370400440532013000', bic: 'COBADEFFXXX', accountNumber: '0532013000', reference: 'INV-1001' },
	lineItems: [{ description: 'Consulting', productCode: 'C-1', quantity: 2, unit: 'h', unitPrice: 50, taxRate: 19, tax: 19, amount: 100, date: '2024-02-15' }],
};

export type InformationExtractorFields = { attributes: typeof INVOICE_ATTRIBUTES } | { example: object };

export function informationExtractorWorkflow(path: string, credentialId: string, fields: InformationExtractorFields = { attributes: INVOICE_ATTRIBUTES }) {
	const chatModel = node(
		'OpenAI Chat Model',
		'@n8n/n8n-nodes-langchain.lmChatOpenAi',
		1.3,
		{ model: { __rl: true, mode: 'id', value: MODEL }, options: {} },
		{ credentials: { openAiApi: { id: credentialId, name: 'Bench server (n8n OpenAI)' } } },
	);
	return chain(
		node(CLASSIFIER_NODE, '@n8n/n8n-nodes-langchain.informationExtractor', INFORMATION_EXTRACTOR_VERSION, {
			text: '={{ $json.text }}',
			...('attributes' in fields
				? { schemaType: 'fromAttributes', attributes: { attributes: fields.attributes } }
				: { schemaType: 'fromJson', jsonSchemaExample: JSON.stringify(fields.example, null, 2) }),
			options: {},
		}),
		path,
		[chatModel],
		{ 'OpenAI Chat Model': { ai_languageModel: [[{ node: CLASSIFIER_NODE, type: 'ai_languageModel', index: 0 }]] } },
	);
}

/** Leaves of a record that hold a value (not null, not an empty string); arrays count each leaf. */
export function filledFields(value: unknown): number {
	if (value === null || value === undefined || value === '') return 0;
	if (Array.isArray(value)) return value.reduce((sum: number, entry) => sum + filledFields(entry), 0);
	if (typeof value === 'object') return Object.values(value as Record<string, unknown>).reduce((sum: number, entry) => sum + filledFields(entry), 0);
	return 1;
}

/** Extract Invoice: items that carry an `invoice` record, by their id; and the filled fields of each. */
export function extractedByOurs(execution: Execution): Map<number, number> {
	const extracted = new Map<number, number>();
	for (const item of nodeOutput(execution, CLASSIFIER_NODE)[0] ?? []) {
		const json = item.json as { id?: number; invoice?: unknown };
		if (typeof json.id === 'number' && json.invoice) extracted.set(json.id, filledFields(json.invoice));
	}
	return extracted;
}

/** Information Extractor: its items carry only `output`, in input order (no id is kept). */
export function extractedByTheirs(execution: Execution): Map<number, number> {
	const extracted = new Map<number, number>();
	(nodeOutput(execution, CLASSIFIER_NODE)[0] ?? []).forEach((item, index) => {
		const json = item.json as { output?: unknown; error?: unknown };
		if (json.output && !json.error) extracted.set(index, filledFields(json.output));
	});
	return extracted;
}

/**
 * What Extract Invoice's requests are made of, per document (deterministic: the same texts always
 * give the same counts): the system prompt, the document text, and the strict schema as the test
 * server counts it; and how many values the schema asks for (leaves; an array's item counted once).
 */
export function extractInvoiceRequestParts(texts: InvoiceText[], groups?: RecordGroup[]): { system: number; document: number; schema: number; askedFields: number } {
	let system = 0;
	let document = 0;
	let schema = 0;
	for (const { text } of texts) {
		const request = buildInvoiceRequest(readText(text), { model: MODEL, customFields: [], images: [], groups });
		system += countTokens(MODEL, String(request.messages[0].content));
		document += countTokens(MODEL, String(request.messages[1].content));
		const format = request.response_format as { json_schema: { name: string; schema: Record<string, unknown> } };
		schema += countTokens(MODEL, responseFormatText(format.json_schema));
	}
	const format = invoiceResponseFormat([], groups).json_schema.schema as Record<string, unknown>;
	return { system: system / texts.length, document: document / texts.length, schema: schema / texts.length, askedFields: leaves(format) };
}

function leaves(schema: Record<string, unknown>): number {
	if (schema.properties) return Object.values(schema.properties as Record<string, Record<string, unknown>>).reduce((sum, child) => sum + leaves(child), 0);
	if (schema.items) return leaves(schema.items as Record<string, unknown>);
	return 1;
}
