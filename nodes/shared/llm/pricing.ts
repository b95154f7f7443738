/**
 * List prices in USD per million tokens, for cost per item. Matched by the longest model-name prefix,
 * so dated snapshots (gpt-4o-mini-2024-07-18) and provider prefixes (openai/gpt-4o) find their base
 * model. Users override or extend the table in the node options (their contract prices, local models).
 */
export interface ModelPrice {
	input: number;
	output: number;
}

export const DEFAULT_PRICES: Readonly<Record<string, ModelPrice>> = {
	'gpt-5': { input: 1.25, output: 10 },
	'gpt-5-mini': { input: 0.25, output: 2 },
	'gpt-5-nano': { input: 0.05, output: 0.4 },
	'gpt-4.1': { input: 2, output: 8 },
	'gpt-4.1-mini': { input: 0.4, output: 1.6 },
	'gpt-4.1-nano': { input: 0.1, output: 0.4 },
	'gpt-4o': { input: 2.5, output: 10 },
	'gpt-4o-mini': { input: 0.15, output: 0.6 },
	'gpt-4-turbo': { input: 10, output: 30 },
	'gpt-3.5-turbo': { input: 0.5, output: 1.5 },
	o3: { input: 2, output: 8 },
	'o3-mini': { input: 1.1, output: 4.4 },
	'o4-mini': { input: 1.1, output: 4.4 },
};

export function findPrice(
	model: string,
	overrides: Record<string, ModelPrice> = {},
): ModelPrice | undefined {
	const table = { ...DEFAULT_PRICES, ...overrides };
	const name = model.toLowerCase().replace(/^.*\//, '');
	let best: string | undefined;
	for (const key of Object.keys(table)) {
		const candidate = key.toLowerCase();
		if ((name === candidate || name.startsWith(candidate + '-')) && (!best || key.length > best.length)) {
			best = key;
		}
	}
	return best === undefined ? undefined : table[best];
}

export function costUsd(
	model: string,
	inputTokens: number,
	outputTokens: number,
	overrides?: Record<string, ModelPrice>,
): number | undefined {
	const price = findPrice(model, overrides);
	if (!price) return undefined;
	return (inputTokens * price.input + outputTokens * price.output) / 1_000_000;
}

/** Reads the node option: JSON object `{ "model": { "input": usdPerM, "output": usdPerM } }`. */
export function parsePriceOverrides(json: string | object | undefined): Record<string, ModelPrice> {
	if (json === undefined || json === '') return {};
	const value: unknown = typeof json === 'string' ? JSON.parse(json) : json;
	if (typeof value !== 'object' || value === null || Array.isArray(value)) {
		throw new Error('Prices must be a JSON object: { "model": { "input": 0.15, "output": 0.6 } }');
	}
	const result: Record<string, ModelPrice> = {};
	for (const [model, price] of Object.entries(value as Record<string, unknown>)) {
		const p = price as Partial<ModelPrice> | null;
		if (!p || typeof p.input !== 'number' || typeof p.output !== 'number' || p.input < 0 || p.output < 0) {
			throw new Error(
				`Price of "${model}" must be { "input": <USD per 1M tokens>, "output": <USD per 1M tokens> }`,
			);
		}
		result[model] = { input: p.input, output: p.output };
	}
	return result;
}
