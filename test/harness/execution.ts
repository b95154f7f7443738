/**
 * Executions as the public API returns them (`GET /api/v1/executions/:id?includeData=true`), and the
 * run data of one node out of them.
 *
 * The `data` field is the execution's IRunExecutionData. The harness accepts it both as an object and
 * in n8n's storage form (a `flatted` string), which it decodes with the flatted of the running n8n.
 */
import * as path from 'node:path';
import type { INodeExecutionData, IRunExecutionData, ITaskData } from 'n8n-workflow';

export type ExecutionStatus =
	| 'canceled'
	| 'crashed'
	| 'error'
	| 'new'
	| 'running'
	| 'success'
	| 'unknown'
	| 'waiting';

export interface Execution {
	id: string;
	workflowId: string;
	status: ExecutionStatus;
	finished: boolean;
	mode: string;
	startedAt: string;
	stoppedAt: string | null;
	waitTill: string | null;
	/** Decoded run data; present when fetched with data. */
	data?: IRunExecutionData;
	[key: string]: unknown;
}

type FlattedParse = (text: string) => unknown;

/** n8n's own flatted (the one it stores executions with). */
export function flattedFrom(n8nFolder: string): FlattedParse {
	const resolved = require.resolve('flatted', { paths: [path.join(n8nFolder, 'node_modules', 'n8n')] });
	// eslint-disable-next-line @typescript-eslint/no-require-imports -- n8n's own flatted, from n8n's install folder
	return (require(resolved) as { parse: FlattedParse }).parse;
}

export function decodeExecution(raw: Record<string, unknown>, parseFlatted: FlattedParse): Execution {
	const execution = { ...raw, id: String(raw.id), workflowId: String(raw.workflowId) } as Execution;
	const data = raw.data as unknown;
	if (typeof data === 'string') {
		execution.data = parseFlatted(data) as IRunExecutionData;
	} else if (Array.isArray(data)) {
		// Already JSON-parsed flatted form: an array whose first entry is the root.
		execution.data = parseFlatted(JSON.stringify(data)) as IRunExecutionData;
	}
	return execution;
}

/** Every run of a node in an execution (a node that ran in a loop or resumed has several). */
export function nodeRuns(execution: Execution, nodeName: string): ITaskData[] {
	if (!execution.data) {
		throw new Error(`Execution ${execution.id} was fetched without data`);
	}
	return execution.data.resultData?.runData?.[nodeName] ?? [];
}

/**
 * The items of each output (`main`) of the last run of `nodeName`: `result[outputIndex][itemIndex]`.
 * Throws if the node did not run, naming the nodes that did.
 */
export function nodeOutput(execution: Execution, nodeName: string): INodeExecutionData[][] {
	const runs = nodeRuns(execution, nodeName);
	if (runs.length === 0) {
		const ran = Object.keys(execution.data?.resultData?.runData ?? {});
		throw new Error(
			`Node "${nodeName}" did not run in execution ${execution.id} (status ${execution.status}); nodes that ran: ${ran.join(', ') || 'none'}`,
		);
	}
	const last = runs[runs.length - 1];
	return (last.data?.main ?? []).map((items) => items ?? []);
}

/** The error n8n recorded for the execution, if any (message of resultData.error). */
export function executionError(execution: Execution): string | undefined {
	const error = execution.data?.resultData?.error as { message?: string; description?: string } | undefined;
	if (!error) return undefined;
	return [error.message, error.description].filter(Boolean).join(': ');
}
