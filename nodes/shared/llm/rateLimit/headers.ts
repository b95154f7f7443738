/**
 * What an endpoint says about its limits in response headers: OpenAI's (and Groq's, vLLM proxies',
 * LiteLLM's) `x-ratelimit-limit|remaining|reset-requests|tokens`, with resets in Go's duration format
 * ("20ms", "1s", "6m0s", "1h2m3.5s"), and Retry-After / retry-after-ms (Azure OpenAI).
 */
import type { RateLimitSnapshot } from './budget';

const UNIT_MS: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1000, ms: 1, us: 0.001, 'µs': 0.001, ns: 0.000001 };

/** Go's time.Duration text ("6m0s", "20ms", "1.5s") in ms; a bare number is taken as seconds. */
export function parseDuration(text: string | null | undefined): number | undefined {
	const value = text?.trim();
	if (!value) return undefined;
	if (/^\d+(\.\d+)?$/.test(value)) return Number(value) * 1000;
	const parts = value.match(/(\d+(?:\.\d+)?)(ms|us|µs|ns|h|m|s)/g);
	if (!parts || parts.join('') !== value) return undefined;
	return parts.reduce((sum, part) => {
		const [, number, unit] = /^(\d+(?:\.\d+)?)(ms|us|µs|ns|h|m|s)$/.exec(part)!;
		return sum + Number(number) * UNIT_MS[unit];
	}, 0);
}

function count(headers: Headers, name: string): number | undefined {
	const value = headers.get(name)?.trim();
	if (!value || !/^\d+(\.\d+)?$/.test(value)) return undefined;
	return Number(value);
}

/** The x-ratelimit-* headers, or undefined when the endpoint sent none of them. */
export function rateLimitSnapshot(headers: Headers | undefined): RateLimitSnapshot | undefined {
	if (!headers) return undefined;
	const snapshot: RateLimitSnapshot = {
		limitRequests: count(headers, 'x-ratelimit-limit-requests'),
		limitTokens: count(headers, 'x-ratelimit-limit-tokens'),
		remainingRequests: count(headers, 'x-ratelimit-remaining-requests'),
		remainingTokens: count(headers, 'x-ratelimit-remaining-tokens'),
		resetRequestsMs: parseDuration(headers.get('x-ratelimit-reset-requests')),
		resetTokensMs: parseDuration(headers.get('x-ratelimit-reset-tokens')),
	};
	return Object.values(snapshot).some((value) => value !== undefined) ? snapshot : undefined;
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
