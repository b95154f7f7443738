/**
 * Hashed counts → TF-IDF vectors over a compact column space. Only hashed ids seen in training
 * (at least `minDf` times) get a column, which keeps the weight matrix small. Each block (words,
 * characters) gets sublinear TF × IDF, its own L2 norm and a block weight, so that the many
 * character n-grams do not drown the few words.
 */
import type { SparseCounts, TextFeatures } from './features';

export interface VectorizerOptions {
	minDf: number;
	/** Share of the squared norm given to the word block; the character block gets the rest. */
	wordBlockWeight: number;
}

export interface Vectorizer {
	/** Hashed id of each column, ascending. */
	hashIds: Int32Array;
	idf: Float32Array;
	wordBlockWeight: number;
	/** hashed id → column, or -1; derived from hashIds, never stored. */
	columnOf: Int32Array;
}

export interface SparseVector {
	columns: Int32Array;
	values: Float32Array;
}

export function fitVectorizer(
	documents: readonly TextFeatures[],
	hashBits: number,
	options: VectorizerOptions,
): Vectorizer {
	const documentFrequency = new Int32Array(1 << hashBits);
	for (const document of documents) {
		// A hashed id that is both a word and a character n-gram counts once per block; harmless.
		for (const id of document.words.ids) documentFrequency[id]++;
		for (const id of document.chars.ids) documentFrequency[id]++;
	}
	let kept = 0;
	for (let id = 0; id < documentFrequency.length; id++) {
		if (documentFrequency[id] >= options.minDf) kept++;
	}
	const hashIds = new Int32Array(kept);
	const idf = new Float32Array(kept);
	let column = 0;
	const count = documents.length;
	for (let id = 0; id < documentFrequency.length; id++) {
		const frequency = documentFrequency[id];
		if (frequency < options.minDf) continue;
		hashIds[column] = id;
		idf[column] = Math.log((1 + count) / (1 + frequency)) + 1;
		column++;
	}
	return { hashIds, idf, wordBlockWeight: options.wordBlockWeight, columnOf: buildColumnIndex(hashIds, hashBits) };
}

export function buildColumnIndex(hashIds: Int32Array, hashBits: number): Int32Array {
	const columnOf = new Int32Array(1 << hashBits).fill(-1);
	for (let column = 0; column < hashIds.length; column++) columnOf[hashIds[column]] = column;
	return columnOf;
}

export function vectorize(vectorizer: Vectorizer, features: TextFeatures): SparseVector {
	const words = weighBlock(vectorizer, features.words, Math.sqrt(vectorizer.wordBlockWeight));
	const chars = weighBlock(vectorizer, features.chars, Math.sqrt(1 - vectorizer.wordBlockWeight));
	const columns = new Int32Array(words.columns.length + chars.columns.length);
	const values = new Float32Array(columns.length);
	columns.set(words.columns);
	columns.set(chars.columns, words.columns.length);
	values.set(words.values);
	values.set(chars.values, words.columns.length);
	return { columns, values };
}

function weighBlock(vectorizer: Vectorizer, block: SparseCounts, blockScale: number): SparseVector {
	let present = 0;
	for (const id of block.ids) if (vectorizer.columnOf[id] !== -1) present++;
	const columns = new Int32Array(present);
	const values = new Float32Array(present);
	let slot = 0;
	let squaredNorm = 0;
	for (let i = 0; i < block.ids.length; i++) {
		const column = vectorizer.columnOf[block.ids[i]];
		if (column === -1) continue;
		const value = (1 + Math.log(block.counts[i])) * vectorizer.idf[column];
		columns[slot] = column;
		values[slot] = value;
		squaredNorm += value * value;
		slot++;
	}
	if (squaredNorm > 0) {
		const scale = blockScale / Math.sqrt(squaredNorm);
		for (let i = 0; i < values.length; i++) values[i] *= scale;
	}
	return { columns, values };
}

/**
 * Share of a text's feature occurrences (words and character n-grams) that have a column: texts of
 * another subject share few n-grams with the training data, whatever the classifier makes of them.
 * 0 for a text with no features at all.
 */
export function knownShare(vectorizer: Vectorizer, features: TextFeatures): number {
	let known = 0;
	let total = 0;
	for (const block of [features.words, features.chars]) {
		for (let i = 0; i < block.ids.length; i++) {
			total += block.counts[i];
			if (vectorizer.columnOf[block.ids[i]] !== -1) known += block.counts[i];
		}
	}
	return total === 0 ? 0 : known / total;
}
