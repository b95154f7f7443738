/**
 * Evaluates the invoice extractor on a folder of documents with expected values beside them
 * (`<name>.json`, invoice2data field names): per-field exact-match accuracy, overall accuracy,
 * field-confidence calibration (ECE, 10 bins) and speed.
 *   n8n-ai-workflow-eval invoice <folder> [--json] [--verbose] [--limit N]
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import { OcrSession, readDocument } from '../../nodes/shared/documents';
import { runLocalEngine } from '../../nodes/shared/invoice/engine';
import { getPath, type Invoice } from '../../nodes/shared/invoice/schema';
import { parseDate } from '../../nodes/shared/invoice/dates';
import { expectedCalibrationError } from '../../nodes/shared/localClassifier/calibration';

/** invoice2data field → path in our record. */
export const FIELD_MAP: Record<string, string> = {
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
	/** Amount due where printed, else the total (receipts). */
	amount_payable: 'amountDue|invoiceTotal',
};

const LEGAL_FORMS = /\b(gmbh|ag|kg|inc|ltd|llc|limited|sarl|sas|sa|plc|corp|co|pvt)\b/g;

/** Exact match after the normalisation a finance user would accept (case, spacing, "#", legal form). */
export function sameValue(path: string, expected: unknown, actual: unknown): boolean {
	if (actual === null || actual === undefined) return false;
	if (typeof expected === 'number') return typeof actual === 'number' && Math.abs(actual - expected) < 0.005;
	const norm = (v: unknown) => String(v).toLowerCase().replace(/^#\s*/, '').replace(/\s+/g, '');
	if (path === 'vendor.name' || path === 'customer.name') {
		const name = (v: unknown) => String(v).toLowerCase().replace(/[.,&'’]/g, ' ').replace(LEGAL_FORMS, ' ').replace(/\s+/g, ' ').trim();
		return name(expected) === name(actual);
	}
	return norm(expected) === norm(actual);
}

interface Observation {
	document: string;
	ocr: boolean;
	field: string;
	correct: boolean;
	confidence: number;
	expected: unknown;
	actual: unknown;
}

/** ECE of field confidences in 10 bins (the classifier's implementation, shared). */
export function fieldCalibrationError(observations: Array<{ correct: boolean; confidence: number }>, bins = 10): number {
	return expectedCalibrationError(
		observations.map((o) => o.confidence),
		observations.map((o) => o.correct),
		bins,
	);
}

/** SROIE keys are as printed: the company as issuer, the date (day first) and total normalised. */
function fromSroie(key: { company?: string; date?: string; total?: string }): Record<string, unknown> {
	const total = key.total ? Number(key.total.replace(/[^\d.]/g, '')) : undefined;
	// The SROIE total is what was paid: the rounded amount due where the receipt prints one.
	return { issuer: key.company, date: key.date ? parseDate(key.date, 'DMY') ?? undefined : undefined, amount_payable: Number.isFinite(total) ? total : undefined };
}

const DOCUMENT_EXTENSIONS = ['.pdf', '.png', '.jpg', '.jpeg', '.tif', '.tiff', '.webp'];

export async function runInvoiceEvaluation(argv: string[]): Promise<number> {
	const args = argv.filter((a) => !a.startsWith('--'));
	const verbose = argv.includes('--verbose');
	if (args[0] !== 'invoice' || !args[1]) {
		console.error('usage: eval invoice <folder> [--verbose] [--json] [--limit N]');
		return 2;
	}
	const folder = args[1];
	const limit = Number(argv[argv.indexOf('--limit') + 1]) || Infinity;
	// SROIE layout (img/NNN.jpg + key/NNN.json with company/date/total as printed) or ours (<name>.json beside).
	const sroie = existsSync(join(folder, 'img')) && existsSync(join(folder, 'key'));
	const documentFolder = sroie ? join(folder, 'img') : folder;
	const expectedPath = (file: string) => (sroie ? join(folder, 'key', `${basename(file, extname(file))}.json`) : join(folder, `${basename(file, extname(file))}.json`));
	const files = readdirSync(documentFolder)
		.filter((f) => DOCUMENT_EXTENSIONS.includes(extname(f).toLowerCase()))
		.filter((f) => existsSync(expectedPath(f)))
		.sort()
		.slice(0, limit);
	const ocr = new OcrSession();
	const observations: Observation[] = [];
	const speed = { textPages: 0, textMs: 0, ocrPages: 0, ocrMs: 0 };
	try {
		for (const file of files) {
			const expectedRaw = JSON.parse(readFileSync(expectedPath(file), 'utf8'));
			const expected = sroie ? fromSroie(expectedRaw) : Array.isArray(expectedRaw) ? expectedRaw[0] : expectedRaw;
			const started = performance.now();
			const document = await readDocument(readFileSync(join(documentFolder, file)), { ocr });
			const result = runLocalEngine(document);
			const elapsed = performance.now() - started;
			const ocrPages = document.pages.filter((p) => p.source === 'ocr').length;
			if (ocrPages) {
				speed.ocrPages += document.pages.length;
				speed.ocrMs += elapsed;
			} else {
				speed.textPages += document.pages.length;
				speed.textMs += elapsed;
			}
			for (const [key, path] of Object.entries(FIELD_MAP)) {
				if (expected[key] === undefined || expected[key] === null || expected[key] === '') continue;
				const paths = path.split('|');
				const used = paths.find((p) => getPath(result.invoice as Invoice, p) !== null) ?? paths[0];
				const actual = getPath(result.invoice as Invoice, used);
				const correct = sameValue(used, expected[key], actual);
				observations.push({ document: file, ocr: ocrPages > 0, field: path, correct, confidence: result.fieldConfidence[used] ?? 0, expected: expected[key], actual });
				if (verbose && !correct) console.log(`  ✗ ${file} ${path}: expected ${JSON.stringify(expected[key])}, got ${JSON.stringify(actual)} (confidence ${result.fieldConfidence[used]})`);
			}
		}
	} finally {
		await ocr.close();
	}
	const fields = [...new Set(observations.map((o) => o.field))];
	const perField = fields.map((field) => {
		const list = observations.filter((o) => o.field === field);
		return { field, n: list.length, accuracy: list.filter((o) => o.correct).length / list.length, meanConfidence: list.reduce((s, o) => s + o.confidence, 0) / list.length };
	});
	const overall = observations.filter((o) => o.correct).length / Math.max(1, observations.length);
	const ece = fieldCalibrationError(observations);
	const summary = {
		documents: files.length,
		fieldsScored: observations.length,
		overallAccuracy: overall,
		ece,
		textLayerMsPerPage: speed.textPages ? speed.textMs / speed.textPages : null,
		ocrSecondsPerPage: speed.ocrPages ? speed.ocrMs / speed.ocrPages / 1000 : null,
		perField,
	};
	if (argv.includes('--json')) {
		console.log(JSON.stringify(summary, null, 2));
		return 0;
	}
	console.log(`Invoice extraction (local engine) on ${files.length} documents, ${observations.length} fields`);
	for (const f of perField) console.log(`  ${f.field.padEnd(16)} ${(f.accuracy * 100).toFixed(0).padStart(4)}%  (n=${f.n}, mean confidence ${f.meanConfidence.toFixed(2)})`);
	console.log(`Overall exact-match accuracy: ${(overall * 100).toFixed(1)}%`);
	for (const [name, ocr] of [['text layer', false], ['OCR', true]] as const) {
		const part = observations.filter((o) => o.ocr === ocr);
		if (part.length) console.log(`  ${name}: ${((part.filter((o) => o.correct).length / part.length) * 100).toFixed(1)}% of ${part.length} fields, ECE ${fieldCalibrationError(part).toFixed(3)}`);
	}
	console.log(`Field-confidence ECE (10 bins): ${ece.toFixed(3)}`);
	if (summary.textLayerMsPerPage !== null) console.log(`Text-layer PDF: ${summary.textLayerMsPerPage.toFixed(0)} ms/page (first document includes loading pdf.js)`);
	if (summary.ocrSecondsPerPage !== null) console.log(`OCR: ${summary.ocrSecondsPerPage.toFixed(1)} s/page (first page includes starting the OCR worker)`);
	return 0;
}
