/**
 * Packs this repository with `npm pack` and installs the tarball the way n8n installs a community
 * package, once per tarball content (cache keyed by its sha256), then places it in an n8n user folder.
 *
 * Mirrors n8n's CommunityPackagesService.downloadPackage (same in 1.123 and 2.41): extract the tarball
 * with --strip-components=1, drop devDependencies/peerDependencies/optionalDependencies from its
 * package.json, run `npm install --audit=false --fund=false --bin-links=false
 * --install-strategy=shallow --ignore-scripts=true --package-lock=false` inside the package folder.
 * n8n-workflow (a peer dependency) is therefore not installed beside it: n8n provides it.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';

import { cacheDir, ensureNode, pathWithNode24, repoRoot } from './runtime';

const execFileAsync = promisify(execFile);

/** n8n's own install flags for a community package (community-packages.service.js). */
export const N8N_COMMUNITY_INSTALL_ARGS = [
	'install',
	'--audit=false',
	'--fund=false',
	'--bin-links=false',
	'--install-strategy=shallow',
	'--ignore-scripts=true',
	'--package-lock=false',
];

export interface InstalledPackage {
	name: string;
	version: string;
	/** Folder of the installed package (package.json, dist/, node_modules/). */
	directory: string;
	sha256: string;
	/** Milliseconds spent packing and (unless cached) installing. */
	packMs: number;
	installMs: number;
	fromCache: boolean;
}

function npmEnv(nodeFolder: string): NodeJS.ProcessEnv {
	const env: NodeJS.ProcessEnv = {};
	for (const [key, value] of Object.entries(process.env)) {
		// Variables of an enclosing `npm test` describe the repository, not the package being installed.
		if (key.startsWith('npm_package_') || key.startsWith('npm_lifecycle_')) continue;
		env[key] = value;
	}
	env.PATH = pathWithNode24(nodeFolder);
	env.npm_config_nodedir = nodeFolder;
	return env;
}

async function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<string> {
	try {
		const { stdout } = await execFileAsync(command, args, { cwd, env, maxBuffer: 64 * 1024 * 1024 });
		return stdout;
	} catch (error) {
		const { stdout, stderr } = error as { stdout?: string; stderr?: string };
		throw new Error(
			`${command} ${args.join(' ')} failed in ${cwd}: ${(error as Error).message}\n${stdout ?? ''}\n${stderr ?? ''}`,
		);
	}
}

function isAlive(pid: number): boolean {
	try {
		process.kill(pid, 0);
		return true;
	} catch (error) {
		return (error as NodeJS.ErrnoException).code === 'EPERM';
	}
}

const sleep = async (ms: number) => await new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Runs `work` while holding a lock directory, unless `isDone()` becomes true while waiting (another
 * process did the work). A lock left by a dead process is taken over.
 */
async function withLock(lockDir: string, isDone: () => boolean, work: () => Promise<void>, timeoutMs = 15 * 60_000) {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		if (isDone()) return;
		try {
			fs.mkdirSync(lockDir);
		} catch (error) {
			if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
			let owner = Number.NaN;
			try {
				owner = Number.parseInt(fs.readFileSync(path.join(lockDir, 'pid'), 'utf8'), 10);
			} catch {
				// The owner has created the folder but not yet written its pid.
			}
			const ageMs = Date.now() - (fs.statSync(lockDir, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
			if ((Number.isFinite(owner) && !isAlive(owner)) || (!Number.isFinite(owner) && ageMs > 60_000)) {
				fs.rmSync(lockDir, { recursive: true, force: true });
				continue;
			}
			if (Date.now() > deadline) throw new Error(`Timed out waiting for lock ${lockDir} (held by pid ${owner})`);
			await sleep(500);
			continue;
		}
		try {
			fs.writeFileSync(path.join(lockDir, 'pid'), String(process.pid));
			if (!isDone()) await work();
		} finally {
			fs.rmSync(lockDir, { recursive: true, force: true });
		}
		return;
	}
}

/**
 * Removes installed packages of earlier builds (≈175 MB each, one per build) and abandoned staging
 * folders that nobody used for an hour; a test file touches its package when it starts.
 */
function pruneOldInstalls(cache: string, keep: string) {
	const anHourAgo = Date.now() - 3600_000;
	for (const entry of fs.readdirSync(cache)) {
		const isInstall = entry.startsWith('pkg-') && !entry.endsWith('.lock');
		if (!isInstall && !entry.startsWith('.staging-pkg-')) continue;
		const full = path.join(cache, entry);
		if (full === keep) continue;
		const stat = fs.statSync(full, { throwIfNoEntry: false });
		if (stat && stat.mtimeMs < anHourAgo) fs.rmSync(full, { recursive: true, force: true });
	}
}

const installedInThisProcess = new Map<string, Promise<InstalledPackage>>();

/**
 * `npm pack` of the repository (built beforehand by `npm run build`) installed as n8n installs a
 * community package. Cached per machine by the tarball's sha256; safe for concurrent jest workers.
 */
export async function installPackedPackage(packageRoot = repoRoot): Promise<InstalledPackage> {
	let installing = installedInThisProcess.get(packageRoot);
	if (!installing) {
		installing = packAndInstall(packageRoot);
		installedInThisProcess.set(packageRoot, installing);
		// A failed attempt is not remembered, so a later test may try again.
		installing.catch(() => installedInThisProcess.delete(packageRoot));
	}
	return await installing;
}

async function packAndInstall(packageRoot: string): Promise<InstalledPackage> {
	const nodeFolder = ensureNode();
	const env = npmEnv(nodeFolder);
	const cache = cacheDir();
	fs.mkdirSync(cache, { recursive: true });

	const packStarted = Date.now();
	const packFolder = fs.mkdtempSync(path.join(os.tmpdir(), 'aiw-pack-'));
	try {
		const packed = JSON.parse(
			await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', packFolder], packageRoot, env),
		) as Array<{ filename: string; name: string; version: string }>;
		const tarball = path.join(packFolder, path.basename(packed[0].filename));
		const sha256 = createHash('sha256').update(fs.readFileSync(tarball)).digest('hex');
		const packMs = Date.now() - packStarted;

		const directory = path.join(cache, `pkg-${sha256.slice(0, 20)}`);
		const installStarted = Date.now();
		let fromCache = true;
		await withLock(
			`${directory}.lock`,
			() => fs.existsSync(directory),
			async () => {
				fromCache = false;
				const staging = fs.mkdtempSync(path.join(cache, `.staging-pkg-${sha256.slice(0, 20)}-`));
				try {
					await installTarballLikeN8n(tarball, staging, env);
					// The finished folder appears at once, so a reader never sees a half-installed package.
					fs.chmodSync(staging, 0o755);
					fs.renameSync(staging, directory);
				} finally {
					fs.rmSync(staging, { recursive: true, force: true });
				}
			},
		);
		const now = new Date();
		fs.utimesSync(directory, now, now);
		pruneOldInstalls(cache, directory);
		return {
			name: packed[0].name,
			version: packed[0].version,
			directory,
			sha256,
			packMs,
			installMs: Date.now() - installStarted,
			fromCache,
		};
	} finally {
		fs.rmSync(packFolder, { recursive: true, force: true });
	}
}

async function installTarballLikeN8n(tarball: string, packageDirectory: string, env: NodeJS.ProcessEnv) {
	await run('tar', ['-xzf', tarball, '-C', packageDirectory, '--strip-components=1'], packageDirectory, env);
	const packageJsonPath = path.join(packageDirectory, 'package.json');
	const packageJson = JSON.parse(fs.readFileSync(packageJsonPath, 'utf8')) as Record<string, unknown>;
	for (const field of ['devDependencies', 'peerDependencies', 'optionalDependencies']) delete packageJson[field];
	fs.writeFileSync(packageJsonPath, JSON.stringify(packageJson, null, 2), 'utf8');
	await run('npm', [...N8N_COMMUNITY_INSTALL_ARGS, '--loglevel=error'], packageDirectory, env);
	if (fs.existsSync(path.join(packageDirectory, 'node_modules', 'n8n-workflow'))) {
		throw new Error(
			'n8n-workflow was installed beside the package; n8n must provide it (a dependency pulls it in)',
		);
	}
}

/**
 * Puts the installed package where n8n looks for community packages:
 * `<userFolder>/.n8n/nodes/node_modules/<name>`, with the nodes folder's package.json listing it as
 * n8n's own installer leaves it.
 */
export function placePackage(userFolder: string, installed: InstalledPackage) {
	const nodesFolder = path.join(userFolder, '.n8n', 'nodes');
	const target = path.join(nodesFolder, 'node_modules', installed.name);
	fs.mkdirSync(path.dirname(target), { recursive: true });
	fs.rmSync(target, { recursive: true, force: true });
	fs.symlinkSync(installed.directory, target, 'dir');
	fs.writeFileSync(
		path.join(nodesFolder, 'package.json'),
		JSON.stringify(
			{ name: 'installed-nodes', private: true, dependencies: { [installed.name]: installed.version } },
			null,
			2,
		),
	);
}
