import {
	decideRoute,
	defaultSampleKey,
	isSampled,
	parseConfidence,
	validateRouterConfig,
	type RouterConfig,
} from '../../../nodes/shared/routing/route';
import { routeSchema } from '../../../nodes/shared/contract';

const twoWay: RouterConfig = { mode: 'twoWay', threshold: 0.8, rejectBelow: 0, labelThresholds: {}, auditPercent: 0 };
const threeWay: RouterConfig = { ...twoWay, mode: 'threeWay', rejectBelow: 0.4 };
const route = (confidence: unknown, config: RouterConfig, extra: Partial<Parameters<typeof decideRoute>[0]> = {}) =>
	decideRoute({ confidence, alwaysReview: false, sampleKey: 'k', ...extra }, config);

describe('thresholds', () => {
	it('sends items at or above the threshold to auto, below to review', () => {
		expect(route(0.8, twoWay)).toMatchObject({ path: 'auto', threshold: 0.8 });
		expect(route(0.95, twoWay).path).toBe('auto');
		expect(route(0.7999, twoWay)).toMatchObject({ path: 'review', threshold: 0.8 });
		expect(route(0, twoWay).path).toBe('review');
	});

	it('rejects below rejectBelow only in three-way mode', () => {
		expect(route(0.39, threeWay)).toMatchObject({ path: 'reject', threshold: 0.4 });
		expect(route(0.4, threeWay).path).toBe('review');
		expect(route(0.39, twoWay).path).toBe('review');
		expect(route(0.9, threeWay).path).toBe('auto');
	});

	it('writes a route that satisfies the contract, with a reason', () => {
		for (const confidence of [0.1, 0.5, 0.9, 'x', undefined]) {
			const result = route(confidence, threeWay);
			expect(routeSchema.parse(result)).toEqual(result);
			expect(result.reason.length).toBeGreaterThan(5);
		}
	});

	it('accepts numeric strings from expressions', () => {
		expect(route('0.91', twoWay).path).toBe('auto');
	});

	it('refuses impossible configurations', () => {
		expect(() => validateRouterConfig({ ...twoWay, threshold: 1.2 })).toThrow(/between 0 and 1/);
		expect(() => validateRouterConfig({ ...threeWay, rejectBelow: 0.9 })).toThrow(/must not be above/);
		expect(() => validateRouterConfig({ ...twoWay, labelThresholds: { refund: -1 } })).toThrow(/refund/);
		expect(() => validateRouterConfig({ ...twoWay, auditPercent: 101 })).toThrow(/Audit/);
		expect(() => validateRouterConfig(threeWay)).not.toThrow();
	});
});

describe('per-label thresholds', () => {
	const config = { ...twoWay, labelThresholds: { refund: 0.97 } };

	it('applies the label threshold instead of the global one', () => {
		expect(route(0.95, config, { label: 'refund' })).toMatchObject({ path: 'review', threshold: 0.97 });
		expect(route(0.97, config, { label: 'refund' })).toMatchObject({ path: 'auto', threshold: 0.97 });
		expect(route(0.95, config, { label: 'billing' })).toMatchObject({ path: 'auto', threshold: 0.8 });
		expect(route(0.95, config, { label: 'refund' }).reason).toMatch(/refund/);
	});

	it('can lower the bar for a label too', () => {
		const lenient = { ...twoWay, labelThresholds: { spam: 0.5 } };
		expect(route(0.6, lenient, { label: 'spam' }).path).toBe('auto');
	});
});

describe('always-review conditions', () => {
	it('send even very confident items to review', () => {
		expect(route(0.99, twoWay, { alwaysReview: true })).toMatchObject({ path: 'review' });
		expect(route(0.99, twoWay, { alwaysReview: true }).reason).toMatch(/always review/);
	});

	it('win over reject in three-way mode', () => {
		expect(route(0.1, threeWay, { alwaysReview: true }).path).toBe('review');
	});
});

describe('bad confidence', () => {
	it.each([
		[undefined, /missing/],
		[null, /missing/],
		['', /missing/],
		[Number.NaN, /not a number/],
		['high', /not a number/],
		[{}, /not a number/],
		[1.5, /out of range/],
		[-0.1, /out of range/],
		[Number.POSITIVE_INFINITY, /out of range/],
	])('%p goes to review with the reason', (confidence, reason) => {
		const result = route(confidence, threeWay);
		expect(result.path).toBe('review');
		expect(result.reason).toMatch(reason);
	});

	it('parses good values', () => {
		expect(parseConfidence(0)).toEqual({ ok: true, value: 0 });
		expect(parseConfidence(' 1 ')).toEqual({ ok: true, value: 1 });
	});
});

describe('audit sampling', () => {
	const audited = { ...twoWay, auditPercent: 10 };

	it('is deterministic by item key', () => {
		for (let i = 0; i < 200; i++) {
			const first = route(0.95, audited, { sampleKey: `ticket-${i}` });
			const again = route(0.95, audited, { sampleKey: `ticket-${i}` });
			expect(again).toEqual(first);
		}
	});

	it('samples about the configured share of confident items', () => {
		const n = 20000;
		let sampled = 0;
		for (let i = 0; i < n; i++) {
			const result = route(0.95, audited, { sampleKey: `item-${i}` });
			if (result.sampled) {
				sampled++;
				expect(result.path).toBe('review');
			}
		}
		// 10 % ± 4 standard deviations (σ ≈ 0.21 % at n = 20000).
		expect(sampled / n).toBeGreaterThan(0.1 - 0.0085);
		expect(sampled / n).toBeLessThan(0.1 + 0.0085);
	});

	it('only samples items that would have gone auto', () => {
		const all = { ...twoWay, auditPercent: 100 };
		expect(route(0.5, all).sampled).toBeUndefined();
		expect(route(0.9, all)).toMatchObject({ path: 'review', sampled: true });
		expect(isSampled('anything', 0)).toBe(false);
	});

	it('samples nested rates consistently (a key sampled at 5 % is sampled at 10 %)', () => {
		for (let i = 0; i < 2000; i++) {
			if (isSampled(`k${i}`, 5)) expect(isSampled(`k${i}`, 10)).toBe(true);
		}
	});

	it('default key ignores what a run adds (ai timestamps, route, review)', () => {
		const a = defaultSampleKey({ text: 'hi', id: 3, ai: { at: '2026-01-01' } });
		const b = defaultSampleKey({ id: 3, text: 'hi', ai: { at: '2026-02-02' }, route: { path: 'auto' } });
		expect(a).toBe(b);
		expect(defaultSampleKey({ text: 'other' })).not.toBe(a);
	});
});
