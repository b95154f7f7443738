/**
 * The package as a user gets it (npm pack → installed the way n8n installs a community package) loads
 * in every supported n8n, and the harness drives n8n end to end: import, activate, production
 * webhook, execution data, wait/resume.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

import { describeEachN8nVersion, nodeOutput, nodeRuns, type N8nInstance } from '../harness/n8n';
import { declaredTypes } from '../harness/package-types';

jest.setTimeout(5 * 60_000);

const webhookNode = (name: string, webhookPath: string, webhookId: string) => ({
	id: `${webhookId}-node`,
	name,
	type: 'n8n-nodes-base.webhook',
	typeVersion: 2,
	position: [0, 0],
	webhookId,
	parameters: { httpMethod: 'POST', path: webhookPath, responseMode: 'responseNode', options: {} },
});

const setNode = (name: string, field: string, value: string) => ({
	id: `set-${field}`,
	name,
	type: 'n8n-nodes-base.set',
	typeVersion: 3.4,
	position: [600, 0],
	parameters: {
		assignments: { assignments: [{ id: `assign-${field}`, name: field, value, type: 'string' }] },
		options: {},
	},
});

const respondNode = (name: string, parameters: Record<string, unknown>) => ({
	id: `respond-${name.replace(/\W/g, '')}`,
	name,
	type: 'n8n-nodes-base.respondToWebhook',
	typeVersion: 1.1,
	position: [300, 0],
	parameters,
});

const main = (...targets: string[]) => ({ main: [targets.map((node) => ({ node, type: 'main', index: 0 }))] });

const smokeWorkflow = {
	name: 'harness smoke: Webhook → Set → Respond to Webhook',
	nodes: [
		webhookNode('Webhook', 'harness-smoke', '6f1c58a4-52a7-4c1e-8d3e-5d7b0c1a0001'),
		setNode('Greet', 'greeting', '={{ "hello " + $json.body.name }}'),
		respondNode('Respond', { respondWith: 'firstIncomingItem', options: {} }),
	],
	connections: { Webhook: main('Greet'), Greet: main('Respond') },
	// An exported workflow carries fields the public API refuses; the harness strips them.
	active: false,
	id: 'exported-id',
	meta: { instanceId: 'x' },
	pinData: {},
	tags: [],
	versionId: 'exported-version',
};

const waitWorkflow = {
	name: 'harness wait: Webhook → Respond (resume URL) → Wait → Set',
	nodes: [
		webhookNode('Webhook', 'harness-wait', '6f1c58a4-52a7-4c1e-8d3e-5d7b0c1a0002'),
		respondNode('Respond with resume URL', {
			respondWith: 'json',
			responseBody: '={{ { "resumeUrl": $execution.resumeUrl, "executionId": $execution.id } }}',
			options: {},
		}),
		{
			id: 'wait-node',
			name: 'Wait',
			type: 'n8n-nodes-base.wait',
			typeVersion: 1.1,
			position: [450, 0],
			webhookId: '6f1c58a4-52a7-4c1e-8d3e-5d7b0c1a0003',
			parameters: { resume: 'webhook', httpMethod: 'POST', options: {} },
		},
		setNode('After Wait', 'resumedWith', '={{ $json.body.decision }}'),
	],
	connections: {
		Webhook: main('Respond with resume URL'),
		'Respond with resume URL': main('Wait'),
		Wait: main('After Wait'),
	},
};

describeEachN8nVersion('the packed package in a real n8n', (getN8n) => {
	let n8n: N8nInstance;
	beforeAll(() => {
		n8n = getN8n();
	});

	test('is installed like a community package, without n8n-workflow beside it', () => {
		const installed = n8n.installedPackage!;
		const inUserFolder = path.join(n8n.userFolder, '.n8n', 'nodes', 'node_modules', installed.name);
		expect(fs.realpathSync(inUserFolder)).toBe(fs.realpathSync(installed.directory));
		const manifest = JSON.parse(fs.readFileSync(path.join(inUserFolder, 'package.json'), 'utf8'));
		expect(manifest.peerDependencies).toBeUndefined();
		expect(manifest.devDependencies).toBeUndefined();
		expect(fs.existsSync(path.join(inUserFolder, 'node_modules', 'n8n-workflow'))).toBe(false);
		expect(fs.existsSync(path.join(inUserFolder, 'dist'))).toBe(true);
	});

	test('loads every node and credential listed in package.json "n8n"', async () => {
		const declared = declaredTypes();
		expect(declared.nodes.length).toBeGreaterThan(0);
		const [nodes, credentials] = await Promise.all([n8n.loadedNodeTypes(), n8n.loadedCredentialTypes()]);
		expect(nodes).toContain('n8n-nodes-base.webhook');
		expect(nodes).toEqual(expect.arrayContaining(declared.nodes));
		expect(credentials).toEqual(expect.arrayContaining(declared.credentials));
		expect(n8n.logTail(10_000)).not.toMatch(/Skipping package|Failed to load package/);
	});

	test('a workflow of n8n nodes imports, activates and answers through its production webhook', async () => {
		const workflowId = await n8n.createWorkflow(smokeWorkflow);
		await n8n.activate(workflowId);
		await n8n.waitForWebhook('harness-smoke', 'POST');

		const response = await n8n.webhook<{ greeting: string }>('harness-smoke', { body: { name: 'Ada' } });
		expect(response.status).toBe(200);
		expect(response.body.greeting).toBe('hello Ada');

		const execution = await n8n.waitForExecution((e) => e.status === 'success', 30_000, workflowId);
		expect(execution.mode).toBe('webhook');
		const [greeted] = nodeOutput(execution, 'Greet');
		expect(greeted).toHaveLength(1);
		expect(greeted[0].json).toEqual({ greeting: 'hello Ada' });
		expect(nodeOutput(execution, 'Webhook')[0][0].json).toMatchObject({ body: { name: 'Ada' } });
		expect(() => nodeOutput(execution, 'No Such Node')).toThrow(/did not run.*Webhook/);

		const listed = await n8n.listExecutions(workflowId);
		expect(listed.map((e) => e.id)).toContain(execution.id);

		// n8n's internal API stores and sends run data flatted; decoded, it is the same.
		const internal = await n8n.rest<Record<string, unknown>>('GET', `executions/${execution.id}`);
		expect(typeof internal.data).toBe('string');
		expect(nodeOutput(n8n.decodeExecution(internal), 'Greet')).toEqual(nodeOutput(execution, 'Greet'));

		const again = await n8n.runWebhook<{ greeting: string }>(workflowId, 'harness-smoke', { body: { name: 'Bob' } });
		expect(again.response.body.greeting).toBe('hello Bob');
		expect(Number(again.execution.id)).toBeGreaterThan(Number(execution.id));
		expect(nodeOutput(again.execution, 'Greet')[0][0].json).toEqual({ greeting: 'hello Bob' });
	});

	test('a Wait node resumes through $execution.resumeUrl (signed on 2.x, bare on 1.x)', async () => {
		const workflowId = await n8n.createWorkflow(waitWorkflow);
		await n8n.activate(workflowId);
		await n8n.waitForWebhook('harness-wait', 'POST');

		const started = await n8n.webhook<{ resumeUrl: string; executionId: string }>('harness-wait', { body: {} });
		expect(started.status).toBe(200);
		const { resumeUrl, executionId } = started.body;
		const waitingUrl = `${n8n.baseUrl}webhook-waiting/${executionId}`;
		if (n8n.major >= 2) {
			expect(resumeUrl).toMatch(new RegExp(`^${waitingUrl}\\?signature=[0-9a-f]{64}$`));
		} else {
			expect(resumeUrl).toBe(waitingUrl);
		}
		await n8n.waitForExecutionStatus(executionId, ['waiting']);

		if (n8n.major >= 2) {
			const unsigned = await n8n.http(waitingUrl, { method: 'POST', body: { decision: 'forged' } });
			expect(unsigned.status).toBe(401);
			expect((await n8n.getExecution(executionId)).status).toBe('waiting');
		}

		const resumed = await n8n.http(resumeUrl, { method: 'POST', body: { decision: 'approved' } });
		expect(resumed.status).toBe(200);
		const execution = await n8n.waitForExecutionStatus(
			executionId,
			['success', 'error', 'crashed'],
			60_000,
			(e) => e.status !== 'success' || nodeRuns(e, 'After Wait').length > 0,
		);
		expect(execution.status).toBe('success');
		expect(nodeOutput(execution, 'After Wait')[0][0].json).toMatchObject({ resumedWith: 'approved' });

		const again = await n8n.http(resumeUrl, { method: 'POST', body: { decision: 'twice' } });
		expect(again.status).toBe(409);
	});
});
