/**
 * The real-n8n test harness: starts a headless n8n (a pinned version, Node 24) with this package
 * installed as a community package, sets up an owner and an API key without a browser, and drives
 * n8n through its public API and production webhooks.
 *
 *   const n8n = await startN8n({ version: '2.41.1' });
 *   const id = await n8n.createWorkflow(workflowJson);
 *   await n8n.activate(id);
 *   await n8n.waitForWebhook('my-path', 'POST');
 *   // The call and the execution it started (never an older one of the same workflow):
 *   const { response, execution } = await n8n.runWebhook(id, 'my-path', { body: { text: 'hi' } });
 *   nodeOutput(execution, 'Set'); // items per output of the node's last run
 *   await n8n.stop();
 *
 * In jest, describeEachN8nVersion(title, (getN8n) => { ... }) starts one n8n per version per file.
 * Env: AIW_N8N_VERSIONS (comma list), AIW_KEEP_N8N=1 (keep user folders and logs),
 * AIW_HARNESS_TIMINGS=1 (print install/start/setup/stop times), AIW_CACHE_DIR.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { decodeExecution, flattedFrom, type Execution, type ExecutionStatus } from './execution';
import { installPackedPackage, placePackage, type InstalledPackage } from './package';
import { freePort, HOST, logTail, n8nEnvironment, spawnN8n, stopProcessGroup, type StartedProcess } from './process';
import { ensureN8n, ensureNode, majorVersion, n8nVersions } from './runtime';

export { n8nVersions, majorVersion } from './runtime';
export { nodeOutput, nodeRuns, executionError, type Execution, type ExecutionStatus } from './execution';
export { installPackedPackage, type InstalledPackage } from './package';

export const OWNER = {
	email: 'owner@example.com',
	firstName: 'Test',
	lastName: 'Owner',
	password: 'Harness-Passw0rd!',
};

/** Sent on every /rest call: n8n binds the auth cookie to it. */
const BROWSER_ID = 'aiw-test-harness';

export interface StartOptions {
	version: string;
	/** Extra environment for the n8n process (wins over the harness defaults). */
	env?: Record<string, string>;
	/** Use this folder as N8N_USER_FOLDER instead of a fresh one (kept after stop()). */
	userFolder?: string;
	/** Install the packed package (default true). */
	installPackage?: boolean;
	/** Folder of the package to pack and install (default: this repository). */
	packageRoot?: string;
	/** Milliseconds to wait for readiness (default 120 s). */
	readyTimeoutMs?: number;
	/** Listen on this port instead of a free one (the demo's 5678). */
	port?: number;
}

export interface HttpOptions {
	method?: string;
	body?: unknown;
	headers?: Record<string, string>;
	query?: Record<string, string | number | boolean>;
	/** Milliseconds before the request is aborted (default 60 s). */
	timeoutMs?: number;
}

export interface HttpResponse<T = unknown> {
	status: number;
	headers: Record<string, string>;
	/** Parsed JSON when the response says JSON (and parses), text otherwise. */
	body: T;
}

export interface Timings {
	packMs: number;
	installMs: number;
	packageFromCache: boolean;
	/** From spawn to /healthz/readiness 200. */
	startMs: number;
	/** Owner setup + API key. */
	setupMs: number;
	/** From SIGTERM until the process group is gone (set by stop()). */
	stopMs?: number;
}

export interface N8nInstance {
	version: string;
	major: number;
	baseUrl: string;
	userFolder: string;
	logFile: string;
	/** The process the harness started (a watchdog whose child is n8n itself). */
	readonly startedPid: number | undefined;
	apiKey: string;
	installedPackage?: InstalledPackage;
	timings: Timings;
	logTail(lines?: number): string;

	/** Any request to n8n (path relative to the base URL, or an absolute URL such as a resume URL). */
	http<T = unknown>(urlOrPath: string, options?: HttpOptions): Promise<HttpResponse<T>>;
	/** Authenticated /rest call (cookie). Throws on a non-2xx status; returns `data` of n8n's envelope. */
	rest<T = unknown>(method: string, restPath: string, body?: unknown): Promise<T>;
	/** Public API call (X-N8N-API-KEY). Throws on a non-2xx status. */
	api<T = unknown>(method: string, apiPath: string, body?: unknown, query?: HttpOptions['query']): Promise<T>;

	createCredential(name: string, type: string, data: Record<string, unknown>): Promise<string>;
	createWorkflow(workflow: WorkflowInput): Promise<string>;
	activate(workflowId: string): Promise<void>;
	deactivate(workflowId: string): Promise<void>;
	/** Polls until the production webhook is registered (answers other than 404). No execution is started. */
	waitForWebhook(webhookPath: string, method?: string, timeoutMs?: number): Promise<void>;
	/** Calls the production webhook `/webhook/<path>`. */
	webhook<T = unknown>(webhookPath: string, options?: HttpOptions): Promise<HttpResponse<T>>;

	getExecution(id: string): Promise<Execution>;
	/**
	 * An execution as an n8n API returned it, with `data` decoded: the public API sends it as an
	 * object, n8n's internal /rest/executions/:id as a flatted string.
	 */
	decodeExecution(raw: Record<string, unknown>): Execution;
	/** Newest first. With data unless `includeData: false`. */
	listExecutions(
		workflowId?: string,
		options?: { status?: ExecutionStatus; limit?: number; includeData?: boolean },
	): Promise<Execution[]>;
	/**
	 * Calls the production webhook of `workflowId` and waits for the execution that call started
	 * (the first one newer than every execution before the call) to reach one of `statuses`
	 * (default: success, error, crashed, canceled, waiting).
	 */
	runWebhook<T = unknown>(
		workflowId: string,
		webhookPath: string,
		options?: HttpOptions & { statuses?: ExecutionStatus[]; executionTimeoutMs?: number },
	): Promise<{ response: HttpResponse<T>; execution: Execution }>;
	/**
	 * Polls the executions (with data) until one matches; default: any execution that has finished
	 * (success, error, crashed, canceled) or is waiting.
	 */
	waitForExecution(
		predicate?: (execution: Execution) => boolean,
		timeoutMs?: number,
		workflowId?: string,
	): Promise<Execution>;
	/**
	 * Waits until the execution with this id has one of the statuses and `settled` holds: n8n 1.x
	 * writes a resumed execution's status before its run data, so a test that reads the data after a
	 * resume passes a check that the final nodes ran.
	 */
	waitForExecutionStatus(
		id: string,
		statuses: ExecutionStatus[],
		timeoutMs?: number,
		settled?: (execution: Execution) => boolean,
	): Promise<Execution>;

	loadedNodeTypes(): Promise<string[]>;
	loadedCredentialTypes(): Promise<string[]>;

	stop(): Promise<void>;
}

/** A workflow as the editor exports it; fields the public API refuses are dropped on create. */
export interface WorkflowInput {
	name?: string;
	// `object` so that callers' own node/connection interfaces (without index signatures) fit.
	nodes: readonly object[];
	connections: object;
	settings?: object;
	staticData?: unknown;
	[key: string]: unknown;
}

// The fields the public API of both 1.123 (OpenAPI, additionalProperties: false) and 2.41 (strict zod)
// accept on create; an exported workflow carries more (id, active, meta, pinData, tags, versionId…).
const WORKFLOW_NODE_FIELDS = [
	'id',
	'name',
	'webhookId',
	'disabled',
	'notesInFlow',
	'notes',
	'type',
	'typeVersion',
	'executeOnce',
	'alwaysOutputData',
	'retryOnFail',
	'maxTries',
	'waitBetweenTries',
	'continueOnFail',
	'onError',
	'position',
	'parameters',
	'credentials',
];
const WORKFLOW_SETTINGS_FIELDS = [
	'saveExecutionProgress',
	'saveManualExecutions',
	'saveDataErrorExecution',
	'saveDataSuccessExecution',
	'executionTimeout',
	'errorWorkflow',
	'timezone',
	'executionOrder',
	'callerPolicy',
	'callerIds',
	'timeSavedPerExecution',
	'availableInMCP',
];

function pick(source: Record<string, unknown>, fields: string[]): Record<string, unknown> {
	return Object.fromEntries(fields.filter((field) => source[field] !== undefined).map((field) => [field, source[field]]));
}

/** A workflow JSON (e.g. exported from the editor) reduced to what POST /api/v1/workflows accepts. */
export function toPublicApiWorkflow(workflow: WorkflowInput): Record<string, unknown> {
	const body: Record<string, unknown> = {
		name: workflow.name ?? 'test workflow',
		nodes: workflow.nodes.map((node) => pick(node as Record<string, unknown>, WORKFLOW_NODE_FIELDS)),
		connections: workflow.connections,
		settings: {
			executionOrder: 'v1',
			...pick((workflow.settings ?? {}) as Record<string, unknown>, WORKFLOW_SETTINGS_FIELDS),
		},
	};
	if (workflow.staticData !== undefined && workflow.staticData !== null) body.staticData = workflow.staticData;
	return body;
}

const sleep = async (ms: number) => await new Promise((resolve) => setTimeout(resolve, ms));

const FINAL_OR_WAITING: ExecutionStatus[] = ['success', 'error', 'crashed', 'canceled', 'waiting'];

class HarnessN8n implements N8nInstance {
	readonly major: number;
	apiKey = '';
	private cookie = '';
	private stopped = false;
	private readonly parseFlatted: (text: string) => unknown;

	constructor(
		readonly version: string,
		readonly baseUrl: string,
		readonly userFolder: string,
		private readonly ownsUserFolder: boolean,
		private readonly n8nProcess: StartedProcess,
		n8nFolder: string,
		readonly timings: Timings,
		readonly installedPackage?: InstalledPackage,
	) {
		this.major = majorVersion(version);
		this.parseFlatted = flattedFrom(n8nFolder);
	}

	get logFile() {
		return this.n8nProcess.logFile;
	}

	/** The process the harness started (a watchdog whose child is n8n itself). */
	get startedPid(): number | undefined {
		return this.n8nProcess.child.pid;
	}

	logTail(lines = 60) {
		return logTail(this.n8nProcess.logFile, lines);
	}

	async http<T = unknown>(urlOrPath: string, options: HttpOptions = {}): Promise<HttpResponse<T>> {
		const url = new URL(urlOrPath, this.baseUrl);
		for (const [key, value] of Object.entries(options.query ?? {})) url.searchParams.set(key, String(value));
		const headers: Record<string, string> = { ...(options.headers ?? {}) };
		let body: string | Uint8Array | undefined;
		if (options.body !== undefined) {
			if (typeof options.body === 'string' || options.body instanceof Uint8Array) {
				body = options.body;
			} else {
				body = JSON.stringify(options.body);
				if (!Object.keys(headers).some((key) => key.toLowerCase() === 'content-type')) {
					headers['content-type'] = 'application/json';
				}
			}
		}
		const method = options.method ?? (body === undefined ? 'GET' : 'POST');
		const send = () =>
			fetch(url, { method, headers, body: body as RequestInit['body'], redirect: 'manual', signal: AbortSignal.timeout(options.timeoutMs ?? 60_000) });
		// Let the event loop take in what arrived while this process was busy (a socket n8n closed
		// meanwhile), so that the request does not go out on a connection that is already gone.
		await new Promise((resolve) => setImmediate(resolve));
		let response: Response | undefined;
		for (let attempt = 1; !response; attempt++) {
			try {
				response = await send();
			} catch (error) {
				// A kept-alive socket that n8n closed while idle fails the next request before n8n sees it
				// ("other side closed", ECONNRESET): it happens when either side's event loop was held for
				// seconds (a node on a large text; a test generating its inputs), so that the keep-alive timers
				// fire late. A read (GET, HEAD, OPTIONS) can be sent again; anything else could run twice.
				if (!['GET', 'HEAD', 'OPTIONS'].includes(method) || !closedByServer(error) || attempt === 3) throw error;
			}
		}
		const text = await response.text();
		const responseHeaders: Record<string, string> = {};
		response.headers.forEach((value, key) => (responseHeaders[key] = value));
		let parsed: unknown = text;
		if ((responseHeaders['content-type'] ?? '').includes('json') && text.length > 0) {
			try {
				parsed = JSON.parse(text);
			} catch {
				// Leave the text as it is.
			}
		}
		if (response.headers.getSetCookie().some((cookie) => cookie.startsWith('n8n-auth='))) {
			this.cookie = response.headers
				.getSetCookie()
				.find((cookie) => cookie.startsWith('n8n-auth='))!
				.split(';')[0];
		}
		return { status: response.status, headers: responseHeaders, body: parsed as T };
	}

	private failure(what: string, response: HttpResponse) {
		const body = typeof response.body === 'string' ? response.body : JSON.stringify(response.body);
		return new Error(`${what} answered ${response.status}: ${body.slice(0, 2000)}`);
	}

	async rest<T = unknown>(method: string, restPath: string, body?: unknown): Promise<T> {
		const response = await this.http<{ data: T }>(`rest/${restPath.replace(/^\//, '')}`, {
			method,
			body,
			headers: { cookie: this.cookie, 'browser-id': BROWSER_ID },
		});
		if (response.status < 200 || response.status >= 300) throw this.failure(`${method} /rest/${restPath}`, response);
		return (response.body as { data: T }).data;
	}

	async api<T = unknown>(method: string, apiPath: string, body?: unknown, query?: HttpOptions['query']): Promise<T> {
		const response = await this.http<T>(`api/v1/${apiPath.replace(/^\//, '')}`, {
			method,
			body,
			query,
			headers: { 'x-n8n-api-key': this.apiKey, accept: 'application/json' },
		});
		if (response.status < 200 || response.status >= 300) throw this.failure(`${method} /api/v1/${apiPath}`, response);
		return response.body;
	}

	/** Owner account, auth cookie and an API key with every scope the owner may grant. */
	async setUpAccess() {
		const setup = await this.http('rest/owner/setup', {
			method: 'POST',
			body: OWNER,
			headers: { 'browser-id': BROWSER_ID },
		});
		if (setup.status !== 200) {
			// A reused user folder already has its owner: log in instead.
			const login = await this.http('rest/login', {
				method: 'POST',
				body: { emailOrLdapLoginId: OWNER.email, email: OWNER.email, password: OWNER.password },
				headers: { 'browser-id': BROWSER_ID },
			});
			if (login.status !== 200) {
				throw new Error(`${this.failure('POST /rest/owner/setup', setup).message}\n${this.failure('POST /rest/login', login).message}`);
			}
		}
		if (!this.cookie) throw new Error('n8n set no n8n-auth cookie on owner setup/login');
		const scopes = await this.rest<string[]>('GET', 'api-keys/scopes');
		const created = await this.rest<{ rawApiKey: string }>('POST', 'api-keys', {
			label: `harness ${Date.now()}`,
			expiresAt: null,
			scopes,
		});
		this.apiKey = created.rawApiKey;
	}

	async createCredential(name: string, type: string, data: Record<string, unknown>): Promise<string> {
		const created = await this.api<{ id: string }>('POST', 'credentials', { name, type, data });
		return String(created.id);
	}

	async createWorkflow(workflow: WorkflowInput): Promise<string> {
		const created = await this.api<{ id: string }>('POST', 'workflows', toPublicApiWorkflow(workflow));
		return String(created.id);
	}

	async activate(workflowId: string): Promise<void> {
		// 2.x renamed activation to publishing; /activate stays as its alias, so one call serves both.
		await this.api('POST', `workflows/${workflowId}/activate`, {});
	}

	async deactivate(workflowId: string): Promise<void> {
		await this.api('POST', `workflows/${workflowId}/deactivate`, {});
	}

	async waitForWebhook(webhookPath: string, method = 'POST', timeoutMs = 30_000): Promise<void> {
		const deadline = Date.now() + timeoutMs;
		let last: HttpResponse | undefined;
		for (;;) {
			// A CORS preflight (OPTIONS with an Origin) is answered from the webhook registry without
			// running the workflow: 404 while unregistered, else the registered methods.
			last = await this.http(`webhook/${webhookPath.replace(/^\//, '')}`, {
				method: 'OPTIONS',
				headers: { origin: this.baseUrl.replace(/\/$/, '') },
			});
			const allowed = (last.headers['access-control-allow-methods'] ?? '').toUpperCase();
			if (last.status !== 404 && allowed.split(/,\s*/).includes(method.toUpperCase())) return;
			if (Date.now() > deadline) {
				throw new Error(
					`Production webhook ${method} /webhook/${webhookPath} not registered after ${timeoutMs} ms (last: ${last.status} ${allowed})\n${this.logTail(30)}`,
				);
			}
			await sleep(200);
		}
	}

	async webhook<T = unknown>(webhookPath: string, options: HttpOptions = {}): Promise<HttpResponse<T>> {
		return await this.http<T>(`webhook/${webhookPath.replace(/^\//, '')}`, { method: 'POST', ...options });
	}

	decodeExecution(raw: Record<string, unknown>): Execution {
		return decodeExecution(raw, this.parseFlatted);
	}

	async getExecution(id: string): Promise<Execution> {
		const raw = await this.api<Record<string, unknown>>('GET', `executions/${id}`, undefined, { includeData: true });
		return decodeExecution(raw, this.parseFlatted);
	}

	async listExecutions(
		workflowId?: string,
		options: { status?: ExecutionStatus; limit?: number; includeData?: boolean } = {},
	): Promise<Execution[]> {
		const query: Record<string, string | number | boolean> = {
			includeData: options.includeData ?? true,
			limit: options.limit ?? 100,
		};
		if (workflowId !== undefined) query.workflowId = workflowId;
		if (options.status !== undefined) query.status = options.status;
		const page = await this.api<{ data: Array<Record<string, unknown>> }>('GET', 'executions', undefined, query);
		return page.data.map((raw) => decodeExecution(raw, this.parseFlatted));
	}

	async runWebhook<T = unknown>(
		workflowId: string,
		webhookPath: string,
		options: HttpOptions & { statuses?: ExecutionStatus[]; executionTimeoutMs?: number } = {},
	): Promise<{ response: HttpResponse<T>; execution: Execution }> {
		const { statuses = FINAL_OR_WAITING, executionTimeoutMs = 60_000, ...request } = options;
		// Execution ids are sequential integers on both versions' databases.
		const before = await this.listExecutions(workflowId, { includeData: false, limit: 1 });
		const newestBefore = before.length > 0 ? Number(before[0].id) : 0;
		const response = await this.webhook<T>(webhookPath, request);
		const execution = await this.waitForExecution(
			(e) => Number(e.id) > newestBefore && statuses.includes(e.status),
			executionTimeoutMs,
			workflowId,
		);
		return { response, execution };
	}

	async waitForExecution(
		predicate: (execution: Execution) => boolean = (execution) => FINAL_OR_WAITING.includes(execution.status),
		timeoutMs = 60_000,
		workflowId?: string,
	): Promise<Execution> {
		const deadline = Date.now() + timeoutMs;
		let seen: Execution[] = [];
		for (;;) {
			seen = await this.listExecutions(workflowId);
			const match = seen.find(predicate);
			if (match) return match;
			if (Date.now() > deadline) {
				const summary = seen.map((e) => `${e.id}:${e.workflowId}:${e.status}`).join(', ') || 'none';
				throw new Error(`No matching execution after ${timeoutMs} ms (executions: ${summary})\n${this.logTail(30)}`);
			}
			await sleep(250);
		}
	}

	async waitForExecutionStatus(
		id: string,
		statuses: ExecutionStatus[],
		timeoutMs = 60_000,
		settled: (execution: Execution) => boolean = () => true,
	): Promise<Execution> {
		const deadline = Date.now() + timeoutMs;
		for (;;) {
			const execution = await this.getExecution(id);
			if (statuses.includes(execution.status) && settled(execution)) return execution;
			if (Date.now() > deadline) {
				throw new Error(
					`Execution ${id} is ${execution.status}, not ${statuses.join('/')}, after ${timeoutMs} ms\n${this.logTail(30)}`,
				);
			}
			await sleep(250);
		}
	}

	private async typeNames(file: string): Promise<string[]> {
		const response = await this.http<Array<{ name: string }>>(`types/${file}`, {
			headers: { cookie: this.cookie, 'browser-id': BROWSER_ID },
		});
		if (response.status !== 200 || !Array.isArray(response.body)) throw this.failure(`GET /types/${file}`, response);
		return [...new Set(response.body.map((type) => type.name))];
	}

	async loadedNodeTypes(): Promise<string[]> {
		return await this.typeNames('nodes.json');
	}

	async loadedCredentialTypes(): Promise<string[]> {
		return await this.typeNames('credentials.json');
	}

	async stop(): Promise<void> {
		if (this.stopped) return;
		this.stopped = true;
		const stopping = Date.now();
		await stopProcessGroup(this.n8nProcess);
		this.timings.stopMs = Date.now() - stopping;
		if (this.ownsUserFolder && process.env.AIW_KEEP_N8N !== '1') {
			fs.rmSync(this.userFolder, { recursive: true, force: true });
		}
	}
}

async function waitUntilReady(started: StartedProcess, baseUrl: string, timeoutMs: number) {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		if (started.hasExited()) {
			throw new Error(`n8n exited before it was ready (code ${await started.exited}). Log tail:\n${logTail(started.logFile)}`);
		}
		try {
			// 1.x answers readiness while migrations still run and before its REST routes exist, so
			// the public settings route must answer too.
			const readiness = await fetch(new URL('healthz/readiness', baseUrl), { signal: AbortSignal.timeout(2_000) });
			if (readiness.status === 200) {
				const settings = await fetch(new URL('rest/settings', baseUrl), { signal: AbortSignal.timeout(2_000) });
				if (settings.status === 200) return;
			}
		} catch {
			// Not listening yet.
		}
		if (Date.now() > deadline) {
			throw new Error(`n8n was not ready within ${timeoutMs} ms. Log tail:\n${logTail(started.logFile)}`);
		}
		await sleep(250);
	}
}

/** Starts a headless n8n of `version` with the packed package installed; resolves once it is ready and driven by an API key. */
export async function startN8n(options: StartOptions): Promise<N8nInstance> {
	const { version } = options;
	const nodeFolder = ensureNode();
	const n8nFolder = ensureN8n(version);

	let installedPackage: InstalledPackage | undefined;
	if (options.installPackage !== false) installedPackage = await installPackedPackage(options.packageRoot);

	const ownsUserFolder = options.userFolder === undefined;
	const userFolder = options.userFolder ?? fs.mkdtempSync(path.join(os.tmpdir(), `aiw-n8n-${version}-`));
	fs.mkdirSync(userFolder, { recursive: true });
	if (installedPackage) placePackage(userFolder, installedPackage);

	const logFile = path.join(userFolder, 'n8n.log');
	let started: StartedProcess | undefined;
	let baseUrl = '';
	let startedAt = 0;
	// A free port can be taken by another process between the probe and n8n's listen: try new ports.
	for (let attempt = 1; !started; attempt++) {
		const port = options.port ?? (await freePort());
		const brokerPort = await freePort([port]);
		baseUrl = `http://${HOST}:${port}/`;
		const env = n8nEnvironment({ version, nodeFolder, userFolder, port, brokerPort, extra: options.env });
		startedAt = Date.now();
		const attemptProcess = spawnN8n({
			nodeFolder,
			n8nFolder,
			env,
			logFile,
			removeIfOrphaned: ownsUserFolder && process.env.AIW_KEEP_N8N !== '1' ? userFolder : undefined,
		});
		try {
			await waitUntilReady(attemptProcess, baseUrl, options.readyTimeoutMs ?? 120_000);
			started = attemptProcess;
		} catch (error) {
			await stopProcessGroup(attemptProcess);
			const portTaken = /EADDRINUSE/.test(logTail(logFile, 200));
			if (portTaken && attempt < 3 && options.port === undefined) {
				fs.appendFileSync(logFile, `\n[harness] port taken, starting again on other ports\n`);
				continue;
			}
			if (ownsUserFolder && process.env.AIW_KEEP_N8N !== '1') fs.rmSync(userFolder, { recursive: true, force: true });
			throw error;
		}
	}
	const startMs = Date.now() - startedAt;

	const timings: Timings = {
		packMs: installedPackage?.packMs ?? 0,
		installMs: installedPackage?.installMs ?? 0,
		packageFromCache: installedPackage?.fromCache ?? false,
		startMs,
		setupMs: 0,
	};
	const instance = new HarnessN8n(
		version,
		baseUrl,
		userFolder,
		ownsUserFolder,
		started,
		n8nFolder,
		timings,
		installedPackage,
	);
	try {
		const setupStarted = Date.now();
		await instance.setUpAccess();
		timings.setupMs = Date.now() - setupStarted;
	} catch (error) {
		const tail = instance.logTail();
		await instance.stop();
		throw new Error(`${(error as Error).message}\nn8n log tail:\n${tail}`);
	}
	return instance;
}

/**
 * One jest describe block per n8n version (env AIW_N8N_VERSIONS), each with its own n8n started in
 * beforeAll and stopped in afterAll. `getN8n()` returns the running instance inside tests.
 */
export function describeEachN8nVersion(
	title: string,
	body: (getN8n: () => N8nInstance, version: string) => void,
	options: Omit<StartOptions, 'version'> = {},
) {
	for (const version of n8nVersions()) {
		describe(`${title} [n8n ${version}]`, () => {
			let instance: N8nInstance | undefined;
			beforeAll(async () => {
				instance = await startN8n({ ...options, version });
			}, 15 * 60_000);
			afterAll(async () => {
				await instance?.stop();
				if (instance && process.env.AIW_HARNESS_TIMINGS === '1') {
					console.info(`n8n ${version} timings (ms): ${JSON.stringify(instance.timings)}`);
				}
			}, 60_000);
			body(() => {
				if (!instance) throw new Error(`n8n ${version} did not start (see the beforeAll error)`);
				return instance;
			}, version);
		});
	}
}

/** undici's errors for a request on a connection the server had closed. */
function closedByServer(error: unknown): boolean {
	const code = (error as { cause?: { code?: string } } | undefined)?.cause?.code;
	return code === 'UND_ERR_SOCKET' || code === 'ECONNRESET' || code === 'EPIPE';
}
