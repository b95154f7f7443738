import {
	NodeApiError,
	NodeConnectionTypes,
	NodeOperationError,
	type IDataObject,
	type IExecuteFunctions,
	type INode,
	type INodeExecutionData,
	type INodeType,
	type INodeTypeDescription,
} from 'n8n-workflow';
import { settingsErrorsOnItems } from '../shared/continueOnFail';
import type { z } from 'zod/v4';
import type { AiResult, Check, InputRecord } from '../shared/contract';
import { nodeVersion, PREPARED_VERSION, prepareErrorToNodeError, readCleanInput, readRedaction } from '../shared/inputPreparation';
import { cleanText, describeInput, PrepareInputError, redact, type CleanResult } from '../shared/prepare';
import { failedItem } from '../shared/failedItem';
import { checkFileSize, DocumentError, OCR_LANGUAGES, readDocument, readText, type OcrLanguage, type ReadDocument } from '../shared/documents';
import { processDocumentsInTurn } from '../shared/documents/inTurn';
import { pageImages, type PageImage, type PageImageMode } from '../shared/documents/pageImages';
import { requiredPaths, runLocalEngine } from '../shared/invoice/engine';
import { documentText, InvoiceAnswerError, LlmInvoiceExtractor, type PreparedDocumentText } from '../shared/invoice/llmEngine';
import { requiredNotAsked } from '../shared/invoice/llmSchema';
import { cappedConfidence, documentKeys, duplicateCheck, duplicatesOf } from '../shared/invoice/duplicates';
import { goodsReceiptSchema, matchPurchaseOrder, purchaseOrderSchema } from '../shared/invoice/match';
import { customFieldSchema, RECORD_GROUP_NAMES, type CustomField, type Evidence, type Invoice, type RecordGroup } from '../shared/invoice/schema';
import { redactSecrets, type LlmAuthentication, type LlmConnection } from '../shared/llm/connection';
import { llmErrorToNodeError } from '../shared/llm/nodeErrors';
import { createRunner, loadConnection, searchModels, type LlmRequestOptions } from '../shared/llm/nodeSupport';
import { startProgressLog, type ProgressLog } from '../shared/llm/progress';
import { LlmRequestError } from '../shared/llm/runner';
import { openStore, plainCause, StoreUnavailableError, type PackageStore } from '../shared/store';
import { storeConfigFrom } from '../shared/store/nodeParameters';
import { extractInvoiceProperties } from './description';
import { keepInvoiceLayout, loadVendorMemories } from '../shared/invoice/vendorMemoryStore';

type EngineChoice = 'local' | 'openai' | 'cascade';

interface Options extends LlmRequestOptions {
	maxPages?: number;
	ocrLanguages?: OcrLanguage[];
	requiredFields?: string;
	purchaseOrder?: unknown;
	goodsReceipt?: unknown;
	priceTolerancePercent?: number;
	pageImages?: PageImageMode;
	fieldsForModel?: RecordGroup[];
}

/** One item after its turn in the reading queue: what the model request (or the output) needs. */
interface ReadItem {
	started: number;
	options: Options;
	document: ReadDocument;
	data?: Buffer;
	/** The local engine's record when it is the answer (engine local, or the cascade's confident case). */
	local?: ReturnType<typeof runLocalEngine>;
	/** The cascade's local record when the model is asked: the fields not asked of the model come from it. */
	fallback?: ReturnType<typeof runLocalEngine>;
	images: PageImage[];
	engineOptions: { customFields: CustomField[]; requiredFields?: string[]; modelGroups?: RecordGroup[] };
	/** Text input under Clean Input: what cleaning did (the document was read from the cleaned text). */
	cleaned?: { result: CleanResult; raw: string };
	/** Redact Before the Model for this item (openai/cascade engines, when the model is asked). */
	redaction: ReturnType<typeof readRedaction>;
}

export class ExtractInvoice implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Extract Invoice',
		name: 'extractInvoice',
		icon: { light: 'file:extractInvoice.svg', dark: 'file:extractInvoice.dark.svg' },
		group: ['transform'],
		// 1.1: Clean Input on by default for text input, ai.input on every item (1 keeps its behaviour).
		version: [1, 1.1],
		defaultVersion: 1.1,
		// No tool variant: an agent has no invoice file to hand over, and the node's job is a workflow step.
		usableAsTool: undefined,
		subtitle: '={{ ({ local: "Local", openai: "OpenAI-compatible", cascade: "Cascade" })[$parameter["engine"]] + ($parameter["detectDuplicates"] ? " · duplicates" : "") }}',
		description: 'Turn an invoice PDF, scan, photo or text into a checked record with per-field confidence',
		defaults: { name: 'Extract Invoice' },
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		// The model engines' credentials depend on Engine and Authentication, the store's on Store (see
		// llmAuthenticationProperty and storeProperties for why those parameters have no show conditions).
		credentials: [
			{
				name: 'openAiCompatibleApi',
				required: true,
				displayOptions: { show: { authentication: ['openAiCompatibleApi'], engine: ['openai', 'cascade'] } },
			},
			{
				// Deliberate: users of n8n's own OpenAI nodes can reuse their existing credential here.
				// eslint-disable-next-line @n8n/community-nodes/no-credential-reuse, @n8n/community-nodes/valid-credential-references
				name: 'openAiApi',
				required: true,
				displayOptions: { show: { authentication: ['openAiApi'], engine: ['openai', 'cascade'] } },
			},
			{
				// eslint-disable-next-line @n8n/community-nodes/no-credential-reuse, @n8n/community-nodes/valid-credential-references -- n8n's own Postgres credential for the store
				name: 'postgres',
				required: true,
				displayOptions: { show: { storeType: ['postgres'] } },
			},
		],
		properties: extractInvoiceProperties,
	};

	methods = { listSearch: { searchModels } };

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const items = this.getInputData();
		const node = this.getNode();
		const engine = this.getNodeParameter('engine', 0, 'local') as EngineChoice;
		let connection: LlmConnection | undefined;
		let llm: LlmInvoiceExtractor | undefined;
		let progress: ProgressLog | undefined;
		if (engine !== 'local') {
			try {
				connection = await loadConnection(this, this.getNodeParameter('authentication', 0) as LlmAuthentication);
				const options = this.getNodeParameter('options', 0, {}) as Options;
				const runner = createRunner(connection, options);
				const model = this.getNodeParameter('model', 0, '', { extractValue: true }) as string;
				progress = startProgressLog({ log: (message) => this.logger.info(message), what: `Extract Invoice "${node.name}"`, total: items.length, runner, model });
				llm = new LlmInvoiceExtractor(runner, model);
			} catch (error) {
				throw new NodeOperationError(node, (error as Error).message, {
					itemIndex: 0,
					description: 'Check the credential (Custom Headers must be JSON) and the Prices option (JSON).',
				});
			}
		}
		const cascadeThreshold = engine === 'cascade' ? (this.getNodeParameter('cascadeThreshold', 0, 0.8) as number) : 1;
		const detectDuplicates = this.getNodeParameter('detectDuplicates', 0, false) as boolean;
		const vendorMemory = engine !== 'openai' && (this.getNodeParameter('vendorMemory', 0, false) as boolean);
		// Version 1 writes ai.input only when the user turned preparation on: its items stay as they were.
		const recordsInput = nodeVersion(node) >= PREPARED_VERSION;
		const packageStore = detectDuplicates || vendorMemory ? openSeenStore(this) : undefined;
		const seenStore = detectDuplicates ? packageStore : undefined;
		// Awaited per item (so each failed item carries the error); this keeps an early failure from going unhandled.
		packageStore?.catch(() => undefined);

		// Everything that takes the CPU (reading, OCR, the local engine, page images) in one turn per document.
		const readItem = async (itemIndex: number): Promise<ReadItem> => {
			const started = Date.now();
			const options = this.getNodeParameter('options', itemIndex, {}) as Options;
			const customFields = readCustomFields.call(this, itemIndex);
			const requiredFields = options.requiredFields?.split(',').map((f) => f.trim()).filter(Boolean);
			const modelGroups = engine === 'local' ? undefined : readModelGroups(node, options, itemIndex);
			const engineOptions = { customFields, requiredFields, modelGroups };
			if (modelGroups) checkRequiredAsked(node, requiredPaths(engineOptions), modelGroups, itemIndex);
			const redaction = readRedaction(this, itemIndex, engine);
			const { document, data, cleaned } = await readItemDocument.call(this, itemIndex, options);
			let local = engine === 'openai' ? undefined : runLocalEngine(document, engineOptions);
			if (local && vendorMemory && packageStore) {
				const store = await packageStore;
				// The document's keys (tax ids, IBANs, letterhead) find the vendor's memory; the record is read again with it.
				const memories = await withStoreError(this, itemIndex, store, () => loadVendorMemories(store, local!.vendorKeys ?? []));
				if (memories.length) local = runLocalEngine(document, { ...engineOptions, vendorMemories: memories });
				const kept = local;
				await withStoreError(this, itemIndex, store, () => keepInvoiceLayout(store, this.getExecutionId(), kept.invoice, document.pages, new Date()));
			}
			if (local && (engine === 'local' || local.confidence >= cascadeThreshold)) return { started, options, document, data, local, images: [], engineOptions, cleaned, redaction };
			// A page image would show the model every value the text redacts: none are sent then.
			const images = redaction ? [] : await pageImages(data, document, options.pageImages ?? 'scans');
			return { started, options, document, data, fallback: local, images, engineOptions, cleaned, redaction };
		};

		const finishItem = async (itemIndex: number, { started, options, document, data, local, fallback, images, engineOptions, cleaned, redaction }: ReadItem): Promise<INodeExecutionData> => {
			const store = seenStore ? await seenStore : undefined;
			let record: { invoice: Invoice; evidence: Record<string, Evidence>; checks: Check[] };
			let ai: AiResult;
			const writesInput = recordsInput || cleaned !== undefined || redaction !== false;
			const text = writesInput ? documentText(document) : '';
			let prepared: (PreparedDocumentText & { counts: InputRecord['redacted'] }) | undefined;
			if (local) {
				record = local;
				ai = {
					task: 'extract',
					confidence: local.confidence,
					confidenceSource: 'local',
					fieldConfidence: local.fieldConfidence,
					checks: local.checks,
					engine,
					tier: engine === 'cascade' ? 'local' : undefined,
					latencyMs: 0,
					attempts: 1,
					truncated: document.truncated || undefined,
					at: '',
					...(local.vendorMemory ? { evidence: { vendorMemory: local.vendorMemory } } : {}),
				};
			} else {
				if (redaction) {
					const redacted = redact(text, redaction);
					prepared = { text: redacted.text, placeholders: redacted.placeholders, counts: redacted.counts };
				}
				const answer = await llm!.extract(document, images, engineOptions, fallback, prepared);
				record = answer.extraction;
				ai = { ...answer.ai, engine, tier: engine === 'cascade' ? 'llm' : undefined };
			}

			const json: IDataObject = { ...items[itemIndex].json, invoice: record.invoice as unknown as IDataObject, evidence: record.evidence as unknown as IDataObject };
			const checks = [...record.checks];
			if (options.purchaseOrder !== undefined && options.purchaseOrder !== '') {
				const order = parseJsonOption(node, purchaseOrderSchema, options.purchaseOrder, 'Purchase Order', itemIndex);
				const receipt = options.goodsReceipt ? parseJsonOption(node, goodsReceiptSchema, options.goodsReceipt, 'Goods Receipt', itemIndex) : undefined;
				const match = matchPurchaseOrder(record.invoice, order, receipt, options.priceTolerancePercent ?? 1);
				json.match = match as unknown as IDataObject;
				checks.push({ name: 'purchaseOrderMatch', passed: match.matched, detail: match.matched ? 'all lines match the order' : match.issues.map((i) => i.code).join(', ') });
			}
			if (store) {
				const content = data ?? (this.getNodeParameter('text', itemIndex) as string);
				const duplicates = await checkDuplicates.call(this, store, itemIndex, documentKeys(record.invoice, content));
				if (duplicates) {
					checks.push(duplicates.check);
					json.duplicateOf = duplicates.duplicateOf as unknown as IDataObject[];
					ai.confidence = cappedConfidence(ai.confidence);
				}
			}
			if (ai.confidenceSource === 'local' && (checks.length > 1 || checks.some((c) => c.name !== 'requiredFieldsPresent'))) ai.confidenceSource = 'checks';
			if (writesInput) {
				ai.input = describeInput({ seen: text, sent: prepared?.text, cleaning: cleaned && { ...cleaned, shown: cleaned.result.text }, redacted: prepared?.counts });
			}
			json.ai = { ...ai, checks, latencyMs: Date.now() - started, at: new Date().toISOString() } as unknown as IDataObject;
			return { json, binary: items[itemIndex].binary, pairedItem: { item: itemIndex } };
		};

		const finishCounted = async (itemIndex: number, read: ReadItem): Promise<INodeExecutionData> => {
			const output = finishItem(itemIndex, read);
			output.then(
				() => progress?.itemDone(false),
				() => progress?.itemDone(true),
			);
			return await output;
		};

		try {
			const settled = await processDocumentsInTurn(items.length, { read: readItem, finish: finishCounted });
			progress?.stop();
			const results: INodeExecutionData[] = [];
			for (const [itemIndex, outcome] of settled.entries()) {
				if (outcome.status === 'fulfilled') {
					results.push(outcome.value);
					continue;
				}
				const error = outcome.reason instanceof PrepareInputError ? prepareErrorToNodeError(node, outcome.reason, itemIndex) : toNodeError(node, outcome.reason, itemIndex, connection);
				if (!this.continueOnFail()) throw error;
				results.push(failedItem(node, items[itemIndex], itemIndex, error.message, { errorDescription: error.description ?? undefined }));
			}
			return [results];
		} finally {
			progress?.stop();
		}
	}
}

// Under On Error: Continue an error of the settings (thrown before any item is read) goes on every item.
ExtractInvoice.prototype.execute = settingsErrorsOnItems(ExtractInvoice.prototype.execute);

/** A store call on behalf of an item: a failure names the item, the store and the fix. */
async function withStoreError<T>(context: IExecuteFunctions, itemIndex: number, store: PackageStore, work: () => Promise<T>): Promise<T> {
	try {
		return await work();
	} catch (error) {
		const reason = error instanceof StoreUnavailableError ? error.message : `the vendor memory store (${store.location}) failed: ${plainCause(error)}`;
		throw new NodeOperationError(context.getNode(), `Item ${itemIndex}: ${reason}`, {
			itemIndex,
			description: error instanceof StoreUnavailableError ? error.fix : 'Check that the store is reachable, or turn off Learn From Reviews.',
		});
	}
}

/** The package store (invoices already seen, vendor memory); a store that cannot be opened fails every item with the fix. */
async function openSeenStore(context: IExecuteFunctions): Promise<PackageStore> {
	try {
		return await openStore(
			await storeConfigFrom({
				parameter: (name, fallback) => context.getNodeParameter(name, 0, fallback) as string,
				credentials: async (type) => (await context.getCredentials(type)) as Record<string, unknown>,
			}),
		);
	} catch (error) {
		throw new NodeOperationError(context.getNode(), `The store of invoices already seen cannot be opened: ${(error as Error).message}`, {
			itemIndex: 0,
			description: error instanceof StoreUnavailableError ? error.fix : 'Check the Store settings, or turn off Detect Duplicates and Learn From Reviews.',
		});
	}
}

/** Earlier sightings of this invoice (undefined when none); then records this one. */
async function checkDuplicates(this: IExecuteFunctions, store: PackageStore, itemIndex: number, keys: ReturnType<typeof documentKeys>) {
	const node = this.getNode();
	const executionId = this.getExecutionId();
	try {
		const earlier = await store.findSeenDocuments({ ...keys, excludeExecutionId: executionId });
		await store.recordSeenDocument({
			...keys,
			workflowId: String(this.getWorkflow().id ?? ''),
			executionId,
			nodeName: node.name,
			itemIndex,
			seenAt: new Date().toISOString(),
		});
		const duplicateOf = duplicatesOf(keys, earlier);
		return duplicateOf.length ? { duplicateOf, check: duplicateCheck(duplicateOf, keys) } : undefined;
	} catch (error) {
		const reason = error instanceof StoreUnavailableError ? error.message : `the store of invoices already seen (${store.location}) failed: ${plainCause(error)}`;
		throw new NodeOperationError(node, `Item ${itemIndex}: ${reason}`, {
			itemIndex,
			description: error instanceof StoreUnavailableError ? error.fix : 'Check that the store is reachable, or turn off Detect Duplicates.',
		});
	}
}

/** The item's invoice as words (and the file's bytes, for page images); a text input cleaned under Clean Input (document mode). */
async function readItemDocument(this: IExecuteFunctions, itemIndex: number, options: Options): Promise<{ document: ReadDocument; data?: Buffer; cleaned?: ReadItem['cleaned'] }> {
	if (this.getNodeParameter('inputType', itemIndex) === 'text') {
		const raw = invoiceText(this.getNode(), this.getNodeParameter('text', itemIndex), itemIndex);
		if (!readCleanInput(this, itemIndex) || raw.trim() === '') return { document: readText(raw) };
		// HTML to text and Unicode only: an invoice's last lines (bank details, legal footer) are data, not a signature.
		const result = cleanText(raw, { mode: 'document' });
		return { document: readText(result.text), cleaned: { result, raw } };
	}
	const property = this.getNodeParameter('binaryPropertyName', itemIndex) as string;
	const item = this.getInputData()[itemIndex];
	if (!item.binary?.[property]) {
		throw new NodeOperationError(this.getNode(), `Item ${itemIndex} has no binary property "${property}"`, {
			itemIndex,
			description: `Set "Input Binary Field" to the property that holds the file (this item has: ${Object.keys(item.binary ?? {}).join(', ') || 'no binary data'}).`,
		});
	}
	const languages = (options.ocrLanguages?.length ? options.ocrLanguages : [...OCR_LANGUAGES]).filter((l) => (OCR_LANGUAGES as readonly string[]).includes(l));
	// n8n records the size with the file: one over the budget is refused without loading it into memory.
	if (typeof item.binary[property].bytes === 'number') checkFileSize(item.binary[property].bytes);
	const data = await this.helpers.getBinaryDataBuffer(itemIndex, property);
	return { document: await readDocument(data, { maxPages: options.maxPages ?? 10, ocr: { languages } }), data };
}

/** The Text parameter must be text: an object would be read as "[object Object]". */
function invoiceText(node: INode, value: unknown, itemIndex: number): string {
	if (typeof value === 'string') return value;
	// Nothing at all is an empty text (readText says so).
	if (value === null || value === undefined) return '';
	const got = Array.isArray(value) ? 'an array' : typeof value === 'object' ? 'an object' : `a ${typeof value}`;
	throw new NodeOperationError(node, `Item ${itemIndex}: the invoice text is ${got}, not text`, {
		itemIndex,
		description: 'Set "Text" to an expression that gives the invoice as a string, e.g. {{ $json.body }}; for an object, map the field that holds the text, or use {{ JSON.stringify($json.field) }}.',
	});
}

function toNodeError(node: INode, error: unknown, itemIndex: number, connection: LlmConnection | undefined): NodeOperationError | NodeApiError {
	if (error instanceof NodeOperationError || error instanceof NodeApiError) return error;
	if (error instanceof DocumentError) {
		return new NodeOperationError(node, `Item ${itemIndex}: ${error.message}`, { itemIndex, description: error.hint });
	}
	if (error instanceof InvoiceAnswerError) {
		return new NodeOperationError(node, `Item ${itemIndex}: ${connection ? redactSecrets(error.message, connection) : error.message}`, {
			itemIndex,
			description: 'The model did not return a usable invoice record. Use a model that supports structured outputs (json_schema), or Continue On Fail.',
		});
	}
	if (error instanceof LlmRequestError || connection) return llmErrorToNodeError(node, error, itemIndex, connection);
	return new NodeOperationError(node, error instanceof Error ? error : new Error(String(error)), { itemIndex });
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

/** Fields for the Model: the groups chosen (undefined for the whole record, the default). */
function readModelGroups(node: INode, options: Options, itemIndex: number): RecordGroup[] | undefined {
	const chosen = options.fieldsForModel;
	if (chosen === undefined) return undefined;
	const groups = RECORD_GROUP_NAMES.filter((group) => chosen.includes(group));
	if (groups.length === 0) {
		throw new NodeOperationError(node, 'Fields for the Model has no group chosen', { itemIndex, description: 'Choose at least one group (e.g. Header and Totals), or remove the option to ask for the whole record.' });
	}
	return groups.length === RECORD_GROUP_NAMES.length ? undefined : groups;
}

/** A required field the model is not asked for could never be found by it: a setting to fix, not a low confidence. */
function checkRequiredAsked(node: INode, required: string[], groups: RecordGroup[], itemIndex: number): void {
	const outside = requiredNotAsked(required, groups);
	if (outside.length > 0) {
		throw new NodeOperationError(node, `Required Fields lists ${outside.join(', ')}, which Fields for the Model does not ask for`, {
			itemIndex,
			description: 'Add the group that holds these fields to Fields for the Model, or remove them from Required Fields.',
		});
	}
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
