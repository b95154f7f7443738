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
exports.HOST = void 0;
exports.freePort = freePort;
exports.n8nEnvironment = n8nEnvironment;
exports.spawnN8n = spawnN8n;
exports.logTail = logTail;
exports.stopProcessGroup = stopProcessGroup;
const node_child_process_1 = require("node:child_process");
const fs = __importStar(require("node:fs"));
const net = __importStar(require("node:net"));
const path = __importStar(require("node:path"));
const runtime_1 = require("./runtime");
exports.HOST = '127.0.0.1';
async function freePort(exclude = []) {
    for (;;) {
        const port = await new Promise((resolve, reject) => {
            const server = net.createServer();
            server.unref();
            server.on('error', reject);
            server.listen(0, exports.HOST, () => {
                const { port } = server.address();
                server.close(() => resolve(port));
            });
        });
        if (!exclude.includes(port))
            return port;
    }
}
const PASSED_THROUGH = ['HOME', 'USER', 'LANG', 'LC_ALL', 'TZ', 'TMPDIR', 'SHELL'];
function n8nEnvironment(input) {
    const env = {};
    for (const key of PASSED_THROUGH) {
        const value = process.env[key];
        if (value !== undefined)
            env[key] = value;
    }
    const baseUrl = `http://${exports.HOST}:${input.port}/`;
    Object.assign(env, {
        PATH: (0, runtime_1.pathWithNode24)(input.nodeFolder),
        N8N_USER_FOLDER: input.userFolder,
        N8N_PORT: String(input.port),
        N8N_LISTEN_ADDRESS: exports.HOST,
        N8N_HOST: exports.HOST,
        N8N_PROTOCOL: 'http',
        WEBHOOK_URL: baseUrl,
        N8N_EDITOR_BASE_URL: baseUrl,
        N8N_SECURE_COOKIE: 'false',
        N8N_DIAGNOSTICS_ENABLED: 'false',
        N8N_PERSONALIZATION_ENABLED: 'false',
        N8N_VERSION_NOTIFICATIONS_ENABLED: 'false',
        N8N_TEMPLATES_ENABLED: 'false',
        N8N_ENFORCE_SETTINGS_FILE_PERMISSIONS: 'true',
        N8N_RUNNERS_BROKER_LISTEN_ADDRESS: exports.HOST,
        N8N_RUNNERS_BROKER_PORT: String(input.brokerPort),
        N8N_LOG_OUTPUT: 'console',
        N8N_LOG_LEVEL: 'info',
        N8N_NO_COLOR: 'true',
    });
    if ((0, runtime_1.majorVersion)(input.version) >= 2)
        env.N8N_DISABLED_MODULES = 'mcp-registry';
    Object.assign(env, input.extra ?? {});
    return env;
}
function spawnN8n(opts) {
    const log = fs.openSync(opts.logFile, 'a');
    const nodeBinary = path.join(opts.nodeFolder, 'bin', 'node');
    const child = (0, node_child_process_1.spawn)(nodeBinary, [
        path.join(__dirname, 'watchdog.js'),
        String(process.pid),
        nodeBinary,
        path.join(opts.n8nFolder, 'node_modules', 'n8n', 'bin', 'n8n'),
        ...(opts.command ?? ['start']),
    ], {
        cwd: opts.env.N8N_USER_FOLDER,
        env: { ...opts.env, AIW_WATCHDOG_REMOVE: opts.removeIfOrphaned ?? '' },
        stdio: ['ignore', log, log],
        detached: true,
    });
    fs.closeSync(log);
    let done = false;
    const exited = new Promise((resolve) => {
        child.once('exit', (code, signal) => {
            done = true;
            resolve(code ?? (signal ? -1 : null));
        });
        child.once('error', () => {
            done = true;
            resolve(-1);
        });
    });
    running.add(child);
    void exited.then(() => running.delete(child));
    return { child, logFile: opts.logFile, exited, hasExited: () => done };
}
function logTail(logFile, lines = 60) {
    try {
        return fs.readFileSync(logFile, 'utf8').split('\n').slice(-lines).join('\n');
    }
    catch {
        return '(no log)';
    }
}
const sleep = async (ms) => await new Promise((resolve) => setTimeout(resolve, ms));
function groupAlive(pid) {
    try {
        process.kill(-pid, 0);
        return true;
    }
    catch {
        return false;
    }
}
async function stopProcessGroup(started, graceMs = 10_000) {
    const pid = started.child.pid;
    if (pid === undefined)
        return;
    try {
        process.kill(-pid, 'SIGTERM');
    }
    catch {
    }
    const deadline = Date.now() + graceMs;
    while ((!started.hasExited() || groupAlive(pid)) && Date.now() < deadline)
        await sleep(100);
    if (!started.hasExited() || groupAlive(pid)) {
        try {
            process.kill(-pid, 'SIGKILL');
        }
        catch {
        }
        await started.exited;
        const killDeadline = Date.now() + 5_000;
        while (groupAlive(pid) && Date.now() < killDeadline)
            await sleep(50);
    }
}
const running = new Set();
process.once('exit', () => {
    for (const child of running) {
        try {
            if (child.pid !== undefined)
                process.kill(-child.pid, 'SIGKILL');
        }
        catch {
        }
    }
});
