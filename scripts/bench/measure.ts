/**
 * One timed run of one contender: posts the texts to its production webhook, waits for the
 * execution, checks that every item came out classified (the comparison is void otherwise), and
 * reads the server's request and token counts for exactly that run.
 */
import { nodeOutput, nodeRuns, type Execution, type N8nInstance } from '../../test/harness/n8n';
import type { FakeOpenAi } from '../../test/support/openaiServer';
import { CLASSIFIER_NODE } from './workflows';

export interface Contender {
	key: string;
	title: string;
	/** Requests in flight at most (undefined: no model server involved). */
	concurrency?: number;
	workflowId: string;
	path: string;
	/** Classifiers: the label of each item of the node's outputs, by item id. */
	labels?(execution: Execution, outputNames: string[]): Map<number, string>;
	/** Extractors: the number of filled fields of each item's record, by item id. */
	extracted?(execution: Execution): Map<number, number>;
}

export interface RunResult {
	round: number;
	items: number;
	/** Webhook call to its answer: Split Out, the classifier and n8n saving the execution. */
	wallMs: number;
	/** The classifier node's own execution time as n8n recorded it. */
	nodeMs: number;
	/** startedAt → stoppedAt of the execution. */
	executionMs: number;
	classified: number;
	/** Items whose label equals the Bitext category (classifiers). */
	correct: number;
	/** Mean filled fields per extracted record (extractors). */
	fieldsPerItem?: number;
	requests: number;
	/** As the test server counted them: messages and any structured-output schema (see its responseFormatText). */
	promptTokens: number;
	completionTokens: number;
	maxConcurrent: number;
	/** Mean time the server took per answered request (its fixed latency plus its own work). */
	serverMeanMs: number;
	/** First request in → last answer out, as the server saw it. */
	serverSpanMs: number;
	/**
	 * Share of the concurrency slots the server saw busy over its span: sum of request durations ÷
	 * (concurrency × span). Below 1, the client left slots idle between an answer and the next request.
	 */
	slotUse?: number;
	/** Classifier node start → first request at the server (the node's work before any I/O). */
	leadInMs?: number;
	/** Last answer at the server → classifier node end. */
	tailMs?: number;
}

/** Labels from one output that carries `ai.label` (AI Classify, single output). */
export function labelsFromAiField(execution: Execution): Map<number, string> {
	const labels = new Map<number, string>();
	for (const item of nodeOutput(execution, CLASSIFIER_NODE)[0] ?? []) {
		const json = item.json as { id?: number; ai?: { label?: string } };
		if (typeof json.id === 'number' && json.ai?.label) labels.set(json.id, json.ai.label);
	}
	return labels;
}

/** Labels from the output an item left on (Text Classifier: one output per category). */
export function labelsFromOutputs(execution: Execution, outputNames: string[]): Map<number, string> {
	const labels = new Map<number, string>();
	nodeOutput(execution, CLASSIFIER_NODE).forEach((items, output) => {
		for (const item of items) {
			const id = (item.json as { id?: number }).id;
			if (typeof id !== 'number') continue;
			// An item on two outputs would be a multi-class answer; the default is mutually exclusive.
			labels.set(id, labels.has(id) ? `${labels.get(id)}+${outputNames[output]}` : outputNames[output]);
		}
	});
	return labels;
}

export async function runOnce(
	n8n: N8nInstance,
	server: FakeOpenAi,
	contender: Contender,
	texts: Array<{ id: number; expected?: string }>,
	outputNames: string[],
	round: number,
): Promise<RunResult> {
	const [before] = await n8n.listExecutions(contender.workflowId, { includeData: false, limit: 1 });
	const newestBefore = before ? Number(before.id) : 0;
	server.reset();
	const started = performance.now();
	const response = await n8n.webhook(contender.path, { body: { tickets: texts }, timeoutMs: 30 * 60_000 });
	const wallMs = performance.now() - started;
	if (response.status !== 200) {
		throw new Error(`${contender.title}: the webhook answered ${response.status}: ${JSON.stringify(response.body).slice(0, 500)}\n${n8n.logTail(20)}`);
	}
	const [latest] = await n8n.listExecutions(contender.workflowId, { includeData: false, limit: 1 });
	if (!latest || Number(latest.id) <= newestBefore) throw new Error(`${contender.title}: no execution was recorded`);
	const execution = await n8n.waitForExecutionStatus(latest.id, ['success', 'error', 'crashed', 'canceled'], 120_000);
	if (execution.status !== 'success') {
		throw new Error(`${contender.title}: execution ${execution.id} ended ${execution.status}\n${JSON.stringify(execution.data?.resultData?.error ?? {}).slice(0, 1000)}`);
	}
	const labels = contender.labels?.(execution, outputNames) ?? new Map<number, string>();
	const extracted = contender.extracted?.(execution);
	const expected = new Map(texts.map((text) => [text.id, text.expected]));
	let correct = 0;
	for (const [id, label] of labels) if (expected.get(id) === label) correct++;
	const fields = extracted ? [...extracted.values()] : [];
	const runs = nodeRuns(execution, CLASSIFIER_NODE);
	const lastRun = runs[runs.length - 1];
	const answered = server.log.filter((entry) => entry.status === 200);
	const firstStart = Math.min(...server.log.map((entry) => entry.at));
	const lastEnd = Math.max(...server.log.map((entry) => entry.at + entry.durationMs));
	const serverSpanMs = server.log.length > 0 ? lastEnd - firstStart : 0;
	const busyMs = server.log.reduce((sum, entry) => sum + entry.durationMs, 0);
	return {
		round,
		items: texts.length,
		wallMs,
		nodeMs: lastRun?.executionTime ?? Number.NaN,
		executionMs: execution.stoppedAt ? Date.parse(execution.stoppedAt) - Date.parse(execution.startedAt) : Number.NaN,
		classified: extracted ? extracted.size : labels.size,
		correct,
		fieldsPerItem: extracted ? fields.reduce((sum, count) => sum + count, 0) / Math.max(1, fields.length) : undefined,
		requests: server.stats.chatRequests,
		promptTokens: server.stats.promptTokens,
		completionTokens: server.stats.completionTokens,
		maxConcurrent: server.stats.maxConcurrent,
		serverMeanMs: answered.length > 0 ? answered.reduce((sum, entry) => sum + entry.durationMs, 0) / answered.length : 0,
		serverSpanMs,
		slotUse: contender.concurrency && serverSpanMs > 0 ? busyMs / (contender.concurrency * serverSpanMs) : undefined,
		leadInMs: server.log.length > 0 && lastRun ? firstStart - lastRun.startTime : undefined,
		tailMs: server.log.length > 0 && lastRun ? lastRun.startTime + lastRun.executionTime - lastEnd : undefined,
	};
}
