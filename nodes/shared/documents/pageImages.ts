/**
 * Page images for vision models, rendered exactly as the OCR path renders them: PDF pages at the OCR
 * scale, photos and scans normalised by prepareForOcr, TIFF pages decoded first. Rendered in the
 * reader process (readerPool.ts); returned as PNG data URLs.
 */
import { detectDocumentKind } from './detect';
import { prepareForOcr } from './image';
import { renderPdfPage } from './pdf';
import { documentReaders } from './readerPool';
import { tiffDirectories, tiffPagePng } from './tiff';
import type { ReadDocument } from './types';

export type PageImageMode = 'scans' | 'all' | 'never';

export interface PageImage {
	page: number;
	dataUrl: string;
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47]);

/**
 * `scans`: pages that had no text layer (scanned PDF pages, photos); `all`: every page read; `never`:
 * none. A text input has no pages to show.
 */
export async function pageImages(data: Uint8Array | undefined, document: ReadDocument, mode: PageImageMode): Promise<PageImage[]> {
	if (mode === 'never' || !data || document.kind === 'text') return [];
	const wanted = document.pages.filter((page) => mode === 'all' || page.source === 'ocr').map((page) => page.number);
	if (wanted.length === 0) return [];
	const rendered = (await documentReaders().read({ op: 'pageImages', data, pages: wanted })) as Array<{ page: number; png: Uint8Array }>;
	return rendered.map(({ page, png }) => ({ page, dataUrl: `data:image/png;base64,${Buffer.from(png.buffer, png.byteOffset, png.byteLength).toString('base64')}` }));
}

/** The pages as PNG, in this process (the reader process runs it). */
export async function renderPageImages(data: Uint8Array, pages: number[]): Promise<Array<{ page: number; png: Buffer }>> {
	const kind = detectDocumentKind(data);
	const images: Array<{ page: number; png: Buffer }> = [];
	if (kind === 'pdf') {
		for (const page of pages) images.push({ page, png: await renderPdfPage(data, page) });
		return images;
	}
	const tiff = kind === 'tiff' ? tiffDirectories(data) : undefined;
	for (const page of pages) {
		const prepared = await prepareForOcr(tiff ? tiffPagePng(tiff, page).png : Buffer.from(data));
		if (prepared.image.subarray(0, 4).equals(PNG_SIGNATURE)) images.push({ page, png: prepared.image });
	}
	return images;
}
