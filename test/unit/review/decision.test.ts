import { applyDecision, parseDecisionForm } from '../../../nodes/shared/review/decision';
import { reviewSchema } from '../../../nodes/shared/contract';
import { classifyJson, extractJson, makeCase } from './fixtures';

describe('parsing the reviewer form', () => {
	const { payload } = makeCase([classifyJson(), extractJson()]);

	it('reads one decision per item with the reviewer and comments', () => {
		const parsed = parseDecisionForm(
			{ reviewer: ' Ann ', decision_0: 'correct', label_0: 'refund', comment_0: 'double charge', decision_1: 'approve', field_1_1: '120.50' },
			payload,
		);
		expect(parsed).toEqual({
			reviewer: 'Ann',
			items: [
				{ index: 0, decision: 'corrected', label: 'refund', comment: 'double charge' },
				{ index: 1, decision: 'approved', comment: undefined },
			],
		});
	});

	it('reads extraction corrections by field', () => {
		const parsed = parseDecisionForm({ reviewer: 'Bo', decision_0: 'reject', decision_1: 'correct', field_1_1: '99', field_1_2: 'ACME Ltd' }, payload);
		expect(parsed.items[0].decision).toBe('rejected');
		expect(parsed.items[1]).toMatchObject({ decision: 'corrected', fields: { total: '99', 'vendor.name': 'ACME Ltd' } });
	});

	it.each([
		[{ decision_0: 'approve', decision_1: 'approve' }, /your name/],
		[{ reviewer: 'A', decision_0: 'approve' }, /item 2/],
		[{ reviewer: 'A', decision_0: 'maybe', decision_1: 'approve' }, /item 1/],
		[{ reviewer: 'A', decision_0: 'correct', label_0: 'billing', decision_1: 'approve' }, /changed nothing/],
		[{ reviewer: 'A', decision_0: 'approve', label_0: 'refund', decision_1: 'approve' }, /choose "correct"/],
		[{ reviewer: 'A', decision_0: 'correct', label_0: 'hacked', decision_1: 'approve' }, /not a category/],
		[{ reviewer: 'A', decision_0: 'approve', decision_1: 'correct', field_1_1: 'lots' }, /must be a number/],
	])('refuses %p', (body, message) => {
		expect(() => parseDecisionForm(body, payload)).toThrow(message);
	});

	it('enforces the reviewer allowlist', () => {
		const { payload: restricted } = makeCase([classifyJson()], { reviewers: ['ann@example.com'] });
		expect(() => parseDecisionForm({ reviewer: 'eve', decision_0: 'approve' }, restricted)).toThrow(/allowed/);
		expect(parseDecisionForm({ reviewer: 'ann@example.com', decision_0: 'approve' }, restricted).reviewer).toBe('ann@example.com');
	});
});

describe('applying a decision', () => {
	const { payload } = makeCase([classifyJson(), extractJson()]);
	const decidedAt = new Date(payload.createdAtMs + 90_000);

	it('corrects the label and keeps the AI original in review.before', () => {
		const json = classifyJson();
		const out = applyDecision(json, payload.items[0], { index: 0, decision: 'corrected', label: 'refund', comment: 'x' }, 'Ann', decidedAt, payload.createdAtMs);
		expect(out.decision).toBe('corrected');
		expect((out.json.ai as { label: string }).label).toBe('refund');
		expect(out.json.review).toEqual({
			decision: 'corrected',
			reviewer: 'Ann',
			comment: 'x',
			before: { label: 'billing', confidence: 0.55 },
			after: { label: 'refund' },
			overridden: true,
			decidedAt: decidedAt.toISOString(),
			waitedMs: 90_000,
		});
		expect(reviewSchema.parse(out.json.review)).toBeTruthy();
		expect(json.ai.label).toBe('billing');
		expect(out.json.text).toBe('I was charged twice');
	});

	it('approves unchanged and rejects with after = null', () => {
		const approved = applyDecision(classifyJson(), payload.items[0], { index: 0, decision: 'approved' }, 'Ann', decidedAt, payload.createdAtMs);
		expect(approved.json.review).toMatchObject({ decision: 'approved', overridden: false, after: { label: 'billing' } });
		const rejected = applyDecision(classifyJson(), payload.items[0], { index: 0, decision: 'rejected' }, 'Ann', decidedAt, payload.createdAtMs);
		expect(rejected.json.review).toMatchObject({ decision: 'rejected', overridden: false, after: null });
		expect((rejected.json.ai as { label: string }).label).toBe('billing');
	});

	it('corrects extracted fields with their types, leaving the input untouched', () => {
		const json = extractJson();
		const out = applyDecision(json, payload.items[1], { index: 1, decision: 'corrected', fields: { total: '99.9', 'lines[0].amount': '99.9' } }, 'Bo', decidedAt, payload.createdAtMs);
		expect(out.json.invoice).toEqual({ invoiceId: 'INV-1', total: 99.9, vendor: { name: 'ACME' }, lines: [{ amount: 99.9 }] });
		expect((out.json.review as { before: unknown }).before).toEqual(json.invoice);
		expect(json.invoice.total).toBe(120.5);
		expect(json.invoice.lines[0].amount).toBe(120.5);
	});
});
