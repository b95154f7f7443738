/**
 * Which n8n runs this node. n8n does not tell a node its version, but `require.main` is n8n's own
 * bin script in every n8n process (main, worker, webhook processor), so its package.json is near.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

let cached: string | null | undefined;

export function findN8nVersion(start = require.main?.filename): string | undefined {
	if (start === undefined) return undefined;
	if (cached !== undefined && start === require.main?.filename) return cached ?? undefined;
	let dir = dirname(start);
	for (let depth = 0; depth < 6; depth++) {
		try {
			const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
			if (pkg.name === 'n8n' && typeof pkg.version === 'string') {
				if (start === require.main?.filename) cached = pkg.version;
				return pkg.version;
			}
		} catch {
			// no package.json at this level: keep walking up
		}
		const parent = dirname(dir);
		if (parent === dir) break;
		dir = parent;
	}
	if (start === require.main?.filename) cached = null;
	return undefined;
}

/**
 * n8n 2.x forwards every output of a resumed node (`forwardAllOutputs`); n8n 1.x re-runs the node
 * as disabled, which passes only the first output on. Unknown versions count as 1.x: items then
 * arrive on output 0 rather than being dropped.
 */
export function resumesToAllOutputs(version: string | undefined): boolean {
	const major = Number(version?.split('.')[0]);
	return Number.isFinite(major) && major >= 2;
}
