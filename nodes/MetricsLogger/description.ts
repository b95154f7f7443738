import { storeProperties } from '../shared/store/nodeParameters';
import type { INodeProperties } from 'n8n-workflow';

const show = (operation: string[]) => ({ show: { operation } });

const windowFields = (operations: string[], windowName: string): INodeProperties[] => [
	{
		displayName: 'Last',
		name: 'lastAmount',
		type: 'number',
		typeOptions: { minValue: 1 },
		default: 24,
		displayOptions: { show: { operation: operations, [windowName]: ['last'] } },
	},
	{
		displayName: 'Unit',
		name: 'lastUnit',
		type: 'options',
		options: [
			{ name: 'Minutes', value: 'minutes' },
			{ name: 'Hours', value: 'hours' },
			{ name: 'Days', value: 'days' },
		],
		default: 'hours',
		displayOptions: { show: { operation: operations, [windowName]: ['last'] } },
	},
	{
		displayName: 'From',
		name: 'from',
		type: 'dateTime',
		default: '',
		required: true,
		displayOptions: { show: { operation: operations, [windowName]: ['range'] } },
	},
	{
		displayName: 'To',
		name: 'to',
		type: 'dateTime',
		default: '',
		required: true,
		displayOptions: { show: { operation: operations, [windowName]: ['range'] } },
	},
];

const filters: INodeProperties = {
	displayName: 'Filters',
	name: 'filters',
	type: 'collection',
	placeholder: 'Add Filter',
	default: {},
	displayOptions: show(['report', 'export']),
	options: [
		{
			displayName: 'Label',
			name: 'label',
			type: 'string',
			default: '',
			description: 'Only decisions with this predicted label',
		},
		{
			displayName: 'Model',
			name: 'model',
			type: 'string',
			default: '',
			description: 'Only decisions of this model (ai.model)',
		},
		{
			displayName: 'Step',
			name: 'step',
			type: 'string',
			default: '',
			description: 'Only decisions logged with this step name',
		},
		{
			displayName: 'Workflow ID',
			name: 'workflowId',
			type: 'string',
			default: '',
			description: 'Only decisions logged by this workflow; empty: every workflow. Use {{ $workflow.ID }} for this one.',
		},
	],
};

export const metricsLoggerProperties: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		options: [
			{
				name: 'Log',
				value: 'log',
				action: 'Log decisions',
				description: 'Record one event per item (ai, route, review) and pass the items on unchanged',
			},
			{
				name: 'Report',
				value: 'report',
				action: 'Build a metrics report',
				description: 'Accuracy, precision/recall/F1, override rate, calibration, latency, cost, drift alerts and an HTML page',
			},
			{
				name: 'Export',
				value: 'export',
				action: 'Export events',
				description: 'Prometheus text, CSV or JSON lines as a file',
			},
		],
		default: 'log',
	},
	...storeProperties('Where the decision events are kept.'),
	{
		displayName: 'The tables (aiwf_*) are created in this database on first use',
		name: 'postgresNotice',
		type: 'notice',
		default: '',
		displayOptions: { show: { storeType: ['postgres'] } },
	},

	// log
	{
		displayName: 'Step Name',
		name: 'step',
		type: 'string',
		default: '',
		placeholder: 'e.g. ticket triage',
		description: 'Names this decision point so reports can filter by it',
		displayOptions: show(['log']),
	},
	{
		displayName: 'Ground Truth',
		name: 'groundTruth',
		type: 'string',
		default: '',
		placeholder: '={{ $json.expectedLabel }}',
		description: 'The correct label of the item when known (labelled test data, a later outcome). Empty: reviewer decisions are the truth.',
		displayOptions: show(['log']),
	},
	{
		displayName: 'Dimensions',
		name: 'dimensions',
		type: 'fixedCollection',
		typeOptions: { multipleValues: true },
		placeholder: 'Add Dimension',
		default: {},
		description: 'Extra values stored with each event (team, channel, customer tier…), exported with the events',
		displayOptions: show(['log']),
		options: [
			{
				displayName: 'Dimension',
				name: 'dimension',
				values: [
					{ displayName: 'Name', name: 'name', type: 'string', default: '' },
					{ displayName: 'Value', name: 'value', type: 'string', default: '' },
				],
			},
		],
	},
	{
		displayName: 'Options',
		name: 'logOptions',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		displayOptions: show(['log']),
		options: [
			{
				displayName: 'Event ID',
				name: 'eventId',
				type: 'string',
				default: '',
				placeholder: '={{ $json.ticketId }}',
				description: 'A business ID that identifies the item across executions, so re-running a workflow on the same item does not count it twice. Default: execution, node, run and item index.',
			},
			{
				displayName: 'Items Without a Valid AI Result',
				name: 'onInvalidItem',
				type: 'options',
				options: [
					{
						name: 'Skip and Count',
						value: 'skip',
						description: 'Pass the item on and count it under "skipped" in reports',
					},
					{
						name: 'Fail',
						value: 'error',
						description: 'Stop with an error (or, with Continue On Fail, add `error` to the item)',
					},
				],
				default: 'skip',
				description: 'What to do with items that have no ai field, a confidence that is not a number from 0 to 1, or a label outside ai.labels',
			},
		],
	},

	// report / export window
	{
		displayName: 'Time Window',
		name: 'window',
		type: 'options',
		options: [
			{ name: 'Last…', value: 'last' },
			{ name: 'Between Two Dates', value: 'range' },
		],
		default: 'last',
		description: 'Drift alerts compare it with the window of the same length just before',
		displayOptions: show(['report']),
	},
	{
		displayName: 'Time Window',
		name: 'exportWindow',
		type: 'options',
		options: [
			{ name: 'All Events', value: 'all' },
			{ name: 'Last…', value: 'last' },
			{ name: 'Between Two Dates', value: 'range' },
		],
		default: 'all',
		description: 'Prometheus counters should cover all events, so that a scraper sees them only grow',
		displayOptions: show(['export']),
	},
	...windowFields(['report'], 'window'),
	...windowFields(['export'], 'exportWindow'),
	filters,
	{
		displayName: 'Options',
		name: 'reportOptions',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		displayOptions: show(['report']),
		options: [
			{
				displayName: 'Confidence Shift Alert Above',
				name: 'confidenceShift',
				type: 'number',
				typeOptions: { minValue: 0, maxValue: 1, numberPrecision: 3 },
				default: 0.05,
				description: 'Alert when the mean confidence moves by more than this against the previous window',
			},
			{
				displayName: 'HTML Page',
				name: 'html',
				type: 'boolean',
				default: true,
				description: 'Whether to add the report as a self-contained HTML page in the binary property "report"',
			},
			{
				displayName: 'Label-Mix PSI Alert Above',
				name: 'psiThreshold',
				type: 'number',
				typeOptions: { minValue: 0, numberPrecision: 3 },
				default: 0.2,
			},
			{
				displayName: 'Minimum Events for Alerts',
				name: 'minSamples',
				type: 'number',
				typeOptions: { minValue: 1 },
				default: 30,
			},
			{
				displayName: 'Override Rate Rise Alert Above',
				name: 'overrideRateIncrease',
				type: 'number',
				typeOptions: { minValue: 0, maxValue: 1, numberPrecision: 3 },
				default: 0.05,
				description: 'Alert when the override rate rises by more than this (0.05 = 5 percentage points)',
			},
			{
				displayName: 'Target Error Rate',
				name: 'targetErrorRate',
				type: 'number',
				typeOptions: { minValue: 0, maxValue: 1, numberPrecision: 3 },
				default: 0.05,
				description: 'The threshold what-if reports the lowest confidence threshold whose auto-handled items stay under this error rate',
			},
			{
				displayName: 'Truth',
				name: 'truthSource',
				type: 'options',
				options: [
					{ name: 'Ground Truth, Else Reviewer', value: 'auto' },
					{ name: 'Ground Truth Field Only', value: 'groundTruth' },
					{ name: 'Reviewer Decisions Only', value: 'review' },
				],
				default: 'auto',
				description: 'What accuracy, precision/recall/F1 and calibration compare the predictions with',
			},
		],
	},

	// export
	{
		displayName: 'Format',
		name: 'format',
		type: 'options',
		options: [
			{ name: 'Prometheus Text', value: 'prometheus', description: 'Counters and histograms (text exposition 0.0.4)' },
			{ name: 'CSV', value: 'csv', description: 'One row per event' },
			{ name: 'JSON Lines', value: 'jsonl', description: 'One JSON object per event' },
		],
		default: 'prometheus',
		displayOptions: show(['export']),
	},
	{
		displayName: 'Max Events',
		name: 'maxRows',
		type: 'number',
		typeOptions: { minValue: 1 },
		default: 100000,
		description: 'The newest events beyond this are left out (the output says so); raise it for bigger files',
		displayOptions: { show: { operation: ['export'], format: ['csv', 'jsonl'] } },
	},
	{
		displayName: 'Put Output File in Field',
		name: 'binaryPropertyName',
		type: 'string',
		default: 'data',
		displayOptions: show(['export']),
	},
];
