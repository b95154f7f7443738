import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { loadEsm, nodeRequire } from './esm';
import { MAX_IMAGE_PIXELS, renderScale } from './limits';
import type { OcrSession } from './ocr';
import { splitRun } from './words';
import { textLayerQuality } from './textQuality';
import { DocumentError, type DocumentPage, type PositionedWord } from './types';

/* The parts of pdfjs-dist's API used here (its own types are ESM-only declarations). */
interface TextItem {
	str: string;
	transform: number[];
	width: number;
	height: number;
}
interface Viewport {
	width: number;
	height: number;
}
interface PdfPage {
	view: number[];
	getViewport(options: { scale: number }): Viewport;
	getTextContent(): Promise<{ items: Array<TextItem | { type: string }> }>;
	render(options: Record<string, unknown>): { promise: Promise<void> };
	cleanup(): void;
}
interface PdfDocument {
	numPages: number;
	getPage(number: number): Promise<PdfPage>;
	destroy(): Promise<void>;
}
interface Pdfjs {
	getDocument(options: Record<string, unknown>): { promise: Promise<PdfDocument>; destroy(): Promise<void> };
	GlobalWorkerOptions: { workerSrc: string };
	VerbosityLevel: { ERRORS: number };
}
interface Canvas {
	getContext(kind: '2d'): unknown;
	toBuffer(mime: 'image/png'): Buffer;
}

let pdfjsPromise: Promise<Pdfjs> | undefined;

const pdfjsFolder = (): string => dirname(require.resolve('pdfjs-dist/package.json'));

async function pdfjs(): Promise<Pdfjs> {
	if (!pdfjsPromise) {
		pdfjsPromise = loadEsm<Pdfjs>('pdfjs-dist/legacy/build/pdf.mjs').then((lib) => {
			// In Node pdf.js runs its parser in this thread ("fake worker") from this file.
			lib.GlobalWorkerOptions.workerSrc = pathToFileURL(join(pdfjsFolder(), 'legacy/build/pdf.worker.mjs')).href;
			return lib;
		});
	}
	return pdfjsPromise;
}

/** A page has a usable text layer when it carries at least this many visible characters. */
const MIN_TEXT_LAYER_CHARS = 20;
/** Rendering scale for OCR: 2.5 × 72 dpi = 180 dpi, enough for 9 pt print. */
const OCR_SCALE = 2.5;

export interface PdfReadOptions {
	maxPages?: number;
	/** How many of the document's pages to read, decided from their count (instead of maxPages); may refuse. */
	pagesToRead?: (pageCount: number) => number;
	ocr?: OcrSession;
	password?: string;
}

export interface PdfRead {
	pages: DocumentPage[];
	pageCount: number;
}

function classify(error: unknown): DocumentError {
	const name = (error as { name?: string })?.name ?? '';
	const message = error instanceof Error ? error.message : String(error);
	if (name === 'PasswordException') {
		return new DocumentError(
			'ENCRYPTED',
			'The PDF is password-protected',
			'Remove the password (print to PDF or use qpdf --decrypt) before sending it, or ask the supplier for an unprotected copy.',
		);
	}
	return new DocumentError(
		'CORRUPT',
		`The PDF could not be opened: ${message}`,
		'The file is damaged or not a complete PDF: download it again from the source (a truncated email attachment is a common cause).',
	);
}

function textLayerWords(items: Array<TextItem | { type: string }>, pageHeight: number, pageNumber: number): PositionedWord[] {
	const words: PositionedWord[] = [];
	for (const item of items) {
		if (!('str' in item) || !item.str.trim()) continue;
		const [a, b, c, d, e, f] = item.transform;
		const fontSize = Math.hypot(c, d) || Math.hypot(a, b) || item.height || 10;
		// Rotated runs keep their anchor; layout analysis treats them like horizontal ones.
		const x0 = e;
		const baseline = pageHeight - f;
		// One by one: a run may hold more words than a call can take as arguments.
		for (const word of splitRun(item.str, { x0, x1: x0 + (item.width || fontSize * 0.5 * item.str.length), y0: baseline - fontSize * 0.8, y1: baseline + fontSize * 0.2 }, pageNumber)) words.push(word);
	}
	return words;
}

async function rasterise(page: PdfPage, scale: number): Promise<Buffer> {
	const { createCanvas } = nodeRequire('@napi-rs/canvas') as { createCanvas(w: number, h: number): Canvas };
	const viewport = page.getViewport({ scale });
	const canvas = createCanvas(Math.ceil(viewport.width), Math.ceil(viewport.height));
	const context = canvas.getContext('2d') as { fillStyle: string; fillRect(x: number, y: number, w: number, h: number): void };
	context.fillStyle = '#ffffff';
	context.fillRect(0, 0, Math.ceil(viewport.width), Math.ceil(viewport.height));
	await page.render({ canvas, canvasContext: context, viewport }).promise;
	return canvas.toBuffer('image/png');
}

/** Renders one page to PNG (used for OCR and for page previews). */
export async function renderPdfPage(data: Uint8Array, pageNumber: number, scale = OCR_SCALE): Promise<Buffer> {
	const doc = await openPdf(data);
	try {
		const page = await doc.getPage(pageNumber);
		const size = page.getViewport({ scale: 1 });
		return await rasterise(page, renderScale(size.width, size.height, scale, pageNumber));
	} finally {
		await doc.destroy();
	}
}

async function openPdf(data: Uint8Array, password?: string): Promise<PdfDocument> {
	const lib = await pdfjs();
	const folder = pdfjsFolder();
	const task = lib.getDocument({
		// pdf.js takes ownership of (detaches) the buffer it is given: hand it a copy.
		data: new Uint8Array(data),
		password,
		isEvalSupported: false,
		disableFontFace: true,
		useSystemFonts: false,
		// Larger images embedded in a page are not decoded (pdf.js draws nothing for them).
		maxImageSize: MAX_IMAGE_PIXELS,
		standardFontDataUrl: join(folder, 'standard_fonts') + '/',
		cMapUrl: join(folder, 'cmaps') + '/',
		cMapPacked: true,
		verbosity: lib.VerbosityLevel.ERRORS,
	});
	try {
		return await task.promise;
	} catch (error) {
		await task.destroy().catch(() => undefined);
		throw classify(error);
	}
}

/** Words of a PDF: the text layer where a page has one, OCR of the rendered page where not. */
export async function readPdf(data: Uint8Array, options: PdfReadOptions = {}): Promise<PdfRead> {
	const doc = await openPdf(data, options.password);
	try {
		const pageCount = doc.numPages;
		const last = options.pagesToRead ? options.pagesToRead(pageCount) : Math.min(pageCount, options.maxPages && options.maxPages > 0 ? options.maxPages : pageCount);
		const pages: DocumentPage[] = [];
		for (let number = 1; number <= last; number++) {
			let page: PdfPage;
			try {
				page = await doc.getPage(number);
			} catch (error) {
				throw classify(error);
			}
			const viewport = page.getViewport({ scale: 1 });
			const content = await page.getTextContent().catch((error: unknown) => {
				throw classify(error);
			});
			const words = textLayerWords(content.items, viewport.height, number);
			const visibleChars = words.reduce((sum, w) => sum + w.text.length, 0);
			// A layer of control characters or symbols is no text: the rendered page is OCR'd instead.
			if ((visibleChars >= MIN_TEXT_LAYER_CHARS && textLayerQuality(words).readable) || !options.ocr) {
				pages.push({ number, width: viewport.width, height: viewport.height, source: 'text-layer', words });
			} else {
				const scale = renderScale(viewport.width, viewport.height, OCR_SCALE, number);
				const image = await rasterise(page, scale);
				const ocr = await options.ocr.recognise(image, number, scale);
				pages.push({ number, width: viewport.width, height: viewport.height, source: 'ocr', words: ocr.words });
			}
			page.cleanup();
		}
		return { pages, pageCount };
	} finally {
		await doc.destroy();
	}
}
