#!/usr/bin/env node
/**
 * `n8n-ai-workflow-eval classify --train <csv> [--test <csv>]`: trains the local classifier and
 * prints accuracy, macro-F1, ECE and the most confused label pairs on held-out data.
 * `n8n-ai-workflow-eval invoice <folder>`: runs the local invoice extractor on documents with expected
 * values beside them and prints per-field accuracy and field-confidence ECE.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { trainClassifier, type CategoryDefinition } from '../../nodes/shared/localClassifier';
import {
	evaluateModel,
	limitPerLabel,
	readLabelledCsv,
	splitStratified,
	type EvaluationReport,
	type LabelledRow,
} from './classifyEval';
import { runInvoiceEvaluation } from './invoiceEval';

const usage = `Usage: n8n-ai-workflow-eval classify --train <csv> [options]

  --train <csv>          labelled examples (header with text and label columns)
  --test <csv>           held-out examples; without it, --split carves them out of --train
  --split <fraction>     share of --train held out per label when no --test is given (default 0.2)
  --seed <n>             seed of the split, the per-class sample and training (default 1)
  --per-class <n>        train on at most n examples per label
  --text-column <name>   default "text"
  --label-column <name>  default "category"
  --categories <json>    category names (and descriptions): ["a", …] or [{"name", "description"}, …]
  --json                 print the report as JSON`;

export interface ClassifyEvaluation {
	trainExamples: number;
	labels: number;
	modelVersion: string;
	trainSeconds: number;
	calibrationSeconds: number;
	temperature: number;
	crossValidatedAccuracy?: number;
	report: EvaluationReport;
}

export function runClassifyEvaluation(argv: string[]): ClassifyEvaluation & { json: boolean } {
	const { values } = parseArgs({
		args: argv,
		options: {
			train: { type: 'string' },
			test: { type: 'string' },
			split: { type: 'string', default: '0.2' },
			seed: { type: 'string', default: '1' },
			'per-class': { type: 'string' },
			'text-column': { type: 'string', default: 'text' },
			'label-column': { type: 'string', default: 'category' },
			categories: { type: 'string' },
			json: { type: 'boolean', default: false },
		},
		strict: true,
	});
	if (!values.train) throw new UsageError('--train <csv> is required');
	const seed = parseNumber('--seed', values.seed, Number.isInteger);
	const split = parseNumber('--split', values.split, (value) => value > 0 && value < 1);
	const read = (path: string) => readLabelledCsv(path, values['text-column'], values['label-column']);

	let train: LabelledRow[] = read(values.train);
	let test: LabelledRow[];
	if (values.test) test = read(values.test);
	else ({ train, test } = splitStratified(train, split, seed));
	if (values['per-class'] !== undefined) {
		const perClass = parseNumber('--per-class', values['per-class'], (value) => Number.isInteger(value) && value > 0);
		train = limitPerLabel(train, perClass, seed);
	}
	if (test.length === 0) throw new UsageError('No test examples: give --test or a larger --split');

	const categories = values.categories
		? readCategories(values.categories)
		: [...new Set(train.map((row) => row.label))].map((name) => ({ name }));
	const model = trainClassifier(train, categories, { seed });
	return {
		json: values.json ?? false,
		trainExamples: train.length,
		labels: model.labels.length,
		modelVersion: model.version,
		trainSeconds: model.metrics.trainMs / 1000,
		calibrationSeconds: model.metrics.calibrationMs / 1000,
		temperature: model.temperature,
		crossValidatedAccuracy: model.metrics.cvAccuracy,
		report: evaluateModel(model, test),
	};
}

export function formatEvaluation(evaluation: ClassifyEvaluation): string {
	const { report } = evaluation;
	const percent = (value: number) => `${(value * 100).toFixed(2)}%`;
	const lines = [
		`Trained ${evaluation.modelVersion} on ${evaluation.trainExamples} examples, ${evaluation.labels} labels ` +
			`in ${evaluation.trainSeconds.toFixed(2)} s (of which calibration ${evaluation.calibrationSeconds.toFixed(2)} s), ` +
			`temperature ${evaluation.temperature.toFixed(3)}`,
		`Test examples: ${report.examples}`,
		`Accuracy:      ${percent(report.accuracy)}`,
		`Macro-F1:      ${percent(report.macroF1)}`,
		`ECE:           ${report.ece.toFixed(4)} (mean confidence ${percent(report.meanConfidence)})`,
		`Speed:         ${Math.round(report.itemsPerSecond)} items/s`,
	];
	if (report.unknownTestLabels.length > 0) {
		lines.push(`Test labels never seen in training (always wrong): ${report.unknownTestLabels.join(', ')}`);
	}
	if (report.confusedPairs.length > 0) {
		lines.push('Most confused (actual → predicted):');
		for (const pair of report.confusedPairs) lines.push(`  ${String(pair.count).padStart(4)}  ${pair.actual} → ${pair.predicted}`);
	}
	return lines.join('\n');
}

class UsageError extends Error {}

function parseNumber(flag: string, text: string | undefined, valid: (value: number) => boolean): number {
	const value = Number(text);
	if (text === undefined || Number.isNaN(value) || !valid(value)) throw new UsageError(`${flag} has an invalid value: ${text}`);
	return value;
}

function readCategories(path: string): CategoryDefinition[] {
	const parsed: unknown = JSON.parse(readFileSync(path, 'utf8'));
	if (!Array.isArray(parsed)) throw new UsageError(`${path} must hold a JSON array of category names or {name, description}`);
	return parsed.map((entry) => (typeof entry === 'string' ? { name: entry } : (entry as CategoryDefinition)));
}

export async function main(argv: string[]): Promise<number> {
	const [command, ...rest] = argv;
	if (command === 'invoice') {
		try {
			return await runInvoiceEvaluation(argv);
		} catch (error) {
			process.stderr.write(`eval invoice: ${(error as Error).message}\n`);
			return 1;
		}
	}
	if (command !== 'classify' || rest.includes('--help')) {
		process.stderr.write(`${usage}\n`);
		return command === 'classify' || command === '--help' || command === undefined ? 0 : 2;
	}
	try {
		const evaluation = runClassifyEvaluation(rest);
		const { json, ...result } = evaluation;
		process.stdout.write(`${json ? JSON.stringify(result, null, 2) : formatEvaluation(result)}\n`);
		return 0;
	} catch (error) {
		const message = (error as Error).message;
		process.stderr.write(`eval classify: ${message}\n`);
		if (error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
			process.stderr.write(`${usage}\n`);
			return 2;
		}
		return 1;
	}
}

if (require.main === module) void main(process.argv.slice(2)).then((code) => (process.exitCode = code));
