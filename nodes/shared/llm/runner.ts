/**
 * The one place where this package sends Chat Completions requests: bounded concurrency, retries with
 * exponential backoff and full jitter on 429/5xx/timeouts/broken responses (honouring Retry-After),
 * a per-request timeout, token usage and cost, and de-duplication of identical requests within one
 * node execution (the same ticket text posted twice costs one call).
 */
import type OpenAI from 'openai';
import { APIConnectionError, APIError, APIUserAbortError } from 'openai';
import type {
	ChatCompletion,
	ChatCompletionCreateParamsNonStreaming,
} from 'openai/resources/chat/completions';

import { costUsd, type ModelPrice } from './pricing';
import type { Usage } from '../contract';

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

/** Seconds or an HTTP date in Retry-After, or milliseconds in retry-after-ms (OpenAI, Azure). */
export function retryAfterMs(headers: Headers | undefined, now = Date.now()): number | undefined {
	if (!headers) return undefined;
	const ms = headers.get('retry-after-ms');
	if (ms && /^\d+(\.\d+)?$/.test(ms.trim())) return Number(ms);
	const value = headers.get('retry-after');
	if (!value) return undefined;
	if (/^\d+(\.\d+)?$/.test(value.trim())) return Number(value) * 1000;
	const date = Date.parse(value);
	return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

export function isRetryable(error: unknown): boolean {
	if (error instanceof APIUserAbortError) return false;
	if (error instanceof APIConnectionError) return true;
	if (error instanceof APIError) {
		const status = error.status ?? 0;
		return status === 408 || status === 409 || status === 429 || status >= 500;
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

export class ChatRunner {
	private readonly semaphore: Semaphore;
	private readonly inFlight = new Map<string, Promise<CompletionResult>>();
	private readonly sleep: (ms: number) => Promise<void>;
	private readonly random: () => number;

	constructor(
		private readonly client: OpenAI,
		private readonly options: RunnerOptions,
	) {
		this.semaphore = new Semaphore(Math.max(1, Math.floor(options.concurrency)));
		this.sleep = options.sleep ?? defaultSleep;
		this.random = options.random ?? Math.random;
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

	private async withRetries(params: ChatCompletionCreateParamsNonStreaming, options: CompleteOptions): Promise<CompletionResult> {
		const started = Date.now();
		const maxBackoff = this.options.maxBackoffMs ?? 60_000;
		const baseBackoff = this.options.baseBackoffMs ?? 500;
		for (let attempt = 1; ; attempt++) {
			try {
				const completion = await this.client.chat.completions.create(params, {
					timeout: this.options.timeoutMs,
					maxRetries: 0,
				});
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
					latencyMs: Date.now() - started,
					usage: {
						inputTokens,
						outputTokens,
						costUsd: costUsd(completion.model || params.model, inputTokens, outputTokens, this.options.prices),
					},
					deduplicated: false,
				};
			} catch (error) {
				const retryable = isRetryable(error);
				if (!retryable || attempt > this.options.maxRetries) {
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
				const exponential = Math.min(maxBackoff, baseBackoff * 2 ** (attempt - 1));
				const jittered = this.random() * exponential;
				const serverWait = error instanceof APIError ? retryAfterMs(error.headers as Headers | undefined) : undefined;
				await this.sleep(Math.min(maxBackoff, Math.max(jittered, serverWait ?? 0)));
			}
		}
	}
}
