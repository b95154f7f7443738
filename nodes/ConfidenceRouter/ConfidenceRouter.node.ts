import {
	NodeConnectionTypes,
	NodeOperationError,
	type IDataObject,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeType,
	type INodeTypeDescription,
} from 'n8n-workflow';

import {
	RouterConfigError,
	decideRoute,
	defaultSampleKey,
	validateRouterConfig,
	type RouterConfig,
	type RouterMode,
} from '../shared/routing/route';
import type { RoutePath } from '../shared/contract';
import { failedItem } from '../shared/failedItem';
import { confidenceRouterProperties } from './description';

const OUTPUT_INDEX: Record<RoutePath, number> = { auto: 0, review: 1, reject: 2 };

export class ConfidenceRouter implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Confidence Router',
		name: 'confidenceRouter',
		icon: { light: 'file:confidenceRouter.svg', dark: 'file:confidenceRouter.dark.svg' },
		group: ['transform'],
		version: 1,
		// Routing is a workflow step, not something an AI agent should call.
		usableAsTool: undefined,
		subtitle: '={{ "Auto ≥ " + $parameter["threshold"] + ($parameter["mode"] === "threeWay" ? " · reject < " + $parameter["rejectBelow"] : ", else review") }}',
		description: 'Send each item to the auto, human review or reject path by its AI confidence and your rules',
		defaults: { name: 'Confidence Router' },
		inputs: [NodeConnectionTypes.Main],
		outputs: `={{ $parameter["mode"] === "threeWay" ? [{ "type": "main", "displayName": "Auto" }, { "type": "main", "displayName": "Review" }, { "type": "main", "displayName": "Reject" }] : [{ "type": "main", "displayName": "Auto" }, { "type": "main", "displayName": "Review" }] }}`,
		properties: confidenceRouterProperties,
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const items = this.getInputData();
		const mode = this.getNodeParameter('mode', 0) as RouterMode;
		const outputs: INodeExecutionData[][] = mode === 'threeWay' ? [[], [], []] : [[], []];

		for (let itemIndex = 0; itemIndex < items.length; itemIndex++) {
			const item = items[itemIndex];
			try {
				const config = readConfig(this, itemIndex, mode);
				const alwaysReview = this.getNodeParameter('alwaysReview', itemIndex, false, {
					extractValue: true,
				}) as boolean;
				const keyValue = config.auditPercent > 0 ? this.getNodeParameter('sampleKey', itemIndex, '') : '';
				const sampleKey =
					keyValue === undefined || keyValue === null || keyValue === ''
						? defaultSampleKey(item.json)
						: typeof keyValue === 'string'
							? keyValue
							: JSON.stringify(keyValue);
				const route = decideRoute(
					{
						confidence: this.getNodeParameter('confidence', itemIndex, undefined),
						label: this.getNodeParameter('label', itemIndex, ''),
						alwaysReview: alwaysReview === true,
						sampleKey,
					},
					config,
				);
				outputs[OUTPUT_INDEX[route.path]].push({
					...item,
					json: { ...item.json, route: route as unknown as IDataObject },
					pairedItem: { item: itemIndex },
				});
			} catch (error) {
				if (this.continueOnFail()) {
					// A failed item is not safe to automate: it goes to review carrying the error.
					outputs[OUTPUT_INDEX.review].push(failedItem(this.getNode(), item, itemIndex, (error as Error).message));
					continue;
				}
				// n8n's errors (e.g. a failing condition) keep their own message; only the index is added.
				if (error instanceof NodeOperationError) error.context.itemIndex ??= itemIndex;
				throw new NodeOperationError(this.getNode(), error as Error, {
					itemIndex,
					description:
						error instanceof RouterConfigError
							? 'Check the thresholds: each between 0 and 1, Reject Below not above the auto threshold'
							: 'Check the "Always Review When" conditions and the expressions of this node',
				});
			}
		}
		return outputs;
	}
}

function readConfig(context: IExecuteFunctions, itemIndex: number, mode: RouterMode): RouterConfig {
	const rules = context.getNodeParameter('labelThresholds.rules', itemIndex, []) as Array<{
		label: string;
		threshold: number;
	}>;
	const labelThresholds: Record<string, number> = {};
	for (const rule of rules) {
		if (rule.label !== '') labelThresholds[rule.label] = rule.threshold;
	}
	const config: RouterConfig = {
		mode,
		threshold: context.getNodeParameter('threshold', itemIndex) as number,
		rejectBelow: mode === 'threeWay' ? (context.getNodeParameter('rejectBelow', itemIndex) as number) : 0,
		labelThresholds,
		auditPercent: context.getNodeParameter('auditPercent', itemIndex, 0) as number,
	};
	validateRouterConfig(config);
	return config;
}
