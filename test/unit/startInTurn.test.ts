import { startInTurn } from '../../nodes/shared/startInTurn';

describe('startInTurn', () => {
	it('resolves with every result in item order, whatever order the tasks finish in', async () => {
		const results = await startInTurn(20, async (index) => {
			await new Promise((resolve) => setTimeout(resolve, (20 - index) % 7));
			return index * 2;
		});
		expect(results).toEqual(Array.from({ length: 20 }, (_, index) => index * 2));
	});

	it('hands the event loop back while starting, so I/O of the first tasks runs before the last task starts', async () => {
		const events: string[] = [];
		await startInTurn(
			100,
			async (index) => {
				events.push(`start ${index}`);
				// Stands for the first request's socket write: it needs a turn of the event loop.
				if (index === 0) setImmediate(() => events.push('first request sent'));
			},
			10,
		);
		const sent = events.indexOf('first request sent');
		expect(sent).toBeGreaterThan(-1);
		expect(sent).toBeLessThan(events.indexOf('start 10'));
	});

	it('rejects with a failed task\'s error once all have been started, and reports no unhandled rejection', async () => {
		const unhandled = jest.fn();
		process.on('unhandledRejection', unhandled);
		try {
			const started: number[] = [];
			await expect(
				startInTurn(
					30,
					async (index) => {
						started.push(index);
						if (index === 2) throw new Error('item 2 failed');
						return index;
					},
					4,
				),
			).rejects.toThrow('item 2 failed');
			expect(started).toHaveLength(30);
			await new Promise((resolve) => setImmediate(resolve));
			expect(unhandled).not.toHaveBeenCalled();
		} finally {
			process.off('unhandledRejection', unhandled);
		}
	});
});
