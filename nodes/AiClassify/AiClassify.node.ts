import {
	NodeConnectionTypes,
	NodeOperationError,
	type IDataObject,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeType,
	type INodeTypeDescription,
} from 'n8n-workflow';

import { settingsErrorsOnItems } from '../shared/continueOnFail';

import { normaliseCategories, type Category, type RawCategory } from '../shared/classify/categories';
import { OpenAiClassifier, ModelAnswerError, type ConfidenceMethod } from '../shared/classify/openAiClassifier';
import { ItemInputError, prepareText, readContext } from '../shared/classify/input';
import { classifyLocally, localModelFor } from '../shared/classify/localEngine';
import type { AiResult } from '../shared/contract';
import { cleanedMessage, nodeVersion, PREPARED_VERSION, prepareErrorToNodeError, readCleanInput, readRedaction } from '../shared/inputPreparation';
import { cleanText, describeInput, PrepareInputError, redactRequest, restore, type RedactOptions } from '../shared/prepare';
import { failedItem } from '../shared/failedItem';
import { unknownWordShare, type LabelledText, type TrainedModel } from '../shared/localClassifier';
import { examplesFromReviews } from '../shared/classify/feedback';
import { defaultModelName, namedModelFor, readTrainingLabel, trainNamedModel } from '../shared/classify/training';
import { openStore, StoreUnavailableError, type PackageStore } from '../shared/store';
import { storeConfigFrom } from '../shared/store/nodeParameters';

/** The newest decided reviews the local engine learns from (older ones add little and cost training time). */
const MAX_REVIEWS_TO_LEARN_FROM = 5000;
import type { LlmAuthentication, LlmConnection } from '../shared/llm/connection';
import { llmErrorToNodeError } from '../shared/llm/nodeErrors';
import { createRunner, loadConnection, searchModels, type LlmRequestOptions } from '../shared/llm/nodeSupport';
import { startProgressLog, type ProgressLog } from '../shared/llm/progress';
import { startInTurn } from '../shared/startInTurn';
import { aiClassifyProperties, configuredOutputs } from './description';

interface ClassifyOptions extends LlmRequestOptions {
	includeReasoning?: boolean;
	confidenceMethod?: ConfidenceMethod;
	maxTextLength?: number;
	onLongText?: 'truncate' | 'fail';
}

/** The package store of the node's Store settings; `what` says what it is opened for, in errors. */
async function openNodeStore(context: IExecuteFunctions, what: string, otherFix: string): Promise<PackageStore> {
	try {
		return await openStore(
			await storeConfigFrom({
				parameter: (name, fallback) => context.getNodeParameter(name, 0, fallback) as string,
				credentials: async (type) => (await context.getCredentials(type)) as Record<string, unknown>,
			}),
		);
	} catch (error) {
		throw new NodeOperationError(context.getNode(), `The store with ${what} cannot be opened: ${(error as Error).message}`, {
			itemIndex: 0,
			description: error instanceof StoreUnavailableError ? error.fix : `Check the Store settings, ${otherFix}.`,
		});
	}
}

/** Approved and corrected reviews of this workflow, from the package store, as training examples (cleaned under Clean Input). */
async function loadReviewedExamples(context: IExecuteFunctions, store: PackageStore, labels: string[]): Promise<LabelledText[]> {
	const cases = await store.listReviewCases('decided', context.getWorkflow().id, MAX_REVIEWS_TO_LEARN_FROM);
	const examples = examplesFromReviews(cases, context.getNodeParameter('reviewTextField', 0, 'text') as string, labels);
	// The reviewed items hold the original text: under Clean Input the model learns from what it will be shown.
	return readCleanInput(context, 0) ? examples.map((example) => ({ ...example, text: cleanText(example.text, { mode: 'message' }).text })) : examples;
}

/** The Train operation: labelled items (and the categories' examples) train the named local model. */
async function trainOperation(
	context: IExecuteFunctions,
	categories: Category[],
	withOther: boolean,
	outputLabels: string[],
): Promise<INodeExecutionData[][]> {
	const items = context.getInputData();
	const node = context.getNode();
	if (context.getNodeParameter('engine', 0, 'local') === 'openai') {
		throw new NodeOperationError(node, 'Train teaches the local classifier, which the OpenAI-compatible engine does not use', {
			itemIndex: 0,
			description: 'Set Engine to "Local (Offline)" or "Cascade"; the classifying node then uses the same Model Name.',
		});
	}
	const options = context.getNodeParameter('options', 0, {}) as ClassifyOptions;
	const examples: LabelledText[] = [];
	let skipped = 0;
	for (let itemIndex = 0; itemIndex < items.length; itemIndex++) {
		try {
			const raw = context.getNodeParameter('text', itemIndex);
			const { text } = prepareText(cleanedMessage(context, itemIndex, raw)?.text ?? raw, itemIndex, {
				maxLength: options.maxTextLength ?? 32_000,
				onLongText: options.onLongText ?? 'truncate',
			});
			const label = readTrainingLabel(context.getNodeParameter('label', itemIndex, undefined), itemIndex, outputLabels);
			examples.push({ text, label });
		} catch (error) {
			if (context.continueOnFail()) {
				skipped++;
				continue;
			}
			if (error instanceof ItemInputError) {
				throw new NodeOperationError(node, error.message, { itemIndex, description: error.description });
			}
			if (error instanceof PrepareInputError) throw prepareErrorToNodeError(node, error, itemIndex);
			throw new NodeOperationError(node, error as Error, { itemIndex });
		}
	}
	const name = (context.getNodeParameter('modelName', 0, '') as string).trim() || defaultModelName(context.getWorkflow().id, node.name);
	const store = await openNodeStore(context, `the models to train`, 'or set Engine to Local');
	let summary;
	try {
		summary = await trainNamedModel(store, { name, categories, withOther, examples, skipped });
	} catch (error) {
		throw new NodeOperationError(node, `Training model "${name}" failed: ${(error as Error).message}`, {
			itemIndex: 0,
			description: error instanceof StoreUnavailableError ? error.fix : 'Check the labelled items and the categories.',
		});
	}
	return [[{ json: summary as unknown as IDataObject, pairedItem: items.map((_, item) => ({ item })) }]];
}

export class AiClassify implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'AI Classify',
		name: 'aiClassify',
		icon: { light: 'file:aiClassify.svg', dark: 'file:aiClassify.dark.svg' },
		group: ['transform'],
		// 1.1: Clean Input on by default, ai.input on every item (1 keeps its behaviour: see inputPreparation.ts).
		version: [1, 1.1],
		defaultVersion: 1.1,
		subtitle:
			'={{ $parameter["operation"] === "train" ? "Train local model" : ({ local: "Local", openai: "OpenAI-compatible", cascade: "Cascade" })[$parameter["engine"]] + ($parameter["outputMode"] === "perCategory" ? " · per category" : "") }}',
		description: 'Puts a text into one of your categories with a calibrated confidence and a probability for every category',
		defaults: { name: 'AI Classify' },
		usableAsTool: true,
		inputs: [NodeConnectionTypes.Main],
		outputs: `={{(${configuredOutputs})($parameter)}}`,
		// The model engines' credentials depend on Engine and Authentication, the store's on Store (see
		// llmAuthenticationProperty and storeProperties for why those parameters have no show conditions).
		credentials: [
			{
				name: 'openAiCompatibleApi',
				required: true,
				displayOptions: { show: { operation: ['classify'], authentication: ['openAiCompatibleApi'], engine: ['openai', 'cascade'] } },
			},
			{
				// Deliberate: users of n8n's own OpenAI nodes can reuse their existing credential here.
				// eslint-disable-next-line @n8n/community-nodes/no-credential-reuse, @n8n/community-nodes/valid-credential-references
				name: 'openAiApi',
				required: true,
				displayOptions: { show: { operation: ['classify'], authentication: ['openAiApi'], engine: ['openai', 'cascade'] } },
			},
			{
				// eslint-disable-next-line @n8n/community-nodes/no-credential-reuse, @n8n/community-nodes/valid-credential-references -- n8n's own Postgres credential for the store
				name: 'postgres',
				required: true,
				displayOptions: { show: { storeType: ['postgres'], engine: ['local', 'cascade'] } },
			},
		],
		properties: aiClassifyProperties,
	};

	methods = { listSearch: { searchModels } };

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const items = this.getInputData();
		const node = this.getNode();
		const withOther = this.getNodeParameter('fallback', 0) === 'other';
		const multiLabel = this.getNodeParameter('multiLabel', 0, false) as boolean;

		let categories;
		try {
			categories = normaliseCategories(
				(this.getNodeParameter('categories.category', 0, []) as RawCategory[]) ?? [],
				withOther,
			);
		} catch (error) {
			throw new NodeOperationError(node, (error as Error).message, {
				itemIndex: 0,
				description: 'Categories are set in the node under "Categories"; each needs a unique name.',
			});
		}
		const outputLabels = [...categories.map((c) => c.name), ...(withOther ? ['Other'] : [])];
		if (this.getNodeParameter('operation', 0, 'classify') === 'train') {
			return await trainOperation(this, categories, withOther, outputLabels);
		}
		const outputMode = this.getNodeParameter('outputMode', 0) as 'perCategory' | 'single';
		const outputs: INodeExecutionData[][] = outputMode === 'single' ? [[]] : outputLabels.map(() => []);

		const options = this.getNodeParameter('options', 0, {}) as ClassifyOptions;
		const engine = this.getNodeParameter('engine', 0, 'local') as 'local' | 'openai' | 'cascade';
		if (engine !== 'openai' && multiLabel) {
			throw new NodeOperationError(node, 'Allow Multiple Categories needs the OpenAI-compatible engine', {
				itemIndex: 0,
				description: 'Set Engine to "OpenAI-Compatible Model", or turn off Allow Multiple Categories.',
			});
		}
		let connection: LlmConnection | undefined;
		let llm: OpenAiClassifier | undefined;
		let progress: ProgressLog | undefined;
		let localModel: TrainedModel | undefined;
		let reviewedExamples: LabelledText[] = [];
		const learnFromReviews = engine !== 'openai' && (this.getNodeParameter('learnFromReviews', 0, false) as boolean);
		const modelName = engine === 'openai' ? '' : (this.getNodeParameter('modelName', 0, '') as string).trim();
		let store: PackageStore | undefined;
		if (learnFromReviews || modelName !== '') {
			store = await openNodeStore(
				this,
				learnFromReviews ? 'the reviews to learn from' : `the model "${modelName}"`,
				learnFromReviews ? 'or turn off Learn From Reviews' : 'or empty Model Name',
			);
		}
		if (learnFromReviews) reviewedExamples = await loadReviewedExamples(this, store!, outputLabels);
		if (modelName !== '') {
			try {
				localModel = await namedModelFor(store!, {
					name: modelName,
					categories,
					withOther,
					outputLabels,
					reviewedExamples: learnFromReviews ? reviewedExamples : undefined,
				});
			} catch (error) {
				throw new NodeOperationError(node, `The local model "${modelName}" cannot be used: ${(error as Error).message}`, {
					itemIndex: 0,
					description:
						error instanceof StoreUnavailableError
							? error.fix
							: 'Give this node the categories the model was trained on, train the model again with these categories, or use another Model Name.',
				});
			}
		}
		try {
			if (engine !== 'openai' && !localModel) localModel = localModelFor({ categories, withOther, examples: reviewedExamples });
			if (engine !== 'local') {
				const authentication = this.getNodeParameter('authentication', 0) as LlmAuthentication;
				connection = await loadConnection(this, authentication);
				const runner = createRunner(connection, options);
				const model = this.getNodeParameter('model', 0, '', { extractValue: true }) as string;
				progress = startProgressLog({ log: (message) => this.logger.info(message), what: `AI Classify "${node.name}"`, total: items.length, runner, model });
				llm = new OpenAiClassifier(runner, {
					model,
					categories,
					withOther,
					instructions: this.getNodeParameter('instructions', 0, '') as string,
					multiLabel,
					multiLabelThreshold: multiLabel ? (this.getNodeParameter('multiLabelThreshold', 0, 0.5) as number) : 0.5,
					includeReasoning: options.includeReasoning ?? false,
					confidenceMethod: options.confidenceMethod ?? 'auto',
				});
			}
		} catch (error) {
			throw new NodeOperationError(node, (error as Error).message, {
				itemIndex: 0,
				description:
					'Check the categories, the credential (Custom Headers must be JSON) and the Prices option (JSON).',
			});
		}
		const cascadeThreshold = engine === 'cascade' ? (this.getNodeParameter('cascadeThreshold', 0, 0.8) as number) : 1;
		/** The model's answer; with redaction the model sees placeholders and its reasoning is mapped back. */
		const askModel = async (text: string, context: Record<string, unknown>, truncated: boolean, redaction: RedactOptions | false) => {
			if (!redaction) return { ai: await llm!.classify(text, context, truncated), sent: text };
			const redacted = redactRequest(text, context, redaction);
			const ai = await llm!.classify(redacted.text, redacted.fields, truncated);
			if (ai.reasoning !== undefined) ai.reasoning = restore(ai.reasoning, redacted.placeholders);
			return { ai, sent: redacted.text, redacted: redacted.counts };
		};
		const classify = async (text: string, context: Record<string, unknown>, truncated: boolean, redaction: RedactOptions | false) => {
			if (engine === 'openai') return await askModel(text, context, truncated, redaction);
			const local = classifyLocally(localModel!, text, truncated);
			if (engine === 'local') return { ai: local, sent: text };
			if (local.confidence >= cascadeThreshold) return { ai: { ...local, engine: 'cascade', tier: 'local' } as AiResult, sent: text };
			const answer = await askModel(text, context, truncated, redaction);
			return { ...answer, ai: { ...answer.ai, engine: 'cascade', tier: 'llm', latencyMs: answer.ai.latencyMs + local.latencyMs } as AiResult };
		};
		// Version 1 writes ai.input only when the user turned preparation on: its items stay as they were.
		const recordsInput = nodeVersion(node) >= PREPARED_VERSION;
		const contextFields = this.getNodeParameter('contextFields', 0, '') as string;

		// Items are started in turn, yielding now and then, so the first requests leave while n8n is still
		// evaluating later items' expressions (see startInTurn).
		const results = await startInTurn(items.length, async (itemIndex): Promise<{ ai: AiResult } | { error: unknown }> => {
			try {
				const raw = this.getNodeParameter('text', itemIndex);
				// A text that is not a string gets prepareText's error, which names the Text parameter.
				const cleaned = cleanedMessage(this, itemIndex, raw);
				const { text, truncated } = prepareText(cleaned ? cleaned.text : raw, itemIndex, {
					maxLength: options.maxTextLength ?? 32_000,
					onLongText: options.onLongText ?? 'truncate',
				});
				const redaction = readRedaction(this, itemIndex, engine);
				const { ai, sent, redacted } = await classify(text, readContext(items[itemIndex].json, contextFields), truncated, redaction);
				if (recordsInput || cleaned || redaction) {
					ai.input = describeInput({ seen: text, sent, cleaning: cleaned && { result: cleaned, raw: raw as string, shown: text }, redacted });
					// Words the trained local model never saw: a rising share is a likely cause of input drift.
					if (localModel) ai.input.unknownTokenShare = Math.round(unknownWordShare(localModel, text) * 1e4) / 1e4;
				}
				progress?.itemDone(false);
				return { ai };
			} catch (error) {
				progress?.itemDone(true);
				return { error };
			}
		});
		progress?.stop();

		for (const [itemIndex, item] of items.entries()) {
			const result = results[itemIndex];
			if ('error' in result) {
				const nodeError =
					result.error instanceof PrepareInputError
						? prepareErrorToNodeError(node, result.error, itemIndex)
						: result.error instanceof ItemInputError
							? new NodeOperationError(node, result.error.message, { itemIndex, description: result.error.description })
							: result.error instanceof ModelAnswerError
								? new NodeOperationError(node, `Item ${itemIndex}: ${result.error.message}`, {
										itemIndex,
										description:
											'The model did not answer with one of the categories. Use a stronger model, clearer category descriptions, or Continue On Fail.',
									})
								: llmErrorToNodeError(node, result.error, itemIndex, connection);
				if (!this.continueOnFail()) throw nodeError;
				// Failed items keep their data and leave on the first output, so nothing is dropped.
				outputs[0].push(failedItem(node, item, itemIndex, nodeError.message));
				continue;
			}
			const out: INodeExecutionData = {
				json: { ...item.json, ai: result.ai as unknown as IDataObject },
				binary: item.binary,
				pairedItem: { item: itemIndex },
			};
			if (outputMode === 'single') {
				outputs[0].push(out);
			} else {
				const labels = multiLabel ? (result.ai.labels ?? []) : [result.ai.label!];
				// No category passed the multi-label threshold: "Other" if there is one, else the most likely
				// category, so that no item is dropped.
				const targets = labels.length > 0 ? labels : withOther ? ['Other'] : [result.ai.label!];
				for (const label of targets) outputs[outputLabels.indexOf(label)].push(out);
			}
		}
		return outputs;
	}
}

// Under On Error: Continue an error of the settings (thrown before any item is read) goes on every item.
AiClassify.prototype.execute = settingsErrorsOnItems(AiClassify.prototype.execute);
