/**
 * Telling a reviewer: the JSON bodies Slack, Microsoft Teams, Discord and generic webhooks accept,
 * and delivery with retries. If nobody can be told the node must fail, not wait for nobody.
 */
export type NotifyFormat = 'slack' | 'teams' | 'discord' | 'generic';

export interface ReviewNotice {
	title: string;
	reviewUrl: string;
	itemCount: number;
	summary: string[];
	expiresAt: string;
	workflowName?: string;
	executionId: string;
}

export function notificationBody(format: NotifyFormat, notice: ReviewNotice): Record<string, unknown> {
	const lines = notice.summary.slice(0, 10);
	const headline = `${notice.title}: ${notice.itemCount} item${notice.itemCount === 1 ? '' : 's'} to review (until ${notice.expiresAt})`;
	switch (format) {
		case 'slack':
			return {
				text: `${headline}\n${notice.reviewUrl}`,
				blocks: [
					{ type: 'section', text: { type: 'mrkdwn', text: `*${escapeSlack(notice.title)}*\n${lines.map((line) => `• ${escapeSlack(line)}`).join('\n')}` } },
					{ type: 'actions', elements: [{ type: 'button', text: { type: 'plain_text', text: 'Open review' }, url: notice.reviewUrl }] },
					{ type: 'context', elements: [{ type: 'mrkdwn', text: escapeSlack(`${notice.itemCount} item(s) · link valid until ${notice.expiresAt}`) }] },
				],
			};
		case 'teams':
			return {
				type: 'message',
				attachments: [
					{
						contentType: 'application/vnd.microsoft.card.adaptive',
						content: {
							$schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
							type: 'AdaptiveCard',
							version: '1.4',
							body: [
								{ type: 'TextBlock', text: headline, weight: 'Bolder', wrap: true },
								...lines.map((line) => ({ type: 'TextBlock', text: line, wrap: true })),
							],
							actions: [{ type: 'Action.OpenUrl', title: 'Open review', url: notice.reviewUrl }],
						},
					},
				],
			};
		case 'discord':
			return {
				content: headline.slice(0, 1900),
				allowed_mentions: { parse: [] },
				embeds: [{ title: 'Open review', url: notice.reviewUrl, description: lines.join('\n').slice(0, 4000) }],
			};
		default:
			return { ...notice, text: `${headline}\n${notice.reviewUrl}` };
	}
}

function escapeSlack(text: string): string {
	return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export interface RetryOptions {
	attempts: number;
	baseDelayMs: number;
	sleep?: (ms: number) => Promise<void>;
}

export class NotificationFailedError extends Error {}

/** Retries on any failure with exponential backoff (honouring Retry-After when the error has one). */
export async function sendWithRetries(send: () => Promise<void>, options: RetryOptions): Promise<number> {
	const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
	let lastError: unknown;
	for (let attempt = 1; attempt <= options.attempts; attempt++) {
		try {
			await send();
			return attempt;
		} catch (error) {
			lastError = error;
			if (isPermanent(error) || attempt === options.attempts) break;
			await sleep(retryAfterMs(error) ?? options.baseDelayMs * 2 ** (attempt - 1));
		}
	}
	const message = lastError instanceof Error ? lastError.message : String(lastError);
	throw new NotificationFailedError(`The review notification could not be delivered: ${message}`);
}

function statusOf(error: unknown): number | undefined {
	const candidate = error as { httpCode?: string; statusCode?: number; response?: { status?: number } };
	const status = candidate?.statusCode ?? candidate?.response?.status ?? Number(candidate?.httpCode);
	return Number.isFinite(status) ? status : undefined;
}

function isPermanent(error: unknown): boolean {
	const status = statusOf(error);
	return status !== undefined && status >= 400 && status < 500 && status !== 408 && status !== 429;
}

function retryAfterMs(error: unknown): number | undefined {
	const headers = (error as { response?: { headers?: Record<string, string> } })?.response?.headers;
	const value = headers?.['retry-after'];
	const seconds = value === undefined ? Number.NaN : Number(value);
	return Number.isFinite(seconds) ? Math.min(seconds, 60) * 1000 : undefined;
}
