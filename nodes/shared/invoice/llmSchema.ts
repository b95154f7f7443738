/**
 * The invoice record as an OpenAI strict structured output, built from the same zod schema. Custom
 * fields (a free-form record, which strict mode refuses) become an object of exactly the user's
 * fields, typed as declared; without custom fields the model is not asked for them at all. The user
 * may ask the model for some groups of the record only (fewer tokens per document); the record then
 * holds the rest from the local engine where it ran, else empty values.
 */
import { z } from 'zod/v4';
import type { ResponseFormatJSONSchema } from 'openai/resources/shared';
import { jsonSchemaFormat } from '../llm/structuredOutput';
import { emptyInvoice, getPath, inGroups, invoiceSchema, RECORD_GROUP_NAMES, RECORD_GROUPS, setPath, type CustomField, type Invoice, type RecordGroup } from './schema';

/** The model's answer: the asked part of the record (every asked field present, values may be null). */
export type LlmInvoice = Record<string, unknown>;

/** The groups in the record's order, each once; none given means the whole record. */
export function askedGroups(groups?: readonly RecordGroup[]): RecordGroup[] {
	return groups === undefined ? [...RECORD_GROUP_NAMES] : RECORD_GROUP_NAMES.filter((group) => groups.includes(group));
}

/** Required fields the model is not asked for (custom fields are always asked): it could never find them. */
export function requiredNotAsked(required: readonly string[], groups: readonly RecordGroup[]): string[] {
	return required.filter((path) => !path.startsWith('customFields.') && !inGroups(path, groups));
}

function askedPaths(groups: readonly RecordGroup[]): string[] {
	return askedGroups(groups).flatMap((group) => [...RECORD_GROUPS[group]]);
}

/** The record's schema cut to the asked paths, in the record's own order (all groups: the record itself). */
function askedRecordSchema(groups: readonly RecordGroup[]): z.ZodObject {
	const paths = new Set(askedPaths(groups));
	const shape: Record<string, z.ZodType> = {};
	for (const [key, value] of Object.entries(invoiceSchema.shape)) {
		if (key === 'customFields') continue;
		if (paths.has(key)) {
			shape[key] = value;
			continue;
		}
		if (!(value instanceof z.ZodObject)) continue;
		const object = value as z.ZodObject;
		const keys = Object.keys(object.shape).filter((sub) => paths.has(`${key}.${sub}`));
		if (keys.length === Object.keys(object.shape).length) shape[key] = value;
		else if (keys.length > 0) shape[key] = object.pick(Object.fromEntries(keys.map((sub) => [sub, true])) as Record<string, true>);
	}
	return z.object(shape);
}

function customValueSchema(field: CustomField): z.ZodType {
	const value =
		field.type === 'number' ? z.number().nullable() : field.type === 'boolean' ? z.boolean().nullable() : field.type === 'date' ? z.iso.date().nullable() : z.string().nullable();
	return field.description ? value.describe(field.description) : value;
}

/** What the model is asked for: the asked groups of the record, with the custom fields the user declared (if any). */
export function llmInvoiceSchema(customFields: CustomField[], groups?: readonly RecordGroup[]): z.ZodType<LlmInvoice> {
	const record = askedRecordSchema(askedGroups(groups));
	if (customFields.length === 0) return record;
	return record.extend({
		customFields: z.object(Object.fromEntries(customFields.map((field) => [field.name, customValueSchema(field)]))),
	});
}

const formats = new Map<string, ResponseFormatJSONSchema>();
/** Built once per set of custom fields and groups: the same schema goes with every document. */
export function invoiceResponseFormat(customFields: CustomField[] = [], groups?: readonly RecordGroup[]): ResponseFormatJSONSchema {
	const asked = askedGroups(groups);
	const key = JSON.stringify([asked, customFields.map(({ name, type, description }) => [name, type, description])]);
	let format = formats.get(key);
	if (!format) {
		if (formats.size >= 32) formats.clear();
		format = jsonSchemaFormat('invoice', llmInvoiceSchema(customFields, asked));
		formats.set(key, format);
	}
	return format;
}

export interface FromLlmOptions {
	groups?: readonly RecordGroup[];
	/** The record the values not asked of the model come from (the local engine's); empty values without it. */
	base?: Invoice;
}

/** The model's record in the package's shape: every declared custom field present (null when absent). */
export function fromLlmInvoice(answer: LlmInvoice, customFields: CustomField[], { groups, base }: FromLlmOptions = {}): Invoice {
	const invoice = structuredClone(base ?? emptyInvoice());
	for (const path of askedPaths(askedGroups(groups))) setPath(invoice as unknown as Record<string, unknown>, path, getPath(answer, path) ?? null);
	const customValues: Invoice['customFields'] = {};
	const answered = (answer.customFields ?? {}) as Record<string, Invoice['customFields'][string] | undefined>;
	for (const field of customFields) customValues[field.name] = answered[field.name] ?? null;
	invoice.customFields = customValues;
	return invoice;
}
