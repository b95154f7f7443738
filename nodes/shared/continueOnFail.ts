/**
 * On Error: Continue for errors of the node's settings (no or duplicate categories, a credential or
 * store that cannot be used): n8n itself would pass the input on unmarked, as if it had been
 * processed, so every item leaves carrying the error instead — the same shape as an item's own error.
 */
import { NodeOperationError, type IExecuteFunctions, type INodeExecutionData } from 'n8n-workflow';

type Execute = (this: IExecuteFunctions) => Promise<INodeExecutionData[][]>;

/** The node's execute, with an error it throws under On Error: Continue put on every item. */
export function settingsErrorsOnItems(execute: Execute): Execute {
	return async function (this: IExecuteFunctions) {
		return await withSettingsErrorsOnItems(this, async () => await execute.call(this));
	};
}

export async function withSettingsErrorsOnItems(
	context: IExecuteFunctions,
	run: () => Promise<INodeExecutionData[][]>,
): Promise<INodeExecutionData[][]> {
	try {
		return await run();
	} catch (error) {
		if (!context.continueOnFail()) throw error;
		const nodeError = error instanceof NodeOperationError ? error : new NodeOperationError(context.getNode(), error as Error, { itemIndex: 0 });
		return [
			context.getInputData().map((item, itemIndex) => ({
				json: { ...item.json, error: nodeError.message, errorDescription: nodeError.description ?? undefined },
				binary: item.binary,
				pairedItem: { item: itemIndex },
			})),
		];
	}
}
