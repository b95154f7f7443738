import { strictSchemaProblem } from '../support/fakeModel';
import { countTokens, responseFormatText } from '../support/openaiServer';
import { fromLlmInvoice, invoiceResponseFormat, llmInvoiceSchema, requiredNotAsked } from '../../nodes/shared/invoice/llmSchema';
import { fieldConfidenceFromLogprobs, jsonValueSpans } from '../../nodes/shared/invoice/logprobConfidence';
import { emptyInvoice, inGroups, RECORD_GROUP_NAMES, RECORD_GROUPS } from '../../nodes/shared/invoice/schema';

/** The keywords OpenAI's strict structured outputs accept (its "Supported schemas"). */
const SUPPORTED_KEYWORDS = new Set(['type', 'properties', 'required', 'additionalProperties', 'items', 'enum', 'const', 'description', 'format', 'pattern', 'anyOf', '$ref', '$defs', 'minimum', 'maximum', 'minItems', 'maxItems']);
const SUPPORTED_FORMATS = new Set(['date-time', 'time', 'date', 'duration', 'email', 'hostname', 'ipv4', 'ipv6', 'uuid']);

function unsupported(schema: Record<string, unknown>, path = '(root)'): string[] {
	const found: string[] = [];
	for (const [key, value] of Object.entries(schema)) {
		if (!SUPPORTED_KEYWORDS.has(key)) found.push(`${path}: ${key}`);
		if (key === 'format' && !SUPPORTED_FORMATS.has(String(value))) found.push(`${path}: format ${String(value)}`);
	}
	const children: Array<[string, unknown]> = [
		...Object.entries((schema.properties ?? {}) as Record<string, unknown>).map(([key, child]): [string, unknown] => [`${path}.${key}`, child]),
		...Object.entries((schema.$defs ?? {}) as Record<string, unknown>).map(([key, child]): [string, unknown] => [`${path}.$defs.${key}`, child]),
		...(schema.items ? [[`${path}[]`, schema.items] as [string, unknown]] : []),
		...((schema.anyOf ?? []) as unknown[]).map((child, i): [string, unknown] => [`${path}|${i}`, child]),
	];
	for (const [where, child] of children) found.push(...unsupported(child as Record<string, unknown>, where));
	return found;
}

const customFields = [
	{ name: 'Cost Centre', type: 'string' as const, description: 'four digits', required: false },
	{ name: 'Hours', type: 'number' as const, description: '', required: false },
	{ name: 'Signed', type: 'boolean' as const, description: '', required: false },
	{ name: 'Delivered', type: 'date' as const, description: '', required: false },
];

describe('invoice structured output for the LLM engine', () => {
	it.each([
		['without custom fields', []],
		['with custom fields', customFields],
	])('is a strict json_schema that OpenAI accepts, %s, in supported keywords only', (_, fields) => {
		const format = invoiceResponseFormat(fields);
		expect(format.json_schema.strict).toBe(true);
		expect(strictSchemaProblem(format.json_schema.schema as never)).toBeUndefined();
		expect(unsupported(format.json_schema.schema as Record<string, unknown>)).toEqual([]);
	});

	it('is compact: nullable values as type arrays, ISO dates as format date without a pattern, no custom fields unless declared', () => {
		const schema = invoiceResponseFormat().json_schema.schema as { properties: Record<string, Record<string, unknown>> };
		const text = JSON.stringify(schema);
		expect(text).not.toContain('anyOf');
		expect(schema.properties.invoiceId).toEqual({ type: ['string', 'null'] });
		expect(schema.properties.subtotal).toEqual({ type: ['number', 'null'] });
		expect(schema.properties.dueDate).toEqual({ type: ['string', 'null'], format: 'date' });
		expect(schema.properties.vendor.type).toBe('object');
		expect(schema.properties.customFields).toBeUndefined();
		// What goes with every document, as OpenAI reads it (a regression guard, not a target).
		expect(countTokens('gpt-4o-mini', responseFormatText(invoiceResponseFormat().json_schema))).toBeLessThan(720);
	});

	it('asks for the declared custom fields by name, typed as declared, with their descriptions', () => {
		const schema = invoiceResponseFormat(customFields).json_schema.schema as { properties: { customFields: { properties: Record<string, unknown>; required: string[] } } };
		expect(schema.properties.customFields.properties).toEqual({
			'Cost Centre': { type: ['string', 'null'], description: 'four digits' },
			Hours: { type: ['number', 'null'] },
			Signed: { type: ['boolean', 'null'] },
			Delivered: { type: ['string', 'null'], format: 'date' },
		});
		expect(schema.properties.customFields.required).toEqual(['Cost Centre', 'Hours', 'Signed', 'Delivered']);
	});

	it('keeps every field of the package record', () => {
		const { customFields: _custom, ...asked } = emptyInvoice();
		const schema = invoiceResponseFormat().json_schema.schema as { required: string[] };
		expect(schema.required).toEqual(Object.keys(asked));
	});

	it('comes back as the package record, every declared custom field present', () => {
		const answer = llmInvoiceSchema(customFields).parse({ ...emptyInvoice(), customFields: { 'Cost Centre': null, Hours: 12.5, Signed: true, Delivered: '2024-03-05' } });
		const record = fromLlmInvoice(answer, [...customFields, { name: 'Missing', type: 'string', description: '', required: false }]);
		expect(record.customFields).toEqual({ 'Cost Centre': null, Hours: 12.5, Signed: true, Delivered: '2024-03-05', Missing: null });
		expect(fromLlmInvoice(llmInvoiceSchema([]).parse(emptyInvoice()), []).customFields).toEqual({});
	});
});

/** Every leaf path of a value (arrays as one leaf: a group asks for them whole). */
function leafPaths(value: Record<string, unknown>, prefix = ''): string[] {
	return Object.entries(value).flatMap(([key, child]) =>
		child && typeof child === 'object' && !Array.isArray(child) ? leafPaths(child as Record<string, unknown>, `${prefix}${key}.`) : [`${prefix}${key}`],
	);
}

describe('asking the model for some groups of the record (Fields for the Model)', () => {
	type Schema = { properties: Record<string, { properties?: Record<string, unknown>; required?: string[] }>; required: string[] };

	it('the groups cover every field of the record but the custom fields, each field in exactly one group', () => {
		const { customFields: _custom, ...record } = emptyInvoice();
		for (const path of leafPaths(record)) expect([path, RECORD_GROUP_NAMES.filter((group) => inGroups(path, [group]))]).toEqual([path, [expect.any(String)]]);
	});

	it('by default (or with every group) asks for the whole record, as before', () => {
		expect(invoiceResponseFormat([], [...RECORD_GROUP_NAMES])).toEqual(invoiceResponseFormat());
		expect(invoiceResponseFormat([], undefined).json_schema.schema).toEqual(invoiceResponseFormat().json_schema.schema);
	});

	it('asks for the chosen groups only, in a schema that stays strict-valid and smaller', () => {
		const format = invoiceResponseFormat(customFields, ['totals', 'header', 'parties']);
		const schema = format.json_schema.schema as Schema;
		expect(strictSchemaProblem(schema as never)).toBeUndefined();
		expect(unsupported(schema as never)).toEqual([]);
		expect(schema.required).toEqual(['documentType', 'invoiceId', 'invoiceDate', 'dueDate', 'serviceStartDate', 'serviceEndDate', 'purchaseOrder', 'vendor', 'customer', 'currency', 'subtotal', 'totalDiscount', 'totalTax', 'invoiceTotal', 'amountPaid', 'amountDue', 'previousUnpaidBalance', 'customFields']);
		// Parties without Addresses: the names and ids of vendor and customer, not their addresses.
		expect(schema.properties.vendor.required).toEqual(['name', 'taxId']);
		expect(schema.properties.customer.required).toEqual(['name', 'taxId', 'id']);
		const tokens = (groups?: (typeof RECORD_GROUP_NAMES)[number][]) => countTokens('gpt-4o-mini', responseFormatText(invoiceResponseFormat([], groups).json_schema));
		expect(tokens(['header', 'parties', 'totals'])).toBeLessThan(tokens() * 0.6);
		expect(Object.keys((invoiceResponseFormat([], ['lineItems']).json_schema.schema as Schema).properties)).toEqual(['lineItems']);
	});

	it('names the required fields the chosen groups leave out (custom fields are always asked)', () => {
		const required = ['invoiceId', 'invoiceDate', 'vendor.name', 'invoiceTotal', 'currency', 'customFields.Cost Centre'];
		expect(requiredNotAsked(required, ['header', 'parties', 'totals'])).toEqual([]);
		expect(requiredNotAsked(required, ['totals', 'addresses'])).toEqual(['invoiceId', 'invoiceDate', 'vendor.name', 'currency']);
	});

	it('fills the fields not asked from the base record (the local engine record) or leaves them empty', () => {
		const groups = ['header' as const];
		const answer = llmInvoiceSchema([], groups).parse({ ...emptyInvoice(), invoiceId: 'A-1' });
		expect(Object.keys(answer)).toEqual([...RECORD_GROUPS.header]);
		const base = { ...emptyInvoice(), invoiceId: 'LOCAL-1', invoiceTotal: 119, vendor: { name: 'ACME', address: 'Main St 1', taxId: null } };
		expect(fromLlmInvoice(answer, [], { groups, base })).toEqual({ ...base, invoiceId: 'A-1' });
		expect(fromLlmInvoice(answer, [], { groups })).toEqual({ ...emptyInvoice(), invoiceId: 'A-1' });
		const parties = llmInvoiceSchema([], ['parties']).parse({ vendor: { name: 'Model GmbH', taxId: null }, customer: { name: null, taxId: null, id: null } });
		expect(fromLlmInvoice(parties, [], { groups: ['parties'], base }).vendor).toEqual({ name: 'Model GmbH', address: 'Main St 1', taxId: null });
	});
});

describe('field confidence from token log-probabilities', () => {
	const content = '{"invoiceId":"RE-17","total":119.5,"lines":[{"amount":null}],"vendor":{"name":"Müller \\"A\\" GmbH"}}';

	it('finds the span of every leaf value by path', () => {
		const spans = Object.fromEntries(jsonValueSpans(content).map((s) => [s.path, content.slice(s.start, s.end)]));
		expect(spans).toEqual({ invoiceId: '"RE-17"', total: '119.5', 'lines.0.amount': 'null', 'vendor.name': '"Müller \\"A\\" GmbH"' });
	});

	it('multiplies the probabilities of the value tokens only', () => {
		const pieces = ['{"', 'invoice', 'Id', '":"', 'RE', '-17', '","', 'total', '":', '119', '.5', ',"lines":[{"amount":', 'null', '}],"vendor":{"name":"', 'Müller \\"A\\" GmbH', '"}}'];
		expect(pieces.join('')).toBe(content);
		const logprobs: Record<string, number> = { RE: Math.log(0.9), '-17': Math.log(0.5), '119': Math.log(0.8), '.5': Math.log(0.5) };
		const confidence = fieldConfidenceFromLogprobs(content, pieces.map((token) => ({ token, logprob: logprobs[token] ?? 0 })));
		expect(confidence.invoiceId).toBeCloseTo(0.45, 3);
		expect(confidence.total).toBeCloseTo(0.4, 3);
		expect(confidence['lines.0.amount']).toBe(1);
		expect(confidence['vendor.name']).toBe(1);
	});

	it('gives nothing when the tokens do not spell the answer', () => {
		expect(fieldConfidenceFromLogprobs('{"a":1}', [{ token: '{"a":2}', logprob: 0 }])).toEqual({});
	});
});
