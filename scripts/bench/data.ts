/**
 * The benchmark's inputs: support texts from the Bitext customer-support sample (the `instruction`
 * column), restricted to six of its categories, drawn in a seeded order so every run and every
 * contender sees the same texts; plus a few other texts per category as examples for the local engine.
 */
import * as fs from 'node:fs';
import { parse } from 'csv-parse/sync';

export interface BenchCategory {
	/** The label both classifiers return. */
	name: string;
	/** The Bitext `category` value it stands for. */
	source: string;
	description: string;
}

/** The six largest Bitext categories that a support inbox would route apart. */
export const CATEGORIES: BenchCategory[] = [
	{ name: 'account', source: 'ACCOUNT', description: 'creating, editing, deleting or switching a customer account, passwords, sign-up problems' },
	{ name: 'order', source: 'ORDER', description: 'placing, changing, cancelling or tracking an order or purchase' },
	{ name: 'refund', source: 'REFUND', description: 'refund policy, getting money back, the status of a refund' },
	{ name: 'delivery', source: 'DELIVERY', description: 'delivery options, shipping methods and how long delivery takes' },
	{ name: 'invoice', source: 'INVOICE', description: 'finding, downloading or checking an invoice or bill' },
	{ name: 'payment', source: 'PAYMENT', description: 'payment methods and problems paying' },
];

export interface SupportText {
	id: number;
	text: string;
	/** The Bitext label, as one of CATEGORIES' names. */
	expected: string;
}

export interface BenchData {
	texts: SupportText[];
	/** Texts not among `texts`, per category name. */
	examples: Record<string, string[]>;
	/** Distinct texts in the chosen categories. */
	available: number;
}

/** mulberry32: a small seedable PRNG, so the draw is the same on every machine. */
function seededRandom(seed: number): () => number {
	let state = seed >>> 0;
	return () => {
		state = (state + 0x6d2b79f5) >>> 0;
		let t = state;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}

export function loadSupportTexts(csvPath: string, count: number, examplesPerCategory: number, seed = 7): BenchData {
	if (!fs.existsSync(csvPath)) {
		throw new Error(`Support texts not found at ${csvPath}: pass --data <bitext-customer-support.csv> (shared/ must sit beside the repository)`);
	}
	const rows = parse(fs.readFileSync(csvPath), { columns: true, bom: true, skip_empty_lines: true }) as Array<Record<string, string>>;
	const nameOf = new Map(CATEGORIES.map((category) => [category.source, category.name]));
	// Distinct texts only: AI Classify sends one request per distinct text in an execution, and repeated
	// texts would lower its token count for a reason that has nothing to do with its prompt.
	const seen = new Set<string>();
	const usable = rows
		.filter((row) => nameOf.has(row.category) && (row.instruction ?? '').trim() !== '')
		.map((row) => ({ text: row.instruction.trim(), expected: nameOf.get(row.category)! }))
		.filter((row) => !seen.has(row.text) && Boolean(seen.add(row.text)));
	const random = seededRandom(seed);
	for (let i = usable.length - 1; i > 0; i--) {
		const j = Math.floor(random() * (i + 1));
		[usable[i], usable[j]] = [usable[j], usable[i]];
	}
	const examples: Record<string, string[]> = Object.fromEntries(CATEGORIES.map((category) => [category.name, []]));
	const texts: SupportText[] = [];
	// Examples first, from the front of the shuffled rows, so a larger --items never changes them.
	const rest: typeof usable = [];
	for (const row of usable) {
		if (examples[row.expected].length < examplesPerCategory) examples[row.expected].push(row.text);
		else rest.push(row);
	}
	if (rest.length < count) {
		throw new Error(`Only ${rest.length} texts in the six categories after the examples; ask for at most that many --items`);
	}
	for (const [id, row] of rest.slice(0, count).entries()) texts.push({ id, text: row.text, expected: row.expected });
	return { texts, examples, available: usable.length };
}
