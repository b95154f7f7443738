import * as fs from 'node:fs';
import * as path from 'node:path';

import { normaliseCategories } from '../../nodes/shared/classify/categories';
import { examplesFromReviews } from '../../nodes/shared/classify/feedback';
import { classifyLocally, localModelFor } from '../../nodes/shared/classify/localEngine';
import type { ReviewCase } from '../../nodes/shared/store';

function decidedCase(id: string, items: Array<{ text: string; label: string }>, decisions: Array<{ decision: string; label?: string }>): ReviewCase {
	return {
		id,
		workflowId: 'wf',
		executionId: id,
		nodeName: 'Human Review Wait',
		tokenHash: 'x',
		status: 'decided',
		createdAt: '2026-11-25T10:00:00.000Z',
		payload: {
			items: items.map((item, index) => ({
				index,
				task: 'classify',
				context: { 'body.text': item.text },
				label: item.label,
				labelChoices: [],
				fields: [],
				documents: [],
			})),
		},
		decision: { reviewer: 'Ana', items: decisions.map((d, index) => ({ index, ...d })) },
	};
}

describe('examples from reviews', () => {
	it('approved items teach the AI label, corrected ones the reviewer label, rejected ones nothing', () => {
		const cases = [
			decidedCase('1', [{ text: 'where is my parcel', label: 'delivery' }], [{ decision: 'approved' }]),
			decidedCase(
				'2',
				[
					{ text: 'I want my money back', label: 'payment' },
					{ text: 'spam spam', label: 'order' },
					{ text: 'change my address', label: 'account' },
				],
				[{ decision: 'corrected', label: 'refund' }, { decision: 'rejected' }, { decision: 'corrected', label: 'not-a-category' }],
			),
		];
		expect(examplesFromReviews(cases, 'body.text', ['delivery', 'refund', 'payment', 'order', 'account'])).toEqual([
			{ text: 'where is my parcel', label: 'delivery' },
			{ text: 'I want my money back', label: 'refund' },
		]);
	});

	it('reads the text nested in a shown object and skips items without one', () => {
		const nested = decidedCase('3', [{ text: 'x', label: 'order' }], [{ decision: 'approved' }]);
		(nested.payload as { items: Array<{ context: unknown }> }).items[0].context = { body: { text: 'add an item to my order' } };
		const noText = decidedCase('4', [{ text: '', label: 'order' }], [{ decision: 'approved' }]);
		expect(examplesFromReviews([nested, noText], 'body.text', ['order'])).toEqual([{ text: 'add an item to my order', label: 'order' }]);
	});
});

it('a corrected review changes the next prediction of the local engine', () => {
	const training = JSON.parse(fs.readFileSync(path.join(__dirname, '../../examples/samples/triage-training.json'), 'utf8')) as {
		examples: Record<string, string[]>;
	};
	const categories = normaliseCategories(
		Object.entries(training.examples).map(([name, examples]) => ({ name, examples: examples.join('\n') })),
		false,
	);
	const text = 'I need help with the bill for my last purchase';
	const before = classifyLocally(localModelFor({ categories, withOther: false }), text, false);
	const corrected = before.label === 'payment' ? 'invoice' : 'payment';
	const examples = examplesFromReviews(
		[decidedCase('5', [{ text, label: before.label! }], [{ decision: 'corrected', label: corrected }])],
		'body.text',
		categories.map((c) => c.name),
	);
	const after = classifyLocally(localModelFor({ categories, withOther: false, examples }), text, false);
	expect(after.label).toBe(corrected);
	expect(after.model).not.toBe(before.model);
});

it('with Fallback "Other", a review corrected to Other teaches it: the text and texts like it become Other', () => {
	const training = JSON.parse(fs.readFileSync(path.join(__dirname, '../../examples/samples/triage-training.json'), 'utf8')) as {
		examples: Record<string, string[]>;
	};
	const categories = normaliseCategories(
		Object.entries(training.examples).map(([name, examples]) => ({ name, examples: examples.join('\n') })),
		true,
	);
	const reviewed = [
		'Do you sell gift cards for the new store opening?',
		'Are you hiring? I would like to send my CV',
		'I would like to apply for a job in your warehouse',
	];
	const before = localModelFor({ categories, withOther: true });
	expect(before.openSet?.otherTrained).toBe(false);
	const examples = examplesFromReviews(
		reviewed.map((text, index) =>
			decidedCase(`other-${index}`, [{ text, label: 'order' }], [{ decision: 'corrected', label: 'Other' }]),
		),
		'body.text',
		[...categories.map((c) => c.name), 'Other'],
	);
	expect(examples.map((example) => example.label)).toEqual(['Other', 'Other', 'Other']);
	const after = localModelFor({ categories, withOther: true, examples });
	expect(after.openSet?.otherTrained).toBe(true);
	const similar = 'Is there a job opening in your warehouse?';
	expect(classifyLocally(after, reviewed[1], false).label).toBe('Other');
	expect(classifyLocally(after, similar, false).label).toBe('Other');
	expect(classifyLocally(after, similar, false).scores!.Other).toBeGreaterThan(classifyLocally(before, similar, false).scores!.Other);
});
