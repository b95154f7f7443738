import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { trainClassifier } from '../../nodes/shared/localClassifier';
import { evaluateModel, limitPerLabel, splitStratified } from '../../lib/eval/classifyEval';
import { formatEvaluation, runClassifyEvaluation } from '../../lib/eval/cli';
import { parseCsv, parseCsvRecords } from '../../lib/eval/csv';
import { supportCategories, supportTickets } from './fixtures/supportTickets';

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

	it('explains a missing column', () => {
		const path = join(folder, 'wrong.csv');
		writeFileSync(path, 'message,intent\nhello,greeting\n');
		expect(() => runClassifyEvaluation(['--train', path])).toThrow(/has no "text" column \(header: message, intent\)/);
	});
});
