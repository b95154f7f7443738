/**
 * The main job (`npm start`) end to end, offline: a real n8n with the example workflows, fed the
 * sample tickets and invoices through their webhooks; run twice on the same folder (the second run
 * reuses the workflows and data).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { runDemo } from '../../scripts/demo';
import { freePort } from '../harness/process';

jest.setTimeout(15 * 60_000);

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aiw-demo-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const lines: string[] = [];
const log = (line: string) => lines.push(line);

it('runs the example workflows offline and prints paths, review links and the report', async () => {
	const port = await freePort();
	const first = await runDemo({ port, dir, n8nVersion: '2.41.1', reset: true, once: true, log });
	try {
		const { summary } = first;
		expect(summary.tickets.sent).toBe(42);
		expect(Object.values(summary.tickets.byPath).reduce((a, b) => a + b, 0)).toBe(42);
		expect(summary.tickets.byPath.auto).toBeGreaterThan(0);
		expect(summary.tickets.byPath.review).toBeGreaterThan(0);
		expect(summary.invoices.sent).toBe(5);
		expect(Object.keys(summary.invoices.byPath).every((p) => ['auto', 'review'].includes(p))).toBe(true);
		// One review link per execution sent to review, delivered by Human Review Wait's notification.
		const reviewed = (summary.tickets.byPath.review ?? 0) + (summary.invoices.byPath.review ?? 0);
		expect(summary.reviewLinks).toHaveLength(reviewed);
		const page = await fetch(summary.reviewLinks[0].reviewUrl);
		expect(page.status).toBe(200);
		expect(await page.text()).toContain('<form');
		const html = fs.readFileSync(summary.reportFile, 'utf8');
		expect(html).toContain('<svg');
		expect(summary.reportFigures.volume).toBe(summary.tickets.byPath.auto + (summary.invoices.byPath.auto ?? 0));
		expect(lines.join('\n')).toMatch(/tickets: {2}42 classified — /);
		expect(lines.join('\n')).toContain('log in as');

		// The feedback loop: a reviewer corrects a ticket's label through the link (a plain form POST,
		// as the browser sends it); the next time that ticket comes in, AI Classify has learnt it.
		const link = summary.reviewLinks.find((l) => l.workflowName === 'Demo: support ticket triage')!;
		const pageHtml = await (await fetch(link.reviewUrl)).text();
		const ticketId = /T-\d{4}/.exec(pageHtml)![0];
		const ticket = summary.tickets.results.find((t) => t.ticketId === ticketId)!;
		expect(ticket.path).toBe('review');
		const corrected = ticket.label === 'refund' ? 'order' : 'refund';
		const token = /name="decisionToken" value="([^"]+)"/.exec(pageHtml)![1];
		const decided = await fetch(link.reviewUrl, {
			method: 'POST',
			headers: { 'content-type': 'application/x-www-form-urlencoded' },
			body: new URLSearchParams({ decisionToken: token, reviewer: 'Demo Reviewer', decision_0: 'correct', label_0: corrected }),
		});
		expect(decided.status).toBe(200);
		const again = await first.n8n.webhook('demo-ticket', { method: 'POST', body: { ticketId: 'T-again', text: ticket.text, customerTier: 'basic' } });
		expect((again.body as { label: string }).label).toBe(corrected);
	} finally {
		await first.stop();
	}

	// The same command a second time: the data and workflows of the first run are reused.
	const second = await runDemo({ port, dir, n8nVersion: '2.41.1', reset: false, once: true, log });
	try {
		const workflows = await second.n8n.api<{ data: Array<{ name: string }> }>('GET', 'workflows');
		expect(workflows.data.filter((w) => w.name.startsWith('Demo:'))).toHaveLength(3);
		expect(second.summary.tickets.sent).toBe(42);
		// The report of the second run counts the first run's decisions too (same store).
		expect(second.summary.reportFigures.volume as number).toBeGreaterThan((first.summary.reportFigures.volume as number) + 20);
	} finally {
		await second.stop();
	}
});
