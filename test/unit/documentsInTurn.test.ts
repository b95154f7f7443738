import { processDocumentsInTurn } from '../../nodes/shared/documents/inTurn';

describe('processDocumentsInTurn', () => {
	it('sends the first document\'s request before the last document is read', async () => {
		const events: string[] = [];
		await processDocumentsInTurn(100, {
			read: async (index) => {
				events.push(`read ${index}`);
				return index;
			},
			finish: async (index) => {
				// Stands for the request's socket write: it needs a turn of the event loop.
				await new Promise<void>((resolve) => setImmediate(resolve));
				events.push(`request ${index}`);
			},
		});
		expect(events.indexOf('request 0')).toBeGreaterThan(-1);
		expect(events.indexOf('request 0')).toBeLessThan(events.indexOf('read 99'));
	});

	it('reads one document at a time, each in one turn, in item order', async () => {
		const events: string[] = [];
		let reading = 0;
		let mostAtOnce = 0;
		await processDocumentsInTurn(12, {
			read: async (index) => {
				mostAtOnce = Math.max(mostAtOnce, ++reading);
				events.push(`text ${index}`);
				await new Promise<void>((resolve) => setImmediate(resolve));
				events.push(`images ${index}`);
				reading--;
			},
			finish: async () => undefined,
		});
		expect(mostAtOnce).toBe(1);
		expect(events).toEqual(Array.from({ length: 12 }, (_, index) => [`text ${index}`, `images ${index}`]).flat());
	});

	it('settles every item in item order: a failed read or finish fails only its item', async () => {
		const outcomes = await processDocumentsInTurn(4, {
			read: async (index) => {
				if (index === 1) throw new Error('unreadable');
				return index * 10;
			},
			finish: async (index, read) => {
				if (index === 2) throw new Error('model refused');
				return read + 1;
			},
		});
		expect(outcomes.map((outcome) => (outcome.status === 'fulfilled' ? outcome.value : (outcome.reason as Error).message))).toEqual([1, 'unreadable', 'model refused', 31]);
	});
});
