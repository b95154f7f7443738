/**
 * Text → hashed sparse term counts. Two blocks: word unigrams + bigrams, and character n-grams (3–4
 * by default: 5-grams added cost and no accuracy on a BANKING77 development split) taken
 * inside word boundaries (each word padded with spaces, like scikit-learn's `char_wb`). Hashing keeps
 * memory bounded without a vocabulary pass; FNV-1a runs over char codes so no n-gram string is built.
 * With `wordStems`, unigrams and bigrams are taken over light English stems ("arrived", "arrives" →
 * "arriv"), and a word that its stem changed also counts as itself.
 */

export interface FeatureOptions {
	/** log2 of the hashed feature space. */
	hashBits: number;
	charNgramMin: number;
	charNgramMax: number;
	wordBigrams: boolean;
	/**
	 * Words also by their stem. Optional because models stored before it existed lack it (and were
	 * trained without it).
	 */
	wordStems?: boolean;
}

export const defaultFeatureOptions: Required<FeatureOptions> = {
	hashBits: 18,
	charNgramMin: 3,
	charNgramMax: 4,
	wordBigrams: true,
	// Ten examples per intent: +0.2–0.5 points on BANKING77 and +1 on Bitext development splits,
	// on top of the name sharing in training; with full data +0.4.
	wordStems: true,
};

/** Distinct hashed ids (ascending) with how often each occurred. */
export interface SparseCounts {
	ids: Int32Array;
	counts: Float32Array;
}

export interface TextFeatures {
	words: SparseCounts;
	chars: SparseCounts;
}

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;
const SPACE = 32;
// Distinct seeds per feature family, so that the word "abc" and the trigram "abc" hash apart.
const WORD_SEED = 0x2f1a5b37;
const BIGRAM_SEED = 0x5bd1e995;
const CHAR_SEED = 0x1b873593;

const tokenPattern = /[\p{L}\p{N}]+(?:'[\p{L}\p{N}]+)*/gu;

export function tokenize(text: string): string[] {
	return text.toLowerCase().replace(/[\u2018\u2019`]/g, "'").match(tokenPattern) ?? [];
}

function hashString(text: string, seed: number): number {
	let hash = (FNV_OFFSET ^ seed) >>> 0;
	for (let i = 0; i < text.length; i++) {
		hash = Math.imul(hash ^ text.charCodeAt(i), FNV_PRIME);
	}
	return hash >>> 0;
}

function mixPair(first: number, second: number): number {
	let hash = Math.imul(first ^ BIGRAM_SEED, FNV_PRIME);
	hash = Math.imul(hash ^ (second >>> 16), FNV_PRIME);
	hash = Math.imul(hash ^ (second & 0xffff), FNV_PRIME);
	return finalize(hash);
}

/** murmur3's finaliser: FNV's low bits are weak, and the feature id is taken from them. */
function finalize(value: number): number {
	let hash = value >>> 0;
	hash ^= hash >>> 16;
	hash = Math.imul(hash, 0x85ebca6b);
	hash ^= hash >>> 13;
	hash = Math.imul(hash, 0xc2b2ae35);
	hash ^= hash >>> 16;
	return hash >>> 0;
}

function toSparseCounts(hashes: number[], mask: number): SparseCounts {
	const sorted = new Int32Array(hashes.length);
	for (let i = 0; i < hashes.length; i++) sorted[i] = hashes[i] & mask;
	sorted.sort();
	let distinct = 0;
	for (let i = 0; i < sorted.length; i++) {
		if (i === 0 || sorted[i] !== sorted[i - 1]) distinct++;
	}
	const ids = new Int32Array(distinct);
	const counts = new Float32Array(distinct);
	let slot = -1;
	for (let i = 0; i < sorted.length; i++) {
		if (i === 0 || sorted[i] !== sorted[i - 1]) ids[++slot] = sorted[i];
		counts[slot]++;
	}
	return { ids, counts };
}

/**
 * A light English suffix stripper (plural -s/-es/-ies, -ed, -ing, final -e, 's and n't): few rules,
 * so it rarely merges words of different meaning; the character n-grams already cover the rest of
 * morphology. Keys are for matching only, not real words ("arrival" stays, "arrived" → "arriv").
 */
export function lightStem(word: string): string {
	if (word.length <= 3) return word;
	let stem = word.replace(/'s$/, '').replace(/n't$/, '');
	if (stem.length <= 3) return stem;
	if (stem.endsWith('ies') && stem.length > 4) stem = `${stem.slice(0, -3)}y`;
	else if (/(ss|us|is)$/.test(stem)) {
		// "access", "status", "this": not plurals.
	} else if (/(sh|ch|x|z)es$/.test(stem)) stem = stem.slice(0, -2);
	else if (stem.endsWith('s')) stem = stem.slice(0, -1);
	if (stem.endsWith('ing') && stem.length > 5) stem = undouble(stem.slice(0, -3));
	else if (stem.endsWith('ied') && stem.length > 4) stem = `${stem.slice(0, -3)}y`;
	else if (stem.endsWith('ed') && stem.length > 4) stem = undouble(stem.slice(0, -2));
	return stem.endsWith('e') ? stem.slice(0, -1) : stem;
}

/** "stopp" → "stop", but "call", "pass" and "buzz" keep their double letter. */
function undouble(stem: string): string {
	return /([^lsz])\1$/.test(stem) ? stem.slice(0, -1) : stem;
}

export function extractFeatures(text: string, options: FeatureOptions): TextFeatures {
	const mask = (1 << options.hashBits) - 1;
	const tokens = tokenize(text);
	const wordHashes: number[] = [];
	const charHashes: number[] = [];
	let previous = -1;
	for (const token of tokens) {
		const word = options.wordStems ? lightStem(token) : token;
		const wordHash = hashString(word, WORD_SEED);
		wordHashes.push(finalize(wordHash));
		if (word !== token) wordHashes.push(finalize(hashString(token, WORD_SEED)));
		if (options.wordBigrams && previous !== -1) wordHashes.push(mixPair(previous, wordHash));
		previous = wordHash;
		addCharNgrams(token, options, charHashes);
	}
	return { words: toSparseCounts(wordHashes, mask), chars: toSparseCounts(charHashes, mask) };
}

/**
 * The hashed id of each word of the text as the word block counts it (its stem with `wordStems`),
 * in order: to tell which words a model has a column for.
 */
export function wordIds(text: string, options: FeatureOptions): number[] {
	const mask = (1 << options.hashBits) - 1;
	return tokenize(text).map((token) => finalize(hashString(options.wordStems ? lightStem(token) : token, WORD_SEED)) & mask);
}

function addCharNgrams(token: string, options: FeatureOptions, out: number[]): void {
	const paddedLength = token.length + 2;
	const codeAt = (position: number) =>
		position === 0 || position === paddedLength - 1 ? SPACE : token.charCodeAt(position - 1);
	if (paddedLength <= options.charNgramMin) {
		let hash = (FNV_OFFSET ^ CHAR_SEED) >>> 0;
		for (let i = 0; i < paddedLength; i++) hash = Math.imul(hash ^ codeAt(i), FNV_PRIME);
		out.push(finalize(hash));
		return;
	}
	for (let start = 0; start + options.charNgramMin <= paddedLength; start++) {
		let hash = (FNV_OFFSET ^ CHAR_SEED) >>> 0;
		const end = Math.min(paddedLength, start + options.charNgramMax);
		for (let position = start; position < end; position++) {
			hash = Math.imul(hash ^ codeAt(position), FNV_PRIME);
			if (position - start + 1 >= options.charNgramMin) out.push(finalize(hash));
		}
	}
}
