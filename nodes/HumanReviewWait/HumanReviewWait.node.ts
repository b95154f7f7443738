import { randomUUID } from 'node:crypto';

import {
	NodeConnectionTypes,
	NodeOperationError,
	type IDataObject,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeType,
	type INodeTypeDescription,
	type IWebhookFunctions,
	type IWebhookResponseData,
} from 'n8n-workflow';

import { openStore, StoreUnavailableError, type PackageStore, type StoreConfig } from '../shared/store';
import { failedItem } from '../shared/failedItem';
import { storeConfigFrom } from '../shared/store/nodeParameters';
import { buildReviewItem, REVIEW_CASE_VERSION, type BinaryInput, type ReviewCasePayload } from '../shared/review/case';
import { applyDecision } from '../shared/review/decision';
import { findN8nVersion, resumesToAllOutputs } from '../shared/review/n8nVersion';
import { notificationBody, sendWithRetries, type NotifyFormat } from '../shared/review/notify';
import { CONTENT_SECURITY_POLICY, renderMessagePage } from '../shared/review/render';
import { answerReviewRequest } from '../shared/review/request';
import { buildReviewLink, hashSecret, newReviewSecret } from '../shared/review/token';
import { learnFromCorrections, type Correction } from '../shared/invoice/vendorMemoryStore';
import { BY_DECISION_OUTPUTS, REVIEW_PATH, REVIEW_WEBHOOKS, reviewProperties } from './description';

const UNIT_MS = { seconds: 1000, minutes: 60_000, hours: 3_600_000, days: 86_400_000 } as const;
const DECISION_OUTPUT = { approved: 1, corrected: 2, rejected: 3 } as const;

type Context = IExecuteFunctions | IWebhookFunctions;

function list(value: unknown): string[] {
	return typeof value === 'string'
		? value
				.split(',')
				.map((entry) => entry.trim())
				.filter((entry) => entry !== '')
		: [];
}

/** Node-level parameters: the execute and webhook contexts take the arguments in different orders. */
function nodeParameter(context: Context, name: string, fallback: string): string {
	const value =
		'getInputData' in context
			? context.getNodeParameter(name, 0, fallback)
			: (context as IWebhookFunctions).getNodeParameter(name, fallback);
	return typeof value === 'string' ? value : fallback;
}

function storeConfig(context: Context): Promise<StoreConfig> {
	return storeConfigFrom({
		parameter: (name, fallback) => nodeParameter(context, name, fallback),
		credentials: async (type) => (await context.getCredentials(type)) as Record<string, unknown>,
	});
}

const outputsExpression: `={{${string}}}` = `={{ $parameter["outputLayout"] === "single" ? [{ "type": "main", "displayName": "Reviewed or Timed Out" }] : ${JSON.stringify(
	BY_DECISION_OUTPUTS.map((displayName) => ({ type: 'main', displayName })),
)} }}`;

export class HumanReviewWait implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Human Review Wait',
		name: 'humanReviewWait',
		icon: { light: 'file:humanReviewWait.svg', dark: 'file:humanReviewWait.dark.svg' },
		group: ['organization'],
		version: 1,
		// Pausing for a person is a workflow step; an AI agent must not call it as a tool.
		usableAsTool: undefined,
		subtitle: '={{ "Wait up to " + $parameter["limitWaitTime"] + " " + ($parameter["limitWaitTime"] === 1 ? $parameter["limitUnit"].slice(0, -1) : $parameter["limitUnit"]) }}',
		description: 'Pause until a reviewer approves, corrects or rejects the AI output on a secure page',
		defaults: { name: 'Human Review Wait' },
		inputs: [NodeConnectionTypes.Main],
		outputs: outputsExpression,
		credentials: [
			{
				// eslint-disable-next-line @n8n/community-nodes/no-credential-reuse, @n8n/community-nodes/valid-credential-references -- n8n's own Postgres credential for the store
				name: 'postgres',
				required: true,
				displayOptions: { show: { storeType: ['postgres'] } },
			},
		],
		webhooks: REVIEW_WEBHOOKS,
		properties: reviewProperties,
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const items = this.getInputData();
		const layout = this.getNodeParameter('outputLayout', 0, 'byDecision') as string;
		const version = findN8nVersion();
		if (layout === 'byDecision' && !resumesToAllOutputs(version)) {
			throw new NodeOperationError(this.getNode(), `n8n ${version ?? '(unknown version)'} can only resume a waiting node to its first output`, {
				description: 'Set Outputs to "One Output" and route on review.decision (timed-out items have no review), or run n8n 2.x.',
			});
		}
		const options = this.getNodeParameter('options', 0, {}) as IDataObject;
		const amount = this.getNodeParameter('limitWaitTime', 0, 24) as number;
		const unit = this.getNodeParameter('limitUnit', 0, 'hours') as keyof typeof UNIT_MS;
		if (!(amount > 0) || !(unit in UNIT_MS)) {
			throw new NodeOperationError(this.getNode(), `Limit Wait Time must be a positive number, got ${amount}`, {
				description: 'Set how long the review may take, e.g. 24 hours.',
			});
		}
		const notifyUrl = (this.getNodeParameter('notifyUrl', 0, '') as string).trim();
		if (!/^https?:\/\//i.test(notifyUrl)) {
			throw new NodeOperationError(this.getNode(), 'No Notification URL: nobody would learn about this review', {
				description: 'Set Notification URL to a Slack, Teams or Discord webhook, or to a Webhook-triggered n8n workflow that emails the link.',
			});
		}

		const createdAtMs = Date.now();
		const expiresAtMs = createdAtMs + amount * UNIT_MS[unit];
		const buildOptions = {
			contextFields: list(options.contextFields),
			labelChoices: list(options.labelChoices),
			recordField: typeof options.recordField === 'string' && options.recordField !== '' ? options.recordField : 'invoice',
			maxDocumentBytes: Math.round((typeof options.maxDocumentMb === 'number' ? options.maxDocumentMb : 5) * 1024 * 1024),
		};
		const caseItems = [];
		for (let itemIndex = 0; itemIndex < items.length; itemIndex++) {
			const binaries: Record<string, BinaryInput> = {};
			for (const [property, binary] of Object.entries(items[itemIndex].binary ?? {})) {
				const input: BinaryInput = { mimeType: binary.mimeType, fileName: binary.fileName };
				if (/^(application\/pdf|image\/)/.test(binary.mimeType)) {
					try {
						input.data = await this.helpers.getBinaryDataBuffer(itemIndex, property);
					} catch {
						// The page says the document could not be read; the review itself goes on.
					}
				}
				binaries[property] = input;
			}
			caseItems.push(buildReviewItem(itemIndex, items[itemIndex].json, binaries, buildOptions));
		}
		const payload: ReviewCasePayload = {
			version: REVIEW_CASE_VERSION,
			title: this.getNodeParameter('title', 0, 'Review needed') as string,
			instructions: (this.getNodeParameter('instructions', 0, '') as string) || undefined,
			lowConfidenceBelow: typeof options.lowConfidenceBelow === 'number' ? options.lowConfidenceBelow : 0.8,
			reviewers: list(options.reviewers),
			createdAtMs,
			expiresAtMs,
			items: caseItems,
		};

		const secret = newReviewSecret();
		const resumeUrl = this.evaluateExpression('{{ $execution.resumeUrl }}', 0) as string;
		const reviewUrl = buildReviewLink(resumeUrl, REVIEW_PATH, secret);
		const executionId = this.getExecutionId();
		const store = await openStoreFor(this);
		await store.putReviewCase({
			id: randomUUID(),
			workflowId: String(this.getWorkflow().id ?? ''),
			executionId,
			nodeName: this.getNode().name,
			tokenHash: hashSecret(secret),
			status: 'pending',
			createdAt: new Date(createdAtMs).toISOString(),
			expiresAt: new Date(expiresAtMs).toISOString(),
			payload,
		});

		const format = this.getNodeParameter('notifyFormat', 0, 'generic') as NotifyFormat;
		const body = notificationBody(format, {
			title: payload.title,
			reviewUrl,
			itemCount: items.length,
			summary: caseItems.map((item) => `Item ${item.index + 1}: ${item.label ?? item.task}${item.confidence !== undefined ? ` (${Math.round(item.confidence * 100)}%)` : ''}${item.routeReason ? ` — ${item.routeReason}` : ''}`),
			expiresAt: new Date(expiresAtMs).toISOString(),
			workflowName: this.getWorkflow().name,
			executionId,
		});
		try {
			await sendWithRetries(
				async () => {
					await this.helpers.httpRequest({ method: 'POST', url: notifyUrl, body, json: true, timeout: 15_000 });
				},
				{ attempts: typeof options.notifyAttempts === 'number' ? options.notifyAttempts : 4, baseDelayMs: 1000 },
			);
		} catch (error) {
			if (!this.continueOnFail()) {
				// The cause goes in the description: n8n rewrites messages that contain socket error codes.
				throw new NodeOperationError(this.getNode(), 'The review notification could not be delivered, so no reviewer would learn about this review', {
					description: `${(error as Error).message}. Check Notification URL (and that the service accepts the chosen format). The review was not started.`,
				});
			}
			return [items.map((item, index) => failedItem(this.getNode(), item, index, (error as Error).message))];
		}

		await this.putExecutionToWait(new Date(expiresAtMs));
		return [items.map((item, index) => ({ ...item, pairedItem: { item: index } }))];
	}

	async webhook(this: IWebhookFunctions): Promise<IWebhookResponseData> {
		const res = this.getResponseObject();
		const send = (status: number, html: string): IWebhookResponseData => {
			res.status(status);
			res.setHeader('Content-Type', 'text/html; charset=utf-8');
			res.setHeader('Content-Security-Policy', CONTENT_SECURITY_POLICY);
			res.setHeader('Cache-Control', 'no-store');
			res.setHeader('Referrer-Policy', 'no-referrer');
			res.setHeader('X-Content-Type-Options', 'nosniff');
			res.end(html);
			return { noWebhookResponse: true };
		};
		// Whatever goes wrong, answer with a page: an exception here would make n8n resume the
		// execution with an error instead of leaving it waiting.
		try {
			const req = this.getRequestObject();
			const store = await openStoreFor(this);
			const reviewCase = await store.getReviewCase(this.getExecutionId(), this.getNode().name);
			const answer = answerReviewRequest(
				{ method: req.method, query: this.getQueryData() as Record<string, unknown>, body: (this.getBodyData() ?? {}) as Record<string, unknown> },
				reviewCase,
				new Date(),
			);
			if (answer.kind === 'page') {
				// n8n resumes a timed-out wait without calling the node: the first late visit records it.
				if (answer.expireCase && reviewCase) {
					await store.expireReviewCase(reviewCase.id).catch((error: Error) => {
						this.logger.warn(`Human Review Wait could not mark review case ${reviewCase.id} expired: ${error.message}`);
					});
				}
				return send(answer.status, answer.html);
			}
			if (answer.kind === 'document') {
				res.status(200);
				res.setHeader('Content-Type', answer.mimeType);
				res.setHeader('Content-Disposition', `inline; filename="${(answer.fileName ?? 'document').replace(/[^\w.-]/g, '_')}"`);
				res.setHeader('Content-Security-Policy', "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox");
				res.setHeader('Cache-Control', 'no-store');
				res.setHeader('X-Content-Type-Options', 'nosniff');
				res.end(answer.data);
				return { noWebhookResponse: true };
			}

			const waiting = this.evaluateExpression('{{ $input.all() }}') as unknown as INodeExecutionData[];
			if (!Array.isArray(waiting) || waiting.length !== answer.payload.items.length) {
				return send(500, renderMessagePage('Review unavailable', 'The waiting items could not be read. Nothing was decided; try again later.'));
			}
			const decidedAt = new Date();
			const layout = this.getNodeParameter('outputLayout', 'byDecision') as string;
			const byDecision = layout === 'byDecision' && resumesToAllOutputs(findN8nVersion());
			const outputs: INodeExecutionData[][] = byDecision ? [[], [], [], []] : [[]];
			const corrections: Correction[] = [];
			for (const decision of answer.decision.items) {
				const item = waiting[decision.index];
				const decided = applyDecision(item.json, answer.payload.items[decision.index], decision, answer.decision.reviewer, decidedAt, answer.payload.createdAtMs);
				if (decided.decision === 'corrected' && answer.payload.items[decision.index].task === 'extract') corrections.push(decided.json.review as Correction);
				outputs[byDecision ? DECISION_OUTPUT[decided.decision] : 0].push({
					json: decided.json as IDataObject,
					...(item.binary ? { binary: item.binary } : {}),
					pairedItem: { item: decision.index },
				});
			}
			const won = await store.decideReviewCase(answer.reviewCase.id, answer.decision, decidedAt.toISOString());
			if (!won) return send(409, renderMessagePage('Already decided', 'This review has already been decided. Nothing was changed.'));
			// Vendor memory: Extract Invoice reads that vendor's next invoices with what this correction teaches.
			await learnFromCorrections(store, this.getExecutionId(), corrections, decidedAt).catch((error: Error) => {
				this.logger.warn(`Human Review Wait could not record the corrected extraction for vendor memory: ${error.message}`);
			});
			send(200, renderMessagePage('Thank you', `Your decision on ${waiting.length} item${waiting.length === 1 ? '' : 's'} was recorded. You can close this page.`));
			return { noWebhookResponse: true, workflowData: outputs };
		} catch (error) {
			this.logger.error(`Human Review Wait could not answer a review request: ${(error as Error).message}`);
			const storeDown = error instanceof StoreUnavailableError || /review store/.test((error as Error).message);
			const message = storeDown ? 'The review store cannot be reached.' : 'Something went wrong.';
			return send(503, renderMessagePage('Review unavailable', `${message} Nothing was decided; please try again later.`));
		}
	}
}

async function openStoreFor(context: Context): Promise<PackageStore> {
	try {
		return await openStore(await storeConfig(context));
	} catch (error) {
		throw new NodeOperationError(context.getNode(), error as Error, {
			message: `The review store cannot be opened: ${(error as Error).message}`,
			description: error instanceof StoreUnavailableError ? error.fix : 'Check the Store settings of this node.',
		});
	}
}
