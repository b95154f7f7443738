import { storeProperties } from '../shared/store/nodeParameters';
import type { INodeProperties, IWebhookDescription } from 'n8n-workflow';

export const REVIEW_PATH = 'review';

/**
 * Restart webhooks: served under `/webhook-waiting/<executionId>/review` only while the execution
 * waits. GET shows the page (never decides); POST decides.
 */
export const REVIEW_WEBHOOKS: IWebhookDescription[] = [
	{ name: 'default', httpMethod: 'GET', responseMode: 'onReceived', path: REVIEW_PATH, restartWebhook: true },
	{ name: 'default', httpMethod: 'POST', responseMode: 'onReceived', path: REVIEW_PATH, restartWebhook: true },
];

export const BY_DECISION_OUTPUTS = ['Timed Out / Undecided', 'Approved', 'Corrected', 'Rejected'];

export const reviewProperties: INodeProperties[] = [
	{
		displayName:
			'Fill in Notification URL below: the execution pauses here until a reviewer decides on the review page, and reviewers get the link only through that notification (Slack, Teams, Discord, or a Webhook-triggered workflow that e-mails it).',
		name: 'notice',
		type: 'notice',
		default: '',
	},
	{
		displayName: 'Page Title',
		name: 'title',
		type: 'string',
		default: 'Review needed',
	},
	{
		displayName: 'Instructions',
		name: 'instructions',
		type: 'string',
		typeOptions: { rows: 2 },
		default: '',
		description: 'Shown to the reviewer above the items',
	},
	{
		displayName: 'Limit Wait Time',
		name: 'limitWaitTime',
		type: 'number',
		typeOptions: { minValue: 1 },
		default: 24,
		hint: 'n8n checks wait limits about once a minute, so a limit is accurate to about a minute. Items that time out leave on the first output, undecided.',
	},
	{
		displayName: 'Limit Unit',
		name: 'limitUnit',
		type: 'options',
		options: [
			{ name: 'Seconds', value: 'seconds' },
			{ name: 'Minutes', value: 'minutes' },
			{ name: 'Hours', value: 'hours' },
			{ name: 'Days', value: 'days' },
		],
		default: 'hours',
	},
	{
		displayName: 'Outputs',
		name: 'outputLayout',
		type: 'options',
		options: [
			{
				name: 'One per Decision',
				value: 'byDecision',
				description: 'Timed Out / Undecided, Approved, Corrected, Rejected (needs n8n 2.x)',
			},
			{
				name: 'One Output',
				value: 'single',
				description: 'Any n8n version: route on review.decision afterwards; timed-out items have no review',
			},
		],
		default: 'byDecision',
		hint: 'n8n 1.x can only resume a waiting node to its first output: there, choose One Output',
	},
	{
		displayName: 'Notify Reviewers Via',
		name: 'notifyFormat',
		type: 'options',
		options: [
			{ name: 'Slack Incoming Webhook', value: 'slack' },
			{ name: 'Microsoft Teams Workflow Webhook', value: 'teams' },
			{ name: 'Discord Webhook', value: 'discord' },
			{ name: 'Generic JSON', value: 'generic', description: 'A JSON POST, e.g. to an n8n Webhook trigger' },
		],
		default: 'generic',
	},
	{
		displayName: 'Notification URL',
		name: 'notifyUrl',
		type: 'string',
		default: '',
		required: true,
		placeholder: 'https://hooks.slack.com/services/…',
		description: 'Receives the review link and a summary as a JSON POST (retried on failure). If it cannot be delivered the node fails instead of waiting for nobody.',
	},
	...storeProperties('Where the review case is kept between pausing and the decision.'),
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add option',
		default: {},
		options: [
			{
				displayName: 'Allowed Reviewers',
				name: 'reviewers',
				type: 'string',
				default: '',
				placeholder: 'ann@example.com, bo@example.com',
				description: 'Comma-separated identities the reviewer chooses from; empty lets the reviewer type a name',
			},
			{
				displayName: 'Context Fields',
				name: 'contextFields',
				type: 'string',
				default: '',
				placeholder: 'text, customer.email',
				description: 'Comma-separated fields to show the reviewer; empty shows the whole item',
			},
			{
				displayName: 'Document Preview Limit (MB)',
				name: 'maxDocumentMb',
				type: 'number',
				typeOptions: { minValue: 0, maxValue: 20 },
				default: 5,
				description: 'PDFs and images up to this size are stored with the case and shown on the page',
			},
			{
				displayName: 'Extracted Record Field',
				name: 'recordField',
				type: 'string',
				default: 'invoice',
				description: 'Where an extraction’s record sits on the item; its fields become the correction form',
			},
			{
				displayName: 'Highlight Confidence Below',
				name: 'lowConfidenceBelow',
				type: 'number',
				typeOptions: { minValue: 0, maxValue: 1, numberPrecision: 2 },
				default: 0.8,
			},
			{
				displayName: 'Label Choices',
				name: 'labelChoices',
				type: 'string',
				default: '',
				placeholder: 'billing, refund, other',
				description: 'Comma-separated labels a reviewer may pick; empty uses the AI output’s categories',
			},
			{
				displayName: 'Notification Attempts',
				name: 'notifyAttempts',
				type: 'number',
				typeOptions: { minValue: 1, maxValue: 10 },
				default: 4,
			},
		],
	},
];
