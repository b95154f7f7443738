/**
 * The few n8n-core classes the in-process layer uses. n8n-core is not a dependency of this package:
 * jest maps it to the pinned n8n's own copy (jest.config.js), so only its shape is declared here.
 */
declare module 'n8n-core' {
	import type {
		IBinaryData,
		IRun,
		IRunExecutionData,
		IWebhookData,
		IWebhookFunctions,
		IWorkflowBase,
		IWorkflowExecuteAdditionalData,
		INode,
		Workflow,
		WorkflowExecuteMode,
	} from 'n8n-workflow';

	export class ExecutionLifecycleHooks {
		constructor(mode: WorkflowExecuteMode, executionId: string, workflowData: IWorkflowBase);
		addHandler(hook: string, ...handlers: Array<(...args: never[]) => unknown>): void;
	}

	export class WorkflowExecute {
		constructor(additionalData: IWorkflowExecuteAdditionalData, mode: WorkflowExecuteMode, runExecutionData?: IRunExecutionData);
		processRunExecutionData(workflow: Workflow): Promise<IRun>;
	}

	/** n8n-core's binary data store (a @Service, got from @n8n/di's Container). */
	export class BinaryDataService {
		init(): Promise<void>;
		store(
			location: { type: 'execution'; workflowId: string; executionId: string },
			data: Buffer,
			binaryData: IBinaryData,
		): Promise<IBinaryData>;
		getAsBuffer(binaryData: IBinaryData): Promise<Buffer>;
	}

	/** n8n-core's class; only what the harness calls on it is declared (its IWebhookFunctions). */
	export const WebhookContext: new (
		workflow: Workflow,
		node: INode,
		additionalData: IWorkflowExecuteAdditionalData,
		mode: WorkflowExecuteMode,
		webhookData: IWebhookData,
		closeFunctions: unknown[],
		runExecutionData: IRunExecutionData | null,
	) => IWebhookFunctions;
}
