/**
 * `npm test`'s preflight (its `pretest` script): everything every layer needs, checked and installed
 * where possible before the first test runs, so a missing piece costs seconds, not a half-run suite.
 */
import { n8nVersions } from '../harness/runtime';
import { PG, PG_ADMIN_DATABASE, REDIS } from '../support/pg';
import { requireChromium, requireN8n, requirePostgres, requireRedis } from './preflight';

async function main(): Promise<void> {
	await requirePostgres();
	await requireRedis();
	requireChromium();
	const versions = n8nVersions();
	requireN8n([...new Set([...versions, '2.41.1'])]);
	process.stderr.write(
		`[preflight] PostgreSQL ${PG.host}:${PG.port}/${PG_ADMIN_DATABASE}, Redis ${REDIS.host}:${REDIS.port}, ` +
			`Chromium ${process.env.AIW_CHROMIUM}, n8n ${versions.join(' and ')}: ready\n`,
	);
}

void main();
