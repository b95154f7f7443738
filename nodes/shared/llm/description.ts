/**
 * The parameters every node with an OpenAI-compatible engine shares (AI Classify, Extract Invoice):
 * the same names, defaults and wording, so the nodes feel the same and read their options the same way.
 */
import type { INodeProperties, INodePropertyCollection, INodePropertyOptions } from 'n8n-workflow';

type CollectionOption = INodeProperties | INodePropertyOptions | INodePropertyCollection;

/** The engines that call a model (credentials of the nodes use the same displayOptions). */
export const LLM_ENGINES = ['openai', 'cascade'];

/**
 * Which credential type the model engines use. n8n's editor takes a parameter named `authentication`
 * that the credentials' display conditions name as the node's main authentication field: it leaves it
 * out of the parameter list and offers its choices in the credential selector instead (both credential
 * types in one list). It has no display conditions on purpose: the editor hides every parameter that an
 * authentication-related parameter's `show` names, so `show: { engine }` here would hide Engine itself.
 * The credentials carry the engine condition (see the nodes' `credentials`), so the local engine needs none.
 */
export const llmAuthenticationProperty: INodeProperties = {
	displayName: 'Authentication',
	name: 'authentication',
	type: 'options',
	noDataExpression: true,
	options: [
		{ name: 'OpenAI-Compatible API', value: 'openAiCompatibleApi' },
		{ name: 'OpenAI (Built-In Credential)', value: 'openAiApi' },
	],
	default: 'openAiCompatibleApi',
};

export function llmModelProperty(description: string): INodeProperties {
	return {
		displayName: 'Model',
		name: 'model',
		type: 'resourceLocator',
		default: { mode: 'list', value: 'gpt-4o-mini' },
		required: true,
		modes: [
			{
				displayName: 'From List',
				name: 'list',
				type: 'list',
				typeOptions: { searchListMethod: 'searchModels', searchable: true },
			},
			{ displayName: 'By Name', name: 'id', type: 'string', placeholder: 'gpt-4o-mini' },
		],
		description,
		displayOptions: { show: { engine: LLM_ENGINES } },
	};
}

/** The cascade's bar: answers of the local engine at or above it are kept, the rest go to the model. */
export function cascadeThresholdProperty(description: string): INodeProperties {
	return {
		displayName: 'Send to Model Below Confidence',
		name: 'cascadeThreshold',
		type: 'number',
		typeOptions: { minValue: 0, maxValue: 1, numberPrecision: 2 },
		default: 0.8,
		description,
		displayOptions: { show: { engine: ['cascade'] } },
	};
}

/**
 * Request options (concurrency, prices, retries, timeout), each to be placed alphabetically among a
 * node's own options. `onlyForLlmEngines` hides them while the engine is local.
 */
export function llmRequestOptions(
	onlyForLlmEngines = false,
): Record<'concurrency' | 'prices' | 'maxRetries' | 'requestsPerMinute' | 'timeout' | 'tokensPerMinute', CollectionOption> {
	const shown = onlyForLlmEngines ? { displayOptions: { show: { '/engine': LLM_ENGINES } } } : {};
	return {
		concurrency: {
			displayName: 'Concurrency',
			name: 'concurrency',
			type: 'number',
			typeOptions: { minValue: 1, maxValue: 256 },
			default: 8,
			description: 'Requests in flight at once for this node',
			...shown,
		},
		prices: {
			displayName: 'Prices',
			name: 'prices',
			type: 'json',
			default: '{}',
			description:
				'USD per million tokens for ai.usage.costUsd, overriding the built-in list, e.g. {"my-model": {"input": 0.2, "output": 0.8}}',
			...shown,
		},
		maxRetries: {
			displayName: 'Retries',
			name: 'maxRetries',
			type: 'number',
			typeOptions: { minValue: 0, maxValue: 10 },
			default: 4,
			description:
				'Retries on server errors (5xx), timeouts and broken responses, with backoff. Rate-limit answers (429) are retried as the limit allows, for up to 5 minutes (0: not at all).',
			...shown,
		},
		requestsPerMinute: {
			displayName: 'Requests per Minute',
			name: 'requestsPerMinute',
			type: 'number',
			typeOptions: { minValue: 0 },
			default: 0,
			description:
				"The endpoint's rate limit, if the credential does not state it. 0: read it from the endpoint's headers, or find it by backing off. Requests are paced to it across all executions.",
			...shown,
		},
		tokensPerMinute: {
			displayName: 'Tokens per Minute',
			name: 'tokensPerMinute',
			type: 'number',
			typeOptions: { minValue: 0 },
			default: 0,
			description: "The endpoint's token rate limit (prompt plus maximum answer tokens), if the credential does not state it. 0: read it from the endpoint, or find it.",
			...shown,
		},
		timeout: {
			displayName: 'Timeout (Seconds)',
			name: 'timeout',
			type: 'number',
			typeOptions: { minValue: 1 },
			default: 60,
			description: 'Time limit of each request',
			...shown,
		},
	};
}
