/** Starting and stopping one headless n8n process (its own process group, log file, free ports). */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';

import { majorVersion, pathWithNode24 } from './runtime';

export const HOST = '127.0.0.1';

export async function freePort(exclude: number[] = []): Promise<number> {
	for (;;) {
		const port = await new Promise<number>((resolve, reject) => {
			const server = net.createServer();
			server.unref();
			server.on('error', reject);
			server.listen(0, HOST, () => {
				const { port } = server.address() as net.AddressInfo;
				server.close(() => resolve(port));
			});
		});
		if (!exclude.includes(port)) return port;
	}
}

/** Environment variables of the machine that n8n may see; everything else (jest's NODE_ENV=test…) stays out. */
const PASSED_THROUGH = ['HOME', 'USER', 'LANG', 'LC_ALL', 'TZ', 'TMPDIR', 'SHELL'];

export interface N8nEnvironmentInput {
	version: string;
	nodeFolder: string;
	userFolder: string;
	port: number;
	brokerPort: number;
	extra?: Record<string, string>;
}

/** The environment of a headless, offline, quiet n8n (see /work/shared/N8N-HARNESS.md). */
export function n8nEnvironment(input: N8nEnvironmentInput): Record<string, string> {
	const env: Record<string, string> = {};
	for (const key of PASSED_THROUGH) {
		const value = process.env[key];
		if (value !== undefined) env[key] = value;
	}
	const baseUrl = `http://${HOST}:${input.port}/`;
	Object.assign(env, {
		PATH: pathWithNode24(input.nodeFolder),
		N8N_USER_FOLDER: input.userFolder,
		N8N_PORT: String(input.port),
		N8N_LISTEN_ADDRESS: HOST,
		N8N_HOST: HOST,
		N8N_PROTOCOL: 'http',
		WEBHOOK_URL: baseUrl,
		N8N_EDITOR_BASE_URL: baseUrl,
		N8N_SECURE_COOKIE: 'false',
		N8N_DIAGNOSTICS_ENABLED: 'false',
		N8N_PERSONALIZATION_ENABLED: 'false',
		N8N_VERSION_NOTIFICATIONS_ENABLED: 'false',
		N8N_TEMPLATES_ENABLED: 'false',
		N8N_ENFORCE_SETTINGS_FILE_PERMISSIONS: 'true',
		N8N_RUNNERS_BROKER_LISTEN_ADDRESS: HOST,
		N8N_RUNNERS_BROKER_PORT: String(input.brokerPort),
		N8N_LOG_OUTPUT: 'console',
		N8N_LOG_LEVEL: 'info',
		N8N_NO_COLOR: 'true',
	});
	// 1.x does not know the module name and exits on it.
	if (majorVersion(input.version) >= 2) env.N8N_DISABLED_MODULES = 'mcp-registry';
	Object.assign(env, input.extra ?? {});
	return env;
}

export interface StartedProcess {
	child: ChildProcess;
	logFile: string;
	exited: Promise<number | null>;
	hasExited: () => boolean;
}

export function spawnN8n(opts: {
	nodeFolder: string;
	n8nFolder: string;
	env: Record<string, string>;
	logFile: string;
	command?: string[];
	/** Folder the watchdog deletes when it had to end n8n because the test process was gone. */
	removeIfOrphaned?: string;
}): StartedProcess {
	const log = fs.openSync(opts.logFile, 'a');
	const nodeBinary = path.join(opts.nodeFolder, 'bin', 'node');
	const child = spawn(
		nodeBinary,
		[
			path.join(__dirname, 'watchdog.js'),
			String(process.pid),
			nodeBinary,
			path.join(opts.n8nFolder, 'node_modules', 'n8n', 'bin', 'n8n'),
			...(opts.command ?? ['start']),
		],
		// Its own process group (led by the watchdog), so stop() reaches n8n and its task runner.
		{
			cwd: opts.env.N8N_USER_FOLDER,
			env: { ...opts.env, AIW_WATCHDOG_REMOVE: opts.removeIfOrphaned ?? '' },
			stdio: ['ignore', log, log],
			detached: true,
		},
	);
	fs.closeSync(log);
	let done = false;
	const exited = new Promise<number | null>((resolve) => {
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

export function logTail(logFile: string, lines = 60): string {
	try {
		return fs.readFileSync(logFile, 'utf8').split('\n').slice(-lines).join('\n');
	} catch {
		return '(no log)';
	}
}

const sleep = async (ms: number) => await new Promise((resolve) => setTimeout(resolve, ms));

function groupAlive(pid: number): boolean {
	try {
		process.kill(-pid, 0);
		return true;
	} catch {
		return false;
	}
}

/** SIGTERM to the process group (n8n and its task runner), SIGKILL after `graceMs`, until all are gone. */
export async function stopProcessGroup(started: StartedProcess, graceMs = 10_000) {
	const pid = started.child.pid;
	if (pid === undefined) return;
	try {
		process.kill(-pid, 'SIGTERM');
	} catch {
		// Already gone.
	}
	const deadline = Date.now() + graceMs;
	while ((!started.hasExited() || groupAlive(pid)) && Date.now() < deadline) await sleep(100);
	if (!started.hasExited() || groupAlive(pid)) {
		try {
			process.kill(-pid, 'SIGKILL');
		} catch {
			// Already gone.
		}
		await started.exited;
		// Bounded: a killed runner may linger as a zombie where PID 1 does not reap orphans.
		const killDeadline = Date.now() + 5_000;
		while (groupAlive(pid) && Date.now() < killDeadline) await sleep(50);
	}
}

// Never leave an n8n behind when the test process ends without calling stop(). (The watchdog also
// covers a test process that is killed outright.)
const running = new Set<ChildProcess>();
process.once('exit', () => {
	for (const child of running) {
		try {
			if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
		} catch {
			// Already gone.
		}
	}
});
