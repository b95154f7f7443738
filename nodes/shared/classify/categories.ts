/** The user's categories as AI Classify receives them, validated once per execution. */
export interface Category {
	name: string;
	description?: string;
	examples: string[];
}

export interface RawCategory {
	name?: unknown;
	description?: unknown;
	examples?: unknown;
}

export const OTHER_CATEGORY = 'Other';

/** Throws an Error whose message says what to fix; the node shell turns it into a NodeOperationError. */
export function normaliseCategories(raw: RawCategory[] | undefined, withOther: boolean): Category[] {
	if (!raw || raw.length === 0) {
		throw new Error('No categories are defined. Add at least two categories under "Categories".');
	}
	const seen = new Map<string, number>();
	const categories = raw.map((entry, index) => {
		const name = typeof entry.name === 'string' ? entry.name.trim() : '';
		if (name === '') throw new Error(`Category ${index + 1} has no name. Give every category a name (a name set by an expression must give text for the first item).`);
		const key = name.toLowerCase();
		if (seen.has(key)) {
			throw new Error(
				`Categories ${seen.get(key)! + 1} and ${index + 1} are both named "${name}". Category names must be unique.`,
			);
		}
		if (withOther && key === OTHER_CATEGORY.toLowerCase()) {
			throw new Error(
				`Category ${index + 1} is named "${name}", which the "Other" fallback already uses. Rename it or set Fallback to "None".`,
			);
		}
		seen.set(key, index);
		const description = typeof entry.description === 'string' && entry.description.trim() !== '' ? entry.description.trim() : undefined;
		const examples =
			typeof entry.examples === 'string'
				? entry.examples.split('\n').map((line) => line.trim()).filter((line) => line !== '')
				: [];
		return { name, description, examples };
	});
	if (categories.length < 2 && !withOther) {
		throw new Error('Only one category is defined. Add another category or set Fallback to "Other".');
	}
	return categories;
}
