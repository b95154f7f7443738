import { NotificationFailedError, notificationBody, sendWithRetries, type ReviewNotice } from '../../../nodes/shared/review/notify';
import { findN8nVersion, resumesToAllOutputs } from '../../../nodes/shared/review/n8nVersion';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const notice: ReviewNotice = {
	title: 'Ticket review <b>',
	reviewUrl: 'https://n8n.example.com/webhook-waiting/4/review?t=abc',
	itemCount: 2,
	summary: ['Item 1: billing (55%)', 'Item 2: refund (61%)'],
	expiresAt: '2026-11-26T10:00:00.000Z',
	executionId: '4',
};

describe('notification bodies', () => {
	it('carry the link in every format', () => {
		for (const format of ['slack', 'teams', 'discord', 'generic'] as const) {
			expect(JSON.stringify(notificationBody(format, notice))).toContain(notice.reviewUrl);
		}
	});

	it('use each service’s shape', () => {
		const slack = notificationBody('slack', notice) as { text: string; blocks: Array<{ type: string }> };
		expect(slack.text).toContain('2 items to review');
		expect(slack.blocks.map((block) => block.type)).toEqual(['section', 'actions', 'context']);
		expect(JSON.stringify(slack.blocks[0])).toContain('&lt;b&gt;');
		const teams = notificationBody('teams', notice) as { attachments: Array<{ contentType: string; content: { actions: Array<{ url: string }> } }> };
		expect(teams.attachments[0].contentType).toBe('application/vnd.microsoft.card.adaptive');
		expect(teams.attachments[0].content.actions[0].url).toBe(notice.reviewUrl);
		const discord = notificationBody('discord', notice) as { content: string; allowed_mentions: unknown; embeds: Array<{ url: string }> };
		expect(discord.embeds[0].url).toBe(notice.reviewUrl);
		expect(discord.allowed_mentions).toEqual({ parse: [] });
		expect(notificationBody('generic', notice)).toMatchObject({ reviewUrl: notice.reviewUrl, itemCount: 2, executionId: '4' });
	});
});

describe('delivery with retries', () => {
	const noSleep = { sleep: async () => undefined };

	it('retries transient failures and reports the attempt that worked', async () => {
		let calls = 0;
		const attempts = await sendWithRetries(async () => {
			if (++calls < 3) throw Object.assign(new Error('busy'), { statusCode: 503 });
		}, { attempts: 4, baseDelayMs: 1, ...noSleep });
		expect(attempts).toBe(3);
	});

	it('honours Retry-After', async () => {
		const waits: number[] = [];
		let calls = 0;
		await sendWithRetries(async () => {
			if (++calls === 1) throw Object.assign(new Error('slow down'), { response: { status: 429, headers: { 'retry-after': '2' } } });
		}, { attempts: 3, baseDelayMs: 1, sleep: async (ms) => void waits.push(ms) });
		expect(waits).toEqual([2000]);
	});

	it('gives up loudly after the last attempt, and at once on a permanent 4xx', async () => {
		let calls = 0;
		await expect(sendWithRetries(async () => {
			calls++;
			throw new Error('ECONNREFUSED');
		}, { attempts: 3, baseDelayMs: 1, ...noSleep })).rejects.toThrow(NotificationFailedError);
		expect(calls).toBe(3);
		calls = 0;
		await expect(sendWithRetries(async () => {
			calls++;
			throw Object.assign(new Error('no such hook'), { statusCode: 404 });
		}, { attempts: 3, baseDelayMs: 1, ...noSleep })).rejects.toThrow(/no such hook/);
		expect(calls).toBe(1);
	});
});

describe('n8n version', () => {
	it('is read from the package.json above the bin script', () => {
		const root = fs.mkdtempSync(path.join(os.tmpdir(), 'n8nver-'));
		fs.mkdirSync(path.join(root, 'node_modules', 'n8n', 'bin'), { recursive: true });
		fs.writeFileSync(path.join(root, 'node_modules', 'n8n', 'package.json'), JSON.stringify({ name: 'n8n', version: '1.123.81' }));
		expect(findN8nVersion(path.join(root, 'node_modules', 'n8n', 'bin', 'n8n'))).toBe('1.123.81');
		expect(findN8nVersion(path.join(root, 'elsewhere', 'x.js'))).toBeUndefined();
		fs.rmSync(root, { recursive: true });
	});

	it('decides whether a resume can reach every output; unknown counts as no', () => {
		expect(resumesToAllOutputs('2.41.1')).toBe(true);
		expect(resumesToAllOutputs('1.123.81')).toBe(false);
		expect(resumesToAllOutputs(undefined)).toBe(false);
	});
});
