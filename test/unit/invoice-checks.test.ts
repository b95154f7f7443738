import { fieldConfidence, runChecks, skippedChecks } from '../../nodes/shared/invoice/checks';
import { findIbans, findVatIds, isValidEuVatId, isValidIban } from '../../nodes/shared/invoice/identifiers';
import { matchPurchaseOrder } from '../../nodes/shared/invoice/match';
import { emptyInvoice, type Invoice } from '../../nodes/shared/invoice/schema';

function invoice(overrides: Partial<Invoice> = {}): Invoice {
	return {
		...emptyInvoice(),
		invoiceId: 'RE-1',
		invoiceDate: '2025-03-01',
		dueDate: '2025-03-31',
		vendor: { name: 'Müller GmbH', address: null, taxId: 'DE123456789' },
		currency: 'EUR',
		subtotal: 200,
		totalTax: 38,
		invoiceTotal: 238,
		amountDue: 238,
		taxDetails: [{ rate: 19, base: 200, amount: 38 }],
		payment: { iban: 'DE89370400440532013000', bic: null, accountNumber: null, reference: null },
		lineItems: [
			{ description: 'Beratung', productCode: 'B-1', quantity: 2, unit: null, unitPrice: 50, taxRate: null, tax: null, amount: 100, date: null },
			{ description: 'Lizenz', productCode: 'L-1', quantity: 1, unit: null, unitPrice: 100, taxRate: null, tax: null, amount: 100, date: null },
		],
		...overrides,
	};
}

const byName = (inv: Invoice) => Object.fromEntries(runChecks(inv).map((c) => [c.name, c]));

describe('checks', () => {
	it('all pass on a consistent invoice', () => {
		const checks = runChecks(invoice());
		expect(checks.filter((c) => !c.passed)).toEqual([]);
		expect(checks.map((c) => c.name)).toEqual(
			expect.arrayContaining(['lineItemsSumToSubtotal', 'totalsAddUp', 'lineItems.0.quantityTimesPrice', 'taxDetails.0.rateTimesBase', 'amountDueIsTotalLessPaid', 'dueDateNotBeforeInvoiceDate', 'ibanChecksum', 'vendor.taxId.vatIdFormat', 'currencyIso4217', 'requiredFieldsPresent']),
		);
	});

	it('Σ lines ≠ subtotal', () => expect(byName(invoice({ subtotal: 210, invoiceTotal: 248 })).lineItemsSumToSubtotal.passed).toBe(false));
	it('subtotal − discount + tax ≠ total', () => expect(byName(invoice({ invoiceTotal: 240 })).totalsAddUp.passed).toBe(false));
	it('a discount is subtracted', () => expect(byName(invoice({ totalDiscount: 10, invoiceTotal: 228, amountDue: 228 })).totalsAddUp.passed).toBe(true));
	it('qty × unit price ≠ amount', () => {
		const inv = invoice();
		inv.lineItems[0].quantity = 3;
		expect(byName(inv)['lineItems.0.quantityTimesPrice'].passed).toBe(false);
	});
	it('tax ≠ base × rate', () => expect(byName(invoice({ taxDetails: [{ rate: 19, base: 200, amount: 40 }] }))['taxDetails.0.rateTimesBase'].passed).toBe(false));
	it('amount due = total − paid', () => {
		expect(byName(invoice({ amountPaid: 38, amountDue: 200 })).amountDueIsTotalLessPaid.passed).toBe(true);
		expect(byName(invoice({ amountDue: 200 })).amountDueIsTotalLessPaid.passed).toBe(false);
	});
	it('due date before invoice date', () => expect(byName(invoice({ dueDate: '2025-02-01' })).dueDateNotBeforeInvoiceDate.passed).toBe(false));
	it('IBAN mod-97', () => expect(byName(invoice({ payment: { iban: 'DE89370400440532013001', bic: null, accountNumber: null, reference: null } })).ibanChecksum.passed).toBe(false));
	it('VAT id format', () => expect(byName(invoice({ vendor: { name: 'X', address: null, taxId: 'DE12345' } }))['vendor.taxId.vatIdFormat'].passed).toBe(false));
	it('ISO 4217', () => expect(byName(invoice({ currency: 'EUX' })).currencyIso4217.passed).toBe(false));
	it('required fields', () => {
		const check = byName(invoice({ invoiceId: null })).requiredFieldsPresent;
		expect(check.passed).toBe(false);
		expect(check.detail).toContain('invoiceId');
	});
	it('checks with nothing to check are not listed', () => {
		expect(runChecks(emptyInvoice()).map((c) => c.name)).toEqual(['requiredFieldsPresent']);
	});

	it('a failed check lowers, a passed one raises the confidence of the fields involved', () => {
		const good = invoice();
		const bad = invoice({ invoiceTotal: 240 });
		const strength = { invoiceTotal: 0.8, subtotal: 0.8, invoiceId: 0.8 };
		const fields = ['invoiceTotal', 'subtotal', 'invoiceId', 'purchaseOrder'];
		const up = fieldConfidence(good, strength, runChecks(good), fields);
		const down = fieldConfidence(bad, strength, runChecks(bad), fields);
		expect(up.invoiceTotal).toBeGreaterThan(0.8);
		expect(down.invoiceTotal).toBeLessThan(0.5);
		expect(up.invoiceId).toBe(0.8);
		expect(up.purchaseOrder).toBeLessThan(0.2);
	});
});

describe('identifiers', () => {
	it('IBAN mod-97 and length', () => {
		expect(isValidIban('DE89 3704 0044 0532 0130 00')).toBe(true);
		expect(isValidIban('GB82 WEST 1234 5698 7654 32')).toBe(true);
		expect(isValidIban('FR14 2004 1010 0505 0001 3M02 606')).toBe(true);
		expect(isValidIban('DE89 3704 0044 0532 0130 01')).toBe(false);
		expect(isValidIban('DE89 3704 0044 0532 0130')).toBe(false);
	});
	it('finds IBANs in text and does not take them for VAT ids', () => {
		const text = 'IBAN DE89 3704 0044 0532 0130 00 | USt-IdNr. DE123456789';
		expect(findIbans(text)).toEqual(['DE89370400440532013000']);
		expect(findVatIds(text)).toEqual(['DE123456789']);
	});
	it.each([['DE123456789', true], ['ATU12345678', true], ['FR12345678901', true], ['NL123456789B01', true], ['BE0123456789', true], ['GB123456789', true], ['DE12345678', false], ['AT12345678', false], ['XX123456789', false]])('VAT id %s → %s', (id, valid) => {
		expect(isValidEuVatId(id)).toBe(valid);
	});
});

describe('purchase-order three-way match', () => {
	const order = {
		number: 'PO-1',
		lines: [
			{ productCode: 'B-1', description: 'Beratung', quantity: 2, unitPrice: 50 },
			{ productCode: 'L-1', description: 'Lizenz', quantity: 1, unitPrice: 100 },
		],
		total: 200,
	};
	it('matches a conforming invoice', () => {
		const result = matchPurchaseOrder(invoice({ purchaseOrder: 'PO-1' }), order, { lines: [{ productCode: 'B-1', quantity: 2 }, { productCode: 'L-1', quantity: 1 }] });
		expect(result).toMatchObject({ matched: true, issues: [] });
		expect(result.lines).toEqual([{ invoiceLine: 0, orderLine: 0 }, { invoiceLine: 1, orderLine: 1 }]);
	});
	it('PRICE_VARIANCE beyond the tolerance only', () => {
		const inv = invoice();
		inv.lineItems[0].unitPrice = 50.4;
		expect(matchPurchaseOrder(inv, order, undefined, 1).issues.map((i) => i.code)).not.toContain('PRICE_VARIANCE');
		inv.lineItems[0].unitPrice = 55;
		expect(matchPurchaseOrder(inv, order, undefined, 1).issues.map((i) => i.code)).toContain('PRICE_VARIANCE');
	});
	it('QTY_OVER_RECEIPT', () => {
		const result = matchPurchaseOrder(invoice(), order, { lines: [{ productCode: 'B-1', quantity: 1 }, { productCode: 'L-1', quantity: 1 }] });
		expect(result.issues).toEqual([expect.objectContaining({ code: 'QTY_OVER_RECEIPT', line: 0 })]);
	});
	it('MISSING_PO_LINE, matched by description when there is no code', () => {
		const inv = invoice();
		inv.lineItems.push({ description: 'Reisekosten', productCode: null, quantity: 1, unit: null, unitPrice: 10, taxRate: null, tax: null, amount: 10, date: null });
		inv.lineItems[1].productCode = null;
		const codes = matchPurchaseOrder(inv, order).issues.map((i) => i.code);
		expect(codes).toContain('MISSING_PO_LINE');
		expect(matchPurchaseOrder(inv, order).lines[1].orderLine).toBe(1);
	});
	it('TOTAL_MISMATCH', () => {
		expect(matchPurchaseOrder(invoice(), { ...order, total: 250 }).issues.map((i) => i.code)).toEqual(['TOTAL_MISMATCH']);
	});
});

describe('IBAN read by OCR', () => {
	it('undoes letter/digit mix-ups only when mod-97 confirms', () => {
		expect(findIbans('IBAN DES2 8669 2436 6216 0277 43')).toEqual(['DE52866924366216027743'].filter(isValidIban));
		expect(findIbans('IBAN DE89 37O4 0044 0532 0130 00')).toEqual(['DE89370400440532013000']);
		expect(findIbans('IBAN DE89 37O4 0044 0532 0130 01')).toEqual([]);
	});
});

describe('checks skipped for groups the model was not asked for', () => {
	it('lists each check that needs a group not asked, and did not run, as skipped (not failed)', () => {
		const record = { ...emptyInvoice(), invoiceId: 'RE-1', invoiceDate: '2025-03-01', dueDate: '2025-03-31', currency: 'EUR', subtotal: 200, totalTax: 38, invoiceTotal: 238 };
		const ran = runChecks(record);
		const skipped = skippedChecks(ran, ['header', 'totals']);
		expect(skipped.map((c) => c.name)).toEqual(['lineItemsSumToSubtotal', 'lineItems.#.quantityTimesPrice', 'taxDetails.#.rateTimesBase', 'taxDetailsSumToTotalTax', 'ibanChecksum', 'vendor.taxId.vatIdFormat', 'customer.taxId.vatIdFormat']);
		expect(skipped.every((c) => c.skipped && c.passed && c.fields.length === 0)).toBe(true);
		expect(skipped[0].detail).toBe('skipped: needs lineItems, not asked of the model (Fields for the Model)');
		// Every group asked: nothing is skipped; a check that ran on values from elsewhere is not skipped.
		expect(skippedChecks(ran, ['header', 'parties', 'addresses', 'totals', 'payment', 'taxDetails', 'lineItems'])).toEqual([]);
		expect(skippedChecks(runChecks(invoice()), ['header', 'totals']).map((c) => c.name)).not.toContain('ibanChecksum');
	});
});
