import {
	NodeConnectionTypes,
	NodeOperationError,
	type IDataObject,
	type IExecuteFunctions,
	type INode,
	type INodeExecutionData,
	type INodeType,
	type INodeTypeDescription,
} from 'n8n-workflow';
import type { z } from 'zod/v4';
import type { AiResult } from '../shared/contract';
import { DocumentError, OcrSession, OCR_LANGUAGES, readDocument, readText, type OcrLanguage } from '../shared/documents';
import { DEFAULT_REQUIRED_FIELDS } from '../shared/invoice/checks';
import { runLocalEngine } from '../shared/invoice/engine';
import { goodsReceiptSchema, matchPurchaseOrder, purchaseOrderSchema } from '../shared/invoice/match';
import { customFieldSchema, type CustomField } from '../shared/invoice/schema';

interface Options {
	maxPages?: number;
	ocrLanguages?: OcrLanguage[];
	requiredFields?: string;
	purchaseOrder?: unknown;
	goodsReceipt?: unknown;
	priceTolerancePercent?: number;
}

export class ExtractInvoice implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Extract Invoice',
		name: 'extractInvoice',
		icon: { light: 'file:extractInvoice.svg', dark: 'file:extractInvoice.dark.svg' },
		group: ['transform'],
		version: 1,
		usableAsTool: true,
		subtitle: '={{"engine: " + $parameter["engine"]}}',
		description: 'Turn an invoice PDF, scan, photo or text into a checked record with per-field confidence',
		defaults: { name: 'Extract Invoice' },
		codex: {
			categories: ['AI'],
			subcategories: { AI: ['Document Processing'] },
			alias: ['invoice', 'OCR', 'PDF', 'receipt', 'accounts payable', 'extract'],
		},
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		properties: [
			{
				displayName: 'Input',
				name: 'inputType',
				type: 'options',
				options: [
					{ name: 'File (PDF or Image)', value: 'binary', description: 'A PDF (text layer or scan), PNG, JPEG, TIFF or WebP' },
					{ name: 'Text', value: 'text', description: 'The invoice as plain text, e.g. an email body' },
				],
				default: 'binary',
			},
			{
				displayName: 'Input Binary Field',
				name: 'binaryPropertyName',
				type: 'string',
				default: 'data',
				required: true,
				displayOptions: { show: { inputType: ['binary'] } },
				hint: 'The name of the binary property that holds the invoice file',
			},
			{
				displayName: 'Text',
				name: 'text',
				type: 'string',
				typeOptions: { rows: 6 },
				default: '',
				required: true,
				displayOptions: { show: { inputType: ['text'] } },
			},
			{
				displayName: 'Engine',
				name: 'engine',
				type: 'options',
				options: [
					{
						name: 'Local (Offline)',
						value: 'local',
						description: 'Template-free extraction from the text layer or OCR inside n8n: no API key, nothing leaves the machine',
					},
				],
				default: 'local',
			},
			{
				displayName: 'Custom Fields',
				name: 'customFields',
				type: 'fixedCollection',
				typeOptions: { multipleValues: true },
				default: {},
				placeholder: 'Add Custom Field',
				description: 'Extra values to read, found by their label in the document',
				options: [
					{
						name: 'field',
						displayName: 'Field',
						values: [
							{ displayName: 'Label', name: 'name', type: 'string', default: '', description: 'The label as printed, e.g. "Cost Centre"' },
							{
								displayName: 'Type',
								name: 'type',
								type: 'options',
								options: [
									{ name: 'Boolean', value: 'boolean' },
									{ name: 'Date', value: 'date' },
									{ name: 'Number', value: 'number' },
									{ name: 'String', value: 'string' },
								],
								default: 'string',
							},
							{ displayName: 'Description', name: 'description', type: 'string', default: '' },
							{ displayName: 'Required', name: 'required', type: 'boolean', default: false },
						],
					},
				],
			},
			{
				displayName: 'Options',
				name: 'options',
				type: 'collection',
				placeholder: 'Add Option',
				default: {},
				options: [
					{
						displayName: 'Goods Receipt',
						name: 'goodsReceipt',
						type: 'json',
						default: '',
						description: 'Received quantities for the three-way match: {"lines": [{"productCode", "description", "quantity"}]}',
					},
					{
						displayName: 'Max Pages',
						name: 'maxPages',
						type: 'number',
						typeOptions: { minValue: 0 },
						default: 10,
						description: 'Read at most this many pages of a PDF (0 = all)',
					},
					{
						displayName: 'OCR Languages',
						name: 'ocrLanguages',
						type: 'multiOptions',
						options: [
							{ name: 'English', value: 'eng' },
							{ name: 'French', value: 'fra' },
							{ name: 'German', value: 'deu' },
						],
						default: ['eng', 'deu', 'fra'],
						description: 'Languages for scans and photos (fewer is faster)',
					},
					{
						displayName: 'Price Tolerance (%)',
						name: 'priceTolerancePercent',
						type: 'number',
						default: 1,
						description: 'How far an invoiced unit price may differ from the order before PRICE_VARIANCE',
					},
					{
						displayName: 'Purchase Order',
						name: 'purchaseOrder',
						type: 'json',
						default: '',
						description: 'Match the invoice against this order: {"number", "lines": [{"productCode", "description", "quantity", "unitPrice"}], "total"}',
					},
					{
						displayName: 'Required Fields',
						name: 'requiredFields',
						type: 'string',
						default: DEFAULT_REQUIRED_FIELDS.join(', '),
						description: 'Comma-separated field paths that must be found (checked in ai.checks)',
					},
				],
			},
		],
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const items = this.getInputData();
		const results: INodeExecutionData[] = [];
		const sessions = new Map<string, OcrSession>();
		const ocrFor = (languages: OcrLanguage[]): OcrSession => {
			const key = [...languages].sort().join('+');
			let session = sessions.get(key);
			if (!session) {
				session = new OcrSession(languages);
				sessions.set(key, session);
			}
			return session;
		};
		try {
			for (let itemIndex = 0; itemIndex < items.length; itemIndex++) {
				const started = Date.now();
				try {
					const inputType = this.getNodeParameter('inputType', itemIndex) as string;
					const options = this.getNodeParameter('options', itemIndex, {}) as Options;
					const languages = (options.ocrLanguages?.length ? options.ocrLanguages : [...OCR_LANGUAGES]).filter((l) => (OCR_LANGUAGES as readonly string[]).includes(l));
					const customFields = readCustomFields.call(this, itemIndex);
					let document;
					if (inputType === 'text') {
						document = readText(String(this.getNodeParameter('text', itemIndex) ?? ''));
					} else {
						const property = this.getNodeParameter('binaryPropertyName', itemIndex) as string;
						const binary = items[itemIndex].binary?.[property];
						if (!binary) {
							throw new NodeOperationError(this.getNode(), `Item ${itemIndex} has no binary property "${property}"`, {
								itemIndex,
								description: `Set "Input Binary Field" to the property that holds the file (this item has: ${Object.keys(items[itemIndex].binary ?? {}).join(', ') || 'no binary data'}).`,
							});
						}
						const data = await this.helpers.getBinaryDataBuffer(itemIndex, property);
						document = await readDocument(data, { maxPages: options.maxPages ?? 10, ocr: ocrFor(languages) });
					}
					const requiredFields = options.requiredFields?.split(',').map((f) => f.trim()).filter(Boolean);
					const result = runLocalEngine(document, { customFields, requiredFields });
					const json: IDataObject = { ...items[itemIndex].json, invoice: result.invoice as unknown as IDataObject, evidence: result.evidence as unknown as IDataObject };
					const checks = [...result.checks];
					if (options.purchaseOrder !== undefined && options.purchaseOrder !== '') {
						const order = parseJsonOption(this.getNode(), purchaseOrderSchema, options.purchaseOrder, 'Purchase Order', itemIndex);
						const receipt = options.goodsReceipt ? parseJsonOption(this.getNode(), goodsReceiptSchema, options.goodsReceipt, 'Goods Receipt', itemIndex) : undefined;
						const match = matchPurchaseOrder(result.invoice, order, receipt, options.priceTolerancePercent ?? 1);
						json.match = match as unknown as IDataObject;
						checks.push({ name: 'purchaseOrderMatch', passed: match.matched, detail: match.matched ? 'all lines match the order' : match.issues.map((i) => i.code).join(', ') });
					}
					const usedChecks = checks.length > 1 || checks.some((c) => c.name !== 'requiredFieldsPresent');
					const ai: AiResult = {
						task: 'extract',
						confidence: result.confidence,
						confidenceSource: usedChecks ? 'checks' : 'local',
						fieldConfidence: result.fieldConfidence,
						checks,
						engine: 'local',
						latencyMs: Date.now() - started,
						attempts: 1,
						truncated: document.truncated || undefined,
						at: new Date().toISOString(),
					};
					json.ai = ai as unknown as IDataObject;
					results.push({ json, binary: items[itemIndex].binary, pairedItem: { item: itemIndex } });
				} catch (caught) {
					const error = toNodeError.call(this, caught, itemIndex);
					if (this.continueOnFail()) {
						results.push({ json: { ...items[itemIndex].json, error: error.message, errorDescription: error.description ?? undefined }, binary: items[itemIndex].binary, pairedItem: { item: itemIndex } });
						continue;
					}
					throw error;
				}
			}
		} finally {
			for (const session of sessions.values()) await session.close().catch(() => undefined);
		}
		return [results];
	}
}

function toNodeError(this: IExecuteFunctions, error: unknown, itemIndex: number): NodeOperationError {
	if (error instanceof NodeOperationError) return error;
	if (error instanceof DocumentError) {
		return new NodeOperationError(this.getNode(), `Item ${itemIndex}: ${error.message}`, { itemIndex, description: error.hint });
	}
	return new NodeOperationError(this.getNode(), error instanceof Error ? error : new Error(String(error)), { itemIndex });
}

function readCustomFields(this: IExecuteFunctions, itemIndex: number): CustomField[] {
	const raw = this.getNodeParameter('customFields.field', itemIndex, []) as unknown[];
	return raw.map((field, i) => {
		const parsed = customFieldSchema.safeParse(field);
		if (!parsed.success) {
			throw new NodeOperationError(this.getNode(), `Custom field ${i + 1} is incomplete`, { itemIndex, description: 'Give every custom field a label (as printed on the invoice) and a type.' });
		}
		return parsed.data;
	});
}

function parseJsonOption<T>(node: INode, schema: z.ZodType<T>, value: unknown, name: string, itemIndex: number): T {
	let data = value;
	if (typeof value === 'string') {
		try {
			data = JSON.parse(value);
		} catch {
			throw new NodeOperationError(node, `${name} is not valid JSON`, { itemIndex, description: `Pass an object or an expression such as {{ $json.po }} for "${name}".` });
		}
	}
	const parsed = schema.safeParse(data);
	if (!parsed.success) {
		throw new NodeOperationError(node, `${name} has the wrong shape: ${parsed.error.message}`, { itemIndex, description: 'Expected {"lines": [{"productCode" or "description", "quantity", "unitPrice"}]}.' });
	}
	return parsed.data;
}
