/** The embedded SQLite store refuses to run in n8n's queue mode, where every process would keep its own file. */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { closeAllStores, openStore, refuseSqliteInQueueMode, StoreUnavailableError } from '../../nodes/shared/store';

describe('store in queue mode', () => {
	const dir = mkdtempSync(join(tmpdir(), 'aiwf-queue-store-'));
	const before = process.env.EXECUTIONS_MODE;
	afterEach(async () => {
		if (before === undefined) delete process.env.EXECUTIONS_MODE;
		else process.env.EXECUTIONS_MODE = before;
		await closeAllStores();
	});
	afterAll(() => rmSync(dir, { recursive: true, force: true }));

	test('the SQLite store fails with an error naming queue mode and the fix, and creates no file', async () => {
		process.env.EXECUTIONS_MODE = 'queue';
		const path = join(dir, 'queue.sqlite');
		const failure = openStore({ kind: 'sqlite', path });
		await expect(failure).rejects.toBeInstanceOf(StoreUnavailableError);
		await expect(failure).rejects.toThrow(/embedded SQLite store cannot be used in queue mode \(EXECUTIONS_MODE=queue\)/);
		const error = (await failure.catch((e) => e)) as StoreUnavailableError;
		expect(error.fix).toMatch(/Set Store to PostgreSQL/);
		expect(existsSync(path)).toBe(false);
	});

	test('PostgreSQL is accepted in queue mode; SQLite outside it', async () => {
		expect(() => refuseSqliteInQueueMode({ kind: 'postgres', host: '127.0.0.1' }, { EXECUTIONS_MODE: 'queue' })).not.toThrow();
		expect(() => refuseSqliteInQueueMode({ kind: 'sqlite' }, { EXECUTIONS_MODE: 'regular' })).not.toThrow();
		expect(() => refuseSqliteInQueueMode({ kind: 'sqlite' }, {})).not.toThrow();
		expect(() => refuseSqliteInQueueMode({ kind: 'sqlite' }, { EXECUTIONS_MODE: ' Queue ' })).toThrow(StoreUnavailableError);
		delete process.env.EXECUTIONS_MODE;
		const store = await openStore({ kind: 'sqlite', path: join(dir, 'regular.sqlite') });
		expect(existsSync(join(dir, 'regular.sqlite'))).toBe(true);
		await store.close();
	});
});
