import { Client } from 'pg';

export const PG = { host: '127.0.0.1', port: 5432, user: 'postgres' };

/** Creates a fresh database for one test file; returns its name and a dropper. */
export async function createTestDatabase(prefix: string): Promise<{ database: string; drop: () => Promise<void> }> {
	const database = `${prefix}_${process.pid}_${Date.now().toString(36)}`;
	const admin = new Client({ ...PG, database: 'test' });
	await admin.connect();
	await admin.query(`CREATE DATABASE ${database}`);
	await admin.end();
	return {
		database,
		drop: async () => {
			const client = new Client({ ...PG, database: 'test' });
			await client.connect();
			await client.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
			await client.end();
		},
	};
}
