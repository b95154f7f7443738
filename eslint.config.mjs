import tseslint from 'typescript-eslint';
import { n8nCommunityNodesPlugin } from '@n8n/eslint-plugin-community-nodes';

// Every folder: typescript-eslint's recommended rules; on the shipped nodes and credentials also n8n's
// community-node rules, in the variant for packages installed on self-hosted n8n (this package needs
// file, network and database access, which n8n Cloud does not grant to community nodes). n8n's own
// scanner runs after ESLint in `npm run lint` (scripts/scan-community-package.mjs).
export default tseslint.config(
	{ ignores: ['dist/**', 'node_modules/**', 'coverage/**'] },
	{
		files: ['**/*.ts', '**/*.js', '**/*.mjs'],
		extends: [tseslint.configs.recommended],
		rules: {
			// A leading underscore marks a value that is deliberately left unused (destructured away).
			'@typescript-eslint/no-unused-vars': [
				'error',
				{ argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_', ignoreRestSiblings: true },
			],
		},
	},
	{
		// CommonJS configuration files, as their tools load them.
		files: ['**/*.js'],
		languageOptions: { sourceType: 'commonjs', globals: { require: 'readonly', module: 'writable', __dirname: 'readonly', process: 'readonly' } },
		rules: { '@typescript-eslint/no-require-imports': 'off' },
	},
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
