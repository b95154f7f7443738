import type { INodeProperties } from 'n8n-workflow';

import { DEFAULT_REQUIRED_FIELDS } from '../shared/invoice/checks';
import { RECORD_GROUP_NAMES, RECORD_GROUPS, type RecordGroup } from '../shared/invoice/schema';
import { cleanInputProperties, redactionProperties } from '../shared/inputPreparation';
import { storeProperties } from '../shared/store/nodeParameters';
import { cascadeThresholdProperty, llmAuthenticationProperty, llmModelProperty, llmRequestOptions } from '../shared/llm/description';

const llmOptions = llmRequestOptions(true);

const GROUP_LABELS = {
	header: 'Header',
	parties: 'Parties',
	addresses: 'Addresses',
	totals: 'Totals',
	payment: 'Payment',
	taxDetails: 'Tax Details',
	lineItems: 'Line Items',
} satisfies Record<RecordGroup, string>;

const fieldsForModel: INodeProperties = {
	displayName: 'Fields for the Model',
	name: 'fieldsForModel',
	type: 'multiOptions',
	options: RECORD_GROUP_NAMES.map((group) => ({ name: GROUP_LABELS[group], value: group, description: RECORD_GROUPS[group].join(', ') })).sort((a, b) => a.name.localeCompare(b.name)),
	default: [...RECORD_GROUP_NAMES],
	description:
		'The parts of the record the model is asked for; fewer cost fewer tokens per document. The rest comes from the local engine in the cascade, else stays empty (null), and checks that need it are listed as skipped.',
	displayOptions: { show: { '/engine': ['openai', 'cascade'] } },
};

export const extractInvoiceProperties: INodeProperties[] = [
	{
		displayName: 'Engine',
		name: 'engine',
		type: 'options',
		noDataExpression: true,
		options: [
			{
				name: 'Local (Offline)',
				value: 'local',
				description: 'Template-free extraction from the text layer or OCR inside n8n: no API key, nothing leaves the machine',
			},
			{
				name: 'OpenAI-Compatible Model',
				value: 'openai',
				description: 'Structured outputs from OpenAI, Azure OpenAI, Ollama, vLLM, LM Studio, OpenRouter…; vision models also see scanned pages',
			},
			{
				name: 'Cascade (Local, Then Model)',
				value: 'cascade',
				description: 'The local engine first; only documents whose required fields it is unsure of go to the model',
			},
		],
		default: 'local',
	},
	cascadeThresholdProperty(
		'Documents whose required fields all reach this confidence with the local engine keep its record (no cost); the others are sent to the model',
	),
	llmAuthenticationProperty,
	llmModelProperty(
		'The model the endpoint should use: one that supports structured outputs (json_schema). Field confidence needs logprobs; page images need a vision model.',
	),
	{
		displayName:
			'Field confidence comes from the token log-probabilities of each value, lowered by failed checks. Endpoints without logprobs still work; confidence then rests on the checks alone.',
		name: 'llmNotice',
		type: 'notice',
		default: '',
		displayOptions: { show: { engine: ['openai', 'cascade'] } },
	},
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
	...cleanInputProperties(
		'Whether to turn HTML into text and normalise Unicode and whitespace before the text is read (nothing is cut: an invoice\'s footer is data). The cleaned text goes to ai.input.text when cleaning changed it.',
		{ inputType: ['text'] },
	),
	...redactionProperties(
		'Whether to replace e-mail addresses, phone numbers, IBANs, card numbers, national IDs and custom patterns in the document\'s text by typed placeholders ([IBAN_1]…) before the request leaves n8n; the extracted record gets the original values back and ai.input.redacted counts what was replaced. Page images are then NOT sent to the model (they would show the values): scans are sent as their OCR text only. The local engine (and the cascade\'s local answers) need none of it.',
	),
	{
		displayName: 'Custom Fields',
		name: 'customFields',
		type: 'fixedCollection',
		typeOptions: { multipleValues: true },
		default: {},
		placeholder: 'Add Custom Field',
		description: 'Extra values to read: found by their label (local engine) or asked of the model by label, type and description',
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
		displayName: 'Detect Duplicates',
		name: 'detectDuplicates',
		type: 'boolean',
		default: false,
		description:
			'Whether to look each invoice up among those already seen (same vendor and invoice ID, or the same file) in the package store. A duplicate gets a failed "duplicate" check, the ID of the invoice it repeats in duplicateOf and a confidence of at most 0.5, so Confidence Router sends it to review.',
	},
	{
		displayName: 'Learn From Reviews (Vendor Memory)',
		name: 'vendorMemory',
		type: 'boolean',
		default: false,
		description:
			'Whether to remember, per vendor, what reviewers correct in Human Review Wait (where each field sits and how it is labelled) and read that vendor\'s next invoices with it first. Human Review Wait must use the same store.',
		displayOptions: { show: { engine: ['local', 'cascade'] } },
	},
	...storeProperties(
		'Where the invoices already seen (Detect Duplicates) and the vendor memories (Learn From Reviews) are kept; Extract Invoice and Human Review Wait must use the same store.',
	),
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		options: [
			llmOptions.concurrency,
			fieldsForModel,
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
			llmOptions.prices,
			{
				displayName: 'Purchase Order',
				name: 'purchaseOrder',
				type: 'json',
				default: '',
				description: 'Match the invoice against this order: {"number", "lines": [{"productCode", "description", "quantity", "unitPrice"}], "total"}',
			},
			llmOptions.requestsPerMinute,
			{
				displayName: 'Required Fields',
				name: 'requiredFields',
				type: 'string',
				default: DEFAULT_REQUIRED_FIELDS.join(', '),
				description: 'Comma-separated field paths that must be found (checked in ai.checks). ai.confidence is the lowest of their confidences; the cascade sends a document to the model when it is below the bar.',
			},
			llmOptions.maxRetries,
			{
				displayName: 'Send Page Images',
				name: 'pageImages',
				type: 'options',
				options: [
					{ name: 'Scans and Photos', value: 'scans', description: 'Pages without a text layer, as the OCR path renders them' },
					{ name: 'All Pages', value: 'all', description: 'Every page read, also those with a text layer (more input tokens)' },
					{ name: 'Never', value: 'never', description: 'Text only: the text layer and the OCR text' },
				],
				default: 'scans',
				description: 'Which pages go to the model as images besides their text (needs a vision model)',
				displayOptions: { show: { '/engine': ['openai', 'cascade'] } },
			},
			llmOptions.timeout,
			llmOptions.tokensPerMinute,
		],
	},
];
