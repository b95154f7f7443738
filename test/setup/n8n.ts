import { n8nVersions } from '../harness/runtime';
import { requireChromium, requireN8n, requirePostgres } from './preflight';

export default async function setup(): Promise<void> {
	await requirePostgres();
	requireChromium();
	requireN8n(n8nVersions());
}
