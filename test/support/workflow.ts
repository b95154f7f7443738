/** Small builders for the workflows the integration tests import into n8n. */
import { randomUUID } from 'node:crypto';

export const PACKAGE = 'n8n-nodes-ai-workflow';

export type WorkflowNode = {
	id: string;
	name: string;
	type: string;
	typeVersion: number;
	position: [number, number];
	parameters: Record<string, unknown>;
	webhookId?: string;
	credentials?: Record<string, { id: string; name: string }>;
	continueOnFail?: boolean;
	onError?: string;
};

let x = 0;
export function node(
	name: string,
	type: string,
	typeVersion: number,
	parameters: Record<string, unknown>,
	extra: Partial<WorkflowNode> = {},
): WorkflowNode {
	x += 220;
	return { id: randomUUID(), name, type, typeVersion, position: [x, 0], parameters, ...extra };
}

/** A POST webhook answering with the last node's items (`allEntries`) or through a Respond node. */
export function webhook(name: string, path: string, responseMode: 'lastNode' | 'responseNode' = 'lastNode'): WorkflowNode {
	return node(
		name,
		'n8n-nodes-base.webhook',
		2,
		{
			httpMethod: 'POST',
			path,
			responseMode,
			...(responseMode === 'lastNode' ? { responseData: 'allEntries' } : {}),
			options: {},
		},
		{ webhookId: randomUUID() },
	);
}

/** Turns `body.<field>` (an array) into one item per entry. */
export function splitOut(name: string, field: string): WorkflowNode {
	return node(name, 'n8n-nodes-base.splitOut', 1, { fieldToSplitOut: field, options: {} });
}

export function ourNode(name: string, typeName: string, parameters: Record<string, unknown>, extra: Partial<WorkflowNode> = {}) {
	return node(name, `${PACKAGE}.${typeName}`, 1, parameters, extra);
}

/** connections: { from: [[to, ...] per output] } */
export function connect(chain: Record<string, string[][]>) {
	return Object.fromEntries(
		Object.entries(chain).map(([from, outputs]) => [
			from,
			{ main: outputs.map((targets) => targets.map((target) => ({ node: target, type: 'main', index: 0 }))) },
		]),
	);
}

export function workflow(name: string, nodes: WorkflowNode[], connections: Record<string, string[][]>) {
	return { name, nodes, connections: connect(connections), settings: { executionOrder: 'v1' } };
}
