import { detectDocumentKind } from './detect';
import { OcrSession } from './ocr';
import { readPdf } from './pdf';
import { prepareForOcr } from './image';
import { wordsFromPlainText } from './words';
import { DocumentError, type ReadDocument } from './types';

export * from './types';
export { detectDocumentKind } from './detect';
export { OcrSession, OCR_LANGUAGES, type OcrLanguage } from './ocr';
export { readPdf, renderPdfPage } from './pdf';
export { wordsFromPlainText } from './words';

export interface ReadOptions {
	/** Read at most this many pages of a PDF (0 or absent: all). */
	maxPages?: number;
	/** Needed for images and for PDF pages without a text layer. */
	ocr?: OcrSession;
}

/** Reads a PDF or an image into positioned words. Throws DocumentError on unusable input. */
export async function readDocument(data: Uint8Array, options: ReadOptions = {}): Promise<ReadDocument> {
	const kind = detectDocumentKind(data);
	if (kind === 'pdf') {
		const { pages, pageCount } = await readPdf(data, options);
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
	const prepared = await prepareForOcr(Buffer.from(data));
	const result = await options.ocr.recognise(prepared.image, 1, prepared.scale);
	if (result.words.length === 0) {
		throw new DocumentError('NO_TEXT', `OCR found no text in the ${kind.toUpperCase()} image`, 'Send a sharper photo or scan: straight, well lit, at least 150 dpi.');
	}
	return {
		kind,
		pages: [{ number: 1, width: prepared.width || result.width, height: prepared.height || result.height, source: 'ocr', words: result.words }],
		pageCount: 1,
		truncated: false,
	};
}

/** Plain text (a text field instead of a file) as one page of words. */
export function readText(text: string): ReadDocument {
	if (!text.trim()) {
		throw new DocumentError('EMPTY', 'The text is empty', 'Map the field that holds the invoice text (for example the email body).');
	}
	return { kind: 'text', pages: [{ number: 1, width: 0, height: 0, source: 'text-layer', words: wordsFromPlainText(text) }], pageCount: 1, truncated: false };
}
