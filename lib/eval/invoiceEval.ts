/**
 * Evaluates the local invoice extractor on a folder of documents (PDF, image or .txt) with expected
 * values (see invoiceTruth.ts for the layouts): per-field exact-match accuracy, field-confidence
 * calibration (ECE, 10 bins), the confident errors (wrong at ≥ 0.9) and speed.
 *   n8n-ai-workflow-eval invoice <folder> [--half 1|2] [--reference-text] [--verbose] [--json] [--limit N]
 * A truth value the evaluation cannot read is counted as a miss and listed, never dropped.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { OcrSession, readDocument, readText, type ReadDocument } from '../../nodes/shared/documents';
import { runLocalEngine, type LocalResult } from '../../nodes/shared/invoice/engine';
import { getPath, setPath, type Invoice } from '../../nodes/shared/invoice/schema';
import { buildLines } from '../../nodes/shared/invoice/layout';
import { learnVendorMemory, pickMemory, recordVendorKeys, type VendorMemory } from '../../nodes/shared/invoice/vendorMemory';
import { expectedCalibrationError } from '../../nodes/shared/localClassifier/calibration';
import { loadTruth, type TruthDocument } from './invoiceTruth';

export { INVOICE2DATA_FIELDS as FIELD_MAP } from './invoiceTruth';

const LEGAL_FORMS = /\b(gmbh|ag|kg|inc|ltd|llc|limited|sarl|sas|sa|plc|corp|co|pvt|bv|nv|srl|spa|sl|lda|sp|zoo|enterprise|trading)\b/g;

/** Exact match after the normalisation a finance user would accept (case, spacing, "#", legal form). */
export function sameValue(path: string, expected: unknown, actual: unknown): boolean {
	if (actual === null || actual === undefined) return false;
	if (typeof expected === 'number') return typeof actual === 'number' && Math.abs(actual - expected) < 0.005;
	const norm = (v: unknown) => String(v).toLowerCase().replace(/^#\s*/, '').replace(/[\s.\-]+/g, '');
	if (path.endsWith('.name')) {
		const name = (v: unknown) =>
			String(v)
				.toLowerCase()
				.normalize('NFKD')
				.replace(/[\u0300-\u036f]/g, '')
				.replace(/^(?:dhr|mevr|herrn?|frau|mr|mrs|ms|sr|sra|m|mme|pan|pani)\.?\s+/, '')
				.replace(/[.,&'’()\-/]/g, ' ')
				.replace(LEGAL_FORMS, ' ')
				.replace(/\s+/g, '');
		return name(expected) === name(actual);
	}
	if (path.endsWith('address')) {
		const address = (v: unknown) => String(v).toLowerCase().replace(/[^\p{L}\p{N}]+/gu, '');
		return address(expected) === address(actual);
	}
	return norm(expected) === norm(actual);
}

export interface Observation {
	document: string;
	ocr: boolean;
	field: string;
	/** The path of the record that was compared (for `amountDue|invoiceTotal`, the one that was set). */
	path: string;
	correct: boolean;
	confidence: number;
	expected: unknown;
	actual: unknown;
	/** The truth is null (the document prints no such value) but the engine returned one. */
	spurious?: boolean;
	/** The truth value could not be read: counted as a miss. */
	unparsed?: string;
}

/** ECE of field confidences in 10 bins (the classifier's implementation, shared). */
export function fieldCalibrationError(observations: Array<{ correct: boolean; confidence: number }>, bins = 10): number {
	return expectedCalibrationError(
		observations.map((o) => o.confidence),
		observations.map((o) => o.correct),
		bins,
	);
}

/** Compares one extraction with its truth: scored fields (non-null truth) and spurious values (null truth). */
export function scoreDocument(document: TruthDocument, result: Pick<LocalResult, 'invoice' | 'fieldConfidence'>, ocr: boolean): Observation[] {
	const observations: Observation[] = [];
	for (const [field, truth] of Object.entries(document.fields)) {
		const paths = field.split('|');
		const used = paths.find((p) => getPath(result.invoice as Invoice, p) !== null && getPath(result.invoice as Invoice, p) !== undefined) ?? paths[0];
		const actual = getPath(result.invoice as Invoice, used) ?? null;
		const confidence = result.fieldConfidence[used] ?? 0;
		const base = { document: document.name, ocr, field, path: used, confidence, actual };
		if (truth.unparsed !== undefined) {
			observations.push({ ...base, correct: false, expected: truth.unparsed, unparsed: truth.unparsed });
			continue;
		}
		if (truth.value === null) {
			if (actual !== null) observations.push({ ...base, correct: false, expected: null, spurious: true });
			continue;
		}
		observations.push({ ...base, correct: sameValue(used, truth.value, actual), expected: truth.value });
	}
	return observations;
}

export interface EvaluationSummary {
	documents: number;
	fieldsScored: number;
	headerAccuracy: number;
	ece: number;
	perField: Array<{ field: string; n: number; accuracy: number; meanConfidence: number; spurious: number }>;
	confidentErrors: Observation[];
	unparsedTruth: Observation[];
	ocrSecondsPerPageMedian: number | null;
	textLayerMsPerPageMedian: number | null;
	failures: Array<{ document: string; error: string }>;
}

const median = (values: number[]): number | null => (values.length ? [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] : null);

/** Observations that count for accuracy: a non-null truth (spurious values are reported apart). */
const scored = (observations: Observation[]) => observations.filter((o) => !o.spurious && o.field !== 'vendor.address');

export function summarise(observations: Observation[], documents: number, timings: { ocr: number[]; text: number[] }, failures: EvaluationSummary['failures']): EvaluationSummary {
	const counted = scored(observations);
	const fields = [...new Set(observations.map((o) => o.field))];
	const perField = fields.map((field) => {
		const list = counted.filter((o) => o.field === field);
		return {
			field,
			n: list.length,
			accuracy: list.length ? list.filter((o) => o.correct).length / list.length : NaN,
			meanConfidence: list.length ? list.reduce((s, o) => s + o.confidence, 0) / list.length : NaN,
			spurious: observations.filter((o) => o.field === field && o.spurious).length,
		};
	});
	const calibrated = observations.filter((o) => o.field !== 'vendor.address');
	return {
		documents,
		fieldsScored: counted.length,
		headerAccuracy: counted.filter((o) => o.correct).length / Math.max(1, counted.length),
		ece: fieldCalibrationError(calibrated),
		perField,
		confidentErrors: calibrated.filter((o) => !o.correct && o.confidence >= 0.9),
		unparsedTruth: observations.filter((o) => o.unparsed !== undefined),
		ocrSecondsPerPageMedian: median(timings.ocr),
		textLayerMsPerPageMedian: median(timings.text),
		failures,
	};
}

export interface EvaluationOptions {
	half?: 1 | 2;
	limit?: number;
	/** SROIE: read the reference OCR text (box files) instead of running OCR. */
	referenceText?: boolean;
	/** A folder keeping each document's words once read (development: skips OCR on later runs). */
	cache?: string;
	/** Field confidence before calibration (to fit the calibration). */
	rawConfidence?: boolean;
	verbose?: boolean;
	log?: (line: string) => void;
}

/** The documents of one half: every other document of the sorted list (1: the 1st, 3rd…; 2: the 2nd, 4th…). */
export function pickHalf<T>(documents: T[], half: 1 | 2 | undefined): T[] {
	return half ? documents.filter((_, index) => index % 2 === half - 1) : documents;
}

async function readFor(document: TruthDocument, ocr: OcrSession, referenceText: boolean, cache?: string): Promise<ReadDocument> {
	const cached = cache ? join(cache, `${document.name}.words.json`) : undefined;
	if (cached && !referenceText && existsSync(cached)) return JSON.parse(readFileSync(cached, 'utf8')) as ReadDocument;
	const read = await readUncached(document, ocr, referenceText);
	if (cached && !referenceText) {
		mkdirSync(cache as string, { recursive: true });
		writeFileSync(cached, JSON.stringify(read));
	}
	return read;
}

async function readUncached(document: TruthDocument, ocr: OcrSession, referenceText: boolean): Promise<ReadDocument> {
	if (referenceText && document.referenceWords) {
		return { kind: 'jpeg', pages: [{ number: 1, width: 0, height: 0, source: 'ocr', words: document.referenceWords }], pageCount: 1, truncated: false };
	}
	if (document.path.toLowerCase().endsWith('.txt')) return readText(readFileSync(document.path, 'utf8'));
	return readDocument(readFileSync(document.path), { ocr });
}

export async function evaluateFolder(folder: string, options: EvaluationOptions = {}): Promise<{ summary: EvaluationSummary; observations: Observation[] }> {
	const log = options.log ?? (() => undefined);
	const { documents: all } = loadTruth(folder);
	const documents = pickHalf(all, options.half).slice(0, options.limit ?? Infinity);
	const ocr = new OcrSession();
	const observations: Observation[] = [];
	const timings = { ocr: [] as number[], text: [] as number[] };
	const failures: EvaluationSummary['failures'] = [];
	try {
		for (const document of documents) {
			const started = performance.now();
			let read: ReadDocument;
			try {
				read = await readFor(document, ocr, options.referenceText ?? false, options.cache);
			} catch (error) {
				// A document that cannot be read misses every field it should have given.
				failures.push({ document: document.name, error: (error as Error).message });
				observations.push(...scoreDocument(document, { invoice: {} as Invoice, fieldConfidence: {} }, false));
				continue;
			}
			const result = runLocalEngine(read, { rawConfidence: options.rawConfidence });
			const elapsed = performance.now() - started;
			const ocrPages = read.pages.filter((p) => p.source === 'ocr').length;
			if (!(options.referenceText && document.referenceWords)) (ocrPages ? timings.ocr : timings.text).push(ocrPages ? elapsed / 1000 / read.pages.length : elapsed / read.pages.length);
			const found = scoreDocument(document, result, ocrPages > 0);
			observations.push(...found);
			if (options.verbose) {
				for (const o of found.filter((x) => !x.correct)) {
					const why = o.unparsed !== undefined ? ' (truth not parsed: counted as a miss)' : o.spurious ? ' (document prints none)' : '';
					log(`  ✗ ${o.document} ${o.field}: expected ${JSON.stringify(o.expected)}, got ${JSON.stringify(o.actual)} (confidence ${o.confidence})${why}`);
				}
			}
		}
	} finally {
		await ocr.close();
	}
	return { summary: summarise(observations, documents.length, timings, failures), observations };
}

export function formatSummary(summary: EvaluationSummary, observations: Observation[]): string[] {
	const lines: string[] = [];
	const pct = (n: number) => `${(n * 100).toFixed(1)}%`;
	lines.push(`Invoice extraction (local engine) on ${summary.documents} documents, ${summary.fieldsScored} truth values scored`);
	for (const f of summary.perField) {
		if (f.field === 'vendor.address') continue;
		lines.push(`  ${f.field.padEnd(22)} ${f.n ? pct(f.accuracy).padStart(6) : '     –'}  (n=${f.n}, mean confidence ${Number.isNaN(f.meanConfidence) ? '–' : f.meanConfidence.toFixed(2)}${f.spurious ? `, ${f.spurious} value(s) where the document prints none` : ''})`);
	}
	const address = summary.perField.find((f) => f.field === 'vendor.address');
	if (address?.n) lines.push(`  (vendor.address, not in the header figure: ${pct(address.accuracy)} of ${address.n})`);
	lines.push(`Header fields exactly right: ${pct(summary.headerAccuracy)}`);
	for (const [name, ocr] of [['text layer', false], ['OCR', true]] as const) {
		const part = scored(observations).filter((o) => o.ocr === ocr);
		if (part.length) lines.push(`  ${name}: ${pct(part.filter((o) => o.correct).length / part.length)} of ${part.length} values`);
	}
	lines.push(`Field-confidence ECE (10 bins): ${summary.ece.toFixed(3)}`);
	lines.push(`Confident errors (wrong at ≥ 0.9): ${summary.confidentErrors.length}`);
	for (const o of summary.confidentErrors) lines.push(`  ${o.document} ${o.field}: expected ${JSON.stringify(o.expected)}, got ${JSON.stringify(o.actual)} at ${o.confidence}`);
	if (summary.unparsedTruth.length) {
		lines.push(`Truth values the evaluation could not parse (counted as misses): ${summary.unparsedTruth.length}`);
		for (const o of summary.unparsedTruth) lines.push(`  ${o.document} ${o.field}: ${JSON.stringify(o.unparsed)}`);
	}
	for (const f of summary.failures) lines.push(`Unreadable: ${f.document}: ${f.error} (its fields count as misses)`);
	if (summary.textLayerMsPerPageMedian !== null) lines.push(`Text layer: ${summary.textLayerMsPerPageMedian.toFixed(0)} ms/page (median; reading + extraction)`);
	if (summary.ocrSecondsPerPageMedian !== null) lines.push(`OCR: ${summary.ocrSecondsPerPageMedian.toFixed(2)} s/page (median; reading + OCR + extraction)`);
	return lines;
}

/** The record a reviewer would leave: the extraction with every truth value put in. */
function corrected(document: TruthDocument, invoice: Invoice): Invoice {
	const record = JSON.parse(JSON.stringify(invoice)) as Invoice;
	for (const [field, truth] of Object.entries(document.fields)) {
		if (truth.unparsed !== undefined) continue;
		const path = field.split('|')[field.includes('|') && getPath(record, 'amountDue') === null ? 1 : 0];
		setPath(record as unknown as Record<string, unknown>, path, truth.value);
	}
	return record;
}

const vendorOf = (document: TruthDocument): string | null => {
	const name = document.fields['vendor.name']?.value;
	return typeof name === 'string' ? name.toLowerCase().replace(/[^\p{L}\p{N}]+/gu, '') : null;
};

export interface VendorMemoryStreamSummary {
	vendors: number;
	firstDocuments: number;
	laterDocuments: number;
	/** Fields of the later invoices of each vendor, read with the memory learned from the first one's correction. */
	withMemory: EvaluationSummary;
	/** The same fields read by the general rules alone. */
	withoutMemory: EvaluationSummary;
}

/**
 * A stream of invoices in name order where each vendor appears several times: the first invoice of
 * each vendor is corrected (its truth becomes the reviewer's record, and the memory learns from it);
 * the later ones are read with the memories learned so far, found by the document's own keys.
 */
export async function evaluateVendorMemoryStream(folder: string, options: EvaluationOptions = {}): Promise<VendorMemoryStreamSummary> {
	const { documents: all } = loadTruth(folder, { boxOnly: options.referenceText });
	const counts = new Map<string, number>();
	for (const d of all) if (vendorOf(d)) counts.set(vendorOf(d)!, (counts.get(vendorOf(d)!) ?? 0) + 1);
	const documents = all.filter((d) => (counts.get(vendorOf(d) ?? '') ?? 0) >= 2).slice(0, options.limit ?? Infinity);
	const ocr = new OcrSession();
	const memories: VendorMemory[] = [];
	const seen = new Set<string>();
	const withMemory: Observation[] = [];
	const withoutMemory: Observation[] = [];
	let first = 0;
	try {
		for (const document of documents) {
			let read: ReadDocument;
			try {
				read = await readFor(document, ocr, options.referenceText ?? false, options.cache);
			} catch {
				continue;
			}
			const vendor = vendorOf(document) as string;
			const plain = runLocalEngine(read);
			if (!seen.has(vendor)) {
				seen.add(vendor);
				first++;
				const record = corrected(document, plain.invoice);
				const lines = buildLines(read.pages);
				const previous = pickMemory(memories, recordVendorKeys(record, lines))?.memory ?? null;
				const learned = learnVendorMemory(read.pages, record, previous, new Date(Date.UTC(2026, 0, 1, 0, 0, first)), { extracted: plain.invoice });
				if (previous) memories.splice(memories.indexOf(previous), 1, learned);
				else memories.push(learned);
				continue;
			}
			const remembered = runLocalEngine(read, { vendorMemories: memories });
			const ocrPages = read.pages.some((p) => p.source === 'ocr');
			withoutMemory.push(...scoreDocument(document, plain, ocrPages));
			const found = scoreDocument(document, remembered, ocrPages);
			withMemory.push(...found);
			if (options.verbose) for (const o of found.filter((x) => !x.correct)) options.log?.(`  ✗ ${o.document} ${o.field}: expected ${JSON.stringify(o.expected)}, got ${JSON.stringify(o.actual)} (confidence ${o.confidence}${remembered.vendorMemory ? `, memory ${remembered.vendorMemory.key}` : ', no memory found'})`);
		}
	} finally {
		await ocr.close();
	}
	const none = { ocr: [], text: [] };
	const later = documents.length - first;
	return { vendors: seen.size, firstDocuments: first, laterDocuments: later, withMemory: summarise(withMemory, later, none, []), withoutMemory: summarise(withoutMemory, later, none, []) };
}

export async function runInvoiceEvaluation(argv: string[]): Promise<number> {
	const args: string[] = [];
	for (let i = 0; i < argv.length; i++) {
		if (['--half', '--limit', '--cache', '--observations'].includes(argv[i])) i++;
		else if (!argv[i].startsWith('--')) args.push(argv[i]);
	}
	const value = (flag: string) => (argv.includes(flag) ? argv[argv.indexOf(flag) + 1] : undefined);
	if (args[0] !== 'invoice' || !args[1]) {
		console.error('usage: eval invoice <folder> [--half 1|2] [--reference-text] [--vendor-memory] [--cache DIR] [--observations FILE] [--raw-confidence] [--verbose] [--json] [--limit N]');
		return 2;
	}
	const half = value('--half');
	if (half !== undefined && half !== '1' && half !== '2') {
		console.error('--half takes 1 or 2');
		return 2;
	}
	if (argv.includes('--vendor-memory')) {
		const stream = await evaluateVendorMemoryStream(args[1], {
			limit: Number(value('--limit')) || undefined,
			referenceText: argv.includes('--reference-text'),
			cache: value('--cache'),
			verbose: argv.includes('--verbose'),
			log: (line) => console.log(line),
		});
		if (argv.includes('--json')) console.log(JSON.stringify(stream, null, 2));
		else {
			console.log(`Vendor memory: ${stream.vendors} vendors seen several times; the first invoice of each (${stream.firstDocuments}) corrected, the later ${stream.laterDocuments} read with what was learned`);
			const pct = (n: number) => `${(n * 100).toFixed(1)}%`;
			console.log(`  later invoices' fields right, with memory:    ${pct(stream.withMemory.headerAccuracy)} of ${stream.withMemory.fieldsScored} (ECE ${stream.withMemory.ece.toFixed(3)}, ${stream.withMemory.confidentErrors.length} wrong at ≥ 0.9)`);
			console.log(`  the same fields by the general rules alone:   ${pct(stream.withoutMemory.headerAccuracy)} of ${stream.withoutMemory.fieldsScored}`);
			for (const f of stream.withMemory.perField) console.log(`    ${f.field.padEnd(22)} ${f.n ? pct(f.accuracy).padStart(6) : '     –'} (n=${f.n})`);
		}
		return 0;
	}
	const { summary, observations } = await evaluateFolder(args[1], {
		half: half ? (Number(half) as 1 | 2) : undefined,
		limit: Number(value('--limit')) || undefined,
		referenceText: argv.includes('--reference-text'),
		cache: value('--cache'),
		rawConfidence: argv.includes('--raw-confidence'),
		verbose: argv.includes('--verbose'),
		log: (line) => console.log(line),
	});
	const observationsFile = value('--observations');
	if (observationsFile) writeFileSync(observationsFile, JSON.stringify(observations));
	if (argv.includes('--json')) console.log(JSON.stringify(summary, null, 2));
	else for (const line of formatSummary(summary, observations)) console.log(line);
	return 0;
}
