/**
 * TIFF pages as PNG, decoded in JavaScript (UTIF): the canvas's native decoder crashes on TIFF, and
 * tesseract reads one page of a file only. Runs in the reader process, on files preflight has sized.
 */
import * as UTIF from 'utif2';
import { nodeRequire } from './esm';
import { DocumentError } from './types';

interface Canvas {
	getContext(kind: '2d'): { putImageData(image: unknown, x: number, y: number): void };
	toBuffer(mime: 'image/png'): Buffer;
}
interface CanvasModule {
	createCanvas(width: number, height: number): Canvas;
	ImageData: new (data: Uint8ClampedArray, width: number, height: number) => unknown;
}

export interface TiffPage {
	number: number;
	png: Buffer;
	width: number;
	height: number;
}

/** The TIFF's page directories (one per page), parsed once. */
export function tiffDirectories(data: Uint8Array): { buffer: ArrayBuffer; directories: UTIF.IFD[] } {
	// UTIF reads `data.buffer` from offset 0: give it a buffer of its own.
	const buffer = new Uint8Array(data).buffer;
	try {
		// The options argument (no maker notes, no debug output) is missing from UTIF's types.
		const decode = UTIF.decode as (buffer: ArrayBuffer, options: { parseMN: boolean; debug: boolean }) => UTIF.IFD[];
		const directories = decode(buffer, { parseMN: false, debug: false }).filter((ifd) => ifd.t256 !== undefined);
		if (directories.length === 0) throw new Error('no page has an image size');
		return { buffer, directories };
	} catch (error) {
		throw damagedTiff(error);
	}
}

/** One page (1-based) as a PNG. */
export function tiffPagePng(tiff: { buffer: ArrayBuffer; directories: UTIF.IFD[] }, number: number): TiffPage {
	const ifd = tiff.directories[number - 1];
	if (!ifd) throw damagedTiff(new Error(`page ${number} is missing`));
	let rgba: Uint8Array;
	try {
		// The third argument (all directories, for JPEG tables shared between pages) is missing from UTIF's types.
		(UTIF.decodeImage as (buffer: ArrayBuffer, ifd: UTIF.IFD, ifds: UTIF.IFD[]) => void)(tiff.buffer, ifd, tiff.directories);
		rgba = UTIF.toRGBA8(ifd);
	} catch (error) {
		throw damagedTiff(error, number);
	}
	const { width, height } = ifd;
	if (!ifd.data || rgba.length !== width * height * 4) throw damagedTiff(new Error('its pixel data is incomplete'), number);
	const canvasModule = nodeRequire('@napi-rs/canvas') as CanvasModule;
	const canvas = canvasModule.createCanvas(width, height);
	canvas.getContext('2d').putImageData(new canvasModule.ImageData(new Uint8ClampedArray(rgba.buffer, rgba.byteOffset, rgba.length), width, height), 0, 0);
	// The decoded page is large (4 bytes a pixel): drop it as soon as the PNG exists.
	(ifd as { data?: Uint8Array }).data = undefined;
	return { number, png: canvas.toBuffer('image/png'), width, height };
}

function damagedTiff(error: unknown, page?: number): DocumentError {
	return new DocumentError(
		'CORRUPT',
		`The TIFF${page ? ` page ${page}` : ''} could not be decoded: ${error instanceof Error ? error.message : String(error)}`,
		'Export or scan the invoice again (PNG, JPEG or PDF work best), or send the original file.',
	);
}
