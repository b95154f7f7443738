/**
 * Image preprocessing for OCR, on raw pixels (pure: no canvas, no native code): grayscale, a global
 * Otsu threshold (binarise: stains, shadows and coloured paper become white) and a small deskew (the
 * angle in ±5° whose horizontal projection profile is the sharpest, as text lines are). Measured on
 * the SROIE receipts with `npm run bench:invoice -- --preprocess …` (README, Extract Invoice).
 */

export interface Pixels {
	width: number;
	height: number;
	/** RGBA, 4 bytes per pixel (canvas ImageData layout). */
	data: Uint8ClampedArray;
}

/** Luminance (0–255) of each pixel, on white where the image is transparent. */
export function grayscale(image: Pixels): Uint8Array {
	const gray = new Uint8Array(image.width * image.height);
	for (let i = 0, p = 0; i < gray.length; i++, p += 4) {
		const alpha = image.data[p + 3] / 255;
		const luminance = 0.299 * image.data[p] + 0.587 * image.data[p + 1] + 0.114 * image.data[p + 2];
		gray[i] = Math.round(luminance * alpha + 255 * (1 - alpha));
	}
	return gray;
}

/** Otsu's threshold: the gray level that best separates ink from paper. */
export function otsuThreshold(gray: Uint8Array): number {
	const histogram = new Float64Array(256);
	for (const value of gray) histogram[value]++;
	const total = gray.length;
	let sum = 0;
	for (let i = 0; i < 256; i++) sum += i * histogram[i];
	let backgroundSum = 0;
	let background = 0;
	let best = 0;
	let threshold = 127;
	for (let t = 0; t < 256; t++) {
		background += histogram[t];
		if (background === 0) continue;
		const foreground = total - background;
		if (foreground === 0) break;
		backgroundSum += t * histogram[t];
		const meanBackground = backgroundSum / background;
		const meanForeground = (sum - backgroundSum) / foreground;
		const between = background * foreground * (meanBackground - meanForeground) ** 2;
		if (between > best) {
			best = between;
			threshold = t;
		}
	}
	return threshold;
}

/** The skew angle (radians) in ±maxDegrees whose row profile of ink is the most peaked. */
export function skewAngle(gray: Uint8Array, width: number, height: number, threshold: number, maxDegrees = 5, stepDegrees = 0.5): number {
	// Sample ink pixels (at most ~40,000) to keep this fast on large scans.
	const ink: Array<[number, number]> = [];
	const stride = Math.max(1, Math.floor(Math.sqrt((width * height) / 160_000)));
	for (let y = 0; y < height; y += stride) for (let x = 0; x < width; x += stride) if (gray[y * width + x] < threshold) ink.push([x, y]);
	if (ink.length < 50) return 0;
	let bestAngle = 0;
	let bestScore = -Infinity;
	for (let degrees = -maxDegrees; degrees <= maxDegrees + 1e-9; degrees += stepDegrees) {
		const angle = (degrees * Math.PI) / 180;
		const [sin, cos] = [Math.sin(angle), Math.cos(angle)];
		const rows = new Float64Array(height + width);
		for (const [x, y] of ink) {
			const row = Math.round(y * cos - x * sin + width);
			if (row >= 0 && row < rows.length) rows[row]++;
		}
		let score = 0;
		for (let i = 1; i < rows.length; i++) score += (rows[i] - rows[i - 1]) ** 2;
		if (score > bestScore) {
			bestScore = score;
			bestAngle = angle;
		}
	}
	return bestAngle;
}

/** Black text on white from a grayscale image: every pixel at or under the threshold becomes ink. */
export function binarise(gray: Uint8Array, threshold: number): Uint8Array {
	const out = new Uint8Array(gray.length);
	for (let i = 0; i < gray.length; i++) out[i] = gray[i] <= threshold ? 0 : 255;
	return out;
}

/** Grayscale bytes back to RGBA pixels. */
export function toPixels(gray: Uint8Array, width: number, height: number): Pixels {
	const data = new Uint8ClampedArray(width * height * 4);
	for (let i = 0, p = 0; i < gray.length; i++, p += 4) {
		data[p] = data[p + 1] = data[p + 2] = gray[i];
		data[p + 3] = 255;
	}
	return { width, height, data };
}
