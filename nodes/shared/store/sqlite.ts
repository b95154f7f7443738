/**
 * The embedded store: one SQLite file through Node's built-in `node:sqlite` (Node ≥ 22.13, or 22.5+
 * with --experimental-sqlite). Built in, so it installs in n8n's Docker image with no native build.
 * WAL lets readers run beside the writer; busy_timeout makes a second writer (another execution or
 * another n8n process on the same file) wait for the lock instead of failing.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { DatabaseSync, StatementSync } from 'node:sqlite';

import {
	AGGREGATE_COLUMNS,
	EventAggregator,
	EVENT_COLUMNS,
	eventToRow,
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
	type ReadEventsOptions,
	type ReviewCase,
	type ReviewCaseStatus,
	type SeenDocument,
	type SeenDocumentQuery,
	type StoredModel,
	type TrainingExample,
} from './types';

const BUSY_TIMEOUT_MS = 30_000;
const AGGREGATE_PAGE = 50_000;

type SqliteModule = typeof import('node:sqlite');

/** Required lazily: a Node without node:sqlite can still load the package and use PostgreSQL. */
export function loadSqlite(load: (id: string) => unknown = require): SqliteModule {
	try {
		return load('node:sqlite') as SqliteModule;
	} catch (error) {
		throw new StoreUnavailableError(
			`The embedded store needs Node's built-in SQLite (node:sqlite), which this Node ${process.version} does not have`,
			'Run n8n on Node 22.13 or newer (22.5–22.12 with NODE_OPTIONS=--experimental-sqlite), or choose PostgreSQL as the store.',
			error,
		);
	}
}

type Row = Record<string, unknown>;

export class SqliteStore implements PackageStore {
	readonly kind = 'sqlite' as const;
	private readonly statements = new Map<string, StatementSync>();
	private readonly readers: DatabaseSync[] = [];
	private readonly idleReaders: DatabaseSync[] = [];

	private constructor(
		private readonly db: DatabaseSync,
		readonly location: string,
		private readonly onClose: () => void,
	) {}

	static open(path: string, onClose: () => void = () => {}): SqliteStore {
		const sqlite = loadSqlite();
		let db: DatabaseSync;
		try {
			if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
			db = new sqlite.DatabaseSync(path, { timeout: BUSY_TIMEOUT_MS });
			db.exec(`PRAGMA busy_timeout = ${BUSY_TIMEOUT_MS}`);
			db.exec('PRAGMA journal_mode = WAL');
			db.exec('PRAGMA synchronous = NORMAL');
		} catch (error) {
			throw new StoreUnavailableError(
				`Cannot open the embedded store file ${path} (${plainCause(error)})`,
				'Check that the folder exists and n8n may write to it, or set another store file path.',
				error,
			);
		}
		const store = new SqliteStore(db, path, onClose);
		store.migrate();
		return store;
	}

	/** Applies missing migrations inside one write transaction, so concurrent openers serialise. */
	private migrate(): void {
		this.transaction(() => {
			this.db.exec(
				`CREATE TABLE IF NOT EXISTS ${MIGRATIONS_TABLE} (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)`,
			);
			const applied = new Set(
				(this.db.prepare(`SELECT version FROM ${MIGRATIONS_TABLE}`).all() as Row[]).map((r) => Number(r.version)),
			);
			for (const migration of migrations) {
				if (applied.has(migration.version)) continue;
				for (const statement of migration.statements('sqlite')) this.db.exec(statement);
				this.db
					.prepare(`INSERT INTO ${MIGRATIONS_TABLE} (version, name, applied_at) VALUES (?, ?, ?)`)
					.run(migration.version, migration.name, new Date().toISOString());
			}
		});
	}

	private transaction<T>(work: () => T): T {
		// IMMEDIATE takes the write lock up front (waiting up to busy_timeout) so the transaction
		// never has to upgrade a read lock, which SQLite would refuse with SQLITE_BUSY.
		this.db.exec('BEGIN IMMEDIATE');
		try {
			const result = work();
			this.db.exec('COMMIT');
			return result;
		} catch (error) {
			// A failed COMMIT or statement may already have ended the transaction.
			try {
				this.db.exec('ROLLBACK');
			} catch {
				// nothing to roll back
			}
			throw error;
		}
	}

	private prepared(sql: string): StatementSync {
		let statement = this.statements.get(sql);
		if (!statement) {
			statement = this.db.prepare(sql);
			this.statements.set(sql, statement);
		}
		return statement;
	}

	async writeEvents(events: MetricEvent[]): Promise<{ written: number; duplicates: number }> {
		if (events.length === 0) return { written: 0, duplicates: 0 };
		const rows = events.map(eventToRow);
		const insert = this.prepared(
			`INSERT INTO aiwf_metric_events (${EVENT_COLUMNS.join(', ')}) VALUES (${EVENT_COLUMNS.map(() => '?').join(', ')})
			ON CONFLICT (event_key) DO NOTHING`,
		);
		let written = 0;
		this.transaction(() => {
			for (const row of rows) written += Number(insert.run(...row).changes);
		});
		return { written, duplicates: events.length - written };
	}

	async readEvents(filter: EventFilter, options: ReadEventsOptions = {}): Promise<MetricEvent[]> {
		const where = whereClause(filter, options.includeSkipped ?? true);
		const rows = this.prepared(
			`SELECT * FROM aiwf_metric_events ${where.sql} ORDER BY at_ms, event_key LIMIT ? OFFSET ?`,
		).all(...where.params, options.limit ?? -1, options.offset ?? 0) as Row[];
		return rows.map(rowToEvent);
	}

	async countEvents(filter: EventFilter): Promise<number> {
		const where = whereClause(filter, true);
		const row = this.prepared(`SELECT COUNT(*) AS n FROM aiwf_metric_events ${where.sql}`).get(...where.params) as Row;
		return Number(row.n);
	}

	/**
	 * Streams the window's rows once, in pages on a separate read connection (one WAL snapshot), and
	 * yields to the event loop between pages so n8n stays responsive during a big report.
	 */
	async aggregate(query: AggregateQuery): Promise<Aggregates> {
		const reader = this.takeReader();
		try {
			return await this.aggregateOn(reader, query);
		} finally {
			this.idleReaders.push(reader);
		}
	}

	private async aggregateOn(reader: DatabaseSync, query: AggregateQuery): Promise<Aggregates> {
		const where = whereClause(query, true);
		const aggregator = new EventAggregator(query);
		const rowidColumn = AGGREGATE_COLUMNS.length;
		const atColumn = AGGREGATE_COLUMNS.indexOf('at_ms');
		reader.exec('BEGIN');
		try {
			// A window holding much of the table is read in table order (sequential pages); a narrow
			// one through the time index. The index alone counts the window cheaply.
			const timeOnly = whereClause({ from: query.from, to: query.to }, true);
			const inWindow = Number((reader.prepare(`SELECT COUNT(*) AS n FROM aiwf_metric_events ${timeOnly.sql}`).get(...timeOnly.params) as Row).n);
			const tableRows = Number((reader.prepare('SELECT COALESCE(MAX(rowid), 0) AS n FROM aiwf_metric_events').get() as Row).n);
			const byRowid = inWindow > tableRows / 4;
			const and = where.sql ? `${where.sql} AND` : 'WHERE';
			const page = reader.prepare(
				byRowid
					? `SELECT ${AGGREGATE_COLUMNS.join(', ')}, rowid FROM aiwf_metric_events NOT INDEXED ${and} rowid > ? ORDER BY rowid LIMIT ${AGGREGATE_PAGE}`
					: `SELECT ${AGGREGATE_COLUMNS.join(', ')}, rowid FROM aiwf_metric_events ${and} (at_ms, rowid) > (?, ?) ORDER BY at_ms, rowid LIMIT ${AGGREGATE_PAGE}`,
			);
			// Arrays skip building an object per row (Node ≥ 22.16); older Nodes get objects, mapped below.
			const arrays = typeof page.setReturnArrays === 'function';
			if (arrays) page.setReturnArrays(true);
			const columns = [...AGGREGATE_COLUMNS, 'rowid'];
			let cursor: number[] = byRowid ? [0] : [Number.MIN_SAFE_INTEGER, 0];
			for (;;) {
				const fetched = page.all(...where.params, ...cursor) as unknown[];
				const rows = arrays ? (fetched as unknown[][]) : (fetched as Row[]).map((r) => columns.map((c) => r[c]));
				for (const row of rows) aggregator.add(row);
				if (rows.length < AGGREGATE_PAGE) break;
				const tail = rows[rows.length - 1];
				cursor = byRowid ? [Number(tail[rowidColumn])] : [Number(tail[atColumn]), Number(tail[rowidColumn])];
				await new Promise((resolve) => setImmediate(resolve));
			}
		} finally {
			reader.exec('COMMIT');
		}
		return aggregator.result();
	}

	/** Separate connections for long reads, so a report never holds the writer's connection. */
	private takeReader(): DatabaseSync {
		const reader = this.idleReaders.pop();
		if (reader) return reader;
		const opened = new (loadSqlite().DatabaseSync)(this.location, { timeout: BUSY_TIMEOUT_MS, readOnly: true });
		// A report reads the whole window: map the file instead of copying every page through read().
		opened.exec(`PRAGMA busy_timeout = ${BUSY_TIMEOUT_MS}`);
		opened.exec('PRAGMA mmap_size = 1073741824');
		this.readers.push(opened);
		return opened;
	}

	async putReviewCase(reviewCase: ReviewCase): Promise<void> {
		const row = reviewCaseToRow(reviewCase);
		this.prepared(
			`INSERT OR REPLACE INTO aiwf_review_cases (${REVIEW_CASE_COLUMNS.join(', ')}) VALUES (${REVIEW_CASE_COLUMNS.map(() => '?').join(', ')})`,
		).run(...row);
	}

	async getReviewCase(executionId: string, nodeName: string): Promise<ReviewCase | undefined> {
		const row = this.prepared(
			'SELECT * FROM aiwf_review_cases WHERE execution_id = ? AND node_name = ? ORDER BY created_ms DESC, rowid DESC LIMIT 1',
		).get(executionId, nodeName) as Row | undefined;
		return row ? rowToReviewCase(row) : undefined;
	}

	async getReviewCaseById(id: string): Promise<ReviewCase | undefined> {
		const row = this.prepared('SELECT * FROM aiwf_review_cases WHERE id = ?').get(id) as Row | undefined;
		return row ? rowToReviewCase(row) : undefined;
	}

	async decideReviewCase(id: string, decision: unknown, decidedAt: string): Promise<boolean> {
		const result = this.prepared(
			"UPDATE aiwf_review_cases SET status = 'decided', decision = ?, decided_at = ? WHERE id = ? AND status = 'pending'",
		).run(JSON.stringify(decision ?? null), decidedAt, id);
		return Number(result.changes) === 1;
	}

	async expireReviewCase(id: string): Promise<boolean> {
		const result = this.prepared(
			"UPDATE aiwf_review_cases SET status = 'expired' WHERE id = ? AND status = 'pending'",
		).run(id);
		return Number(result.changes) === 1;
	}

	async listReviewCases(status: ReviewCaseStatus, workflowId?: string, limit = 1_000_000): Promise<ReviewCase[]> {
		const rows = this.prepared(REVIEW_CASES_BY_STATUS).all(status, workflowId ?? null, workflowId ?? null, limit) as Row[];
		return rows.map(rowToReviewCase).reverse();
	}

	async recordSeenDocument(seen: SeenDocument): Promise<boolean> {
		return Number(this.prepared(INSERT_SEEN_DOCUMENT).run(...seenDocumentToRow(seen)).changes) === 1;
	}

	async findSeenDocuments(query: SeenDocumentQuery): Promise<SeenDocument[]> {
		const statement = findSeenDocumentsStatement(query);
		if (!statement.sql) return [];
		return (this.prepared(statement.sql).all(...statement.params) as Row[]).map(rowToSeenDocument);
	}

	async saveInvoiceLayout(executionId: string, recordHash: string, layout: string, savedAt: string): Promise<void> {
		this.prepared(SAVE_INVOICE_LAYOUT).run(executionId, recordHash, Date.parse(savedAt), layout);
		this.prepared(PRUNE_INVOICE_LAYOUTS).run(Date.parse(savedAt) - INVOICE_LAYOUT_RETENTION_MS);
	}

	async getInvoiceLayout(executionId: string, recordHash: string): Promise<string | undefined> {
		const row = this.prepared(GET_INVOICE_LAYOUT).get(executionId, recordHash) as Row | undefined;
		return row ? String(row.layout) : undefined;
	}

	async saveVendorMemory(keys: string[], memory: string, updatedAt: string): Promise<void> {
		const updatedMs = Date.parse(updatedAt);
		const statement = this.prepared(SAVE_VENDOR_MEMORY);
		this.db.exec('BEGIN IMMEDIATE');
		try {
			for (const key of keys) statement.run(key, memory, updatedMs);
			this.db.exec('COMMIT');
		} catch (error) {
			this.db.exec('ROLLBACK');
			throw error;
		}
	}

	async findVendorMemories(keys: string[]): Promise<string[]> {
		if (keys.length === 0) return [];
		const rows = this.prepared(findVendorMemoriesSql(keys.length)).all(...keys) as Row[];
		return [...new Set(rows.map((r) => String(r.memory)))];
	}

	async addTrainingExamples(name: string, examples: TrainingExample[]): Promise<{ added: number }> {
		if (examples.length === 0) return { added: 0 };
		const insert = this.prepared(
			`INSERT INTO aiwf_training_examples (${TRAINING_EXAMPLE_COLUMNS.join(', ')}) VALUES (${TRAINING_EXAMPLE_COLUMNS.map(() => '?').join(', ')})
			ON CONFLICT (name, example_key) DO NOTHING`,
		);
		const addedMs = Date.now();
		let added = 0;
		this.transaction(() => {
			for (const example of examples) added += Number(insert.run(...trainingExampleToRow(name, example, addedMs)).changes);
		});
		return { added };
	}

	async listTrainingExamples(name: string): Promise<TrainingExample[]> {
		return (this.prepared(TRAINING_EXAMPLES_OF).all(name) as Row[]).map(rowToTrainingExample);
	}

	async saveModel(model: StoredModel): Promise<void> {
		this.prepared(
			`INSERT OR REPLACE INTO aiwf_models (${MODEL_COLUMNS.join(', ')}) VALUES (${MODEL_COLUMNS.map(() => '?').join(', ')})`,
		).run(...modelToRow(model));
	}

	async newestModelVersion(name: string): Promise<string | undefined> {
		const row = this.prepared(NEWEST_MODEL_VERSION).get(name) as Row | undefined;
		return row ? String(row.version) : undefined;
	}

	async newestModel(name: string): Promise<StoredModel | undefined> {
		const row = this.prepared(NEWEST_MODEL).get(name) as Row | undefined;
		return row ? rowToModel(row) : undefined;
	}

	async close(): Promise<void> {
		this.onClose();
		this.statements.clear();
		for (const connection of [...this.readers, this.db]) {
			try {
				connection.close();
			} catch {
				// already closed
			}
		}
	}
}
