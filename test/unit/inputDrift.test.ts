/**
 * The input-drift core: fixed bins, PSI with its epsilon, the per-group section and its alerts.
 * Expected values are written out by hand here (shares, logarithms), not taken from the product.
 */
import {
	driftLevel,
	inputDriftAlerts,
	inputDriftSection,
	lengthBin,
	psiOfCategories,
	psiOfCounts,
	unknownShareBin,
	unknownShareHundredth,
} from '../../nodes/shared/metrics/inputDrift';
import { inputStatistics } from '../../nodes/shared/metrics/events';
import { prepareInput } from '../../nodes/shared/prepare';
import type { Aggregates } from '../../nodes/shared/store/types';

const EPS = 0.0001;
const term = (p: number, q: number) => (p - q) * Math.log(p / q);

type Row = Aggregates['input'][number];
const row = (overrides: Partial<Row>): Row => ({
	workflowId: 'wf',
	nodeName: 'Metrics',
	step: 'triage',
	skipReason: null,
	lengthBin: 0,
	language: 'en',
	unknownHundredth: null,
	cleaned: null,
	count: 1,
	sumCharacters: 40,
	sumUnknownShare: 0,
	withRedaction: 0,
	redacted: 0,
	itemsWithRedaction: 0,
	...overrides,
});

describe('bins', () => {
	test('text length: inclusive upper edges 50, 100, 200, 500, 1000, 2000, 5000, 10000, then longer', () => {
		expect([0, 50, 51, 100, 101, 200, 201, 500, 999, 1000, 1001, 2000, 4999, 5000, 10000, 10001, 5_000_000].map(lengthBin)).toEqual([
			0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 8, 8,
		]);
	});

	test('unknown-token share: hundredths rounded down (0.29 stays 29), tenths with 1.0 in the last', () => {
		expect([0, 0.009, 0.1, 0.29, 0.57, 0.999, 1].map(unknownShareHundredth)).toEqual([0, 0, 10, 29, 57, 99, 100]);
		expect([0, 9, 10, 29, 99, 100].map(unknownShareBin)).toEqual([0, 0, 1, 2, 9, 9]);
	});
});

describe('PSI', () => {
	test('equal distributions: 0; either side empty: null', () => {
		expect(psiOfCounts([5, 5], [50, 50])).toBe(0);
		expect(psiOfCounts([0, 0], [1, 2])).toBeNull();
		expect(psiOfCategories({}, { en: 3 })).toBeNull();
	});

	test('shifted bins, by hand', () => {
		// 40 / 60 against 70 / 30.
		expect(psiOfCounts([4, 6], [7, 3])).toBeCloseTo(term(0.4, 0.7) + term(0.6, 0.3), 12);
		expect(psiOfCounts([4, 6], [7, 3])).toBeCloseTo(0.3 * Math.log(7 / 4) + 0.3 * Math.log(2), 12);
	});

	test('an empty bin is floored at 0.0001, not infinite', () => {
		// All in bin 0 before, all in bin 1 now.
		expect(psiOfCounts([0, 10], [10, 0])).toBeCloseTo(2 * (1 - EPS) * Math.log(1 / EPS), 9);
		expect(psiOfCounts([0, 10], [10, 0])).toBeCloseTo(18.4188, 3);
	});

	test('languages over the union of codes', () => {
		// en 90 %, de 10 % before; de 75 %, en 20 %, fr 5 % now.
		const expected = term(0.2, 0.9) + term(0.75, 0.1) + term(0.05, EPS);
		expect(psiOfCategories({ de: 15, en: 4, fr: 1 }, { en: 9, de: 1 })).toBeCloseTo(expected, 12);
	});

	test('levels: below 0.1 stable, from 0.1 notable, from 0.25 alert', () => {
		expect([null, 0, 0.0999, 0.1, 0.2499, 0.25, 3].map(driftLevel)).toEqual([null, 'stable', 'stable', 'notable', 'notable', 'alert', 'alert']);
	});
});

describe('section and alerts', () => {
	// Previous: 30 short English texts, 3 with quoted history removed. Current: 30 long German texts,
	// 24 with quoted history removed, 6 English.
	const previous = [
		row({ count: 27, lengthBin: 0, language: 'en', cleaned: false, sumCharacters: 27 * 40, unknownHundredth: 5, sumUnknownShare: 27 * 0.05 }),
		row({ count: 3, lengthBin: 1, language: 'en', cleaned: true, sumCharacters: 3 * 80, unknownHundredth: 5, sumUnknownShare: 3 * 0.05 }),
	];
	const current = [
		row({ count: 24, lengthBin: 5, language: 'de', cleaned: true, sumCharacters: 24 * 1500, unknownHundredth: 42, sumUnknownShare: 24 * 0.42, withRedaction: 24, redacted: 30, itemsWithRedaction: 20 }),
		row({ count: 6, lengthBin: 0, language: 'en', cleaned: false, sumCharacters: 6 * 40, unknownHundredth: 5, sumUnknownShare: 6 * 0.05, withRedaction: 6 }),
		row({ count: 2, skipReason: 'invalid_input', lengthBin: null, language: null, sumCharacters: 0 }),
		row({ workflowId: 'wf2', count: 3, language: 'nl' }),
	];

	test('per group figures, PSI by hand, a group without a previous window has no PSI', () => {
		const section = inputDriftSection(current, previous);
		expect(section.thresholds).toEqual({ notable: 0.1, alert: 0.25 });
		expect(section.skipped).toEqual({ invalid_input: 2, total: 2 });
		expect(section.groups.map((g) => g.workflowId)).toEqual(['wf', 'wf2']);
		const [g, other] = section.groups;
		expect(g.previous).toMatchObject({ items: 30, meanCharacters: 44, languages: { en: 30 }, cleaned: { items: 30, cleanedAway: 3, share: 0.1 } });
		expect(g.current).toMatchObject({
			items: 30,
			meanCharacters: (24 * 1500 + 6 * 40) / 30,
			languages: { de: 24, en: 6 },
			cleaned: { items: 30, cleanedAway: 24, share: 0.8 },
			redaction: { items: 30, values: 30, itemsWithRedaction: 20 },
			unknownTokenShare: { items: 30, median: 0.42, bins: [6, 0, 0, 0, 24, 0, 0, 0, 0, 0] },
		});
		expect(g.current!.unknownTokenShare.mean).toBeCloseTo((24 * 0.42 + 6 * 0.05) / 30, 6);
		expect(g.current!.lengthBins).toEqual([6, 0, 0, 0, 0, 24, 0, 0, 0]);
		// length: bin 0 0.9 → 0.2, bin 1 0.1 → ε, bin 5 ε → 0.8
		expect(g.psi.length).toBeCloseTo(term(0.2, 0.9) + term(EPS, 0.1) + term(0.8, EPS), 9);
		expect(g.psi.language).toBeCloseTo(term(0.8, EPS) + term(0.2, 1), 9);
		expect(g.psi.unknownTokenShare).toBeCloseTo(term(0.2, 1) + term(0.8, EPS), 9);
		expect(g.psi.cleaned).toBeCloseTo(term(0.8, 0.1) + term(0.2, 0.9), 9);
		expect(g.levels).toEqual({ length: 'alert', language: 'alert', unknownTokenShare: 'alert', cleaned: 'alert' });
		expect(other).toMatchObject({ previous: null, psi: { length: null, language: null, unknownTokenShare: null, cleaned: null } });
		expect(other.levels.language).toBeNull();

		const alerts = inputDriftAlerts(section, 30);
		expect(alerts.map((a) => [a.type, a.severity])).toEqual([
			['input_length_psi', 'critical'],
			['input_language_psi', 'critical'],
			['input_unknown_tokens_psi', 'critical'],
			['input_cleaned_psi', 'critical'],
		]);
		expect(alerts[1]).toMatchObject({ threshold: 0.25, group: { workflowId: 'wf', nodeName: 'Metrics', step: 'triage' } });
		expect(alerts[1].message).toMatch(/^Language mix of wf \/ Metrics \/ triage changed \(PSI \d+\.\d{3}\): en 100\.0% → de 80\.0%, en 20\.0%$/);
		// Fewer than the minimum sample in a window: figures, but no alert.
		expect(inputDriftAlerts(section, 31)).toEqual([]);
	});

	test('a notable change (0.1 ≤ PSI < 0.25) is a warning', () => {
		// cleaned share 10 % → 25 %: PSI = term(0.25, 0.1) + term(0.75, 0.9) ≈ 0.165
		const cleaned = (away: number) => [row({ count: away, cleaned: true }), row({ count: 40 - away, cleaned: false })];
		const section = inputDriftSection(cleaned(10), cleaned(4));
		const expected = term(0.25, 0.1) + term(0.75, 0.9);
		expect(expected).toBeGreaterThan(0.1);
		expect(expected).toBeLessThan(0.25);
		expect(section.groups[0].psi.cleaned).toBeCloseTo(expected, 12);
		expect(inputDriftAlerts(section, 30)).toEqual([
			expect.objectContaining({ type: 'input_cleaned_psi', severity: 'warning', threshold: 0.1, current: expect.closeTo(expected, 12) }),
		]);
	});

	test('no input data in either window: a note, no groups, no zeros', () => {
		expect(inputDriftSection([], [])).toMatchObject({ note: 'no input data', groups: [], skipped: { total: 0 } });
		const onlyPrevious = inputDriftSection([], previous);
		expect(onlyPrevious.groups[0]).toMatchObject({ current: null, psi: { length: null } });
		expect(onlyPrevious.note).toBeUndefined();
	});
});

describe('reading ai.input', () => {
	const valid = {
		characters: 1834,
		language: 'de',
		text: 'Guten Tag …',
		cleaned: { html: false, quotedHistory: true, signature: false, disclaimer: false, unicode: true, removedCharacters: 912 },
		redacted: { email: 2, iban: 1 },
		unknownTokenShare: 0.31,
	};

	test('sizes, language, cleaned away, redaction total — never the text', () => {
		expect(inputStatistics(valid)).toEqual({ inputCharacters: 1834, inputLanguage: 'de', inputUnknownTokenShare: 0.31, inputCleaned: true, inputRedacted: 3 });
		// Only Unicode normalised: nothing was cleaned away.
		expect(inputStatistics({ ...valid, cleaned: { ...valid.cleaned, quotedHistory: false } }).inputCleaned).toBe(false);
		expect(inputStatistics({ characters: 12, language: 'en' })).toEqual({ inputCharacters: 12, inputLanguage: 'en' });
		expect(inputStatistics(undefined)).toEqual({});
	});

	test('what prepareInput writes (every redaction kind, zeros included) and a hand-built partial redaction both count', () => {
		const email = 'Hello,\n\nplease refund invoice 123 to DE89370400440532013000, mail me at anna@example.com.\n\nOn Mon, 2 Nov 2026 at 10:00, Support <help@shop.example> wrote:\n> Your order shipped.\n';
		const { input } = prepareInput(email, { clean: 'message', redaction: {} });
		const stats = inputStatistics(input);
		expect(stats.inputSkipReason).toBeUndefined();
		expect(stats).toMatchObject({ inputCharacters: input.characters, inputLanguage: input.language, inputCleaned: true });
		expect(stats.inputRedacted).toBe(Object.values(input.redacted!).reduce((a, b) => a + b, 0));
		expect(stats.inputRedacted).toBeGreaterThanOrEqual(2);
		expect(inputStatistics({ ...valid, redacted: { email: 1 } }).inputRedacted).toBe(1);
	});

	test('wrong types: skipped with a reason', () => {
		for (const bad of [
			'long text',
			{ ...valid, characters: '1834' },
			{ ...valid, characters: -1 },
			{ ...valid, language: 7 },
			{ ...valid, unknownTokenShare: 1.5 },
			{ ...valid, cleaned: { quotedHistory: 'yes' } },
			{ ...valid, redacted: { email: 'two' } },
		]) {
			expect(inputStatistics(bad)).toEqual({ inputSkipReason: 'invalid_input' });
		}
	});
});
