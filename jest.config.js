/** Unit tests of the pure cores, and integration tests that drive a real n8n process. */
const transform = {
	'^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.test.json' }],
};

module.exports = {
	projects: [
		{
			displayName: 'unit',
			testMatch: ['<rootDir>/test/unit/**/*.test.ts'],
			transform,
			testEnvironment: 'node',
		},
		{
			displayName: 'n8n',
			testMatch: ['<rootDir>/test/n8n/**/*.test.ts'],
			transform,
			testEnvironment: 'node',
		},
	],
	// Each n8n test file starts its own n8n (≈0.8 GB, a few seconds of CPU); installs happen once per machine.
	testTimeout: 15 * 60 * 1000,
	maxWorkers: 2,
};
