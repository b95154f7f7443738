/** What a node with an OpenAI-compatible engine does with n8n: load the credential, list models, build the runner. */
import { LoggerProxy, type IDataObject, type IExecuteFunctions, type ILoadOptionsFunctions, type INodeListSearchResult } from 'n8n-workflow';

import { connectionFromCredentials, createClient, type LlmAuthentication, type LlmConnection } from './connection';
import { parsePriceOverrides } from './pricing';
import { RateLimiter, type StatedLimits } from './rateLimit';
import { budgetKey, budgetStore } from './rateLimit/config';
import { ChatRunner } from './runner';

/** The request options of the shared description (see llmRequestOptions). */
export interface LlmRequestOptions {
	concurrency?: number;
	maxRetries?: number;
	timeout?: number;
	prices?: string | IDataObject;
	requestsPerMinute?: number;
	tokensPerMinute?: number;
}

export async function loadConnection(
	context: IExecuteFunctions | ILoadOptionsFunctions,
	authentication: LlmAuthentication,
): Promise<LlmConnection> {
	const credentials = await context.getCredentials(authentication);
	return connectionFromCredentials(authentication, credentials);
}

/** The `searchModels` list-search method: the endpoint's /models, filtered by what the user typed. */
export async function searchModels(this: ILoadOptionsFunctions, filter?: string): Promise<INodeListSearchResult> {
	const authentication = this.getNodeParameter('authentication', 'openAiCompatibleApi') as LlmAuthentication;
	const connection = await loadConnection(this, authentication);
	const client = createClient(connection, 30_000);
	const ids: string[] = [];
	for await (const model of client.models.list()) ids.push(model.id);
	const wanted = (filter ?? '').toLowerCase();
	return {
		results: ids
			.filter((id) => id.toLowerCase().includes(wanted))
			.sort()
			.map((id) => ({ name: id, value: id })),
	};
}

/** The node option wins over the credential; 0 in either means "not stated". */
export function statedLimits(connection: LlmConnection, options: LlmRequestOptions): StatedLimits {
	const stated = (option: number | undefined, credential: number | undefined) => (option && option > 0 ? option : credential && credential > 0 ? credential : undefined);
	return {
		requestsPerMinute: stated(options.requestsPerMinute, connection.requestsPerMinute),
		tokensPerMinute: stated(options.tokensPerMinute, connection.tokensPerMinute),
	};
}

/**
 * The runner of one node execution. Its requests are paced by the rate budget of the endpoint's
 * account and model, shared by every execution of this process — and of every process, where a
 * shared budget store is configured (rateLimit/config.ts).
 */
export function createRunner(connection: LlmConnection, options: LlmRequestOptions): ChatRunner {
	const timeoutMs = (options.timeout ?? 60) * 1000;
	const stated = statedLimits(connection, options);
	const store = budgetStore();
	return new ChatRunner(createClient(connection, timeoutMs), {
		concurrency: options.concurrency ?? 8,
		maxRetries: options.maxRetries ?? 4,
		timeoutMs,
		prices: parsePriceOverrides(options.prices),
		rateLimiter: (model) =>
			new RateLimiter({ key: budgetKey(connection, model), stated, store, warn: (message) => LoggerProxy.warn(`n8n-nodes-ai-workflow: ${message}`) }),
	});
}
