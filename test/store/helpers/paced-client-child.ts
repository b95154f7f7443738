/**
 * Child process of the shared-budget test: one n8n worker's worth of requests through the package's
 * runner (createRunner, as the nodes build it), with the budget store chosen by the environment
 * (AIW_RATE_LIMIT_STORE, AIW_RATE_LIMIT_PREFIX). Prints how many requests failed.
 */
import { LoggerProxy } from 'n8n-workflow';

import { connectionFromCredentials } from '../../../nodes/shared/llm/connection';
import { createRunner } from '../../../nodes/shared/llm/nodeSupport';
import { budgetStore } from '../../../nodes/shared/llm/rateLimit/config';

async function main() {
	// The package's warnings (a shared store that failed) go to stderr, where the test shows them.
	const toStderr = (message: string) => console.error(message);
	LoggerProxy.init({ error: toStderr, warn: toStderr, info: () => undefined, debug: () => undefined, verbose: () => undefined } as unknown as Parameters<typeof LoggerProxy.init>[0]);
	const [baseUrl, apiKey, name, count, stated] = process.argv.slice(2);
	const connection = connectionFromCredentials('openAiCompatibleApi', { baseUrl, apiKey });
	const runner = createRunner(connection, { concurrency: 8, requestsPerMinute: Number(stated) });
	// Both processes start together: the parent says "go" once both are loaded.
	console.log('ready');
	await new Promise<void>((go) => process.stdin.once('data', () => go()));
	let failed = 0;
	await Promise.all(
		Array.from({ length: Number(count) }, (_, i) =>
			runner.complete({ model: 'gpt-4o-mini', max_tokens: 1, messages: [{ role: 'user', content: `${name} ticket ${i}: refund my order` }] }).catch(() => failed++),
		),
	);
	await budgetStore().close?.();
	console.log(JSON.stringify({ failed }));
	process.exit(0);
}

main().catch((error) => {
	console.error(error);
	process.exit(1);
});
