/**
 * The rules real invoices need (issue 15): dates with month names and two-digit years, compact
 * labelled dates, no date inside a product code; labels in every supported language (one JSON
 * dictionary each); the grand total over before-tax amounts, the amount due apart from the total, no
 * arithmetic check without a tax; vendor vs customer from labels and cues.
 */
import { readText } from '../../nodes/shared/documents';
import { findDates, parseDate } from '../../nodes/shared/invoice/dates';
import { DICTIONARIES } from '../../nodes/shared/invoice/labels';
import { runLocalEngine } from '../../nodes/shared/invoice/engine';

const run = (lines: string[]) => runLocalEngine(readText(lines.join('\n')));

describe('dates', () => {
	it('month names in every language, with two-digit years', () => {
		expect(parseDate('28 MAR 18')).toBe('2018-03-28');
		expect(parseDate('25/FEB/2017')).toBe('2017-02-25');
		expect(parseDate('29 oktober 2015')).toBe('2015-10-29');
		expect(parseDate('30 listopada 2023')).toBe('2023-11-30');
		expect(parseDate('12 de marzo de 2021')).toBe('2021-03-12');
		expect(parseDate('10 febbraio 2022')).toBe('2022-02-10');
		expect(parseDate('3 de março de 2020')).toBe('2020-03-03');
		expect(parseDate('11. Juli 2014')).toBe('2014-07-11');
	});
	it('compact dates only where a label says a date follows', () => {
		expect(parseDate('25032018', 'DMY', { compact: true })).toBe('2018-03-25');
		expect(parseDate('20181230', 'DMY', { compact: true })).toBe('2018-12-30');
		expect(parseDate('25032018')).toBeNull();
		expect(run(['Invoice No: 77', 'Invoice Date: 25032018', 'Total: 10.00 EUR']).invoice.invoiceDate).toBe('2018-03-25');
	});
	it('no date out of a product code or a longer number', () => {
		expect(findDates('Item HD03-04-06 cable')).toEqual([]);
		expect(findDates('REF 2018-03-04-7')).toEqual([]);
		expect(findDates('11/15/20 19')[0].iso).toBe('2019-11-15');
	});
});

describe('one dictionary per language, as data', () => {
	it('has EN, DE, FR, NL, ES, IT, PL and PT, each with labels, document types, cues and twelve months', () => {
		expect(DICTIONARIES.map((d) => d.language).sort()).toEqual(['de', 'en', 'es', 'fr', 'it', 'nl', 'pl', 'pt']);
		for (const d of DICTIONARIES) {
			expect(d.months).toHaveLength(12);
			expect(Object.keys(d.labels)).toEqual(expect.arrayContaining(['invoiceId', 'invoiceDate', 'dueDate', 'subtotal', 'totalTax', 'invoiceTotal', 'amountDue', 'vendor', 'customer', 'taxId']));
			expect(d.documentTypes.invoice?.length).toBeGreaterThan(0);
			expect(d.customerCues.length).toBeGreaterThan(0);
		}
	});
	it.each([
		['nl', ['Factuur', 'Factuurnummer: 8587333880016', 'Factuurdatum: 29-10-2015', 'Vervaldatum: 12-11-2015', 'Subtotaal € 156,20', 'BTW 21% € 32,80', 'Totaal inclusief BTW € 189,00'], { invoiceId: '8587333880016', invoiceDate: '2015-10-29', dueDate: '2015-11-12', subtotal: 156.2, totalTax: 32.8, invoiceTotal: 189 }],
		['pl', ['Faktura VAT', 'Numer faktury: FV/12/2023', 'Data wystawienia: 30.11.2023', 'Termin płatności: 14.12.2023', 'Wartość netto: 1 000,00 PLN', 'Kwota VAT: 230,00 PLN', 'Wartość brutto: 1 230,00 PLN'], { invoiceId: 'FV/12/2023', invoiceDate: '2023-11-30', dueDate: '2023-12-14', subtotal: 1000, totalTax: 230, invoiceTotal: 1230, currency: 'PLN' }],
		['es', ['FACTURA', 'Número de factura: A-2021-7', 'Fecha de factura: 01/11/2021', 'Fecha de vencimiento: 01/12/2021', 'Base imponible: 100,00 €', 'IVA 21%: 21,00 €', 'Total factura: 121,00 €'], { invoiceId: 'A-2021-7', invoiceDate: '2021-11-01', dueDate: '2021-12-01', subtotal: 100, totalTax: 21, invoiceTotal: 121 }],
		['it', ['Fattura', 'Fattura n. 54321', 'Data fattura: 10/02/2022', 'Scadenza: 10/03/2022', 'Imponibile: 100,00 €', 'IVA 22%: 22,00 €', 'Totale fattura: 122,00 €'], { invoiceId: '54321', invoiceDate: '2022-02-10', dueDate: '2022-03-10', subtotal: 100, totalTax: 22, invoiceTotal: 122 }],
		['pt', ['Fatura', 'Fatura n.º FT-2020/15', 'Data da fatura: 03/03/2020', 'Data de vencimento: 02/04/2020', 'Total líquido: 100,00 €', 'IVA 23%: 23,00 €', 'Total da fatura: 123,00 €'], { invoiceId: 'FT-2020/15', invoiceDate: '2020-03-03', dueDate: '2020-04-02', subtotal: 100, totalTax: 23, invoiceTotal: 123 }],
	])('%s labels', (_language, lines, expected) => {
		const r = run(lines);
		expect(r.invoice).toMatchObject({ documentType: 'invoice', ...expected });
	});
});

describe('totals', () => {
	it('the grand total over a before-tax column and a tax summary', () => {
		const r = run(['Invoice No: 5', 'Date: 2018-03-01', 'Total Sales (Excluding GST):  100.00', 'Total GST:  6.00', 'Total Sales (Inclusive of GST):  106.00', 'GST Summary', 'Total:  100.00  6.00']);
		expect(r.invoice).toMatchObject({ subtotal: 100, totalTax: 6, invoiceTotal: 106 });
	});
	it('an amount due of 0.00 on a paid invoice is no total', () => {
		const r = run(['Factuur', 'Factuurnummer: 88', 'Datum: 01-02-2020', 'Totaal exclusief BTW € 100,00', 'BTW € 21,00', 'Bedrag inclusief BTW € 121,00', 'Betaald met iDeal € 121,00-', 'Te betalen € 0,00']);
		expect(r.invoice).toMatchObject({ invoiceTotal: 121, amountDue: 0 });
	});
	it('a total whose tax was not found is not checked against the subtotal', () => {
		const r = run(['Invoice No: 9', 'Date: 2020-01-02', 'Subtotal:  100.00', 'Total:  100.00']);
		expect(r.checks.find((c) => c.name === 'totalsAddUp')).toBeUndefined();
	});
	it('a rounding adjustment is part of the arithmetic', () => {
		const r = run(['Invoice No: 9', 'Date: 2020-01-02', 'Sub Total (RM):  106.10', 'Total GST (RM):  6.37', 'Rounding (RM):  -0.02', 'Total (RM):  112.45']);
		expect(r.invoice.invoiceTotal).toBe(112.45);
	});
});

describe('vendor and customer', () => {
	it('the customer\'s VAT id ("Ihre USt-IdNr.") is not the vendor\'s', () => {
		const r = run(['Muster Lieferant GmbH', 'Rechnung', 'Rechnungsnummer: R-1', 'Rechnungsdatum: 01.02.2020', 'Ihre USt-IdNr.: DE199952957', 'Gesamtbetrag: 119,00 €', '', '', '', '', '', '', 'Muster Lieferant GmbH · USt-IdNr. DE812871812']);
		expect(r.invoice.vendor.taxId).toBe('DE812871812');
		expect(r.invoice.customer.taxId).toBe('DE199952957');
	});
	it('a labelled customer block is the customer\'s, in Dutch and Polish too', () => {
		expect(run(['Factureren aan:', 'Jansen B.V.', 'Dorpsstraat 1', '1234 AB Amsterdam', 'Factuurnummer: 1']).invoice.customer.name).toBe('Jansen B.V.');
		expect(run(['Sprzedawca', 'Nazwa: ABC S.A.', 'Nabywca', 'Nazwa: Jan Kowalski', 'Numer faktury: 1/2023']).invoice).toMatchObject({ vendor: { name: 'ABC S.A.' }, customer: { name: 'Jan Kowalski' } });
	});
	it('a value resting on a guess carries a low confidence', () => {
		const r = run(['Some text at the top', 'Invoice No: 1', 'Total: 10.00 EUR']);
		expect(r.fieldConfidence['vendor.name']).toBeLessThan(0.5);
	});
});
