import type { INodeProperties } from 'n8n-workflow';

export const confidenceRouterProperties: INodeProperties[] = [
	{
		displayName: 'Confidence',
		name: 'confidence',
		type: 'string',
		default: '={{ $json.ai.confidence }}',
		description: 'The confidence (0 to 1) to route by. Missing, non-numeric or out-of-range values go to review.',
	},
	{
		displayName: 'Mode',
		name: 'mode',
		type: 'options',
		options: [
			{ name: 'Two-Way (Auto / Review)', value: 'twoWay' },
			{ name: 'Three-Way (Auto / Review / Reject)', value: 'threeWay' },
		],
		default: 'twoWay',
	},
	{
		displayName: 'Auto Threshold',
		name: 'threshold',
		type: 'number',
		typeOptions: { minValue: 0, maxValue: 1, numberPrecision: 3 },
		default: 0.85,
		description: 'Items with a confidence at or above this value go to the auto path',
	},
	{
		displayName: 'Reject Below',
		name: 'rejectBelow',
		type: 'number',
		typeOptions: { minValue: 0, maxValue: 1, numberPrecision: 3 },
		default: 0.3,
		description: 'Items with a confidence below this value go to the reject path',
		displayOptions: { show: { mode: ['threeWay'] } },
	},
	{
		displayName: 'Label',
		name: 'label',
		type: 'string',
		default: '={{ $json.ai.label }}',
		description: 'The label that per-label thresholds look up',
	},
	{
		displayName: 'Per-Label Thresholds',
		name: 'labelThresholds',
		type: 'fixedCollection',
		typeOptions: { multipleValues: true },
		placeholder: 'Add Label Threshold',
		default: {},
		description: 'Labels that need a different bar, e.g. refund needs 0.97',
		options: [
			{
				displayName: 'Label Threshold',
				name: 'rules',
				values: [
					{ displayName: 'Label', name: 'label', type: 'string', default: '' },
					{
						displayName: 'Threshold',
						name: 'threshold',
						type: 'number',
						typeOptions: { minValue: 0, maxValue: 1, numberPrecision: 3 },
						default: 0.95,
					},
				],
			},
		],
	},
	{
		displayName: 'Always Review When',
		name: 'alwaysReview',
		type: 'filter',
		placeholder: 'Add Condition',
		default: {},
		typeOptions: {
			filter: { caseSensitive: false, typeValidation: 'loose', version: 2 },
		},
		description: 'Items matching these conditions go to review whatever their confidence (e.g. amount > 10,000, label is legal)',
	},
	{
		displayName: 'Audit Sample (%)',
		name: 'auditPercent',
		type: 'number',
		typeOptions: { minValue: 0, maxValue: 100, numberPrecision: 2 },
		default: 0,
		description: 'Share of items that would go auto which are sent to review instead, to measure how good the auto path is. Chosen by the item key, so a re-run routes the same way.',
	},
	{
		displayName: 'Sampling Key',
		name: 'sampleKey',
		type: 'string',
		default: '={{ $json.id ?? $json.text }}',
		description: 'What identifies an item for audit sampling; when empty, the item data (without ai/route/review) is used',
		displayOptions: { hide: { auditPercent: [0] } },
	},
];
