/**
 * Page images for vision models, rendered exactly as the OCR path renders them: PDF pages at the OCR
 * scale, photos and scans normalised by prepareForOcr. Returned as PNG data URLs.
 */
import { detectDocumentKind } from './detect';
import { prepareForOcr } from './image';
import { renderPdfPage } from './pdf';
import type { ReadDocument } from './types';

export type PageImageMode = 'scans' | 'all' | 'never';

export interface PageImage {
	page: number;
	dataUrl: string;
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47]);

/**
 * `scans`: pages that had no text layer (scanned PDF pages, photos); `all`: every page read; `never`:
 * none. A text input has no pages to show. Formats the canvas cannot decode (TIFF) are left out: the
 * model still gets their OCR text.
 */
export async function pageImages(data: Uint8Array | undefined, document: ReadDocument, mode: PageImageMode): Promise<PageImage[]> {
	if (mode === 'never' || !data || document.kind === 'text') return [];
	const wanted = document.pages.filter((page) => mode === 'all' || page.source === 'ocr');
	if (wanted.length === 0) return [];
	const images: PageImage[] = [];
	if (detectDocumentKind(data) === 'pdf') {
		for (const page of wanted) images.push({ page: page.number, dataUrl: pngDataUrl(await renderPdfPage(data, page.number)) });
		return images;
	}
	const prepared = await prepareForOcr(Buffer.from(data));
	if (prepared.image.subarray(0, 4).equals(PNG_SIGNATURE)) images.push({ page: 1, dataUrl: pngDataUrl(prepared.image) });
	return images;
}

function pngDataUrl(png: Buffer): string {
	return `data:image/png;base64,${png.toString('base64')}`;
}
