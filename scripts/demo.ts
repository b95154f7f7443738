/**
 * The main job, offline, in one command (`npm start`): a real n8n on 127.0.0.1:5678 with this
 * package installed, an owner account, and the example workflows imported and active (support-ticket
 * triage, invoice intake, daily metrics report). It feeds them sample tickets and invoices through
 * their webhooks, prints counts per path, the pending review links and where the metrics report is,
 * and keeps n8n running until Ctrl-C.
 *
 *   npm start                 reuse the demo folder of an earlier run (its data, reviews, metrics)
 *   npm start -- --reset      start from an empty demo folder
 *   npm start -- --once       feed, print the summary, stop (used by the tests)
 *
 * No API key and no internet: AI Classify and Extract Invoice run on the local engine. With
 * AIW_OPENAI_BASE_URL (and AIW_OPENAI_API_KEY where the endpoint needs one) set, the examples use the
 * cascade engine against that OpenAI-compatible endpoint.
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';

import { OWNER, startN8n, type N8nInstance } from '../test/harness/n8n';

const repoRoot = path.resolve(__dirname, '..');
const examplesDir = path.join(repoRoot, 'examples');
/** Generated invoices in three languages (text-layer PDFs) and one scan that goes through OCR. */
const DEMO_INVOICES = ['en-US-a.pdf', 'de-DE-a.pdf', 'fr-FR-a.pdf', 'en-IE-c.pdf', 'en-GB-b-scan.jpg'];

export interface DemoOptions {
	port: number;
	dir: string;
	n8nVersion: string;
	reset: boolean;
	once: boolean;
	log?: (line: string) => void;
}

export interface ReviewLink {
	reviewUrl: string;
	title: string;
	itemCount: number;
	workflowName: string;
	executionId: string;
	receivedAt: string;
}

export interface DemoSummary {
	tickets: {
		sent: number;
		byPath: Record<string, number>;
		byLabel: Record<string, number>;
		results: Array<{ ticketId: string; text: string; path: string; label: string }>;
	};
	invoices: { sent: number; byPath: Record<string, number> };
	reviewLinks: ReviewLink[];
	reportFile: string;
	reportFigures: Record<string, unknown>;
	baseUrl: string;
}

interface Workflow {
	name: string;
	connections: Record<string, unknown>;
	nodes: Array<{ name: string; type: string; parameters: Record<string, unknown>; credentials?: Record<string, unknown> }>;
	[key: string]: unknown;
}

/** Receives Human Review Wait's notifications (Generic JSON) so the demo can list the review links. */
async function startInbox(file: string): Promise<{ url: string; links: ReviewLink[]; close: () => Promise<void> }> {
	const links: ReviewLink[] = fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, 'utf8')) as ReviewLink[]) : [];
	const server = http.createServer((req, res) => {
		let body = '';
		req.on('data', (chunk) => (body += chunk));
		req.on('end', () => {
			try {
				const message = JSON.parse(body) as Partial<ReviewLink>;
				if (typeof message.reviewUrl === 'string') {
					links.push({
						reviewUrl: message.reviewUrl,
						title: String(message.title ?? ''),
						itemCount: Number(message.itemCount ?? 1),
						workflowName: String(message.workflowName ?? ''),
						executionId: String(message.executionId ?? ''),
						receivedAt: new Date().toISOString(),
					});
					fs.writeFileSync(file, JSON.stringify(links, null, 1));
				}
				res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
			} catch {
				res.writeHead(400).end();
			}
		});
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const { port } = server.address() as { port: number };
	return {
		url: `http://127.0.0.1:${port}/review-links`,
		links,
		close: () => new Promise<void>((resolve) => server.close(() => resolve())),
	};
}

function loadWorkflow(file: string, inboxUrl: string, llmCredential?: { id: string; name: string }): Workflow {
	const workflow = JSON.parse(fs.readFileSync(path.join(examplesDir, file), 'utf8')) as Workflow;
	for (const node of workflow.nodes) {
		if (node.type === 'n8n-nodes-ai-workflow.humanReviewWait') node.parameters.notifyUrl = inboxUrl;
		const engineNode = node.type === 'n8n-nodes-ai-workflow.aiClassify' || node.type === 'n8n-nodes-ai-workflow.extractInvoice';
		if (engineNode && llmCredential) {
			node.parameters.engine = 'cascade';
			node.parameters.authentication = 'openAiCompatibleApi';
			node.credentials = { openAiCompatibleApi: llmCredential };
		}
	}
	return workflow;
}

async function deploy(n8n: N8nInstance, workflow: Workflow): Promise<string> {
	const existing = await n8n.api<{ data: Array<{ id: string; name: string; active: boolean }> }>('GET', 'workflows', undefined, {
		name: workflow.name,
	});
	const found = existing.data.find((w) => w.name === workflow.name);
	const id = found ? found.id : await n8n.createWorkflow(workflow);
	if (!found?.active) await n8n.activate(id);
	return id;
}

function webhookPath(workflow: Workflow): string {
	const trigger = workflow.nodes.find((node) => node.type === 'n8n-nodes-base.webhook');
	if (!trigger) throw new Error(`${workflow.name} has no Webhook node`);
	return String(trigger.parameters.path);
}

async function inBatches<T>(items: T[], concurrency: number, task: (item: T, index: number) => Promise<void>) {
	let next = 0;
	await Promise.all(
		Array.from({ length: concurrency }, async () => {
			while (next < items.length) {
				const index = next++;
				await task(items[index], index);
			}
		}),
	);
}

/** A live counter on a terminal; nothing in between when the output is a file or a test. */
let lastProgress = '';
function progress(line: string) {
	lastProgress = line;
	if (process.stdout.isTTY) process.stdout.write(`\r  ${line}`);
}
function progressDone() {
	if (process.stdout.isTTY) process.stdout.write('\n');
	else if (lastProgress) console.log(`  ${lastProgress}`);
	lastProgress = '';
}

function count(record: Record<string, number>, key: string) {
	record[key] = (record[key] ?? 0) + 1;
}

export async function runDemo(options: DemoOptions): Promise<{ summary: DemoSummary; n8n: N8nInstance; stop: () => Promise<void> }> {
	const log = options.log ?? ((line: string) => console.log(line));
	if (options.reset) fs.rmSync(options.dir, { recursive: true, force: true });
	fs.mkdirSync(options.dir, { recursive: true });
	const inbox = await startInbox(path.join(options.dir, 'review-links.json'));

	log(`Starting n8n ${options.n8nVersion} on http://127.0.0.1:${options.port} (data in ${options.dir}) …`);
	const n8n = await startN8n({
		version: options.n8nVersion,
		port: options.port,
		userFolder: path.join(options.dir, 'n8n'),
		env: { AIW_DEMO: '1' },
	});
	const stop = async () => {
		await n8n.stop();
		await inbox.close();
	};
	try {
		let llmCredential: { id: string; name: string } | undefined;
		if (process.env.AIW_OPENAI_BASE_URL) {
			const name = 'Demo OpenAI-compatible endpoint';
			const id = await n8n.createCredential(name, 'openAiCompatibleApi', {
				apiKey: process.env.AIW_OPENAI_API_KEY ?? '',
				baseUrl: process.env.AIW_OPENAI_BASE_URL,
				allowedHttpRequestDomains: 'all',
			});
			llmCredential = { id, name };
			log(`Using the OpenAI-compatible endpoint ${process.env.AIW_OPENAI_BASE_URL}: examples run on the cascade engine.`);
		}

		const triage = loadWorkflow('demo-ticket-triage.json', inbox.url, llmCredential);
		const intake = loadWorkflow('demo-invoice-intake.json', inbox.url, llmCredential);
		const report = loadWorkflow('demo-daily-metrics-report.json', inbox.url);
		const ids: Record<string, string> = {};
		for (const workflow of [triage, intake, report]) {
			ids[workflow.name] = await deploy(n8n, workflow);
			await n8n.waitForWebhook(webhookPath(workflow), 'POST');
			log(`  workflow active: ${workflow.name}`);
		}

		const tickets = JSON.parse(fs.readFileSync(path.join(examplesDir, 'samples', 'tickets.json'), 'utf8')) as Array<Record<string, unknown>>;
		const ticketSummary: DemoSummary['tickets'] = { sent: 0, byPath: {}, byLabel: {}, results: [] };
		await inBatches(tickets, 4, async (ticket) => {
			const response = await n8n.webhook(webhookPath(triage), { method: 'POST', body: ticket, timeoutMs: 120_000 });
			const answer = response.body as { path?: string; label?: string; error?: string };
			if (response.status !== 200) throw new Error(`ticket ${String(ticket.ticketId)}: HTTP ${response.status} ${JSON.stringify(answer)}`);
			ticketSummary.sent++;
			count(ticketSummary.byPath, answer.path ?? 'unknown');
			count(ticketSummary.byLabel, answer.label ?? 'unknown');
			ticketSummary.results.push({
				ticketId: String(ticket.ticketId),
				text: String(ticket.text),
				path: answer.path ?? 'unknown',
				label: answer.label ?? 'unknown',
			});
			progress(`tickets  ${ticketSummary.sent}/${tickets.length}`);
		});
		progressDone();

		const invoiceDir = path.join(repoRoot, 'test', 'fixtures', 'invoices');
		const invoices = DEMO_INVOICES.filter((file) => fs.existsSync(path.join(invoiceDir, file)));
		const invoiceSummary = { sent: 0, byPath: {} as Record<string, number> };
		await inBatches(invoices, 2, async (file) => {
			const form = new FormData();
			const type = file.endsWith('.pdf') ? 'application/pdf' : file.endsWith('.png') ? 'image/png' : 'image/jpeg';
			form.append('data', new Blob([fs.readFileSync(path.join(invoiceDir, file))], { type }), file);
			const response = await fetch(new URL(`webhook/${webhookPath(intake)}`, n8n.baseUrl), { method: 'POST', body: form });
			const answer = (await response.json()) as { path?: string };
			if (!response.ok) throw new Error(`invoice ${file}: HTTP ${response.status} ${JSON.stringify(answer)}`);
			invoiceSummary.sent++;
			count(invoiceSummary.byPath, answer.path ?? 'unknown');
			progress(`invoices ${invoiceSummary.sent}/${invoices.length}`);
		});
		progressDone();

		// Metrics Logger writes asynchronously after each review branch; the report covers what is stored.
		const reportResponse = await fetch(new URL(`webhook/${webhookPath(report)}`, n8n.baseUrl), { method: 'POST' });
		const reportFile = path.join(options.dir, 'metrics-report.html');
		const html = Buffer.from(await reportResponse.arrayBuffer());
		if (!reportResponse.ok) throw new Error(`metrics report: HTTP ${reportResponse.status} ${html.toString('utf8').slice(0, 300)}`);
		fs.writeFileSync(reportFile, html);
		const figures = JSON.parse(reportResponse.headers.get('x-report-figures') ?? '{}') as Record<string, unknown>;

		const summary: DemoSummary = {
			tickets: ticketSummary,
			invoices: invoiceSummary,
			reviewLinks: inbox.links,
			reportFile,
			reportFigures: figures,
			baseUrl: n8n.baseUrl,
		};
		printSummary(summary, log);
		return { summary, n8n, stop };
	} catch (error) {
		log(`\nThe demo failed: ${(error as Error).message}\nn8n log tail:\n${n8n.logTail(30)}`);
		await stop();
		throw error;
	}
}

function printSummary(summary: DemoSummary, log: (line: string) => void) {
	const paths = (byPath: Record<string, number>) =>
		Object.entries(byPath)
			.map(([p, n]) => `${p} ${n}`)
			.join(', ');
	log('');
	log('Summary');
	log(`  tickets:  ${summary.tickets.sent} classified — ${paths(summary.tickets.byPath)}`);
	log(`            labels: ${paths(summary.tickets.byLabel)}`);
	log(`  invoices: ${summary.invoices.sent} extracted — ${paths(summary.invoices.byPath)}`);
	log(`  pending review links (${summary.reviewLinks.length}; open one in a browser, decide, and the workflow goes on):`);
	for (const link of summary.reviewLinks.slice(-10)) log(`    ${link.workflowName}: ${link.reviewUrl}`);
	if (summary.reviewLinks.length > 10) log(`    … all of them in review-links.json in the demo folder`);
	const f = summary.reportFigures as Record<string, number | null>;
	const pct = (v: number | null | undefined) => (typeof v === 'number' ? `${(v * 100).toFixed(0)}%` : 'n/a');
	log(
		`  metrics (last 24 h; reviewed items are logged once decided): ${f.volume ?? 0} decisions, ` +
			`auto-handled ${pct(f.autoHandledRate)}, review ${pct(f.reviewRate)}, ` +
			`accuracy ${pct(f.accuracy)}, ECE ${typeof f.ece === 'number' ? f.ece.toFixed(3) : 'n/a'}, alerts ${f.alerts ?? 0}`,
	);
	if (typeof f.cascadeLocal === 'number' && f.cascadeLocal + (f.cascadeLlm ?? 0) > 0) {
		const saved = typeof f.cascadeSavedUsd === 'number' ? `$${f.cascadeSavedUsd.toFixed(4)}` : 'not estimable';
		log(`  cascade: ${f.cascadeLocal} answered locally, ${f.cascadeLlm ?? 0} by the model; estimated saving ${saved}`);
	}
	log(`  metrics report: ${summary.reportFile}`);
	log('');
	log(`n8n editor: ${summary.baseUrl}  (log in as ${OWNER.email} / ${OWNER.password})`);
}

async function main() {
	const { values } = parseArgs({
		options: {
			reset: { type: 'boolean', default: false },
			once: { type: 'boolean', default: false },
			port: { type: 'string', default: '5678' },
			dir: { type: 'string', default: path.join(os.homedir(), '.n8n-ai-workflow-demo') },
			n8n: { type: 'string', default: '2.41.1' },
		},
	});
	const { stop } = await runDemo({
		port: Number(values.port),
		dir: values.dir!,
		n8nVersion: values.n8n!,
		reset: values.reset!,
		once: values.once!,
	});
	if (values.once) {
		await stop();
		return;
	}
	console.log('n8n keeps running; press Ctrl-C to stop it.');
	await new Promise<void>((resolve) => {
		process.once('SIGINT', resolve);
		process.once('SIGTERM', resolve);
	});
	console.log('\nStopping n8n …');
	await stop();
}

// Run directly (node scripts/run-ts.js scripts/demo.ts), not when a test imports runDemo.
if (path.resolve(process.argv[1] ?? '') === __filename) {
	main().catch(() => {
		process.exitCode = 1;
	});
}
