/**
 * Confidence Router in-process (n8n-core's WorkflowExecute): which output each item leaves on, with
 * which `route`, for every mode and rule a builder can set, and what n8n shows for bad settings.
 */
import type { FilterValue, IDataObject, INodeParameters } from 'n8n-workflow';

import { runNode, type RunOptions } from '../harness/inProcess';
import { expectEveryItemOnce, expectNodeError, jsonOf, pairedPerOutput } from './support';

const AUTO = 0;
const REVIEW = 1;
const REJECT = 2;

function route(parameters: INodeParameters, items: IDataObject[], extra: Partial<RunOptions> = {}) {
	return runNode({ type: 'confidenceRouter', parameters, items, ...extra });
}

const ai = (confidence: unknown, label?: string) => ({ ai: { task: 'classify', confidence, ...(label ? { label } : {}) } });

/** A filter parameter value as n8n's editor saves it (Always Review When). */
function conditions(
	list: Array<{ left: string; right: unknown; type: string; operation: string }>,
	combinator: 'and' | 'or' = 'or',
	typeValidation: 'strict' | 'loose' = 'strict',
): FilterValue {
	return {
		options: { caseSensitive: false, leftValue: '', typeValidation, version: 2 },
		combinator,
		conditions: list.map((c, i) => ({ id: `c${i}`, leftValue: c.left, rightValue: c.right, operator: { type: c.type, operation: c.operation } })) as FilterValue['conditions'],
	};
}

describe('two-way: auto at or above the threshold, review below', () => {
	it('routes by the default threshold 0.85 and writes route on each item', async () => {
		const run = await route({}, [ai(0.85), ai(0.849), ai(1), ai(0)]);
		expect(run.outputs).toHaveLength(2);
		expect(pairedPerOutput(run)).toEqual([[0, 2], [1, 3]]);
		expect(jsonOf(run, AUTO)[0].route).toEqual({ path: 'auto', reason: 'confidence 0.85 ≥ threshold 0.85', threshold: 0.85 });
		expect(jsonOf(run, REVIEW)[0].route).toEqual({ path: 'review', reason: 'confidence 0.849 < threshold 0.85', threshold: 0.85 });
	});

	it('keeps the item: its fields, its binary data and its ai', async () => {
		const binary = { data: { data: 'aGk=', mimeType: 'text/plain', fileName: 'a.txt' } };
		const run = await route({ threshold: 0.5 }, [{ json: { id: 7, text: 'x', ...ai(0.9) }, binary } as never]);
		const [item] = run.outputs[AUTO];
		expect(item.json).toMatchObject({ id: 7, text: 'x', ai: { confidence: 0.9 }, route: { path: 'auto', threshold: 0.5 } });
		expect(item.binary).toEqual(binary);
	});

	it('reads the confidence from any expression, per item, also as a numeric string', async () => {
		const run = await route({ confidence: '={{ $json.score }}', threshold: 0.7 }, [{ score: 0.9 }, { score: '0.75' }, { score: 0.2 }]);
		expect(pairedPerOutput(run)).toEqual([[0, 1], [2]]);
	});

	it('takes the threshold from an expression', async () => {
		const run = await route({ threshold: '={{ $json.bar }}' }, [{ ...ai(0.6), bar: 0.5 }, { ...ai(0.6), bar: 0.7 }]);
		expect(pairedPerOutput(run)).toEqual([[0], [1]]);
	});
});

describe('three-way: reject below Reject Below', () => {
	it('auto / review / reject, on three outputs', async () => {
		const run = await route({ mode: 'threeWay', threshold: 0.8, rejectBelow: 0.3 }, [ai(0.9), ai(0.5), ai(0.29), ai(0.3)]);
		expect(run.outputs).toHaveLength(3);
		expect(pairedPerOutput(run)).toEqual([[0], [1, 3], [2]]);
		expect(jsonOf(run, REJECT)[0].route).toEqual({ path: 'reject', reason: 'confidence 0.29 < reject-below 0.3', threshold: 0.3 });
	});

	it('Reject Below equal to the threshold leaves no review band', async () => {
		const run = await route({ mode: 'threeWay', threshold: 0.6, rejectBelow: 0.6 }, [ai(0.6), ai(0.59)]);
		expect(pairedPerOutput(run)).toEqual([[0], [], [1]]);
	});

	it('Reject Below is not used in two-way mode', async () => {
		const run = await route({ mode: 'twoWay', rejectBelow: 0.9 }, [ai(0.1)]);
		expect(pairedPerOutput(run)).toEqual([[], [0]]);
	});
});

describe('per-label thresholds', () => {
	const labelThresholds = { rules: [{ label: 'refund', threshold: 0.97 }, { label: '', threshold: 0.1 }] };

	it('a label with its own bar uses it; other labels and items without a label use the threshold', async () => {
		const run = await route({ threshold: 0.8, labelThresholds }, [ai(0.9, 'refund'), ai(0.98, 'refund'), ai(0.9, 'billing'), ai(0.9)]);
		expect(pairedPerOutput(run)).toEqual([[1, 2, 3], [0]]);
		expect(jsonOf(run, REVIEW)[0].route).toEqual({ path: 'review', reason: 'confidence 0.9 < threshold for label "refund" 0.97', threshold: 0.97 });
		expect(jsonOf(run, AUTO)[0].route).toMatchObject({ reason: 'confidence 0.98 ≥ threshold for label "refund" 0.97' });
	});

	it('reads the label from the Label expression (exact match)', async () => {
		const run = await route({ threshold: 0.5, label: '={{ $json.kind }}', labelThresholds }, [
			{ ...ai(0.9, 'billing'), kind: 'refund' },
			{ ...ai(0.9, 'refund'), kind: 'Refund' },
		]);
		expect(pairedPerOutput(run)).toEqual([[1], [0]]);
	});
});

describe('Always Review When conditions', () => {
	const bigAmount = conditions([{ left: '={{ $json.amount }}', right: 10000, type: 'number', operation: 'gt' }]);

	it('a matching item goes to review whatever its confidence', async () => {
		const run = await route({ alwaysReview: bigAmount }, [{ ...ai(0.99), amount: 25000 }, { ...ai(0.99), amount: 50 }]);
		expect(pairedPerOutput(run)).toEqual([[1], [0]]);
		expect(jsonOf(run, REVIEW)[0].route).toEqual({ path: 'review', reason: 'an "always review when" condition matched', threshold: 0.85 });
	});

	it('in three-way mode a matching item is reviewed, never rejected', async () => {
		const run = await route({ mode: 'threeWay', alwaysReview: bigAmount }, [{ ...ai(0.05), amount: 25000 }, { ...ai(0.05), amount: 1 }]);
		expect(pairedPerOutput(run)).toEqual([[], [0], [1]]);
	});

	it('combines conditions with AND / OR', async () => {
		const both = [
			{ left: '={{ $json.amount }}', right: 100, type: 'number', operation: 'gt' },
			{ left: '={{ $json.ai.label }}', right: 'legal', type: 'string', operation: 'equals' },
		];
		const items = [{ ...ai(0.99, 'legal'), amount: 500 }, { ...ai(0.99, 'legal'), amount: 5 }, { ...ai(0.99, 'billing'), amount: 5 }];
		expect(pairedPerOutput(await route({ alwaysReview: conditions(both, 'and') }, items))).toEqual([[1, 2], [0]]);
		expect(pairedPerOutput(await route({ alwaysReview: conditions(both, 'or') }, items))).toEqual([[2], [0, 1]]);
	});

	it("a condition of the wrong type stops with n8n's own message and the item", async () => {
		const run = await route({ alwaysReview: bigAmount }, [{ ...ai(0.99), amount: 5 }, { ...ai(0.99), amount: 'a lot' }]);
		expectNodeError(run, {
			message: /^Wrong type: 'a lot' is a string but was expecting a number \[condition 0, item 1\]/,
			itemIndex: 1,
		});
	});

	it('loose type validation converts numeric strings', async () => {
		const loose = conditions([{ left: '={{ $json.amount }}', right: 10000, type: 'number', operation: 'gt' }], 'or', 'loose');
		const run = await route({ alwaysReview: loose }, [{ ...ai(0.99), amount: '25000' }]);
		expect(pairedPerOutput(run)).toEqual([[], [0]]);
	});
});

describe('audit sampling', () => {
	const many = Array.from({ length: 120 }, (_, i) => ({ id: `ticket-${i}`, ...ai(0.95) }));

	it('0 % (the default) samples nothing; 100 % sends every confident item to review, marked sampled', async () => {
		expect(pairedPerOutput(await route({}, many.slice(0, 5)))[REVIEW]).toEqual([]);
		const all = await route({ auditPercent: 100 }, [...many.slice(0, 3), ai(0.2)]);
		expect(pairedPerOutput(all)).toEqual([[], [0, 1, 2, 3]]);
		expect(jsonOf(all, REVIEW)[0].route).toEqual({
			path: 'review',
			reason: 'audit sample (100% of confident items); confidence 0.95 ≥ threshold 0.85',
			threshold: 0.85,
			sampled: true,
		});
		// Items below the threshold are reviewed anyway: not a sample.
		expect(jsonOf(all, REVIEW)[3].route).not.toHaveProperty('sampled');
	});

	it('samples about the share asked for, the same items on every run (by Sampling Key)', async () => {
		const first = await route({ auditPercent: 30, sampleKey: '={{ $json.id }}' }, many);
		const sampled = pairedPerOutput(first)[REVIEW];
		expect(sampled.length).toBeGreaterThan(20);
		expect(sampled.length).toBeLessThan(52);
		// A re-run with other run-dependent fields (ai.at) routes the same items the same way.
		const rerun = await route({ auditPercent: 30, sampleKey: '={{ $json.id }}' }, many.map((item) => ({ ...item, ai: { ...item.ai, at: 'later' } })));
		expect(pairedPerOutput(rerun)[REVIEW]).toEqual(sampled);
	});

	it('an empty Sampling Key samples by the item data without ai/route/review', async () => {
		const items = many.slice(0, 60).map(({ id, ...rest }) => ({ ...rest, text: id }));
		const a = await route({ auditPercent: 50, sampleKey: '' }, items);
		const b = await route({ auditPercent: 50, sampleKey: '' }, items.map((item) => ({ ...item, ai: { ...item.ai, latencyMs: 99 }, route: { path: 'old' } })));
		expect(pairedPerOutput(b)).toEqual(pairedPerOutput(a));
		expect(pairedPerOutput(a)[REVIEW].length).toBeGreaterThan(0);
		expect(pairedPerOutput(a)[AUTO].length).toBeGreaterThan(0);
	});

	it('the default Sampling Key ($json.id ?? $json.text) distinguishes items by id', async () => {
		const run = await route({ auditPercent: 50 }, many.slice(0, 40));
		const [auto, review] = pairedPerOutput(run);
		expect(auto.length + review.length).toBe(40);
		expect(auto.length).toBeGreaterThan(5);
		expect(review.length).toBeGreaterThan(5);
	});
});

describe('bad confidence values go to review, never auto or reject', () => {
	const cases: Array<[string, unknown, string]> = [
		['missing', undefined, 'confidence missing'],
		['null', null, 'confidence missing'],
		['empty text', '', 'confidence missing'],
		['text', 'high', 'confidence is not a number ("high")'],
		['above 1', 1.5, 'confidence out of range 0..1 (1.5)'],
		['negative', -0.1, 'confidence out of range 0..1 (-0.1)'],
		['percent', 95, 'confidence out of range 0..1 (95)'],
		['an object', { value: 0.9 }, 'confidence is not a number ([object Object])'],
		['a boolean', true, 'confidence is not a number (true)'],
	];
	it.each(cases)('%s', async (_name, confidence, reason) => {
		const run = await route({ mode: 'threeWay' }, [ai(confidence)]);
		expect(pairedPerOutput(run)).toEqual([[], [0], []]);
		expect(jsonOf(run, REVIEW)[0].route).toEqual({ path: 'review', reason, threshold: 0.85 });
	});

	it('an item without ai at all goes to review', async () => {
		const run = await route({}, [{ text: 'no ai here' }]);
		expect(jsonOf(run, REVIEW)).toEqual([{ text: 'no ai here', route: { path: 'review', reason: 'confidence missing', threshold: 0.85 } }]);
	});
});

describe('bad settings stop with the fix; Continue On Fail sends the items to review with the error', () => {
	const fix = 'Check the thresholds: each between 0 and 1, Reject Below not above the auto threshold';
	const cases: Array<[string, INodeParameters, string]> = [
		['threshold above 1', { threshold: 2 }, 'Threshold must be between 0 and 1, got 2'],
		['negative threshold', { threshold: -0.5 }, 'Threshold must be between 0 and 1, got -0.5'],
		['Reject Below above the threshold', { mode: 'threeWay', threshold: 0.5, rejectBelow: 0.9 }, 'Reject Below (0.9) must not be above the threshold (0.5)'],
		['Reject Below out of range', { mode: 'threeWay', rejectBelow: 7 }, 'Reject Below must be between 0 and 1, got 7'],
		['label threshold out of range', { labelThresholds: { rules: [{ label: 'refund', threshold: 1.5 }] } }, 'Threshold for label "refund" must be between 0 and 1, got 1.5'],
		['audit share above 100 %', { auditPercent: 150 }, 'Audit sample must be between 0 and 100 %, got 150'],
	];

	it.each(cases)('%s', async (_name, parameters, message) => {
		const strict = await route(parameters, [ai(0.9), ai(0.1)]);
		expectNodeError(strict, { message, description: fix, itemIndex: 0 });

		const lenient = await route(parameters, [ai(0.9), ai(0.1)], { onError: 'continueRegularOutput' });
		expectEveryItemOnce(lenient, 2);
		expect(pairedPerOutput(lenient)[REVIEW]).toEqual([0, 1]);
		expect(jsonOf(lenient, REVIEW)).toEqual([
			{ ...ai(0.9), error: message },
			{ ...ai(0.1), error: message },
		]);
	});

	it('a threshold expression that gives text names the item', async () => {
		const run = await route({ threshold: '={{ $json.bar }}' }, [{ ...ai(0.9), bar: 0.5 }, { ...ai(0.9), bar: 'high' }]);
		expectNodeError(run, { message: 'Threshold must be between 0 and 1, got high', itemIndex: 1 });
	});

	it('only the failing item carries the error; the others are routed', async () => {
		const run = await route(
			{ threshold: '={{ $json.bar }}' },
			[{ ...ai(0.9), bar: 0.5 }, { ...ai(0.9), bar: 3 }, { ...ai(0.1), bar: 0.5 }],
			{ onError: 'continueRegularOutput' },
		);
		expectEveryItemOnce(run, 3);
		expect(pairedPerOutput(run)).toEqual([[0], [1, 2]]);
		expect(jsonOf(run, REVIEW)[0]).toMatchObject({ error: 'Threshold must be between 0 and 1, got 3' });
		expect(jsonOf(run, REVIEW)[1]).not.toHaveProperty('error');
	});
});

describe('Continue (using error output)', () => {
	it('failed items leave on the error output, after the route outputs', async () => {
		const run = await route(
			{ threshold: '={{ $json.bar }}' },
			[{ ...ai(0.9), bar: 0.5 }, { ...ai(0.9), bar: 3 }, { ...ai(0.1), bar: 0.5 }],
			{ onError: 'continueErrorOutput' },
		);
		expect(run.outputs).toHaveLength(3);
		expectEveryItemOnce(run, 3);
		expect(pairedPerOutput(run)).toEqual([[0], [2], [1]]);
		// n8n adds back the fields of the input item.
		expect(jsonOf(run, 2)).toEqual([{ ...ai(0.9), bar: 3, error: 'Threshold must be between 0 and 1, got 3' }]);
	});

	it('in three-way mode the error output is the fourth', async () => {
		const run = await route({ mode: 'threeWay', threshold: 5 }, [ai(0.9)], { onError: 'continueErrorOutput' });
		expect(pairedPerOutput(run)).toEqual([[], [], [], [0]]);
	});
});
