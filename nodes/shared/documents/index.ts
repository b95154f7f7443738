import { MAX_TEXT_CHARS } from './limits';
import type { OcrLanguage } from './ocr';
import { preflight } from './preflight';
import { documentReaders } from './readerPool';
import { wordsFromPlainText } from './words';
import { DocumentError, type ReadDocument } from './types';

export * from './types';
export { detectDocumentKind } from './detect';
export { OcrSession, OCR_LANGUAGES, type OcrLanguage } from './ocr';
export { readPdf, renderPdfPage } from './pdf';
export { wordsFromPlainText } from './words';
export { MAX_TEXT_CHARS } from './limits';
export { checkFileSize } from './preflight';

export interface ReadOptions {
	/** Read at most this many pages of a PDF or TIFF (0 or absent: all, up to the page budget). */
	maxPages?: number;
	/** OCR in these languages, needed for images and for PDF pages without a text layer (an OcrSession will do). */
	ocr?: { readonly languages: readonly OcrLanguage[] };
}

/**
 * Reads a PDF or an image into positioned words. The file is checked here first (type, size, page
 * sizes: preflight.ts), then read in a reader process (readerPool.ts), so a file that crashes or
 * exhausts its decoder fails only this call. Throws DocumentError on unusable input.
 */
export async function readDocument(data: Uint8Array, options: ReadOptions = {}): Promise<ReadDocument> {
	preflight(data, options.maxPages);
	return (await documentReaders().read({
		op: 'read',
		data,
		maxPages: options.maxPages,
		ocrLanguages: options.ocr ? [...options.ocr.languages] : undefined,
	})) as ReadDocument;
}

/** Plain text (a text field instead of a file) as one page of words. */
export function readText(text: string): ReadDocument {
	if (text.length > MAX_TEXT_CHARS) {
		throw new DocumentError(
			'OVER_LIMIT',
			`The text is ${text.length.toLocaleString('en-US')} characters long, over the limit of ${MAX_TEXT_CHARS.toLocaleString('en-US')} for one document`,
			'Map only the invoice text (for example the email body without its attachments or quoted history).',
		);
	}
	if (!text.trim()) {
		throw new DocumentError('EMPTY', 'The text is empty', 'Map the field that holds the invoice text (for example the email body).');
	}
	return { kind: 'text', pages: [{ number: 1, width: 0, height: 0, source: 'text-layer', words: wordsFromPlainText(text) }], pageCount: 1, truncated: false };
}
