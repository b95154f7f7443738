/**
 * The in-process layer (test/nodes): runs this package's nodes inside n8n-core's own workflow
 * execution — the engine of the pinned n8n, which jest maps `n8n-core` and `n8n-workflow` to (see
 * jest.config.js) — with no server, no database and no network. Parameters are resolved the way n8n
 * resolves them (defaults, expressions per item, resource locators), errors and Continue On Fail go
 * through n8n's own handling, and a waiting node's webhook() runs in n8n-core's WebhookContext.
 *
 *   const run = await runNode({ type: 'aiClassify', parameters: {...}, items: [{ text: 'hi' }] });
 *   run.outputs[0][0].json.ai; run.error?.message;
 *
 * Milliseconds per run: for every parameter combination and bad input. What only a real n8n shows
 * (packaging, the editor, production webhooks, queue mode) stays in test/n8n and test/queue.
 */
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { BinaryDataService, ExecutionLifecycleHooks, WebhookContext, WorkflowExecute } from 'n8n-core';
import {
	BINARY_ENCODING,
	createRunExecutionData,
	ICredentialsHelper,
	NodeHelpers,
	Workflow,
	type ICredentialDataDecryptedObject,
	type IBinaryData,
	type IDataObject,
	type INode,
	type INodeCredentialsDetails,
	type INodeExecutionData,
	type INodeType,
	type INodeTypes,
	type IRun,
	type IVersionedNodeType,
	type IWebhookData,
	type IWebhookResponseData,
	type IWorkflowExecuteAdditionalData,
	type WorkflowExecuteMode,
} from 'n8n-workflow';

import { OpenAiCompatibleApi } from '../../credentials/OpenAiCompatibleApi.credentials';
import { AiClassify } from '../../nodes/AiClassify/AiClassify.node';
import { ConfidenceRouter } from '../../nodes/ConfidenceRouter/ConfidenceRouter.node';
import { ExtractInvoice } from '../../nodes/ExtractInvoice/ExtractInvoice.node';
import { HumanReviewWait } from '../../nodes/HumanReviewWait/HumanReviewWait.node';
import { MetricsLogger } from '../../nodes/MetricsLogger/MetricsLogger.node';

export const PACKAGE = 'n8n-nodes-ai-workflow';

const NODE_CLASSES = {
	aiClassify: AiClassify,
	extractInvoice: ExtractInvoice,
	confidenceRouter: ConfidenceRouter,
	humanReviewWait: HumanReviewWait,
	metricsLogger: MetricsLogger,
};
export type PackageNodeName = keyof typeof NODE_CLASSES;

/**
 * Where the items come from: in n8n a node always runs after another (a trigger at least), and n8n
 * uses that node's run (e.g. to add back the input item's fields to an item sent to the error
 * output). It is never executed here: its run is recorded with the items as its output.
 */
const INPUT_NODE_TYPE = 'aiw-harness.input';
const INPUT_NODE_NAME = 'Input';

class InputNode implements INodeType {
	description = {
		displayName: 'Input',
		name: 'input',
		group: ['trigger'],
		version: 1,
		description: 'The items of the test',
		defaults: { name: INPUT_NODE_NAME },
		inputs: [],
		outputs: ['main'],
		properties: [],
	} as unknown as INodeType['description'];
}

/** This package's node types, as n8n knows them once the package is installed. */
class PackageNodeTypes implements INodeTypes {
	private readonly types = new Map<string, INodeType | IVersionedNodeType>([
		...Object.entries(NODE_CLASSES).map(([name, NodeClass]): [string, INodeType] => [`${PACKAGE}.${name}`, new NodeClass()]),
		[INPUT_NODE_TYPE, new InputNode()],
	]);

	getByName(type: string): INodeType | IVersionedNodeType {
		const found = this.types.get(type);
		if (!found) throw new Error(`Unknown node type ${type}`);
		return found;
	}

	getByNameAndVersion(type: string, version?: number): INodeType {
		return NodeHelpers.getVersionedNodeType(this.getByName(type), version);
	}

	getKnownTypes() {
		return {};
	}
}

const CREDENTIAL_TYPES: Record<string, { properties: Array<{ name: string; default?: unknown }> }> = {
	openAiCompatibleApi: new OpenAiCompatibleApi(),
};

/** Credentials by type, as the test gives them (n8n would decrypt them from its database). */
class TestCredentialsHelper extends ICredentialsHelper {
	constructor(private readonly credentials: Record<string, ICredentialDataDecryptedObject>) {
		super();
	}

	getParentTypes(): string[] {
		return [];
	}

	async authenticate(_credentials: ICredentialDataDecryptedObject, _type: string, requestOptions: never) {
		return requestOptions;
	}

	async preAuthentication() {
		return undefined;
	}

	async runPreAuthentication() {
		return undefined;
	}

	isCredentialUsableByNode(): boolean {
		return true;
	}

	async getCredentials(): Promise<never> {
		throw new Error('not used by the in-process harness');
	}

	async getDecrypted(
		_additionalData: IWorkflowExecuteAdditionalData,
		_nodeCredentials: INodeCredentialsDetails,
		type: string,
	): Promise<ICredentialDataDecryptedObject> {
		const given = this.credentials[type];
		if (!given) throw new Error(`Node does not have any credentials set for "${type}"`);
		// n8n fills a credential's unset fields with their defaults.
		const defaults = Object.fromEntries((CREDENTIAL_TYPES[type]?.properties ?? []).map((p) => [p.name, p.default]));
		return { ...defaults, ...given } as ICredentialDataDecryptedObject;
	}

	async updateCredentials() {}

	async updateCredentialsOauthTokenData() {}

	getCredentialsProperties() {
		return [];
	}
}

export interface NodeUnderTest {
	type: PackageNodeName;
	parameters?: INode['parameters'];
	/** Default: the node's newest version. */
	typeVersion?: number;
	/** n8n's node setting "On Error". */
	onError?: INode['onError'];
	/** Credentials by type, e.g. { openAiCompatibleApi: { apiKey, baseUrl } }. */
	credentials?: Record<string, ICredentialDataDecryptedObject>;
	name?: string;
}

export interface RunOptions extends NodeUnderTest {
	/** Input items: plain objects become `{ json }`. */
	items?: Array<IDataObject | INodeExecutionData>;
	mode?: WorkflowExecuteMode;
	workflowId?: string;
	executionId?: string;
}

export interface NodeRun {
	/** Items per output of the node's run (empty when it failed). */
	outputs: INodeExecutionData[][];
	/** The node's error, as n8n recorded it (message, description, itemIndex …). */
	error?: IDataObject & { message: string };
	/** Set when the node put the execution to wait. */
	waitTill?: Date;
	run: IRun;
	workflow: Workflow;
	node: INode;
	additionalData: IWorkflowExecuteAdditionalData;
}

let userFolder: string | undefined;

/** n8n-core keeps its instance settings (encryption key …) in a user folder: a fresh one per test process. */
function ensureUserFolder(): void {
	if (userFolder) return;
	userFolder = fs.mkdtempSync(path.join(os.tmpdir(), 'aiw-nodes-'));
	process.env.N8N_USER_FOLDER = userFolder;
	// n8n's logger would print every error a test provokes on purpose (the tests assert them);
	// N8N_LOG_LEVEL=error (or debug) shows them again.
	process.env.N8N_LOG_LEVEL ??= 'silent';
	process.on('exit', removeUserFolder);
}

function removeUserFolder(): void {
	if (userFolder) fs.rmSync(userFolder, { recursive: true, force: true });
}

// Jest ends its workers without an 'exit' event: remove the folder (and the binary data in it)
// once the test file is done. Each test file has its own copy of this module, so its own folder.
if (typeof afterAll === 'function') afterAll(removeUserFolder);

/**
 * n8n-core's dependency container, the instance n8n-core itself uses (jest loads `@n8n/di` once, from
 * the pinned n8n's node_modules, for n8n-core and for this file alike).
 */
function n8nContainer(): { get<T>(type: new (...args: never[]) => T): T } {
	const corePackage = require.resolve('n8n-core/package.json', { paths: [path.dirname(require.resolve('n8n-core'))] });
	const diPath = require.resolve('@n8n/di', { paths: [path.dirname(corePackage)] });
	// eslint-disable-next-line @typescript-eslint/no-require-imports
	return (require(diPath) as { Container: { get<T>(type: new (...args: never[]) => T): T } }).Container;
}

let binaryData: Promise<BinaryDataService> | undefined;

/**
 * n8n 2.x keeps binary data in files (N8N_DEFAULT_BINARY_DATA_MODE defaults to filesystem): items
 * carry an id, not the bytes, so a node that read `binary.data` instead of n8n's helpers would fail
 * there. The in-process layer does the same, in the test process's user folder.
 */
function binaryDataService(): Promise<BinaryDataService> {
	ensureUserFolder();
	binaryData ??= (async () => {
		const service = n8nContainer().get(BinaryDataService);
		await service.init();
		return service;
	})();
	return binaryData;
}

/** A file as n8n puts it on an item (a webhook upload, Read Binary File …): stored by n8n-core. */
export async function prepareBinary(data: Buffer, meta: { mimeType: string; fileName?: string }): Promise<IBinaryData> {
	const service = await binaryDataService();
	const extension = meta.fileName?.includes('.') ? meta.fileName.split('.').pop() : undefined;
	const binary: IBinaryData = {
		data: '',
		mimeType: meta.mimeType,
		...(meta.fileName ? { fileName: meta.fileName } : {}),
		...(extension ? { fileExtension: extension } : {}),
	};
	return await service.store({ type: 'execution', workflowId: 'wf-in-process', executionId: 'inputs' }, data, binary);
}

/** The bytes of binary data a node returned, read through n8n-core as the next node would. */
export async function readBinary(binary: IBinaryData): Promise<Buffer> {
	if (!binary.id) return Buffer.from(binary.data, BINARY_ENCODING);
	return await (await binaryDataService()).getAsBuffer(binary);
}

export const WEBHOOK_BASE = 'http://127.0.0.1:5678';

function newestVersion(type: PackageNodeName): number {
	const { version } = new NODE_CLASSES[type]().description;
	return Array.isArray(version) ? Math.max(...version) : version;
}

function buildWorkflow(spec: NodeUnderTest, workflowId: string): { workflow: Workflow; node: INode; input: INode } {
	const node: INode = {
		id: randomUUID(),
		name: spec.name ?? 'Node',
		type: `${PACKAGE}.${spec.type}`,
		typeVersion: spec.typeVersion ?? newestVersion(spec.type),
		position: [0, 0],
		parameters: spec.parameters ?? {},
		...(spec.onError ? { onError: spec.onError } : {}),
		credentials: Object.fromEntries(Object.keys(spec.credentials ?? {}).map((type) => [type, { id: `${type}-id`, name: type }])),
	};
	const input: INode = { id: randomUUID(), name: INPUT_NODE_NAME, type: INPUT_NODE_TYPE, typeVersion: 1, position: [-200, 0], parameters: {} };
	const workflow = new Workflow({
		id: workflowId,
		name: 'in-process test',
		nodes: [input, node],
		connections: { [input.name]: { main: [[{ node: node.name, type: 'main', index: 0 }]] } },
		active: false,
		nodeTypes: new PackageNodeTypes(),
		settings: { executionOrder: 'v1' },
	});
	return { workflow, node, input };
}

function additionalDataFor(
	executionId: string,
	credentials: Record<string, ICredentialDataDecryptedObject>,
	hooks: ExecutionLifecycleHooks,
): IWorkflowExecuteAdditionalData {
	return {
		credentialsHelper: new TestCredentialsHelper(credentials),
		executionId,
		hooks,
		restApiUrl: `${WEBHOOK_BASE}/rest`,
		instanceBaseUrl: `${WEBHOOK_BASE}/`,
		webhookBaseUrl: `${WEBHOOK_BASE}/webhook`,
		webhookWaitingBaseUrl: `${WEBHOOK_BASE}/webhook-waiting`,
		webhookTestBaseUrl: `${WEBHOOK_BASE}/webhook-test`,
		formWaitingBaseUrl: `${WEBHOOK_BASE}/form-waiting`,
		variables: {},
		currentNodeParameters: undefined,
		executeWorkflow: async () => {
			throw new Error('not used by the in-process harness');
		},
		getRunExecutionData: async () => undefined,
		logAiEvent: () => undefined,
		startRunnerTask: async () => {
			throw new Error('not used by the in-process harness');
		},
		setExecutionStatus: () => undefined,
		sendDataToUI: () => undefined,
	} as unknown as IWorkflowExecuteAdditionalData;
}

/** Runs one node on the given items through n8n-core's WorkflowExecute. */
export async function runNode(options: RunOptions): Promise<NodeRun> {
	ensureUserFolder();
	const workflowId = options.workflowId ?? 'wf-in-process';
	const executionId = options.executionId ?? String(Math.floor(Math.random() * 1e9));
	const mode = options.mode ?? 'trigger';
	const { workflow, node, input } = buildWorkflow(options, workflowId);
	const hooks = new ExecutionLifecycleHooks(mode, executionId, {
		id: workflowId,
		name: workflow.name,
		nodes: [input, node],
		connections: workflow.connectionsBySourceNode,
		active: false,
		activeVersionId: null,
		isArchived: false,
		createdAt: new Date(),
		updatedAt: new Date(),
	} as never);
	const additionalData = additionalDataFor(executionId, options.credentials ?? {}, hooks);
	const items = (options.items ?? [{}]).map((item) => ('json' in item && typeof item.json === 'object' ? (item as INodeExecutionData) : { json: item as IDataObject }));
	const runExecutionData = createRunExecutionData({
		resultData: {
			runData: {
				[input.name]: [{ startTime: Date.now(), executionTime: 0, executionIndex: 0, source: [], data: { main: [items] } }],
			},
			lastNodeExecuted: input.name,
		},
		executionData: {
			nodeExecutionStack: [
				{ node, data: { main: [items] }, source: { main: [{ previousNode: input.name, previousNodeOutput: 0, previousNodeRun: 0 }] } },
			],
		},
	});
	await binaryDataService();
	const run = await new WorkflowExecute(additionalData, mode, runExecutionData).processRunExecutionData(workflow);
	const task = run.data.resultData.runData[node.name]?.[0];
	const error = (task?.error ?? run.data.resultData.error) as NodeRun['error'];
	return {
		outputs: (task?.data?.main ?? []).map((output) => output ?? []),
		error,
		waitTill: run.waitTill ?? undefined,
		run,
		workflow,
		node,
		additionalData,
	};
}

export interface WebhookRequest {
	/** What a browser, a link scanner (GET, HEAD) or a script sends. */
	method: 'GET' | 'POST' | 'HEAD' | 'PUT';
	/** The path after /webhook-waiting/<executionId>/, e.g. 'review'. */
	path?: string;
	query?: Record<string, string>;
	body?: IDataObject;
	headers?: Record<string, string>;
}

export interface WebhookAnswer {
	status: number;
	headers: Record<string, string>;
	body: string;
	/** What webhook() returned: workflowData resumes the execution, noWebhookResponse leaves it waiting. */
	result: IWebhookResponseData;
}

/**
 * Calls the webhook() of a node that put its execution to wait, as n8n's waiting-webhook handler does:
 * the waiting items are the node's last output, reachable through expressions.
 */
export async function callWaitingWebhook(waiting: NodeRun, request: WebhookRequest): Promise<WebhookAnswer> {
	const answer: Omit<WebhookAnswer, 'result'> = { status: 200, headers: {}, body: '' };
	const response = {
		status(code: number) {
			answer.status = code;
			return response;
		},
		setHeader(name: string, value: string) {
			answer.headers[name.toLowerCase()] = String(value);
			return response;
		},
		header(name: string, value: string) {
			return response.setHeader(name, value);
		},
		set(name: string, value: string) {
			return response.setHeader(name, value);
		},
		type(value: string) {
			return response.setHeader('content-type', value);
		},
		send(body: unknown) {
			answer.body = Buffer.isBuffer(body) ? body.toString('utf8') : typeof body === 'string' ? body : JSON.stringify(body);
			return response;
		},
		end(body?: unknown) {
			if (body !== undefined) response.send(body);
			return response;
		},
		json(body: unknown) {
			response.setHeader('content-type', 'application/json');
			return response.send(JSON.stringify(body));
		},
		redirect(location: string) {
			answer.status = 302;
			return response.setHeader('location', location);
		},
	};
	const webhookPath = request.path ?? '';
	const url = `/webhook-waiting/${waiting.additionalData.executionId}${webhookPath ? `/${webhookPath}` : ''}`;
	const query = request.query ?? {};
	const req = {
		method: request.method,
		url: `${url}${Object.keys(query).length ? `?${new URLSearchParams(query).toString()}` : ''}`,
		path: url,
		originalUrl: url,
		query,
		body: request.body ?? {},
		headers: request.headers ?? {},
		params: {},
		rawBody: Buffer.from(JSON.stringify(request.body ?? {})),
	};
	const webhookData = {
		httpMethod: request.method,
		node: waiting.node.name,
		path: webhookPath,
		webhookDescription: { name: 'default', httpMethod: request.method, path: webhookPath, restartWebhook: true },
		workflowId: waiting.workflow.id,
		workflowExecuteAdditionalData: { ...waiting.additionalData, httpRequest: req, httpResponse: response },
	} as unknown as IWebhookData;
	const additionalData = { ...waiting.additionalData, httpRequest: req, httpResponse: response } as unknown as IWorkflowExecuteAdditionalData;
	const context = new WebhookContext(waiting.workflow, waiting.node, additionalData, 'webhook', webhookData, [], waiting.run.data);
	const nodeType = waiting.workflow.nodeTypes.getByNameAndVersion(waiting.node.type, waiting.node.typeVersion);
	const result = await nodeType.webhook!.call(context);
	return { ...answer, result };
}
