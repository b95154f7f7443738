/**
 * The reader process with real hostile input: a decoder that segfaults, a document that exhausts the
 * memory limit or the time limit fails only its own read; the next read gets a fresh process; the
 * process never outlives the one that started it; TIFF pages (which the canvas crashes on) are read.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';

import { readDocument } from '../../nodes/shared/documents';
import { nodeRequire } from '../../nodes/shared/documents/esm';
import { ReaderPool } from '../../nodes/shared/documents/readerPool';
import { DocumentError, type ReadDocument } from '../../nodes/shared/documents/types';
import { writePdf } from '../fixtures/pdf-writer';
import { tiffFile } from '../support/hostileDocuments';

jest.setTimeout(240_000);

const limits = { memoryMb: 400, documentSeconds: 120, pageSeconds: 60, processes: 1, idleSeconds: 30 };
const textPdf = writePdf([[{ x: 50, y: 60, text: 'Invoice No: 42 Total 12,00' }]]);
/** The WebP of issue 20: a header, then garbage that @napi-rs/canvas reads past its end (SIGSEGV). */
const crashingWebp = Buffer.concat([Buffer.from('RIFF\x00\x10\x00\x00WEBPVP8 ', 'latin1'), Buffer.alloc(4096, 0x41)]);

async function failure(promise: Promise<unknown>): Promise<DocumentError> {
	const error = await promise.then(
		() => undefined,
		(e: unknown) => e,
	);
	expect(error).toBeInstanceOf(DocumentError);
	return error as DocumentError;
}

function rawPdf(objects: Array<string | Buffer>): Buffer {
	const parts: Buffer[] = [Buffer.from('%PDF-1.4\n', 'latin1')];
	const offsets: number[] = [];
	let length = parts[0].length;
	objects.forEach((object, i) => {
		offsets.push(length);
		const body = Buffer.concat([Buffer.from(`${i + 1} 0 obj\n`, 'latin1'), typeof object === 'string' ? Buffer.from(object, 'latin1') : object, Buffer.from('\nendobj\n', 'latin1')]);
		parts.push(body);
		length += body.length;
	});
	parts.push(Buffer.from(`xref\n0 ${objects.length + 1}\n0000000000 65535 f \n${offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('')}trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${length}\n%%EOF\n`, 'latin1'));
	return Buffer.concat(parts);
}

/** A blank page whose content stream inflates to 256 MB. */
function flateBomb(): Buffer {
	const stream = deflateSync(Buffer.alloc(256 * 1024 * 1024, 0x20), { level: 9 });
	return rawPdf([
		'<< /Type /Catalog /Pages 2 0 R >>',
		'<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
		'<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>',
		Buffer.concat([Buffer.from(`<< /Filter /FlateDecode /Length ${stream.length} >>\nstream\n`, 'latin1'), stream, Buffer.from('\nendstream', 'latin1')]),
	]);
}

describe('a reader process', () => {
	it('a segfaulting decoder fails that read only; the next read gets a fresh process', async () => {
		const pool = new ReaderPool(limits);
		try {
			expect(((await pool.read({ op: 'read', data: textPdf })) as ReadDocument).pages[0].words.length).toBeGreaterThan(3);
			const [first] = pool.processIds;
			// Sent past preflight on purpose (readDocument refuses it from its header): the canvas really crashes.
			const error = await failure(pool.read({ op: 'read', data: crashingWebp, ocrLanguages: ['eng'] }));
			expect(error.code).toBe('READER_FAILED');
			expect(error.message).toBe('The document crashed its decoder (the reader process ended with SIGSEGV); n8n is unaffected');
			expect(error.hint).toMatch(/export or scan it again/);
			const again = (await pool.read({ op: 'read', data: textPdf })) as ReadDocument;
			expect(again.pages[0].words.map((w) => w.text).join(' ')).toContain('Invoice No: 42');
			expect(pool.processIds).not.toContain(first);
		} finally {
			pool.stopAll();
		}
	});

	it('is reused between reads, and a damaged document leaves it in use', async () => {
		const pool = new ReaderPool(limits);
		try {
			await pool.read({ op: 'read', data: textPdf });
			const [pid] = pool.processIds;
			expect((await failure(pool.read({ op: 'read', data: Buffer.from('%PDF-1.4\n1 0 obj\n<<>>\nendobj\n', 'latin1') }))).code).toBe('CORRUPT');
			await pool.read({ op: 'read', data: textPdf });
			expect(pool.processIds).toEqual([pid]);
		} finally {
			pool.stopAll();
		}
	});

	it('a document that needs more than the memory limit is stopped, naming the limit', async () => {
		const pool = new ReaderPool({ ...limits, memoryMb: 250 });
		try {
			const error = await failure(pool.read({ op: 'read', data: flateBomb() }));
			expect(error.code).toBe('READER_FAILED');
			expect(error.message).toBe("Reading the document needed more than 250 MB of memory, the reader's limit; it was stopped");
			expect(error.hint).toMatch(/AIW_READER_MEMORY_MB/);
		} finally {
			pool.stopAll();
		}
	});

	it('a document that takes longer than the time limit is stopped, naming the limit', async () => {
		// Room in memory, so that the time limit is what stops it (at 400 MB the memory limit came first on some runs).
		const pool = new ReaderPool({ ...limits, memoryMb: 2000, documentSeconds: 2 });
		try {
			// Two million drawing operators on a page without text: pdf.js keeps rendering.
			const content = '0 0 1 1 re f\n'.repeat(2_000_000);
			const flood = rawPdf(['<< /Type /Catalog /Pages 2 0 R >>', '<< /Type /Pages /Kids [3 0 R] /Count 1 >>', '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>', `<< /Length ${content.length} >>\nstream\n${content}\nendstream`]);
			const error = await failure(pool.read({ op: 'read', data: flood, ocrLanguages: ['eng'] }));
			expect(error.code).toBe('READER_FAILED');
			expect(error.message).toBe("Reading the document took longer than its time limit (2 s, plus 60 s for every page OCR'd); it was stopped");
		} finally {
			pool.stopAll();
		}
	});

	it('never outlives the process that started it', async () => {
		// A script that starts a read of a slow document, then is killed (SIGKILL: no exit handlers run).
		const script = `
			const { ReaderPool } = require(${JSON.stringify(join(__dirname, '..', '..', 'nodes', 'shared', 'documents', 'readerPool.ts'))});
			const pool = new ReaderPool(${JSON.stringify(limits)});
			pool.read({ op: 'read', data: Buffer.from(${JSON.stringify(writePdf([[{ x: 9, y: 9, text: 'x' }]]).toString('base64'))}, 'base64'), ocrLanguages: ['eng'] }).catch(() => {});
			setInterval(() => { if (pool.processIds.length) console.log('reader ' + pool.processIds[0]); }, 200);
		`;
		const file = join(mkdtempSync(join(tmpdir(), 'aiw-orphan-')), 'parent.ts');
		writeFileSync(file, script);
		const parent = spawn(process.execPath, [join(__dirname, '..', '..', 'scripts', 'run-ts.js'), file], { stdio: ['ignore', 'pipe', 'inherit'] });
		const readerPid = await new Promise<number>((resolve, reject) => {
			parent.stdout.on('data', (chunk: Buffer) => {
				const match = /reader (\d+)/.exec(chunk.toString());
				if (match) resolve(Number(match[1]));
			});
			parent.on('exit', () => reject(new Error('the parent script ended early')));
		});
		expect(alive(readerPid)).toBe(true);
		parent.kill('SIGKILL');
		const deadline = Date.now() + 15_000;
		while (alive(readerPid) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 200));
		expect(alive(readerPid)).toBe(false);
	});
});

function alive(pid: number): boolean {
	try {
		process.kill(pid, 0);
		return true;
	} catch {
		return false;
	}
}

describe('TIFF (decoded in JavaScript: the canvas crashes on it)', () => {
	it('reads every page of a multi-page TIFF through OCR, and sizes from the header', async () => {
		const { createCanvas } = nodeRequire('@napi-rs/canvas') as typeof import('@napi-rs/canvas');
		const page = (text: string) => {
			const canvas = createCanvas(900, 160);
			const context = canvas.getContext('2d');
			context.fillStyle = '#fff';
			context.fillRect(0, 0, 900, 160);
			context.fillStyle = '#000';
			context.font = '48px sans-serif';
			context.fillText(text, 30, 100);
			return new Uint8Array(context.getImageData(0, 0, 900, 160).data);
		};
		const grey = (rgba: Uint8Array) => Buffer.from(Array.from({ length: rgba.length / 4 }, (_, i) => rgba[i * 4]));
		const data = tiffFile(
			[
				{ width: 900, height: 160 },
				{ width: 900, height: 160 },
			],
			[grey(page('Invoice Total 123.45')), grey(page('Amount Due 678.90'))],
		);
		const document = await readDocument(data, { ocr: { languages: ['eng'] } });
		expect(document).toMatchObject({ kind: 'tiff', pageCount: 2, truncated: false });
		expect(document.pages.map((p) => p.words.map((w) => w.text).join(' '))).toEqual([expect.stringContaining('123.45'), expect.stringContaining('678.90')]);
		const first = await readDocument(data, { maxPages: 1, ocr: { languages: ['eng'] } });
		expect(first).toMatchObject({ pageCount: 2, truncated: true });
	});
});
