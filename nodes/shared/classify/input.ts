/** Reads and checks what AI Classify gets from each item: the text, and the context fields to show the model. */
export interface TextLimits {
	maxLength: number;
	onLongText: 'truncate' | 'fail';
}

/** Input problems the user fixes in the workflow; the node reports them as NodeOperationError. */
export class ItemInputError extends Error {
	constructor(
		message: string,
		readonly description: string,
	) {
		super(message);
		this.name = 'ItemInputError';
	}
}

export function prepareText(value: unknown, itemIndex: number, limits: TextLimits): { text: string; truncated: boolean } {
	if (typeof value !== 'string') {
		const got = value === null ? 'null' : Array.isArray(value) ? 'an array' : value === undefined ? 'nothing' : typeof value === 'object' ? 'an object' : `a ${typeof value}`;
		throw new ItemInputError(
			`Item ${itemIndex}: the text to classify is ${got}, not a string`,
			'Set "Text" to an expression that gives the text, e.g. {{ $json.message }}, or convert it with {{ String($json.field) }}.',
		);
	}
	const text = value.trim();
	if (text === '') {
		throw new ItemInputError(
			`Item ${itemIndex}: the text to classify is empty`,
			'Check that "Text" points at the right field; filter out empty items before this node if they are expected.',
		);
	}
	if (text.length <= limits.maxLength) return { text, truncated: false };
	if (limits.onLongText === 'fail') {
		throw new ItemInputError(
			`Item ${itemIndex}: the text is ${text.length} characters long, over the limit of ${limits.maxLength}`,
			'Raise "Max Text Length" in the options (mind the model\'s context window) or set "Long Text" to "Truncate".',
		);
	}
	return { text: text.slice(0, limits.maxLength), truncated: true };
}

function getPath(source: unknown, path: string): unknown {
	let current = source;
	for (const part of path.split('.')) {
		if (current === null || typeof current !== 'object') return undefined;
		current = (current as Record<string, unknown>)[part];
	}
	return current;
}

/** "customer.tier, history" → { 'customer.tier': 'gold', history: [...] } from the item's fields. */
export function readContext(json: Record<string, unknown>, fieldList: string): Record<string, unknown> {
	const context: Record<string, unknown> = {};
	for (const path of fieldList.split(',').map((f) => f.trim()).filter((f) => f !== '')) {
		const value = getPath(json, path);
		if (value !== undefined) context[path] = value;
	}
	return context;
}
