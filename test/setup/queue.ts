import { requireN8n, requirePostgres, requireRedis } from './preflight';

export default async function setup(): Promise<void> {
	await requirePostgres();
	await requireRedis();
	requireN8n(['2.41.1']);
}
