import { normaliseCategories } from '../../nodes/shared/classify/categories';
import { prepareText, readContext, ItemInputError } from '../../nodes/shared/classify/input';
import {
	booleanProbability,
	jsonValueOffset,
	keyDistribution,
	tokenAt,
} from '../../nodes/shared/classify/logprobs';
import { buildRequest, buildSystemPrompt, buildUserMessage, promptOptions } from '../../nodes/shared/classify/prompt';

const categories = normaliseCategories(
	[
		{ name: 'billing', description: 'Invoices and charges', examples: 'Why was I charged twice?\n\n' },
		{ name: 'refund', description: 'Money back' },
		{ name: 'technical', description: 'Bugs, errors' },
	],
	false,
);

describe('categories', () => {
	it('rejects no categories, unnamed and duplicate names with what to fix', () => {
		expect(() => normaliseCategories([], false)).toThrow(/No categories/);
		expect(() => normaliseCategories(undefined, false)).toThrow(/No categories/);
		expect(() => normaliseCategories([{ name: 'a' }, { name: ' ' }], false)).toThrow(/Category 2 has no name/);
		expect(() => normaliseCategories([{ name: 'Refund' }, { name: 'refund ' }], false)).toThrow(
			/Categories 1 and 2 are both named "refund"/,
		);
		expect(() => normaliseCategories([{ name: 'a' }, { name: 'other' }], true)).toThrow(/"Other" fallback/);
		expect(() => normaliseCategories([{ name: 'only' }], false)).toThrow(/Only one category/);
	});

	it('keeps examples one per line', () => {
		expect(categories[0].examples).toEqual(['Why was I charged twice?']);
	});
});

describe('prompt', () => {
	const spec = { categories, withOther: true, instructions: 'Chargebacks are billing.' };

	it('maps categories (and Other) to one-token number keys', () => {
		expect(promptOptions(spec)).toEqual([
			{ key: '1', label: 'billing' },
			{ key: '2', label: 'refund' },
			{ key: '3', label: 'technical' },
			{ key: '4', label: 'Other' },
		]);
	});

	it('keeps a static prefix: the item text appears only in the last message', () => {
		const a = buildRequest(spec, { model: 'm', shape: 'key', logprobs: true }, buildUserMessage('first text', {}));
		const b = buildRequest(spec, { model: 'm', shape: 'key', logprobs: true }, buildUserMessage('second text', { tier: 'gold' }));
		expect(a.messages[0]).toEqual(b.messages[0]);
		expect(JSON.stringify(a.messages[0])).not.toContain('first text');
		expect(a.messages[1].content).toBe('Text:\nfirst text');
		expect(b.messages[1].content).toBe('Context:\ntier: gold\n\nText:\nsecond text');
	});

	it('asks for one token with top_logprobs covering every category', () => {
		const request = buildRequest(spec, { model: 'm', shape: 'key', logprobs: true }, 'x');
		expect(request.max_tokens).toBe(1);
		expect(request.logprobs).toBe(true);
		expect(request.top_logprobs).toBe(4);
		expect(request.temperature).toBe(0);
		const system = buildSystemPrompt(spec, 'key');
		expect(system).toContain('1: billing — Invoices and charges');
		expect(system).toContain('Examples: "Why was I charged twice?"');
		expect(system).toContain('4: Other — the text fits none');
		expect(system).toContain('Chargebacks are billing.');
	});

	it('builds strict JSON schemas from zod for reasoning and multi-label answers', () => {
		const reasoning = buildRequest(spec, { model: 'm', shape: 'reasoningAndKey', logprobs: true }, 'x');
		expect(reasoning.response_format).toMatchObject({
			type: 'json_schema',
			json_schema: {
				strict: true,
				schema: {
					type: 'object',
					properties: { category: { enum: ['1', '2', '3', '4'] } },
					required: ['reasoning', 'category'],
					additionalProperties: false,
				},
			},
		});
		const multi = buildRequest(spec, { model: 'm', shape: 'multiLabel', logprobs: true }, 'x');
		// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the request body is untyped JSON
		expect((multi.response_format as any).json_schema.schema.properties['2']).toEqual({ type: 'boolean', description: 'refund — Money back' });
		expect(multi.top_logprobs).toBe(2);
	});
});

describe('logprobs', () => {
	const lp = Math.log;

	it('turns top_logprobs into a distribution over keys, normalising token spelling', () => {
		const d = keyDistribution(
			[
				{ token: '2', logprob: lp(0.7) },
				{ token: ' 2', logprob: lp(0.05) },
				{ token: '1', logprob: lp(0.15) },
				{ token: 'The', logprob: lp(0.05) },
				{ token: '3', logprob: lp(0.05) },
			],
			['1', '2', '3'],
		)!;
		expect(d['2']).toBeCloseTo(0.75 / 0.95, 6);
		expect(d['1']).toBeCloseTo(0.15 / 0.95, 6);
		expect(d['1'] + d['2'] + d['3']).toBeCloseTo(1, 9);
	});

	it('gives unlisted keys the leftover mass, never more than the least likely listed token', () => {
		const d = keyDistribution(
			[
				{ token: '1', logprob: lp(0.9) },
				{ token: '2', logprob: lp(0.02) },
			],
			['1', '2', '3', '4'],
		)!;
		// leftover 0.08 over 2 unseen keys = 0.04 each, capped at 0.02
		expect(d['3']).toBeCloseTo(0.02 / 0.96, 6);
		expect(d['1']).toBeCloseTo(0.9 / 0.96, 6);
	});

	it('returns undefined when no alternative is a key (garbage answer)', () => {
		expect(keyDistribution([{ token: 'Hello', logprob: 0 }], ['1', '2'])).toBeUndefined();
	});

	it('finds the token holding a JSON value and reads P(true)', () => {
		const content = '{"1":true,"2":false}';
		const tokens = [
			{ token: '{"', logprob: 0 },
			{ token: '1', logprob: 0 },
			{ token: '":', logprob: 0 },
			{ token: 'true', logprob: lp(0.8), top_logprobs: [{ token: 'true', logprob: lp(0.8) }, { token: 'false', logprob: lp(0.2) }] },
			{ token: ',"', logprob: 0 },
			{ token: '2', logprob: 0 },
			{ token: '":', logprob: 0 },
			{ token: 'false', logprob: lp(0.9), top_logprobs: [{ token: 'false', logprob: lp(0.9) }] },
			{ token: '}', logprob: 0 },
		];
		const t1 = tokenAt(tokens, jsonValueOffset(content, '1')!)!;
		expect(booleanProbability(t1)).toBeCloseTo(0.8, 9);
		const t2 = tokenAt(tokens, jsonValueOffset(content, '2')!)!;
		expect(booleanProbability(t2)).toBeCloseTo(0.1, 9);
		expect(jsonValueOffset('{"category":"3"}', 'category')).toBe(13);
	});
});

describe('item input', () => {
	const limits = { maxLength: 10, onLongText: 'truncate' as const };

	it('rejects non-string and empty text naming the item', () => {
		expect(() => prepareText(42, 3, limits)).toThrow('Item 3: the text to classify is a number, not a string');
		expect(() => prepareText(undefined, 0, limits)).toThrow('is nothing');
		expect(() => prepareText(null, 0, limits)).toThrow('is null');
		expect(() => prepareText(['a'], 0, limits)).toThrow('is an array');
		expect(() => prepareText('   ', 1, limits)).toThrow('Item 1: the text to classify is empty');
		try {
			prepareText('', 0, limits);
		} catch (error) {
			expect(error).toBeInstanceOf(ItemInputError);
			expect((error as ItemInputError).description).toMatch(/Text/);
		}
	});

	it('truncates long text with a flag, or fails by option', () => {
		expect(prepareText('0123456789abc', 0, limits)).toEqual({ text: '0123456789', truncated: true });
		expect(prepareText('short', 0, limits)).toEqual({ text: 'short', truncated: false });
		expect(() => prepareText('0123456789abc', 2, { maxLength: 10, onLongText: 'fail' })).toThrow(
			'Item 2: the text is 13 characters long, over the limit of 10',
		);
	});

	it('reads context fields by dot path and skips missing ones', () => {
		expect(readContext({ customer: { tier: 'gold' }, n: 3 }, 'customer.tier, n, missing.x')).toEqual({
			'customer.tier': 'gold',
			n: 3,
		});
		expect(readContext({ a: 1 }, '')).toEqual({});
	});
});
