import {
	NodeConnectionTypes,
	NodeOperationError,
	type IDataObject,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeType,
	type INodeTypeDescription,
} from 'n8n-workflow';

import { buildEvent, skippedEvent, SkippedItem, type EventContext } from '../shared/metrics/events';
import { csvHeader, toCsvRows, toJsonLines, toPrometheus } from '../shared/metrics/export';
import { renderReportHtml } from '../shared/metrics/html';
import { failedItem } from '../shared/failedItem';
import { lastWindow, rangeWindow, reportFromStore, type ReportWindow } from '../shared/metrics/run';
import {
	describeStore,
	openStore,
	plainCause,
	StoreUnavailableError,
	type EventFilter,
	type MetricEvent,
	type PackageStore,
	type StoreConfig,
	type TruthSource,
} from '../shared/store';
import { storeConfigFrom } from '../shared/store/nodeParameters';
import { metricsLoggerProperties } from './description';

const EXPORT_PAGE = 10_000;

function storeConfig(context: IExecuteFunctions): Promise<StoreConfig> {
	return storeConfigFrom({
		parameter: (name, fallback) => context.getNodeParameter(name, 0, fallback) as string,
		credentials: async (type) => (await context.getCredentials(type)) as Record<string, unknown>,
	});
}

/** Any store failure as an n8n error naming the store and the fix. */
function storeError(context: IExecuteFunctions, error: unknown, store: string, itemIndex?: number): NodeOperationError {
	if (error instanceof NodeOperationError) return error;
	const fix =
		error instanceof StoreUnavailableError
			? error.fix
			: 'Check that the store is reachable and writable; the events of this execution were not recorded.';
	const message = error instanceof StoreUnavailableError ? error.message : `The ${store} failed: ${plainCause(error)}`;
	return new NodeOperationError(context.getNode(), message, { description: fix, itemIndex });
}

function readWindow(context: IExecuteFunctions, windowName: string): ReportWindow | undefined {
	const kind = context.getNodeParameter(windowName, 0) as string;
	if (kind === 'all') return undefined;
	try {
		if (kind === 'range') {
			return rangeWindow(
				String(context.getNodeParameter('from', 0)),
				String(context.getNodeParameter('to', 0)),
			);
		}
		return lastWindow(
			context.getNodeParameter('lastAmount', 0) as number,
			context.getNodeParameter('lastUnit', 0) as 'minutes' | 'hours' | 'days',
		);
	} catch (error) {
		throw new NodeOperationError(context.getNode(), (error as Error).message, {
			description: 'Set a time window whose end is after its start, with dates like 2026-11-20T00:00:00Z.',
		});
	}
}

function readFilter(context: IExecuteFunctions): Omit<EventFilter, 'from' | 'to'> {
	const raw = context.getNodeParameter('filters', 0, {}) as IDataObject;
	const filter: Omit<EventFilter, 'from' | 'to'> = {};
	for (const key of ['workflowId', 'step', 'label', 'model'] as const) {
		const value = raw[key];
		if (value !== undefined && value !== null && String(value).trim() !== '') filter[key] = String(value).trim();
	}
	return filter;
}

function runIndexOf(context: IExecuteFunctions): number {
	try {
		const value = Number(context.evaluateExpression('{{ $runIndex }}', 0));
		return Number.isInteger(value) && value >= 0 ? value : 0;
	} catch {
		return 0;
	}
}

async function log(context: IExecuteFunctions, store: () => Promise<PackageStore>, storeName: string) {
	const items = context.getInputData();
	const workflowId = String(context.getWorkflow().id ?? '');
	const executionId = context.getExecutionId();
	const nodeName = context.getNode().name;
	const runIndex = runIndexOf(context);
	const now = new Date();
	const events: MetricEvent[] = [];
	const failed = new Map<number, string>();

	for (let itemIndex = 0; itemIndex < items.length; itemIndex++) {
		const options = context.getNodeParameter('logOptions', itemIndex, {}) as IDataObject;
		const dimensionRows = (context.getNodeParameter('dimensions.dimension', itemIndex, []) as IDataObject[]) ?? [];
		const dimensions: Record<string, string> = {};
		for (const row of dimensionRows) {
			const name = String(row.name ?? '').trim();
			if (name) dimensions[name] = row.value === undefined || row.value === null ? '' : String(row.value);
		}
		const eventId = options.eventId === undefined || options.eventId === null ? '' : String(options.eventId).trim();
		const eventContext: EventContext = {
			workflowId,
			executionId,
			nodeName,
			runIndex,
			itemIndex,
			now,
			step: String(context.getNodeParameter('step', itemIndex, '') ?? '').trim() || undefined,
			groundTruth: context.getNodeParameter('groundTruth', itemIndex, ''),
			dimensions,
			eventId: eventId || undefined,
		};
		try {
			events.push(buildEvent(items[itemIndex].json, eventContext));
		} catch (error) {
			if (!(error instanceof SkippedItem)) throw new NodeOperationError(context.getNode(), error as Error, { itemIndex });
			if ((options.onInvalidItem ?? 'skip') === 'skip') {
				events.push(skippedEvent(eventContext, error.reason));
				continue;
			}
			if (!context.continueOnFail()) {
				throw new NodeOperationError(context.getNode(), error.message, {
					itemIndex,
					description:
						'Put AI Classify or Extract Invoice before this node (they write the `ai` field), or set Options → Items Without a Valid AI Result to "Skip and Count".',
				});
			}
			failed.set(itemIndex, error.message);
		}
	}

	try {
		const result = await (await store()).writeEvents(events);
		if (result.duplicates > 0 && typeof context.addExecutionHints === 'function') {
			context.addExecutionHints({
				message: `${result.duplicates} of ${events.length} events were already stored (a re-run of the same items) and were not counted again`,
				location: 'outputPane',
			});
		}
		const invalidInput = events.filter((e) => e.inputSkipReason).length;
		if (invalidInput > 0 && typeof context.addExecutionHints === 'function') {
			context.addExecutionHints({
				message: `${invalidInput} of ${events.length} items have an ai.input that does not match the item contract: their decisions were logged without input statistics (counted in the report's input drift)`,
				location: 'outputPane',
			});
		}
	} catch (error) {
		const nodeError = storeError(context, error, storeName);
		if (!context.continueOnFail()) throw nodeError;
		// Every item says that its event was not recorded: nothing is lost silently.
		return items.map((item, itemIndex) => failedItem(context.getNode(), item, itemIndex, nodeError.message));
	}

	return items.map((item, itemIndex) => {
		if (failed.has(itemIndex)) return failedItem(context.getNode(), item, itemIndex, failed.get(itemIndex)!);
		const output: INodeExecutionData = { json: item.json, pairedItem: { item: itemIndex } };
		if (item.binary) output.binary = item.binary;
		return output;
	});
}

async function report(context: IExecuteFunctions, store: () => Promise<PackageStore>, storeName: string) {
	const window = readWindow(context, 'window')!;
	const filter = readFilter(context);
	const options = context.getNodeParameter('reportOptions', 0, {}) as IDataObject;
	let result;
	try {
		result = await reportFromStore(await store(), window, filter, {
			truthSource: (options.truthSource as TruthSource) ?? 'auto',
			targetErrorRate: options.targetErrorRate as number | undefined,
			overrideRateIncrease: options.overrideRateIncrease as number | undefined,
			confidenceShift: options.confidenceShift as number | undefined,
			psiThreshold: options.psiThreshold as number | undefined,
			minSamples: options.minSamples as number | undefined,
		});
	} catch (error) {
		throw storeError(context, error, storeName);
	}
	const item: INodeExecutionData = { json: result as unknown as IDataObject, pairedItem: { item: 0 } };
	if (options.html !== false) {
		const html = renderReportHtml(result, `AI workflow metrics · ${context.getWorkflow().name ?? ''}`.trim());
		item.binary = {
			report: await context.helpers.prepareBinaryData(Buffer.from(html, 'utf8'), 'metrics-report.html', 'text/html'),
		};
	}
	return [item];
}

async function exportEvents(context: IExecuteFunctions, store: () => Promise<PackageStore>, storeName: string) {
	const window = readWindow(context, 'exportWindow');
	const filter: EventFilter = {
		...readFilter(context),
		...(window ? { from: window.from.toISOString(), to: window.to.toISOString() } : {}),
	};
	const format = context.getNodeParameter('format', 0) as 'prometheus' | 'csv' | 'jsonl';
	const binaryPropertyName = (context.getNodeParameter('binaryPropertyName', 0, 'data') as string) || 'data';
	const json: IDataObject = { format, window: window ? { from: filter.from, to: filter.to } : 'all', filters: filter };
	let body: string;
	try {
		const opened = await store();
		if (format === 'prometheus') {
			body = toPrometheus(
				await opened.aggregate({ ...filter, truthSource: 'auto', timelineBucketMs: 86_400_000, includeSeries: true }),
			);
		} else {
			const maxRows = context.getNodeParameter('maxRows', 0, 100000) as number;
			const total = await opened.countEvents(filter);
			const parts: string[] = format === 'csv' ? [csvHeader()] : [];
			let written = 0;
			while (written < Math.min(total, maxRows)) {
				const page = await opened.readEvents(filter, { limit: Math.min(EXPORT_PAGE, maxRows - written), offset: written });
				if (page.length === 0) break;
				parts.push(format === 'csv' ? toCsvRows(page) : toJsonLines(page));
				written += page.length;
			}
			body = parts.join('');
			Object.assign(json, { events: written, totalEvents: total, truncated: written < total });
		}
	} catch (error) {
		throw storeError(context, error, storeName);
	}
	const fileName = { prometheus: 'metrics.prom', csv: 'metrics-events.csv', jsonl: 'metrics-events.jsonl' }[format];
	const mimeType = { prometheus: 'text/plain; version=0.0.4', csv: 'text/csv', jsonl: 'application/x-ndjson' }[format];
	return [
		{
			json,
			binary: {
				[binaryPropertyName]: await context.helpers.prepareBinaryData(Buffer.from(body, 'utf8'), fileName, mimeType),
			},
			pairedItem: { item: 0 },
		},
	];
}

export class MetricsLogger implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Metrics Logger',
		name: 'metricsLogger',
		icon: { light: 'file:metricsLogger.svg', dark: 'file:metricsLogger.dark.svg' },
		group: ['transform'],
		version: 1,
		subtitle: '={{ { log: "Log decisions", report: "Report", export: "Export " + ({ prometheus: "Prometheus", csv: "CSV", jsonl: "JSON Lines" })[$parameter["format"]] }[$parameter["operation"]] }}',
		description: 'Records every AI decision and reports accuracy, precision/recall/F1, override rate, calibration, latency, cost and drift',
		defaults: { name: 'Metrics Logger' },
		// No tool variant: it records and reports a workflow's decisions; an agent has nothing to hand it.
		usableAsTool: undefined,
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		credentials: [
			{
				// eslint-disable-next-line @n8n/community-nodes/no-credential-reuse, @n8n/community-nodes/valid-credential-references -- n8n's own Postgres credential for the store
				name: 'postgres',
				required: true,
				displayOptions: { show: { storeType: ['postgres'] } },
			},
		],
		properties: metricsLoggerProperties,
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const operation = this.getNodeParameter('operation', 0) as 'log' | 'report' | 'export';
		let config: StoreConfig;
		try {
			config = await storeConfig(this);
		} catch (error) {
			throw storeError(this, error, 'store');
		}
		const storeName = describeStore(config);
		const store = () => openStore(config);
		if (operation === 'log') return [await log(this, store, storeName)];
		if (operation === 'report') return [await report(this, store, storeName)];
		return [await exportEvents(this, store, storeName)];
	}
}
