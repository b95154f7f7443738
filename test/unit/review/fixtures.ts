import { buildReviewItem, REVIEW_CASE_VERSION, type ReviewCasePayload } from '../../../nodes/shared/review/case';
import type { ReviewCase } from '../../../nodes/shared/store/types';
import { hashSecret, newReviewSecret } from '../../../nodes/shared/review/token';

export const XSS = [
	'<script>window.__xss=1</script>',
	'<img src=x onerror="window.__xss=1">',
	'javascript:window.__xss=1',
	'"><svg onload=alert(1)>',
	"' autofocus onfocus='alert(1)",
];

export const classifyJson = (label = 'billing') => ({
	id: 17,
	text: 'I was charged twice',
	ai: {
		task: 'classify',
		label,
		scores: { billing: 0.55, refund: 0.4, other: 0.05 },
		confidence: 0.55,
		confidenceSource: 'logprobs',
		engine: 'openai',
		reasoning: 'mentions a charge',
		latencyMs: 5,
		attempts: 1,
		at: '2026-11-25T00:00:00Z',
	},
	route: { path: 'review', reason: 'confidence 0.55 < threshold 0.85', threshold: 0.85 },
});

export const extractJson = () => ({
	invoice: { invoiceId: 'INV-1', total: 120.5, vendor: { name: 'ACME' }, lines: [{ amount: 120.5 }] },
	ai: {
		task: 'extract',
		confidence: 0.6,
		confidenceSource: 'checks',
		fieldConfidence: { invoiceId: 0.99, total: 0.42, 'vendor.name': 0.9, 'lines[0].amount': 0.5 },
		checks: [{ name: 'totals', passed: false, detail: 'sum of lines ≠ total' }],
		engine: 'local',
		latencyMs: 3,
		attempts: 1,
		at: '2026-11-25T00:00:00Z',
	},
});

export const buildOptions = { contextFields: [], labelChoices: [], recordField: 'invoice', maxDocumentBytes: 1024 * 1024 };

export function makeCase(jsons: Array<Record<string, unknown>>, overrides: Partial<ReviewCasePayload> = {}) {
	const secret = newReviewSecret();
	const payload: ReviewCasePayload = {
		version: REVIEW_CASE_VERSION,
		title: 'Please review',
		lowConfidenceBelow: 0.8,
		reviewers: [],
		createdAtMs: Date.parse('2026-11-25T10:00:00Z'),
		expiresAtMs: Date.parse('2026-11-26T10:00:00Z'),
		items: jsons.map((json, index) => buildReviewItem(index, json, {}, buildOptions)),
		...overrides,
	};
	const reviewCase: ReviewCase = {
		id: 'case-1',
		workflowId: 'wf',
		executionId: '41',
		nodeName: 'Human Review Wait',
		tokenHash: hashSecret(secret),
		status: 'pending',
		createdAt: new Date(payload.createdAtMs).toISOString(),
		expiresAt: new Date(payload.expiresAtMs).toISOString(),
		payload,
	};
	return { secret, payload, reviewCase };
}
