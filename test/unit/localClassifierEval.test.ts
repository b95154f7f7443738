import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { trainClassifier } from '../../nodes/shared/localClassifier';
import { evaluateModel, limitPerLabel, splitStratified } from '../../lib/eval/classifyEval';
import { formatEvaluation, formatSummary, runClassifyEvaluation, runClassifyEvaluations } from '../../lib/eval/cli';
import { parseCsv, parseCsvRecords } from '../../lib/eval/csv';
import { supportCategories, supportTickets } from './fixtures/supportTickets';
import { offTopicTexts, supportTicketsMore } from './fixtures/supportTicketsMore';

describe('CSV reader', () => {
	it('handles quoted commas, doubled quotes, line breaks in quotes, CRLF and a byte-order mark', () => {
		const text = '\ufefftext,category\r\n"Hi, I was charged ""twice""",billing\r\n"line one\nline two",shipping\nplain,account_access\n';
		expect(parseCsv(text)).toEqual([
			['text', 'category'],
			['Hi, I was charged "twice"', 'billing'],
			['line one\nline two', 'shipping'],
			['plain', 'account_access'],
		]);
	});

	it('keeps empty fields and a last line without a line break', () => {
		expect(parseCsv('a,b\n,x\ny,')).toEqual([
			['a', 'b'],
			['', 'x'],
			['y', ''],
		]);
	});

	it('reports an unclosed quote and a row with the wrong number of fields', () => {
		expect(() => parseCsv('text,category\n"open,billing\n')).toThrow(/closing quote/);
		expect(() => parseCsvRecords('text,category\na,b,c\n')).toThrow(/row 2 has 3 fields but the header has 2/);
	});
});

describe('evaluation helpers', () => {
	it('splits per label and limits examples per label, reproducibly', () => {
		const { train, test } = splitStratified(supportTickets, 0.25, 1);
		expect(test).toHaveLength(9);
		expect(train).toHaveLength(27);
		for (const label of ['billing', 'shipping', 'account_access']) {
			expect(test.filter((row) => row.label === label)).toHaveLength(3);
		}
		expect(splitStratified(supportTickets, 0.25, 1)).toEqual({ train, test });
		const limited = limitPerLabel(supportTickets, 2, 1);
		expect(limited).toHaveLength(6);
	});

	it('computes accuracy, macro-F1, ECE and the confused pairs', () => {
		const model = trainClassifier(supportTickets, supportCategories);
		const rows = [
			{ text: 'refund my double charge', label: 'billing' },
			{ text: 'the courier lost my parcel', label: 'shipping' },
			// Deliberately mislabelled: the model will say billing.
			{ text: 'wrong invoice amount charged', label: 'account_access' },
			{ text: 'where is my package', label: 'returns' },
		];
		const report = evaluateModel(model, rows);
		expect(report.examples).toBe(4);
		expect(report.accuracy).toBeCloseTo(0.5, 10);
		expect(report.confusedPairs).toEqual(
			expect.arrayContaining([{ actual: 'account_access', predicted: 'billing', count: 1 }]),
		);
		expect(report.unknownTestLabels).toEqual(['returns']);
		expect(report.macroF1).toBeGreaterThan(0);
		expect(report.macroF1).toBeLessThan(1);
		expect(report.ece).toBeGreaterThanOrEqual(0);
	});
});

describe('eval classify command', () => {
	const folder = mkdtempSync(join(tmpdir(), 'eval-classify-'));
	const quote = (text: string) => `"${text.replace(/"/g, '""')}"`;
	const csv = (rows: { text: string; label: string }[]) =>
		['text,category', ...rows.map((row) => `${quote(row.text)},${row.label}`)].join('\n');

	it('trains on --train, tests on a --split of it and prints the metrics', () => {
		const path = join(folder, 'tickets.csv');
		writeFileSync(path, csv(supportTickets));
		const evaluation = runClassifyEvaluation(['--train', path, '--split', '0.25', '--seed', '3']);
		expect(evaluation.trainExamples).toBe(27);
		expect(evaluation.report.examples).toBe(9);
		const text = formatEvaluation(evaluation);
		expect(text).toMatch(/Accuracy: +\d+\.\d\d%/);
		expect(text).toMatch(/Macro-F1: +\d+\.\d\d%/);
		expect(text).toMatch(/ECE: +0\.\d{4}/);
	});

	it('uses --test when given and honours --per-class', () => {
		const trainPath = join(folder, 'train.csv');
		const testPath = join(folder, 'test.csv');
		writeFileSync(trainPath, csv(supportTickets));
		writeFileSync(testPath, csv(supportTickets.slice(0, 5)));
		const evaluation = runClassifyEvaluation(['--train', trainPath, '--test', testPath, '--per-class', '4']);
		expect(evaluation.trainExamples).toBe(12);
		expect(evaluation.report.examples).toBe(5);
	});

	it('--unknown: labels left out of training are out of scope; prints recall, accuracy against Fallback None and the trade-off curve', () => {
		const path = join(folder, 'open.csv');
		writeFileSync(path, csv([...supportTickets, ...supportTicketsMore]));
		const oosPath = join(folder, 'oos.csv');
		writeFileSync(oosPath, ['message', ...offTopicTexts].join('\n'));
		const evaluation = runClassifyEvaluation(['--train', path, '--split', '0.3', '--unknown', 'shipping', '--oos-test', oosPath, '--oos-text-column', 'message']);
		const openSet = evaluation.openSet!;
		expect(evaluation.labels).toBe(2);
		expect(openSet.unknownLabels).toEqual(['shipping']);
		expect(openSet.outOfScopeExamples).toBe(Math.round(24 * 0.3) + offTopicTexts.length);
		expect(openSet.inScopeExamples).toBe(evaluation.report.examples);
		expect(openSet.accuracyWithoutOther).toBe(evaluation.report.accuracy);
		expect(openSet.accuracy).toBeLessThanOrEqual(openSet.accuracyWithoutOther);
		expect(openSet.outOfScopeRecall).toBeGreaterThan(0);
		const thresholds = openSet.curve.map((point) => point.threshold);
		expect(thresholds).toEqual([...thresholds].sort((a, b) => a - b));
		// Along the curve, a higher threshold never gains accuracy nor loses recall.
		for (let i = 1; i < openSet.curve.length; i++) {
			expect(openSet.curve[i].accuracy).toBeLessThanOrEqual(openSet.curve[i - 1].accuracy);
			expect(openSet.curve[i].outOfScopeRecall).toBeGreaterThanOrEqual(openSet.curve[i - 1].outOfScopeRecall);
		}
		const fitted = openSet.curve.filter((point) => point.fitted);
		expect(fitted).toHaveLength(1);
		expect(fitted[0]).toMatchObject({ threshold: openSet.threshold, accuracy: openSet.accuracy, outOfScopeRecall: openSet.outOfScopeRecall });
		const text = formatEvaluation(evaluation);
		expect(text).toMatch(/Open set \(Fallback "Other", local-[0-9a-f]{16}\): \d+ in-scope, \d+ out-of-scope test texts/);
		expect(text).toMatch(/in-scope accuracy: +\d+\.\d\d% \(Fallback "None": \d+\.\d\d%/);
		expect(text).toMatch(/out-of-scope recall: \d+\.\d\d%/);
		expect(text).toMatch(/\n {3}\* +-?\d+\.\d{3} +\d+\.\d\d% +\d+\.\d\d%/);
	});

	it('--other-labels teaches Other from a label; --seeds runs each seed and prints the means; --option sets training options', () => {
		const path = join(folder, 'taught.csv');
		writeFileSync(path, csv([...supportTickets, ...supportTicketsMore]));
		const { runs } = runClassifyEvaluations(['--train', path, '--split', '0.3', '--other-labels', 'shipping', '--seeds', '1,2', '--option', 'openSetBudget=0.05']);
		expect(runs.map((run) => run.seed)).toEqual([1, 2]);
		// --split-seed keeps one held-out part: the same training rows and seed give the same model.
		const version = (args: string[]) => runClassifyEvaluation(['--train', path, '--split', '0.3', ...args]).modelVersion;
		expect(version(['--split-seed', '4', '--seeds', '4'])).toBe(version(['--seed', '4']));
		expect(version(['--split-seed', '1', '--seeds', '4'])).not.toBe(version(['--seed', '4']));
		expect(runs[0].openSet!.otherLabels).toEqual(['shipping']);
		expect(runs[0].openSet!.taughtRecall).toBeGreaterThan(0.5);
		expect(runs[0].openSet!.unseenRecall).toBeUndefined();
		expect(formatSummary(runs)).toMatch(/^Mean of 2 seeds \(1, 2\):\n {2}accuracy [\d.]+% \([\d.]+%–[\d.]+%\)[^\n]*\n {2}open set: in-scope accuracy/);
		expect(() => runClassifyEvaluations(['--train', path, '--option', 'budget=0.1'])).toThrow(/no training option "budget"/);
		expect(() => runClassifyEvaluations(['--train', path, '--unknown', 'returns'])).toThrow(/"returns" is not a label/);
		expect(() => runClassifyEvaluations(['--train', path, '--unknown', 'billing,shipping,account_access'])).toThrow(/Every label is unknown/);
	});

	it('explains a missing column', () => {
		const path = join(folder, 'wrong.csv');
		writeFileSync(path, 'message,intent\nhello,greeting\n');
		expect(() => runClassifyEvaluation(['--train', path])).toThrow(/has no "text" column \(header: message, intent\)/);
	});
});
