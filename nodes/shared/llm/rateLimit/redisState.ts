/**
 * Rate budgets in Redis, for every n8n process that reaches it (queue-mode workers, several mains).
 * An update is optimistic: read the value with Redis's clock, compute the new value here, and write
 * it only if nobody changed it meanwhile (a compare-and-set script), else compute again. Two round
 * trips per update; conflicts only cost another try. Keys expire an hour after their last use.
 */
import type { createClient } from '@redis/client';

import { STATE_TTL_MS, type SharedStateStore, type StateUpdate } from './sharedState';

/** Returns Redis's clock (seconds, microseconds) and the value, if any. */
const READ = `local t = redis.call('TIME')
local v = redis.call('GET', KEYS[1])
if v then return {t[1], t[2], v} end
return {t[1], t[2]}`;

/** Writes ARGV[2] if the value is still ARGV[1] ('' for none). */
const COMPARE_AND_SET = `local v = redis.call('GET', KEYS[1])
if (v or '') ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
return 1`;

const MAX_TRIES = 50;

type Client = ReturnType<typeof createClient>;

export class RedisStateStore implements SharedStateStore {
	readonly shared = true;
	readonly description: string;
	private client: Promise<Client> | undefined;

	constructor(private readonly url: string) {
		const parsed = new URL(url);
		this.description = `Redis at ${parsed.hostname}:${parsed.port || 6379}`;
	}

	private connected(): Promise<Client> {
		this.client ??= (async () => {
			// Loaded only where Redis is chosen.
			const redis = await import('@redis/client');
			const client = redis.createClient({ url: this.url, socket: { connectTimeout: 2000, reconnectStrategy: (retries) => Math.min(2000, 100 * 2 ** retries) } });
			// A lost connection must not crash n8n: commands fail meanwhile and the limiter falls back.
			client.on('error', () => undefined);
			await client.connect();
			return client as Client;
		})().catch((error: unknown) => {
			this.client = undefined;
			throw error;
		});
		return this.client;
	}

	async update(key: string, update: StateUpdate): Promise<void> {
		const client = await this.connected();
		for (let tries = 0; tries < MAX_TRIES; tries++) {
			const [seconds, micros, current] = (await client.sendCommand(['EVAL', READ, '1', key])) as [string, string, string?];
			const now = Number(seconds) * 1000 + Number(micros) / 1000;
			const next = update(current ?? undefined, now);
			const written = await client.sendCommand(['EVAL', COMPARE_AND_SET, '1', key, current ?? '', next, String(STATE_TTL_MS)]);
			if (Number(written) === 1) return;
		}
		throw new Error(`the budget ${key} kept changing under ${MAX_TRIES} tries`);
	}

	async close(): Promise<void> {
		const client = this.client;
		this.client = undefined;
		if (client) await (await client.catch(() => undefined))?.close().catch(() => undefined);
	}
}
