import type { INodeProperties } from 'n8n-workflow';

import { cleanInputProperties, redactionProperties } from '../shared/inputPreparation';
import { storeProperties } from '../shared/store/nodeParameters';

import {
	cascadeThresholdProperty,
	LLM_ENGINES,
	llmAuthenticationProperty,
	llmModelProperty,
	llmRequestOptions,
} from '../shared/llm/description';

const llmOptions = llmRequestOptions(true);

/** Options only the model engines use (the local classifier has no reasoning or confidence method). */
const modelEnginesOnly = { show: { '/engine': LLM_ENGINES } };

/**
 * Evaluated by n8n's editor and runtime as an expression (`$parameter` in, outputs out), so it must be
 * self-contained: no imports, no helpers from outside its body.
 */
export const configuredOutputs = (parameters: {
	operation?: string;
	outputMode?: string;
	fallback?: string;
	categories?: { category?: Array<{ name?: string }> };
}) => {
	if (parameters.operation === 'train') return [{ type: 'main', displayName: 'Trained Model' }];
	if (parameters.outputMode === 'single') return [{ type: 'main', displayName: 'Classified' }];
	const categories = parameters.categories?.category ?? [];
	const outputs = categories.map((category, index) => ({
		type: 'main',
		displayName: category.name || `Category ${index + 1}`,
	}));
	if (parameters.fallback === 'other') outputs.push({ type: 'main', displayName: 'Other' });
	return outputs.length > 0 ? outputs : [{ type: 'main', displayName: 'Classified' }];
};

/** Parameters that only the classify operation uses: hidden while the node trains. */
function classifyOnly(property: INodeProperties): INodeProperties {
	return {
		...property,
		displayOptions: {
			...property.displayOptions,
			show: { ...property.displayOptions?.show, operation: ['classify'] },
		},
	};
}

export const aiClassifyProperties: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		options: [
			{
				name: 'Classify',
				value: 'classify',
				description: 'Put each text into one of the categories',
				action: 'Classify a text',
			},
			{
				name: 'Train',
				value: 'train',
				description:
					'Teach the local classifier from labelled items and keep the model in the store under its Model Name',
				action: 'Train the local classifier',
			},
		],
		default: 'classify',
	},
	{
		displayName: 'Engine',
		name: 'engine',
		type: 'options',
		noDataExpression: true,
		options: [
			{
				name: 'Local (Offline)',
				value: 'local',
				description:
					'A classifier trained inside n8n on your categories and examples: no network, no API key, no cost',
			},
			{
				name: 'OpenAI-Compatible Model',
				value: 'openai',
				description: 'OpenAI, Azure OpenAI, Ollama, vLLM, LM Studio, OpenRouter, Groq…',
			},
			{
				name: 'Cascade (Local, Then Model)',
				value: 'cascade',
				description: 'The local classifier answers when it is confident enough; the other texts go to the model',
			},
		],
		default: 'local',
	},
	{
		displayName:
			'The local engine learns from each category\'s description and examples: add a few example texts per category for good accuracy',
		name: 'localNotice',
		type: 'notice',
		default: '',
		displayOptions: { show: { engine: ['local', 'cascade'] } },
	},
	classifyOnly(
		cascadeThresholdProperty(
			'Texts the local classifier labels with at least this confidence keep its answer (no cost); the others are sent to the model',
		),
	),
	llmAuthenticationProperty,
	classifyOnly(llmModelProperty('The model the endpoint should use. Confidence is most reliable where the endpoint returns logprobs.')),
	{
		displayName: 'Text',
		name: 'text',
		type: 'string',
		default: '={{ $json.text }}',
		required: true,
		typeOptions: { rows: 2 },
		description: 'The text to classify (ticket, email, lead, CV…); for Train, the text of the labelled example',
	},
	...cleanInputProperties(
		'Whether to turn HTML into text, cut quoted replies and forwarded history, remove signatures and disclaimers and normalise Unicode before any engine sees the text (also for Train). The cleaned text goes to ai.input.text when cleaning changed it.',
	),
	...redactionProperties(
		'Whether to replace e-mail addresses, phone numbers, IBANs, card numbers, national IDs and custom patterns by typed placeholders ([EMAIL_1]…) in the text and the Context Fields before the request leaves n8n; the reasoning is mapped back, ai.input.redacted counts what was replaced. The local engine (and the cascade\'s local answers) see the text unredacted: nothing leaves n8n there.',
		{ operation: ['classify'] },
	),
	{
		displayName: 'Label',
		name: 'label',
		type: 'string',
		default: '={{ $json.label }}',
		required: true,
		description: 'The category of the text, one of the category names below',
		displayOptions: { show: { operation: ['train'] } },
	},
	{
		displayName: 'Categories',
		name: 'categories',
		placeholder: 'Add Category',
		type: 'fixedCollection',
		typeOptions: { multipleValues: true, sortable: true },
		default: {},
		options: [
			{
				name: 'category',
				displayName: 'Category',
				values: [
					{
						displayName: 'Name',
						name: 'name',
						type: 'string',
						default: '',
						required: true,
						description: 'The label written to ai.label, and the output name',
					},
					{
						displayName: 'Description',
						name: 'description',
						type: 'string',
						default: '',
						description: 'What belongs here and what does not; the model reads it',
					},
					{
						displayName: 'Examples',
						name: 'examples',
						type: 'string',
						typeOptions: { rows: 3 },
						default: '',
						description: 'Optional example texts, one per line',
					},
				],
			},
		],
	},
	{
		displayName: 'Fallback',
		name: 'fallback',
		type: 'options',
		options: [
			{ name: 'None', value: 'none', description: 'Every text gets one of the categories' },
			{ name: 'Other', value: 'other', description: 'Texts that fit no category are labelled "Other"' },
		],
		default: 'none',
	},
	{
		displayName: 'Allow Multiple Categories',
		name: 'multiLabel',
		type: 'boolean',
		default: false,
		description:
			'Whether a text may belong to several categories; each category then gets its own probability and ai.labels lists those above the threshold',
		displayOptions: { show: { operation: ['classify'], engine: ['openai'] } },
	},
	{
		displayName: 'Multi-Category Threshold',
		name: 'multiLabelThreshold',
		type: 'number',
		typeOptions: { minValue: 0, maxValue: 1, numberPrecision: 2 },
		default: 0.5,
		description: 'A category is given when its probability reaches this value',
		displayOptions: { show: { operation: ['classify'], multiLabel: [true], engine: ['openai'] } },
	},
	{
		displayName: 'Output Mode',
		name: 'outputMode',
		type: 'options',
		noDataExpression: true,
		options: [
			{
				name: 'One Output, With Confidence',
				value: 'single',
				description: 'All items leave on one output with the ai field; put a Confidence Router next',
			},
			{
				name: 'One Output per Category',
				value: 'perCategory',
				description: "Like n8n's Text Classifier: each item leaves on the output of its category",
			},
		],
		default: 'single',
		displayOptions: { show: { operation: ['classify'] } },
	},
	{
		displayName: 'Context Fields',
		name: 'contextFields',
		type: 'string',
		default: '',
		placeholder: 'customer.tier, previousTickets',
		description: 'Other fields of the item the model should see, comma-separated (dot notation for nested fields)',
		displayOptions: { show: { operation: ['classify'], engine: LLM_ENGINES } },
	},
	{
		displayName: 'Instructions',
		name: 'instructions',
		type: 'string',
		typeOptions: { rows: 3 },
		default: '',
		placeholder: 'Tickets that mention a chargeback are always "billing".',
		description: 'Extra rules for the model, placed before the categories',
		displayOptions: { show: { operation: ['classify'], engine: LLM_ENGINES } },
	},
	{
		displayName: 'Model Name',
		name: 'modelName',
		type: 'string',
		default: '',
		placeholder: 'support-triage',
		description:
			'Name of the local model in the store. Train: the model to train (empty: one model for this workflow and node). Classify: the newest trained version of this model answers (empty, or not trained yet: the categories alone train it).',
		displayOptions: { show: { engine: ['local', 'cascade'] } },
	},
	{
		displayName: 'Learn From Reviews',
		name: 'learnFromReviews',
		type: 'boolean',
		default: false,
		description:
			"Whether the local classifier also learns from this workflow's reviews kept by Human Review Wait: approved items teach their label, corrected ones the reviewer's",
		displayOptions: { show: { operation: ['classify'], engine: ['local', 'cascade'] } },
	},
	{
		displayName: 'Reviewed Text Field',
		name: 'reviewTextField',
		type: 'string',
		default: 'text',
		placeholder: 'body.text',
		description:
			"The field of the reviewed items that holds the text, as Human Review Wait shows it (one of its Context Fields, or a field of the item)",
		displayOptions: { show: { operation: ['classify'], engine: ['local', 'cascade'], learnFromReviews: [true] } },
	},
	...storeProperties(
		'Where trained models (Model Name) are kept, and where Human Review Wait keeps the reviews to learn from: the same store as that node.',
		{ engine: ['openai'] },
	),
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		options: [
			llmOptions.concurrency,
			{
				displayName: 'Confidence Method',
				name: 'confidenceMethod',
				type: 'options',
				options: [
					{
						name: 'Auto',
						value: 'auto',
						description: 'Token log-probabilities; where the endpoint returns none, ask the model',
					},
					{
						name: 'Log-Probabilities Only',
						value: 'logprobs',
						description: 'Fail items whose endpoint returns no log-probabilities',
					},
					{
						name: 'Ask the Model',
						value: 'verbalized',
						description: "The model states its confidence (less reliable; confidenceSource is 'model')",
					},
				],
				default: 'auto',
				displayOptions: modelEnginesOnly,
			},
			{
				displayName: 'Include Reasoning',
				name: 'includeReasoning',
				type: 'boolean',
				default: false,
				description: 'Whether the model explains its choice in ai.reasoning (more output tokens, slower)',
				displayOptions: modelEnginesOnly,
			},
			{
				displayName: 'Long Text',
				name: 'onLongText',
				type: 'options',
				options: [
					{ name: 'Truncate', value: 'truncate', description: 'Cut the text at the limit and set ai.truncated' },
					{ name: 'Fail the Item', value: 'fail' },
				],
				default: 'truncate',
			},
			{
				displayName: 'Max Text Length',
				name: 'maxTextLength',
				type: 'number',
				typeOptions: { minValue: 1 },
				default: 32000,
				description: "Characters of text sent to the model (about 4 characters per token); keep it within the model's context window",
			},
			llmOptions.prices,
			llmOptions.requestsPerMinute,
			llmOptions.maxRetries,
			llmOptions.timeout,
			llmOptions.tokensPerMinute,
		],
	},
];
