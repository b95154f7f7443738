import type { IDataObject, INode, INodeExecutionData } from 'n8n-workflow';

/**
 * The item a node returns for an input item that failed under Continue On Fail, as each of n8n's
 * two modes needs it. "Continue (using error output)": n8n moves an item to the error output only
 * when its json holds nothing but `error` (an item carrying an error object would have its json
 * replaced by the message), and there adds back the fields of the input item it is paired with; so
 * the item is `{ error }`. "Continue": the item keeps its fields and binary data, `error` (and
 * `extra`) beside them, and leaves on a regular output.
 */
export function failedItem(node: INode, item: INodeExecutionData, itemIndex: number, message: string, extra: IDataObject = {}): INodeExecutionData {
	const json = node.onError === 'continueErrorOutput' ? { error: message } : { ...item.json, error: message, ...extra };
	return { json, ...(item.binary ? { binary: item.binary } : {}), pairedItem: { item: itemIndex } };
}
