/**
 * What a test layer needs beyond npm, checked once before any of its tests run (the layers' global
 * setups): a missing or unreachable piece stops the run with one line naming it and the fix, never a
 * wall of failing tests.
 */
import { execFileSync } from 'node:child_process';
import * as net from 'node:net';
import * as path from 'node:path';

import { Client } from 'pg';

import { PG, PG_ADMIN_DATABASE, REDIS } from '../support/pg';

const repoRoot = path.resolve(__dirname, '..', '..');

/** Jest prints a thrown setup error with its stack and the config dump; one line is what helps. */
function stop(message: string): never {
	process.stderr.write(`\n✖ ${message}\n\n`);
	process.exit(1);
}

function reason(error: unknown): string {
	const { code, message } = error as NodeJS.ErrnoException;
	return code && !message.includes(code) ? `${code}: ${message}` : message;
}

export async function requirePostgres(): Promise<void> {
	const client = new Client({ ...PG, database: PG_ADMIN_DATABASE, connectionTimeoutMillis: 5000 });
	client.on('error', () => undefined);
	try {
		await client.connect();
		await client.query('SELECT 1');
	} catch (error) {
		stop(
			`PostgreSQL at ${PG.host}:${PG.port} (user ${PG.user}, database ${PG_ADMIN_DATABASE}) cannot be reached: ${reason(error)}. ` +
				'The store, n8n and queue tests need it: start it, or point them at yours with PGHOST, PGPORT, PGUSER, PGPASSWORD and PGDATABASE ' +
				'(an existing database the tests create theirs from).',
		);
	} finally {
		await client.end().catch(() => undefined);
	}
}

export async function requireRedis(): Promise<void> {
	const answer = await new Promise<string>((resolve) => {
		const socket = net.connect({ host: REDIS.host, port: REDIS.port });
		const done = (text: string) => {
			socket.destroy();
			resolve(text);
		};
		socket.setTimeout(5000, () => done('no answer within 5 s'));
		socket.on('error', (error) => done(reason(error)));
		socket.on('connect', () => socket.write('PING\r\n'));
		socket.on('data', (data) => done(data.toString('utf8').trim()));
	});
	if (answer !== '+PONG') {
		stop(
			`Redis at ${REDIS.host}:${REDIS.port} cannot be reached (${answer}). The queue-mode tests need it: start it, ` +
				'or point them at yours with AIW_REDIS_HOST and AIW_REDIS_PORT.',
		);
	}
}

function ensureRuntime(...args: string[]): string {
	try {
		return execFileSync('bash', [path.join(repoRoot, 'scripts', 'ensure-runtime.sh'), ...args], {
			cwd: repoRoot,
			encoding: 'utf8',
			stdio: ['ignore', 'pipe', 'inherit'],
		}).trim();
	} catch {
		// ensure-runtime.sh has said what is missing and how to install it.
		stop(`scripts/ensure-runtime.sh ${args.join(' ')} failed (see above).`);
	}
}

/** Chromium for the browser tests; the workers find it through AIW_CHROMIUM. */
export function requireChromium(): void {
	process.env.AIW_CHROMIUM = ensureRuntime('chromium');
}

/** Node 24 and the pinned n8n versions, installed once per machine (minutes the first time). */
export function requireN8n(versions: string[]): void {
	ensureRuntime('node');
	for (const version of versions) ensureRuntime('n8n', version);
}
