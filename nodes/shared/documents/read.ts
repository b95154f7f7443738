/**
 * Reading a document in this process: pdf.js, the canvas, UTIF and tesseract. This is what the
 * reader process runs (readerChild.ts); n8n's own process calls readDocument (index.ts), which
 * checks the file first and sends it there.
 */
import { detectDocumentKind } from './detect';
import { prepareForOcr } from './image';
import { MAX_TEXT_CHARS } from './limits';
import type { OcrSession } from './ocr';
import { readPdf } from './pdf';
import { pagesToRead } from './preflight';
import { tiffDirectories, tiffPagePng } from './tiff';
import { DocumentError, type DocumentPage, type ReadDocument } from './types';

export interface InProcessReadOptions {
	/** Read at most this many pages of a PDF or TIFF (0 or absent: all, up to MAX_PAGES). */
	maxPages?: number;
	/** Needed for images and for PDF pages without a text layer. */
	ocr?: OcrSession;
}

export async function readDocumentInProcess(data: Uint8Array, options: InProcessReadOptions = {}): Promise<ReadDocument> {
	const document = await readByKind(data, options);
	checkTextBudget(document);
	return document;
}

async function readByKind(data: Uint8Array, options: InProcessReadOptions): Promise<ReadDocument> {
	const kind = detectDocumentKind(data);
	if (kind === 'pdf') {
		// The page count (and the page budget) decides before any page is read.
		const { pages, pageCount } = await readPdf(data, { ...options, pagesToRead: (count) => pagesToRead(count, options.maxPages, 'PDF') });
		if (pages.every((p) => p.words.length === 0)) {
			throw new DocumentError(
				'NO_TEXT',
				'The PDF has no readable text on its pages',
				'The pages are blank or the scan is unreadable: send a clearer scan (at least 150 dpi).',
			);
		}
		return { kind, pages, pageCount, truncated: pages.length < pageCount };
	}
	if (!options.ocr) {
		throw new DocumentError('OCR_FAILED', `A ${kind.toUpperCase()} image needs OCR, which is turned off`, 'Turn on OCR in the node options.');
	}
	const ocr = options.ocr;
	if (kind === 'tiff') {
		const tiff = tiffDirectories(data);
		const count = pagesToRead(tiff.directories.length, options.maxPages, 'TIFF');
		const pages: DocumentPage[] = [];
		for (let number = 1; number <= count; number++) pages.push(await ocrImagePage(tiffPagePng(tiff, number).png, number, ocr));
		return noTextUnlessWords({ kind, pages, pageCount: tiff.directories.length, truncated: count < tiff.directories.length });
	}
	return noTextUnlessWords({ kind, pages: [await ocrImagePage(Buffer.from(data), 1, ocr)], pageCount: 1, truncated: false });
}

async function ocrImagePage(image: Buffer, number: number, ocr: OcrSession): Promise<DocumentPage> {
	const prepared = await prepareForOcr(image);
	const result = await ocr.recognise(prepared.image, number, prepared.scale);
	return { number, width: prepared.width || result.width, height: prepared.height || result.height, source: 'ocr', words: result.words };
}

function noTextUnlessWords(document: ReadDocument): ReadDocument {
	if (document.pages.every((page) => page.words.length === 0)) {
		const kind = document.kind.toUpperCase();
		throw new DocumentError('NO_TEXT', `OCR found no text in the ${kind} image`, 'Send a sharper photo or scan: straight, well lit, at least 150 dpi.');
	}
	return document;
}

/** A document that holds more text than any invoice is refused before the text reaches n8n. */
export function checkTextBudget(document: ReadDocument): void {
	let characters = 0;
	for (const page of document.pages) for (const word of page.words) characters += word.text.length;
	if (characters > MAX_TEXT_CHARS) {
		throw new DocumentError(
			'OVER_LIMIT',
			`The ${document.kind === 'text' ? 'text' : `${document.kind.toUpperCase()} file`} holds ${characters.toLocaleString('en-US')} characters of text, over the limit of ${MAX_TEXT_CHARS.toLocaleString('en-US')} for one document`,
			'Send the invoice alone, not a whole archive or report; set Max Pages to read only the first pages.',
		);
	}
}
