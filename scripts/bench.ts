/**
 * `npm run bench`: AI Classify side by side with n8n's own Text Classifier, in one real n8n, against
 * the OpenAI-compatible test server with a fixed latency; writes docs/benchmarks.md and .json.
 *
 *   npm run bench -- [--latency 200] [--rounds 3] [--items 1000] [--tuned 32] [--examples 5]
 *                    [--data ../shared/data/support-intents/bitext-customer-support.csv]
 *                    [--invoices 100]
 *                    [--parts all|classic|rate-limits] [--rl-items 2000] [--rl-rounds 1]
 *                    [--n8n-version 2.41.1] [--out docs] [--no-write] [--profile <dir>]
 *
 * `--parts rate-limits` runs only the rate-limited rows (scripts/bench/rateLimits.ts, minutes each:
 * 2,000 items at 500 requests/min take 3 min by design) and puts them into the existing
 * docs/benchmarks.md (its marked section) and benchmarks.json (`rateLimits`); `classic` leaves them out.
 *
 * The machine is shared and noisy: the contenders run interleaved (the order rotates every round) and
 * the figures are medians over rounds. Everything started here is stopped on exit, failure or Ctrl-C.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';

import { startN8n, type N8nInstance } from '../test/harness/n8n';
import { startFakeOpenAi, type FakeOpenAi } from '../test/support/openaiServer';
import { CATEGORIES, loadSupportTexts } from './bench/data';
import {
	COMPACT_GROUPS,
	extractedByOurs,
	extractedByTheirs,
	extractInvoiceLlmWorkflow,
	extractInvoiceRequestParts,
	extractInvoiceWorkflow,
	FULL_RECORD_EXAMPLE,
	INFORMATION_EXTRACTOR_VERSION,
	INVOICE_ATTRIBUTES,
	informationExtractorWorkflow,
	loadInvoiceTexts,
} from './bench/invoices';
import { labelsFromAiField, labelsFromOutputs, runOnce, type Contender, type RunResult } from './bench/measure';
import { compare, comparisonTable, extractionTable, goalsTable, invoiceComparisonTable, percent, PRICES, summarise, summaryTable, type Goal, type Summary } from './bench/report';
import { aiClassifyLocalWorkflow, aiClassifyWorkflow, MODEL, TEXT_CLASSIFIER_BATCH_SIZE, TEXT_CLASSIFIER_VERSION, textClassifierWorkflow } from './bench/workflows';
import { rateLimitRows, rateLimitSection, runRateLimitRow, summariseRateLimits, withRateLimitSection, type RateLimitRun } from './bench/rateLimits';

/** AI Classify's default Concurrency option (nodes/AiClassify/AiClassify.node.ts). */
const AI_CLASSIFY_DEFAULT_CONCURRENCY = 8;
const API_KEY = 'sk-bench-0123456789abcdef';
const WARM_UP_ITEMS = 20;

const { values: args } = parseArgs({
	options: {
		latency: { type: 'string', default: '200' },
		rounds: { type: 'string', default: '3' },
		items: { type: 'string', default: '1000' },
		tuned: { type: 'string', default: '32' },
		examples: { type: 'string', default: '5' },
		data: { type: 'string', default: '../shared/data/support-intents/bitext-customer-support.csv' },
		/** Invoice documents per round for Extract Invoice vs Information Extractor (0: skip that pair). */
		invoices: { type: 'string', default: '100' },
		'n8n-version': { type: 'string', default: '2.41.1' },
		out: { type: 'string', default: 'docs' },
		'no-write': { type: 'boolean', default: false },
		/** Folder for V8 CPU profiles of n8n (written when n8n stops). */
		profile: { type: 'string' },
		parts: { type: 'string', default: 'all' },
		'rl-items': { type: 'string', default: '2000' },
		'rl-rounds': { type: 'string', default: '1' },
	},
});

function positiveInteger(name: string, value: string | undefined, allowZero = false): number {
	const number = Number(value);
	if (!Number.isInteger(number) || number < (allowZero ? 0 : 1)) throw new Error(`--${name} must be a whole number${allowZero ? '' : ' above 0'}, not "${value}"`);
	return number;
}

const latencyMs = positiveInteger('latency', args.latency, true);
const rounds = positiveInteger('rounds', args.rounds);
const itemCount = positiveInteger('items', args.items);
const tuned = positiveInteger('tuned', args.tuned);
const examplesPerCategory = positiveInteger('examples', args.examples);
const invoiceCount = positiveInteger('invoices', args.invoices, true);
const INVOICE_FOLDERS = ['test/fixtures/invoices', '../shared/data/invoices'];
const version = args['n8n-version']!;
const parts = args.parts!;
if (!['all', 'classic', 'rate-limits'].includes(parts)) throw new Error(`--parts must be all, classic or rate-limits, not "${parts}"`);
const rateLimitItems = positiveInteger('rl-items', args['rl-items']);
const rateLimitRounds = positiveInteger('rl-rounds', args['rl-rounds']);

let n8n: N8nInstance | undefined;
let server: FakeOpenAi | undefined;
let cleaning: Promise<void> | undefined;
let interrupted = false;

/** Stops what this script started, once, whichever way it ends. */
async function cleanUp() {
	cleaning ??= (async () => {
		await n8n?.stop().catch((error: Error) => console.error(`stopping n8n: ${error.message}`));
		await server?.close().catch((error: Error) => console.error(`stopping the test server: ${error.message}`));
	})();
	await cleaning;
}

for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
	process.once(signal, () => {
		interrupted = true;
		console.error(`\n${signal}: stopping n8n and the test server…`);
		void cleanUp().finally(() => process.exit(130));
	});
}

const log = (message: string) => console.log(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}`);

async function main() {
	const data = loadSupportTexts(path.resolve(args.data!), itemCount, examplesPerCategory);
	const outputNames = CATEGORIES.map((category) => category.name);
	log(`${data.texts.length} support texts in ${CATEGORIES.length} categories (of ${data.available}), ${examplesPerCategory} examples per category for the local engine`);
	const invoices = invoiceCount > 0 ? await loadInvoiceTexts(INVOICE_FOLDERS.map((folder) => path.resolve(folder)), invoiceCount) : undefined;
	if (invoices) log(`${invoices.texts.length} invoice texts from ${invoices.documents.length} text-layer PDFs`);

	server = await startFakeOpenAi({ latencyMs, apiKey: API_KEY, seed: 11 });
	log(`test server ${server.baseUrl}, latency ${latencyMs} ms; starting n8n ${version}…`);
	const profileDir = args.profile ? path.resolve(args.profile) : undefined;
	if (profileDir) fs.mkdirSync(profileDir, { recursive: true });
	n8n = await startN8n({ version, env: profileDir ? { NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${profileDir}` } : {} });
	log(`n8n ${version} ready at ${n8n.baseUrl} (start ${n8n.timings.startMs} ms)`);

	const compatibleCredential = await n8n.createCredential('Bench server', 'openAiCompatibleApi', {
		apiKey: API_KEY,
		baseUrl: server.baseUrl,
		organization: '',
		customHeaders: '{}',
		allowedHttpRequestDomains: 'all',
	});
	const n8nOpenAiCredential = await n8n.createCredential('Bench server (n8n OpenAI)', 'openAiApi', {
		apiKey: API_KEY,
		organizationId: '',
		url: server.baseUrl,
		header: false,
		allowedHttpRequestDomains: 'all',
	});

	if (parts === 'rate-limits') {
		const rateLimits = await rateLimitPart(n8n, outputNames);
		if (!rateLimits || args['no-write']) return;
		const out = path.resolve(args.out!);
		const markdownPath = path.join(out, 'benchmarks.md');
		const jsonPath = path.join(out, 'benchmarks.json');
		const existing = fs.existsSync(markdownPath) ? fs.readFileSync(markdownPath, 'utf8') : '# Benchmarks\n';
		fs.writeFileSync(markdownPath, withRateLimitSection(existing, rateLimits.markdown));
		const json = fs.existsSync(jsonPath) ? (JSON.parse(fs.readFileSync(jsonPath, 'utf8')) as Record<string, unknown>) : {};
		fs.writeFileSync(jsonPath, `${JSON.stringify({ ...json, rateLimits: rateLimits.json }, null, '\t')}\n`);
		log(`wrote the rate-limit rows into ${markdownPath} and benchmarks.json`);
		return;
	}

	const stamp = Date.now();
	type Spec = Omit<Contender, 'workflowId'> & { workflow: object & { nodes: object[]; connections: object }; inputs: Array<{ id: number; expected?: string }> };
	const specs: Spec[] = [
		{
			key: 'aiClassify-default',
			title: 'AI Classify, defaults',
			concurrency: AI_CLASSIFY_DEFAULT_CONCURRENCY,
			path: `bench-ai-default-${stamp}`,
			workflow: aiClassifyWorkflow(`bench-ai-default-${stamp}`, CATEGORIES, compatibleCredential, {}),
			inputs: data.texts,
			labels: labelsFromAiField,
		},
		{
			key: 'aiClassify-tuned',
			title: `AI Classify, concurrency ${tuned}`,
			concurrency: tuned,
			path: `bench-ai-tuned-${stamp}`,
			workflow: aiClassifyWorkflow(`bench-ai-tuned-${stamp}`, CATEGORIES, compatibleCredential, { concurrency: tuned }),
			inputs: data.texts,
			labels: labelsFromAiField,
		},
		{
			key: 'textClassifier-default',
			title: `n8n Text Classifier ${TEXT_CLASSIFIER_VERSION} + OpenAI Chat Model, defaults`,
			concurrency: TEXT_CLASSIFIER_BATCH_SIZE,
			path: `bench-text-classifier-${stamp}`,
			workflow: textClassifierWorkflow(`bench-text-classifier-${stamp}`, CATEGORIES, n8nOpenAiCredential),
			inputs: data.texts,
			labels: labelsFromOutputs,
		},
		{
			key: 'aiClassify-local',
			title: `AI Classify, local engine (${examplesPerCategory} examples per category)`,
			path: `bench-ai-local-${stamp}`,
			workflow: aiClassifyLocalWorkflow(`bench-ai-local-${stamp}`, CATEGORIES, data.examples),
			inputs: data.texts,
			labels: labelsFromAiField,
		},
	];
	if (invoices) {
		specs.push(
			{
				key: 'extractInvoice-local',
				title: 'Extract Invoice, local engine (text input)',
				path: `bench-extract-invoice-${stamp}`,
				workflow: extractInvoiceWorkflow(`bench-extract-invoice-${stamp}`),
				inputs: invoices.texts,
				extracted: extractedByOurs,
			},
			{
				key: 'extractInvoice-openai',
				title: 'Extract Invoice, OpenAI-compatible engine, defaults (text input)',
				concurrency: AI_CLASSIFY_DEFAULT_CONCURRENCY,
				path: `bench-extract-invoice-llm-${stamp}`,
				workflow: extractInvoiceLlmWorkflow(`bench-extract-invoice-llm-${stamp}`, compatibleCredential),
				inputs: invoices.texts,
				extracted: extractedByOurs,
			},
			{
				key: 'extractInvoice-openai-compact',
				title: `Extract Invoice, OpenAI-compatible engine, Fields for the Model: ${COMPACT_GROUPS.join(', ')} (text input)`,
				concurrency: AI_CLASSIFY_DEFAULT_CONCURRENCY,
				path: `bench-extract-invoice-llm-compact-${stamp}`,
				workflow: extractInvoiceLlmWorkflow(`bench-extract-invoice-llm-compact-${stamp}`, compatibleCredential, { fieldsForModel: COMPACT_GROUPS }),
				inputs: invoices.texts,
				extracted: extractedByOurs,
			},
			{
				key: 'informationExtractor-default',
				title: `n8n Information Extractor ${INFORMATION_EXTRACTOR_VERSION} + OpenAI Chat Model, defaults (${INVOICE_ATTRIBUTES.length} attributes)`,
				concurrency: TEXT_CLASSIFIER_BATCH_SIZE,
				path: `bench-information-extractor-${stamp}`,
				workflow: informationExtractorWorkflow(`bench-information-extractor-${stamp}`, n8nOpenAiCredential),
				inputs: invoices.texts,
				extracted: extractedByTheirs,
			},
			{
				key: 'informationExtractor-full',
				title: `n8n Information Extractor ${INFORMATION_EXTRACTOR_VERSION} + OpenAI Chat Model, defaults (Extract Invoice's whole record, as a JSON example)`,
				concurrency: TEXT_CLASSIFIER_BATCH_SIZE,
				path: `bench-information-extractor-full-${stamp}`,
				workflow: informationExtractorWorkflow(`bench-information-extractor-full-${stamp}`, n8nOpenAiCredential, { example: FULL_RECORD_EXAMPLE }),
				inputs: invoices.texts,
				extracted: extractedByTheirs,
			},
		);
	}
	const inputsOf = new Map(specs.map((spec) => [spec.key, spec.inputs]));
	const contenders: Contender[] = [];
	for (const { workflow, inputs: _inputs, ...spec } of specs) {
		const workflowId = await n8n.createWorkflow(workflow);
		await n8n.activate(workflowId);
		await n8n.waitForWebhook(spec.path, 'POST');
		contenders.push({ ...spec, workflowId });
	}

	// Warm-up (not counted): loads each node's code, the LangChain modules and the local model once.
	for (const contender of contenders) {
		const warm = await runOnce(n8n, server, contender, inputsOf.get(contender.key)!.slice(0, WARM_UP_ITEMS), outputNames, 0);
		if (warm.classified !== warm.items) {
			throw new Error(`${contender.title}: only ${warm.classified} of ${warm.items} warm-up items came out classified`);
		}
		log(`warm-up ${contender.title}: ${warm.items} items in ${(warm.wallMs / 1000).toFixed(2)} s, ${warm.requests} requests`);
	}

	const results = new Map<string, RunResult[]>(contenders.map((contender) => [contender.key, []]));
	for (let round = 1; round <= rounds; round++) {
		const order = contenders.map((_, index) => contenders[(index + round - 1) % contenders.length]);
		for (const contender of order) {
			if (interrupted) return;
			const result = await runOnce(n8n, server, contender, inputsOf.get(contender.key)!, outputNames, round);
			results.get(contender.key)!.push(result);
			log(
				`round ${round}/${rounds} ${contender.title}: ${(result.wallMs / 1000).toFixed(2)} s wall, node ${(result.nodeMs / 1000).toFixed(2)} s, ` +
					`${(result.items / (result.wallMs / 1000)).toFixed(1)} items/s, ${result.requests} requests (max ${result.maxConcurrent} at once), ` +
					`${result.classified}/${result.items} ${contender.extracted ? `extracted, ${result.fieldsPerItem?.toFixed(1)} fields each` : 'classified'}` +
					(result.slotUse === undefined ? '' : `, slots busy ${(result.slotUse * 100).toFixed(0)}% over the server's ${(result.serverSpanMs / 1000).toFixed(2)} s`) +
					(result.leadInMs === undefined ? '' : `, node start → first request ${result.leadInMs.toFixed(0)} ms, last answer → node end ${result.tailMs!.toFixed(0)} ms`),
			);
		}
	}

	const summaries = contenders.map((contender) => summarise(contender.key, contender.title, contender.concurrency, latencyMs, results.get(contender.key)!));
	const report = buildReport(summaries, results, data.texts.length, data.available, invoices);
	const rateLimits = parts === 'all' ? await rateLimitPart(n8n, outputNames) : undefined;
	const markdown = rateLimits ? withRateLimitSection(report.markdown, rateLimits.markdown) : report.markdown;
	console.log(`\n${markdown}`);
	if (!args['no-write'] && !interrupted) {
		const out = path.resolve(args.out!);
		fs.mkdirSync(out, { recursive: true });
		fs.writeFileSync(path.join(out, 'benchmarks.md'), markdown);
		fs.writeFileSync(path.join(out, 'benchmarks.json'), `${JSON.stringify(rateLimits ? { ...report.json, rateLimits: rateLimits.json } : report.json, null, '\t')}\n`);
		log(`wrote ${path.join(args.out!, 'benchmarks.md')} and benchmarks.json`);
	}
}

/** The rate-limited rows (scripts/bench/rateLimits.ts): one fresh limited server per row, rounds interleaved. */
async function rateLimitPart(instance: N8nInstance, outputNames: string[]) {
	const texts = loadSupportTexts(path.resolve(args.data!), rateLimitItems, examplesPerCategory).texts;
	const rows = rateLimitRows();
	log(`rate-limit part: ${rows.length} rows × ${rateLimitRounds} round(s) of ${texts.length} items (about ${Math.round((rows.length * rateLimitRounds * texts.length) / 500 / 60 * 60)} min at 500 requests/min)`);
	// Warm-up (not counted), for when this part runs alone: each contender once on an unlimited server.
	const unlimited = { key: 'warm-up', title: 'warm-up', limits: {} };
	for (const contender of ['aiClassify-default', 'textClassifier-default'] as const) {
		await runRateLimitRow(instance, { setting: unlimited, contender, executions: 1 }, { texts: texts.slice(0, WARM_UP_ITEMS), categories: CATEGORIES, outputNames, latencyMs, apiKey: API_KEY, round: 0, log });
	}
	const runs: RateLimitRun[] = [];
	for (let round = 1; round <= rateLimitRounds; round++) {
		for (const spec of rows) {
			if (interrupted) return undefined;
			runs.push(await runRateLimitRow(instance, spec, { texts, categories: CATEGORIES, outputNames, latencyMs, apiKey: API_KEY, round, log }));
		}
	}
	const summaries = summariseRateLimits(runs);
	const date = new Date().toISOString();
	return {
		markdown: rateLimitSection(summaries, { date, latencyMs, items: texts.length, rounds: rateLimitRounds }),
		json: { date, latencyMs, items: texts.length, rounds: rateLimitRounds, rows: summaries, runs },
	};
}

function buildReport(
	summaries: Summary[],
	results: Map<string, RunResult[]>,
	items: number,
	available: number,
	invoices: Awaited<ReturnType<typeof loadInvoiceTexts>> | undefined,
) {
	const byKey = (key: string) => summaries.find((summary) => summary.key === key)!;
	const classifiers = summaries.filter((summary) => summary.fieldsPerItem === undefined);
	const extractors = summaries.filter((summary) => summary.fieldsPerItem !== undefined);
	const ours = byKey('aiClassify-default');
	const oursTuned = byKey('aiClassify-tuned');
	const theirs = byKey('textClassifier-default');
	const comparisons = [
		{ label: 'AI Classify defaults / Text Classifier defaults', ...compare(ours, theirs) },
		{ label: `AI Classify concurrency ${tuned} / Text Classifier defaults`, ...compare(oursTuned, theirs) },
	];
	const goals: Goal[] = [
		{
			goal: 'AI Classify ≥ 90% of the physical limit at its defaults',
			measured: `${(ours.limitRatio! * 100).toFixed(1)}% (wall), ${(ours.nodeLimitRatio! * 100).toFixed(1)}% (node time)`,
			met: ours.limitRatio! >= 0.9,
		},
		{
			goal: '≥ 4× the items/s of Text Classifier at its defaults',
			measured: `${comparisons[0].itemsPerSecond.toFixed(2)}× at our defaults; ${comparisons[1].itemsPerSecond.toFixed(2)}× at concurrency ${tuned}`,
			met: comparisons[0].itemsPerSecond >= 4,
		},
		{
			goal: '≤ 50% of Text Classifier\'s tokens per item',
			measured: `${(comparisons[0].tokensPerItem * 100).toFixed(0)}% (prompt ${(comparisons[0].promptTokensPerItem * 100).toFixed(0)}%, completion ${(comparisons[0].completionTokensPerItem * 100).toFixed(1)}%)`,
			met: comparisons[0].tokensPerItem <= 0.5,
		},
	];
	const ourExtractor = extractors.find((summary) => summary.key === 'extractInvoice-openai');
	const ourCompactExtractor = extractors.find((summary) => summary.key === 'extractInvoice-openai-compact');
	const ourLocalExtractor = extractors.find((summary) => summary.key === 'extractInvoice-local');
	const theirExtractor = extractors.find((summary) => summary.key === 'informationExtractor-default');
	const theirFullExtractor = extractors.find((summary) => summary.key === 'informationExtractor-full');
	const parts = invoices ? extractInvoiceRequestParts(invoices.texts) : undefined;
	const compactParts = invoices ? extractInvoiceRequestParts(invoices.texts, COMPACT_GROUPS) : undefined;
	const tokensPerDoc = (summary: Summary) => summary.promptTokensPerItem + summary.completionTokensPerItem;
	const invoiceGoal = (ours: Summary, theirs: Summary, schemaTokens: number | undefined) => ({
		measured: `${tokensPerDoc(ours).toFixed(0)} vs ${tokensPerDoc(theirs).toFixed(0)} tokens/document (prompt ${ours.promptTokensPerItem.toFixed(0)} vs ${theirs.promptTokensPerItem.toFixed(0)}, of ours ${schemaTokens?.toFixed(0)} for the strict schema; completion ${ours.completionTokensPerItem.toFixed(0)} vs ${theirs.completionTokensPerItem.toFixed(0)}); ${ours.fieldsPerItem!.toFixed(1)} vs ${theirs.fieldsPerItem!.toFixed(1)} filled fields/document`,
		met: tokensPerDoc(ours) <= tokensPerDoc(theirs) && ours.fieldsPerItem! > theirs.fieldsPerItem!,
	});
	const GOAL = "Extract Invoice ≤ Information Extractor's tokens per document, with more fields returned";
	const compactLabel = `Fields for the Model: ${COMPACT_GROUPS.join(', ')}`;
	if (ourCompactExtractor && theirExtractor) {
		goals.push({ goal: `${GOAL}: (a) fewer fields asked — Extract Invoice with ${compactLabel} vs Information Extractor with ${INVOICE_ATTRIBUTES.length} attributes`, ...invoiceGoal(ourCompactExtractor, theirExtractor, compactParts?.schema) });
	}
	if (ourExtractor && theirFullExtractor) {
		// The same fields asked of both: the measure is the tokens (the filled fields differ only by the nulls each schema allows).
		const same = invoiceGoal(ourExtractor, theirFullExtractor, parts?.schema);
		goals.push({
			goal: "(b) the same fields asked — both asked for Extract Invoice's whole record (Extract Invoice at its defaults): Extract Invoice ≤ Information Extractor's tokens per document",
			measured: same.measured,
			met: tokensPerDoc(ourExtractor) <= tokensPerDoc(theirFullExtractor),
		});
	}
	if (ourExtractor && theirExtractor) {
		goals.push({ goal: `${GOAL}, at Extract Invoice's defaults (the whole record) vs Information Extractor with ${INVOICE_ATTRIBUTES.length} attributes`, ...invoiceGoal(ourExtractor, theirExtractor, parts?.schema) });
	}
	const invoiceComparisons = [
		...(ourCompactExtractor && theirExtractor ? [{ label: `(a) fewer fields asked: Extract Invoice, ${compactLabel} / Information Extractor, ${INVOICE_ATTRIBUTES.length} attributes`, ours: ourCompactExtractor, theirs: theirExtractor }] : []),
		...(ourExtractor && theirFullExtractor ? [{ label: "(b) the same fields: Extract Invoice, defaults (whole record) / Information Extractor, whole record", ours: ourExtractor, theirs: theirFullExtractor }] : []),
		...(ourExtractor && theirExtractor ? [{ label: `Extract Invoice, defaults (whole record) / Information Extractor, ${INVOICE_ATTRIBUTES.length} attributes`, ours: ourExtractor, theirs: theirExtractor }] : []),
	];
	const complete = ourExtractor && ourCompactExtractor && theirExtractor && theirFullExtractor && invoices && parts && compactParts;
	const invoiceWhy = complete
		? invoiceTokensWhy(ourExtractor, ourCompactExtractor, theirExtractor, theirFullExtractor, parts, compactParts) +
			`- **Extract Invoice's speed, a cause that was ours, fixed.** It read every document before its first request went out:
  its one-at-a-time reading queue is first-in-first-out, and an item re-entered it for page images after
  reading its text, behind every other item's reading (node start → first request: 290–480 ms for 100
  documents; for scans, all would have been OCR'd first). Now all of a document's CPU work (reading,
  the local engine where it runs, page images) is one turn of the queue, and items are started in turn like AI Classify's
  (\`nodes/shared/documents/inTurn.ts\`): ${(ourExtractor.leadInMs ?? 0).toFixed(0)} ms from node start to the first request, and it reaches
  ${percent(ourExtractor.nodeLimitRatio)} of its limit (node time).
`
		: '';
	const invoiceSection = complete
		? `## Extract Invoice and n8n's Information Extractor

The same ${invoices.texts.length} invoice texts per round: the text layers of ${invoices.documents.length} PDFs (\`test/fixtures/invoices\` and
\`../shared/data/invoices\`: ${invoices.documents.join(', ')}), in turn, laid out line by line as an
email body holding the invoice would be. **Extract Invoice** reads them with Input Type "Text": with its
OpenAI-compatible engine at its defaults (structured outputs with strict json_schema for the whole record,
logprobs for field confidence, concurrency ${AI_CLASSIFY_DEFAULT_CONCURRENCY}; same server, same model); with the same engine and its option
*Fields for the Model* set to ${COMPACT_GROUPS.join(', ')} (the main header fields, the parties' names and tax ids, the totals:
${compactParts.askedFields} values instead of ${parts.askedFields}; no addresses, payment details, line items or tax lines); and with its local
(template-free) engine: no request, no token. **Information Extractor** ${INFORMATION_EXTRACTOR_VERSION} (its latest version,
defaults: batches of ${TEXT_CLASSIFIER_BATCH_SIZE}, auto-fixing parser) with the OpenAI Chat Model on the test server gets, once, ${INVOICE_ATTRIBUTES.length} attributes described as a user would
(${INVOICE_ATTRIBUTES.map((attribute) => attribute.name).join(', ')}), and once Extract Invoice's whole record: its attributes
cannot hold lists (line items, tax lines), so as a user would give it that, with *Schema Type* "Generate From JSON Example" and an
example invoice of the same fields (\`FULL_RECORD_EXAMPLE\` in \`scripts/bench/invoices.ts\`).
*Filled fields* counts the leaves of each record that hold a value (Extract Invoice's whole record includes
line items, tax details, parties and payment details). The test server's values are not a real
model's, so this measures speed, tokens and record size, not accuracy (accuracy is \`npm run eval\`'s job).

${extractionTable(extractors)}

${invoiceComparisonTable(invoiceComparisons)}

(a) is the comparison the goal is met by: asked for ${compactParts.askedFields} values, Extract Invoice spends ${tokensPerDoc(ourCompactExtractor).toFixed(0)} tokens per document
against the Information Extractor's ${tokensPerDoc(theirExtractor).toFixed(0)} for ${INVOICE_ATTRIBUTES.length} attributes, and returns ${ourCompactExtractor.fieldsPerItem!.toFixed(0)} filled fields against ${theirExtractor.fieldsPerItem!.toFixed(0)}.
(b) asks both for the whole record: ${tokensPerDoc(ourExtractor).toFixed(0)} against ${tokensPerDoc(theirFullExtractor).toFixed(0)} tokens, ${ourExtractor.fieldsPerItem!.toFixed(1)} against ${theirFullExtractor.fieldsPerItem!.toFixed(1)} filled fields
(the schema the Information Extractor generates from an example requires a non-null value for every field; Extract Invoice's
allows null, and the node keeps only values in the record's form, e.g. dates that are calendar dates).
Extract Invoice's default is still the whole record (${tokensPerDoc(ourExtractor).toFixed(0)} tokens against the ${INVOICE_ATTRIBUTES.length}-attribute Information Extractor's ${tokensPerDoc(theirExtractor).toFixed(0)}):
fewer fields are the user's choice, since the fields left out are not extracted by the model.
Extract Invoice's prompt carries a strict JSON
schema in \`response_format\` instead of LangChain's format instructions in the prompt text. OpenAI bills that
schema as input, so the test server counts it as prompt tokens: the "Response Formats" section OpenAI
documents for its harmony prompt format (a heading with the format's name, then the schema as compact
JSON; \`responseFormatText\` in \`test/support/openaiServer.ts\`), ${parts.schema.toFixed(0)} tokens per request for the whole record and
${compactParts.schema.toFixed(0)} for ${compactLabel} (the Information Extractor sends no schema; its format instructions are in its prompt): see "Why" below.${
			ourLocalExtractor
				? ` The local engine's
time (${(ourLocalExtractor.wallMs / 1000).toFixed(2)} s for ${ourLocalExtractor.items} documents) is CPU work inside n8n (layout, labels, checks), with no request at all.`
				: ''
		}
The Information Extractor made ${theirExtractor.requestsPerItem.toFixed(2)} requests per document with ${INVOICE_ATTRIBUTES.length} attributes and ${theirFullExtractor.requestsPerItem.toFixed(2)} with the whole record: where the first answer did not pass its
parser, its auto-fixing parser asked the model again (extra time and tokens, counted above). Its
${percent(theirExtractor.nodeLimitRatio)} of the limit is partly those second calls (each holds up its batch of ${TEXT_CLASSIFIER_BATCH_SIZE}) and partly the losses
described for Text Classifier below, larger here with prompts of ${theirExtractor.promptTokensPerItem.toFixed(0)} tokens.
`
		: `## Extract Invoice and n8n's Information Extractor

Not run (\`--invoices 0\`).
`;
	const defaultsCeiling = AI_CLASSIFY_DEFAULT_CONCURRENCY / TEXT_CLASSIFIER_BATCH_SIZE;
	const neededConcurrency = Math.ceil((4 * theirs.itemsPerSecond * (latencyMs / 1000)) / Math.max(ours.limitRatio ?? 1, 0.01));
	const environment = {
		date: new Date().toISOString(),
		n8nVersion: version,
		node: process.version,
		cpus: os.cpus().length,
		cpuModel: os.cpus()[0]?.model ?? 'unknown',
		latencyMs,
		rounds,
		items,
		tunedConcurrency: tuned,
		model: MODEL,
		prices: PRICES,
		data: `${path.basename(args.data!)} (instruction column), ${items} texts drawn with a fixed seed from the ${available} in the categories ${CATEGORIES.map((c) => c.source).join(', ')}`,
	};
	const markdown = `# Benchmarks: AI Classify and n8n's own AI nodes

Generated by \`npm run bench\` on ${environment.date.slice(0, 16).replace('T', ' ')} UTC — ${environment.cpus} CPU cores (${environment.cpuModel}), shared with other work; Node ${environment.node}.

**Set-up.** One real n8n ${version} with this package installed as a community package, and the
OpenAI-compatible test server (\`test/support/openaiServer.ts\`) answering every request after a fixed
**${latencyMs} ms**, counting prompt and completion tokens with js-tiktoken (o200k_base, the
${MODEL} tokenizer, plus OpenAI's per-message overhead). Every contender runs the same workflow shape
— Webhook → Split Out → classifier, answering "when the last node finishes" with no body — on the
same ${items} support texts (${environment.data}), in ${rounds} interleaved rounds whose order rotates;
figures are medians. The model is \`${MODEL}\` everywhere; costs use its list prices
($${PRICES.inputPerMillion} / $${PRICES.outputPerMillion} per million input / output tokens).

- **AI Classify** (engine OpenAI-compatible, credential \`openAiCompatibleApi\`): six categories with
  descriptions, every option at its default (concurrency ${AI_CLASSIFY_DEFAULT_CONCURRENCY}), and once with concurrency ${tuned}.
- **n8n Text Classifier** ${TEXT_CLASSIFIER_VERSION} (\`@n8n/n8n-nodes-langchain.textClassifier\`, its latest version) with the
  **OpenAI Chat Model** 1.3 sub-node (Responses API on, its default) on n8n's own \`openAiApi\` credential whose
  Base URL is the same server; the same categories and descriptions; every option at its default
  (batches of ${TEXT_CLASSIFIER_BATCH_SIZE} items in parallel, no auto-fixing, "discard" when nothing fits). Its answers are
  checked: an item counts as classified only if it arrived on a category output.
- **AI Classify, local engine**: no server, trained inside n8n on ${examplesPerCategory} example texts per category
  (not among the ${items}).

*Wall time* runs from the webhook call to its answer (Split Out, the classifier, and n8n saving the
execution); *node time* is the classifier's own execution time as n8n records it. *The limit* is
concurrency ÷ latency: the items/s a node could reach if n8n and the node cost nothing.
"Agrees with Bitext label" is shown only to prove items were routed; the test server is a lexical
stand-in for a model, so for the two LLM nodes it says nothing about a real model's accuracy (for the
local engine it is its real accuracy on these texts).

## Results

${summaryTable(classifiers)}

${comparisonTable(comparisons)}

${invoiceSection}
## Goals (issue 7)

${goalsTable(goals)}

## Why the figures are what they are

- **Items/s at defaults is bounded by the defaults, not by the nodes.** At a fixed ${latencyMs} ms per
  request, throughput is concurrency ÷ latency. AI Classify's default concurrency is ${AI_CLASSIFY_DEFAULT_CONCURRENCY}; Text
  Classifier's default is batches of ${TEXT_CLASSIFIER_BATCH_SIZE}. The best ratio either node's code could give at the two
  defaults is ${AI_CLASSIFY_DEFAULT_CONCURRENCY} ÷ ${TEXT_CLASSIFIER_BATCH_SIZE} = ${defaultsCeiling.toFixed(1)}× (plus what Text Classifier loses waiting for the slowest
  item of each batch and in LangChain); the 4× goal at defaults cannot be met without a default
  concurrency of about ${neededConcurrency} (4 × Text Classifier's ${theirs.itemsPerSecond.toFixed(1)} items/s × ${latencyMs / 1000} s, at AI Classify's ${((ours.limitRatio ?? 0) * 100).toFixed(0)}% of its limit). A default of
  ${AI_CLASSIFY_DEFAULT_CONCURRENCY} is about what OpenAI's entry rate tier allows (500 requests/min) at real latencies near one
  second (${AI_CLASSIFY_DEFAULT_CONCURRENCY} × 60 = ${AI_CLASSIFY_DEFAULT_CONCURRENCY * 60} requests/min); where the account allows more, the Concurrency option is the lever:
  at ${tuned} it reaches ${comparisons[1].itemsPerSecond.toFixed(1)}× Text Classifier's items/s.
- **Share of the limit.** AI Classify keeps ${ours.concurrency} requests in flight continuously (a semaphore, not
  batches: the server saw at most ${ours.maxConcurrent} at once, and its slots were busy ${percent(ours.slotUse)} of the time), so its node
  time is ${percent(ours.nodeLimitRatio, 1)} of the limit at defaults and ${percent(oursTuned.nodeLimitRatio, 1)} at concurrency ${tuned}. What is left:
  (1) the server's own time — ${ours.serverMeanMs.toFixed(1)} ms per request on average against ${latencyMs} ms of latency (it
  builds the answer and counts tokens in the benchmark's process), which alone caps the ratio at
  ${percent(latencyMs / Math.max(ours.serverMeanMs, latencyMs))}; (2) the turn-around between an answer and the next request on the same slot —
  n8n's main thread parsing the answer and sending the next request, on a 2-core machine shared with
  other work, which weighs more the more requests run at once; (3) the node's start (credentials, first
  items: ${(ours.leadInMs ?? 0).toFixed(0)} ms from node start to the first request) and n8n's work around the node (webhook,
  Split Out, saving an execution of ${items} items: wall − node time).
- **A cause that was ours, fixed.** A CPU profile of n8n during the benchmark (\`npm run bench -- --profile <dir>\`)
  showed AI Classify evaluating every item's *Text* expression before its first request went out:
  n8n 2.x evaluates expressions through an isolated-vm bridge, about 0.7 ms per item, so 1,000 items
  kept the event loop blocked and every slot idle for 0.65–0.7 s at the start of each run (node start →
  first request: 642 ms at defaults, 689 ms at concurrency 32). AI Classify now starts items in turn and
  hands the event loop back every 8 items (\`nodes/shared/startInTurn.ts\`), so the first requests leave
  at once and the rest of the evaluation overlaps with their latency. The design asks for this anyway
  ("no blocking of the event loop for seconds; yield between batches").
- **Text Classifier's own losses.** It reaches ${percent(theirs.nodeLimitRatio)} of its limit: each batch of ${TEXT_CLASSIFIER_BATCH_SIZE} waits for its slowest item
  before the next starts, and every call goes through LangChain and n8n's LLM tracing, which counts
  tokens with js-tiktoken on n8n's main thread (visible in the same profile).
${invoiceWhy}- **Tokens.** Text Classifier sends LangChain's structured-output instructions (a JSON schema with one
  boolean per category) with every item and gets a fenced JSON object back
  (${theirs.completionTokensPerItem.toFixed(0)} completion tokens); AI Classify sends a numbered category list and asks for one token
  (the category number; the probabilities come from its logprobs), so it pays
  ${ours.completionTokensPerItem.toFixed(0)} completion token and ${ours.promptTokensPerItem.toFixed(0)} prompt tokens per item against ${theirs.promptTokensPerItem.toFixed(0)}.
`;
	const json = {
		environment,
		summaries,
		comparisons,
		goals,
		runs: Object.fromEntries(results),
	};
	return { markdown, json };
}

/** Where Extract Invoice's tokens go, and what the goal takes. */
function invoiceTokensWhy(
	ours: Summary,
	compact: Summary,
	theirs: Summary,
	theirsFull: Summary,
	parts: ReturnType<typeof extractInvoiceRequestParts>,
	compactParts: ReturnType<typeof extractInvoiceRequestParts>,
): string {
	const tokens = (summary: Summary) => summary.promptTokensPerItem + summary.completionTokensPerItem;
	const fixed = ours.promptTokensPerItem - parts.schema;
	const perField = (parts.schema + ours.completionTokensPerItem) / parts.askedFields;
	const fieldBudget = Math.floor((tokens(theirs) - fixed) / perField);
	return `- **Extract Invoice's tokens.** Per document: the document text (${parts.document.toFixed(0)} tokens, the same text the
  Information Extractor gets), its instructions (${parts.system.toFixed(0)}) and the message overhead, the strict schema
  (${parts.schema.toFixed(0)}) and the answer (${ours.completionTokensPerItem.toFixed(0)}): ${tokens(ours).toFixed(0)} against ${tokens(theirs).toFixed(0)} at the defaults. The schema is
  built compact from the same zod contract (nullable values as \`type: [x, "null"]\` instead of \`anyOf\`,
  ISO dates as \`format: date\` instead of a long pattern, custom fields only when the user declares
  some). What is left is the record's size: the whole record is ${parts.askedFields} values (header fields, parties,
  payment details, a line item, a tax line), and strict structured outputs require each in the schema's
  \`properties\` and \`required\` and in the answer — about ${perField.toFixed(0)} tokens per value here (this test model
  fills nearly every value; a real model writes \`null\` for absent ones, so its answers are shorter, but the schema
  is the same for every document). Beyond the document and instructions (${fixed.toFixed(0)}), the ${INVOICE_ATTRIBUTES.length}-attribute
  Information Extractor's ${tokens(theirs).toFixed(0)} tokens pay for about ${fieldBudget} values, so the goal is met by asking
  the model for fewer: *Fields for the Model* (${COMPACT_GROUPS.join(', ')}) asks for ${compactParts.askedFields} values with a schema of
  ${compactParts.schema.toFixed(0)} tokens, ${tokens(compact).toFixed(0)} tokens per document in all. The fields left out stay empty (or come from the
  local engine in the cascade) and the checks that need them are listed as skipped, which is why the
  default stays the whole record. Asked for the same whole record, the Information Extractor spends
  ${tokens(theirsFull).toFixed(0)} tokens (prompt ${theirsFull.promptTokensPerItem.toFixed(0)}: LangChain's format instructions carry a
  schema too, in the prompt text; completion ${theirsFull.completionTokensPerItem.toFixed(0)}; ${theirsFull.requestsPerItem.toFixed(2)} requests per document).
  Not modelled here: OpenAI caches identical prompt prefixes (the schema is the same for every
  document) and bills cached input at a discount.
`;
}

main()
	.then(
		() => cleanUp(),
		async (error: Error) => {
			if (!interrupted) console.error(`bench failed: ${error.stack ?? error.message}`);
			await cleanUp();
			process.exitCode = 1;
		},
	)
	.finally(() => {
		// The harness's exit hook and watchdog cover a hard kill; here everything is already stopped.
		setTimeout(() => process.exit(), 100).unref();
	});
