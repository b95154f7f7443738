import { createHash, randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, lstatSync, mkdirSync, readlinkSync, renameSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { createWorker, OEM, type Worker } from 'tesseract.js';
import { DocumentError, type PositionedWord } from './types';

export const OCR_LANGUAGES = ['eng', 'deu', 'fra'] as const;
export type OcrLanguage = (typeof OCR_LANGUAGES)[number];

/**
 * The traineddata of a language from its installed npm package (`@tesseract.js-data/<lang>`).
 * The LSTM-only "best_int" model: it is what tesseract.js uses for its default engine, smaller and
 * faster than the legacy+LSTM one.
 */
export function traineddataPath(language: OcrLanguage): string {
	const packageJson = require.resolve(`@tesseract.js-data/${language}/package.json`);
	return join(dirname(packageJson), '4.0.0_best_int', `${language}.traineddata.gz`);
}

/**
 * tesseract.js reads every language from one `langPath` folder, but each language package has its
 * own folder: gather links to the installed files in one folder (no download, ever). The folder is
 * named after the installed files, so another install of the package (an upgrade, a second n8n)
 * never reads this one's links, and a link left dangling by an install that is gone is replaced.
 */
export function languageFolder(languages: readonly OcrLanguage[]): string {
	const sources = [...languages].sort().map((language) => [language, traineddataPath(language)] as const);
	const key = createHash('sha256').update(sources.map(([, source]) => source).join('\n')).digest('hex').slice(0, 16);
	const folder = join(tmpdir(), 'n8n-nodes-ai-workflow-tessdata', `best_int-${key}`);
	mkdirSync(folder, { recursive: true });
	for (const [language, source] of sources) {
		const target = join(folder, `${language}.traineddata.gz`);
		if (holds(target, source)) continue;
		// Made under a name of its own, then renamed over the target: atomic, so two processes
		// preparing the folder at once never see a half-made file or fail on each other's link.
		const temporary = `${target}.${process.pid}-${randomBytes(4).toString('hex')}`;
		try {
			symlinkSync(source, temporary);
		} catch {
			copyFileSync(source, temporary);
		}
		renameSync(temporary, target);
	}
	return folder;
}

/** True when `target` is a working link to `source`, or a full copy of it. */
function holds(target: string, source: string): boolean {
	try {
		const entry = lstatSync(target);
		if (entry.isSymbolicLink()) return readlinkSync(target) === source && existsSync(target);
		return entry.isFile() && entry.size === statSync(source).size;
	} catch {
		return false;
	}
}

export interface OcrResult {
	words: PositionedWord[];
	width: number;
	height: number;
}

interface TesseractWord {
	text: string;
	confidence: number;
	bbox: { x0: number; y0: number; x1: number; y1: number };
}

/** One tesseract worker for one node execution: created on first use, terminated by `close()`. */
export class OcrSession {
	private worker: Promise<Worker> | undefined;
	pagesRecognised = 0;

	constructor(readonly languages: readonly OcrLanguage[] = OCR_LANGUAGES) {}

	private start(): Promise<Worker> {
		if (!this.worker) {
			const langPath = languageFolder(this.languages);
			this.worker = createWorker([...this.languages], OEM.LSTM_ONLY, {
				langPath,
				gzip: true,
				// Never read or write a traineddata cache in n8n's working folder.
				cacheMethod: 'none',
			});
		}
		return this.worker;
	}

	/** Words of an image (PNG, JPEG, TIFF, WebP bytes); `page` and `scale` place them on a page. */
	async recognise(image: Buffer, page: number, scale = 1): Promise<OcrResult> {
		const worker = await this.start();
		let result;
		try {
			result = await worker.recognize(image, {}, { blocks: true, text: false });
		} catch (error) {
			// A pure module has no node to name: the node maps DocumentError to NodeOperationError.
			throw new DocumentError(
				'OCR_FAILED',
				`OCR could not read the image of page ${page}: ${error instanceof Error ? error.message : String(error)}`,
				'Check that the image is not damaged; a PNG or JPEG of at least 150 dpi works best.',
			);
		}
		this.pagesRecognised++;
		const words: PositionedWord[] = [];
		for (const block of result.data.blocks ?? []) {
			for (const paragraph of block.paragraphs) {
				for (const line of paragraph.lines) {
					for (const word of line.words as TesseractWord[]) {
						const text = word.text.trim();
						// Specks and smudges come back as low-confidence one- or two-glyph "words".
						if (!text || (word.confidence < 35 && !/\d/.test(text)) || (word.confidence < 60 && text.length <= 1 && !/[\p{L}\p{N}]/u.test(text))) continue;
						words.push({
							text,
							page,
							x0: word.bbox.x0 / scale,
							y0: word.bbox.y0 / scale,
							x1: word.bbox.x1 / scale,
							y1: word.bbox.y1 / scale,
							confidence: Math.max(0, Math.min(1, word.confidence / 100)),
						});
					}
				}
			}
		}
		const width = words.reduce((max, w) => Math.max(max, w.x1), 0);
		const height = words.reduce((max, w) => Math.max(max, w.y1), 0);
		return { words, width, height };
	}

	async close(): Promise<void> {
		const worker = this.worker;
		this.worker = undefined;
		if (worker) await (await worker).terminate();
	}
}
