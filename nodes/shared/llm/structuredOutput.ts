/** Structured-output request formats built from the zod schemas (one source of truth). */
import { z } from 'zod/v4';
import type { ResponseFormatJSONSchema } from 'openai/resources/shared';

type JsonSchema = Record<string, unknown>;

/**
 * The same schema in fewer tokens (OpenAI bills the schema as input on every request):
 * `anyOf: [X, {type: null}]` becomes `type: [X, "null"]` (an enum gains `null`), and a `pattern`
 * that only restates a `format` (zod writes both for ISO dates) is left out. Both forms are part of
 * what strict structured outputs accept.
 */
export function compactJsonSchema(node: unknown): unknown {
	if (Array.isArray(node)) return node.map(compactJsonSchema);
	if (!node || typeof node !== 'object') return node;
	const schema: JsonSchema = {};
	for (const [key, value] of Object.entries(node)) schema[key] = compactJsonSchema(value);
	if (typeof schema.format === 'string' && schema.pattern !== undefined) delete schema.pattern;
	const branches = schema.anyOf;
	if (Array.isArray(branches) && branches.length === 2) {
		const nullAt = branches.findIndex((branch: JsonSchema) => branch.type === 'null' && Object.keys(branch).length === 1);
		const other = branches[1 - nullAt] as JsonSchema | undefined;
		if (nullAt >= 0 && other && typeof other.type === 'string') {
			const { anyOf: _anyOf, ...outer } = schema;
			const merged: JsonSchema = { ...other, ...outer, type: [other.type, 'null'] };
			if (Array.isArray(merged.enum)) merged.enum = [...merged.enum, null];
			return merged;
		}
	}
	return schema;
}

export function jsonSchemaFormat(name: string, schema: z.ZodType): ResponseFormatJSONSchema {
	const jsonSchema = z.toJSONSchema(schema, { target: 'draft-7' }) as JsonSchema;
	delete jsonSchema.$schema;
	return {
		type: 'json_schema',
		json_schema: { name, strict: true, schema: compactJsonSchema(jsonSchema) as JsonSchema },
	};
}
