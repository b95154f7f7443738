/**
 * Speed of the local classifier: training on 10,000 examples (final fit and calibration reported
 * apart) and classification throughput on one core, without and with the open-set label "Other"
 * (Fallback "Other": its threshold is fitted on the same held-out folds). Wall and CPU time, best of several runs, since
 * the machine may be shared. Run after a build, on Node 24 (which runs this file as is):
 *   npm run build && node scripts/bench-local-classifier.ts [--data <csv>] [--runs 3]
 */
// Required, not imported: Node runs this file as CommonJS, and imports would make it a module.
import { parseArgs } from 'node:util';

type Classifier = typeof import('../nodes/shared/localClassifier');
type Evaluation = typeof import('../lib/eval/classifyEval');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const classifier: Classifier = require('../dist/nodes/shared/localClassifier');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const evaluation: Evaluation = require('../dist/lib/eval/classifyEval');

const { values } = parseArgs({
	options: {
		data: { type: 'string', default: '../shared/data/banking77/train.csv' },
		runs: { type: 'string', default: '3' },
		examples: { type: 'string', default: '10000' },
	},
});
const runs = Number(values.runs);
const rows = evaluation.readLabelledCsv(values.data!).slice(0, Number(values.examples));
const categories = [...new Set(rows.map((row) => row.label))].map((name) => ({ name }));

function measure<T>(work: () => T): { result: T; wallMs: number; cpuMs: number } {
	const cpuBefore = process.cpuUsage();
	const started = performance.now();
	const result = work();
	const wallMs = performance.now() - started;
	const cpu = process.cpuUsage(cpuBefore);
	return { result, wallMs, cpuMs: (cpu.user + cpu.system) / 1000 };
}

const texts = rows.map((row) => row.text);
const best = <T extends { wallMs: number }>(samples: T[]) => samples.reduce((a, b) => (b.wallMs < a.wallMs ? b : a));
const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
console.log(`Data: ${rows.length} examples, ${categories.length} labels (${values.data}); best of ${runs} runs`);

for (const [title, trainingCategories, options] of [
	['Fallback "None"', categories, {}],
	['Fallback "Other" (open set)', [...categories, { name: 'Other' }], { openSetLabel: 'Other' }],
] as const) {
	const training: { wallMs: number; cpuMs: number; calibrationMs: number; fitMs: number }[] = [];
	let model: ReturnType<Classifier['trainClassifier']> | undefined;
	for (let run = 0; run < runs; run++) {
		const { result, wallMs, cpuMs } = measure(() => classifier.trainClassifier(rows, trainingCategories, options));
		model = result;
		training.push({ wallMs, cpuMs, calibrationMs: result.metrics.calibrationMs, fitMs: wallMs - result.metrics.calibrationMs });
	}
	const classifying: { wallMs: number; cpuMs: number }[] = [];
	for (let run = 0; run < runs; run++) {
		classifying.push(measure(() => texts.forEach((text) => classifier.predict(model!, text))));
	}
	const fastestTraining = best(training);
	const fastestClassifying = best(classifying);
	console.log(`\n${title}`);
	console.log(
		`Train, total:           ${seconds(fastestTraining.wallMs)} wall, ${seconds(fastestTraining.cpuMs)} CPU` +
			`\n  final fit (no calib.): ${seconds(fastestTraining.fitMs)} wall` +
			`\n  calibration (${model!.settings.foldsFitted ?? model!.settings.folds} of ${model!.settings.folds} folds fitted): ${seconds(fastestTraining.calibrationMs)} wall`,
	);
	console.log(
		`Classify:               ${Math.round((texts.length / fastestClassifying.wallMs) * 1000)} items/s wall, ` +
			`${Math.round((texts.length / fastestClassifying.cpuMs) * 1000)} items/s per CPU second`,
	);
	console.log(`Model:                  ${model!.version}, ${model!.metrics.columns} columns, ${(classifier.serializeModel(model!).length / 1e6).toFixed(2)} MB serialized`);
}
