/**
 * Rate budgets in PostgreSQL — the package store's database, for teams whose n8n processes share it
 * but no Redis. One row per budget in `aiwf_rate_limits` (created on first use, beside the store's
 * tables; it holds nothing that outlives an hour), updated optimistically by version: read with the
 * server's clock, compute here, write only if the version is unchanged. Two round trips per update.
 */
import { Pool } from 'pg';

import { describePostgres, poolConfig } from '../../store/postgres';
import { STATE_TTL_MS, type SharedStateStore, type StateUpdate } from './sharedState';

const TABLE = 'aiwf_rate_limits';
const MAX_TRIES = 50;

export class PostgresStateStore implements SharedStateStore {
	readonly shared = true;
	readonly description: string;
	private pool: Pool | undefined;
	private ready: Promise<void> | undefined;

	constructor(private readonly connectionString: string) {
		this.description = `PostgreSQL at ${describePostgres({ kind: 'postgres', connectionString })}`;
	}

	private connected(): Promise<void> {
		this.pool ??= new Pool({ ...poolConfig({ kind: 'postgres', connectionString: this.connectionString, maxConnections: 4, connectionTimeoutMs: 2000 }), application_name: 'n8n-nodes-ai-workflow rate limits' });
		// An idle client losing its connection must not crash n8n; the next update reports it.
		this.pool.on('error', () => undefined);
		this.ready ??= (async () => {
			await this.pool!.query(`CREATE TABLE IF NOT EXISTS ${TABLE} (key TEXT PRIMARY KEY, state TEXT NOT NULL, version BIGINT NOT NULL, updated_at TIMESTAMPTZ NOT NULL DEFAULT now())`);
			await this.pool!.query(`DELETE FROM ${TABLE} WHERE updated_at < now() - make_interval(secs => $1)`, [STATE_TTL_MS / 1000]);
		})().catch((error: unknown) => {
			this.ready = undefined;
			throw error;
		});
		return this.ready;
	}

	async update(key: string, update: StateUpdate): Promise<void> {
		await this.connected();
		const pool = this.pool!;
		for (let tries = 0; tries < MAX_TRIES; tries++) {
			const { rows } = await pool.query<{ state: string | null; version: string | null; now: number }>(
				`SELECT r.state, r.version, (extract(epoch FROM clock_timestamp()) * 1000)::float8 AS now FROM (SELECT 1) AS one LEFT JOIN ${TABLE} r ON r.key = $1`,
				[key],
			);
			const { state, version, now } = rows[0];
			const next = update(state ?? undefined, Number(now));
			const written =
				version === null
					? await pool.query(`INSERT INTO ${TABLE} (key, state, version) VALUES ($1, $2, 1) ON CONFLICT (key) DO NOTHING`, [key, next])
					: await pool.query(`UPDATE ${TABLE} SET state = $2, version = version + 1, updated_at = now() WHERE key = $1 AND version = $3`, [key, next, version]);
			if (written.rowCount === 1) return;
		}
		throw new Error(`the budget ${key} kept changing under ${MAX_TRIES} tries`);
	}

	async close(): Promise<void> {
		const pool = this.pool;
		this.pool = undefined;
		this.ready = undefined;
		await pool?.end().catch(() => undefined);
	}
}
