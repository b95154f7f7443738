/**
 * What one untrusted document may cost. The budgets are checked from headers before any decoder
 * sees the file (preflight) and again where pages are rendered; the reader process's own limits
 * (memory, time) catch what a header cannot show. Every refusal names the limit it hit.
 */
import { DocumentError } from './types';

/** Largest file accepted (bytes). Invoices are rarely over 10 MB; a 300-dpi A4 colour scan is ~2 MB. */
export const MAX_FILE_BYTES = 50 * 1024 * 1024;

/** Pages read from one document at most, whatever Max Pages says (0 = all up to this). */
export const MAX_PAGES = 100;

/**
 * Largest decoded image (pixels): 40 Mpx covers an A4 page scanned at 600 dpi (35 Mpx) and any phone
 * photo but a 48 Mpx one; decoded as RGBA it takes 160 MB of the reader's memory.
 */
export const MAX_IMAGE_PIXELS = 40_000_000;

/** Longest image side: the canvas (Skia) cannot make a surface wider or higher than this. */
export const MAX_IMAGE_SIDE = 30_000;

/**
 * A PDF page rendered for OCR has at most this many pixels: the rendering scale (normally 2.5 ×
 * 72 dpi = 180 dpi) is lowered for large pages, so an A3 page still renders at 180 dpi, an A0 one at
 * 76 dpi, and a huge MediaBox cannot allocate gigabytes (OCR of 9 Mpx peaks at ~370 MB).
 */
export const MAX_RENDER_PIXELS = 9_000_000;

/** Below 72 dpi (scale 1) OCR reads nothing: a page that big is refused instead of rendered. */
export const MIN_RENDER_SCALE = 1;

/**
 * Characters of text in one document (a text input, or the text read from a file): ~1 MB, some
 * 250 dense pages. The local engine reads it in n8n's own process, ~10 s at this size.
 */
export const MAX_TEXT_CHARS = 1_000_000;

/** The reader process's limits, from the environment of n8n (see README, "Hostile uploads"). */
export interface ReaderLimits {
	/** Resident memory of one reader process; over it the process is killed and the item fails. */
	memoryMb: number;
	/** Time for one document, plus `pageSeconds` for every page OCR'd so far. */
	documentSeconds: number;
	pageSeconds: number;
	/** Reader processes at most (documents read at the same time across all executions). */
	processes: number;
	/** A reader process left idle this long exits (it is started again on demand). */
	idleSeconds: number;
}

function positive(name: string, fallback: number): number {
	const raw = process.env[name];
	if (raw === undefined || raw.trim() === '') return fallback;
	const value = Number(raw);
	return Number.isFinite(value) && value > 0 ? value : fallback;
}

export function readerLimits(): ReaderLimits {
	return {
		memoryMb: positive('AIW_READER_MEMORY_MB', 512),
		documentSeconds: positive('AIW_READER_DOCUMENT_SECONDS', 120),
		pageSeconds: positive('AIW_READER_PAGE_SECONDS', 60),
		processes: Math.floor(positive('AIW_READER_PROCESSES', 1)),
		idleSeconds: positive('AIW_READER_IDLE_SECONDS', 120),
	};
}

export const megabytes = (bytes: number): string => `${Math.round(bytes / (1024 * 1024))} MB`;
export const megapixels = (pixels: number): string => `${Math.round(pixels / 100_000) / 10} megapixels`;

/**
 * The scale a PDF page of `width` × `height` points is rendered at: `wanted` where the page fits the
 * render budget, lowered (not below MIN_RENDER_SCALE) where it does not; a page too large even then
 * is refused, naming the limit.
 */
export function renderScale(width: number, height: number, wanted: number, pageNumber: number): number {
	if (!(width > 0 && height > 0 && Number.isFinite(width * height))) {
		throw new DocumentError('CORRUPT', `Page ${pageNumber} of the PDF has no usable size (${width} × ${height} points)`, 'The file is damaged: export or scan the invoice again.');
	}
	const fitting = Math.sqrt(MAX_RENDER_PIXELS / (width * height));
	const scale = Math.min(wanted, fitting, MAX_IMAGE_SIDE / Math.max(width, height));
	if (scale < MIN_RENDER_SCALE) {
		const inches = (points: number) => Math.round(points / 72);
		throw new DocumentError(
			'OVER_LIMIT',
			`Page ${pageNumber} of the PDF is ${inches(width)} × ${inches(height)} in (${Math.round(width)} × ${Math.round(height)} points); pages without a text layer are rendered for OCR only up to ${megapixels(MAX_RENDER_PIXELS)} at ${Math.round(72 * MIN_RENDER_SCALE)} dpi or more (about ${inches(Math.sqrt(MAX_RENDER_PIXELS) / MIN_RENDER_SCALE)} × ${inches(Math.sqrt(MAX_RENDER_PIXELS) / MIN_RENDER_SCALE)} in)`,
			'The page size is not an invoice\'s: scan or export the invoice at its real size (A4 or Letter).',
		);
	}
	return scale;
}
