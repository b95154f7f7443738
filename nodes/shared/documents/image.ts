import { nodeRequire } from './esm';
import { binarise, grayscale, otsuThreshold, skewAngle, toPixels, type Pixels } from './ocrPreprocess';

interface Context2d {
	fillStyle: string;
	fillRect(x: number, y: number, w: number, h: number): void;
	drawImage(image: unknown, x: number, y: number, w: number, h: number): void;
	getImageData(x: number, y: number, w: number, h: number): Pixels;
	putImageData(data: Pixels, x: number, y: number): void;
	createImageData(w: number, h: number): Pixels;
	translate(x: number, y: number): void;
	rotate(angle: number): void;
}
interface CanvasModule {
	loadImage(data: Buffer): Promise<{ width: number; height: number }>;
	createCanvas(width: number, height: number): { getContext(kind: '2d'): Context2d; toBuffer(mime: 'image/png'): Buffer };
}

/** OCR preprocessing (ocrPreprocess.ts); off by default, measured on the receipts before it is turned on. */
export interface PreprocessOptions {
	binarise?: boolean;
	deskew?: boolean;
	/** The width small images are enlarged to (default 1600 px). */
	idealWidth?: number;
}

/** Tesseract reads best at ~ 200–300 dpi: small photos are enlarged, huge scans reduced (speed). */
const TARGET_WIDTH = { min: 1200, ideal: 1600, max: 2600 };

/**
 * An image ready for OCR and the factor it was scaled by (to map word boxes back to the original
 * pixels). Formats the canvas cannot decode (TIFF) go to tesseract unchanged.
 */
export async function prepareForOcr(data: Buffer, options: PreprocessOptions = {}): Promise<{ image: Buffer; scale: number; width: number; height: number }> {
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
	if (width < TARGET_WIDTH.min) scale = Math.min(2, (options.idealWidth ?? TARGET_WIDTH.ideal) / width);
	else if (width > TARGET_WIDTH.max) scale = 2000 / width;
	// Transparent PNGs become black on white only after painting onto an opaque background.
	const canvas = canvasModule.createCanvas(Math.round(width * scale), Math.round(height * scale));
	const context = canvas.getContext('2d');
	context.fillStyle = '#ffffff';
	context.fillRect(0, 0, Math.round(width * scale), Math.round(height * scale));
	const [w, h] = [Math.round(width * scale), Math.round(height * scale)];
	if (options.deskew) {
		const probe = canvasModule.createCanvas(w, h);
		const probeContext = probe.getContext('2d');
		probeContext.fillStyle = '#ffffff';
		probeContext.fillRect(0, 0, w, h);
		probeContext.drawImage(decoded, 0, 0, w, h);
		const gray = grayscale(probeContext.getImageData(0, 0, w, h));
		const angle = skewAngle(gray, w, h, otsuThreshold(gray));
		// Rotating about the centre keeps word boxes close to where they were (the scale maps them back).
		if (Math.abs(angle) > 0.003) {
			context.translate(w / 2, h / 2);
			context.rotate(-angle);
			context.translate(-w / 2, -h / 2);
		}
	}
	context.drawImage(decoded, 0, 0, w, h);
	if (options.binarise) {
		const gray = grayscale(context.getImageData(0, 0, w, h));
		const pixels = toPixels(binarise(gray, otsuThreshold(gray)), w, h);
		const target = context.createImageData(w, h);
		target.data.set(pixels.data);
		context.putImageData(target, 0, 0);
	}
	return { image: canvas.toBuffer('image/png'), scale, width, height };
}
