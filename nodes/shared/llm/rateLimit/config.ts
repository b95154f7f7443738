/**
 * Which store this process keeps rate budgets in, from its environment — an operator's choice made
 * once for every n8n process (like n8n's own queue settings), not a node parameter:
 *
 * - `AIW_RATE_LIMIT_STORE` unset: in queue mode (EXECUTIONS_MODE=queue) n8n's own queue Redis
 *   (QUEUE_BULL_REDIS_HOST/PORT/DB/USERNAME/PASSWORD/TLS), which every main and worker reaches by
 *   definition; otherwise this process's memory.
 * - `memory`, `redis` (n8n's queue Redis), `redis://…` / `rediss://…`, or `postgres://…` /
 *   `postgresql://…` (the package store's PostgreSQL database, a table of its own).
 * - `AIW_RATE_LIMIT_PREFIX` (default `aiwf:rate-limit:`) prefixes the keys.
 *
 * Budgets are keyed by endpoint, API key and model (hashed: no secret is stored), so every node
 * using the same account and model shares one budget.
 */
import { createHash } from 'node:crypto';

import type { LlmConnection } from '../connection';
import { PostgresStateStore } from './postgresState';
import { RedisStateStore } from './redisState';
import { MemoryStateStore, type SharedStateStore } from './sharedState';

export type StoreChoice = { kind: 'memory' } | { kind: 'redis'; url: string } | { kind: 'postgres'; connectionString: string };

/** n8n's queue Redis as a URL. */
export function queueRedisUrl(env: NodeJS.ProcessEnv): string {
	const tls = /^(true|1)$/i.test(env.QUEUE_BULL_REDIS_TLS ?? '');
	const user = env.QUEUE_BULL_REDIS_USERNAME ? encodeURIComponent(env.QUEUE_BULL_REDIS_USERNAME) : '';
	const password = env.QUEUE_BULL_REDIS_PASSWORD ? `:${encodeURIComponent(env.QUEUE_BULL_REDIS_PASSWORD)}` : '';
	const auth = user || password ? `${user}${password}@` : '';
	return `${tls ? 'rediss' : 'redis'}://${auth}${env.QUEUE_BULL_REDIS_HOST || 'localhost'}:${env.QUEUE_BULL_REDIS_PORT || 6379}/${env.QUEUE_BULL_REDIS_DB || 0}`;
}

export function storeChoice(env: NodeJS.ProcessEnv = process.env): StoreChoice {
	const setting = env.AIW_RATE_LIMIT_STORE?.trim() ?? '';
	if (setting === '') return env.EXECUTIONS_MODE?.trim().toLowerCase() === 'queue' ? { kind: 'redis', url: queueRedisUrl(env) } : { kind: 'memory' };
	if (setting === 'memory') return { kind: 'memory' };
	if (setting === 'redis') return { kind: 'redis', url: queueRedisUrl(env) };
	if (/^rediss?:\/\//.test(setting)) return { kind: 'redis', url: setting };
	if (/^postgres(ql)?:\/\//.test(setting)) return { kind: 'postgres', connectionString: setting };
	throw new Error(`AIW_RATE_LIMIT_STORE must be memory, redis, a redis:// URL or a postgres:// URL, not "${setting}"`);
}

let processStore: { setting: string; store: SharedStateStore } | undefined;

/** This process's budget store (one for all executions), following the environment. */
export function budgetStore(env: NodeJS.ProcessEnv = process.env): SharedStateStore {
	const setting = `${env.AIW_RATE_LIMIT_STORE ?? ''}|${env.EXECUTIONS_MODE ?? ''}|${env.QUEUE_BULL_REDIS_HOST ?? ''}:${env.QUEUE_BULL_REDIS_PORT ?? ''}`;
	if (processStore?.setting === setting) return processStore.store;
	void processStore?.store.close?.();
	const choice = storeChoice(env);
	const store = choice.kind === 'redis' ? new RedisStateStore(choice.url) : choice.kind === 'postgres' ? new PostgresStateStore(choice.connectionString) : new MemoryStateStore();
	processStore = { setting, store };
	return store;
}

/** The budget's key: endpoint, account and model, hashed. */
export function budgetKey(connection: LlmConnection, model: string, env: NodeJS.ProcessEnv = process.env): string {
	const account = createHash('sha256')
		.update(JSON.stringify([connection.baseUrl.replace(/\/+$/, ''), connection.apiKey ?? '', connection.organization ?? '', connection.headers]))
		.digest('hex')
		.slice(0, 24);
	return `${env.AIW_RATE_LIMIT_PREFIX ?? 'aiwf:rate-limit:'}${account}:${model}`;
}
