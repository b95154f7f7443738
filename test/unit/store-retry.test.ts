/** Which store failures are tried again, how long to wait, and when to give up (retry.ts). */
import {
	backoffDelayMs,
	DEFAULT_RETRY_POLICY,
	isTransientConnectionError,
	STORE_RETRY_BUDGET_MS,
	withConnectionRetries,
} from '../../nodes/shared/store/retry';
import { StoreUnavailableError } from '../../nodes/shared/store/types';

const withCode = (code: string, message = 'boom') => Object.assign(new Error(message), { code });

describe('isTransientConnectionError', () => {
	test.each([
		['connection refused', withCode('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:5432')],
		['connection reset', withCode('ECONNRESET', 'read ECONNRESET')],
		['server closed the connection', new Error('Connection terminated unexpectedly')],
		['pool connect timeout', new Error('timeout exceeded when trying to connect')],
		['a broken client', new Error('Client has encountered a connection error and is not queryable')],
		['admin shutdown 57P01', withCode('57P01', 'terminating connection due to administrator command')],
		['crash shutdown 57P02', withCode('57P02', 'terminating connection because of crash of another server process')],
		['starting up 57P03', withCode('57P03', 'the database system is starting up')],
		['connection exception class 08', withCode('08006', 'connection failure')],
		['connect failure 08001', withCode('08001')],
		['the store’s own wrapping of a refused connect', new StoreUnavailableError('Cannot reach the PostgreSQL store', 'fix', withCode('ECONNREFUSED'))],
		['every address of an AggregateError refused', Object.assign(new AggregateError([withCode('ECONNREFUSED'), withCode('ECONNREFUSED')]), { code: undefined })],
	])('%s is transient', (_, error) => {
		expect(isTransientConnectionError(error)).toBe(true);
	});

	test.each([
		['unique violation', withCode('23505', 'duplicate key value violates unique constraint')],
		['missing table', withCode('42P01', 'relation "aiwf_metric_events" does not exist')],
		['wrong password', withCode('28P01', 'password authentication failed for user "postgres"')],
		['missing database', withCode('3D000', 'database "nope" does not exist')],
		['disk full', withCode('53100', 'could not extend file')],
		['unknown host', withCode('ENOTFOUND', 'getaddrinfo ENOTFOUND db')],
		['a plain bug', new TypeError("Cannot read properties of undefined (reading 'rows')")],
		['nothing', undefined],
		['a string', 'Connection terminated'],
	])('%s is not transient', (_, error) => {
		expect(isTransientConnectionError(error)).toBe(false);
	});
});

describe('backoffDelayMs', () => {
	test('doubles from the base delay up to the cap, the upper half jittered', () => {
		const low = [1, 2, 3, 4, 5, 6, 7].map((attempt) => backoffDelayMs(attempt, DEFAULT_RETRY_POLICY, 0));
		const high = [1, 2, 3, 4, 5, 6, 7].map((attempt) => backoffDelayMs(attempt, DEFAULT_RETRY_POLICY, 0.999999));
		expect(low).toEqual([125, 250, 500, 1000, 2000, 2000, 2000]);
		expect(high).toEqual([250, 500, 1000, 2000, 4000, 4000, 4000]);
	});
});

/** A clock that only moves when the code under test sleeps (or an attempt takes time). */
function fakeClock() {
	let now = 0;
	const sleeps: number[] = [];
	return {
		now: () => now,
		advance: (ms: number) => (now += ms),
		sleeps,
		sleep: async (ms: number) => {
			sleeps.push(ms);
			now += ms;
		},
	};
}

describe('withConnectionRetries', () => {
	test('tries again while the server is away and returns the first success', async () => {
		const clock = fakeClock();
		const attempts: number[] = [];
		const notices: number[] = [];
		const result = await withConnectionRetries(
			'db:5432/store',
			async (attempt) => {
				attempts.push(attempt);
				if (attempt < 4) throw attempt === 1 ? new Error('Connection terminated unexpectedly') : withCode('ECONNREFUSED');
				return 'written';
			},
			{ now: clock.now, sleep: clock.sleep, random: () => 0, onRetry: (notice) => notices.push(notice.attempt) },
		);
		expect(result).toBe('written');
		expect(attempts).toEqual([1, 2, 3, 4]);
		expect(clock.sleeps).toEqual([125, 250, 500]);
		expect(notices).toEqual([1, 2, 3]);
	});

	test('a failure that is not about the connection is thrown at once', async () => {
		const clock = fakeClock();
		const duplicate = withCode('23505');
		let attempts = 0;
		await expect(
			withConnectionRetries('db:5432/store', async () => {
				attempts++;
				throw duplicate;
			}, { now: clock.now, sleep: clock.sleep }),
		).rejects.toBe(duplicate);
		expect(attempts).toBe(1);
		expect(clock.sleeps).toEqual([]);
	});

	test('gives up within the budget with an error naming the store, the cause and the fix, without error codes', async () => {
		const clock = fakeClock();
		let attempts = 0;
		const failure = withConnectionRetries(
			'db:5432/store',
			async () => {
				attempts++;
				clock.advance(3); // a refused connect is fast, but not free
				throw withCode('ECONNREFUSED', 'connect ECONNREFUSED 10.0.0.5:5432');
			},
			{ now: clock.now, sleep: clock.sleep, random: () => 1 },
		);
		await expect(failure).rejects.toBeInstanceOf(StoreUnavailableError);
		const error = (await failure.catch((e: unknown) => e)) as StoreUnavailableError;
		expect(error.message).toMatch(/^The PostgreSQL store at db:5432\/store could not be reached for \d+ s \(connection refused; \d+ attempts\)$/);
		expect(error.message).not.toMatch(/\bE[A-Z]{4,}\b/);
		expect(error.fix).toMatch(/Check that PostgreSQL is running.*run the execution again.*not counted twice/);
		expect(clock.now()).toBeLessThanOrEqual(STORE_RETRY_BUDGET_MS);
		// Waits of 4 s at most: the last one that still fitted ended less than 4 s before the budget.
		expect(clock.now()).toBeGreaterThan(STORE_RETRY_BUDGET_MS - 4_000 - 3);
		expect(attempts).toBe(clock.sleeps.length + 1);
		expect(attempts).toBeGreaterThanOrEqual(10);
	});

	test('the budget also counts attempts that hang until their connect timeout', async () => {
		const clock = fakeClock();
		let attempts = 0;
		await expect(
			withConnectionRetries('db:5432/store', async () => {
				attempts++;
				clock.advance(10_000);
				throw new Error('timeout exceeded when trying to connect');
			}, { now: clock.now, sleep: clock.sleep, random: () => 0 }),
		).rejects.toThrow(/could not be reached for 3\d s \(timeout exceeded when trying to connect; 3 attempts\)/);
		expect(attempts).toBe(3);
	});
});
