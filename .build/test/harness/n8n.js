"use strict";
var __createBinding = (this && this.__createBinding) || (Object.create ? (function(o, m, k, k2) {
    if (k2 === undefined) k2 = k;
    var desc = Object.getOwnPropertyDescriptor(m, k);
    if (!desc || ("get" in desc ? !m.__esModule : desc.writable || desc.configurable)) {
      desc = { enumerable: true, get: function() { return m[k]; } };
    }
    Object.defineProperty(o, k2, desc);
}) : (function(o, m, k, k2) {
    if (k2 === undefined) k2 = k;
    o[k2] = m[k];
}));
var __setModuleDefault = (this && this.__setModuleDefault) || (Object.create ? (function(o, v) {
    Object.defineProperty(o, "default", { enumerable: true, value: v });
}) : function(o, v) {
    o["default"] = v;
});
var __importStar = (this && this.__importStar) || (function () {
    var ownKeys = function(o) {
        ownKeys = Object.getOwnPropertyNames || function (o) {
            var ar = [];
            for (var k in o) if (Object.prototype.hasOwnProperty.call(o, k)) ar[ar.length] = k;
            return ar;
        };
        return ownKeys(o);
    };
    return function (mod) {
        if (mod && mod.__esModule) return mod;
        var result = {};
        if (mod != null) for (var k = ownKeys(mod), i = 0; i < k.length; i++) if (k[i] !== "default") __createBinding(result, mod, k[i]);
        __setModuleDefault(result, mod);
        return result;
    };
})();
Object.defineProperty(exports, "__esModule", { value: true });
exports.OWNER = exports.installPackedPackage = exports.executionError = exports.nodeRuns = exports.nodeOutput = exports.majorVersion = exports.n8nVersions = void 0;
exports.toPublicApiWorkflow = toPublicApiWorkflow;
exports.startN8n = startN8n;
exports.describeEachN8nVersion = describeEachN8nVersion;
const fs = __importStar(require("node:fs"));
const os = __importStar(require("node:os"));
const path = __importStar(require("node:path"));
const execution_1 = require("./execution");
const package_1 = require("./package");
const process_1 = require("./process");
const runtime_1 = require("./runtime");
var runtime_2 = require("./runtime");
Object.defineProperty(exports, "n8nVersions", { enumerable: true, get: function () { return runtime_2.n8nVersions; } });
Object.defineProperty(exports, "majorVersion", { enumerable: true, get: function () { return runtime_2.majorVersion; } });
var execution_2 = require("./execution");
Object.defineProperty(exports, "nodeOutput", { enumerable: true, get: function () { return execution_2.nodeOutput; } });
Object.defineProperty(exports, "nodeRuns", { enumerable: true, get: function () { return execution_2.nodeRuns; } });
Object.defineProperty(exports, "executionError", { enumerable: true, get: function () { return execution_2.executionError; } });
var package_2 = require("./package");
Object.defineProperty(exports, "installPackedPackage", { enumerable: true, get: function () { return package_2.installPackedPackage; } });
exports.OWNER = {
    email: 'owner@example.com',
    firstName: 'Test',
    lastName: 'Owner',
    password: 'Harness-Passw0rd!',
};
const BROWSER_ID = 'aiw-test-harness';
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
function pick(source, fields) {
    return Object.fromEntries(fields.filter((field) => source[field] !== undefined).map((field) => [field, source[field]]));
}
function toPublicApiWorkflow(workflow) {
    const body = {
        name: workflow.name ?? 'test workflow',
        nodes: workflow.nodes.map((node) => pick(node, WORKFLOW_NODE_FIELDS)),
        connections: workflow.connections,
        settings: {
            executionOrder: 'v1',
            ...pick((workflow.settings ?? {}), WORKFLOW_SETTINGS_FIELDS),
        },
    };
    if (workflow.staticData !== undefined && workflow.staticData !== null)
        body.staticData = workflow.staticData;
    return body;
}
const sleep = async (ms) => await new Promise((resolve) => setTimeout(resolve, ms));
const FINAL_OR_WAITING = ['success', 'error', 'crashed', 'canceled', 'waiting'];
class HarnessN8n {
    version;
    baseUrl;
    userFolder;
    ownsUserFolder;
    n8nProcess;
    timings;
    installedPackage;
    major;
    apiKey = '';
    cookie = '';
    stopped = false;
    parseFlatted;
    constructor(version, baseUrl, userFolder, ownsUserFolder, n8nProcess, n8nFolder, timings, installedPackage) {
        this.version = version;
        this.baseUrl = baseUrl;
        this.userFolder = userFolder;
        this.ownsUserFolder = ownsUserFolder;
        this.n8nProcess = n8nProcess;
        this.timings = timings;
        this.installedPackage = installedPackage;
        this.major = (0, runtime_1.majorVersion)(version);
        this.parseFlatted = (0, execution_1.flattedFrom)(n8nFolder);
    }
    get logFile() {
        return this.n8nProcess.logFile;
    }
    logTail(lines = 60) {
        return (0, process_1.logTail)(this.n8nProcess.logFile, lines);
    }
    async http(urlOrPath, options = {}) {
        const url = new URL(urlOrPath, this.baseUrl);
        for (const [key, value] of Object.entries(options.query ?? {}))
            url.searchParams.set(key, String(value));
        const headers = { ...(options.headers ?? {}) };
        let body;
        if (options.body !== undefined) {
            if (typeof options.body === 'string' || options.body instanceof Uint8Array) {
                body = options.body;
            }
            else {
                body = JSON.stringify(options.body);
                if (!Object.keys(headers).some((key) => key.toLowerCase() === 'content-type')) {
                    headers['content-type'] = 'application/json';
                }
            }
        }
        const response = await fetch(url, {
            method: options.method ?? (body === undefined ? 'GET' : 'POST'),
            headers,
            body: body,
            redirect: 'manual',
            signal: AbortSignal.timeout(options.timeoutMs ?? 60_000),
        });
        const text = await response.text();
        const responseHeaders = {};
        response.headers.forEach((value, key) => (responseHeaders[key] = value));
        let parsed = text;
        if ((responseHeaders['content-type'] ?? '').includes('json') && text.length > 0) {
            try {
                parsed = JSON.parse(text);
            }
            catch {
            }
        }
        if (response.headers.getSetCookie().some((cookie) => cookie.startsWith('n8n-auth='))) {
            this.cookie = response.headers
                .getSetCookie()
                .find((cookie) => cookie.startsWith('n8n-auth='))
                .split(';')[0];
        }
        return { status: response.status, headers: responseHeaders, body: parsed };
    }
    failure(what, response) {
        const body = typeof response.body === 'string' ? response.body : JSON.stringify(response.body);
        return new Error(`${what} answered ${response.status}: ${body.slice(0, 2000)}`);
    }
    async rest(method, restPath, body) {
        const response = await this.http(`rest/${restPath.replace(/^\//, '')}`, {
            method,
            body,
            headers: { cookie: this.cookie, 'browser-id': BROWSER_ID },
        });
        if (response.status < 200 || response.status >= 300)
            throw this.failure(`${method} /rest/${restPath}`, response);
        return response.body.data;
    }
    async api(method, apiPath, body, query) {
        const response = await this.http(`api/v1/${apiPath.replace(/^\//, '')}`, {
            method,
            body,
            query,
            headers: { 'x-n8n-api-key': this.apiKey, accept: 'application/json' },
        });
        if (response.status < 200 || response.status >= 300)
            throw this.failure(`${method} /api/v1/${apiPath}`, response);
        return response.body;
    }
    async setUpAccess() {
        const setup = await this.http('rest/owner/setup', {
            method: 'POST',
            body: exports.OWNER,
            headers: { 'browser-id': BROWSER_ID },
        });
        if (setup.status !== 200) {
            const login = await this.http('rest/login', {
                method: 'POST',
                body: { emailOrLdapLoginId: exports.OWNER.email, email: exports.OWNER.email, password: exports.OWNER.password },
                headers: { 'browser-id': BROWSER_ID },
            });
            if (login.status !== 200) {
                throw new Error(`${this.failure('POST /rest/owner/setup', setup).message}\n${this.failure('POST /rest/login', login).message}`);
            }
        }
        if (!this.cookie)
            throw new Error('n8n set no n8n-auth cookie on owner setup/login');
        const scopes = await this.rest('GET', 'api-keys/scopes');
        const created = await this.rest('POST', 'api-keys', {
            label: `harness ${Date.now()}`,
            expiresAt: null,
            scopes,
        });
        this.apiKey = created.rawApiKey;
    }
    async createCredential(name, type, data) {
        const created = await this.api('POST', 'credentials', { name, type, data });
        return String(created.id);
    }
    async createWorkflow(workflow) {
        const created = await this.api('POST', 'workflows', toPublicApiWorkflow(workflow));
        return String(created.id);
    }
    async activate(workflowId) {
        await this.api('POST', `workflows/${workflowId}/activate`, {});
    }
    async deactivate(workflowId) {
        await this.api('POST', `workflows/${workflowId}/deactivate`, {});
    }
    async waitForWebhook(webhookPath, method = 'POST', timeoutMs = 30_000) {
        const deadline = Date.now() + timeoutMs;
        let last;
        for (;;) {
            last = await this.http(`webhook/${webhookPath.replace(/^\//, '')}`, {
                method: 'OPTIONS',
                headers: { origin: this.baseUrl.replace(/\/$/, '') },
            });
            const allowed = (last.headers['access-control-allow-methods'] ?? '').toUpperCase();
            if (last.status !== 404 && allowed.split(/,\s*/).includes(method.toUpperCase()))
                return;
            if (Date.now() > deadline) {
                throw new Error(`Production webhook ${method} /webhook/${webhookPath} not registered after ${timeoutMs} ms (last: ${last.status} ${allowed})\n${this.logTail(30)}`);
            }
            await sleep(200);
        }
    }
    async webhook(webhookPath, options = {}) {
        return await this.http(`webhook/${webhookPath.replace(/^\//, '')}`, { method: 'POST', ...options });
    }
    decodeExecution(raw) {
        return (0, execution_1.decodeExecution)(raw, this.parseFlatted);
    }
    async getExecution(id) {
        const raw = await this.api('GET', `executions/${id}`, undefined, { includeData: true });
        return (0, execution_1.decodeExecution)(raw, this.parseFlatted);
    }
    async listExecutions(workflowId, options = {}) {
        const query = {
            includeData: options.includeData ?? true,
            limit: options.limit ?? 100,
        };
        if (workflowId !== undefined)
            query.workflowId = workflowId;
        if (options.status !== undefined)
            query.status = options.status;
        const page = await this.api('GET', 'executions', undefined, query);
        return page.data.map((raw) => (0, execution_1.decodeExecution)(raw, this.parseFlatted));
    }
    async runWebhook(workflowId, webhookPath, options = {}) {
        const { statuses = FINAL_OR_WAITING, executionTimeoutMs = 60_000, ...request } = options;
        const before = await this.listExecutions(workflowId, { includeData: false, limit: 1 });
        const newestBefore = before.length > 0 ? Number(before[0].id) : 0;
        const response = await this.webhook(webhookPath, request);
        const execution = await this.waitForExecution((e) => Number(e.id) > newestBefore && statuses.includes(e.status), executionTimeoutMs, workflowId);
        return { response, execution };
    }
    async waitForExecution(predicate = (execution) => FINAL_OR_WAITING.includes(execution.status), timeoutMs = 60_000, workflowId) {
        const deadline = Date.now() + timeoutMs;
        let seen = [];
        for (;;) {
            seen = await this.listExecutions(workflowId);
            const match = seen.find(predicate);
            if (match)
                return match;
            if (Date.now() > deadline) {
                const summary = seen.map((e) => `${e.id}:${e.workflowId}:${e.status}`).join(', ') || 'none';
                throw new Error(`No matching execution after ${timeoutMs} ms (executions: ${summary})\n${this.logTail(30)}`);
            }
            await sleep(250);
        }
    }
    async waitForExecutionStatus(id, statuses, timeoutMs = 60_000) {
        const deadline = Date.now() + timeoutMs;
        for (;;) {
            const execution = await this.getExecution(id);
            if (statuses.includes(execution.status))
                return execution;
            if (Date.now() > deadline) {
                throw new Error(`Execution ${id} is ${execution.status}, not ${statuses.join('/')}, after ${timeoutMs} ms\n${this.logTail(30)}`);
            }
            await sleep(250);
        }
    }
    async typeNames(file) {
        const response = await this.http(`types/${file}`, {
            headers: { cookie: this.cookie, 'browser-id': BROWSER_ID },
        });
        if (response.status !== 200 || !Array.isArray(response.body))
            throw this.failure(`GET /types/${file}`, response);
        return [...new Set(response.body.map((type) => type.name))];
    }
    async loadedNodeTypes() {
        return await this.typeNames('nodes.json');
    }
    async loadedCredentialTypes() {
        return await this.typeNames('credentials.json');
    }
    async stop() {
        if (this.stopped)
            return;
        this.stopped = true;
        const stopping = Date.now();
        await (0, process_1.stopProcessGroup)(this.n8nProcess);
        this.timings.stopMs = Date.now() - stopping;
        if (this.ownsUserFolder && process.env.AIW_KEEP_N8N !== '1') {
            fs.rmSync(this.userFolder, { recursive: true, force: true });
        }
    }
}
async function waitUntilReady(started, baseUrl, timeoutMs) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
        if (started.hasExited()) {
            throw new Error(`n8n exited before it was ready (code ${await started.exited}). Log tail:\n${(0, process_1.logTail)(started.logFile)}`);
        }
        try {
            const readiness = await fetch(new URL('healthz/readiness', baseUrl), { signal: AbortSignal.timeout(2_000) });
            if (readiness.status === 200) {
                const settings = await fetch(new URL('rest/settings', baseUrl), { signal: AbortSignal.timeout(2_000) });
                if (settings.status === 200)
                    return;
            }
        }
        catch {
        }
        if (Date.now() > deadline) {
            throw new Error(`n8n was not ready within ${timeoutMs} ms. Log tail:\n${(0, process_1.logTail)(started.logFile)}`);
        }
        await sleep(250);
    }
}
async function startN8n(options) {
    const { version } = options;
    const nodeFolder = (0, runtime_1.ensureNode)();
    const n8nFolder = (0, runtime_1.ensureN8n)(version);
    let installedPackage;
    if (options.installPackage !== false)
        installedPackage = await (0, package_1.installPackedPackage)(options.packageRoot);
    const ownsUserFolder = options.userFolder === undefined;
    const userFolder = options.userFolder ?? fs.mkdtempSync(path.join(os.tmpdir(), `aiw-n8n-${version}-`));
    fs.mkdirSync(userFolder, { recursive: true });
    if (installedPackage)
        (0, package_1.placePackage)(userFolder, installedPackage);
    const logFile = path.join(userFolder, 'n8n.log');
    let started;
    let baseUrl = '';
    let startedAt = 0;
    for (let attempt = 1; !started; attempt++) {
        const port = options.port ?? (await (0, process_1.freePort)());
        const brokerPort = await (0, process_1.freePort)([port]);
        baseUrl = `http://${process_1.HOST}:${port}/`;
        const env = (0, process_1.n8nEnvironment)({ version, nodeFolder, userFolder, port, brokerPort, extra: options.env });
        startedAt = Date.now();
        const attemptProcess = (0, process_1.spawnN8n)({
            nodeFolder,
            n8nFolder,
            env,
            logFile,
            removeIfOrphaned: ownsUserFolder && process.env.AIW_KEEP_N8N !== '1' ? userFolder : undefined,
        });
        try {
            await waitUntilReady(attemptProcess, baseUrl, options.readyTimeoutMs ?? 120_000);
            started = attemptProcess;
        }
        catch (error) {
            await (0, process_1.stopProcessGroup)(attemptProcess);
            const portTaken = /EADDRINUSE/.test((0, process_1.logTail)(logFile, 200));
            if (portTaken && attempt < 3 && options.port === undefined) {
                fs.appendFileSync(logFile, `\n[harness] port taken, starting again on other ports\n`);
                continue;
            }
            if (ownsUserFolder && process.env.AIW_KEEP_N8N !== '1')
                fs.rmSync(userFolder, { recursive: true, force: true });
            throw error;
        }
    }
    const startMs = Date.now() - startedAt;
    const timings = {
        packMs: installedPackage?.packMs ?? 0,
        installMs: installedPackage?.installMs ?? 0,
        packageFromCache: installedPackage?.fromCache ?? false,
        startMs,
        setupMs: 0,
    };
    const instance = new HarnessN8n(version, baseUrl, userFolder, ownsUserFolder, started, n8nFolder, timings, installedPackage);
    try {
        const setupStarted = Date.now();
        await instance.setUpAccess();
        timings.setupMs = Date.now() - setupStarted;
    }
    catch (error) {
        const tail = instance.logTail();
        await instance.stop();
        throw new Error(`${error.message}\nn8n log tail:\n${tail}`);
    }
    return instance;
}
function describeEachN8nVersion(title, body, options = {}) {
    for (const version of (0, runtime_1.n8nVersions)()) {
        describe(`${title} [n8n ${version}]`, () => {
            let instance;
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
                if (!instance)
                    throw new Error(`n8n ${version} did not start (see the beforeAll error)`);
                return instance;
            }, version);
        });
    }
}
