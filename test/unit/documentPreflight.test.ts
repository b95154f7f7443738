/** What preflight reads from headers alone, and the budgets it refuses by name. */
import { deflateSync } from 'node:zlib';
import { jpegHeader, pngHeader, tiffHeader, webpHeader } from '../../nodes/shared/documents/imageHeaders';
import { MAX_IMAGE_PIXELS, MAX_PAGES, MAX_RENDER_PIXELS, renderScale } from '../../nodes/shared/documents/limits';
import { pagesToRead, preflight } from '../../nodes/shared/documents/preflight';
import { DocumentError } from '../../nodes/shared/documents/types';
import { nodeRequire } from '../../nodes/shared/documents/esm';

const { createCanvas } = nodeRequire('@napi-rs/canvas') as { createCanvas(w: number, h: number): { toBuffer(mime: string, quality?: number): Buffer } };

function thrown(action: () => unknown): DocumentError {
	try {
		action();
	} catch (error) {
		expect(error).toBeInstanceOf(DocumentError);
		return error as DocumentError;
	}
	throw new Error('expected a DocumentError');
}

/** A TIFF of `pages` directories (8-bit grey, one shared strip); `loop` makes the last point back at the first. */
function tiff(pages: Array<{ width: number; height: number; compression?: number }>, loop = false): Buffer {
	const size = 2 + 3 * 12 + 4;
	const file = Buffer.alloc(8 + pages.length * size);
	file.write('II*\0', 0, 'latin1');
	file.writeUInt32LE(8, 4);
	pages.forEach((page, index) => {
		const at = 8 + index * size;
		file.writeUInt16LE(3, at);
		[[256, page.width], [257, page.height], [259, page.compression ?? 1]].forEach(([tag, value], i) => {
			file.writeUInt16LE(tag, at + 2 + i * 12);
			file.writeUInt16LE(4, at + 4 + i * 12);
			file.writeUInt32LE(1, at + 6 + i * 12);
			file.writeUInt32LE(value, at + 10 + i * 12);
		});
		file.writeUInt32LE(index + 1 < pages.length ? at + size : loop ? 8 : 0, at + 2 + 36);
	});
	return file;
}

describe('image sizes from headers', () => {
	const canvas = createCanvas(320, 240);

	it('PNG, JPEG and WebP (lossy and lossless) as the canvas wrote them', () => {
		expect(pngHeader(canvas.toBuffer('image/png')).pages).toEqual([{ width: 320, height: 240 }]);
		expect(jpegHeader(canvas.toBuffer('image/jpeg', 80)).pages).toEqual([{ width: 320, height: 240 }]);
		expect(webpHeader(canvas.toBuffer('image/webp', 80)).pages).toEqual([{ width: 320, height: 240 }]);
		expect(webpHeader(canvas.toBuffer('image/webp', 100)).pages).toEqual([{ width: 320, height: 240 }]);
	});

	it('TIFF: one size per page directory', () => {
		expect(tiffHeader(tiff([{ width: 100, height: 50 }, { width: 60, height: 40 }])).pages).toEqual([
			{ width: 100, height: 50 },
			{ width: 60, height: 40 },
		]);
	});

	it('damaged headers are errors, never a read past the end', () => {
		expect(thrown(() => webpHeader(Buffer.concat([Buffer.from('RIFF\x00\x10\x00\x00WEBPVP8 ', 'latin1'), Buffer.alloc(4096, 0x41)]))).message).toBe(
			'The WebP image is damaged: the "VP8 " chunk runs past the end of the file',
		);
		expect(thrown(() => webpHeader(canvas.toBuffer('image/webp', 80).subarray(0, 40))).message).toMatch(/cut short/);
		expect(thrown(() => pngHeader(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))).code).toBe('CORRUPT');
		expect(thrown(() => jpegHeader(Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 40]))).message).toMatch(/runs past the end/);
		expect(thrown(() => tiffHeader(tiff([{ width: 10, height: 10 }, { width: 10, height: 10 }], true))).message).toMatch(/page directories loop/);
		expect(thrown(() => tiffHeader(Buffer.from('II*\0\xff\xff\x00\x00', 'latin1'))).message).toMatch(/past the end of the file/);
	});
});

describe('budgets', () => {
	it('refuses a decompression bomb from its header, naming the limit', () => {
		const header = Buffer.alloc(13);
		header.writeUInt32BE(30_000, 0);
		header.writeUInt32BE(30_000, 4);
		header[8] = 8;
		const chunk = (type: string, body: Buffer) => Buffer.concat([Buffer.from([0, 0, 0, body.length]), Buffer.from(type, 'latin1'), body, Buffer.alloc(4)]);
		const bomb = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', header), chunk('IDAT', deflateSync(Buffer.alloc(1000)))]);
		const error = thrown(() => preflight(bomb));
		expect(error.code).toBe('OVER_LIMIT');
		expect(error.message).toBe(`The PNG image is 30000 × 30000 pixels (900 megapixels), over the limit of ${MAX_IMAGE_PIXELS / 1e6} megapixels and 30000 pixels a side`);
	});

	it('pages: Max Pages reads the first ones; all of a huge document is refused, naming the limit', () => {
		expect(pagesToRead(10_000, 10, 'PDF')).toBe(10);
		expect(pagesToRead(3, 0, 'PDF')).toBe(3);
		const error = thrown(() => pagesToRead(10_000, 0, 'PDF'));
		expect(error.message).toBe(`The PDF has 10000 pages; at most ${MAX_PAGES} pages of a document are read`);
		expect(error.hint).toMatch(/Set Max Pages/);
		const pages = Array.from({ length: 200 }, () => ({ width: 10, height: 10 }));
		expect(preflight(tiff(pages), 10).pagesToRead).toBe(10);
		expect(thrown(() => preflight(tiff(pages), 0)).code).toBe('OVER_LIMIT');
	});

	it('a TIFF compression the decoder does not read is refused by number', () => {
		const error = thrown(() => preflight(tiff([{ width: 10, height: 10, compression: 34712 }])));
		expect(error.code).toBe('UNSUPPORTED');
		expect(error.message).toMatch(/^Page 1 of the TIFF uses compression 34712, which is not read \(read: none, .*LZW/);
	});

	it('the file size', () => {
		expect(thrown(() => preflight(Buffer.concat([Buffer.from('%PDF-1.4\n'), Buffer.alloc(51 * 1024 * 1024)]))).message).toBe('The file is 51 MB, over the limit of 50 MB for one document');
	});

	it('PDF pages are rendered at 180 dpi up to the pixel budget, lower for large pages, refused when even 72 dpi is too much', () => {
		expect(renderScale(595, 842, 2.5, 1)).toBe(2.5);
		const a0 = renderScale(2384, 3370, 2.5, 1);
		expect(a0).toBeGreaterThan(1);
		expect(a0).toBeLessThan(1.1);
		expect(2384 * 3370 * a0 * a0).toBeLessThanOrEqual(MAX_RENDER_PIXELS * 1.0001);
		const error = thrown(() => renderScale(4968, 4968, 2.5, 3));
		expect(error.code).toBe('OVER_LIMIT');
		expect(error.message).toMatch(/^Page 3 of the PDF is 69 × 69 in \(4968 × 4968 points\); pages without a text layer are rendered for OCR only up to 9 megapixels/);
		expect(thrown(() => renderScale(Number.NaN, 842, 2.5, 1)).code).toBe('CORRUPT');
	});
});
