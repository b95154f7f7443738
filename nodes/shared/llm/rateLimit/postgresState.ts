/**
 * Rate budgets in PostgreSQL — the package store's database, for teams whose n8n processes share it
 * but no Redis. One row per budget in `aiwf_rate_limits` (created on first use, beside the store's
 * tables; it holds nothing that outlives an hour), updated under its row lock: processes queue on
 * the lock instead of retrying each other's conflicts (a hot row under optimistic updates starves).
 * Four round trips per update, in one transaction, with the server's clock.
 */
import { Pool } from 'pg';

import { describePostgres, poolConfig } from '../../store/postgres';
import { STATE_TTL_MS, type SharedStateStore, type StateUpdate } from './sharedState';

const TABLE = 'aiwf_rate_limits';

export class PostgresStateStore implements SharedStateStore {
	readonly shared = true;
	readonly description: string;
	private pool: Pool | undefined;
	private ready: Promise<void> | undefined;

	constructor(private readonly connectionString: string) {
		this.description = `PostgreSQL at ${describePostgres({ kind: 'postgres', connectionString })}`;
	}

	private connected(): Promise<void> {
		if (!this.pool) {
			this.pool = new Pool({ ...poolConfig({ kind: 'postgres', connectionString: this.connectionString, maxConnections: 4, connectionTimeoutMs: 5000 }), application_name: 'n8n-nodes-ai-workflow rate limits' });
			// An idle client losing its connection must not crash n8n; the next update reports it.
			this.pool.on('error', () => undefined);
		}
		this.ready ??= (async () => {
			await this.pool!.query(`CREATE TABLE IF NOT EXISTS ${TABLE} (key TEXT PRIMARY KEY, state TEXT NOT NULL, version BIGINT NOT NULL, updated_at TIMESTAMPTZ NOT NULL DEFAULT now())`).catch((error: { code?: string }) => {
				// Two processes creating it at once: PostgreSQL's IF NOT EXISTS is not atomic; the other one made it.
				if (error.code !== '23505' && error.code !== '42P07') throw error;
			});
			await this.pool!.query(`DELETE FROM ${TABLE} WHERE updated_at < now() - make_interval(secs => $1)`, [STATE_TTL_MS / 1000]);
		})().catch((error: unknown) => {
			this.ready = undefined;
			throw error;
		});
		return this.ready;
	}

	async update(key: string, update: StateUpdate): Promise<void> {
		await this.connected();
		const client = await this.pool!.connect();
		let broken: Error | undefined;
		try {
			await client.query('BEGIN');
			await client.query(`INSERT INTO ${TABLE} (key, state, version) VALUES ($1, '', 0) ON CONFLICT (key) DO NOTHING`, [key]);
			const { rows } = await client.query<{ state: string; now: number }>(
				`SELECT state, (extract(epoch FROM clock_timestamp()) * 1000)::float8 AS now FROM ${TABLE} WHERE key = $1 FOR UPDATE`,
				[key],
			);
			const next = update(rows[0].state || undefined, Number(rows[0].now));
			await client.query(`UPDATE ${TABLE} SET state = $2, version = version + 1, updated_at = now() WHERE key = $1`, [key, next]);
			await client.query('COMMIT');
		} catch (error) {
			broken = error as Error;
			await client.query('ROLLBACK').catch(() => undefined);
			throw error;
		} finally {
			client.release(broken);
		}
	}

	async close(): Promise<void> {
		const pool = this.pool;
		this.pool = undefined;
		this.ready = undefined;
		await pool?.end().catch(() => undefined);
	}
}
