/**
 * The PostgreSQL store, for teams and n8n queue mode (main, workers and webhook processors share it).
 * Migrations run under an advisory lock so processes starting together do not race.
 */
import { LoggerProxy } from 'n8n-workflow';
import { Pool, type PoolClient, type PoolConfig } from 'pg';

import { DEFAULT_RETRY_POLICY, isTransientConnectionError, rootCause, withConnectionRetries, type RetryNotice, type RetryPolicy } from './retry';

import {
	aggregateStatements,
	buildAggregates,
	EVENT_COLUMN_PG_TYPES,
	EVENT_COLUMNS,
	eventToRow,
	foldGroups,
	MIGRATIONS_TABLE,
	migrations,
	REVIEW_CASE_COLUMNS,
	reviewCaseToRow,
	rowToEvent,
	REVIEW_CASES_BY_STATUS,
	rowToReviewCase,
	whereClause,
	findSeenDocumentsStatement,
	INSERT_SEEN_DOCUMENT,
	SAVE_INVOICE_LAYOUT,
	PRUNE_INVOICE_LAYOUTS,
	INVOICE_LAYOUT_RETENTION_MS,
	GET_INVOICE_LAYOUT,
	SAVE_VENDOR_MEMORY,
	findVendorMemoriesSql,
	rowToSeenDocument,
	seenDocumentToRow,
	type AggregateStatements,
	MODEL_COLUMNS,
	modelToRow,
	NEWEST_MODEL,
	NEWEST_MODEL_VERSION,
	rowToModel,
	rowToTrainingExample,
	TRAINING_EXAMPLE_COLUMNS,
	TRAINING_EXAMPLES_OF,
	trainingExampleToRow,
} from './sql';
import {
	plainCause,
	StoreUnavailableError,
	type AggregateQuery,
	type Aggregates,
	type EventFilter,
	type MetricEvent,
	type PackageStore,
	type PostgresStoreConfig,
	type ReadEventsOptions,
	type ReviewCase,
	type ReviewCaseStatus,
	type SeenDocument,
	type SeenDocumentQuery,
	type StoredModel,
	type TrainingExample,
} from './types';

/** work_mem of the report's groupings (see aggregateQuery); a cap, not an allocation. */
const AGGREGATE_WORK_MEM = '64MB';
/** Arbitrary constant key of the migration advisory lock ("aiwf" in ASCII). */
const MIGRATION_LOCK_KEY = 0x61697766;
const INSERT_CHUNK = 5000;

type Row = Record<string, unknown>;

/** `?` placeholders → `$1…$n`. */
export function numberPlaceholders(sql: string): string {
	let index = 0;
	return sql.replace(/\?/g, () => `$${++index}`);
}

export function describePostgres(config: PostgresStoreConfig): string {
	if (config.connectionString) {
		try {
			const url = new URL(config.connectionString);
			return `${url.hostname}:${url.port || 5432}${url.pathname}`;
		} catch {
			return 'the configured connection string';
		}
	}
	return `${config.host ?? 'localhost'}:${config.port ?? 5432}/${config.database ?? 'postgres'}`;
}

export function poolConfig(config: PostgresStoreConfig): PoolConfig {
	const ssl =
		config.ssl && config.ssl !== 'disable'
			? { rejectUnauthorized: config.ssl === 'allow' ? false : !config.allowUnauthorizedCerts }
			: undefined;
	return {
		connectionString: config.connectionString,
		host: config.connectionString ? undefined : config.host,
		port: config.connectionString ? undefined : config.port,
		database: config.connectionString ? undefined : config.database,
		user: config.connectionString ? undefined : config.user,
		password: config.connectionString ? undefined : config.password || undefined,
		ssl,
		max: config.maxConnections ?? 5,
		connectionTimeoutMillis: config.connectionTimeoutMs ?? 10_000,
		idleTimeoutMillis: 30_000,
		application_name: 'n8n-nodes-ai-workflow',
	};
}

export class PostgresStore implements PackageStore {
	readonly kind = 'postgres' as const;

	private constructor(
		private readonly pool: Pool,
		readonly location: string,
		private readonly onClose: () => void,
		private readonly retryPolicy: RetryPolicy,
	) {}

	static async open(config: PostgresStoreConfig, onClose: () => void = () => {}): Promise<PostgresStore> {
		const location = describePostgres(config);
		const pool = new Pool(poolConfig(config));
		// An idle client losing its connection must not crash n8n; the next query reports it.
		pool.on('error', () => {});
		const store = new PostgresStore(pool, location, onClose, config.retryPolicy ?? DEFAULT_RETRY_POLICY);
		try {
			await store.migrate();
		} catch (error) {
			await pool.end().catch(() => {});
			throw error;
		}
		return store;
	}

	private async connect(): Promise<PoolClient> {
		try {
			return await this.pool.connect();
		} catch (error) {
			throw unavailable(this.location, error);
		}
	}

	/**
	 * One client for `work`. A client whose connection broke is dropped from the pool, not reused;
	 * while checked out it has an 'error' listener of its own, because pg-pool removes its idle
	 * listener then and a connection lost between two queries would otherwise crash n8n.
	 */
	private async withClient<T>(work: (client: PoolClient) => Promise<T>): Promise<T> {
		const client = await this.connect();
		let lost: Error | undefined;
		const onError = (error: Error) => (lost = error);
		client.on('error', onError);
		try {
			return await work(client);
		} catch (error) {
			if (isTransientConnectionError(error)) lost ??= error as Error;
			throw error;
		} finally {
			client.removeListener('error', onError);
			client.release(lost);
		}
	}

	/**
	 * Runs `work` on a client, again on a new one while PostgreSQL is unreachable (restart, failover),
	 * within the retry budget (retry.ts). `attempt` > 1 tells a write that an earlier try may have
	 * committed.
	 */
	private async run<T>(work: (client: PoolClient, attempt: number) => Promise<T>): Promise<T> {
		return await withConnectionRetries(
			this.location,
			async (attempt) => await this.withClient(async (client) => await work(client, attempt)),
			{ policy: this.retryPolicy, onRetry: (notice) => this.reportRetry(notice) },
		);
	}

	private reportRetry({ attempt, delayMs, elapsedMs, error }: RetryNotice): void {
		const budgetSeconds = Math.round(this.retryPolicy.budgetMs / 1000);
		LoggerProxy.warn(
			`n8n-nodes-ai-workflow: the PostgreSQL store at ${this.location} is unreachable (${plainCause(rootCause(error))}); ` +
				`trying again in ${delayMs} ms (attempt ${attempt} failed, ${(elapsedMs / 1000).toFixed(1)} s of ${budgetSeconds} s spent)`,
		);
	}

	private static async transaction<T>(client: PoolClient, work: (client: PoolClient) => Promise<T>): Promise<T> {
		await client.query('BEGIN');
		try {
			const result = await work(client);
			await client.query('COMMIT');
			return result;
		} catch (error) {
			if (!isTransientConnectionError(error)) await client.query('ROLLBACK').catch(() => {});
			throw error;
		}
	}

	/** One transaction, tried again as a whole while PostgreSQL is unreachable. */
	private async inTransaction<T>(work: (client: PoolClient, attempt: number) => Promise<T>): Promise<T> {
		return await this.run(async (client, attempt) => await PostgresStore.transaction(client, async (inner) => await work(inner, attempt)));
	}

	private async query(sql: string, params: unknown[] = []): Promise<Row[]> {
		return await this.run(async (client) => (await client.query(numberPlaceholders(sql), params)).rows as Row[]);
	}

	/**
	 * Not retried: a store that cannot be reached when it is first opened is far more often a wrong
	 * host or port than an outage, and the user should hear so at once.
	 */
	private async migrate(): Promise<void> {
		await this.withClient(async (outer) => await PostgresStore.transaction(outer, async (client) => {
			await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY]);
			await client.query(
				`CREATE TABLE IF NOT EXISTS ${MIGRATIONS_TABLE} (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())`,
			);
			const applied = new Set(
				(await client.query(`SELECT version FROM ${MIGRATIONS_TABLE}`)).rows.map((r: Row) => Number(r.version)),
			);
			for (const migration of migrations) {
				if (applied.has(migration.version)) continue;
				for (const statement of migration.statements('postgres')) await client.query(statement);
				await client.query(`INSERT INTO ${MIGRATIONS_TABLE} (version, name) VALUES ($1, $2)`, [
					migration.version,
					migration.name,
				]);
			}
		}));
	}

	/**
	 * Tried again after a lost connection, a conflict with an event of the same execution and node is
	 * the earlier try's commit, counted as written: only events stored by another execution (a re-run)
	 * are reported as duplicates.
	 */
	async writeEvents(events: MetricEvent[]): Promise<{ written: number; duplicates: number }> {
		if (events.length === 0) return { written: 0, duplicates: 0 };
		const rows = events.map(eventToRow);
		const insert = `INSERT INTO aiwf_metric_events (${EVENT_COLUMNS.join(', ')})
			SELECT * FROM UNNEST(${EVENT_COLUMN_PG_TYPES.map((type, i) => `$${i + 1}::${type}[]`).join(', ')})`;
		const firstTry = `${insert} ON CONFLICT (event_key) DO NOTHING`;
		const retry = `${insert} ON CONFLICT (event_key) DO UPDATE SET event_key = EXCLUDED.event_key
			WHERE aiwf_metric_events.execution_id = EXCLUDED.execution_id AND aiwf_metric_events.node_name = EXCLUDED.node_name`;
		const written = await this.inTransaction(async (client, attempt) => {
			let count = 0;
			for (let start = 0; start < rows.length; start += INSERT_CHUNK) {
				const chunk = rows.slice(start, start + INSERT_CHUNK);
				const columns = EVENT_COLUMNS.map((_, c) => chunk.map((row) => row[c]));
				count += (await client.query(attempt > 1 ? retry : firstTry, columns)).rowCount ?? 0;
			}
			return count;
		});
		return { written, duplicates: events.length - written };
	}

	async readEvents(filter: EventFilter, options: ReadEventsOptions = {}): Promise<MetricEvent[]> {
		const where = whereClause(filter, options.includeSkipped ?? true);
		const rows = await this.query(
			`SELECT * FROM aiwf_metric_events ${where.sql} ORDER BY at_ms, event_key LIMIT ? OFFSET ?`,
			[...where.params, options.limit ?? null, options.offset ?? 0],
		);
		return rows.map(rowToEvent);
	}

	async countEvents(filter: EventFilter): Promise<number> {
		const where = whereClause(filter, true);
		const rows = await this.query(`SELECT COUNT(*) AS n FROM aiwf_metric_events ${where.sql}`, where.params);
		return Number(rows[0].n);
	}

	async aggregate(query: AggregateQuery): Promise<Aggregates> {
		const statements = aggregateStatements('postgres', query);
		const keys: Array<keyof AggregateStatements> = ['grouped', 'latency', 'timeline', 'fields', 'cascade', 'input'];
		if (query.includeSeries) keys.push('series');
		// Separate connections let PostgreSQL run the scans in parallel.
		const results = await Promise.all(keys.map((key) => this.aggregateQuery(statements[key].sql, statements[key].params)));
		const rows: { [K in keyof AggregateStatements]?: Row[] } = {};
		keys.forEach((key, i) => (rows[key] = results[i]));
		const { grouped, ...rest } = rows;
		return buildAggregates({ ...rest, ...foldGroups(grouped ?? []) });
	}

	/**
	 * A report grouping, with AGGREGATE_WORK_MEM for its transaction: the groups are few (thousands),
	 * but PostgreSQL's estimate of them multiplies the distinct values of every key and, with the
	 * default 4 MB, it sorts the whole window on disk instead of hashing — measured on 1,000,000
	 * events, 2.3–3.3 s sorting against 0.5 s hashing per grouping.
	 */
	private async aggregateQuery(sql: string, params: unknown[]): Promise<Row[]> {
		return await this.inTransaction(async (client) => {
			await client.query(`SET LOCAL work_mem = '${AGGREGATE_WORK_MEM}'`);
			return (await client.query(numberPlaceholders(sql), params)).rows as Row[];
		});
	}

	async putReviewCase(reviewCase: ReviewCase): Promise<void> {
		const updates = REVIEW_CASE_COLUMNS.filter((c) => c !== 'id')
			.map((c) => `${c} = EXCLUDED.${c}`)
			.join(', ');
		await this.query(
			`INSERT INTO aiwf_review_cases (${REVIEW_CASE_COLUMNS.join(', ')}) VALUES (${REVIEW_CASE_COLUMNS.map(() => '?').join(', ')})
			ON CONFLICT (id) DO UPDATE SET ${updates}`,
			reviewCaseToRow(reviewCase),
		);
	}

	async getReviewCase(executionId: string, nodeName: string): Promise<ReviewCase | undefined> {
		const rows = await this.query(
			'SELECT * FROM aiwf_review_cases WHERE execution_id = ? AND node_name = ? ORDER BY created_ms DESC, id DESC LIMIT 1',
			[executionId, nodeName],
		);
		return rows[0] ? rowToReviewCase(rows[0]) : undefined;
	}

	async getReviewCaseById(id: string): Promise<ReviewCase | undefined> {
		const rows = await this.query('SELECT * FROM aiwf_review_cases WHERE id = ?', [id]);
		return rows[0] ? rowToReviewCase(rows[0]) : undefined;
	}

	/**
	 * Tried again after a lost connection, the update also accepts the case already holding this very
	 * decision: the earlier try committed, and the reviewer must not be told "already decided".
	 */
	async decideReviewCase(id: string, decision: unknown, decidedAt: string): Promise<boolean> {
		const decisionJson = JSON.stringify(decision ?? null);
		return await this.run(async (client, attempt) => {
			const ownEarlierTry = attempt > 1 ? " OR (status = 'decided' AND decided_at = $2 AND decision = $1)" : '';
			const result = await client.query(
				`UPDATE aiwf_review_cases SET status = 'decided', decision = $1, decided_at = $2 WHERE id = $3 AND (status = 'pending'${ownEarlierTry})`,
				[decisionJson, decidedAt, id],
			);
			return result.rowCount === 1;
		});
	}

	async expireReviewCase(id: string): Promise<boolean> {
		return await this.run(async (client) => {
			const result = await client.query(
				"UPDATE aiwf_review_cases SET status = 'expired' WHERE id = $1 AND status = 'pending'",
				[id],
			);
			return result.rowCount === 1;
		});
	}

	async listReviewCases(status: ReviewCaseStatus, workflowId?: string, limit = 1_000_000): Promise<ReviewCase[]> {
		const rows = await this.query(REVIEW_CASES_BY_STATUS, [status, workflowId ?? null, workflowId ?? null, limit]);
		return rows.map(rowToReviewCase).reverse();
	}

	async recordSeenDocument(seen: SeenDocument): Promise<boolean> {
		return await this.run(async (client) => {
			const result = await client.query(numberPlaceholders(INSERT_SEEN_DOCUMENT), seenDocumentToRow(seen));
			return result.rowCount === 1;
		});
	}

	async findSeenDocuments(query: SeenDocumentQuery): Promise<SeenDocument[]> {
		const statement = findSeenDocumentsStatement(query);
		if (!statement.sql) return [];
		return (await this.query(statement.sql, statement.params)).map(rowToSeenDocument);
	}

	async saveInvoiceLayout(executionId: string, recordHash: string, layout: string, savedAt: string): Promise<void> {
		await this.query(SAVE_INVOICE_LAYOUT, [executionId, recordHash, Date.parse(savedAt), layout]);
		await this.query(PRUNE_INVOICE_LAYOUTS, [Date.parse(savedAt) - INVOICE_LAYOUT_RETENTION_MS]);
	}

	async getInvoiceLayout(executionId: string, recordHash: string): Promise<string | undefined> {
		const rows = await this.query(GET_INVOICE_LAYOUT, [executionId, recordHash]);
		return rows[0] ? String(rows[0].layout) : undefined;
	}

	async saveVendorMemory(keys: string[], memory: string, updatedAt: string): Promise<void> {
		const updatedMs = Date.parse(updatedAt);
		// Idempotent upserts: a retried call writes the same rows again.
		for (const key of keys) await this.query(SAVE_VENDOR_MEMORY, [key, memory, updatedMs]);
	}

	async findVendorMemories(keys: string[]): Promise<string[]> {
		if (keys.length === 0) return [];
		const rows = await this.query(findVendorMemoriesSql(keys.length), keys);
		return [...new Set(rows.map((r) => String(r.memory)))];
	}

	async addTrainingExamples(name: string, examples: TrainingExample[]): Promise<{ added: number }> {
		if (examples.length === 0) return { added: 0 };
		const addedMs = Date.now();
		const width = TRAINING_EXAMPLE_COLUMNS.length;
		return await this.inTransaction(async (client) => {
			let added = 0;
			for (let start = 0; start < examples.length; start += INSERT_CHUNK) {
				const chunk = examples.slice(start, start + INSERT_CHUNK);
				const values = chunk.map((_, row) => `(${TRAINING_EXAMPLE_COLUMNS.map((__, column) => `$${row * width + column + 1}`).join(', ')})`);
				const result = await client.query(
					`INSERT INTO aiwf_training_examples (${TRAINING_EXAMPLE_COLUMNS.join(', ')}) VALUES ${values.join(', ')}
					ON CONFLICT (name, example_key) DO NOTHING`,
					chunk.flatMap((example) => trainingExampleToRow(name, example, addedMs)),
				);
				added += result.rowCount ?? 0;
			}
			return { added };
		});
	}

	async listTrainingExamples(name: string): Promise<TrainingExample[]> {
		return (await this.query(TRAINING_EXAMPLES_OF, [name])).map(rowToTrainingExample);
	}

	async saveModel(model: StoredModel): Promise<void> {
		const updates = MODEL_COLUMNS.filter((c) => c !== 'name' && c !== 'version')
			.map((c) => `${c} = EXCLUDED.${c}`)
			.join(', ');
		await this.query(
			`INSERT INTO aiwf_models (${MODEL_COLUMNS.join(', ')}) VALUES (${MODEL_COLUMNS.map(() => '?').join(', ')})
			ON CONFLICT (name, version) DO UPDATE SET ${updates}`,
			modelToRow(model),
		);
	}

	async newestModelVersion(name: string): Promise<string | undefined> {
		const rows = await this.query(NEWEST_MODEL_VERSION, [name]);
		return rows[0] ? String(rows[0].version) : undefined;
	}

	async newestModel(name: string): Promise<StoredModel | undefined> {
		const rows = await this.query(NEWEST_MODEL, [name]);
		return rows[0] ? rowToModel(rows[0]) : undefined;
	}

	async close(): Promise<void> {
		this.onClose();
		await this.pool.end();
	}
}

function unavailable(location: string, error: unknown): StoreUnavailableError {
	return new StoreUnavailableError(
		`Cannot reach the PostgreSQL store at ${location} (${plainCause(error)})`,
		'Check that PostgreSQL is running and that host, port, database, user, password and SSL in the Postgres credential are right; or switch the node to the embedded SQLite store.',
		error,
	);
}
