/**
 * The reader process: reads one document at a time for n8n's process (readerPool.ts) with the same
 * functions n8n's process used to call itself (readDocumentInProcess, renderPageImages), so a
 * native crash, a memory blow-up or a runaway page ends this process and fails only that item.
 * OCR workers stay warm here between items and executions.
 */
import { Worker } from 'node:worker_threads';
import { OcrSession, type OcrLanguage } from './ocr';
import { renderPageImages } from './pageImages';
import { readDocumentInProcess } from './read';
import { DocumentError } from './types';
import type { ReaderReply, ReaderRequest } from './readerProtocol';

/** Tells n8n's process that a page was OCR'd (each page extends the time the document may take). */
class ReportingOcrSession extends OcrSession {
	onPage: () => void = () => undefined;

	override async recognise(image: Buffer, page: number, scale?: number) {
		try {
			return await super.recognise(image, page, scale);
		} finally {
			this.onPage();
		}
	}
}

/**
 * One OCR session at a time, for the languages last asked for: a second set of languages would hold
 * a second tesseract worker (~150 MB) inside the memory limit.
 */
let current: { key: string; session: ReportingOcrSession } | undefined;

async function ocrSession(languages: readonly OcrLanguage[]): Promise<ReportingOcrSession> {
	const key = [...languages].sort().join('+');
	if (current?.key !== key) {
		await dropSession();
		current = { key, session: new ReportingOcrSession(languages) };
	}
	return current.session;
}

/** Also after a failure: an OCR worker that failed may be left broken, the next document gets a fresh one. */
async function dropSession(): Promise<void> {
	const open = current?.session;
	current = undefined;
	await open?.close().catch(() => undefined);
}

function send(reply: ReaderReply): void {
	process.send?.(reply);
}

async function handle(request: ReaderRequest): Promise<unknown> {
	const data = Buffer.from(request.data.buffer, request.data.byteOffset, request.data.byteLength);
	if (request.op === 'pageImages') return await renderPageImages(data, request.pages);
	const ocr = request.ocrLanguages ? await ocrSession(request.ocrLanguages) : undefined;
	if (ocr) ocr.onPage = () => send({ id: request.id, type: 'progress' });
	try {
		return await readDocumentInProcess(data, { maxPages: request.maxPages, ocr });
	} finally {
		if (ocr) ocr.onPage = () => undefined;
	}
}

process.on('message', (request: ReaderRequest) => {
	handle(request).then(
		(value) => send({ id: request.id, type: 'result', value }),
		async (error: unknown) => {
			if (!(error instanceof DocumentError) || error.code === 'OCR_FAILED') await dropSession();
			send({
				id: request.id,
				type: 'error',
				error: error instanceof DocumentError ? { code: error.code, message: error.message, hint: error.hint } : { message: error instanceof Error ? error.message : String(error) },
			});
		},
	);
});

// n8n's process gone (stopped, crashed, killed): so is this one, even while a page keeps its thread busy.
// The parent's pid comes from the parent: one that died while this process was starting is noticed too.
process.on('disconnect', () => process.exit(0));
const parent = Number(process.env.AIW_READER_PARENT_PID) || process.ppid;
if (!process.connected || process.ppid !== parent) process.exit(0);
new Worker(
	`setInterval(() => { if (process.ppid !== ${parent}) process.kill(${process.pid}, 'SIGKILL'); }, 1000);`,
	{ eval: true },
).unref();

// pdf.js leaves rejections of its fake worker unhandled on some damaged files; the request has its answer.
process.on('unhandledRejection', () => undefined);

send({ type: 'ready' });
