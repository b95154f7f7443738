import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { OcrSession, readDocument, readText } from '../../nodes/shared/documents';
import { runLocalEngine } from '../../nodes/shared/invoice/engine';
import { invoiceSchema } from '../../nodes/shared/invoice/schema';
import { aiSchema } from '../../nodes/shared/contract';

const invoice2data = join(__dirname, '..', 'fixtures', 'invoice2data');
const fixtures = join(__dirname, '..', 'fixtures', 'invoices');

async function extractFile(path: string, ocr?: OcrSession) {
	return runLocalEngine(await readDocument(readFileSync(path), { ocr }));
}

describe('the four development invoices (text layer)', () => {
	it('AWS: id, date from "August 3 , 2014", USD total, vendor from "Service Provider"', async () => {
		const r = await extractFile(join(invoice2data, 'AmazonWebServices.pdf'));
		expect(r.invoice).toMatchObject({ invoiceId: '42183017', invoiceDate: '2014-08-03', currency: 'USD', invoiceTotal: 4.11, amountDue: 4.11 });
		expect(r.invoice.vendor.name).toBe('Amazon Web Services, Inc.');
		expect(r.invoice.customer.id).toBe('296664039561');
		expect(r.evidence.invoiceId).toEqual({ quote: 'Invoice Number: 42183017', page: 1 });
		expect(r.checks.find((c) => c.name === 'amountDueIsTotalLessPaid')?.passed).toBe(true);
	});

	it('Flipkart: "#" id, dd-mm-yyyy date, INR from "Rs", line table', async () => {
		const r = await extractFile(join(invoice2data, 'FlipkartInvoice.pdf'));
		expect(r.invoice).toMatchObject({ invoiceId: 'BLR_WFLD20151000982590', invoiceDate: '2015-10-20', currency: 'INR', invoiceTotal: 319, purchaseOrder: 'OD304175096047380001' });
		expect(r.invoice.lineItems[0]).toMatchObject({ quantity: 1, unitPrice: 278.61, taxRate: 14.5, tax: 40.39, amount: 319 });
		expect(r.checks.find((c) => c.name === 'lineItems.0.quantityTimesPrice')?.passed).toBe(true);
	});

	it('OYO: dd/mm/yyyy date, Rs total, booking id', async () => {
		const r = await extractFile(join(invoice2data, 'oyo.pdf'));
		expect(r.invoice).toMatchObject({ invoiceId: 'IBZY2087', invoiceDate: '2017-12-31', currency: 'INR', invoiceTotal: 1939, documentType: 'receipt' });
	});

	it('Sammy Maystone: labels with spaced colons, two line items with continuation lines, totals that add up', async () => {
		const r = await extractFile(join(invoice2data, 'SammyMaystoneLinesTest.pdf'));
		expect(r.invoice).toMatchObject({
			invoiceId: 'invoice_number_1',
			invoiceDate: '2022-01-01',
			dueDate: '2022-01-31',
			purchaseOrder: 'po_number_123',
			paymentTerms: 'Net 30 days',
			subtotal: 127.5,
			totalTax: 0,
			invoiceTotal: 127.5,
			amountDue: 127.5,
			currency: 'USD',
		});
		expect(r.invoice.lineItems.map((l) => [l.quantity, l.unitPrice, l.amount])).toEqual([[12, 10, 120], [5, 1.5, 7.5]]);
		expect(r.invoice.lineItems[0].description).toContain('Parts: 1 x cap_a');
		expect(r.checks.filter((c) => !c.passed)).toEqual([]);
		// Calibrated on real invoices: a total whose arithmetic holds is right about 83–90% of the time there.
		expect(r.fieldConfidence.invoiceTotal).toBeGreaterThan(0.8);
	});
});

describe('generated invoices (de/fr/en, several layouts, locales and currencies)', () => {
	const names = readdirSync(fixtures).filter((f) => f.endsWith('.pdf'));
	it.each(names)('%s', async (file) => {
		const [expected] = JSON.parse(readFileSync(join(fixtures, file.replace(/\.pdf$/, '.json')), 'utf8'));
		const r = await extractFile(join(fixtures, file));
		expect(r.invoice).toMatchObject({
			invoiceId: expected.invoice_number,
			invoiceDate: expected.date,
			dueDate: expected.date_due,
			currency: expected.currency,
			invoiceTotal: expected.amount,
			subtotal: expected.amount_untaxed,
			purchaseOrder: expected.po_number,
		});
		if (expected.amount_tax !== undefined) expect(r.invoice.totalTax).toBe(expected.amount_tax);
		if (expected.iban) expect(r.invoice.payment.iban).toBe(expected.iban);
		if (expected.vat) expect(r.invoice.vendor.taxId).toBe(expected.vat);
		expect(r.invoice.lineItems.map((l) => l.amount)).toEqual(expected.lines.map((l: { price_subtotal: number }) => l.price_subtotal));
		expect(invoiceSchema.safeParse(r.invoice).success).toBe(true);
		expect(r.checks.filter((c) => !c.passed)).toEqual([]);
	});
});

describe('record and confidence', () => {
	it('gives a confidence for every header field and evidence for found ones', async () => {
		const r = await extractFile(join(fixtures, 'de-DE-a.pdf'));
		for (const field of ['invoiceId', 'invoiceDate', 'dueDate', 'vendor.name', 'customer.name', 'payment.iban', 'invoiceTotal', 'remittanceAddress']) {
			expect(r.fieldConfidence[field]).toBeGreaterThanOrEqual(0);
			expect(r.fieldConfidence[field]).toBeLessThanOrEqual(1);
		}
		expect(r.fieldConfidence.remittanceAddress).toBeLessThan(0.2); // absent
		expect(r.evidence.invoiceTotal.quote).toMatch(/Gesamtbetrag/);
		expect(r.evidence['payment.iban'].page).toBe(1);
	});

	it('a total that does not add up loses confidence', () => {
		const good = runLocalEngine(readText('Invoice No: A-1\nDate: 2025-01-02\nSubtotal:  100.00 EUR\nVAT 20%:  20.00 EUR\nTotal:  120.00 EUR'));
		const bad = runLocalEngine(readText('Invoice No: A-1\nDate: 2025-01-02\nSubtotal:  100.00 EUR\nVAT 20%:  20.00 EUR\nTotal:  125.00 EUR'));
		expect(good.invoice.invoiceTotal).toBe(120);
		expect(bad.invoice.invoiceTotal).toBe(125);
		expect(bad.fieldConfidence.invoiceTotal).toBeLessThan(good.fieldConfidence.invoiceTotal - 0.15);
		expect(bad.checks.find((c) => c.name === 'totalsAddUp')).toMatchObject({ passed: false });
	});

	it('picks the totals that add up among several candidates', () => {
		const r = runLocalEngine(readText(['Rechnung Nr. 2025-17', 'Datum: 03.02.2025', 'Nettobetrag:  1.000,00 €', 'MwSt. 19%:  190,00 €', 'Gesamtbetrag:  1.190,00 €', 'Total:  3 Positionen'].join('\n')));
		expect(r.invoice).toMatchObject({ subtotal: 1000, totalTax: 190, invoiceTotal: 1190, currency: 'EUR', invoiceDate: '2025-02-03' });
		expect(r.invoice.taxDetails).toEqual([{ rate: 19, base: 1000, amount: 190 }]);
	});

	it('reads French labels and numbers from plain text', () => {
		const r = runLocalEngine(readText(['Facture n° F-2025-001', 'Date de facture : 15/03/2025', 'Échéance : 14/04/2025', 'Total HT :  1 234,56 €', 'TVA 20 % :  246,91 €', 'Total TTC :  1 481,47 €'].join('\n')));
		expect(r.invoice).toMatchObject({ invoiceId: 'F-2025-001', invoiceDate: '2025-03-15', dueDate: '2025-04-14', subtotal: 1234.56, totalTax: 246.91, invoiceTotal: 1481.47 });
	});

	it('US dates are read month first when the currency is USD', () => {
		const r = runLocalEngine(readText('Invoice #: 77\nInvoice Date: 03/04/2025\nTotal:  $10.00'));
		expect(r.invoice.invoiceDate).toBe('2025-03-04');
		const eu = runLocalEngine(readText('Invoice #: 77\nInvoice Date: 03/04/2025\nTotal:  10,00 €'));
		expect(eu.invoice.invoiceDate).toBe('2025-04-03');
	});

	it('custom fields by label, and required custom fields in the required check', () => {
		const text = 'Invoice No: 9\nCost Centre: CC-4711\nProject Hours:  12,5\nTotal:  10,00 €';
		const r = runLocalEngine(readText(text), {
			customFields: [
				{ name: 'Cost Centre', type: 'string', description: '', required: true },
				{ name: 'Project Hours', type: 'number', description: '', required: false },
				{ name: 'Approver', type: 'string', description: '', required: true },
			],
		});
		expect(r.invoice.customFields).toEqual({ 'Cost Centre': 'CC-4711', 'Project Hours': 12.5, Approver: null });
		expect(r.checks.find((c) => c.name === 'requiredFieldsPresent')?.detail).toContain('customFields.Approver');
		expect(r.fieldConfidence['customFields.Cost Centre']).toBeGreaterThan(0.5);
	});

	it('the ai fields it produces fit the contract', () => {
		const r = runLocalEngine(readText('Invoice No: 1\nTotal:  5,00 €'));
		const ai = { task: 'extract', confidence: r.confidence, confidenceSource: 'checks', fieldConfidence: r.fieldConfidence, checks: r.checks, engine: 'local', latencyMs: 1, attempts: 1, at: new Date().toISOString() };
		expect(aiSchema.safeParse(ai).success).toBe(true);
	});
});

describe('OCR path', () => {
	it('a noisy scan (JPEG) of a German invoice', async () => {
		const ocr = new OcrSession(['deu', 'eng']);
		try {
			const [expected] = JSON.parse(readFileSync(join(fixtures, 'de-DE-a-scan.json'), 'utf8'));
			const r = await extractFile(join(fixtures, 'de-DE-a-scan.jpg'), ocr);
			expect(r.invoice).toMatchObject({ invoiceId: expected.invoice_number, invoiceDate: expected.date, invoiceTotal: expected.amount, subtotal: expected.amount_untaxed, totalTax: expected.amount_tax, currency: 'EUR' });
			expect(r.fieldConfidence.invoiceTotal).toBeGreaterThan(0.8);
		} finally {
			await ocr.close();
		}
	}, 60000);

	it('the OYO receipt as PNG', async () => {
		const ocr = new OcrSession(['eng']);
		try {
			const r = await extractFile(join(invoice2data, 'oyo.png'), ocr);
			expect(r.invoice).toMatchObject({ invoiceDate: '2017-12-31', invoiceTotal: 1939, currency: 'INR' });
		} finally {
			await ocr.close();
		}
	}, 60000);
});
