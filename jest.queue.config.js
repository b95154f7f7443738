/**
 * n8n in queue mode (main, webhook processor, two workers on PostgreSQL and Redis): heavy (≈3 GB,
 * minutes), so a separate run: `npm run test:queue`. Not part of `npm test`.
 */
module.exports = {
	projects: [
		{
			displayName: 'queue',
			testMatch: ['<rootDir>/test/queue/**/*.test.ts'],
			transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.test.json' }] },
			testEnvironment: 'node',
		},
	],
	testTimeout: 20 * 60 * 1000,
	// One queue-mode n8n at a time on a machine.
	maxWorkers: 1,
};
