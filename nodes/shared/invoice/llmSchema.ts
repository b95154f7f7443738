/**
 * The invoice record as an OpenAI strict structured output: built from the same zod schema, with the
 * one shape strict mode refuses (a free-form record of custom fields) turned into a list of
 * {name, value} pairs, and converted back to the package's record after the answer.
 */
import { z } from 'zod/v4';
import { jsonSchemaFormat } from '../llm/structuredOutput';
import { invoiceSchema, type CustomField, type Invoice } from './schema';

export const llmInvoiceSchema = invoiceSchema.extend({
	customFields: z.array(z.object({ name: z.string(), value: z.string().nullable() })),
});
export type LlmInvoice = z.infer<typeof llmInvoiceSchema>;

export function invoiceResponseFormat() {
	return jsonSchemaFormat('invoice', llmInvoiceSchema);
}

/** The model's record in the package's shape; custom values typed as the user declared them. */
export function fromLlmInvoice(answer: LlmInvoice, customFields: CustomField[]): Invoice {
	const values = new Map(answer.customFields.map((f) => [f.name, f.value]));
	const typed: Invoice['customFields'] = {};
	for (const field of customFields) {
		const raw = values.get(field.name) ?? null;
		if (raw === null) typed[field.name] = null;
		else if (field.type === 'number') typed[field.name] = Number.isFinite(Number(raw)) ? Number(raw) : null;
		else if (field.type === 'boolean') typed[field.name] = /^(true|yes|1)$/i.test(raw);
		else typed[field.name] = raw;
	}
	return { ...answer, customFields: typed };
}
