/**
 * Speed of the local invoice engine, and OCR preprocessing measured on receipts.
 *   node scripts/run-ts.js scripts/bench-invoice.ts <file.pdf|image> ...
 *     read the way Extract Invoice reads them (checked, then read in the reader process):
 *     text-layer PDFs: median ms per page (pdf.js loaded); images and scans: median s per page (the
 *     reader process and its OCR worker started; their start-up is reported apart).
 *   node scripts/run-ts.js scripts/bench-invoice.ts --receipts <sroie folder> [--limit N] [--languages eng+deu+fra]
 *     each preprocessing variant (none, binarise, deskew + binarise) on the first N receipt images:
 *     OCR s/page median and the share of receipts whose total and date the engine reads right.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { OcrSession, readDocument, type OcrLanguage } from '../nodes/shared/documents';
import { prepareForOcr, type PreprocessOptions } from '../nodes/shared/documents/image';
import { runLocalEngine } from '../nodes/shared/invoice/engine';
import { findDates } from '../nodes/shared/invoice/dates';

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const argv = process.argv.slice(2);
const value = (flag: string) => (argv.includes(flag) ? argv[argv.indexOf(flag) + 1] : undefined);

async function files(paths: string[]) {
	const ocr = new OcrSession();
	try {
		let started = performance.now();
		// Documents are read in the reader process (nodes/shared/documents/readerPool.ts): its start-up,
		// with the OCR worker's, is what the first document pays.
		await readDocument(readFileSync(paths.find((f) => !f.endsWith('.pdf')) ?? paths[0]), { ocr }).catch(() => undefined);
		console.log(`Reader process + OCR worker start + first page: ${((performance.now() - started) / 1000).toFixed(1)} s`);
		const ocrPerPage: number[] = [];
		for (const file of paths) {
			const data = readFileSync(file);
			const pdf = file.toLowerCase().endsWith('.pdf');
			const runs: number[] = [];
			let pages = 1;
			let scanned = false;
			for (let i = 0; i < (pdf ? 10 : 2); i++) {
				started = performance.now();
				const document = await readDocument(data, { ocr });
				runLocalEngine(document);
				runs.push(performance.now() - started);
				pages = document.pages.length;
				scanned = document.pages.some((p) => p.source === 'ocr');
				if (scanned && i >= 1) break;
			}
			const perPage = median(runs) / pages;
			if (scanned) ocrPerPage.push(perPage / 1000);
			console.log(`${file}: ${scanned ? `${(perPage / 1000).toFixed(2)} s/page` : `${perPage.toFixed(1)} ms/page`} (median of ${runs.length}, ${pages} page(s))`);
		}
		if (ocrPerPage.length) console.log(`OCR: median ${median(ocrPerPage).toFixed(2)} s/page over ${ocrPerPage.length} scanned document(s)`);
	} finally {
		await ocr.close();
	}
}

async function receipts(folder: string) {
	const limit = Number(value('--limit') ?? 12);
	const languages = (value('--languages') ?? 'eng+deu+fra').split('+') as OcrLanguage[];
	const images = readdirSync(join(folder, 'img')).filter((f) => f.endsWith('.jpg')).sort().slice(0, limit);
	const variants: Array<[string, PreprocessOptions]> = [
		['none', {}],
		['binarise', { binarise: true }],
		['deskew + binarise', { binarise: true, deskew: true }],
	];
	const ocr = new OcrSession(languages);
	try {
		await ocr.recognise(readFileSync(join(folder, 'img', images[0])), 1);
		for (const [name, options] of variants) {
			const seconds: number[] = [];
			let right = 0;
			for (const image of images) {
				const key = JSON.parse(readFileSync(join(folder, 'key', `${basename(image, '.jpg')}.json`), 'utf8')) as { date?: string; total?: string };
				const started = performance.now();
				const prepared = await prepareForOcr(readFileSync(join(folder, 'img', image)), options);
				const result = await ocr.recognise(prepared.image, 1, prepared.scale);
				const record = runLocalEngine({ kind: 'jpeg', pages: [{ number: 1, width: prepared.width, height: prepared.height, source: 'ocr', words: result.words }], pageCount: 1, truncated: false }).invoice;
				seconds.push((performance.now() - started) / 1000);
				const total = Number(String(key.total ?? '').replace(/[^\d.]/g, ''));
				const date = key.date ? findDates(key.date, 'DMY')[0]?.iso : undefined;
				const amount = record.amountDue ?? record.invoiceTotal;
				if (amount !== null && Math.abs(amount - total) < 0.005 && record.invoiceDate === date) right++;
			}
			console.log(`${name.padEnd(18)} OCR ${median(seconds).toFixed(2)} s/page median, total and date right on ${right} of ${images.length} receipts (languages ${languages.join('+')})`);
		}
	} finally {
		await ocr.close();
	}
}

const receiptFolder = value('--receipts');
(receiptFolder ? receipts(receiptFolder) : files(argv)).catch((error) => {
	console.error(error);
	process.exit(1);
});
