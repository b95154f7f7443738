/**
 * What n8n's editor does with the nodes' descriptions before a person sees them, checked without a
 * browser (the browser tests in test/n8n/editor.test.ts show the same in the real editors):
 *
 * - n8n's editor (nodeTypesUtils getMainAuthField / getNodeAuthFields / isAuthRelatedParameter, the
 *   same in 1.123 and 2.41) calls every parameter named in a credential's display conditions
 *   "authentication-related"; when a node has a main authentication field (a parameter named
 *   `authentication` among them, or one whose every value a credential names), it hides that field
 *   and every parameter an authentication-related parameter names in its `show` conditions.
 * - A required credential whose display conditions hold at the defaults is flagged "not set".
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

import { NodeHelpers, type INodeParameters, type INodeProperties, type INodeTypeDescription } from 'n8n-workflow';

import { AiClassify } from '../../nodes/AiClassify/AiClassify.node';
import { ConfidenceRouter } from '../../nodes/ConfidenceRouter/ConfidenceRouter.node';
import { ExtractInvoice } from '../../nodes/ExtractInvoice/ExtractInvoice.node';
import { HumanReviewWait } from '../../nodes/HumanReviewWait/HumanReviewWait.node';
import { MetricsLogger } from '../../nodes/MetricsLogger/MetricsLogger.node';

const nodes: Record<string, INodeTypeDescription> = {
	AiClassify: new AiClassify().description,
	ExtractInvoice: new ExtractInvoice().description,
	ConfidenceRouter: new ConfidenceRouter().description,
	HumanReviewWait: new HumanReviewWait().description,
	MetricsLogger: new MetricsLogger().description,
};

/** n8n's getNodeAuthFields: the parameters the credentials' display conditions name. */
function authFields(node: INodeTypeDescription): INodeProperties[] {
	const names = new Set((node.credentials ?? []).flatMap((credential) => Object.keys(credential.displayOptions?.show ?? {})));
	return node.properties.filter((property) => names.has(property.name));
}

/** n8n's getMainAuthField (isNodeParameterRequired is always true there). */
function mainAuthField(node: INodeTypeDescription): INodeProperties | undefined {
	const fields = authFields(node);
	const named = fields.find(
		(field) => field.name === 'authentication' && !field.options?.some((option) => 'value' in option && option.value === 'none'),
	);
	if (named) return named;
	const values: Record<string, string[]> = {};
	for (const credential of node.credentials ?? []) {
		for (const [name, allowed] of Object.entries(credential.displayOptions?.show ?? {})) {
			values[name] = [...(values[name] ?? []), ...(allowed ?? []).map(String)];
		}
	}
	return fields.find(
		(field) =>
			(field.options?.length ?? 0) > 0 &&
			field.options!.every((option) => !('value' in option) || typeof option.value !== 'string' || values[field.name].includes(option.value)),
	);
}

/** The parameters n8n's editor leaves out of the panel. */
function hiddenByEditor(node: INodeTypeDescription): string[] {
	const main = mainAuthField(node);
	if (!main) return [];
	const related = new Set(authFields(node).flatMap((field) => Object.keys(field.displayOptions?.show ?? {})));
	return [...new Set(node.properties.filter((p) => p.name === main.name || related.has(p.name)).map((p) => p.name))];
}

function defaults(node: INodeTypeDescription, set: INodeParameters = {}): INodeParameters {
	return NodeHelpers.getNodeParameters(node.properties, set, true, false, null, node) ?? {};
}

function credentialsAsked(node: INodeTypeDescription, parameters: INodeParameters): string[] {
	return (node.credentials ?? [])
		.filter((credential) => credential.required && NodeHelpers.displayParameter(parameters, credential, null, null))
		.map((credential) => credential.name);
}

describe('the panel n8n\'s editor builds from each node', () => {
	test.each(Object.keys(nodes))('%s: no parameter a builder needs is hidden as authentication-related', (name) => {
		// Authentication itself moves into the credential selector, which offers both credential types.
		expect(hiddenByEditor(nodes[name])).toEqual(name === 'AiClassify' || name === 'ExtractInvoice' ? ['authentication'] : []);
	});

	test('the same rule hid Engine and Operation in the layout before (show conditions on the auth fields)', () => {
		const node = nodes.AiClassify;
		const withShowConditions: INodeTypeDescription = {
			...node,
			properties: node.properties.map((property) =>
				property.name === 'authentication' ? { ...property, displayOptions: { show: { engine: ['openai', 'cascade'], operation: ['classify'] } } } : property,
			),
		};
		expect(hiddenByEditor(withShowConditions)).toEqual(expect.arrayContaining(['operation', 'engine']));
	});

	test.each(Object.keys(nodes))('%s: no credential is asked for at the defaults', (name) => {
		expect(credentialsAsked(nodes[name], defaults(nodes[name]))).toEqual([]);
	});

	test('an OpenAI-compatible engine asks for the credential of the chosen authentication; PostgreSQL for its credential', () => {
		expect(credentialsAsked(nodes.AiClassify, defaults(nodes.AiClassify, { engine: 'openai' }))).toEqual(['openAiCompatibleApi']);
		expect(credentialsAsked(nodes.AiClassify, defaults(nodes.AiClassify, { engine: 'cascade', authentication: 'openAiApi' }))).toEqual(['openAiApi']);
		expect(credentialsAsked(nodes.AiClassify, defaults(nodes.AiClassify, { engine: 'openai', storeType: 'postgres' }))).toEqual(['openAiCompatibleApi']);
		expect(credentialsAsked(nodes.AiClassify, defaults(nodes.AiClassify, { storeType: 'postgres' }))).toEqual(['postgres']);
		expect(credentialsAsked(nodes.ExtractInvoice, defaults(nodes.ExtractInvoice, {}))).toEqual([]);
		expect(credentialsAsked(nodes.ExtractInvoice, defaults(nodes.ExtractInvoice, { detectDuplicates: true, storeType: 'postgres' }))).toEqual(['postgres']);
		expect(credentialsAsked(nodes.MetricsLogger, defaults(nodes.MetricsLogger, { storeType: 'postgres' }))).toEqual(['postgres']);
	});

	test('parameters the local engine ignores are not shown with it', () => {
		const shown = (node: INodeTypeDescription, set: INodeParameters) => {
			const parameters = defaults(node, set);
			return node.properties.filter((p) => NodeHelpers.displayParameter(parameters, p, null, null)).map((p) => p.name);
		};
		const local = shown(nodes.AiClassify, {});
		for (const ignored of ['contextFields', 'instructions', 'model', 'multiLabel', 'cascadeThreshold']) expect(local).not.toContain(ignored);
		expect(shown(nodes.AiClassify, { engine: 'openai' })).toEqual(expect.arrayContaining(['model', 'contextFields', 'instructions', 'multiLabel']));
		expect(shown(nodes.AiClassify, { engine: 'openai' })).not.toEqual(expect.arrayContaining(['storeType']));
		// Extract Invoice's store serves Detect Duplicates and the vendor memory alike (display options
		// cannot say "either"), so it shows with both off too; the model engine ignores only the memory.
		expect(shown(nodes.ExtractInvoice, {})).toContain('storeType');
		expect(shown(nodes.ExtractInvoice, { engine: 'openai' })).not.toContain('vendorMemory');
	});

	test('AI Classify reads like n8n\'s Text Classifier: the text, then the categories, options last', () => {
		const order = nodes.AiClassify.properties.map((p) => p.name);
		expect(order.indexOf('text')).toBeLessThan(order.indexOf('categories'));
		for (const later of ['modelName', 'learnFromReviews', 'storeType', 'storePath', 'contextFields', 'instructions']) {
			expect(order.indexOf(later)).toBeGreaterThan(order.indexOf('categories'));
		}
		expect(order[order.length - 1]).toBe('options');
	});

	test.each(Object.keys(nodes))('%s: its codex file names categories, aliases and a documentation link', (name) => {
		const codex = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'nodes', name, `${name}.node.json`), 'utf8'));
		expect(codex.node).toBe(`n8n-nodes-ai-workflow.${nodes[name].name}`);
		expect(codex.categories.length).toBeGreaterThan(0);
		// n8n's node panel leaves AI nodes out of its search unless they are root nodes.
		if (codex.categories.includes('AI')) expect(codex.subcategories.AI).toContain('Root Nodes');
		expect(codex.alias.length).toBeGreaterThan(3);
		expect(codex.resources.primaryDocumentation[0].url).toMatch(/^https:\/\/github\.com\/.+#/);
	});

	test('tool variants only where an agent can hand the node what it needs (a text to classify)', () => {
		expect(Object.entries(nodes).filter(([, node]) => node.usableAsTool).map(([name]) => name)).toEqual(['AiClassify']);
	});
});

describe('the example workflows', () => {
	const examplesDir = path.join(__dirname, '..', '..', 'examples');
	const examples = fs.readdirSync(examplesDir).filter((file) => file.endsWith('.json'));

	test.each(examples)('%s: Human Review Wait\'s Timed Out output never joins the decisions', (file) => {
		const workflow = JSON.parse(fs.readFileSync(path.join(examplesDir, file), 'utf8')) as {
			nodes: Array<{ name: string; type: string; parameters: Record<string, unknown> }>;
			connections: Record<string, { main?: Array<Array<{ node: string }> | null> }>;
		};
		for (const node of workflow.nodes.filter((n) => n.type === 'n8n-nodes-ai-workflow.humanReviewWait')) {
			if (node.parameters.outputLayout === 'single') continue;
			const [timedOut = [], ...decisions] = (workflow.connections[node.name]?.main ?? []).map((targets) => (targets ?? []).map((t) => t.node));
			const decided = new Set(decisions.flat());
			expect(timedOut.filter((target) => decided.has(target))).toEqual([]);
		}
	});
});
