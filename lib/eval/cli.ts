#!/usr/bin/env node
/**
 * `n8n-ai-workflow-eval classify --train <csv> [--test <csv>]`: trains the local classifier and
 * prints accuracy, macro-F1, ECE and the most confused label pairs on held-out data; with --unknown
 * (labels left out of training as out-of-scope texts) also the open set: in-scope accuracy with and
 * without "Other", out-of-scope recall and their trade-off curve. --seeds repeats it over several
 * splits and prints the means.
 * `n8n-ai-workflow-eval invoice <folder>`: runs the local invoice extractor on documents with expected
 * values beside them and prints per-field accuracy and field-confidence ECE.
 */
import { existsSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { trainClassifier, trainOptionNames, type CategoryDefinition, type TrainOptions } from '../../nodes/shared/localClassifier';
import { createRandom, shuffleInPlace } from '../../nodes/shared/localClassifier/random';
import {
	evaluateModel,
	limitPerLabel,
	readLabelledCsv,
	splitStratified,
	type EvaluationReport,
	type LabelledRow,
} from './classifyEval';
import { evaluateOpenSet, type OpenSetReport } from './classifyOpenSet';
import { parseCsvRecords } from './csv';
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
  --seeds <n,n,…>        run once per seed (split, sample, training) and print the means
  --split-seed <n>       keep the split of this seed whatever --seed/--seeds (one held-out part)
  --option <name=value>  a training option, e.g. --option openSetBudget=0.02 (repeatable)
  --json                 print the report as JSON

Open set (Fallback "Other"): labels treated as unknown leave training; their test texts are
out of scope and should come out "Other".
  --unknown <a,b,…>      labels to treat as unknown
  --unknown-share <f>    or a seeded random share of the labels (e.g. 0.25)
  --other-labels <a,b,…> labels whose training texts are given as examples of "Other" (their test
                         texts are out of scope too; recall is reported apart)
  --oos-test <csv>       more out-of-scope texts (every row; --oos-text-column, default --text-column)`;

export interface ClassifyEvaluation {
	trainExamples: number;
	labels: number;
	modelVersion: string;
	trainSeconds: number;
	calibrationSeconds: number;
	temperature: number;
	crossValidatedAccuracy?: number;
	report: EvaluationReport;
	seed: number;
	openSet?: OpenSetReport & { unknownLabels: string[]; otherLabels: string[]; modelVersion: string };
}

export const OTHER_LABEL = 'Other';

/** The first run of `runClassifyEvaluations` (one seed unless --seeds). */
export function runClassifyEvaluation(argv: string[]): ClassifyEvaluation & { json: boolean } {
	const { json, runs } = runClassifyEvaluations(argv);
	return { ...runs[0], json };
}

export function runClassifyEvaluations(argv: string[]): { json: boolean; runs: ClassifyEvaluation[] } {
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
			seeds: { type: 'string' },
			'split-seed': { type: 'string' },
			option: { type: 'string', multiple: true, default: [] },
			unknown: { type: 'string' },
			'unknown-share': { type: 'string' },
			'other-labels': { type: 'string' },
			'oos-test': { type: 'string' },
			'oos-text-column': { type: 'string' },
			json: { type: 'boolean', default: false },
		},
		strict: true,
	});
	if (!values.train) throw new UsageError('--train <csv> is required');
	const seeds = values.seeds
		? values.seeds.split(',').map((seed) => parseNumber('--seeds', seed.trim(), Number.isInteger))
		: [parseNumber('--seed', values.seed, Number.isInteger)];
	const split = parseNumber('--split', values.split, (value) => value > 0 && value < 1);
	const splitSeed = values['split-seed'] === undefined ? undefined : parseNumber('--split-seed', values['split-seed'], Number.isInteger);
	const read = (path: string) => readLabelledCsv(path, values['text-column'], values['label-column']);
	const allRows = read(values.train);
	const testRows = values.test ? read(values.test) : undefined;
	const perClass =
		values['per-class'] === undefined
			? undefined
			: parseNumber('--per-class', values['per-class'], (value) => Number.isInteger(value) && value > 0);
	const unknownShare =
		values['unknown-share'] === undefined
			? undefined
			: parseNumber('--unknown-share', values['unknown-share'], (value) => value > 0 && value < 1);
	const oosRows = values['oos-test'] ? readTexts(values['oos-test'], values['oos-text-column'] ?? values['text-column']) : [];
	const trainOptions = parseTrainOptions(values.option ?? []);
	const listed = (text: string | undefined) => (text ?? '').split(',').map((label) => label.trim()).filter((label) => label !== '');
	const otherLabels = listed(values['other-labels']);
	const knownLabels = new Set(allRows.map((row) => row.label));
	for (const label of [...listed(values.unknown), ...otherLabels]) {
		if (!knownLabels.has(label)) throw new UsageError(`--unknown/--other-labels: "${label}" is not a label of ${values.train}`);
	}
	const openSet = values.unknown !== undefined || unknownShare !== undefined || otherLabels.length > 0 || oosRows.length > 0;

	const runs = seeds.map((seed) => {
		let train: LabelledRow[] = allRows;
		let test: LabelledRow[];
		if (testRows) test = testRows;
		else ({ train, test } = splitStratified(train, split, splitSeed ?? seed));
		if (test.length === 0) throw new UsageError('No test examples: give --test or a larger --split');
		const unknown = new Set(values.unknown !== undefined ? listed(values.unknown) : unknownShare ? randomLabels(knownLabels, unknownShare, seed, otherLabels) : []);
		const outOfScope = new Set([...unknown, ...otherLabels]);
		if (outOfScope.size >= knownLabels.size) throw new UsageError('Every label is unknown: leave at least one label in scope');
		const inScopeTrain = train.filter((row) => !outOfScope.has(row.label));
		const limit = (rows: LabelledRow[]) => (perClass === undefined ? rows : limitPerLabel(rows, perClass, seed));
		const fallbackNone = limit(inScopeTrain);
		const categories = values.categories
			? readCategories(values.categories).filter((category) => !outOfScope.has(category.name))
			: [...new Set(fallbackNone.map((row) => row.label))].map((name) => ({ name }));
		const model = trainClassifier(fallbackNone, categories, { seed, ...trainOptions });
		const inScopeTest = test.filter((row) => !outOfScope.has(row.label));
		const evaluation: ClassifyEvaluation = {
			seed,
			trainExamples: fallbackNone.length,
			labels: model.labels.length,
			modelVersion: model.version,
			trainSeconds: model.metrics.trainMs / 1000,
			calibrationSeconds: model.metrics.calibrationMs / 1000,
			temperature: model.temperature,
			crossValidatedAccuracy: model.metrics.cvAccuracy,
			report: evaluateModel(model, openSet ? inScopeTest : test),
		};
		if (!openSet) return evaluation;
		const taught = limit(train.filter((row) => otherLabels.includes(row.label))).map((row) => ({ text: row.text, label: OTHER_LABEL }));
		const withOther = trainClassifier([...fallbackNone, ...taught], [...categories, { name: OTHER_LABEL }], {
			seed,
			...trainOptions,
			openSetLabel: OTHER_LABEL,
		});
		const outOfScopeTest = [
			...test.filter((row) => outOfScope.has(row.label)).map((row) => ({ ...row, taught: otherLabels.includes(row.label) })),
			...oosRows,
		];
		evaluation.openSet = {
			...evaluateOpenSet(withOther, model, inScopeTest, outOfScopeTest),
			unknownLabels: [...unknown],
			otherLabels,
			modelVersion: withOther.version,
		};
		return evaluation;
	});
	return { json: values.json ?? false, runs };
}

/** Every non-empty text of a CSV column, as out-of-scope rows (no label needed). */
function readTexts(path: string, column: string): LabelledRow[] {
	if (!existsSync(path)) throw new UsageError(`${path} does not exist: give the path of a CSV file`);
	const { header, records } = parseCsvRecords(readFileSync(path, 'utf8'));
	if (!header.includes(column)) throw new UsageError(`${path} has no "${column}" column (header: ${header.join(', ')})`);
	return records.filter((record) => record[column].trim() !== '').map((record) => ({ text: record[column], label: OTHER_LABEL }));
}

/** A seeded share of the labels (not those given as examples of Other). */
function randomLabels(labels: Set<string>, share: number, seed: number, exclude: string[]): string[] {
	const candidates = [...labels].filter((label) => !exclude.includes(label)).sort();
	shuffleInPlace(candidates, createRandom(seed * 7919));
	return candidates.slice(0, Math.max(1, Math.round(labels.size * share)));
}

function parseTrainOptions(options: string[]): TrainOptions {
	const parsed: Record<string, number | boolean> = {};
	for (const option of options) {
		const match = /^([A-Za-z]+)=(.+)$/.exec(option);
		if (!match) throw new UsageError(`--option ${option}: expected name=value, e.g. openSetBudget=0.02`);
		const [, name, text] = match;
		if (!trainOptionNames.includes(name as keyof TrainOptions)) {
			throw new UsageError(`--option ${option}: no training option "${name}" (options: ${trainOptionNames.join(', ')})`);
		}
		const value = text === 'true' ? true : text === 'false' ? false : Number(text);
		if (typeof value === 'number' && Number.isNaN(value)) throw new UsageError(`--option ${option}: the value must be a number or true/false`);
		parsed[name] = value;
	}
	return parsed as TrainOptions;
}

export function formatEvaluation(evaluation: ClassifyEvaluation): string {
	const { report } = evaluation;
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
	if (evaluation.openSet) lines.push(...formatOpenSet(evaluation.openSet));
	return lines.join('\n');
}

const percent = (value: number) => `${(value * 100).toFixed(2)}%`;

function formatOpenSet(openSet: NonNullable<ClassifyEvaluation['openSet']>): string[] {
	const lines = [
		`Open set (Fallback "Other", ${openSet.modelVersion}): ${openSet.inScopeExamples} in-scope, ${openSet.outOfScopeExamples} out-of-scope test texts`,
	];
	if (openSet.unknownLabels.length > 0) lines.push(`  unknown labels (${openSet.unknownLabels.length}): ${openSet.unknownLabels.join(', ')}`);
	if (openSet.otherLabels.length > 0) lines.push(`  taught as Other (${openSet.otherLabels.length}): ${openSet.otherLabels.join(', ')}`);
	lines.push(
		`  in-scope accuracy:  ${percent(openSet.accuracy)} (Fallback "None": ${percent(openSet.accuracyWithoutOther)}, ` +
			`${((openSet.accuracy - openSet.accuracyWithoutOther) * 100).toFixed(2)} points)`,
		`  out-of-scope recall: ${percent(openSet.outOfScopeRecall)}` +
			(openSet.taughtRecall !== undefined
				? ` (taught labels ${percent(openSet.taughtRecall)}, unseen ${percent(openSet.unseenRecall ?? 0)})`
				: ''),
		`  Other precision:    ${percent(openSet.otherPrecision)}`,
		`  ECE:                ${openSet.ece.toFixed(4)} all texts, ${openSet.inScopeEce.toFixed(4)} in-scope`,
		'  trade-off (threshold on the open-set score; * = fitted on held-out folds):',
		'     threshold   in-scope acc.   OOS recall',
	);
	for (const point of openSet.curve) {
		lines.push(
			`   ${point.fitted ? '*' : ' '} ${point.threshold.toFixed(3).padStart(9)}   ${percent(point.accuracy).padStart(12)}   ${percent(point.outOfScopeRecall).padStart(10)}`,
		);
	}
	return lines;
}

/** Means over the runs of several seeds. */
export function formatSummary(runs: ClassifyEvaluation[]): string {
	const mean = (values: number[]) => values.reduce((sum, value) => sum + value, 0) / Math.max(1, values.length);
	const spread = (values: number[]) => `${percent(mean(values))} (${percent(Math.min(...values))}–${percent(Math.max(...values))})`;
	const lines = [
		`Mean of ${runs.length} seeds (${runs.map((run) => run.seed).join(', ')}):`,
		`  accuracy ${spread(runs.map((run) => run.report.accuracy))}, ECE ${mean(runs.map((run) => run.report.ece)).toFixed(4)}, ` +
			`train ${mean(runs.map((run) => run.trainSeconds)).toFixed(2)} s`,
	];
	const openSets = runs.flatMap((run) => (run.openSet ? [run.openSet] : []));
	if (openSets.length > 0) {
		lines.push(
			`  open set: in-scope accuracy ${spread(openSets.map((o) => o.accuracy))} against ${spread(openSets.map((o) => o.accuracyWithoutOther))} ` +
				`without Other (${(mean(openSets.map((o) => o.accuracy - o.accuracyWithoutOther)) * 100).toFixed(2)} points); ` +
				`out-of-scope recall ${spread(openSets.map((o) => o.outOfScopeRecall))}; ECE ${mean(openSets.map((o) => o.ece)).toFixed(4)} all, ` +
				`${mean(openSets.map((o) => o.inScopeEce)).toFixed(4)} in-scope`,
		);
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
		const { json, runs } = runClassifyEvaluations(rest);
		const text = runs.map(formatEvaluation).join('\n\n') + (runs.length > 1 ? `\n\n${formatSummary(runs)}` : '');
		process.stdout.write(`${json ? JSON.stringify(runs.length === 1 ? runs[0] : runs, null, 2) : text}\n`);
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
