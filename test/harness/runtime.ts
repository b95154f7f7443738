/**
 * Where the harness finds what it runs on: the repository, the per-machine cache, Node 24 and the
 * pinned n8n versions (installed once per machine by scripts/ensure-runtime.sh).
 */
import { execFileSync } from 'node:child_process';
import * as os from 'node:os';
import * as path from 'node:path';

export const DEFAULT_N8N_VERSIONS = ['2.41.1', '1.123.81'];

export const repoRoot = path.resolve(__dirname, '..', '..');

export function cacheDir(): string {
	return process.env.AIW_CACHE_DIR ?? path.join(os.homedir(), '.cache', 'n8n-nodes-ai-workflow');
}

/** The n8n versions every integration test runs against: env AIW_N8N_VERSIONS (comma list) or the pinned defaults. */
export function n8nVersions(): string[] {
	const fromEnv = (process.env.AIW_N8N_VERSIONS ?? '')
		.split(',')
		.map((version) => version.trim())
		.filter(Boolean);
	return fromEnv.length > 0 ? fromEnv : [...DEFAULT_N8N_VERSIONS];
}

export function majorVersion(version: string): number {
	return Number.parseInt(version.split('.')[0], 10);
}

const ensured = new Map<string, string>();

function ensureRuntime(...args: string[]): string {
	const key = args.join(' ');
	const known = ensured.get(key);
	if (known) return known;
	// The script waits on a lock while another process installs, and installs once per machine.
	const folder = execFileSync('bash', [path.join(repoRoot, 'scripts', 'ensure-runtime.sh'), ...args], {
		cwd: repoRoot,
		encoding: 'utf8',
		stdio: ['ignore', 'pipe', 'inherit'],
		maxBuffer: 16 * 1024 * 1024,
	}).trim();
	ensured.set(key, folder);
	return folder;
}

/** Folder holding bin/node (Node 24) and include/node. */
export function ensureNode(): string {
	return ensureRuntime('node');
}

/** Folder holding node_modules/n8n of the given version. */
export function ensureN8n(version: string): string {
	return ensureRuntime('n8n', version);
}

/** PATH with Node 24 first, so npm and anything n8n spawns run on the same Node as n8n. */
export function pathWithNode24(nodeFolder: string): string {
	return [path.join(nodeFolder, 'bin'), process.env.PATH ?? '/usr/bin:/bin'].join(path.delimiter);
}
