/**
 * The checks an untrusted file passes before any decoder sees it: its type from its magic bytes,
 * its size, and for images the page sizes from their headers against the pixel and page budgets.
 * Runs in n8n's own process, so it reads headers only — it decodes nothing.
 */
import { detectDocumentKind } from './detect';
import { jpegHeader, pngHeader, tiffHeader, TIFF_COMPRESSIONS, webpHeader, type ImagePage } from './imageHeaders';
import { MAX_FILE_BYTES, MAX_IMAGE_PIXELS, MAX_IMAGE_SIDE, MAX_PAGES, megabytes, megapixels } from './limits';
import { DocumentError, type DocumentKind } from './types';

export interface Preflight {
	kind: DocumentKind;
	/** Images: the size of every page in the file (PDF pages are sized by the reader process). */
	pages?: ImagePage[];
	/** Images: how many of the pages will be read. */
	pagesToRead?: number;
}

/** Pages a reader reads of `pageCount`: Max Pages (0 = all), never more than the page budget. */
export function pagesToRead(pageCount: number, maxPages: number | undefined, kind: string): number {
	const wanted = Math.min(pageCount, maxPages && maxPages > 0 ? maxPages : pageCount);
	if (wanted > MAX_PAGES) {
		throw new DocumentError(
			'OVER_LIMIT',
			`The ${kind} has ${pageCount} pages; at most ${MAX_PAGES} pages of a document are read`,
			`Set Max Pages (in the options) to ${MAX_PAGES} or less to read the first pages only, or split the document.`,
		);
	}
	return wanted;
}

/** Refuses a file over the size budget; callers that know the size from metadata refuse it before loading it. */
export function checkFileSize(bytes: number): void {
	if (bytes > MAX_FILE_BYTES) {
		throw new DocumentError(
			'OVER_LIMIT',
			`The file is ${megabytes(bytes)}, over the limit of ${megabytes(MAX_FILE_BYTES)} for one document`,
			'Send a smaller file: a scan at 200–300 dpi, or only the pages of the invoice.',
		);
	}
}

export function preflight(data: Uint8Array, maxPages?: number): Preflight {
	checkFileSize(data.length);
	const kind = detectDocumentKind(data);
	if (kind === 'pdf') return { kind };
	const label = kind.toUpperCase();
	let pages: ImagePage[];
	if (kind === 'tiff') {
		const header = tiffHeader(data);
		pages = header.pages;
		const count = pagesToRead(pages.length, maxPages, 'TIFF');
		header.compressions.slice(0, count).forEach((compression, index) => {
			if (!TIFF_COMPRESSIONS[compression]) {
				throw new DocumentError(
					'UNSUPPORTED',
					`Page ${index + 1} of the TIFF uses compression ${compression}, which is not read (read: ${[...new Set(Object.values(TIFF_COMPRESSIONS))].join(', ')})`,
					'Save the scan as PNG, JPEG, PDF or an LZW/Group 4 TIFF.',
				);
			}
		});
	} else {
		pages = (kind === 'png' ? pngHeader : kind === 'jpeg' ? jpegHeader : webpHeader)(data).pages;
	}
	const count = pagesToRead(pages.length, maxPages, label);
	pages.slice(0, count).forEach(({ width, height }, index) => {
		const which = pages.length > 1 ? `Page ${index + 1} of the ${label}` : `The ${label} image`;
		if (width > MAX_IMAGE_SIDE || height > MAX_IMAGE_SIDE || width * height > MAX_IMAGE_PIXELS) {
			throw new DocumentError(
				'OVER_LIMIT',
				`${which} is ${width} × ${height} pixels (${megapixels(width * height)}), over the limit of ${megapixels(MAX_IMAGE_PIXELS)} and ${MAX_IMAGE_SIDE} pixels a side`,
				'Scale the image down (an invoice reads well at 200–300 dpi: about 2500 × 3500 pixels for A4) and send it again.',
			);
		}
	});
	return { kind, pages, pagesToRead: count };
}
