/** Runs the report and the exports against a store: window arithmetic around the pure modules. */
import type { EventFilter, PackageStore, TruthSource } from '../store/types';
import { computeReport, type MetricsReport, type ReportOptions } from './report';

export interface ReportWindow {
	from: Date;
	to: Date;
}

const UNIT_MS = { minutes: 60_000, hours: 3_600_000, days: 86_400_000 } as const;

export function lastWindow(amount: number, unit: keyof typeof UNIT_MS, now = new Date()): ReportWindow {
	if (!Number.isFinite(amount) || amount <= 0) throw new Error(`The window length must be a positive number, got ${amount}`);
	return { from: new Date(now.getTime() - amount * UNIT_MS[unit]), to: now };
}

export function rangeWindow(from: string, to: string): ReportWindow {
	const fromDate = new Date(from);
	const toDate = new Date(to);
	if (Number.isNaN(fromDate.getTime())) throw new Error(`"From" is not a valid date: ${JSON.stringify(from)}`);
	if (Number.isNaN(toDate.getTime())) throw new Error(`"To" is not a valid date: ${JSON.stringify(to)}`);
	if (toDate <= fromDate) throw new Error(`"To" (${to}) must be later than "From" (${from})`);
	return { from: fromDate, to: toDate };
}

/** About 24 timeline points, on whole minutes. */
export function timelineBucketMs(window: ReportWindow, points = 24): number {
	const span = window.to.getTime() - window.from.getTime();
	return Math.max(60_000, Math.ceil(span / points / 60_000) * 60_000);
}

export type ReportSettings = Omit<ReportOptions, 'from' | 'to' | 'filter' | 'timelineBucketMs' | 'truthSource'> & {
	truthSource?: TruthSource;
};

export async function reportFromStore(
	store: PackageStore,
	window: ReportWindow,
	filter: Omit<EventFilter, 'from' | 'to'>,
	settings: ReportSettings = {},
): Promise<MetricsReport> {
	const span = window.to.getTime() - window.from.getTime();
	const previousFrom = new Date(window.from.getTime() - span);
	const bucket = timelineBucketMs(window);
	const truthSource = settings.truthSource ?? 'auto';
	const [current, previous] = await Promise.all([
		store.aggregate({ ...filter, from: window.from.toISOString(), to: window.to.toISOString(), truthSource, timelineBucketMs: bucket }),
		store.aggregate({ ...filter, from: previousFrom.toISOString(), to: window.from.toISOString(), truthSource, timelineBucketMs: span }),
	]);
	return computeReport(current, previous, {
		...settings,
		from: window.from.toISOString(),
		to: window.to.toISOString(),
		filter,
		truthSource,
		timelineBucketMs: bucket,
	});
}
