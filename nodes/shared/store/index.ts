/**
 * Opens the package store. Stores are cached per configuration in the process (an open file handle
 * or a connection pool is a cache, not state: every fact lives in the database).
 */
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

import { describePostgres, PostgresStore } from './postgres';
import { SqliteStore } from './sqlite';
import { StoreUnavailableError, type PackageStore, type PostgresStoreConfig, type StoreConfig } from './types';

export * from './types';

/** `<N8N_USER_FOLDER or ~>/.n8n/ai-workflow/store.sqlite`, where n8n keeps its own files. */
export function defaultSqlitePath(env: NodeJS.ProcessEnv = process.env): string {
	const userFolder = env.N8N_USER_FOLDER || homedir();
	return join(userFolder, '.n8n', 'ai-workflow', 'store.sqlite');
}

const cache = new Map<string, Promise<PackageStore>>();

function cacheKey(config: StoreConfig): string {
	if (config.kind === 'sqlite') return `sqlite:${resolveSqlitePath(config.path)}`;
	const { kind, connectionString, host, port, database, user, password, ssl, allowUnauthorizedCerts, retryPolicy } = config;
	return JSON.stringify({ kind, connectionString, host, port, database, user, password, ssl, allowUnauthorizedCerts, retryPolicy });
}

function resolveSqlitePath(path: string | undefined): string {
	const trimmed = path?.trim();
	if (!trimmed) return defaultSqlitePath();
	if (trimmed === ':memory:') return trimmed;
	return resolve(trimmed.startsWith('~/') ? join(homedir(), trimmed.slice(2)) : trimmed);
}

export function describeStore(config: StoreConfig): string {
	return config.kind === 'sqlite'
		? `embedded SQLite store ${resolveSqlitePath(config.path)}`
		: `PostgreSQL store ${describePostgres(config)}`;
}

/**
 * n8n in queue mode runs executions on several processes (workers, webhook processor), usually on
 * several machines: each would write its own SQLite file, so reviews and metrics would be split
 * and lost. n8n's own setting tells the package where it runs.
 */
export function refuseSqliteInQueueMode(config: StoreConfig, env: NodeJS.ProcessEnv = process.env): void {
	if (config.kind !== 'sqlite' || env.EXECUTIONS_MODE?.trim().toLowerCase() !== 'queue') return;
	throw new StoreUnavailableError(
		'The embedded SQLite store cannot be used in queue mode (EXECUTIONS_MODE=queue): every worker and webhook process would keep its own file',
		'Set Store to PostgreSQL and choose a Postgres credential that every n8n process can reach (the same for every node of the package).',
	);
}

/** Opens (once per process and configuration) and migrates the store. Throws StoreUnavailableError. */
export function openStore(config: StoreConfig): Promise<PackageStore> {
	try {
		refuseSqliteInQueueMode(config);
	} catch (error) {
		return Promise.reject(error);
	}
	const key = cacheKey(config);
	let store = cache.get(key);
	if (!store) {
		const forget = () => cache.delete(key);
		store = (async (): Promise<PackageStore> => {
			if (config.kind === 'sqlite') return SqliteStore.open(resolveSqlitePath(config.path), forget);
			if (config.kind === 'postgres') return PostgresStore.open(config, forget);
			throw new StoreUnavailableError(
				`Unknown store type ${JSON.stringify((config as { kind: unknown }).kind)}`,
				'Choose the embedded SQLite store or PostgreSQL.',
			);
		})();
		store.catch(forget);
		cache.set(key, store);
	}
	return store;
}

/** Closes every cached store (tests, shutdown). */
export async function closeAllStores(): Promise<void> {
	const stores = [...cache.values()];
	cache.clear();
	await Promise.all(stores.map(async (s) => (await s.catch(() => undefined))?.close()));
}

/** Store configuration from the values of n8n's built-in `postgres` credential. */
export function postgresConfigFromCredential(credential: Record<string, unknown>): PostgresStoreConfig {
	if (credential.sshTunnel === true) {
		throw new StoreUnavailableError(
			'The Postgres credential uses an SSH tunnel, which the package store does not support',
			'Use a credential that reaches PostgreSQL directly (or through a tunnel you run outside n8n).',
		);
	}
	return {
		kind: 'postgres',
		host: typeof credential.host === 'string' ? credential.host : undefined,
		port: credential.port === undefined || credential.port === '' ? undefined : Number(credential.port),
		database: typeof credential.database === 'string' ? credential.database : undefined,
		user: typeof credential.user === 'string' ? credential.user : undefined,
		password: typeof credential.password === 'string' ? credential.password : undefined,
		ssl: typeof credential.ssl === 'string' ? credential.ssl : undefined,
		allowUnauthorizedCerts: credential.allowUnauthorizedCerts === true,
		maxConnections:
			typeof credential.maxConnections === 'number' && credential.maxConnections > 0
				? Math.min(credential.maxConnections, 10)
				: undefined,
	};
}
