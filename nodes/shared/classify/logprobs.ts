/**
 * From token log-probabilities to a probability for every category. The answer token's top_logprobs
 * list the most likely alternatives; keys that are not among them share the probability mass left
 * over, never more than the least likely listed token (otherwise they would have been listed).
 */
export interface TopLogprob {
	token: string;
	logprob: number;
}

export interface TokenLogprob extends TopLogprob {
	top_logprobs?: TopLogprob[];
}

/** Strips what tokenizers glue to a key: spaces, quotes. */
export function normaliseToken(token: string): string {
	return token.replace(/^[\s"']+|[\s"',]+$/g, '');
}

export function keyDistribution(top: TopLogprob[], keys: string[]): Record<string, number> | undefined {
	const keySet = new Set(keys);
	const mass: Record<string, number> = {};
	let listedTotal = 0;
	let smallestListed = 1;
	for (const alternative of top) {
		const p = Math.exp(alternative.logprob);
		if (!Number.isFinite(p)) continue;
		listedTotal += p;
		smallestListed = Math.min(smallestListed, p);
		const key = normaliseToken(alternative.token);
		if (keySet.has(key)) mass[key] = (mass[key] ?? 0) + p;
	}
	const seen = Object.keys(mass);
	if (seen.length === 0) return undefined;
	const unseen = keys.filter((key) => mass[key] === undefined);
	if (unseen.length > 0) {
		const share = Math.min(Math.max(0, 1 - listedTotal) / unseen.length, smallestListed);
		for (const key of unseen) mass[key] = share;
	}
	const total = keys.reduce((sum, key) => sum + mass[key], 0);
	return Object.fromEntries(keys.map((key) => [key, mass[key] / total]));
}

/** The token that holds the character at `offset` of the content the tokens spell. */
export function tokenAt(tokens: TokenLogprob[], offset: number): TokenLogprob | undefined {
	let position = 0;
	for (const token of tokens) {
		const end = position + token.token.length;
		if (offset >= position && offset < end) return token;
		position = end;
	}
	return undefined;
}

/** Offset of the value of a JSON property in the raw answer text. */
export function jsonValueOffset(content: string, property: string): number | undefined {
	const escaped = property.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
	const match = new RegExp(`"${escaped}"\\s*:\\s*"?`).exec(content);
	return match ? match.index + match[0].length : undefined;
}

/** First token that carries something (models sometimes open with a space or newline). */
export function firstMeaningfulToken(tokens: TokenLogprob[]): TokenLogprob | undefined {
	return tokens.find((token) => normaliseToken(token.token) !== '');
}

/** P(true) for a JSON boolean from the value token's alternatives. */
export function booleanProbability(token: TokenLogprob): number | undefined {
	const alternatives = token.top_logprobs && token.top_logprobs.length > 0 ? token.top_logprobs : [token];
	let pTrue: number | undefined;
	let pFalse: number | undefined;
	for (const alternative of alternatives) {
		const word = normaliseToken(alternative.token).toLowerCase();
		const p = Math.exp(alternative.logprob);
		if (word === 'true' || word === 'tr') pTrue = (pTrue ?? 0) + p;
		if (word === 'false' || word === 'fal' || word === 'fa') pFalse = (pFalse ?? 0) + p;
	}
	if (pTrue === undefined && pFalse === undefined) return undefined;
	if (pTrue === undefined) return Math.max(0, 1 - pFalse!);
	if (pFalse === undefined) return Math.min(1, pTrue);
	return pTrue / (pTrue + pFalse);
}
