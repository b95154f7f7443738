/**
 * Fits the local invoice engine's field-confidence calibration (nodes/shared/invoice/calibrationTable.json)
 * from evaluation observations taken with --raw-confidence:
 *   npm run eval -- invoice <folder> --raw-confidence --observations obs.json   (one or more folders)
 *   node scripts/run-ts.js scripts/fit-invoice-calibration.ts obs1.json obs2.json … [--out file]
 * With --check <obs.json>, it fits on the others and prints the ECE and confident errors of the
 * calibration on the held-out observations instead of writing anything.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { calibrate, fieldKind, fitIsotonic, type CalibrationSteps, type FieldKind } from '../nodes/shared/invoice/calibration';
import { fieldCalibrationError, type Observation } from '../lib/eval/invoiceEval';

const args = process.argv.slice(2);
const value = (flag: string) => (args.includes(flag) ? args[args.indexOf(flag) + 1] : undefined);
const files = args.filter((a, i) => !a.startsWith('--') && !['--out', '--check'].includes(args[i - 1]));
const read = (file: string): Observation[] => (JSON.parse(readFileSync(file, 'utf8')) as Observation[]).filter((o) => o.field !== 'vendor.address' && o.actual !== null);

function fit(observations: Observation[]): Partial<Record<FieldKind, CalibrationSteps>> {
	const byKind = new Map<FieldKind, Array<{ raw: number; correct: boolean }>>();
	for (const o of observations) {
		const kind = fieldKind(o.path);
		byKind.set(kind, [...(byKind.get(kind) ?? []), { raw: o.confidence, correct: o.correct }]);
	}
	return Object.fromEntries([...byKind.entries()].map(([kind, pairs]) => [kind, fitIsotonic(pairs)]));
}

const training = files.flatMap(read);
const table = fit(training);
const check = value('--check');
if (check) {
	const held = JSON.parse(readFileSync(check, 'utf8')) as Observation[];
	const calibrated = held.filter((o) => o.field !== 'vendor.address').map((o) => ({ ...o, confidence: o.actual === null ? o.confidence : calibrate(o.path, o.confidence, table) }));
	const confident = calibrated.filter((o) => !o.correct && o.confidence >= 0.9);
	console.log(`held-out ${check}: ECE ${fieldCalibrationError(calibrated).toFixed(3)} (raw ${fieldCalibrationError(held.filter((o) => o.field !== 'vendor.address')).toFixed(3)}), ${confident.length} wrong at ≥ 0.9`);
	for (const o of confident) console.log(`  ${o.document} ${o.field}: expected ${JSON.stringify(o.expected)}, got ${JSON.stringify(o.actual)} at ${o.confidence}`);
} else {
	const out = value('--out') ?? join(__dirname, '..', 'nodes', 'shared', 'invoice', 'calibrationTable.json');
	writeFileSync(out, `${JSON.stringify(table, null, '\t')}\n`);
	console.log(`fitted on ${training.length} observations → ${out}`);
}
