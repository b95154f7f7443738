/**
 * Expected values of an invoice evaluation folder, in the package's own field paths. Three layouts:
 * - the package's own truth: `<name>.truth.json` beside the document (field names of the record);
 * - invoice2data's: `<name>.json` beside the document (`issuer`, `invoice_number`, `amount`…);
 * - SROIE's: `img/NNN.jpg` with `key/NNN.json` (`company`, `date`, `total` as printed) and, optionally,
 *   `box/NNN.csv` (reference OCR lines), which lets an evaluation read the reference text instead of
 *   running OCR, to tell extraction misses from OCR misses.
 * A truth value that cannot be read (a date no parser understands) is kept as `unparsed`: the
 * evaluation counts it as a miss and says so, it never drops it.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import { splitRun } from '../../nodes/shared/documents/words';
import type { PositionedWord } from '../../nodes/shared/documents/types';
import { findDates } from '../../nodes/shared/invoice/dates';
import { parseAmount } from '../../nodes/shared/invoice/numbers';

export const DOCUMENT_EXTENSIONS = ['.pdf', '.png', '.jpg', '.jpeg', '.tif', '.tiff', '.webp', '.txt'];

/** A value the document must yield for a field; `unparsed` holds the raw truth when it could not be read. */
export interface TruthValue {
	value: unknown;
	unparsed?: string;
}

export interface TruthDocument {
	/** File name, relative to the folder it was found in. */
	name: string;
	path: string;
	/** Field path → expected value (absent: not scored). `null`: the document prints no such value. */
	fields: Record<string, TruthValue>;
	/** SROIE reference OCR lines, when the folder has them. */
	referenceWords?: PositionedWord[];
}

export type TruthLayout = 'truth' | 'invoice2data' | 'sroie';

/** The header fields scored from the package's own truth files (the addresses are scored apart). */
export const TRUTH_FIELDS = [
	'documentType',
	'invoiceId',
	'invoiceDate',
	'dueDate',
	'purchaseOrder',
	'currency',
	'vendor.name',
	'vendor.taxId',
	'customer.name',
	'customer.taxId',
	'subtotal',
	'totalDiscount',
	'totalTax',
	'invoiceTotal',
	'amountDue',
	'payment.iban',
	'payment.bic',
] as const;

/** invoice2data field → path in our record. */
export const INVOICE2DATA_FIELDS: Record<string, string> = {
	invoice_number: 'invoiceId',
	date: 'invoiceDate',
	date_due: 'dueDate',
	issuer: 'vendor.name',
	customer_name: 'customer.name',
	po_number: 'purchaseOrder',
	currency: 'currency',
	amount: 'invoiceTotal',
	amount_untaxed: 'subtotal',
	amount_tax: 'totalTax',
	vat: 'vendor.taxId',
	iban: 'payment.iban',
};

const getPath = (record: unknown, path: string): unknown =>
	path.split('.').reduce<unknown>((value, key) => (value && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined), record);

/** A printed date ("25/12/2018", "2018-12-25", "28 MAR 18") as ISO, day first unless it cannot be. */
function truthDate(raw: unknown): TruthValue {
	if (typeof raw !== 'string') return { value: null, unparsed: String(raw) };
	const iso = /^\d{4}-\d{2}-\d{2}$/.test(raw.trim()) ? raw.trim() : findDates(raw, 'DMY')[0]?.iso;
	return iso ? { value: iso } : { value: null, unparsed: raw };
}

function truthAmount(raw: unknown): TruthValue {
	if (typeof raw === 'number') return { value: raw };
	const value = typeof raw === 'string' ? parseAmount(raw.replace(/^[^\d(-]+/, ''), '.') : null;
	return value === null ? { value: null, unparsed: String(raw) } : { value };
}

function fromTruthFile(json: Record<string, unknown>): Record<string, TruthValue> {
	const fields: Record<string, TruthValue> = {};
	for (const path of TRUTH_FIELDS) {
		const value = getPath(json, path);
		if (value !== undefined) fields[path] = { value };
	}
	const address = getPath(json, 'vendor.address');
	if (address !== undefined) fields['vendor.address'] = { value: address };
	return fields;
}

function fromInvoice2data(json: Record<string, unknown>): Record<string, TruthValue> {
	const fields: Record<string, TruthValue> = {};
	for (const [key, path] of Object.entries(INVOICE2DATA_FIELDS)) {
		const raw = json[key];
		if (raw === undefined || raw === null || raw === '') continue;
		if (path.endsWith('Date')) fields[path] = truthDate(raw);
		else if (['invoiceTotal', 'subtotal', 'totalTax'].includes(path)) fields[path] = truthAmount(raw);
		else fields[path] = { value: raw };
	}
	return fields;
}

/** SROIE keys are as printed; the total is what was paid (the rounded amount due where printed). */
function fromSroie(json: Record<string, unknown>): Record<string, TruthValue> {
	const fields: Record<string, TruthValue> = {};
	if (json.company) fields['vendor.name'] = { value: json.company };
	if (json.date) fields['invoiceDate'] = truthDate(json.date);
	if (json.total) fields['amountDue|invoiceTotal'] = truthAmount(json.total);
	return fields;
}

/** SROIE box lines (8 corner coordinates, then the text, which may hold commas) as positioned words. */
export function wordsFromBoxes(csv: string): PositionedWord[] {
	const words: PositionedWord[] = [];
	for (const line of csv.split(/\r?\n/)) {
		const parts = line.split(',');
		if (parts.length < 9) continue;
		const coordinates = parts.slice(0, 8).map(Number);
		if (coordinates.some((n) => !Number.isFinite(n))) continue;
		const xs = [coordinates[0], coordinates[2], coordinates[4], coordinates[6]];
		const ys = [coordinates[1], coordinates[3], coordinates[5], coordinates[7]];
		const text = parts.slice(8).join(',');
		words.push(...splitRun(text, { x0: Math.min(...xs), x1: Math.max(...xs), y0: Math.min(...ys), y1: Math.max(...ys) }, 1));
	}
	return words;
}

export function detectLayout(folder: string): TruthLayout {
	if (existsSync(join(folder, 'img')) && existsSync(join(folder, 'key'))) return 'sroie';
	return readdirSync(folder).some((f) => f.endsWith('.truth.json')) ? 'truth' : 'invoice2data';
}

/**
 * The documents of a folder that have expected values, sorted by name. `boxOnly`: in a SROIE folder,
 * also the receipts that have reference OCR text but no image (read from their box text only).
 */
export function loadTruth(folder: string, options: { boxOnly?: boolean } = {}): { layout: TruthLayout; documents: TruthDocument[] } {
	const layout = detectLayout(folder);
	const documentFolder = layout === 'sroie' ? join(folder, 'img') : folder;
	const documents: TruthDocument[] = [];
	const names = readdirSync(documentFolder);
	if (layout === 'sroie' && options.boxOnly && existsSync(join(folder, 'box'))) {
		const images = new Set(names.map((n) => basename(n, extname(n))));
		for (const box of readdirSync(join(folder, 'box'))) if (!images.has(basename(box, '.csv'))) names.push(`${basename(box, '.csv')}.jpg`);
	}
	for (const name of names.sort()) {
		const extension = extname(name).toLowerCase();
		if (!DOCUMENT_EXTENSIONS.includes(extension)) continue;
		const stem = basename(name, extname(name));
		const expectedPath =
			layout === 'sroie' ? join(folder, 'key', `${stem}.json`) : join(folder, layout === 'truth' ? `${stem}.truth.json` : `${stem}.json`);
		if (!existsSync(expectedPath)) continue;
		const raw = JSON.parse(readFileSync(expectedPath, 'utf8')) as unknown;
		const json = (Array.isArray(raw) ? raw[0] : raw) as Record<string, unknown>;
		const fields = layout === 'sroie' ? fromSroie(json) : layout === 'truth' ? fromTruthFile(json) : fromInvoice2data(json);
		const boxPath = join(folder, 'box', `${stem}.csv`);
		documents.push({
			name,
			path: join(documentFolder, name),
			fields,
			...(layout === 'sroie' && existsSync(boxPath) ? { referenceWords: wordsFromBoxes(readFileSync(boxPath, 'utf8')) } : {}),
		});
	}
	return { layout, documents };
}
