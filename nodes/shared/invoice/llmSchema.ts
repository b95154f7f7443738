/**
 * The invoice record as an OpenAI strict structured output, built from the same zod schema. Custom
 * fields (a free-form record, which strict mode refuses) become an object of exactly the user's
 * fields, typed as declared; without custom fields the model is not asked for them at all.
 */
import { z } from 'zod/v4';
import type { ResponseFormatJSONSchema } from 'openai/resources/shared';
import { jsonSchemaFormat } from '../llm/structuredOutput';
import { invoiceSchema, type CustomField, type Invoice } from './schema';

const recordWithoutCustomFields = invoiceSchema.omit({ customFields: true });

export type LlmInvoice = Omit<Invoice, 'customFields'> & { customFields?: Invoice['customFields'] };

function customValueSchema(field: CustomField): z.ZodType {
	const value =
		field.type === 'number' ? z.number().nullable() : field.type === 'boolean' ? z.boolean().nullable() : field.type === 'date' ? z.iso.date().nullable() : z.string().nullable();
	return field.description ? value.describe(field.description) : value;
}

/** What the model is asked for: the record, with the custom fields the user declared (if any). */
export function llmInvoiceSchema(customFields: CustomField[]): z.ZodType<LlmInvoice> {
	if (customFields.length === 0) return recordWithoutCustomFields;
	return recordWithoutCustomFields.extend({
		customFields: z.object(Object.fromEntries(customFields.map((field) => [field.name, customValueSchema(field)]))),
	}) as z.ZodType<LlmInvoice>;
}

const formats = new Map<string, ResponseFormatJSONSchema>();
/** Built once per set of custom fields: the same schema goes with every document. */
export function invoiceResponseFormat(customFields: CustomField[] = []): ResponseFormatJSONSchema {
	const key = JSON.stringify(customFields.map(({ name, type, description }) => [name, type, description]));
	let format = formats.get(key);
	if (!format) {
		if (formats.size >= 32) formats.clear();
		format = jsonSchemaFormat('invoice', llmInvoiceSchema(customFields));
		formats.set(key, format);
	}
	return format;
}

/** The model's record in the package's shape: every declared custom field present (null when absent). */
export function fromLlmInvoice(answer: LlmInvoice, customFields: CustomField[]): Invoice {
	const customValues: Invoice['customFields'] = {};
	for (const field of customFields) customValues[field.name] = answer.customFields?.[field.name] ?? null;
	return { ...answer, customFields: customValues };
}
