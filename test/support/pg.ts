import { Client } from 'pg';

/**
 * The services the tests use: the machine's PostgreSQL and Redis on 127.0.0.1 by default. PGHOST,
 * PGPORT, PGUSER, PGPASSWORD and PGDATABASE (an existing database the tests create theirs from) point
 * them at another PostgreSQL; AIW_REDIS_HOST and AIW_REDIS_PORT at another Redis (queue mode only).
 */
export const PG = {
	host: process.env.PGHOST || '127.0.0.1',
	port: Number(process.env.PGPORT || 5432),
	user: process.env.PGUSER || 'postgres',
	password: process.env.PGPASSWORD || '',
};
export const PG_ADMIN_DATABASE = process.env.PGDATABASE || 'test';
export const REDIS = { host: process.env.AIW_REDIS_HOST || '127.0.0.1', port: Number(process.env.AIW_REDIS_PORT || 6379) };

/** The data of n8n's Postgres credential for a database on the tests' PostgreSQL. */
export function postgresCredentialData(database: string, maxConnections = 5): Record<string, unknown> {
	return { ...PG, database, ssl: 'disable', allowUnauthorizedCerts: false, sshTunnel: false, maxConnections };
}

/** Creates a fresh database for one test file; returns its name and a dropper. */
export async function createTestDatabase(prefix: string): Promise<{ database: string; drop: () => Promise<void> }> {
	const database = `${prefix}_${process.pid}_${Date.now().toString(36)}`;
	const admin = new Client({ ...PG, database: PG_ADMIN_DATABASE });
	await admin.connect();
	await admin.query(`CREATE DATABASE ${database}`);
	await admin.end();
	return {
		database,
		drop: async () => {
			const client = new Client({ ...PG, database: PG_ADMIN_DATABASE });
			await client.connect();
			await client.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
			await client.end();
		},
	};
}
