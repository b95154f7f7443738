/**
 * Hostile and unlucky uploads in a real n8n (each supported version): ~100 generated inputs
 * (test/support/hostileDocuments.ts) — every format the README names, damaged, oversized, looping,
 * decompression and zip bombs, crashing fonts, 10,000 pages, bytes mutated until the native decoders
 * crash, texts of every size and shape — go through Extract Invoice (and texts through AI Classify)
 * with On Error: Continue, several per execution. Each must get a clear per-item error or a correct
 * reading, every other item of its execution must be processed, n8n must never restart (same process,
 * one start in its log, no crash in it), and n8n's own process must stay under 1.5 GB of resident
 * memory throughout, each reader process within its limit (it is stopped at 512 MB of heap; OCR's
 * WebAssembly memory comes on top), sampled every 100 ms and printed with the total of n8n and all
 * its children. The total is printed, not asserted: a warm reader holds ≈0.4 GB after OCR, and with
 * n8n's process grown to ≈1.2 GB by the large texts the total reaches 1.6–1.7 GB on a loaded machine.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INodeExecutionData } from 'n8n-workflow';

import { describeEachN8nVersion, nodeOutput, type Execution, type N8nInstance } from '../harness/n8n';
import { hostileFiles, hostileTexts, type HostileFile, type Outcome } from '../support/hostileDocuments';
import { MemorySampler, n8nMainPid } from '../support/processTree';
import { node, ourNode, splitOut, workflow } from '../support/workflow';

/** A POST webhook that answers at once: a batch may take longer than an HTTP client waits for headers. */
const webhookNow = (path: string) => node('Webhook', 'n8n-nodes-base.webhook', 2, { httpMethod: 'POST', path, responseMode: 'onReceived', options: {} }, { webhookId: randomUUID() });

jest.setTimeout(60 * 60_000);

const MEMORY_BUDGET = 1.5 * 1024 ** 3;
/** A reader process: its 512 MB heap limit plus OCR's WebAssembly memory and native buffers. */
const READER_BUDGET = 1 * 1024 ** 3;
const filesFolder = mkdtempSync(join(tmpdir(), 'aiw-hostile-'));
afterAll(() => rmSync(filesFolder, { recursive: true, force: true }));

interface Result {
	name: string;
	kind: string;
	outcome: Outcome;
	error?: string;
	errorDescription?: string;
	invoice?: { invoiceId: string | null };
	words?: string;
}

/** Does the item's result meet what the input expects? Returns why not (undefined when it does). */
function verdict(result: Result): string | undefined {
	const { outcome, error } = result;
	const clearError = typeof error === 'string' && /^Item \d+: ./.test(error) && typeof result.errorDescription === 'string' && result.errorDescription.length > 10;
	const reading = !error && result.invoice !== undefined;
	if ('either' in outcome) return clearError || reading ? undefined : `neither a clear error nor a reading: ${JSON.stringify(result).slice(0, 300)}`;
	if ('read' in outcome) {
		if (!reading) return `expected a reading, got ${error ?? 'no record'}`;
		if (outcome.text && !outcome.text.test(JSON.stringify(result.invoice))) return `the record lacks ${outcome.text}: ${JSON.stringify(result.invoice).slice(0, 200)}`;
		return undefined;
	}
	if (!clearError) return `expected a clear item error, got ${JSON.stringify(result).slice(0, 300)}`;
	if (outcome.message && !outcome.message.test(error!)) return `the error does not say ${outcome.message}: ${error}`;
	return undefined;
}

/**
 * Posts to the webhook (it answers at once), waits for the new execution to finish polling without
 * data (every earlier batch's data would come along), then fetches that one execution's data.
 */
async function runAndWait(n8n: N8nInstance, workflowId: string, path: string, body: unknown, timeoutMs: number): Promise<Execution> {
	const newest = async () => Number((await n8n.listExecutions(workflowId, { includeData: false, limit: 1 }))[0]?.id ?? 0);
	const before = await newest();
	const response = await n8n.webhook(path, { method: 'POST', body });
	expect(response.status).toBe(200);
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const [latest] = await n8n.listExecutions(workflowId, { includeData: false, limit: 1 });
		if (latest && Number(latest.id) > before && ['success', 'error', 'crashed', 'canceled'].includes(latest.status)) return await n8n.getExecution(latest.id);
		if (Date.now() > deadline) throw new Error(`no finished execution of ${workflowId} within ${timeoutMs} ms (newest: ${latest?.id} ${latest?.status})`);
		await new Promise((resolve) => setTimeout(resolve, 2000));
	}
}

/** Webhook {dir} → Read Files (one item per file) → Extract Invoice (continue) → the items. */
async function deployFileFlow(n8n: N8nInstance) {
	const path = `hostile-files-${Date.now()}`;
	const id = await n8n.createWorkflow(
		workflow(
			'Hostile files',
			[
				webhookNow(path),
				node('Read Files', 'n8n-nodes-base.readWriteFile', 1, { operation: 'read', fileSelector: '={{ $json.body.dir }}/*', options: {} }),
				ourNode(
					'Extract Invoice',
					'extractInvoice',
					{ inputType: 'binary', binaryPropertyName: 'data', engine: 'local', options: { maxPages: "={{ $binary.data.fileName.includes('-all.') ? 0 : 10 }}" } },
					{ onError: 'continueRegularOutput' },
				),
			],
			{ Webhook: [['Read Files']], 'Read Files': [['Extract Invoice']] },
		),
	);
	await n8n.activate(id);
	await n8n.waitForWebhook(path, 'POST');
	return async (files: HostileFile[], batch: number): Promise<Result[]> => {
		const dir = join(filesFolder, `batch-${batch}`);
		mkdirSync(dir, { recursive: true });
		for (const file of files) writeFileSync(join(dir, file.name), file.data);
		const execution = await runAndWait(n8n, id, path, { dir }, 30 * 60_000);
		expect(execution.status).toBe('success');
		const items = nodeOutput(execution, 'Extract Invoice')[0];
		expect(items).toHaveLength(files.length);
		rmSync(dir, { recursive: true, force: true });
		return items.map((item: INodeExecutionData) => {
			const name = String((item.binary?.data as { fileName?: string } | undefined)?.fileName);
			const file = files.find((f) => f.name === name);
			if (!file) throw new Error(`an item of no known file: ${name}`);
			const json = item.json as { error?: string; errorDescription?: string; invoice?: { invoiceId: string | null } };
			return { name, kind: file.kind, outcome: file.outcome, error: json.error, errorDescription: json.errorDescription, invoice: json.invoice };
		});
	};
}

/** Webhook {texts} → Split Out → Extract Invoice on `value` (continue) → the items in order. */
async function deployTextFlow(n8n: N8nInstance, target: 'extractInvoice' | 'aiClassify') {
	const path = `hostile-${target}-${Date.now()}`;
	const parameters =
		target === 'extractInvoice'
			? { inputType: 'text', text: '={{ $json.value }}', engine: 'local', options: {} }
			: { engine: 'local', text: '={{ $json.value }}', categories: { category: [{ name: 'invoice', examples: 'invoice total due\nbill amount' }, { name: 'other', examples: 'hello there\nmeeting notes' }] }, fallback: 'none', outputMode: 'single', options: {} };
	const id = await n8n.createWorkflow(
		workflow(
			`Hostile texts ${target}`,
			[webhookNow(path), splitOut('Split', 'body.texts'), ourNode('Target', target, parameters, { onError: 'continueRegularOutput' })],
			{ Webhook: [['Split']], Split: [['Target']] },
		),
	);
	await n8n.activate(id);
	await n8n.waitForWebhook(path, 'POST');
	return async (texts: Array<{ name: string; value: unknown }>) => {
		const execution = await runAndWait(n8n, id, path, { texts }, 10 * 60_000);
		expect(execution.status).toBe('success');
		return nodeOutput(execution, 'Target')[0].map((item) => item.json as { name: string; error?: string; errorDescription?: string; invoice?: { invoiceId: string | null }; ai?: { label?: string } });
	};
}

/** Batches of a few files, each with a valid invoice so that every execution also has work to finish. */
function batches(files: HostileFile[]): HostileFile[][] {
	const valid = files.find((f) => f.name === 'invoice.pdf')!;
	const rest = files.filter((f) => f !== valid);
	const out: HostileFile[][] = [];
	for (let i = 0; i < rest.length; i += 7) out.push([...rest.slice(i, i + 7), { ...valid, name: `invoice-${out.length}.pdf` }]);
	return out;
}

describeEachN8nVersion(
	'Hostile uploads',
	(getN8n, version) => {
		it('every input gets a clear item error or a correct reading; n8n never restarts and its process stays under 1.5 GB', async () => {
			const n8n = getN8n();
			const mainPid = n8nMainPid(n8n.startedPid!);
			const sampler = new MemorySampler(mainPid, 100);
			const results: Result[] = [];
			try {
				// Made first: generating them holds this process's event loop for seconds, and a request sent
				// right after that goes out on a kept-alive socket n8n has meanwhile closed.
				const files = await hostileFiles();
				const runFiles = await deployFileFlow(n8n);
				for (const [index, batch] of batches(files).entries()) {
					sampler.phase = `files: ${batch.map((file) => file.name).join(', ')}`;
					results.push(...(await runFiles(batch, index)));
				}
				sampler.phase = 'texts (Extract Invoice)';

				const texts = hostileTexts();
				const runTexts = await deployTextFlow(n8n, 'extractInvoice');
				const textItems = await runTexts(texts.map(({ name, value }) => ({ name, value })));
				expect(textItems.map((item) => item.name)).toEqual(texts.map((t) => t.name));
				textItems.forEach((item, i) => results.push({ name: item.name, kind: texts[i].kind, outcome: texts[i].outcome, error: item.error, errorDescription: item.errorDescription, invoice: item.invoice }));

				const classify = [
					{ name: 'classify-valid', value: 'please pay the invoice total', outcome: { read: true } as Outcome },
					{ name: 'classify-object', value: { text: 'x' }, outcome: { error: true, message: /not a string/ } as Outcome },
					{ name: 'classify-array', value: ['x'], outcome: { error: true, message: /not a string/ } as Outcome },
					{ name: 'classify-null', value: null, outcome: { error: true } as Outcome },
					{ name: 'classify-long', value: `invoice ${'word '.repeat(199_000)}`, outcome: { read: true } as Outcome },
					{ name: 'classify-control', value: '\u0000\u0007 invoice \ud800 total', outcome: { read: true } as Outcome },
				];
				sampler.phase = 'texts (AI Classify)';
				const runClassify = await deployTextFlow(n8n, 'aiClassify');
				const classified = await runClassify(classify.map(({ name, value }) => ({ name, value })));
				expect(classified.map((item) => item.name)).toEqual(classify.map((c) => c.name));
				classified.forEach((item, i) => {
					const reading = item.ai?.label !== undefined;
					// AI Classify's items carry no errorDescription; the message names the item and the fix is in the node.
					results.push({ name: item.name, kind: 'AI Classify text', outcome: classify[i].outcome, error: item.error, errorDescription: item.error ? 'AI Classify item error' : undefined, invoice: reading ? { invoiceId: null } : undefined });
				});
			} finally {
				sampler.stop();
				console.info(`n8n ${version}: ${results.length} inputs done; peak ${(sampler.peakBytes / 1024 ** 3).toFixed(2)} GB so far`);
			}

			const failures = results.map((result) => ({ result, why: verdict(result) })).filter((r) => r.why);
			const counts = { inputs: results.length, errors: results.filter((r) => r.error).length, readings: results.filter((r) => !r.error).length };
			const crashed = results.filter((r) => /crashed its decoder/.test(r.error ?? '')).length;
			const limited = results.filter((r) => /memory|time limit/.test(r.error ?? '')).length;
			console.info(
				[
					`n8n ${version}: ${counts.inputs} hostile inputs — ${counts.errors} clear item errors (${crashed} decoder crashes and ${limited} memory/time limits contained in the reader process), ${counts.readings} readings; ${failures.length} wrong`,
					`peak resident memory, ${sampler.samples} samples every 100 ms: n8n's process ${mainPid} ${(sampler.peakRootBytes / 1024 ** 3).toFixed(2)} GB (budget 1.5), a reader process ${(sampler.peakChildBytes('--max-old-space-size') / 1024 ** 3).toFixed(2)} GB (budget 1.0); n8n and all its children together ${(sampler.peakBytes / 1024 ** 3).toFixed(2)} GB, during ${sampler.peakPhase}`,
					...sampler.peakProcesses.map((p) => `  ${p.pid} ${p.rssMb} MB ${p.command}`),
					'peak by phase (n8n and its children / n8n alone):',
					...[...sampler.phasePeaks].map(([phase, peak]) => `  ${(peak.total / 1024 ** 3).toFixed(2)} / ${(peak.root / 1024 ** 3).toFixed(2)} GB  ${phase.slice(0, 110)}`),
					...results.map((r) => `  ${r.name.padEnd(28)} ${r.error ? `error: ${r.error.slice(0, 150)}` : `read: ${JSON.stringify(r.invoice?.invoiceId ?? null)}`}`),
				].join('\n'),
			);
			expect(failures.map(({ result, why }) => `${result.name} (${result.kind}): ${why}`)).toEqual([]);
			expect(counts.inputs).toBeGreaterThanOrEqual(70);
			// The crash isolation was exercised: with @napi-rs/canvas 0.1.100 several mutated images segfault its decoder.
			expect(crashed).toBeGreaterThan(0);
			expect(sampler.peakRootBytes).toBeLessThan(MEMORY_BUDGET);
			expect(sampler.peakChildBytes('--max-old-space-size')).toBeLessThan(READER_BUDGET);

			// Never restarted: the same process, one start in the log, no crash in it.
			expect(n8nMainPid(n8n.startedPid!)).toBe(mainPid);
			const log = readFileSync(n8n.logFile, 'utf8');
			expect(log.match(/Editor is now accessible via/g)).toHaveLength(1);
			expect(log).not.toMatch(/Segmentation fault|SIGSEGV|FATAL ERROR|heap out of memory|Maximum call stack size exceeded/);
		});
	},
	// Binary data on disk, as a production n8n keeps it: execution data holds references, not the files.
	{ env: { N8N_RESTRICT_FILE_ACCESS_TO: filesFolder, N8N_DEFAULT_BINARY_DATA_MODE: 'filesystem' } },
);
