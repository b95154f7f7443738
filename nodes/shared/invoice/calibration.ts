/**
 * Field-confidence calibration: the local engine's evidence strength (after the checks) mapped to the
 * share of values that were right at that strength, per kind of field, measured on real invoices and
 * receipts (`calibrationTable.json`, fitted by scripts/fit-invoice-calibration.ts with isotonic regression).
 * A confidence of 0.8 then means that about 8 in 10 such values are right.
 */
import table from './calibrationTable.json';

export type FieldKind = 'identifier' | 'date' | 'name' | 'taxOrBank' | 'amount' | 'header' | 'other';

/** Steps of a non-decreasing map: a raw strength at or above `from` has confidence `p`. */
export type CalibrationSteps = Array<{ from: number; p: number }>;

const CALIBRATION = table as unknown as Partial<Record<FieldKind, CalibrationSteps>>;

export function fieldKind(path: string): FieldKind {
	if (/^(invoiceId|purchaseOrder|customer\.id|payment\.reference|payment\.accountNumber)$/.test(path)) return 'identifier';
	if (/Date$/.test(path)) return 'date';
	if (/\.name$/.test(path)) return 'name';
	if (/taxId$|^payment\.(iban|bic)$/.test(path)) return 'taxOrBank';
	if (/^(subtotal|totalTax|invoiceTotal|amountDue|totalDiscount|amountPaid|previousUnpaidBalance)$/.test(path)) return 'amount';
	if (/^(documentType|currency)$/.test(path)) return 'header';
	return 'other';
}

/** The calibrated confidence of a field value whose evidence strength is `raw`. */
export function calibrate(path: string, raw: number, steps: Partial<Record<FieldKind, CalibrationSteps>> = CALIBRATION): number {
	const map = steps[fieldKind(path)];
	if (!map || map.length === 0) return raw;
	let p = map[0].p;
	for (const step of map) if (raw >= step.from) p = step.p;
	return p;
}

/** Pool-adjacent-violators: the non-decreasing step map that fits (raw, correct) pairs best. */
export function fitIsotonic(pairs: Array<{ raw: number; correct: boolean }>, options: { maxP?: number; prior?: number } = {}): CalibrationSteps {
	const maxP = options.maxP ?? 0.97;
	const prior = options.prior ?? 1;
	const sorted = [...pairs].sort((a, b) => a.raw - b.raw);
	const blocks: Array<{ from: number; n: number; k: number }> = [];
	for (const pair of sorted) {
		blocks.push({ from: pair.raw, n: 1, k: pair.correct ? 1 : 0 });
		while (blocks.length > 1) {
			const last = blocks[blocks.length - 1];
			const previous = blocks[blocks.length - 2];
			if (previous.k / previous.n < last.k / last.n) break;
			blocks.splice(blocks.length - 2, 2, { from: previous.from, n: previous.n + last.n, k: previous.k + last.k });
		}
	}
	// A prior of half a right and half a wrong value per block keeps a small block from claiming
	// certainty; the running maximum keeps the map non-decreasing after it.
	let floor = 0;
	return blocks.map((b) => {
		floor = Math.max(floor, Math.min(maxP, (b.k + prior * 0.5) / (b.n + prior)));
		return { from: Math.round(b.from * 1000) / 1000, p: Math.round(floor * 1000) / 1000 };
	});
}
