/**
 * A provider's rate limits as the test server enforces them (never shipped): OpenAI's model of two
 * token buckets per key — requests per minute and tokens per minute — that hold one minute's worth
 * (`burstSeconds` changes that), refill continuously, and admit a request only if both hold its cost.
 * A request costs 1 request and its prompt tokens plus its maximum completion tokens (OpenAI counts
 * `max_tokens` before the answer exists); without a maximum the answer's tokens are charged when it
 * is written. Headers follow OpenAI's names and formats: `x-ratelimit-limit-requests: 500`,
 * `x-ratelimit-remaining-tokens: 199858`, `x-ratelimit-reset-requests: 120ms` (time until the bucket
 * is full again, in Go's duration format: "20ms", "1s", "6m0s").
 *
 * Written from OpenAI's documentation, independently of the package's own limiter (which must pace
 * against this one, not against a copy of itself).
 */

export interface ProviderLimits {
	requestsPerMinute?: number;
	tokensPerMinute?: number;
	/** Seconds of the limit the buckets hold (default 60: a full minute, as OpenAI's do). */
	burstSeconds?: number;
	/**
	 * `openai` (default): x-ratelimit-* on every answer and Retry-After on 429; `retryAfter`: only
	 * Retry-After on 429; `none`: no header at all (the client has to find the limit by itself).
	 */
	headers?: 'openai' | 'retryAfter' | 'none';
}

interface Bucket {
	capacity: number;
	perMs: number;
	level: number;
	at: number;
}

export interface Admission {
	admitted: boolean;
	/** Which limit refused the request (OpenAI's error `type`). */
	refusedBy?: 'requests' | 'tokens';
	/** The request alone exceeds the token bucket: it can never pass. */
	tooLarge?: boolean;
	headers: Record<string, string>;
}

/** Go's time.Duration.String() rounded to milliseconds, as OpenAI writes its reset headers. */
export function goDuration(ms: number): string {
	const rounded = Math.max(0, Math.round(ms));
	if (rounded < 1000) return `${rounded}ms`;
	const hours = Math.floor(rounded / 3_600_000);
	const minutes = Math.floor((rounded % 3_600_000) / 60_000);
	const seconds = (rounded % 60_000) / 1000;
	const secondsText = `${Number(seconds.toFixed(3))}s`;
	if (hours > 0) return `${hours}h${minutes}m${secondsText}`;
	if (minutes > 0) return `${minutes}m${secondsText}`;
	return secondsText;
}

export class ProviderRateLimiter {
	private readonly requests?: Bucket;
	private readonly tokens?: Bucket;

	constructor(
		readonly limits: ProviderLimits,
		now: number,
	) {
		const seconds = limits.burstSeconds ?? 60;
		const bucket = (perMinute: number): Bucket => ({
			capacity: (perMinute * seconds) / 60,
			perMs: perMinute / 60_000,
			level: (perMinute * seconds) / 60,
			at: now,
		});
		if (limits.requestsPerMinute) this.requests = bucket(limits.requestsPerMinute);
		if (limits.tokensPerMinute) this.tokens = bucket(limits.tokensPerMinute);
	}

	private refill(bucket: Bucket | undefined, now: number) {
		if (!bucket) return;
		bucket.level = Math.min(bucket.capacity, bucket.level + (now - bucket.at) * bucket.perMs);
		bucket.at = Math.max(bucket.at, now);
	}

	/** Admits (and charges) a request costing `tokens`, or refuses it; the headers describe the buckets after. */
	admit(tokens: number, now: number): Admission {
		this.refill(this.requests, now);
		this.refill(this.tokens, now);
		const tooLarge = this.tokens !== undefined && tokens > this.tokens.capacity;
		const refusedBy =
			this.requests && this.requests.level < 1 ? 'requests' : this.tokens && (tooLarge || this.tokens.level < tokens) ? 'tokens' : undefined;
		if (!refusedBy) {
			if (this.requests) this.requests.level -= 1;
			if (this.tokens) this.tokens.level -= tokens;
		}
		const headers = this.headers(now);
		if (refusedBy && this.limits.headers !== 'none') {
			const bucket = refusedBy === 'requests' ? this.requests! : this.tokens!;
			const needed = refusedBy === 'requests' ? 1 : Math.min(tokens, bucket.capacity);
			const waitMs = (needed - bucket.level) / bucket.perMs;
			headers['retry-after'] = String(Math.max(1, Math.ceil(waitMs / 1000)));
		}
		return { admitted: !refusedBy, refusedBy, tooLarge, headers };
	}

	/** Charges tokens known only once the answer is written (a request without a maximum). */
	charge(tokens: number, now: number): void {
		if (!this.tokens) return;
		this.refill(this.tokens, now);
		this.tokens.level -= tokens;
	}

	private headers(now: number): Record<string, string> {
		if (this.limits.headers === 'none' || this.limits.headers === 'retryAfter') return {};
		const headers: Record<string, string> = {};
		const describe = (bucket: Bucket | undefined, name: 'requests' | 'tokens', perMinute: number | undefined) => {
			if (!bucket || !perMinute) return;
			this.refill(bucket, now);
			headers[`x-ratelimit-limit-${name}`] = String(perMinute);
			headers[`x-ratelimit-remaining-${name}`] = String(Math.max(0, Math.floor(bucket.level)));
			headers[`x-ratelimit-reset-${name}`] = goDuration((bucket.capacity - bucket.level) / bucket.perMs);
		};
		describe(this.requests, 'requests', this.limits.requestsPerMinute);
		describe(this.tokens, 'tokens', this.limits.tokensPerMinute);
		return headers;
	}
}
