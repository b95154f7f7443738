/**
 * The rate-limited part of `npm run bench` (issue 18): AI Classify and n8n's Text Classifier against
 * the test server enforcing a provider's limits (test/support/providerLimits.ts) — 2,000 items at
 * 500 RPM / 200,000 TPM with OpenAI's headers, the same with no header at all, and a tighter setting
 * where tokens per minute bind; AI Classify at its defaults, with the limit stated, and as two and
 * four concurrent executions sharing one limit. Every row gets a fresh server (full buckets, its own
 * address, so no budget learnt by an earlier row is reused).
 *
 * Figures per row: items/s as a share of what a perfect client gets out of the same buckets (the
 * minute's burst, then the refill rate; `rateLimitRatio`), the same in steady state (after the first
 * minute, against the binding refill rate), failed items (`failedItems`), the share of requests
 * answered 429 (whole run and steady state), and the time to the first result.
 */
import fs from 'node:fs';

import { executionError, nodeOutput, type Execution, type N8nInstance } from '../../test/harness/n8n';
import { startFakeOpenAi, type FakeOpenAi, type FakeOpenAiLogEntry, type ProviderLimits } from '../../test/support/openaiServer';
import type { BenchCategory } from './data';
import { labelsFromAiField, labelsFromOutputs } from './measure';
import { median, percent } from './report';
import { aiClassifyWorkflow, CLASSIFIER_NODE, textClassifierWorkflow } from './workflows';

export interface RateLimitSetting {
	key: string;
	title: string;
	limits: ProviderLimits;
}

export const RATE_LIMIT_SETTINGS: RateLimitSetting[] = [
	{ key: 'openai-500rpm', title: '500 RPM / 200,000 TPM, OpenAI headers', limits: { requestsPerMinute: 500, tokensPerMinute: 200_000, headers: 'openai' } },
	{ key: 'noheaders-500rpm', title: '500 RPM / 200,000 TPM, no headers at all', limits: { requestsPerMinute: 500, tokensPerMinute: 200_000, headers: 'none' } },
	{ key: 'openai-60ktpm', title: 'tighter: 500 RPM / 60,000 TPM (tokens bind), OpenAI headers', limits: { requestsPerMinute: 500, tokensPerMinute: 60_000, headers: 'openai' } },
];

type Contender = 'aiClassify-default' | 'aiClassify-stated' | 'textClassifier-default';

interface RowSpec {
	setting: RateLimitSetting;
	contender: Contender;
	executions: number;
}

export function rateLimitRows(): RowSpec[] {
	const rows: RowSpec[] = [];
	for (const setting of RATE_LIMIT_SETTINGS) {
		rows.push({ setting, contender: 'aiClassify-default', executions: 1 }, { setting, contender: 'aiClassify-stated', executions: 1 }, { setting, contender: 'textClassifier-default', executions: 1 });
		if (setting.key === 'openai-500rpm') rows.push({ setting, contender: 'aiClassify-default', executions: 2 }, { setting, contender: 'aiClassify-default', executions: 4 });
	}
	return rows;
}

const TITLES: Record<Contender, string> = {
	'aiClassify-default': 'AI Classify, defaults',
	'aiClassify-stated': 'AI Classify, limit stated (Requests / Tokens per Minute)',
	'textClassifier-default': "n8n Text Classifier + OpenAI Chat Model, defaults",
};

export interface RateLimitRun {
	key: string;
	setting: string;
	contender: Contender;
	title: string;
	executions: number;
	items: number;
	classified: number;
	failedItems: number;
	executionStatuses: string[];
	/** n8n's error of a failed execution. */
	executionErrors: string[];
	wallMs: number;
	/** Wall time of each execution (webhook call → answer): how evenly they shared the limit. */
	executionWallMs: number[];
	requests: number;
	rateLimited: number;
	rateLimitedShare: number;
	steadyRequests: number;
	steadyRateLimitedShare: number;
	/** Successful requests per item and tokens charged per successful request (prompt + maximum, or + the answer). */
	requestsPerItem: number;
	chargedTokensPerRequest: number;
	/** What a perfect client needs for all items from full buckets: the burst, then the refill rate. */
	idealMs: number;
	itemsPerSecond: number;
	limitItemsPerSecond: number;
	rateLimitRatio: number;
	/** Items/s after the first minute ÷ the binding refill rate in items/s. */
	steadyRatio: number;
	timeToFirstResultMs: number;
	progressLines: number;
	round: number;
}

/** Tokens the provider charged for one answered request (providerLimits.ts: prompt + maximum, or + the answer). */
function chargedTokens(entry: FakeOpenAiLogEntry): number {
	const usage = entry.response?.usage ?? {};
	const prompt = usage.prompt_tokens ?? usage.input_tokens ?? 0;
	const completion = usage.completion_tokens ?? usage.output_tokens ?? 0;
	const maximum = entry.body?.max_completion_tokens ?? entry.body?.max_tokens ?? entry.body?.max_output_tokens;
	return prompt + (typeof maximum === 'number' && maximum > 0 ? maximum : completion);
}

export async function runRateLimitRow(
	n8n: N8nInstance,
	spec: RowSpec,
	options: { texts: Array<{ id: number; text: string; expected?: string }>; categories: BenchCategory[]; outputNames: string[]; latencyMs: number; apiKey: string; round: number; log: (message: string) => void },
): Promise<RateLimitRun> {
	const { setting, contender, executions } = spec;
	const key = `${setting.key}:${contender}${executions > 1 ? `:x${executions}` : ''}`;
	const server: FakeOpenAi = await startFakeOpenAi({ latencyMs: options.latencyMs, apiKey: options.apiKey, seed: 11, rateLimit: setting.limits });
	try {
		const stamp = `${Date.now()}-${Math.random().toString(36).slice(2, 8)}`;
		const path = `bench-rl-${stamp}`;
		let workflow;
		if (contender === 'textClassifier-default') {
			const credential = await n8n.createCredential(`RL ${stamp}`, 'openAiApi', { apiKey: options.apiKey, organizationId: '', url: server.baseUrl, header: false, allowedHttpRequestDomains: 'all' });
			workflow = textClassifierWorkflow(path, options.categories, credential);
		} else {
			const credential = await n8n.createCredential(`RL ${stamp}`, 'openAiCompatibleApi', { apiKey: options.apiKey, baseUrl: server.baseUrl, organization: '', customHeaders: '{}', allowedHttpRequestDomains: 'all' });
			const stated = contender === 'aiClassify-stated' ? { requestsPerMinute: setting.limits.requestsPerMinute, tokensPerMinute: setting.limits.tokensPerMinute } : {};
			workflow = aiClassifyWorkflow(path, options.categories, credential, stated);
		}
		const workflowId = await n8n.createWorkflow(workflow);
		await n8n.activate(workflowId);
		await n8n.waitForWebhook(path, 'POST');
		const [before] = await n8n.listExecutions(workflowId, { includeData: false, limit: 1 });
		const newestBefore = before ? Number(before.id) : 0;
		server.reset();
		const logLinesBefore = fs.readFileSync(n8n.logFile, 'utf8').split('\n').length;

		const share = Math.ceil(options.texts.length / executions);
		const parts = Array.from({ length: executions }, (_, index) => options.texts.slice(index * share, (index + 1) * share));
		const started = Date.now();
		const executionWallMs = await Promise.all(
			parts.map(async (texts) => {
				const response = await n8n.webhook(path, { body: { tickets: texts }, timeoutMs: 60 * 60_000 }).catch((error: Error) => ({ status: 0, body: error.message }));
				if (response.status !== 200) options.log(`${key}: an execution's webhook answered ${response.status}: ${JSON.stringify(response.body).slice(0, 300)}`);
				return Date.now() - started;
			}),
		);
		const wallMs = Math.max(...executionWallMs);

		const finished: Execution[] = [];
		for (let tries = 0; tries < 120 && finished.length < executions; tries++) {
			const listed = (await n8n.listExecutions(workflowId, { includeData: false, limit: executions + 2 })).filter((execution) => Number(execution.id) > newestBefore);
			const done = listed.filter((execution) => ['success', 'error', 'crashed', 'canceled'].includes(execution.status));
			if (done.length >= executions) {
				for (const execution of done.slice(0, executions)) finished.push(await n8n.getExecution(execution.id));
			} else await new Promise((resolve) => setTimeout(resolve, 1000));
		}
		let classified = 0;
		for (const execution of finished) {
			try {
				nodeOutput(execution, CLASSIFIER_NODE);
				classified += (contender === 'textClassifier-default' ? labelsFromOutputs(execution, options.outputNames) : labelsFromAiField(execution)).size;
			} catch {
				// The classifier never ran: none of its items came out.
			}
		}
		const log = server.log;
		const answered = log.filter((entry) => entry.status === 200);
		const rateLimited = log.filter((entry) => entry.status === 429).length;
		const firstRequest = log.length > 0 ? Math.min(...log.map((entry) => entry.at)) : started;
		const steady = log.filter((entry) => entry.at >= firstRequest + 60_000);
		const tokens = answered.reduce((sum, entry) => sum + chargedTokens(entry), 0);
		const requestsPerItem = classified > 0 ? answered.length / classified : 1;
		const chargedTokensPerRequest = answered.length > 0 ? tokens / answered.length : 0;
		const limits = setting.limits;
		const burst = (limits.burstSeconds ?? 60) / 60;
		const items = options.texts.length;
		const needRequests = items * requestsPerItem;
		const needTokens = needRequests * chargedTokensPerRequest;
		const idealMs =
			Math.max(
				limits.requestsPerMinute ? ((needRequests - limits.requestsPerMinute * burst) / limits.requestsPerMinute) * 60_000 : 0,
				limits.tokensPerMinute ? ((needTokens - limits.tokensPerMinute * burst) / limits.tokensPerMinute) * 60_000 : 0,
				0,
			) + options.latencyMs;
		// Items per second the refill lets through once the burst is spent.
		const refillItemsPerSecond = Math.min(
			limits.requestsPerMinute ? limits.requestsPerMinute / 60 / requestsPerItem : Infinity,
			limits.tokensPerMinute && chargedTokensPerRequest > 0 ? limits.tokensPerMinute / 60 / chargedTokensPerRequest / requestsPerItem : Infinity,
		);
		const steadyAnswered = steady.filter((entry) => entry.status === 200);
		const lastAnswer = answered.length > 0 ? Math.max(...answered.map((entry) => entry.at + entry.durationMs)) : firstRequest;
		const steadySeconds = Math.max(0, (lastAnswer - (firstRequest + 60_000)) / 1000);
		const firstResult = answered.length > 0 ? Math.min(...answered.map((entry) => entry.at + entry.durationMs)) : Number.NaN;
		const logLines = fs.readFileSync(n8n.logFile, 'utf8').split('\n').slice(logLinesBefore - 1);
		const run: RateLimitRun = {
			key,
			setting: setting.key,
			contender,
			title: `${TITLES[contender]}${executions > 1 ? `, ${executions} concurrent executions of ${share} items` : ''}`,
			executions,
			items,
			classified,
			failedItems: items - classified,
			executionStatuses: finished.map((execution) => execution.status),
			executionErrors: finished.map((execution) => executionError(execution)).filter((error): error is string => Boolean(error)).map((error) => error.slice(0, 300)),
			wallMs,
			executionWallMs,
			requests: log.length,
			rateLimited,
			rateLimitedShare: log.length > 0 ? rateLimited / log.length : 0,
			steadyRequests: steady.length,
			steadyRateLimitedShare: steady.length > 0 ? steady.filter((entry) => entry.status === 429).length / steady.length : 0,
			requestsPerItem,
			chargedTokensPerRequest,
			idealMs,
			itemsPerSecond: classified / (wallMs / 1000),
			limitItemsPerSecond: items / (idealMs / 1000),
			rateLimitRatio: (classified / (wallMs / 1000)) / (items / (idealMs / 1000)),
			steadyRatio: steadySeconds > 0 ? steadyAnswered.length / requestsPerItem / steadySeconds / refillItemsPerSecond : Number.NaN,
			timeToFirstResultMs: firstResult - started,
			progressLines: logLines.filter((line) => / items done/.test(line)).length,
			round: options.round,
		};
		options.log(
			`${key}: ${classified}/${items} classified in ${(wallMs / 1000).toFixed(1)} s (${run.itemsPerSecond.toFixed(2)} items/s, ${percent(run.rateLimitRatio, 1)} of a perfect client's ${run.limitItemsPerSecond.toFixed(2)}, ` +
				`steady ${percent(run.steadyRatio, 1)}), ${log.length} requests, ${rateLimited} answered 429 (${percent(run.rateLimitedShare, 1)}; steady ${percent(run.steadyRateLimitedShare, 1)}), ` +
				`first result after ${run.timeToFirstResultMs.toFixed(0)} ms, executions ${run.executionStatuses.join('/')}${run.executionErrors.length ? ` (${run.executionErrors.join('; ')})` : ''}, ${run.progressLines} progress lines in n8n's log`,
		);
		await n8n.deactivate(workflowId).catch(() => undefined);
		return run;
	} finally {
		await server.close();
	}
}

export interface RateLimitSummary {
	key: string;
	setting: string;
	title: string;
	rounds: number;
	items: number;
	rateLimitRatio: number;
	steadyRatio: number;
	failedItems: number;
	rateLimitedShare: number;
	steadyRateLimitedShare: number;
	itemsPerSecond: number;
	limitItemsPerSecond: number;
	timeToFirstResultMs: number;
	wallMs: number;
	executionWallMs: number[];
	progressLines: number;
	executionErrors: string[];
}

export function summariseRateLimits(runs: RateLimitRun[]): RateLimitSummary[] {
	const keys = [...new Set(runs.map((run) => run.key))];
	return keys.map((key) => {
		const mine = runs.filter((run) => run.key === key);
		const m = (pick: (run: RateLimitRun) => number) => median(mine.map(pick));
		return {
			key,
			setting: mine[0].setting,
			title: mine[0].title,
			rounds: mine.length,
			items: mine[0].items,
			rateLimitRatio: m((run) => run.rateLimitRatio),
			steadyRatio: m((run) => run.steadyRatio),
			failedItems: Math.max(...mine.map((run) => run.failedItems)),
			rateLimitedShare: m((run) => run.rateLimitedShare),
			steadyRateLimitedShare: m((run) => run.steadyRateLimitedShare),
			itemsPerSecond: m((run) => run.itemsPerSecond),
			limitItemsPerSecond: m((run) => run.limitItemsPerSecond),
			timeToFirstResultMs: m((run) => run.timeToFirstResultMs),
			wallMs: m((run) => run.wallMs),
			executionWallMs: mine[mine.length - 1].executionWallMs,
			progressLines: m((run) => run.progressLines),
			executionErrors: [...new Set(mine.flatMap((run) => run.executionErrors))],
		};
	});
}

export const RATE_LIMIT_SECTION_START = '<!-- rate-limits:start -->';
export const RATE_LIMIT_SECTION_END = '<!-- rate-limits:end -->';

export function rateLimitSection(summaries: RateLimitSummary[], environment: { date: string; latencyMs: number; items: number; rounds: number }): string {
	const rows = summaries.map(
		(s) =>
			`| ${RATE_LIMIT_SETTINGS.find((setting) => setting.key === s.setting)?.title ?? s.setting} | ${s.title} | ${s.itemsPerSecond.toFixed(2)} | ${percent(s.rateLimitRatio, 1)} of ${s.limitItemsPerSecond.toFixed(2)}/s | ${percent(s.steadyRatio, 1)} | ${s.failedItems} | ${percent(s.rateLimitedShare, 1)} / ${percent(s.steadyRateLimitedShare, 1)} | ${Number.isFinite(s.timeToFirstResultMs) ? `${(s.timeToFirstResultMs / 1000).toFixed(2)} s` : '–'} | ${(s.wallMs / 1000).toFixed(0)} s${s.executionWallMs.length > 1 ? ` (executions ${s.executionWallMs.map((ms) => (ms / 1000).toFixed(0)).join(', ')} s)` : ''} | ${s.progressLines} |`,
	);
	const ours = summaries.filter((s) => !s.key.includes('textClassifier'));
	const goals = [
		{ goal: '≥ 90% of the limit (AI Classify, every setting and row)', met: ours.every((s) => s.rateLimitRatio >= 0.9), measured: `lowest ${percent(Math.min(...ours.map((s) => s.rateLimitRatio)), 1)} (whole run vs a perfect client), steady state lowest ${percent(Math.min(...ours.map((s) => s.steadyRatio)), 1)}` },
		{ goal: '0 failed items (AI Classify)', met: ours.every((s) => s.failedItems === 0), measured: `${ours.reduce((sum, s) => sum + s.failedItems, 0)} failed over ${ours.length} rows` },
		{ goal: '≤ 2% of requests answered 429 in steady state (AI Classify)', met: ours.every((s) => s.steadyRateLimitedShare <= 0.02), measured: `highest ${percent(Math.max(...ours.map((s) => s.steadyRateLimitedShare)), 1)} (whole run highest ${percent(Math.max(...ours.map((s) => s.rateLimitedShare)), 1)})` },
	];
	return `${RATE_LIMIT_SECTION_START}
## Against a rate-limited provider (issue 18)

Generated on ${environment.date.slice(0, 16).replace('T', ' ')} UTC (\`npm run bench -- --parts rate-limits\` runs this part alone; ${environment.rounds} round${environment.rounds > 1 ? 's, medians' : ''}).
The test server enforces a provider's limits (\`test/support/providerLimits.ts\`): token buckets for requests and
tokens per minute that hold one minute and start full, a request charged its prompt tokens plus its maximum
completion tokens (as OpenAI counts; without a maximum, the answer's tokens), 429 with Retry-After, and
OpenAI's \`x-ratelimit-*\` headers — or, in the second setting, no header at all. ${environment.items.toLocaleString('en-US')} items, ${environment.latencyMs} ms latency, one
fresh server per row. *Of the limit*: items/s against what a perfect client gets from the same buckets (the
minute's burst at once, then exactly the refill rate: \`rateLimitRatio\` in benchmarks.json); *steady*: items/s after the
first minute against the refill rate alone. *429*: share of all requests / of those after the first minute.
*First result*: webhook call → first answered request. *Progress lines*: the node's lines in n8n's log.

| limit | contender | items/s | of the limit | steady | failed items | answered 429 (all / steady) | first result | wall time | progress lines |
|---|---|---:|---:|---:|---:|---:|---:|---:|---:|
${rows.join('\n')}

${summaries
	.filter((s) => s.executionErrors.length > 0)
	.map((s) => `- ${s.title} (${s.setting}): the execution ended in error — n8n: “${s.executionErrors.join('; ')}”; none of its items came out.`)
	.join('\n')}

| goal | measured | met |
|---|---|:---:|
${goals.map((g) => `| ${g.goal} | ${g.measured} | ${g.met ? 'yes' : '**no**'} |`).join('\n')}
${RATE_LIMIT_SECTION_END}`;
}

/** Puts the section into an existing benchmarks.md (replacing an earlier one, else at the end). */
export function withRateLimitSection(markdown: string, section: string): string {
	const start = markdown.indexOf(RATE_LIMIT_SECTION_START);
	const end = markdown.indexOf(RATE_LIMIT_SECTION_END);
	if (start >= 0 && end > start) return `${markdown.slice(0, start)}${section}${markdown.slice(end + RATE_LIMIT_SECTION_END.length)}`;
	return `${markdown.trimEnd()}\n\n${section}\n`;
}
