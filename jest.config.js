/**
 * The tests in layers, fastest first (select one with `jest --selectProjects <name>`):
 *   unit   pure cores, no services                                   npm run test:unit
 *   store  the package store on SQLite files and the tests' PostgreSQL
 *   nodes  each node's execute()/webhook() in-process, inside n8n-core's own workflow execution
 *   n8n    real n8n processes (2.41.1 and 1.123.81), production webhooks, the editor in Chromium
 *   queue  n8n in queue mode (main, webhook processor, two workers; PostgreSQL and Redis), one at a time
 * Each layer's global setup first checks what it needs (test/setup/) and stops with one line naming
 * what is missing and how to get it, before any test runs.
 */
const path = require('node:path');
const os = require('node:os');

const transform = { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.test.json' }] };
const cache = process.env.AIW_CACHE_DIR ?? path.join(os.homedir(), '.cache', 'n8n-nodes-ai-workflow');
/** The n8n whose execution engine runs the in-process node tests (installed by the layer's setup). */
const NODES_N8N_VERSION = '2.41.1';
const nodesN8n = path.join(cache, `n8n-${NODES_N8N_VERSION}`, 'node_modules');

const SECOND = 1000;
const MINUTE = 60 * SECOND;

function layer(name, timeoutMs, extra = {}) {
	return {
		displayName: name,
		testMatch: [`<rootDir>/test/${name}/**/*.test.ts`],
		transform,
		testEnvironment: 'node',
		globalSetup: `<rootDir>/test/setup/${name}.ts`,
		// jest's testTimeout is one for all projects; each layer sets its own (test/setup/timeout.ts).
		globals: { layerTimeoutMs: timeoutMs },
		setupFilesAfterEnv: ['<rootDir>/test/setup/timeout.ts'],
		...extra,
	};
}

module.exports = {
	projects: [
		layer('unit', 60 * SECOND),
		layer('store', 2 * MINUTE),
		layer('nodes', 60 * SECOND, {
			globals: { layerTimeoutMs: 60 * SECOND, n8nVersion: NODES_N8N_VERSION },
			// One n8n-workflow for the nodes and n8n-core, as inside n8n (errors are matched by class there).
			moduleNameMapper: {
				'^n8n-workflow$': path.join(nodesN8n, 'n8n-workflow'),
				'^n8n-core$': path.join(nodesN8n, 'n8n-core'),
			},
		}),
		layer('n8n', 15 * MINUTE),
		layer('queue', 20 * MINUTE),
	],
	// Real n8n processes take ≈0.8 GB and a few seconds of CPU each; two at a time on 2 cores.
	maxWorkers: 2,
};
