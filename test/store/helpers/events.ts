import type { MetricEvent } from '../../../nodes/shared/store/types';

let counter = 0;

/** A classify event with a known truth; override what the test is about. */
export function event(overrides: Partial<MetricEvent> = {}): MetricEvent {
	counter++;
	return {
		eventKey: `wf/ex${counter}/Metrics/0/0`,
		workflowId: 'wf',
		executionId: `ex${counter}`,
		nodeName: 'Metrics',
		itemIndex: 0,
		at: '2026-11-20T10:00:00.000Z',
		task: 'classify',
		label: 'billing',
		confidence: 0.9,
		...overrides,
	};
}
