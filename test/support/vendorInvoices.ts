/**
 * Invoices of one made-up vendor whose invoice number and payable amount carry labels no dictionary
 * knows ("Vorgang", "Summa zu begleichen"): the general rules miss them, a reviewer's correction
 * teaches them. Used by the vendor-memory tests (unit and real n8n).
 */
import { writePdf } from '../fixtures/pdf-writer';

export interface VendorInvoice {
	number: string;
	date: string;
	net: number;
	pdf: Buffer;
}

const money = (n: number): string => n.toFixed(2).replace('.', ',').replace(/\B(?=(\d{3})+(?!\d))/g, '.');

export interface Vendor {
	name: string;
	vatId: string;
	iban: string;
}

export const NORDLICHT: Vendor = { name: 'Nordlicht Werkzeuge GmbH', vatId: 'DE811234563', iban: 'DE89 3704 0044 0532 0130 00' };

export function nordlichtInvoice(number: string, day: number, net: number, vendor: Vendor = NORDLICHT): VendorInvoice {
	const tax = Math.round(net * 19) / 100;
	const pdf = writePdf([
		[
			{ x: 50, y: 40, text: vendor.name, size: 14, bold: true },
			{ x: 50, y: 58, text: 'Hafenstraße 7 · 24103 Kiel' },
			{ x: 50, y: 120, text: 'Stadtwerke Musterstadt' },
			{ x: 50, y: 134, text: 'Ringweg 3' },
			{ x: 50, y: 148, text: '12345 Musterstadt' },
			{ x: 360, y: 120, text: `Vorgang:  ${number}` },
			{ x: 360, y: 134, text: `Datum:  ${String(day).padStart(2, '0')}.03.2025` },
			{ x: 50, y: 200, text: 'Werkzeuge laut Auftrag', size: 12 },
			{ x: 300, y: 260, text: 'Warenwert' },
			{ x: 540, y: 260, text: money(net), right: true },
			{ x: 300, y: 274, text: 'MwSt. 19%' },
			{ x: 540, y: 274, text: money(tax), right: true },
			{ x: 300, y: 288, text: 'Summa zu begleichen' },
			{ x: 540, y: 288, text: `${money(net + tax)} EUR`, right: true },
			{ x: 50, y: 780, text: `${vendor.name} · USt-IdNr. ${vendor.vatId} · IBAN ${vendor.iban}` },
		],
	]);
	return { number, date: `2025-03-${String(day).padStart(2, '0')}`, net, pdf };
}
