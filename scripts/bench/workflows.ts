/**
 * The workflows the benchmark deploys. Every contender gets the same shape — Webhook → Split Out →
 * classifier — and the webhook answers when the last node has finished, with no body, so the time
 * measured is the execution (and its save), not the size of a response one contender would make larger.
 */
import { randomUUID } from 'node:crypto';

import { node, ourNode, splitOut, type WorkflowNode } from '../../test/support/workflow';
import type { BenchCategory } from './data';

export const MODEL = 'gpt-4o-mini';
/** The node whose run time is read from the execution. */
export const CLASSIFIER_NODE = 'Classifier';

function webhookNode(path: string): WorkflowNode {
	return node(
		'Webhook',
		'n8n-nodes-base.webhook',
		2,
		{ httpMethod: 'POST', path, responseMode: 'lastNode', responseData: 'noData', options: {} },
		{ webhookId: randomUUID() },
	);
}

function mainChain(classifier: WorkflowNode, path: string, extraNodes: WorkflowNode[] = [], extraConnections: object = {}) {
	return {
		name: `bench ${path}`,
		nodes: [webhookNode(path), splitOut('Split Out', 'body.tickets'), classifier, ...extraNodes],
		connections: {
			Webhook: { main: [[{ node: 'Split Out', type: 'main', index: 0 }]] },
			'Split Out': { main: [[{ node: CLASSIFIER_NODE, type: 'main', index: 0 }]] },
			...extraConnections,
		},
		settings: { executionOrder: 'v1' },
	};
}

/** AI Classify with the OpenAI-compatible engine; `options` empty means every default. */
export function aiClassifyWorkflow(path: string, categories: BenchCategory[], credentialId: string, options: Record<string, unknown>) {
	return mainChain(
		ourNode(
			CLASSIFIER_NODE,
			'aiClassify',
			{
				engine: 'openai',
				authentication: 'openAiCompatibleApi',
				model: { __rl: true, mode: 'id', value: MODEL },
				text: '={{ $json.text }}',
				categories: { category: categories.map(({ name, description }) => ({ name, description })) },
				options,
			},
			{ credentials: { openAiCompatibleApi: { id: credentialId, name: 'Bench server' } } },
		),
		path,
	);
}

/** AI Classify's local engine, trained on the given examples (one per line per category). */
export function aiClassifyLocalWorkflow(path: string, categories: BenchCategory[], examples: Record<string, string[]>) {
	return mainChain(
		ourNode(CLASSIFIER_NODE, 'aiClassify', {
			engine: 'local',
			text: '={{ $json.text }}',
			categories: {
				category: categories.map(({ name, description }) => ({ name, description, examples: (examples[name] ?? []).join('\n') })),
			},
			options: {},
		}),
		path,
	);
}

/** The Text Classifier node's version whose defaults are measured (1.1: batches of 5 in parallel). */
export const TEXT_CLASSIFIER_VERSION = 1.1;
export const TEXT_CLASSIFIER_BATCH_SIZE = 5;

/**
 * n8n's Text Classifier (latest version, every option at its default) with the OpenAI Chat Model
 * sub-node (latest version, Responses API on by default) on n8n's own `openAiApi` credential.
 */
export function textClassifierWorkflow(path: string, categories: BenchCategory[], credentialId: string) {
	const chatModel = node(
		'OpenAI Chat Model',
		'@n8n/n8n-nodes-langchain.lmChatOpenAi',
		1.3,
		{ model: { __rl: true, mode: 'id', value: MODEL }, options: {} },
		{ credentials: { openAiApi: { id: credentialId, name: 'Bench server (n8n OpenAI)' } } },
	);
	return mainChain(
		node(CLASSIFIER_NODE, '@n8n/n8n-nodes-langchain.textClassifier', TEXT_CLASSIFIER_VERSION, {
			inputText: '={{ $json.text }}',
			categories: { categories: categories.map(({ name, description }) => ({ category: name, description })) },
			options: {},
		}),
		path,
		[chatModel],
		{ 'OpenAI Chat Model': { ai_languageModel: [[{ node: CLASSIFIER_NODE, type: 'ai_languageModel', index: 0 }]] } },
	);
}
