/**
 * The invoice record (parity with Azure prebuilt-invoice): one zod schema from which the node's
 * output, the LLM's structured-output JSON schema and the evaluation all derive.
 * Amounts are plain numbers in the document's `currency` (ISO 4217); dates are ISO 8601 (yyyy-mm-dd).
 */
import { z } from 'zod/v4';

const text = z.string().nullable();
const amount = z.number().nullable();
const isoDate = z.iso.date().nullable();

export const documentTypes = ['invoice', 'credit_note', 'receipt', 'quote', 'other'] as const;

export const partySchema = z.object({
	name: text,
	address: text,
	taxId: text,
});

export const taxDetailSchema = z.object({
	/** Percent: 19 for 19%. */
	rate: z.number().nullable(),
	base: amount,
	amount: amount,
});
export type TaxDetail = z.infer<typeof taxDetailSchema>;

export const lineItemSchema = z.object({
	description: text,
	productCode: text,
	quantity: z.number().nullable(),
	unit: text,
	unitPrice: amount,
	taxRate: z.number().nullable(),
	tax: amount,
	amount: amount,
	date: isoDate,
});
export type LineItem = z.infer<typeof lineItemSchema>;

export const paymentDetailsSchema = z.object({
	iban: text,
	bic: text,
	accountNumber: text,
	reference: text,
});

export const invoiceSchema = z.object({
	documentType: z.enum(documentTypes),
	invoiceId: text,
	invoiceDate: isoDate,
	dueDate: isoDate,
	serviceStartDate: isoDate,
	serviceEndDate: isoDate,
	purchaseOrder: text,
	vendor: partySchema,
	customer: partySchema.extend({ id: text }),
	billingAddress: text,
	shippingAddress: text,
	remittanceAddress: text,
	paymentTerms: text,
	currency: z.string().regex(/^[A-Z]{3}$/).nullable(),
	subtotal: amount,
	totalDiscount: amount,
	totalTax: amount,
	invoiceTotal: amount,
	amountPaid: amount,
	amountDue: amount,
	previousUnpaidBalance: amount,
	taxDetails: z.array(taxDetailSchema),
	payment: paymentDetailsSchema,
	lineItems: z.array(lineItemSchema),
	customFields: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])),
});
export type Invoice = z.infer<typeof invoiceSchema>;

/** A field the user adds to the record (found by its label in the document). */
export const customFieldSchema = z.object({
	name: z.string().min(1),
	type: z.enum(['string', 'number', 'date', 'boolean']),
	description: z.string().default(''),
	required: z.boolean().default(false),
});
export type CustomField = z.infer<typeof customFieldSchema>;

/** Where a value was read: a quote of the document and its page. */
export interface Evidence {
	quote: string;
	page: number;
	/** `vendorMemory`: read with what a reviewer's correction of this vendor's invoices taught. */
	source?: 'vendorMemory';
}

/** The header fields every confidence and evaluation is reported on (dotted paths). */
export const HEADER_FIELDS = [
	'documentType',
	'invoiceId',
	'invoiceDate',
	'dueDate',
	'serviceStartDate',
	'serviceEndDate',
	'purchaseOrder',
	'vendor.name',
	'vendor.address',
	'vendor.taxId',
	'customer.name',
	'customer.address',
	'customer.taxId',
	'customer.id',
	'billingAddress',
	'shippingAddress',
	'remittanceAddress',
	'paymentTerms',
	'currency',
	'subtotal',
	'totalDiscount',
	'totalTax',
	'invoiceTotal',
	'amountPaid',
	'amountDue',
	'previousUnpaidBalance',
	'payment.iban',
	'payment.bic',
	'payment.accountNumber',
	'payment.reference',
] as const;
export type HeaderField = (typeof HEADER_FIELDS)[number];

export function emptyInvoice(): Invoice {
	return {
		documentType: 'invoice',
		invoiceId: null,
		invoiceDate: null,
		dueDate: null,
		serviceStartDate: null,
		serviceEndDate: null,
		purchaseOrder: null,
		vendor: { name: null, address: null, taxId: null },
		customer: { name: null, address: null, taxId: null, id: null },
		billingAddress: null,
		shippingAddress: null,
		remittanceAddress: null,
		paymentTerms: null,
		currency: null,
		subtotal: null,
		totalDiscount: null,
		totalTax: null,
		invoiceTotal: null,
		amountPaid: null,
		amountDue: null,
		previousUnpaidBalance: null,
		taxDetails: [],
		payment: { iban: null, bic: null, accountNumber: null, reference: null },
		lineItems: [],
		customFields: {},
	};
}

export function getPath(record: unknown, path: string): unknown {
	return path.split('.').reduce<unknown>((value, key) => (value && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined), record);
}

export function setPath(record: Record<string, unknown>, path: string, value: unknown): void {
	const keys = path.split('.');
	let target = record;
	for (const key of keys.slice(0, -1)) target = target[key] as Record<string, unknown>;
	target[keys[keys.length - 1]] = value;
}

/**
 * The parts of the record the model can be asked for (Extract Invoice's "Fields for the Model"):
 * dotted paths into the record, a top-level key standing for its whole value. Together they cover
 * every field of the record except the custom fields, which are asked whenever the user declares some.
 */
export const RECORD_GROUPS = {
	header: ['documentType', 'invoiceId', 'invoiceDate', 'dueDate', 'serviceStartDate', 'serviceEndDate', 'purchaseOrder', 'currency'],
	parties: ['vendor.name', 'vendor.taxId', 'customer.name', 'customer.taxId', 'customer.id'],
	addresses: ['vendor.address', 'customer.address', 'billingAddress', 'shippingAddress', 'remittanceAddress'],
	totals: ['subtotal', 'totalDiscount', 'totalTax', 'invoiceTotal', 'amountPaid', 'amountDue', 'previousUnpaidBalance'],
	payment: ['paymentTerms', 'payment'],
	taxDetails: ['taxDetails'],
	lineItems: ['lineItems'],
} as const satisfies Record<string, readonly string[]>;
export type RecordGroup = keyof typeof RECORD_GROUPS;
export const RECORD_GROUP_NAMES = Object.keys(RECORD_GROUPS) as RecordGroup[];

/** Whether a dotted path (a field, or a field inside an array like lineItems.0.amount) lies in one of the groups. */
export function inGroups(path: string, groups: readonly RecordGroup[]): boolean {
	return groups.some((group) => (RECORD_GROUPS[group] as readonly string[]).some((root) => path === root || path.startsWith(`${root}.`)));
}
