import { APIConnectionTimeoutError, APIError, AuthenticationError, RateLimitError, InternalServerError } from 'openai';
import type OpenAI from 'openai';

import { costUsd, findPrice, parsePriceOverrides } from '../../nodes/shared/llm/pricing';
import { ChatRunner, LlmRequestError, retryAfterMs, Semaphore } from '../../nodes/shared/llm/runner';
import { connectionFromCredentials, redactSecrets } from '../../nodes/shared/llm/connection';

function completion(content = '1') {
	return {
		id: 'x',
		object: 'chat.completion',
		created: 0,
		model: 'gpt-4o-mini-2024-07-18',
		choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop', logprobs: null }],
		usage: { prompt_tokens: 1000, completion_tokens: 10, total_tokens: 1010 },
	};
}

function fakeClient(create: (params: unknown) => Promise<unknown>): OpenAI {
	return { chat: { completions: { create } } } as unknown as OpenAI;
}

const headers = (h: Record<string, string>) => new Headers(h);
const params = { model: 'gpt-4o-mini', messages: [{ role: 'user' as const, content: 'hi' }] };

describe('ChatRunner', () => {
	it('retries 429 after the Retry-After cooldown and 5xx with backoff, and counts attempts', async () => {
		const waits: number[] = [];
		let now = 1_000_000;
		let calls = 0;
		const runner = new ChatRunner(
			fakeClient(async () => {
				calls++;
				if (calls === 1) throw new RateLimitError(429, { message: 'slow down' }, 'slow down', headers({ 'retry-after': '2' }));
				if (calls === 2) throw new InternalServerError(500, { message: 'boom' }, 'boom', headers({}));
				return completion();
			}),
			{
				concurrency: 2,
				maxRetries: 3,
				timeoutMs: 1000,
				now: () => now,
				sleep: async (ms) => {
					waits.push(ms);
					now += ms;
				},
				random: () => 0.5,
			},
		);
		const result = await runner.complete(params);
		expect(result.attempts).toBe(3);
		expect(waits[0]).toBe(2000); // the limiter's cooldown: Retry-After of the 429
		expect(waits[1]).toBe(250); // 0.5 × 500 ms: the first backoff step (a 429 is not a failure of the request)
		expect(result.usage).toEqual({ inputTokens: 1000, outputTokens: 10, costUsd: (1000 * 0.15 + 10 * 0.6) / 1e6 });
	});

	it('keeps retrying 429s past Retries, then fails naming the limit; 0 Retries fails at once; a spent quota is not retried', async () => {
		let now = 0;
		let calls = 0;
		const clock = { now: () => now, sleep: async (ms: number) => void (now += ms) };
		const limited = (extra: Record<string, string> = {}) =>
			new RateLimitError(429, { message: 'Rate limit reached for requests' }, 'Rate limit reached for requests', headers({ 'retry-after': '20', ...extra }));
		const stubborn = new ChatRunner(
			fakeClient(async () => {
				calls++;
				throw limited();
			}),
			{ concurrency: 1, maxRetries: 2, timeoutMs: 10, ...clock },
		);
		const error = await stubborn.complete(params).catch((e) => e);
		expect(error).toBeInstanceOf(LlmRequestError);
		expect(calls).toBeGreaterThan(3); // more than Retries: 429s wait for the limit instead
		expect(now).toBeGreaterThanOrEqual(5 * 60_000);
		expect(error.message).toMatch(/^Rate limit reached for requests \(HTTP 429\): still rate-limited after 5 min( \d+ s)? and \d+ attempts; the rate limit: not stated and not announced by the endpoint; backing off to about \d+ requests\/min$/);
		expect(error.status).toBe(429);

		calls = 0;
		const noRetries = new ChatRunner(
			fakeClient(async () => {
				calls++;
				throw limited();
			}),
			{ concurrency: 1, maxRetries: 0, timeoutMs: 10, ...clock },
		);
		await expect(noRetries.complete(params)).rejects.toThrow(/\(HTTP 429\); the rate limit: /);
		expect(calls).toBe(1);

		calls = 0;
		const quota = new ChatRunner(
			fakeClient(async () => {
				calls++;
				throw APIError.generate(429, { error: { message: 'You exceeded your current quota', code: 'insufficient_quota' } }, undefined, headers({}));
			}),
			{ concurrency: 1, maxRetries: 4, timeoutMs: 10, ...clock },
		);
		await expect(quota.complete(params)).rejects.toThrow('You exceeded your current quota (HTTP 429)');
		expect(calls).toBe(1);
	});

	it('retries timeouts and broken bodies, but not 401, and gives up after maxRetries', async () => {
		let calls = 0;
		const timeouts = new ChatRunner(
			fakeClient(async () => {
				calls++;
				throw new APIConnectionTimeoutError();
			}),
			{ concurrency: 1, maxRetries: 2, timeoutMs: 10, sleep: async () => undefined },
		);
		await expect(timeouts.complete(params)).rejects.toMatchObject({ attempts: 3, retryable: true });
		expect(calls).toBe(3);

		calls = 0;
		const unauthorized = new ChatRunner(
			fakeClient(async () => {
				calls++;
				throw new AuthenticationError(401, { message: 'Incorrect API key provided: sk-abc' }, 'x', headers({}));
			}),
			{ concurrency: 1, maxRetries: 5, timeoutMs: 10, sleep: async () => undefined },
		);
		const error = await unauthorized.complete(params).catch((e) => e);
		expect(error).toBeInstanceOf(LlmRequestError);
		expect(error.status).toBe(401);
		expect(error.providerMessage).toBe('Incorrect API key provided: sk-abc');
		expect(calls).toBe(1);

		calls = 0;
		const garbage = new ChatRunner(
			fakeClient(async () => {
				calls++;
				if (calls < 2) throw new SyntaxError('Unexpected token < in JSON');
				return completion();
			}),
			{ concurrency: 1, maxRetries: 2, timeoutMs: 10, sleep: async () => undefined },
		);
		await expect(garbage.complete(params)).resolves.toMatchObject({ attempts: 2 });
	});

	it('does not retry a 400', async () => {
		let calls = 0;
		const runner = new ChatRunner(
			fakeClient(async () => {
				calls++;
				throw APIError.generate(400, { error: { message: 'logprobs not supported' } }, undefined, headers({}));
			}),
			{ concurrency: 1, maxRetries: 3, timeoutMs: 10, sleep: async () => undefined },
		);
		await expect(runner.complete(params)).rejects.toThrow('logprobs not supported (HTTP 400)');
		expect(calls).toBe(1);
	});

	it('sends identical requests once per execution; the duplicate costs nothing', async () => {
		let calls = 0;
		const runner = new ChatRunner(
			fakeClient(async () => {
				calls++;
				await new Promise((r) => setTimeout(r, 5));
				return completion();
			}),
			{ concurrency: 4, maxRetries: 0, timeoutMs: 100 },
		);
		const [a, b] = await Promise.all([runner.complete(params), runner.complete({ ...params })]);
		expect(calls).toBe(1);
		expect(a.deduplicated).toBe(false);
		expect(b.deduplicated).toBe(true);
		expect(b.usage).toEqual({ inputTokens: 0, outputTokens: 0, costUsd: 0 });
		await runner.complete({ ...params, model: 'other' });
		expect(calls).toBe(2);
	});

	it('bounds concurrency', async () => {
		let active = 0;
		let peak = 0;
		const runner = new ChatRunner(
			fakeClient(async () => {
				active++;
				peak = Math.max(peak, active);
				await new Promise((r) => setTimeout(r, 10));
				active--;
				return completion();
			}),
			{ concurrency: 3, maxRetries: 0, timeoutMs: 100 },
		);
		await Promise.all(Array.from({ length: 20 }, (_, i) => runner.complete({ ...params, model: `m${i}` })));
		expect(peak).toBe(3);
	});
});

describe('helpers', () => {
	it('reads Retry-After as seconds, HTTP date or retry-after-ms', () => {
		expect(retryAfterMs(headers({ 'retry-after': '3' }))).toBe(3000);
		expect(retryAfterMs(headers({ 'retry-after-ms': '250' }))).toBe(250);
		const now = Date.parse('2026-01-01T00:00:00Z');
		expect(retryAfterMs(headers({ 'retry-after': 'Thu, 01 Jan 2026 00:00:05 GMT' }), now)).toBe(5000);
		expect(retryAfterMs(headers({}))).toBeUndefined();
	});

	it('prices by longest model prefix, with overrides', () => {
		expect(findPrice('gpt-4o-mini-2024-07-18')).toEqual({ input: 0.15, output: 0.6 });
		expect(findPrice('openai/gpt-4o')).toEqual({ input: 2.5, output: 10 });
		expect(findPrice('llama3')).toBeUndefined();
		expect(costUsd('llama3', 1e6, 1e6, { llama3: { input: 0.1, output: 0.2 } })).toBeCloseTo(0.3);
		expect(() => parsePriceOverrides('{"x": {"input": "a"}}')).toThrow(/Price of "x"/);
		expect(() => parsePriceOverrides('[1]')).toThrow(/JSON object/);
		expect(parsePriceOverrides('{}')).toEqual({});
	});

	it('reads both credential types and redacts secrets', () => {
		const c = connectionFromCredentials('openAiCompatibleApi', {
			apiKey: 'sk-secret-123',
			baseUrl: 'http://127.0.0.1:9/v1/',
			customHeaders: '{"x-api": "hdr-secret"}',
		});
		expect(c).toEqual({ baseUrl: 'http://127.0.0.1:9/v1/', apiKey: 'sk-secret-123', organization: undefined, headers: { 'x-api': 'hdr-secret' } });
		expect(redactSecrets('key sk-secret-123 and hdr-secret', c)).toBe('key *** and ***');
		expect(connectionFromCredentials('openAiApi', { apiKey: 'k', organizationId: 'org', url: '' })).toMatchObject({
			baseUrl: 'https://api.openai.com/v1',
			organization: 'org',
		});
		expect(() => connectionFromCredentials('openAiCompatibleApi', { customHeaders: '[]' })).toThrow(/JSON object/);
	});

	it('semaphore releases on failure', async () => {
		const s = new Semaphore(1);
		await expect(s.run(async () => Promise.reject(new Error('x')))).rejects.toThrow('x');
		await expect(s.run(async () => 5)).resolves.toBe(5);
	});
});
