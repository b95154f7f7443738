/**
 * The rate budget of one endpoint key and model, as pure functions over a small serialisable state,
 * so that the same state can live in process memory, Redis or PostgreSQL and be shared by every item,
 * execution and worker that uses the key. Time is always passed in (`now`, in ms): tests drive it
 * with a fake clock, shared stores with their own clock.
 *
 * - **Known limit** (stated by the user, or read from the endpoint's x-ratelimit-* headers): one
 *   GCRA ("virtual scheduling") bucket per dimension — requests/min and tokens/min — holding one
 *   minute, like the provider's. `reserve` gives each request the earliest time both buckets hold its
 *   cost and books it, so concurrent callers get evenly spaced send times instead of racing.
 * - **Headers** give the limits, how much the provider's buckets hold (remaining + reset × rate), and
 *   re-synchronise the buckets with the provider's view (as of when the request left, plus what was
 *   booked since) where it shows less budget than booked here.
 * - **No headers at all**: on a 429 the request rate is cut multiplicatively (from what actually got
 *   through) and then raised additively while requests succeed (AIMD), at most one cut per round
 *   trip; consecutive 429s also cool everyone down, exponentially.
 * - A positive Retry-After is a cooldown for every caller; `Retry-After: 0` is the endpoint saying
 *   "try again now", not "slow down".
 */

/** The limits a user stated for the key (credential or node option); 0 or absent: not stated. */
export interface StatedLimits {
	requestsPerMinute?: number;
	tokensPerMinute?: number;
}

/** What an answer's x-ratelimit-* headers said (see headers.ts). */
export interface RateLimitSnapshot {
	limitRequests?: number;
	limitTokens?: number;
	remainingRequests?: number;
	remainingTokens?: number;
	/** Time until the bucket is full again, from when the request was admitted. */
	resetRequestsMs?: number;
	resetTokensMs?: number;
}

export interface BudgetState {
	v: 1;
	/** Limits the endpoint announced in its headers. */
	headerRequestsPerMinute?: number;
	headerTokensPerMinute?: number;
	/** GCRA theoretical arrival times (ms): a bucket is full when its TAT is at or before now. */
	requestsTat: number;
	tokensTat: number;
	/**
	 * How much of the limit the endpoint's buckets hold, as ms of refill (default: a minute). Read
	 * from the headers — remaining + reset × rate is the capacity — since some endpoints hold less.
	 */
	requestsWindowMs?: number;
	tokensWindowMs?: number;
	/** Whether the buckets have been synchronised with the endpoint's headers at least once. */
	synced: boolean;
	/** Everything ever booked (monotonic): a header snapshot is matched with what was booked after it. */
	bookedRequests: number;
	bookedTokens: number;
	/** Requests per second found by backing off (no headers); undefined until a 429 asked for it. */
	discoveredPerSecond?: number;
	discoveredTat: number;
	lastCutAt: number;
	lastRaiseAt: number;
	/** No request is sent before this (Retry-After, consecutive 429s). */
	cooldownUntil: number;
	rateLimitedInARow: number;
	/** Bumped whenever the budget shrank at once (a 429, a header saying less): booked sends re-check. */
	epoch: number;
	/** Successes counted in the current and the last measuring window (for the first cut). */
	windowStart: number;
	windowSuccesses: number;
	lastWindowPerSecond?: number;
	/** Totals since the state was created, for progress and error messages. */
	requests: number;
	rateLimited: number;
	updatedAt: number;
}

/** One booked send. */
export interface Ticket {
	sendAt: number;
	/**
	 * When it actually left (store clock): sendAt plus how late the waiting caller woke. The endpoint's
	 * headers count from its arrival, so they are read against this time.
	 */
	sentAt?: number;
	/** bookedRequests / bookedTokens right after this booking. */
	bookedRequests: number;
	bookedTokens: number;
	tokens: number;
	epoch: number;
	/** The rates it was booked at (ms per request / per token / per discovered request), for a refund. */
	requestMs?: number;
	tokenMs?: number;
	discoveredMs?: number;
}

export type Outcome =
	| { kind: 'answered'; snapshot?: RateLimitSnapshot; chargedTokens?: number }
	| { kind: 'rateLimited'; snapshot?: RateLimitSnapshot; retryAfterMs?: number }
	| { kind: 'failed'; snapshot?: RateLimitSnapshot };

/** The buckets hold one minute, as OpenAI's do. */
export const WINDOW_MS = 60_000;
/** AIMD: a 429 cuts the rate to this share of what got through. */
export const CUT_FACTOR = 0.8;
/** AIMD: while requests succeed the rate grows by this share of itself per second... */
export const RAISE_SHARE_PER_SECOND = 0.01;
/** ...by at least this many requests per second per second. */
export const MIN_RAISE_PER_SECOND = 0.002;
/** The slowest the discovery goes: 3 requests a minute (OpenAI's free tier). */
export const MIN_DISCOVERED_PER_SECOND = 0.05;
/** A state unused for this long forgets what back-off found (the provider's bucket is full again). */
export const FORGET_DISCOVERY_MS = 10 * 60_000;
const MEASURE_WINDOW_MS = 2_000;
const COOLDOWN_BASE_MS = 250;
const COOLDOWN_MAX_MS = 60_000;

export function initialState(now: number): BudgetState {
	return {
		v: 1,
		requestsTat: 0,
		tokensTat: 0,
		synced: false,
		bookedRequests: 0,
		bookedTokens: 0,
		discoveredTat: 0,
		lastCutAt: 0,
		lastRaiseAt: now,
		cooldownUntil: 0,
		rateLimitedInARow: 0,
		epoch: 0,
		windowStart: now,
		windowSuccesses: 0,
		requests: 0,
		rateLimited: 0,
		updatedAt: now,
	};
}

const positive = (value: number | undefined) => (typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : undefined);
const lower = (a: number | undefined, b: number | undefined) => (a === undefined ? b : b === undefined ? a : Math.min(a, b));

export interface EffectiveLimits {
	requestsPerMinute?: number;
	tokensPerMinute?: number;
	/** Where the binding figures came from. */
	source: 'none' | 'stated' | 'headers' | 'stated+headers';
}

/** The lower of what the user stated and what the endpoint announced, per dimension. */
export function effectiveLimits(state: BudgetState, stated: StatedLimits): EffectiveLimits {
	const statedRequests = positive(stated.requestsPerMinute);
	const statedTokens = positive(stated.tokensPerMinute);
	const requestsPerMinute = lower(statedRequests, state.headerRequestsPerMinute);
	const tokensPerMinute = lower(statedTokens, state.headerTokensPerMinute);
	const anyStated = statedRequests !== undefined || statedTokens !== undefined;
	const anyHeader = state.headerRequestsPerMinute !== undefined || state.headerTokensPerMinute !== undefined;
	return {
		requestsPerMinute,
		tokensPerMinute,
		source: anyStated && anyHeader ? 'stated+headers' : anyStated ? 'stated' : anyHeader ? 'headers' : 'none',
	};
}

/** Forgets back-off findings of a state left unused (called by reserve). */
function refresh(state: BudgetState, now: number): BudgetState {
	if (now - state.updatedAt < FORGET_DISCOVERY_MS) return state;
	return { ...state, discoveredPerSecond: undefined, discoveredTat: 0, rateLimitedInARow: 0, cooldownUntil: 0, windowStart: now, windowSuccesses: 0, lastWindowPerSecond: undefined };
}

/** Books the earliest send time at which every known limit holds a request of `tokens`. */
export function reserve(input: BudgetState, stated: StatedLimits, tokens: number, now: number): { state: BudgetState; ticket: Ticket } {
	const state = refresh(input, now);
	const limits = effectiveLimits(state, stated);
	const requestMs = limits.requestsPerMinute ? WINDOW_MS / limits.requestsPerMinute : undefined;
	const tokenMs = limits.tokensPerMinute ? WINDOW_MS / limits.tokensPerMinute : undefined;
	// A request larger than the whole bucket waits for a full bucket (the endpoint then says why it refuses).
	const tokenCapacity = limits.tokensPerMinute ? (limits.tokensPerMinute * (state.tokensWindowMs ?? WINDOW_MS)) / WINDOW_MS : undefined;
	const cost = tokenCapacity ? Math.min(Math.max(0, tokens), tokenCapacity) : Math.max(0, tokens);
	const discoveredMs = state.discoveredPerSecond ? 1000 / state.discoveredPerSecond : undefined;

	let sendAt = Math.max(now, state.cooldownUntil);
	if (requestMs) sendAt = Math.max(sendAt, state.requestsTat + requestMs - (state.requestsWindowMs ?? WINDOW_MS));
	if (tokenMs) sendAt = Math.max(sendAt, state.tokensTat + tokenMs * cost - (state.tokensWindowMs ?? WINDOW_MS));
	if (discoveredMs) sendAt = Math.max(sendAt, state.discoveredTat);

	const next: BudgetState = {
		...state,
		requestsTat: requestMs ? Math.max(state.requestsTat, sendAt) + requestMs : state.requestsTat,
		tokensTat: tokenMs ? Math.max(state.tokensTat, sendAt) + tokenMs * cost : state.tokensTat,
		discoveredTat: discoveredMs ? Math.max(state.discoveredTat, sendAt) + discoveredMs : state.discoveredTat,
		bookedRequests: state.bookedRequests + 1,
		bookedTokens: state.bookedTokens + cost,
		requests: state.requests + 1,
		updatedAt: now,
	};
	return {
		state: next,
		ticket: { sendAt, bookedRequests: next.bookedRequests, bookedTokens: next.bookedTokens, tokens: cost, epoch: state.epoch, requestMs, tokenMs, discoveredMs },
	};
}

/** Gives a booked send back (it was not sent: the budget changed while it waited). */
export function release(state: BudgetState, ticket: Ticket, now: number): BudgetState {
	return {
		...state,
		requestsTat: ticket.requestMs ? state.requestsTat - ticket.requestMs : state.requestsTat,
		tokensTat: ticket.tokenMs ? state.tokensTat - ticket.tokenMs * ticket.tokens : state.tokensTat,
		discoveredTat: ticket.discoveredMs ? state.discoveredTat - ticket.discoveredMs : state.discoveredTat,
		requests: state.requests - 1,
		updatedAt: now,
	};
}

interface DimensionView {
	windowMs: number;
	remaining?: number;
	resetMs?: number;
}

/**
 * The refill time the endpoint's bucket holds, from one snapshot: remaining + reset × rate is its
 * capacity (remaining is rounded down, so the largest seen is the best estimate).
 */
function windowFrom(previous: number | undefined, unitMs: number, remaining: number | undefined, resetMs: number | undefined): number | undefined {
	if (remaining === undefined || resetMs === undefined) return previous;
	const seen = Math.min(WINDOW_MS, Math.max(unitMs, remaining * unitMs + resetMs));
	return previous === undefined ? seen : Math.max(previous, seen);
}

/**
 * Where the endpoint's bucket stands now, as a TAT: its view when the request was sent (reset, or
 * remaining) plus what was booked since. undefined when the snapshot says nothing of this dimension.
 */
function endpointTat(view: DimensionView, unitMs: number, sentAt: number, bookedSince: number): number | undefined {
	let tat: number | undefined;
	if (view.resetMs !== undefined) tat = sentAt + view.resetMs;
	else if (view.remaining !== undefined) tat = sentAt + Math.max(0, view.windowMs - view.remaining * unitMs);
	if (tat === undefined) return undefined;
	return Math.max(tat, sentAt) + Math.max(0, bookedSince) * unitMs;
}

/**
 * Follows the endpoint's view of one bucket: at once when told to (first sync, a 429), otherwise only
 * where it shows less budget than booked here, beyond the dead band (rounding of the headers, requests
 * on their way) — someone else uses the key. More budget than booked is not taken from a header:
 * its timing can only err towards it (a request arrives after it was sent), and spending it would
 * risk 429s for little.
 */
function followEndpoint(local: number, endpoint: number | undefined, now: number, deadBandMs: number, force: boolean): { tat: number; shrank: boolean } {
	if (endpoint === undefined) return { tat: local, shrank: false };
	const localAt = Math.max(local, now);
	const endpointAt = Math.max(endpoint, now);
	if (force || endpointAt > localAt + deadBandMs) return { tat: endpoint, shrank: endpointAt > localAt + deadBandMs };
	return { tat: local, shrank: false };
}

function countSuccess(state: BudgetState, now: number): BudgetState {
	const elapsed = now - state.windowStart;
	if (elapsed < MEASURE_WINDOW_MS) return { ...state, windowSuccesses: state.windowSuccesses + 1 };
	return { ...state, windowStart: now, windowSuccesses: 1, lastWindowPerSecond: (state.windowSuccesses * 1000) / elapsed };
}

/** Requests per second that got through lately (the starting point of the first cut). */
function recentPerSecond(state: BudgetState, now: number): number | undefined {
	const elapsed = now - state.windowStart;
	const current = elapsed >= 500 ? (state.windowSuccesses * 1000) / elapsed : undefined;
	return current !== undefined && state.lastWindowPerSecond !== undefined ? Math.max(current, state.lastWindowPerSecond) : (current ?? state.lastWindowPerSecond);
}

/** Learns from how a booked request went. */
export function observe(input: BudgetState, stated: StatedLimits, ticket: Ticket, outcome: Outcome, now: number): BudgetState {
	let state: BudgetState = { ...input, updatedAt: now };
	const snapshot = outcome.snapshot;
	if (snapshot?.limitRequests) state.headerRequestsPerMinute = snapshot.limitRequests;
	if (snapshot?.limitTokens) state.headerTokensPerMinute = snapshot.limitTokens;
	const limits = effectiveLimits(state, stated);
	const requestMs = limits.requestsPerMinute ? WINDOW_MS / limits.requestsPerMinute : undefined;
	const tokenMs = limits.tokensPerMinute ? WINDOW_MS / limits.tokensPerMinute : undefined;

	// The booking was an estimate; the endpoint charged what the answer says.
	if (outcome.kind === 'answered' && outcome.chargedTokens !== undefined) {
		const delta = outcome.chargedTokens - ticket.tokens;
		state.bookedTokens += delta;
		if (tokenMs) state.tokensTat += delta * tokenMs;
	}

	const rateLimited = outcome.kind === 'rateLimited';
	let shrank = false;
	// Follow the endpoint only where its limit is the binding one (a lower stated limit is the user's choice).
	const followsRequests = requestMs && snapshot && state.headerRequestsPerMinute === limits.requestsPerMinute;
	const followsTokens = tokenMs && snapshot && state.headerTokensPerMinute === limits.tokensPerMinute;
	if (followsRequests) state.requestsWindowMs = windowFrom(state.requestsWindowMs, requestMs, snapshot.remainingRequests, snapshot.resetRequestsMs);
	if (followsTokens) state.tokensWindowMs = windowFrom(state.tokensWindowMs, tokenMs, snapshot.remainingTokens, snapshot.resetTokensMs);
	const force = !state.synced || rateLimited;
	const follow = (tat: number, view: DimensionView, unitMs: number, bookedSince: number, deadBandMs: number) => {
		const followed = followEndpoint(tat, endpointTat(view, unitMs, ticket.sentAt ?? ticket.sendAt, bookedSince), now, deadBandMs, force);
		shrank ||= followed.shrank;
		return followed.tat;
	};
	if (followsRequests) {
		const view = { windowMs: state.requestsWindowMs ?? WINDOW_MS, remaining: snapshot.remainingRequests, resetMs: snapshot.resetRequestsMs };
		state.requestsTat = follow(state.requestsTat, view, requestMs, state.bookedRequests - ticket.bookedRequests, Math.max(2 * requestMs, 100));
	}
	if (followsTokens) {
		const view = { windowMs: state.tokensWindowMs ?? WINDOW_MS, remaining: snapshot.remainingTokens, resetMs: snapshot.resetTokensMs };
		state.tokensTat = follow(state.tokensTat, view, tokenMs, state.bookedTokens - ticket.bookedTokens, Math.max(2 * Math.max(ticket.tokens, 1) * tokenMs, 100));
	}
	if (followsRequests || followsTokens) state.synced = true;

	if (outcome.kind === 'answered') {
		state = countSuccess({ ...state, rateLimitedInARow: 0 }, now);
		if (state.discoveredPerSecond !== undefined) {
			const seconds = Math.min(1, Math.max(0, (now - state.lastRaiseAt) / 1000));
			const raise = Math.max(MIN_RAISE_PER_SECOND, state.discoveredPerSecond * RAISE_SHARE_PER_SECOND) * seconds;
			state.discoveredPerSecond += raise;
		}
		state.lastRaiseAt = now;
	} else if (rateLimited) {
		state = rateLimitedBy(state, ticket, outcome, now, { requestMs, tokenMs, explained: Boolean(followsRequests || followsTokens) && explainedBySnapshot(snapshot!, ticket) });
		shrank = true;
	}
	if (shrank) state.epoch += 1;
	return state;
}

/** The snapshot of a 429 shows a bucket that could not hold the request: the limit we pace to is the one hit. */
function explainedBySnapshot(snapshot: RateLimitSnapshot, ticket: Ticket): boolean {
	return (snapshot.remainingRequests !== undefined && snapshot.remainingRequests < 1) || (snapshot.remainingTokens !== undefined && snapshot.remainingTokens < ticket.tokens);
}

function rateLimitedBy(
	input: BudgetState,
	ticket: Ticket,
	outcome: Extract<Outcome, { kind: 'rateLimited' }>,
	now: number,
	{ requestMs, tokenMs, explained }: { requestMs?: number; tokenMs?: number; explained: boolean },
): BudgetState {
	const state: BudgetState = { ...input, rateLimited: input.rateLimited + 1, rateLimitedInARow: input.rateLimitedInARow + 1 };
	// The headers explained the 429 and the buckets now follow them: nothing more to learn.
	if (explained) return state;
	// "Retry-After: 0": the endpoint asks for another try now, not for a slower pace.
	if (outcome.retryAfterMs === 0) return state;
	const backoff = state.rateLimitedInARow > 1 ? Math.min(COOLDOWN_MAX_MS, COOLDOWN_BASE_MS * 2 ** (state.rateLimitedInARow - 2)) : 0;
	state.cooldownUntil = Math.max(state.cooldownUntil, now + Math.max(outcome.retryAfterMs ?? 0, backoff));
	// A known (stated) limit was hit: the endpoint's bucket is empty as of this send.
	if (requestMs) state.requestsTat = Math.max(state.requestsTat, ticket.sendAt + (state.requestsWindowMs ?? WINDOW_MS));
	if (tokenMs) state.tokensTat = Math.max(state.tokensTat, ticket.sendAt + (state.tokensWindowMs ?? WINDOW_MS));
	// One cut per round trip: a 429 for a request sent before the last cut says nothing new.
	if (ticket.sendAt > state.lastCutAt) {
		const through = recentPerSecond(state, now);
		const base = lower(state.discoveredPerSecond, through) ?? state.discoveredPerSecond ?? through ?? 1;
		state.discoveredPerSecond = Math.max(MIN_DISCOVERED_PER_SECOND, base * CUT_FACTOR);
		state.discoveredTat = Math.max(state.discoveredTat, now);
		state.lastCutAt = now;
		state.lastRaiseAt = now;
	}
	return state;
}
