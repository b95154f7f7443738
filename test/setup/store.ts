import { requirePostgres } from './preflight';

export default async function setup(): Promise<void> {
	await requirePostgres();
}
