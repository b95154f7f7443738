/**
 * The pacing logic (nodes/shared/llm/rateLimit) on a fake clock: the budget's arithmetic, header
 * parsing, and whole runs of a ChatRunner against the test server's provider model
 * (test/support/providerLimits.ts, written independently from OpenAI's documentation) — thousands of
 * requests in simulated minutes, with the goals of issue 18: ≥ 90% of the limit, no failed request,
 * ≤ 2% of requests answered 429 in steady state.
 */
import { RateLimitError } from 'openai';
import type OpenAI from 'openai';

import {
	initialState,
	MemoryStateStore,
	observe,
	parseDuration,
	RateLimiter,
	rateLimitSnapshot,
	reserve,
	TokenEstimator,
	type BudgetState,
	type Clock,
} from '../../nodes/shared/llm/rateLimit';
import { budgetKey, queueRedisUrl, storeChoice } from '../../nodes/shared/llm/rateLimit/config';
import { ChatRunner } from '../../nodes/shared/llm/runner';
import { goDuration, ProviderRateLimiter, type ProviderLimits } from '../support/providerLimits';

/** Timers on simulated time: `run` moves the clock from timer to timer once nothing else can run. */
class FakeClock implements Clock {
	private t = 0;
	private timers: Array<{ at: number; seq: number; wake: () => void }> = [];
	private seq = 0;
	/** Timers fire up to `lagMs` late, as on a busy event loop (deterministic pseudo-random). */
	constructor(private readonly lagMs = 0) {}
	now = () => this.t;
	sleep = (ms: number) =>
		new Promise<void>((wake) => {
			const lag = this.lagMs ? ((this.seq * 7919) % 101) / 100 * this.lagMs : 0;
			this.timers.push({ at: this.t + Math.max(0, ms) + lag, seq: this.seq++, wake });
		});
	async run<T>(work: Promise<T>): Promise<T> {
		let done = false;
		const result = work.finally(() => (done = true));
		for (;;) {
			await new Promise((resolve) => setImmediate(resolve));
			if (done) return await result;
			if (this.timers.length === 0) throw new Error('deadlock: nothing to wait for');
			this.timers.sort((a, b) => a.at - b.at || a.seq - b.seq);
			const next = this.timers.shift()!;
			this.t = Math.max(this.t, next.at);
			next.wake();
		}
	}
}

describe('rate-limit headers', () => {
	it("reads Go durations as OpenAI writes them, and the x-ratelimit-* headers", () => {
		expect(parseDuration('20ms')).toBe(20);
		expect(parseDuration('1s')).toBe(1000);
		expect(parseDuration('6m0s')).toBe(360_000);
		expect(parseDuration('1h2m3.5s')).toBe(3_723_500);
		expect(parseDuration('59.902s')).toBeCloseTo(59_902);
		expect(parseDuration('7')).toBe(7000);
		expect(parseDuration('soon')).toBeUndefined();
		for (const ms of [0, 20, 999, 1000, 1500, 59_902, 360_000, 3_723_500]) expect(parseDuration(goDuration(ms))).toBe(ms);
		const snapshot = rateLimitSnapshot(
			new Headers({
				'x-ratelimit-limit-requests': '500',
				'x-ratelimit-limit-tokens': '200000',
				'x-ratelimit-remaining-requests': '499',
				'x-ratelimit-remaining-tokens': '199858',
				'x-ratelimit-reset-requests': '120ms',
				'x-ratelimit-reset-tokens': '42ms',
			}),
		);
		expect(snapshot).toEqual({ limitRequests: 500, limitTokens: 200000, remainingRequests: 499, remainingTokens: 199858, resetRequestsMs: 120, resetTokensMs: 42 });
		expect(rateLimitSnapshot(new Headers({ 'content-type': 'application/json' }))).toBeUndefined();
	});
});

describe('the budget', () => {
	it('with a stated limit: a minute of burst, then sends spaced evenly at the limit', () => {
		let state: BudgetState = initialState(0);
		const sends: number[] = [];
		for (let i = 0; i < 130; i++) {
			const booked = reserve(state, { requestsPerMinute: 60 }, 10, 0);
			state = booked.state;
			sends.push(booked.ticket.sendAt);
		}
		expect(sends.slice(0, 60).every((at) => at === 0)).toBe(true);
		expect(sends.slice(60, 70)).toEqual([1000, 2000, 3000, 4000, 5000, 6000, 7000, 8000, 9000, 10000]);
	});

	it('tokens per minute bind when requests are large', () => {
		let state: BudgetState = initialState(0);
		const sends: number[] = [];
		for (let i = 0; i < 12; i++) {
			const booked = reserve(state, { requestsPerMinute: 1000, tokensPerMinute: 10_000 }, 1000, 0);
			state = booked.state;
			sends.push(booked.ticket.sendAt);
		}
		// 10 requests of 1,000 tokens fill the minute's bucket; then one every 6 s.
		expect(sends.slice(0, 10).every((at) => at === 0)).toBe(true);
		expect(sends.slice(10)).toEqual([6000, 12000]);
	});

	it("follows the endpoint's headers: the first answer sets the buckets, later ones only beyond the dead band", () => {
		let state = initialState(0);
		const first = reserve(state, {}, 100, 0);
		state = first.state;
		// Nothing is known before the first answer: no wait.
		expect(first.ticket.sendAt).toBe(0);
		// The endpoint has 10 of 600 requests left: its bucket is full again in 59 s (one request per 100 ms).
		state = observe(state, {}, first.ticket, { kind: 'answered', snapshot: { limitRequests: 600, remainingRequests: 10, resetRequestsMs: 59_000 } }, 200);
		const sends: number[] = [];
		for (let i = 0; i < 14; i++) {
			const booked = reserve(state, {}, 100, 200);
			state = booked.state;
			sends.push(booked.ticket.sendAt);
		}
		// 10 left at 0 ms, 2 more refilled by 200 ms: 12 at once, then one every 100 ms.
		expect(sends.slice(0, 12).every((at) => at === 200)).toBe(true);
		expect(sends[12]).toBeCloseTo(300);
		expect(sends[13]).toBeCloseTo(400);
		// An answer within the dead band changes nothing; one showing 3 s less budget is followed at once.
		const booked = reserve(state, {}, 100, 250);
		const within = observe(booked.state, {}, booked.ticket, { kind: 'answered', snapshot: { limitRequests: 600, remainingRequests: 0, resetRequestsMs: booked.state.requestsTat - booked.ticket.sendAt + 50 } }, 450);
		expect(within.requestsTat).toBe(booked.state.requestsTat);
		const behind = observe(booked.state, {}, booked.ticket, { kind: 'answered', snapshot: { limitRequests: 600, remainingRequests: 0, resetRequestsMs: booked.state.requestsTat - booked.ticket.sendAt + 3000 } }, 450);
		expect(behind.requestsTat).toBeCloseTo(booked.state.requestsTat + 3000);
		expect(behind.epoch).toBe(booked.state.epoch + 1);
		// More budget than booked is not taken from a header (its timing can only err that way).
		const ahead = observe(booked.state, {}, booked.ticket, { kind: 'answered', snapshot: { limitRequests: 600, remainingRequests: 0, resetRequestsMs: booked.state.requestsTat - booked.ticket.sendAt - 3000 } }, 450);
		expect(ahead.requestsTat).toBe(booked.state.requestsTat);
		expect(state.headerRequestsPerMinute).toBe(600);
	});

	it('without headers: a 429 cuts the rate to what got through, one cut per round trip; successes raise it', () => {
		let state = initialState(0);
		const tickets = [];
		// 40 requests a second get through for 3 s…
		for (let i = 0; i < 120; i++) {
			const booked = reserve(state, {}, 100, i * 25);
			state = observe(booked.state, {}, booked.ticket, { kind: 'answered' }, i * 25 + 200);
		}
		for (let i = 0; i < 4; i++) {
			const booked = reserve(state, {}, 100, 3000);
			state = booked.state;
			tickets.push(booked.ticket);
		}
		// …then four requests in flight get 429: one cut, not four.
		for (const ticket of tickets) state = observe(state, {}, ticket, { kind: 'rateLimited' }, 3200);
		expect(state.discoveredPerSecond).toBeGreaterThan(25);
		expect(state.discoveredPerSecond).toBeLessThan(40);
		const cut = state.discoveredPerSecond!;
		// Paced now: one request every 1/rate seconds.
		const a = reserve(state, {}, 100, 3200);
		const b = reserve(a.state, {}, 100, 3200);
		expect(b.ticket.sendAt - a.ticket.sendAt).toBeCloseTo(1000 / cut);
		state = observe(b.state, {}, b.ticket, { kind: 'answered' }, 4200);
		expect(state.discoveredPerSecond).toBeGreaterThan(cut);
		// A 429 of a request sent after the cut cuts again.
		const c = reserve(state, {}, 100, 4300);
		state = observe(c.state, {}, c.ticket, { kind: 'rateLimited' }, 4400);
		expect(state.discoveredPerSecond).toBeLessThan(cut);
	});

	it('Retry-After is a cooldown for every caller; Retry-After 0 is a retry now, not a slowdown', () => {
		const booked = reserve(initialState(0), {}, 10, 0);
		const cooled = observe(booked.state, {}, booked.ticket, { kind: 'rateLimited', retryAfterMs: 3000 }, 100);
		expect(reserve(cooled, {}, 10, 200).ticket.sendAt).toBe(3100);
		const now = observe(booked.state, {}, booked.ticket, { kind: 'rateLimited', retryAfterMs: 0 }, 100);
		expect(reserve(now, {}, 10, 200).ticket.sendAt).toBe(200);
		expect(now.discoveredPerSecond).toBeUndefined();
	});

	it('learns tokens per character from usage, and charges the maximum completion', () => {
		const estimator = new TokenEstimator();
		const params = { model: 'm', max_tokens: 1, messages: [{ role: 'user' as const, content: 'x'.repeat(400) }] };
		const before = estimator.estimate(params);
		expect(before).toBe(Math.ceil(400 * 0.25 + 'user'.length * 0.25 + 4 + 3 + 1));
		for (let i = 0; i < 30; i++) expect(estimator.learn(params, { prompt_tokens: 207, completion_tokens: 1 })).toBe(208);
		expect(Math.abs(estimator.estimate(params) - 208)).toBeLessThanOrEqual(2);
	});
});

interface SimulationResult {
	items: number;
	failed: number;
	requests: number;
	rateLimited: number;
	steadyRequests: number;
	steadyRateLimited: number;
	endMs: number;
	/** Time a perfect client would need: what the buckets let through after their first minute's worth. */
	idealMs: number;
}

const PROMPT_TOKENS = 141;

/**
 * `clients` runners (executions or workers) sharing one budget store, each with `items` requests at
 * concurrency 8, against one provider with `limits` answering after `latencyMs`.
 */
async function simulate(
	limits: ProviderLimits,
	options: { clients?: number; items: number; latencyMs?: number; stated?: boolean; lagMs?: number; /** Answers of this many tokens with no maximum set (charged once written). */ unbounded?: number },
): Promise<SimulationResult> {
	const clock = new FakeClock(options.lagMs ?? 0);
	const provider = new ProviderRateLimiter(limits, 0);
	const latency = options.latencyMs ?? 200;
	const log: Array<{ at: number; status: number }> = [];
	const client = {
		chat: {
			completions: {
				create: () => ({
					withResponse: async () => {
						const arrival = clock.now();
						const completion = options.unbounded ?? 1;
						const admission = provider.admit(PROMPT_TOKENS + (options.unbounded ? 0 : 1), arrival);
						log.push({ at: arrival, status: admission.admitted ? 200 : 429 });
						if (!admission.admitted) {
							await clock.sleep(2);
							throw new RateLimitError(429, { message: 'Rate limit reached' }, 'Rate limit reached', new Headers(admission.headers));
						}
						await clock.sleep(latency);
						if (options.unbounded) provider.charge(options.unbounded, clock.now());
						const data = {
							id: 'x',
							object: 'chat.completion',
							created: 0,
							model: 'gpt-4o-mini',
							choices: [{ index: 0, message: { role: 'assistant', content: '1' }, finish_reason: 'stop', logprobs: null }],
							usage: { prompt_tokens: PROMPT_TOKENS, completion_tokens: completion, total_tokens: PROMPT_TOKENS + completion },
						};
						return { data, response: { headers: new Headers(admission.headers) } };
					},
				}),
			},
		},
	} as unknown as OpenAI;
	const store = new MemoryStateStore(clock.now);
	const stated = options.stated ? { requestsPerMinute: limits.requestsPerMinute, tokensPerMinute: limits.tokensPerMinute } : {};
	const clients = options.clients ?? 1;
	let failed = 0;
	const runs = Array.from({ length: clients }, (_, c) => {
		const runner = new ChatRunner(client, {
			concurrency: 8,
			maxRetries: 4,
			timeoutMs: 60_000,
			now: clock.now,
			sleep: clock.sleep,
			rateLimiter: () => new RateLimiter({ key: 'shared', stated, store, clock }),
		});
		return Promise.all(
			Array.from({ length: options.items }, (_, i) =>
				runner
					.complete({ model: 'gpt-4o-mini', ...(options.unbounded ? {} : { max_tokens: 1 }), messages: [{ role: 'user', content: `ticket ${c}-${i} `.padEnd(520, 'x') }] })
					.catch(() => failed++),
			),
		);
	});
	await clock.run(Promise.all(runs));
	const endMs = clock.now();
	const total = clients * options.items;
	const seconds = limits.burstSeconds ?? 60;
	const perMs = (perMinute: number) => perMinute / 60_000;
	const idealMs = Math.max(
		limits.requestsPerMinute ? (total - (limits.requestsPerMinute * seconds) / 60) / perMs(limits.requestsPerMinute) : 0,
		limits.tokensPerMinute ? (total * (PROMPT_TOKENS + (options.unbounded ?? 1)) - (limits.tokensPerMinute * seconds) / 60) / perMs(limits.tokensPerMinute) : 0,
		0,
	);
	const steady = log.filter((entry) => entry.at >= seconds * 1000);
	return {
		items: total,
		failed,
		requests: log.length,
		rateLimited: log.filter((entry) => entry.status === 429).length,
		steadyRequests: steady.length,
		steadyRateLimited: steady.filter((entry) => entry.status === 429).length,
		endMs,
		idealMs: idealMs + latency,
	};
}

describe('pacing against a provider (simulated time)', () => {
	const check = (result: SimulationResult, { share = 0.9, rateLimited = 0.02 } = {}) => {
		if (process.env.AIW_SHOW_SIMULATION) console.log(JSON.stringify({ ...result, share: result.idealMs / result.endMs }));
		expect(result.failed).toBe(0);
		expect(result.idealMs / result.endMs).toBeGreaterThanOrEqual(share);
		expect(result.steadyRateLimited / Math.max(1, result.steadyRequests)).toBeLessThanOrEqual(rateLimited);
	};

	it('500 RPM / 200,000 TPM with headers: 2,000 items at ≥ 90% of the limit, no 429 in steady state', async () => {
		const result = await simulate({ requestsPerMinute: 500, tokensPerMinute: 200_000 }, { items: 2000 });
		check(result);
		expect(result.steadyRateLimited).toBe(0);
	});

	it('the same on a busy event loop (timers up to 300 ms late): the headers are read against when requests left', async () => {
		const result = await simulate({ requestsPerMinute: 500, tokensPerMinute: 200_000 }, { items: 2000, lagMs: 300 });
		check(result, { rateLimited: 0.005 });
	});

	it('tokens per minute binding (500 RPM / 60,000 TPM), with headers', async () => {
		check(await simulate({ requestsPerMinute: 500, tokensPerMinute: 60_000 }, { items: 1500 }));
	});

	it('a provider that sends no headers at all: found by backing off', async () => {
		const result = await simulate({ requestsPerMinute: 500, tokensPerMinute: 200_000, headers: 'none' }, { items: 2000 });
		check(result);
		// Discovery costs some 429s at the start, within the goal over the whole run too.
		expect(result.rateLimited / result.requests).toBeLessThanOrEqual(0.03);
	});

	it('no headers, limit stated by the user: paced from the first request', async () => {
		const result = await simulate({ requestsPerMinute: 500, tokensPerMinute: 200_000, headers: 'none' }, { items: 2000, stated: true });
		check(result);
		expect(result.rateLimited).toBe(0);
	});

	it('four executions sharing one budget stay within the one limit', async () => {
		const result = await simulate({ requestsPerMinute: 500, tokensPerMinute: 200_000 }, { items: 500, clients: 4 });
		check(result);
	});

	it('a provider whose buckets hold 10 s, not a minute: the capacity is read from the headers', async () => {
		const result = await simulate({ requestsPerMinute: 600, tokensPerMinute: 200_000, burstSeconds: 10 }, { items: 1000 });
		check(result);
		expect(result.rateLimited / result.requests).toBeLessThanOrEqual(0.02);
	});

	it('answers without a maximum (charged once written), tokens binding in 10 s buckets, like Extract Invoice', async () => {
		const result = await simulate({ tokensPerMinute: 60_000, burstSeconds: 10 }, { items: 150, unbounded: 500, latencyMs: 300 });
		check(result, { share: 0.85, rateLimited: 0.05 });
		expect(result.rateLimited / result.requests).toBeLessThanOrEqual(0.08);
	});

	it('only Retry-After (no x-ratelimit headers)', async () => {
		check(await simulate({ requestsPerMinute: 300, headers: 'retryAfter' }, { items: 1200 }), { share: 0.85 });
	});
});

describe('where budgets live (environment)', () => {
	it("process memory by default, n8n's queue Redis in queue mode, or what AIW_RATE_LIMIT_STORE says", () => {
		expect(storeChoice({})).toEqual({ kind: 'memory' });
		expect(storeChoice({ EXECUTIONS_MODE: 'queue', QUEUE_BULL_REDIS_HOST: 'redis', QUEUE_BULL_REDIS_PORT: '6380', QUEUE_BULL_REDIS_DB: '2' })).toEqual({ kind: 'redis', url: 'redis://redis:6380/2' });
		expect(queueRedisUrl({ QUEUE_BULL_REDIS_USERNAME: 'n8n', QUEUE_BULL_REDIS_PASSWORD: 'p@ss', QUEUE_BULL_REDIS_TLS: 'true' })).toBe('rediss://n8n:p%40ss@localhost:6379/0');
		expect(storeChoice({ EXECUTIONS_MODE: 'queue', AIW_RATE_LIMIT_STORE: 'memory' })).toEqual({ kind: 'memory' });
		expect(storeChoice({ AIW_RATE_LIMIT_STORE: 'postgres://u@db/ai_workflow' })).toEqual({ kind: 'postgres', connectionString: 'postgres://u@db/ai_workflow' });
		expect(() => storeChoice({ AIW_RATE_LIMIT_STORE: 'mysql://x' })).toThrow(/AIW_RATE_LIMIT_STORE must be memory, redis/);
	});

	it('one budget per endpoint account and model, keyed without the secret', () => {
		const connection = { baseUrl: 'https://api.openai.com/v1/', apiKey: 'sk-secret-123456', headers: {} };
		const key = budgetKey(connection, 'gpt-4o-mini', {});
		expect(key).toMatch(/^aiwf:rate-limit:[0-9a-f]{24}:gpt-4o-mini$/);
		expect(key).not.toContain('sk-secret');
		expect(budgetKey({ ...connection, baseUrl: 'https://api.openai.com/v1' }, 'gpt-4o-mini', {})).toBe(key);
		expect(budgetKey({ ...connection, apiKey: 'sk-other-654321' }, 'gpt-4o-mini', {})).not.toBe(key);
		expect(budgetKey(connection, 'gpt-4o', { AIW_RATE_LIMIT_PREFIX: 'x:' })).toMatch(/^x:[0-9a-f]{24}:gpt-4o$/);
	});
});
