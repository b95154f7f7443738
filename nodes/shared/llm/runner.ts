/**
 * The one place where this package sends Chat Completions requests: bounded concurrency, pacing to
 * the endpoint's rate limit (rateLimit/: every attempt books its send time in the key's shared
 * budget and reports how it went), retries with exponential backoff and full jitter on
 * 5xx/timeouts/broken responses (honouring Retry-After), rate-limit answers (429) retried as the
 * limit requires, a per-request timeout, token usage and cost, and de-duplication of identical
 * requests within one node execution (the same ticket text posted twice costs one call).
 */
import type OpenAI from 'openai';
import { APIConnectionError, APIError, APIUserAbortError } from 'openai';
import type {
	ChatCompletion,
	ChatCompletionCreateParamsNonStreaming,
} from 'openai/resources/chat/completions';

import { costUsd, type ModelPrice } from './pricing';
import { RateLimiter, rateLimitSnapshot, retryAfterMs, TokenEstimator, type Clock } from './rateLimit';
import type { Usage } from '../contract';

export { retryAfterMs } from './rateLimit';

/**
 * How long one request keeps trying while the endpoint answers 429 (from its first 429): the waits
 * in between are the ones the limit asks for, so only a limit far below the load, or a quota, gets
 * this far.
 */
export const RATE_LIMIT_PATIENCE_MS = 5 * 60_000;
/** …and at most this many 429s, for endpoints that ask to retry at once forever. */
export const MAX_RATE_LIMITED_ATTEMPTS = 50;

export interface RunnerOptions {
	/** Requests in flight at once for this node execution. */
	concurrency: number;
	/** Retries after the first attempt. */
	maxRetries: number;
	/** Per-attempt timeout. */
	timeoutMs: number;
	prices?: Record<string, ModelPrice>;
	/** Upper bound of one backoff wait, also for a server's Retry-After. */
	maxBackoffMs?: number;
	baseBackoffMs?: number;
	sleep?: (ms: number) => Promise<void>;
	random?: () => number;
	now?: () => number;
	/** The rate budget of a model on this endpoint (default: one of this runner's own, in memory). */
	rateLimiter?: (model: string) => RateLimiter;
}

export interface CompletionResult {
	completion: ChatCompletion;
	attempts: number;
	latencyMs: number;
	usage: Usage;
	/** True when this call reused the answer of an identical request made earlier in the execution. */
	deduplicated: boolean;
}

/** A request that failed for good, with what the provider said. */
export class LlmRequestError extends Error {
	constructor(
		message: string,
		readonly status: number | undefined,
		readonly attempts: number,
		readonly retryable: boolean,
		readonly providerMessage: string | undefined,
		readonly cause: unknown,
		/** For a request that stayed rate-limited: the limit it was paced to, as a sentence part. */
		readonly rateLimit?: string,
	) {
		super(message);
		this.name = 'LlmRequestError';
	}
}

/** A 200 whose answer is unusable (empty, cut off): retried like a broken response, never shared. */
export class BrokenAnswerError extends Error {
	constructor(readonly reason: string) {
		super(`The model's answer is broken: ${reason}`);
		this.name = 'BrokenAnswerError';
	}
}

export interface CompleteOptions {
	/** Why an answer is broken (undefined when it is usable): the caller knows what it asked for. */
	brokenAnswer?: (completion: ChatCompletion) => string | undefined;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class Semaphore {
	private active = 0;
	private readonly waiting: Array<() => void> = [];

	constructor(private readonly limit: number) {}

	async run<T>(task: () => Promise<T>): Promise<T> {
		if (this.active >= this.limit) {
			await new Promise<void>((resolve) => this.waiting.push(resolve));
		} else {
			this.active++;
		}
		try {
			return await task();
		} finally {
			const next = this.waiting.shift();
			if (next) next();
			else this.active--;
		}
	}
}

/**
 * A 429 that waiting cannot cure: a spent quota (OpenAI's insufficient_quota) or a request larger
 * than the whole tokens-per-minute limit.
 */
function isPermanentRateLimit(error: APIError): boolean {
	const body = error.error as { code?: unknown; message?: unknown } | undefined;
	const code = error.code ?? body?.code;
	const message = typeof body?.message === 'string' ? body.message : error.message;
	return code === 'insufficient_quota' || /request too large/i.test(message ?? '');
}

/** A 429 the limit will let through later. */
export function isRateLimited(error: unknown): error is APIError {
	return error instanceof APIError && error.status === 429 && !isPermanentRateLimit(error);
}

export function isRetryable(error: unknown): boolean {
	if (error instanceof APIUserAbortError) return false;
	if (error instanceof APIConnectionError) return true;
	if (error instanceof APIError) {
		const status = error.status ?? 0;
		if (status === 429) return !isPermanentRateLimit(error);
		return status === 408 || status === 409 || status >= 500;
	}
	// A 200 whose body is not JSON (a proxy cut it, a broken server), or whose answer is unusable: worth another try.
	return error instanceof SyntaxError || error instanceof BrokenAnswerError;
}

export function describeProviderError(error: unknown): { status?: number; message: string } {
	if (error instanceof APIError) {
		const body = error.error as { message?: unknown } | undefined;
		const providerMessage = typeof body?.message === 'string' ? body.message : error.message;
		return { status: error.status, message: providerMessage };
	}
	if (error instanceof SyntaxError) return { message: `The endpoint answered with invalid JSON (${error.message})` };
	if (error instanceof BrokenAnswerError) return { message: error.message };
	return { message: error instanceof Error ? error.message : String(error) };
}

function duration(ms: number): string {
	const seconds = Math.round(ms / 1000);
	return seconds < 60 ? `${seconds} s` : `${Math.floor(seconds / 60)} min${seconds % 60 ? ` ${seconds % 60} s` : ''}`;
}

export class ChatRunner {
	private readonly semaphore: Semaphore;
	private readonly inFlight = new Map<string, Promise<CompletionResult>>();
	private readonly sleep: (ms: number) => Promise<void>;
	private readonly random: () => number;
	private readonly now: () => number;
	private readonly limiters = new Map<string, RateLimiter>();
	private readonly estimator = new TokenEstimator();
	/** Attempts sent by this runner, and how many were answered 429 (for the progress log). */
	readonly stats = { attempts: 0, rateLimited: 0 };

	constructor(
		private readonly client: OpenAI,
		private readonly options: RunnerOptions,
	) {
		this.semaphore = new Semaphore(Math.max(1, Math.floor(options.concurrency)));
		this.sleep = options.sleep ?? defaultSleep;
		this.random = options.random ?? Math.random;
		this.now = options.now ?? Date.now;
	}

	/** The rate budget requests for `model` are paced by. */
	limiterFor(model: string): RateLimiter {
		let limiter = this.limiters.get(model);
		if (!limiter) {
			const clock: Clock = { now: this.now, sleep: this.sleep };
			limiter = this.options.rateLimiter?.(model) ?? new RateLimiter({ key: `runner:${model}`, clock });
			this.limiters.set(model, limiter);
		}
		return limiter;
	}

	/** Sends the request (or joins an identical one already sent in this execution). */
	async complete(params: ChatCompletionCreateParamsNonStreaming, options: CompleteOptions = {}): Promise<CompletionResult> {
		const key = JSON.stringify(params);
		const existing = this.inFlight.get(key);
		if (existing) {
			const shared = await existing;
			return {
				...shared,
				deduplicated: true,
				usage: { inputTokens: 0, outputTokens: 0, costUsd: shared.usage.costUsd === undefined ? undefined : 0 },
			};
		}
		const request = this.semaphore.run(() => this.withRetries(params, options));
		this.inFlight.set(key, request);
		// A failed request may be retried by a later identical item; only successes are shared.
		request.catch(() => this.inFlight.delete(key));
		return await request;
	}

	/** One attempt, with the response headers when the client gives them (the SDK's withResponse). */
	private async send(params: ChatCompletionCreateParamsNonStreaming): Promise<{ completion: ChatCompletion; headers?: Headers }> {
		const call = this.client.chat.completions.create(params, { timeout: this.options.timeoutMs, maxRetries: 0 });
		if (typeof (call as { withResponse?: unknown }).withResponse === 'function') {
			const { data, response } = await call.withResponse();
			return { completion: data, headers: response.headers };
		}
		return { completion: await call };
	}

	private async withRetries(params: ChatCompletionCreateParamsNonStreaming, options: CompleteOptions): Promise<CompletionResult> {
		const started = this.now();
		const maxBackoff = this.options.maxBackoffMs ?? 60_000;
		const baseBackoff = this.options.baseBackoffMs ?? 500;
		const limiter = this.limiterFor(params.model);
		let failures = 0;
		let rateLimitedSince: number | undefined;
		let rateLimitedAttempts = 0;
		for (let attempt = 1; ; attempt++) {
			const ticket = await limiter.acquire(this.estimator.estimate(params));
			this.stats.attempts++;
			let settled = false;
			try {
				const { completion, headers } = await this.send(params);
				settled = true;
				await limiter.settle(ticket, { kind: 'answered', snapshot: rateLimitSnapshot(headers), chargedTokens: this.estimator.learn(params, completion?.usage) });
				if (!completion || !Array.isArray(completion.choices) || completion.choices.length === 0) {
					throw new SyntaxError('the response has no choices');
				}
				const broken = options.brokenAnswer?.(completion);
				if (broken) throw new BrokenAnswerError(broken);
				const inputTokens = completion.usage?.prompt_tokens ?? 0;
				const outputTokens = completion.usage?.completion_tokens ?? 0;
				return {
					completion,
					attempts: attempt,
					latencyMs: this.now() - started,
					usage: {
						inputTokens,
						outputTokens,
						costUsd: costUsd(completion.model || params.model, inputTokens, outputTokens, this.options.prices),
					},
					deduplicated: false,
				};
			} catch (error) {
				const headers = error instanceof APIError ? (error.headers as Headers | undefined) : undefined;
				const rateLimited = isRateLimited(error);
				if (!settled) {
					await limiter.settle(
						ticket,
						rateLimited ? { kind: 'rateLimited', snapshot: rateLimitSnapshot(headers), retryAfterMs: retryAfterMs(headers) } : { kind: 'failed', snapshot: rateLimitSnapshot(headers) },
					);
				}
				if (rateLimited) {
					this.stats.rateLimited++;
					rateLimitedAttempts++;
					rateLimitedSince ??= this.now();
					const waited = this.now() - rateLimitedSince;
					if (this.options.maxRetries === 0 || waited >= RATE_LIMIT_PATIENCE_MS || rateLimitedAttempts >= MAX_RATE_LIMITED_ATTEMPTS) {
						const { message } = describeProviderError(error);
						const limit = limiter.describe();
						const kept = attempt > 1 ? `: still rate-limited after ${duration(waited)} and ${attempt} attempts` : '';
						throw new LlmRequestError(`${message} (HTTP 429)${kept}; the rate limit: ${limit}`, 429, attempt, true, message, error, limit);
					}
					// The limiter's next booking waits as long as the limit (or Retry-After) requires.
					continue;
				}
				const retryable = isRetryable(error);
				failures++;
				if (!retryable || failures > this.options.maxRetries) {
					const { status, message } = describeProviderError(error);
					throw new LlmRequestError(
						`${message}${status ? ` (HTTP ${status})` : ''}${attempt > 1 ? ` after ${attempt} attempts` : ''}`,
						status,
						attempt,
						retryable,
						message,
						error,
					);
				}
				const exponential = Math.min(maxBackoff, baseBackoff * 2 ** (failures - 1));
				const jittered = this.random() * exponential;
				const serverWait = retryAfterMs(headers);
				await this.sleep(Math.min(maxBackoff, Math.max(jittered, serverWait ?? 0)));
			}
		}
	}
}
