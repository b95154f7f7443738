import tseslint from 'typescript-eslint';
import { n8nCommunityNodesPlugin } from '@n8n/eslint-plugin-community-nodes';

// n8n's community-node rules in the variant for packages installed on self-hosted n8n (this package
// needs file, network and database access, which n8n Cloud does not grant to community nodes).
export default tseslint.config(
	{ ignores: ['dist/**', 'node_modules/**', 'test/**', 'scripts/**', '**/*.js', 'examples/**'] },
	{
		files: ['nodes/**/*.ts', 'credentials/**/*.ts', 'package.json'],
		extends: [n8nCommunityNodesPlugin.configs.recommendedWithoutN8nCloudSupport],
		languageOptions: { parser: tseslint.parser },
		rules: {
			// Meant for n8n-verified packages, which may ship no runtime dependencies. This package's
			// engines and store deliberately depend on openai, zod, pdf.js, tesseract.js and pg.
			'@n8n/community-nodes/no-runtime-dependencies': 'off',
		},
	},
	{
		// The pure cores under nodes/shared know nothing of n8n (they are unit-tested without it) and
		// throw their own error classes; each node shell maps them to NodeOperationError/NodeApiError.
		files: ['nodes/shared/**/*.ts'],
		rules: { '@n8n/community-nodes/require-node-api-error': 'off' },
	},
);
