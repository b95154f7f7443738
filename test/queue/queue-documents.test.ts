/**
 * Documents read on a queue-mode worker: the reader process is a child of the worker (not of main or
 * the webhook processor); a scanned page is OCR'd there, a TIFF is read, an image that segfaults the
 * native decoder fails only its item while the worker keeps running (same process, no crash in its
 * log); when the worker stops, no reader process is left behind.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { startQueueN8n, type QueueN8n } from '../harness/queue';
import { hostileFiles } from '../support/hostileDocuments';
import { n8nMainPid, processTree } from '../support/processTree';
import { ourNode, webhook, workflow } from '../support/workflow';

const VERSION = process.env.AIW_QUEUE_N8N_VERSION ?? '2.41.1';

jest.setTimeout(20 * 60_000);

describe(`Extract Invoice on a queue-mode worker (n8n ${VERSION})`, () => {
	let queue: QueueN8n;
	let stopped = false;
	beforeAll(async () => {
		queue = await startQueueN8n({ version: VERSION, workers: 1, concurrency: 2 });
	}, 10 * 60_000);
	afterAll(async () => {
		if (!stopped) await queue?.stop();
	}, 2 * 60_000);

	it('reads in a reader process under the worker; a crashing image fails only its item; none is left after stop', async () => {
		// Made first: generating them holds this process's event loop for seconds, and a request sent
		// right after that goes out on a kept-alive socket n8n has meanwhile closed.
		const files = await hostileFiles();
		const hookPath = `documents-${randomUUID()}`;
		const id = await queue.main.createWorkflow(
			workflow(
				'Queue documents',
				[
					webhook('Webhook', hookPath),
					ourNode('Extract Invoice', 'extractInvoice', { inputType: 'binary', binaryPropertyName: 'file', engine: 'local', options: {} }, { onError: 'continueRegularOutput' }),
				],
				{ Webhook: [['Extract Invoice']] },
			),
		);
		await queue.main.activate(id);
		await queue.processor.waitForWebhook(hookPath, 'POST', 60_000);
		const worker = n8nMainPid(queue.workers[0].process.child.pid!);

		// What the workflow answers per upload: the record, or the item's error.
		type Upload = { invoice: { invoiceTotal?: unknown; invoiceId?: unknown }; error?: string };
		const pick = (name: string) => files.find((f) => f.name === name)!.data;
		const uploads: Array<[string, Buffer, (body: Upload) => void]> = [
			['scan.jpg', readFileSync(join(__dirname, '..', 'fixtures', 'invoices', 'en-GB-b-scan.jpg')), (body) => expect(body.invoice.invoiceTotal).not.toBeNull()],
			['scan-2-pages.tiff', pick('scan-2-pages.tiff'), (body) => expect(body.invoice).toBeDefined()],
			['jpeg-truncated.jpg', pick('jpeg-truncated.jpg'), (body) => expect(body.error).toBe('Item 0: The document crashed its decoder (the reader process ended with SIGSEGV); n8n is unaffected')],
			['invoice.pdf', pick('invoice.pdf'), (body) => expect(body.invoice.invoiceId).toBe('INV-7781')],
		];
		let readerSeen = false;
		for (const [name, data, check] of uploads) {
			const boundary = `----aiw${Date.now().toString(16)}`;
			const body = Buffer.concat([
				Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${name}"\r\nContent-Type: application/octet-stream\r\n\r\n`),
				data,
				Buffer.from(`\r\n--${boundary}--\r\n`),
			]);
			console.error('DEBUG upload', name);
			const response = await queue.processor.webhook<Upload[]>(hookPath, { method: 'POST', body, headers: { 'content-type': `multipart/form-data; boundary=${boundary}` }, timeoutMs: 5 * 60_000 });
			expect(response.status).toBe(200);
			check(response.body[0]);
			readerSeen ||= processTree(worker).some((p) => /readerChild/.test(p.command));
		}
		expect(readerSeen).toBe(true);
		// The reader runs under the worker only: main and the webhook processor read nothing.
		for (const other of [queue.main.startedPid!, queue.processorProcess.process.child.pid!]) expect(processTree(other).some((p) => /readerChild/.test(p.command))).toBe(false);
		expect(n8nMainPid(queue.workers[0].process.child.pid!)).toBe(worker);
		expect(queue.workers[0].log()).not.toMatch(/Segmentation fault|SIGSEGV|FATAL ERROR/);

		const readers = processTree(worker).filter((p) => /readerChild/.test(p.command)).map((p) => p.pid);
		await queue.stop();
		stopped = true;
		await new Promise((resolve) => setTimeout(resolve, 3000));
		expect(readers.filter((pid) => alive(pid))).toEqual([]);
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
