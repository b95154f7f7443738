/** Maps engine failures to n8n's error classes, with the provider's own message and no secrets. */
import { NodeApiError, NodeOperationError, type INode, type JsonObject } from 'n8n-workflow';

import { redactSecrets, type LlmConnection } from './connection';
import { LlmRequestError } from './runner';

const HINTS: Record<number, string> = {
	400: 'The endpoint rejected the request. Check that the model supports the options used (logprobs, structured outputs).',
	401: 'The API key was refused. Check the credential.',
	403: 'The key may not use this model or endpoint. Check the credential and the model name.',
	404: 'The model or URL does not exist. Check the Base URL (it usually ends in /v1) and the model name.',
	429:
		"The endpoint's rate limit held this request back for longer than the node waits. State your account's limit (Requests / Tokens per Minute, in the credential or the node's options) so that requests are paced to it, run fewer executions at once, or ask the provider for a higher limit.",
};

export function llmErrorToNodeError(
	node: INode,
	error: unknown,
	itemIndex: number,
	connection: LlmConnection | undefined,
): NodeApiError | NodeOperationError {
	const clean = (text: string) => (connection ? redactSecrets(text, connection) : text);
	if (error instanceof LlmRequestError) {
		const status = error.status;
		const hint =
			(status === 429 && !error.rateLimit
				? 'The endpoint refused the request for good: the account\'s quota is used up, or the request is larger than the whole tokens-per-minute limit. Check the plan and billing, or send shorter texts.'
				: undefined) ??
			(status !== undefined ? HINTS[status] : undefined) ??
			(status !== undefined && status >= 500
				? 'The endpoint kept failing. Try again later, or raise Retries in the options.'
				: 'Check that the Base URL is reachable from n8n and that the server is running.');
		return new NodeApiError(node, { message: clean(error.providerMessage ?? error.message) } as JsonObject, {
			itemIndex,
			message: `Item ${itemIndex}: the model endpoint failed: ${clean(error.message)}`,
			description: hint,
			httpCode: status ? String(status) : undefined,
		});
	}
	const message = error instanceof Error ? error.message : String(error);
	return new NodeOperationError(node, `Item ${itemIndex}: ${clean(message)}`, { itemIndex });
}
