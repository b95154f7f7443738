/**
 * Speed of the local invoice engine: text-layer PDFs (median ms per page, pdf.js already loaded) and
 * OCR (seconds per page, OCR worker already started; its start-up is reported separately), read the
 * way Extract Invoice reads them (checked, then read in the reader process).
 *   node scripts/run-ts.js scripts/bench-invoice.ts <file.pdf|image> ...
 */
import { readFileSync } from 'node:fs';
import { OcrSession, readDocument } from '../nodes/shared/documents';
import { runLocalEngine } from '../nodes/shared/invoice/engine';

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

async function main() {
	const files = process.argv.slice(2);
	const ocr = new OcrSession();
	try {
		let started = performance.now();
		// Documents are read in the reader process (nodes/shared/documents/readerPool.ts): its start-up,
		// with the OCR worker's, is what the first document pays.
		await readDocument(readFileSync(files.find((f) => !f.endsWith('.pdf')) ?? files[0]), { ocr }).catch(() => undefined);
		console.log(`Reader process + OCR worker start + first page: ${((performance.now() - started) / 1000).toFixed(1)} s`);
		for (const file of files) {
			const data = readFileSync(file);
			const pdf = file.toLowerCase().endsWith('.pdf');
			const runs: number[] = [];
			let pages = 1;
			for (let i = 0; i < (pdf ? 10 : 2); i++) {
				started = performance.now();
				const document = await readDocument(data, { ocr });
				runLocalEngine(document);
				runs.push(performance.now() - started);
				pages = document.pages.length;
			}
			const perPage = median(runs) / pages;
			console.log(`${file}: ${pdf ? `${perPage.toFixed(1)} ms/page` : `${(perPage / 1000).toFixed(2)} s/page`} (median of ${runs.length}, ${pages} page(s))`);
		}
	} finally {
		await ocr.close();
	}
}

main().catch((error) => {
	console.error(error);
	process.exit(1);
});
