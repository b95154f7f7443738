/** What document reading hands to the extractors: words with positions, page by page. */

export type DocumentKind = 'pdf' | 'png' | 'jpeg' | 'tiff' | 'webp';

/** One word with its box in the page's own units (PDF points or image pixels), origin top-left. */
export interface PositionedWord {
	text: string;
	page: number;
	x0: number;
	y0: number;
	x1: number;
	y1: number;
	/** 0..1; OCR confidence, 1 for a PDF text layer. */
	confidence: number;
}

export interface DocumentPage {
	number: number;
	width: number;
	height: number;
	source: 'text-layer' | 'ocr';
	words: PositionedWord[];
}

export interface ReadDocument {
	kind: DocumentKind | 'text';
	pages: DocumentPage[];
	/** Pages in the file; more than `pages.length` when the page limit cut the document. */
	pageCount: number;
	truncated: boolean;
}

export type DocumentErrorCode =
	| 'EMPTY'
	| 'UNKNOWN_TYPE'
	| 'CORRUPT'
	| 'ENCRYPTED'
	| 'NO_TEXT'
	| 'OCR_FAILED'
	/** Over one of the budgets in limits.ts (the message names it). */
	| 'OVER_LIMIT'
	/** A variant of a format the reader does not read (animated WebP, an unknown TIFF compression). */
	| 'UNSUPPORTED'
	/** The reader process crashed, ran out of its memory or time on this document. */
	| 'READER_FAILED';

/** A document the reader cannot use; `hint` says what the user can do about it. */
export class DocumentError extends Error {
	constructor(
		readonly code: DocumentErrorCode,
		message: string,
		readonly hint: string,
	) {
		super(message);
		this.name = 'DocumentError';
	}
}
