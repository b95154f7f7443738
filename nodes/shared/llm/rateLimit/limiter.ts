/**
 * The rate limiter a ChatRunner asks before every attempt: books a send time in the key's budget
 * (budget.ts) held by a state store (process memory, Redis or PostgreSQL), waits for it, and reports
 * back how the attempt went. A shared store that fails is replaced by this process's memory for a
 * while (with a warning): pacing then covers this process only, and no item fails because of it.
 */
import { effectiveLimits, initialState, observe, release, reserve, type BudgetState, type EffectiveLimits, type Outcome, type StatedLimits, type Ticket } from './budget';
import { MemoryStateStore, type SharedStateStore } from './sharedState';

export interface Clock {
	now(): number;
	sleep(ms: number): Promise<void>;
}

export const systemClock: Clock = {
	now: () => Date.now(),
	sleep: async (ms) => await new Promise<void>((resolve) => setTimeout(resolve, ms)),
};

export interface RateLimiterOptions {
	/** The budget's name in the store (endpoint, key and model, hashed). */
	key: string;
	stated?: StatedLimits;
	store?: SharedStateStore;
	clock?: Clock;
	warn?: (message: string) => void;
}

/** A failed shared store is tried again after this long. */
const STORE_RETRY_MS = 30_000;
/** A booked send whose budget shrank while it waited books again, at most this often. */
const MAX_REBOOKINGS = 8;

function parseState(value: string | undefined, now: number): BudgetState {
	if (!value) return initialState(now);
	try {
		const parsed = JSON.parse(value) as BudgetState;
		return parsed?.v === 1 ? parsed : initialState(now);
	} catch {
		return initialState(now);
	}
}

export class RateLimiter {
	readonly key: string;
	readonly stated: StatedLimits;
	private readonly store: SharedStateStore;
	private readonly fallback: SharedStateStore;
	private readonly clock: Clock;
	private readonly warn: (message: string) => void;
	private storeFailedAt: number | undefined;
	/** The newest state this process has seen (for messages and the re-check of booked sends). */
	private latest: BudgetState | undefined;

	constructor(options: RateLimiterOptions) {
		this.key = options.key;
		this.stated = options.stated ?? {};
		this.clock = options.clock ?? systemClock;
		this.store = options.store ?? new MemoryStateStore(() => this.clock.now());
		this.fallback = this.store.shared ? new MemoryStateStore(() => this.clock.now()) : this.store;
		this.warn = options.warn ?? (() => undefined);
	}

	/** Applies `change` to the budget atomically; returns its result and the store's time. */
	private async change<T>(change: (state: BudgetState, now: number) => { state: BudgetState; result: T }): Promise<{ result: T; now: number }> {
		let outcome: { result: T; now: number; state: BudgetState } | undefined;
		const apply = (current: string | undefined, now: number) => {
			const { state, result } = change(parseState(current, now), now);
			outcome = { result, now, state };
			return JSON.stringify(state);
		};
		const useStore = this.store !== this.fallback && (this.storeFailedAt === undefined || this.clock.now() - this.storeFailedAt > STORE_RETRY_MS);
		if (useStore) {
			try {
				await this.store.update(this.key, apply);
				if (this.storeFailedAt !== undefined) this.warn(`the rate budget is shared through ${this.store.description} again`);
				this.storeFailedAt = undefined;
			} catch (error) {
				this.storeFailedAt = this.clock.now();
				this.warn(
					`the rate budget cannot be shared through ${this.store.description} (${(error as Error).message}); ` +
						`pacing requests for this n8n process only, trying again in ${STORE_RETRY_MS / 1000} s`,
				);
				outcome = undefined;
			}
		}
		if (!outcome) await this.fallback.update(this.key, apply);
		this.latest = outcome!.state;
		return { result: outcome!.result, now: outcome!.now };
	}

	/** Waits until a request of `tokens` fits the budget, and books it. */
	async acquire(tokens: number): Promise<Ticket> {
		let booked = await this.change((state, now) => {
			const { state: next, ticket } = reserve(state, this.stated, tokens, now);
			return { state: next, result: ticket };
		});
		for (let rebookings = 0; ; rebookings++) {
			const wait = Math.max(0, booked.result.sendAt - booked.now);
			const wakeAt = this.clock.now() + wait;
			if (wait > 0) await this.clock.sleep(wait);
			// The budget shrank while this send waited (a 429, headers saying less): book again.
			if (rebookings >= MAX_REBOOKINGS || (this.latest?.epoch ?? 0) <= booked.result.epoch) {
				return { ...booked.result, sentAt: booked.result.sendAt + Math.max(0, this.clock.now() - wakeAt) };
			}
			const stale = booked.result;
			booked = await this.change((state, now) => {
				const { state: next, ticket } = reserve(release(state, stale, now), this.stated, tokens, now);
				return { state: next, result: ticket };
			});
		}
	}

	/** Reports how a booked request went. */
	async settle(ticket: Ticket, outcome: Outcome): Promise<void> {
		await this.change((state, now) => ({ state: observe(state, this.stated, ticket, outcome, now), result: undefined }));
	}

	limits(): EffectiveLimits & { discoveredPerSecond?: number; requests: number; rateLimited: number } {
		const state = this.latest ?? initialState(this.clock.now());
		return { ...effectiveLimits(state, this.stated), discoveredPerSecond: state.discoveredPerSecond, requests: state.requests, rateLimited: state.rateLimited };
	}

	/** The limit as a sentence part, for errors and the n8n log. */
	describe(): string {
		const limits = this.limits();
		const figures = [
			limits.requestsPerMinute ? `${limits.requestsPerMinute.toLocaleString('en-US')} requests/min` : undefined,
			limits.tokensPerMinute ? `${limits.tokensPerMinute.toLocaleString('en-US')} tokens/min` : undefined,
		].filter(Boolean);
		const where = { none: '', stated: 'as stated in the node or credential', headers: "from the endpoint's rate-limit headers", 'stated+headers': "stated, and the endpoint's headers" }[limits.source];
		const known = figures.length > 0 ? `${figures.join(' and ')} (${where})` : 'not stated and not announced by the endpoint';
		const found = limits.discoveredPerSecond !== undefined ? `; backing off to about ${(limits.discoveredPerSecond * 60).toFixed(0)} requests/min` : '';
		return `${known}${found}`;
	}
}
