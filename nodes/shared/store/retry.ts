/**
 * Riding out a PostgreSQL restart or failover: operations of the PostgreSQL store that fail because
 * the connection was refused, reset or closed by a shutting-down server are tried again, with
 * backoff, for a bounded time; after that the caller gets a StoreUnavailableError that names the
 * store and the fix. Every write of the store is idempotent (keyed by event, case or item), so
 * trying again after a failure whose COMMIT may have gone through cannot record anything twice.
 */
import { plainCause, StoreUnavailableError } from './types';

/**
 * How long one store operation keeps trying: long enough for a PostgreSQL restart or a managed
 * failover's usual switch-over (seconds to tens of seconds), short enough that n8n reports a real
 * outage as a failed execution within half a minute instead of hanging.
 */
export const STORE_RETRY_BUDGET_MS = 30_000;
/** First wait after a failure; doubled after every further failure up to STORE_RETRY_MAX_DELAY_MS. */
export const STORE_RETRY_BASE_DELAY_MS = 250;
export const STORE_RETRY_MAX_DELAY_MS = 4_000;

export interface RetryPolicy {
	budgetMs: number;
	baseDelayMs: number;
	maxDelayMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
	budgetMs: STORE_RETRY_BUDGET_MS,
	baseDelayMs: STORE_RETRY_BASE_DELAY_MS,
	maxDelayMs: STORE_RETRY_MAX_DELAY_MS,
};

/** Socket errors of a server that went away or is not listening (yet). */
const TRANSIENT_SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ECONNABORTED', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN']);

/**
 * SQLSTATEs of a server that is shutting down, crashed or starting up: 57P01 admin_shutdown,
 * 57P02 crash_shutdown, 57P03 cannot_connect_now (starting up, in recovery). Class 08 (connection
 * exceptions) is matched by prefix.
 */
const TRANSIENT_SQLSTATES = new Set(['57P01', '57P02', '57P03']);

/** Messages of node-postgres for a connection lost without a socket error code. */
const TRANSIENT_MESSAGES = [
	/Connection terminated/i,
	/timeout exceeded when trying to connect/i,
	/Client has encountered a connection error and is not queryable/i,
	/Client was closed and is not queryable/i,
	/terminating connection/i,
	/the database system is (starting up|shutting down|in recovery mode|not yet accepting connections)/i,
];

/** Whether a failed operation may succeed when tried again on a new connection. */
export function isTransientConnectionError(error: unknown): boolean {
	if (!error || typeof error !== 'object') return false;
	const { code, message, cause } = error as { code?: unknown; message?: unknown; cause?: unknown };
	if (typeof code === 'string') {
		if (TRANSIENT_SOCKET_CODES.has(code) || TRANSIENT_SQLSTATES.has(code) || /^08[0-9A-Z]{3}$/.test(code)) return true;
	}
	if (typeof message === 'string' && TRANSIENT_MESSAGES.some((pattern) => pattern.test(message))) return true;
	// pg-pool wraps a connect timeout's socket error; AggregateError (several addresses) carries a list.
	if (cause && cause !== error && isTransientConnectionError(cause)) return true;
	const errors = (error as { errors?: unknown }).errors;
	return Array.isArray(errors) && errors.length > 0 && errors.every(isTransientConnectionError);
}

/**
 * Wait before attempt `attempt + 1`: exponential from `baseDelayMs`, capped at `maxDelayMs`, the
 * upper half jittered (`random` ∈ [0, 1)) so that workers hitting the same outage do not retry in step.
 */
export function backoffDelayMs(attempt: number, policy: RetryPolicy, random: number): number {
	const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, attempt - 1));
	return Math.round(ceiling / 2 + (ceiling / 2) * random);
}

export interface RetryNotice {
	/** The attempt that failed (1 = the first try). */
	attempt: number;
	delayMs: number;
	elapsedMs: number;
	error: unknown;
}

export interface RetryEnvironment {
	policy?: RetryPolicy;
	now?: () => number;
	sleep?: (ms: number) => Promise<void>;
	random?: () => number;
	onRetry?: (notice: RetryNotice) => void;
}

/**
 * Runs `work` (given the attempt number, 1-based) until it succeeds, fails with an error that is
 * not transient (thrown as is), or the budget is spent (a StoreUnavailableError naming `location`).
 * A wait that would end past the budget is not started: the budget bounds the whole operation,
 * except for an attempt already under way.
 */
export async function withConnectionRetries<T>(
	location: string,
	work: (attempt: number) => Promise<T>,
	environment: RetryEnvironment = {},
): Promise<T> {
	const policy = environment.policy ?? DEFAULT_RETRY_POLICY;
	const now = environment.now ?? Date.now;
	const sleep = environment.sleep ?? (async (ms: number) => await new Promise<void>((resolve) => setTimeout(resolve, ms)));
	const random = environment.random ?? Math.random;
	const startedAt = now();
	for (let attempt = 1; ; attempt++) {
		try {
			return await work(attempt);
		} catch (error) {
			if (!isTransientConnectionError(error)) throw error;
			const elapsedMs = now() - startedAt;
			const delayMs = backoffDelayMs(attempt, policy, random());
			if (elapsedMs + delayMs > policy.budgetMs) throw gaveUp(location, error, attempt, elapsedMs);
			environment.onRetry?.({ attempt, delayMs, elapsedMs, error });
			await sleep(delayMs);
		}
	}
}

/** The driver's error under the store's own wrapping (StoreUnavailableError of a failed connect). */
export function rootCause(error: unknown): unknown {
	return error instanceof StoreUnavailableError && error.cause !== undefined ? error.cause : error;
}

function gaveUp(location: string, error: unknown, attempts: number, elapsedMs: number): StoreUnavailableError {
	const seconds = Math.max(1, Math.round(elapsedMs / 1000));
	return new StoreUnavailableError(
		`The PostgreSQL store at ${location} could not be reached for ${seconds} s (${plainCause(rootCause(error))}; ${attempts} attempts)`,
		'Check that PostgreSQL is running and reachable from every n8n process. What this step was writing may not be stored: ' +
			'run the execution again once PostgreSQL is back (records already stored are not counted twice).',
		error,
	);
}
