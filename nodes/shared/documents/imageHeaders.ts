/**
 * Image dimensions read from the file's own headers, without decoding a pixel: what preflight
 * checks against the budgets before a native decoder sees the file. Each reader walks only the
 * bytes that are there (a truncated or looping header is an error, never a read past the end).
 */
import { DocumentError } from './types';

export interface ImagePage {
	width: number;
	height: number;
}

export interface ImageHeader {
	/** One entry per page (TIFF may have several; the others have one). */
	pages: ImagePage[];
}

const damaged = (format: string, what: string): DocumentError =>
	new DocumentError('CORRUPT', `The ${format} image is damaged: ${what}`, 'Export or scan the invoice again (PNG, JPEG or PDF work best), or send the original file rather than a copy that was cut short.');

const u16be = (d: Uint8Array, o: number) => (d[o] << 8) | d[o + 1];
const u32be = (d: Uint8Array, o: number) => ((d[o] << 24) | (d[o + 1] << 16) | (d[o + 2] << 8) | d[o + 3]) >>> 0;
const u32le = (d: Uint8Array, o: number) => (d[o] | (d[o + 1] << 8) | (d[o + 2] << 16) | (d[o + 3] << 24)) >>> 0;
const u24le = (d: Uint8Array, o: number) => d[o] | (d[o + 1] << 8) | (d[o + 2] << 16);
const ascii = (d: Uint8Array, o: number, n: number) => Buffer.from(d.subarray(o, o + n)).toString('latin1');

/** PNG: the IHDR chunk must come first (PNG specification, 11.2.2). */
export function pngHeader(data: Uint8Array): ImageHeader {
	if (data.length < 33) throw damaged('PNG', `only ${data.length} bytes, too short for a PNG header`);
	if (u32be(data, 8) !== 13 || ascii(data, 12, 4) !== 'IHDR') throw damaged('PNG', 'the first chunk is not IHDR');
	const width = u32be(data, 16);
	const height = u32be(data, 20);
	const bitDepth = data[24];
	const colourType = data[25];
	const depths: Record<number, number[]> = { 0: [1, 2, 4, 8, 16], 2: [8, 16], 3: [1, 2, 4, 8], 4: [8, 16], 6: [8, 16] };
	if (!depths[colourType]?.includes(bitDepth)) throw damaged('PNG', `colour type ${colourType} with bit depth ${bitDepth} does not exist`);
	if (width === 0 || height === 0) throw damaged('PNG', `its size is ${width} × ${height} pixels`);
	return { pages: [{ width, height }] };
}

/** JPEG: walks the marker segments up to the first frame header (SOF0–SOF15 but DHT, JPG, DAC). */
export function jpegHeader(data: Uint8Array): ImageHeader {
	let offset = 2;
	while (offset + 4 <= data.length) {
		if (data[offset] !== 0xff) throw damaged('JPEG', `no marker at byte ${offset}`);
		const marker = data[offset + 1];
		if (marker === 0xff) {
			offset++; // fill byte
			continue;
		}
		if (marker === 0xd8 || (marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) {
			offset += 2;
			continue;
		}
		if (marker === 0xd9 || marker === 0xda) break; // end of image or start of scan before any frame header
		const length = u16be(data, offset + 2);
		if (length < 2 || offset + 2 + length > data.length) throw damaged('JPEG', `the segment at byte ${offset} runs past the end of the file`);
		const isFrame = marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
		if (isFrame) {
			if (length < 8) throw damaged('JPEG', 'the frame header is too short');
			const height = u16be(data, offset + 5);
			const width = u16be(data, offset + 7);
			// Height 0 means "defined later by a DNL marker": decoders disagree on it, so it is refused.
			if (width === 0 || height === 0) throw damaged('JPEG', `its frame says ${width} × ${height} pixels`);
			return { pages: [{ width, height }] };
		}
		offset += 2 + length;
	}
	throw damaged('JPEG', 'it has no frame header (no image size)');
}

/** WebP: the RIFF container and its first chunk (VP8 lossy, VP8L lossless or VP8X extended). */
export function webpHeader(data: Uint8Array): ImageHeader {
	if (data.length < 30) throw damaged('WebP', `only ${data.length} bytes, too short for a WebP header`);
	const riffSize = u32le(data, 4);
	if (riffSize + 8 > data.length) throw damaged('WebP', `the RIFF header says ${riffSize + 8} bytes, the file has ${data.length} (cut short)`);
	if (riffSize < 22) throw damaged('WebP', `the RIFF header says ${riffSize + 8} bytes, too few for an image`);
	const end = riffSize + 8;
	let offset = 12;
	let canvas: ImagePage | undefined;
	for (let chunks = 0; offset + 8 <= end && chunks < 1000; chunks++) {
		const type = ascii(data, offset, 4);
		const size = u32le(data, offset + 4);
		const body = offset + 8;
		if (body + size > end) throw damaged('WebP', `the ${JSON.stringify(type)} chunk runs past the end of the file`);
		if (type === 'VP8X') {
			if (size < 10) throw damaged('WebP', 'the VP8X chunk is too short');
			if (data[body] & 0x02) {
				throw new DocumentError('UNSUPPORTED', 'The WebP image is animated', 'Send a still image of the invoice (PNG, JPEG or PDF).');
			}
			canvas = { width: u24le(data, body + 4) + 1, height: u24le(data, body + 7) + 1 };
		} else if (type === 'VP8 ') {
			// Frame tag (3 bytes), start code 9d 01 2a, then 14-bit width and height.
			if (size < 10 || data[body + 3] !== 0x9d || data[body + 4] !== 0x01 || data[body + 5] !== 0x2a) throw damaged('WebP', 'the VP8 chunk has no frame start code');
			if (data[body] & 0x01) throw damaged('WebP', 'the first VP8 frame is not a key frame');
			const image = { width: (data[body + 6] | (data[body + 7] << 8)) & 0x3fff, height: (data[body + 8] | (data[body + 9] << 8)) & 0x3fff };
			return checked(canvas ?? image);
		} else if (type === 'VP8L') {
			if (size < 5 || data[body] !== 0x2f) throw damaged('WebP', 'the VP8L chunk has no lossless signature');
			const bits = u32le(data, body + 1);
			if (bits >>> 29 !== 0) throw damaged('WebP', 'the VP8L version is not 0');
			const image = { width: (bits & 0x3fff) + 1, height: ((bits >>> 14) & 0x3fff) + 1 };
			return checked(canvas ?? image);
		} else if (!canvas) {
			throw damaged('WebP', `it starts with a ${JSON.stringify(type)} chunk instead of VP8, VP8L or VP8X`);
		}
		offset = body + size + (size & 1);
	}
	throw damaged('WebP', 'it has no VP8 or VP8L image data');

	function checked(page: ImagePage): ImageHeader {
		if (page.width === 0 || page.height === 0) throw damaged('WebP', `its size is ${page.width} × ${page.height} pixels`);
		return { pages: [page] };
	}
}

/** TIFF compressions the decoder (UTIF) reads; others are refused by name. */
export const TIFF_COMPRESSIONS: Record<number, string> = {
	1: 'none',
	2: 'CCITT Group 3 (modified Huffman)',
	3: 'CCITT Group 3 fax',
	4: 'CCITT Group 4 fax',
	5: 'LZW',
	6: 'JPEG (old style)',
	7: 'JPEG',
	8: 'Deflate',
	32773: 'PackBits',
	32946: 'Deflate',
};

/** More page directories than this is not a document but a trap (each one costs a decoder a walk). */
const MAX_TIFF_DIRECTORIES = 100_000;

/**
 * TIFF: the chain of image file directories (IFDs), one per page. A directory that points back
 * into the chain, or outside the file, is damage, not a page.
 */
export function tiffHeader(data: Uint8Array): ImageHeader & { compressions: number[] } {
	if (data.length < 8) throw damaged('TIFF', `only ${data.length} bytes, too short for a TIFF header`);
	const littleEndian = data[0] === 0x49;
	const u16 = (o: number) => (littleEndian ? data[o] | (data[o + 1] << 8) : u16be(data, o));
	const u32 = (o: number) => (littleEndian ? u32le(data, o) : u32be(data, o));
	const pages: ImagePage[] = [];
	const compressions: number[] = [];
	const visited = new Set<number>();
	let ifd = u32(4);
	while (ifd !== 0) {
		if (pages.length >= MAX_TIFF_DIRECTORIES) throw damaged('TIFF', `it has more than ${MAX_TIFF_DIRECTORIES} page directories`);
		if (visited.has(ifd)) throw damaged('TIFF', `its page directories loop (directory at byte ${ifd} comes back)`);
		visited.add(ifd);
		if (ifd + 2 > data.length) throw damaged('TIFF', `page ${pages.length + 1}'s directory is at byte ${ifd}, past the end of the file`);
		const entries = u16(ifd);
		if (entries === 0 || ifd + 2 + entries * 12 + 4 > data.length) throw damaged('TIFF', `page ${pages.length + 1}'s directory (${entries} entries) does not fit in the file`);
		const tags = new Map<number, number>();
		for (let i = 0; i < entries; i++) {
			const entry = ifd + 2 + i * 12;
			const tag = u16(entry);
			const type = u16(entry + 2);
			// Width, height, compression: SHORT or LONG, one value, stored in the entry itself.
			if (tag === 256 || tag === 257 || tag === 259) tags.set(tag, type === 3 ? u16(entry + 8) : u32(entry + 8));
		}
		const width = tags.get(256) ?? 0;
		const height = tags.get(257) ?? 0;
		if (width === 0 || height === 0) throw damaged('TIFF', `page ${pages.length + 1} has no image size (${width} × ${height})`);
		pages.push({ width, height });
		compressions.push(tags.get(259) ?? 1);
		ifd = u32(ifd + 2 + entries * 12);
	}
	if (pages.length === 0) throw damaged('TIFF', 'it has no pages');
	return { pages, compressions };
}
