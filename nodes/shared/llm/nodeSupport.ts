/** What a node with an OpenAI-compatible engine does with n8n: load the credential, list models, build the runner. */
import type { IDataObject, IExecuteFunctions, ILoadOptionsFunctions, INodeListSearchResult } from 'n8n-workflow';

import { connectionFromCredentials, createClient, type LlmAuthentication, type LlmConnection } from './connection';
import { parsePriceOverrides } from './pricing';
import { ChatRunner } from './runner';

/** The request options of the shared description (see llmRequestOptions). */
export interface LlmRequestOptions {
	concurrency?: number;
	maxRetries?: number;
	timeout?: number;
	prices?: string | IDataObject;
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

export function createRunner(connection: LlmConnection, options: LlmRequestOptions): ChatRunner {
	const timeoutMs = (options.timeout ?? 60) * 1000;
	return new ChatRunner(createClient(connection, timeoutMs), {
		concurrency: options.concurrency ?? 8,
		maxRetries: options.maxRetries ?? 4,
		timeoutMs,
		prices: parsePriceOverrides(options.prices),
	});
}
