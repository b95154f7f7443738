import { nodeRequire } from './esm';

interface CanvasModule {
	loadImage(data: Buffer): Promise<{ width: number; height: number }>;
	createCanvas(width: number, height: number): {
		getContext(kind: '2d'): { fillStyle: string; fillRect(x: number, y: number, w: number, h: number): void; drawImage(image: unknown, x: number, y: number, w: number, h: number): void };
		toBuffer(mime: 'image/png'): Buffer;
	};
}

/** Tesseract reads best at ~ 200–300 dpi: small photos are enlarged, huge scans reduced (speed). */
const TARGET_WIDTH = { min: 1200, ideal: 1600, max: 2600 };

/**
 * An image ready for OCR and the factor it was scaled by (to map word boxes back to the original
 * pixels). Formats the canvas cannot decode (TIFF) go to tesseract unchanged.
 */
export async function prepareForOcr(data: Buffer): Promise<{ image: Buffer; scale: number; width: number; height: number }> {
	let canvasModule: CanvasModule;
	let decoded: { width: number; height: number };
	try {
		canvasModule = nodeRequire('@napi-rs/canvas') as CanvasModule;
		decoded = await canvasModule.loadImage(data);
	} catch {
		return { image: data, scale: 1, width: 0, height: 0 };
	}
	const { width, height } = decoded;
	let scale = 1;
	if (width < TARGET_WIDTH.min) scale = Math.min(2, TARGET_WIDTH.ideal / width);
	else if (width > TARGET_WIDTH.max) scale = 2000 / width;
	// Transparent PNGs become black on white only after painting onto an opaque background.
	const canvas = canvasModule.createCanvas(Math.round(width * scale), Math.round(height * scale));
	const context = canvas.getContext('2d');
	context.fillStyle = '#ffffff';
	context.fillRect(0, 0, Math.round(width * scale), Math.round(height * scale));
	context.drawImage(decoded, 0, 0, Math.round(width * scale), Math.round(height * scale));
	return { image: canvas.toBuffer('image/png'), scale, width, height };
}
