/** Structured-output request formats built from the zod schemas (one source of truth). */
import { z } from 'zod/v4';
import type { ResponseFormatJSONSchema } from 'openai/resources/shared';

export function jsonSchemaFormat(name: string, schema: z.ZodType): ResponseFormatJSONSchema {
	const jsonSchema = z.toJSONSchema(schema, { target: 'draft-7' }) as Record<string, unknown>;
	delete jsonSchema.$schema;
	return {
		type: 'json_schema',
		json_schema: { name, strict: true, schema: jsonSchema },
	};
}
