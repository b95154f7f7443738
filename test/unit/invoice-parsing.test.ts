import { detectDateOrder, findDates, parseDate } from '../../nodes/shared/invoice/dates';
import { detectDecimalMark, findAmounts, parseAmount } from '../../nodes/shared/invoice/numbers';
import { detectCurrency } from '../../nodes/shared/invoice/currency';
import { matchLabels } from '../../nodes/shared/invoice/labels';

describe('parseAmount across locales', () => {
	it.each([
		['1.234,56', 1234.56],
		['1,234.56', 1234.56],
		['1 234,56', 1234.56],
		['1\u202f234,56', 1234.56],
		["1'234.56", 1234.56],
		['1’234.50', 1234.5],
		['12,5', 12.5],
		['0.01', 0.01],
		['1.234.567,89', 1234567.89],
		['1,234,567.89', 1234567.89],
		['12,517,31', 12517.31],
		['€ 99,00', 99],
		['$4.11', 4.11],
		['EUR 1.050,67', 1050.67],
		['CHF 1\'050.65', 1050.65],
		['Rs 1939', 1939],
		['(12.00)', -12],
		['12.00-', -12],
		['-40.00', -40],
	])('%s → %d', (text, expected) => {
		expect(parseAmount(text)).toBe(expected);
	});

	it('reads one mark before three digits by the document decimal mark', () => {
		expect(parseAmount('1.234', ',')).toBe(1234);
		expect(parseAmount('1.234', '.')).toBe(1.234);
		expect(parseAmount('1,234', ',')).toBe(1.234);
		expect(parseAmount('1,234', '.')).toBe(1234);
		expect(parseAmount('1,234')).toBe(1234);
	});

	it('refuses text that is not a number', () => {
		expect(parseAmount('abc')).toBeNull();
		expect(parseAmount('12/05/2024')).toBeNull();
	});

	it('detects the decimal mark of a document', () => {
		expect(detectDecimalMark('Netto 1.000,00 €\nMwSt 190,00 €')).toBe(',');
		expect(detectDecimalMark('Subtotal $1,000.00\nTax $82.50')).toBe('.');
		expect(detectDecimalMark('no amounts')).toBeUndefined();
	});

	it('finds amounts in running text', () => {
		expect(findAmounts('Total TTC 1 234,56 €', ',').map((a) => a.value)).toEqual([1234.56]);
		expect(findAmounts('MwSt. 19% auf 100,00 €: 19,00 €', ',').map((a) => a.value)).toEqual([19, 100, 19]);
	});
});

describe('dates', () => {
	it.each([
		['2024-03-05', 'DMY', '2024-03-05'],
		['05.03.2024', 'DMY', '2024-03-05'],
		['05/03/2024', 'DMY', '2024-03-05'],
		['05/03/2024', 'MDY', '2024-05-03'],
		['31/12/2017', 'MDY', '2017-12-31'],
		['12/31/2017', 'DMY', '2017-12-31'],
		['05.03.24', 'DMY', '2024-03-05'],
		['August 3 , 2014', 'DMY', '2014-08-03'],
		['Jan 31, 2022', 'DMY', '2022-01-31'],
		['3. März 2024', 'DMY', '2024-03-03'],
		['15 février 2025', 'DMY', '2025-02-15'],
		['1er janvier 2025', 'DMY', '2025-01-01'],
		['20-Oct-2015', 'DMY', '2015-10-20'],
		['20-10-2015', 'DMY', '2015-10-20'],
		['le 7 juillet 2023', 'DMY', '2023-07-07'],
		['Dezember 24, 2024', 'DMY', '2024-12-24'],
	] as const)('%s (%s) → %s', (text, order, iso) => {
		expect(parseDate(text, order)).toBe(iso);
	});

	it('rejects impossible dates', () => {
		expect(parseDate('31.02.2024')).toBeNull();
		expect(parseDate('45/45/2024')).toBeNull();
	});

	it('marks day/month as ambiguous only when both are ≤ 12', () => {
		expect(findDates('05/03/2024')[0].ambiguous).toBe(true);
		expect(findDates('25/03/2024')[0].ambiguous).toBe(false);
	});

	it('resolves dd/mm vs mm/dd from the other dates, then currency and country', () => {
		expect(detectDateOrder('Date 05/03/2024 Due 25/03/2024')).toEqual({ order: 'DMY', proven: true });
		expect(detectDateOrder('Date 03/05/2024 Due 03/25/2024')).toEqual({ order: 'MDY', proven: true });
		expect(detectDateOrder('Date 03/05/2024', { currency: 'USD' })).toEqual({ order: 'MDY', proven: false });
		expect(detectDateOrder('Date 03/05/2024', { currency: 'EUR' })).toEqual({ order: 'DMY', proven: false });
		expect(detectDateOrder('Date 03/05/2024', { country: 'US' }).order).toBe('MDY');
	});
});

describe('currency', () => {
	it.each([
		['Total 12,00 €', 'EUR'],
		['Total $4.11 USD', 'USD'],
		['Grand Total Rs 1939', 'INR'],
		['Total £1,200.00', 'GBP'],
		["Total CHF 1'200.00", 'CHF'],
		['Betrag: 100,00 EUR', 'EUR'],
		['TOTAL RM 9.00', 'MYR'],
	])('%s → %s', (text, code) => {
		expect(detectCurrency(text)?.value).toBe(code);
	});
	it('gives none when nothing names a currency', () => {
		expect(detectCurrency('Total 12.00')).toBeNull();
	});
});

describe('label dictionaries (en/de/fr)', () => {
	it.each([
		['Invoice No: 123', 'invoiceId'],
		['Rechnungsnummer: RE-1', 'invoiceId'],
		['Facture n° F-12', 'invoiceId'],
		['Numéro de facture 12', 'invoiceId'],
		['Invoice Date:', 'invoiceDate'],
		['Rechnungsdatum', 'invoiceDate'],
		['Date de facture', 'invoiceDate'],
		['Due date', 'dueDate'],
		['Fälligkeitsdatum', 'dueDate'],
		['Échéance', 'dueDate'],
		['Total', 'invoiceTotal'],
		['Gesamtbetrag', 'invoiceTotal'],
		['Total TTC', 'invoiceTotal'],
		['Total HT', 'subtotal'],
		['Nettobetrag', 'subtotal'],
		['Subtotal', 'subtotal'],
		['VAT 20%', 'totalTax'],
		['MwSt. 19%', 'totalTax'],
		['TVA 20%', 'totalTax'],
		['Total TVA', 'totalTax'],
		['Balance Due', 'amountDue'],
		['Net à payer', 'amountDue'],
		['Rounded Total (RM)', 'amountDue'],
		['Bestellnummer', 'purchaseOrder'],
		['Bon de commande', 'purchaseOrder'],
		['Bill To:', 'customer'],
		['Rechnungsempfänger:', 'customer'],
		['Facturé à', 'customer'],
		['USt-IdNr.', 'taxId'],
	])('"%s" is a %s label', (text, field) => {
		expect(matchLabels(text)[0]?.field).toBe(field);
	});
	it('does not take a word that merely starts like a label', () => {
		expect(matchLabels('Totally new design')).toEqual([]);
	});
});
