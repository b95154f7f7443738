/**
 * A PostgreSQL cluster of the test's own (temporary data folder, free port, trust auth), so that a
 * test can take it down and bring it back without touching the machine's shared server.
 *
 *   const pg = await startPrivatePostgres();
 *   await pg.crash();     // immediate shutdown: backends killed, no checkpoint (crash recovery on start)
 *   await pg.start();     // same port and data folder
 *   await pg.destroy();   // stop and remove the folder (idempotent; call it in afterAll)
 *
 * initdb and postgres refuse to run as root: as root the server runs as the `postgres` OS user.
 * The crash is PostgreSQL's immediate shutdown (SIGQUIT to the postmaster, which SIGQUITs and reaps
 * every backend) rather than SIGKILL: a SIGKILLed postmaster leaves its backends to PID 1, which on
 * these VMs never reaps them. For the clients it is the same event: every connection is cut mid-query,
 * then connections are refused until the server is back.
 */
import { spawn, spawnSync, type ChildProcess, type SpawnSyncOptions } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client } from 'pg';

import { freePort, HOST } from './process';

export interface PrivatePostgres {
	host: string;
	port: number;
	user: string;
	/** The database tests use (created at start). */
	database: string;
	logFile: string;
	/** Whether the server is up (as far as this helper knows). */
	running(): boolean;
	/** Immediate shutdown: every session is cut, nothing is checkpointed. Resolves once the server is down. */
	crash(): Promise<void>;
	/** Starts the server again on the same port and data folder; resolves once it accepts connections. */
	start(): Promise<void>;
	/** Stops the server (if up) and removes its folder. */
	destroy(): Promise<void>;
}

const sleep = async (ms: number) => await new Promise((resolve) => setTimeout(resolve, ms));

export function postgresBinDir(): string {
	const root = '/usr/lib/postgresql';
	const versions = fs.existsSync(root) ? fs.readdirSync(root).filter((v) => fs.existsSync(path.join(root, v, 'bin', 'initdb'))) : [];
	if (versions.length === 0) throw new Error(`No PostgreSQL server binaries under ${root} (apt-get install postgresql)`);
	return path.join(root, versions.sort((a, b) => Number(b) - Number(a))[0], 'bin');
}

/** As root: the uid/gid of the `postgres` OS user (the server refuses to run as root). */
function serverUser(): { uid: number; gid: number } | undefined {
	if (process.getuid?.() !== 0) return undefined;
	const uid = Number(spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).stdout.trim());
	const gid = Number(spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).stdout.trim());
	if (!Number.isInteger(uid) || !Number.isInteger(gid)) throw new Error('Running as root needs a `postgres` OS user to run the private PostgreSQL');
	return { uid, gid };
}

/**
 * A detached watcher that shuts the server down and removes its folder when the test process is
 * gone (a killed jest must not leave a PostgreSQL running); it ends by itself once the folder is removed.
 */
function watchForOrphaning(folder: string, dataDir: string): void {
	const script = `
		const fs = require('node:fs');
		const [owner, folder, dataDir] = process.argv.slice(1);
		const alive = (pid) => { try { process.kill(pid, 0); return true; } catch (e) { return e.code === 'EPERM'; } };
		setInterval(() => {
			if (!fs.existsSync(folder)) process.exit(0);
			if (alive(Number(owner))) return;
			try { process.kill(Number(fs.readFileSync(dataDir + '/postmaster.pid', 'utf8').split('\\n')[0]), 'SIGQUIT'); } catch {}
			setTimeout(() => { fs.rmSync(folder, { recursive: true, force: true }); process.exit(0); }, 3000);
		}, 1000);`;
	spawn(process.execPath, ['-e', script, String(process.pid), folder, dataDir], { detached: true, stdio: 'ignore' }).unref();
}

export async function startPrivatePostgres(options: { database?: string } = {}): Promise<PrivatePostgres> {
	const bin = postgresBinDir();
	const owner = serverUser();
	const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'aiw-private-pg-'));
	const dataDir = path.join(folder, 'data');
	const logFile = path.join(folder, 'server.log');
	if (owner) fs.chownSync(folder, owner.uid, owner.gid);
	const asServer: SpawnSyncOptions = { cwd: folder, encoding: 'utf8', ...(owner ?? {}), env: { PATH: process.env.PATH, LANG: 'C.UTF-8' } };
	const port = await freePort([5432]);
	const database = options.database ?? 'store';

	let server: ChildProcess | undefined;
	let exited: Promise<void> = Promise.resolve();
	let destroyed = false;

	const run = (command: string, args: string[]) => {
		const result = spawnSync(path.join(bin, command), args, asServer);
		if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (${result.status}): ${result.stderr}${result.stdout}`);
	};

	const canConnect = async () => {
		const client = new Client({ host: HOST, port, user: 'postgres', database: 'postgres', connectionTimeoutMillis: 2_000 });
		client.on('error', () => {});
		try {
			await client.connect();
			await client.query('SELECT 1');
			return true;
		} catch {
			return false;
		} finally {
			await client.end().catch(() => {});
		}
	};

	const start = async () => {
		if (server) throw new Error('The private PostgreSQL is already running');
		const log = fs.openSync(logFile, 'a');
		// fsync off: a process crash keeps the page cache, so committed data survives it all the same.
		const child = spawn(
			path.join(bin, 'postgres'),
			['-D', dataDir, '-p', String(port), '-k', folder, '-c', `listen_addresses=${HOST}`, '-c', 'fsync=off', '-c', 'max_connections=60', '-c', 'shared_buffers=16MB'],
			{ cwd: folder, stdio: ['ignore', log, log], ...(owner ?? {}), env: { PATH: process.env.PATH, LANG: 'C.UTF-8' } },
		);
		fs.closeSync(log);
		server = child;
		exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
		void exited.then(() => {
			if (server === child) server = undefined;
		});
		const deadline = Date.now() + 60_000;
		while (!(await canConnect())) {
			if (server !== child) throw new Error(`The private PostgreSQL exited while starting:\n${fs.readFileSync(logFile, 'utf8').slice(-2000)}`);
			if (Date.now() > deadline) throw new Error(`The private PostgreSQL did not start within 60 s:\n${fs.readFileSync(logFile, 'utf8').slice(-2000)}`);
			await sleep(100);
		}
	};

	const stop = async (signal: NodeJS.Signals) => {
		const child = server;
		if (!child) return;
		child.kill(signal);
		let timer: NodeJS.Timeout | undefined;
		const timeout = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), 30_000)));
		const outcome = await Promise.race([exited.then(() => 'exited' as const), timeout]);
		clearTimeout(timer);
		if (outcome === 'timeout') {
			child.kill('SIGKILL');
			await exited;
		}
	};

	const destroy = async () => {
		if (destroyed) return;
		destroyed = true;
		try {
			await stop('SIGQUIT');
		} finally {
			fs.rmSync(folder, { recursive: true, force: true });
		}
	};

	watchForOrphaning(folder, dataDir);
	try {
		run('initdb', ['-D', dataDir, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync', '--no-instructions']);
		await start();
		const admin = new Client({ host: HOST, port, user: 'postgres', database: 'postgres' });
		await admin.connect();
		await admin.query(`CREATE DATABASE ${database}`);
		await admin.end();
	} catch (error) {
		await destroy();
		throw error;
	}

	return {
		host: HOST,
		port,
		user: 'postgres',
		database,
		logFile,
		running: () => server !== undefined,
		crash: async () => await stop('SIGQUIT'),
		start,
		destroy,
	};
}
