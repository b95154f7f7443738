/** Consistency checks over an extracted invoice; each names the fields it vouches for or against. */
import type { Check } from '../contract';
import { ISO_4217 } from './currency';
import { isValidEuVatId, isValidIban } from './identifiers';
import { amountsAgree, roundMoney } from './numbers';
import { getPath, type Invoice, type RecordGroup } from './schema';

export interface CheckResult extends Check {
	fields: string[];
}

const money = (n: number): string => n.toFixed(2);

export const DEFAULT_REQUIRED_FIELDS = ['invoiceId', 'invoiceDate', 'vendor.name', 'invoiceTotal', 'currency'];

/** Runs every check that has the values it needs (a check with nothing to check is not listed). */
export function runChecks(invoice: Invoice, requiredFields: string[] = DEFAULT_REQUIRED_FIELDS, derived: readonly string[] = []): CheckResult[] {
	const results: CheckResult[] = [];
	const add = (name: string, passed: boolean, detail: string, fields: string[]) => results.push({ name, passed, detail, fields });
	const lines = invoice.lineItems;

	const lineAmounts = lines.map((l) => l.amount).filter((a): a is number => a !== null);
	if (lineAmounts.length > 0 && invoice.subtotal !== null) {
		const sum = roundMoney(lineAmounts.reduce((s, a) => s + a, 0));
		add('lineItemsSumToSubtotal', amountsAgree(sum, invoice.subtotal, 0.011 * lineAmounts.length), `Σ line amounts ${money(sum)} vs subtotal ${money(invoice.subtotal)}`, ['subtotal', ...lines.map((_, i) => `lineItems.${i}.amount`)]);
	} else if (lineAmounts.length > 0 && invoice.invoiceTotal !== null && invoice.totalTax === null) {
		const sum = roundMoney(lineAmounts.reduce((s, a) => s + a, 0));
		add('lineItemsSumToTotal', amountsAgree(sum, invoice.invoiceTotal, 0.011 * lineAmounts.length), `Σ line amounts ${money(sum)} vs total ${money(invoice.invoiceTotal)} (no subtotal or tax printed)`, ['invoiceTotal', ...lines.map((_, i) => `lineItems.${i}.amount`)]);
	}

	// Without a tax found, subtotal = total proves nothing and a difference is most likely the missing tax: not a check.
	if (invoice.subtotal !== null && invoice.invoiceTotal !== null && invoice.totalTax !== null) {
		const discount = Math.abs(invoice.totalDiscount ?? 0);
		const expected = roundMoney(invoice.subtotal - discount + (invoice.totalTax ?? 0));
		add('totalsAddUp', amountsAgree(expected, invoice.invoiceTotal), `subtotal ${money(invoice.subtotal)} − discount ${money(discount)} + tax ${money(invoice.totalTax ?? 0)} = ${money(expected)} vs total ${money(invoice.invoiceTotal)}`, ['subtotal', 'totalTax', 'totalDiscount', 'invoiceTotal']);
	}

	lines.forEach((line, i) => {
		if (line.quantity === null || line.unitPrice === null || line.amount === null) return;
		const expected = roundMoney(line.quantity * line.unitPrice);
		// Lines may print the gross amount (net × (1 + rate)).
		const gross = line.taxRate !== null ? roundMoney(expected * (1 + line.taxRate / 100)) : NaN;
		const passed = amountsAgree(expected, line.amount, 0.011) || amountsAgree(gross, line.amount, 0.02) || (line.tax !== null && amountsAgree(expected + line.tax, line.amount, 0.02));
		add(`lineItems.${i}.quantityTimesPrice`, passed, `${line.quantity} × ${money(line.unitPrice)} = ${money(expected)} vs amount ${money(line.amount)}`, [`lineItems.${i}.quantity`, `lineItems.${i}.unitPrice`, `lineItems.${i}.amount`]);
	});

	invoice.taxDetails.forEach((detail, i) => {
		if (detail.rate === null || detail.base === null || detail.amount === null) return;
		const expected = roundMoney((detail.base * detail.rate) / 100);
		add(`taxDetails.${i}.rateTimesBase`, amountsAgree(expected, detail.amount, 0.015), `${detail.rate}% of ${money(detail.base)} = ${money(expected)} vs tax ${money(detail.amount)}`, ['totalTax', 'subtotal']);
	});
	if (invoice.taxDetails.length > 1 && invoice.totalTax !== null) {
		const sum = roundMoney(invoice.taxDetails.reduce((s, d) => s + (d.amount ?? 0), 0));
		add('taxDetailsSumToTotalTax', amountsAgree(sum, invoice.totalTax, 0.02), `Σ tax details ${money(sum)} vs total tax ${money(invoice.totalTax)}`, ['totalTax']);
	}

	// An amount due the engine set from the total (none printed apart) cannot vouch for the total.
	if (invoice.amountDue !== null && invoice.invoiceTotal !== null && !derived.includes('amountDue')) {
		const expected = roundMoney(invoice.invoiceTotal - (invoice.amountPaid ?? 0) + (invoice.previousUnpaidBalance ?? 0));
		add('amountDueIsTotalLessPaid', amountsAgree(expected, invoice.amountDue), `total ${money(invoice.invoiceTotal)} − paid ${money(invoice.amountPaid ?? 0)} + previous balance ${money(invoice.previousUnpaidBalance ?? 0)} = ${money(expected)} vs amount due ${money(invoice.amountDue)}`, ['amountDue', 'invoiceTotal', 'amountPaid']);
	}

	if (invoice.invoiceDate && invoice.dueDate) {
		add('dueDateNotBeforeInvoiceDate', invoice.dueDate >= invoice.invoiceDate, `due ${invoice.dueDate}, invoice ${invoice.invoiceDate}`, ['dueDate', 'invoiceDate']);
	}
	if (invoice.serviceStartDate && invoice.serviceEndDate) {
		add('servicePeriodOrdered', invoice.serviceEndDate >= invoice.serviceStartDate, `service ${invoice.serviceStartDate} to ${invoice.serviceEndDate}`, ['serviceStartDate', 'serviceEndDate']);
	}

	if (invoice.payment.iban) {
		add('ibanChecksum', isValidIban(invoice.payment.iban), `IBAN ${invoice.payment.iban} ${isValidIban(invoice.payment.iban) ? 'passes' : 'fails'} the ISO 13616 mod-97 check`, ['payment.iban']);
	}
	for (const path of ['vendor.taxId', 'customer.taxId'] as const) {
		const id = getPath(invoice, path) as string | null;
		if (!id || !/^[A-Z]{2}/.test(id) || /^(IN|US)/.test(id)) continue;
		const valid = isValidEuVatId(id);
		add(`${path}.vatIdFormat`, valid, `${id} ${valid ? 'matches' : 'does not match'} the VAT id format of ${id.slice(0, 2)}`, [path]);
	}
	if (invoice.currency) {
		add('currencyIso4217', ISO_4217.has(invoice.currency), `${invoice.currency} ${ISO_4217.has(invoice.currency) ? 'is' : 'is not'} an ISO 4217 code`, ['currency']);
	}
	const missing = requiredFields.filter((path) => {
		const value = getPath(invoice, path);
		return value === null || value === undefined || value === '';
	});
	add('requiredFieldsPresent', missing.length === 0, missing.length ? `missing: ${missing.join(', ')}` : `all of ${requiredFields.join(', ')} present`, missing);
	return results;
}

/** Field confidence: evidence strength, raised by checks that pass and cut by checks that fail. */
export function fieldConfidence(invoice: Invoice, strength: Record<string, number>, checks: CheckResult[], fields: string[], absent = 0.15): Record<string, number> {
	const result: Record<string, number> = {};
	// The checks of each field, indexed once: a check per line item times a field per line item is quadratic.
	const checksOf = new Map<string, CheckResult[]>();
	for (const check of checks) for (const field of new Set(check.fields)) checksOf.set(field, [...(checksOf.get(field) ?? []), check]);
	for (const path of fields) {
		const value = getPath(invoice, path);
		const present = value !== null && value !== undefined;
		// An absent value is "right" only when the document truly lacks it: a coin flip at best.
		let confidence = present ? (strength[path] ?? 0.5) : absent;
		for (const check of checksOf.get(path) ?? []) {
			if (!present) continue;
			confidence = check.passed ? 1 - (1 - confidence) * 0.35 : confidence * 0.5;
		}
		result[path] = Math.round(Math.max(0.01, Math.min(0.99, confidence)) * 1000) / 1000;
	}
	return result;
}

/** The groups of the record each check reads; a name with `#` stands for one check per line or tax line. */
const CHECK_GROUPS: ReadonlyArray<{ name: string; alias?: string; groups: RecordGroup[] }> = [
	{ name: 'lineItemsSumToSubtotal', alias: 'lineItemsSumToTotal', groups: ['lineItems', 'totals'] },
	{ name: 'totalsAddUp', groups: ['totals'] },
	{ name: 'lineItems.#.quantityTimesPrice', groups: ['lineItems'] },
	{ name: 'taxDetails.#.rateTimesBase', groups: ['taxDetails'] },
	{ name: 'taxDetailsSumToTotalTax', groups: ['taxDetails', 'totals'] },
	{ name: 'amountDueIsTotalLessPaid', groups: ['totals'] },
	{ name: 'dueDateNotBeforeInvoiceDate', groups: ['header'] },
	{ name: 'servicePeriodOrdered', groups: ['header'] },
	{ name: 'ibanChecksum', groups: ['payment'] },
	{ name: 'vendor.taxId.vatIdFormat', groups: ['parties'] },
	{ name: 'customer.taxId.vatIdFormat', groups: ['parties'] },
	{ name: 'currencyIso4217', groups: ['header'] },
];

/**
 * The checks that did not run because they need a group the model was not asked for (and no other
 * source filled it): listed as skipped, so a smaller request is not mistaken for a clean record.
 */
export function skippedChecks(ran: CheckResult[], askedGroups: readonly RecordGroup[]): CheckResult[] {
	const ranNames = new Set(ran.map((check) => check.name.replace(/\.\d+\./, '.#.')));
	return CHECK_GROUPS.filter(({ name, alias, groups }) => groups.some((group) => !askedGroups.includes(group)) && !ranNames.has(name) && !(alias && ranNames.has(alias))).map(({ name, groups }) => {
		const missing = groups.filter((group) => !askedGroups.includes(group));
		return { name, passed: true, skipped: true, detail: `skipped: needs ${missing.join(' and ')}, not asked of the model (Fields for the Model)`, fields: [] };
	});
}
