/**
 * Lets plain `node` require the repository's TypeScript sources (child processes of tests, bench
 * scripts): `.ts` files are transpiled on load with the TypeScript compiler the repo already has.
 * Usage: node -r ./scripts/ts-register.js scripts/bench-store.ts
 */
const fs = require('node:fs');
const ts = require('typescript');

require.extensions['.ts'] = (module, filename) => {
	const source = fs.readFileSync(filename, 'utf8');
	const { outputText } = ts.transpileModule(source, {
		fileName: filename,
		compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
	});
	module._compile(outputText, filename);
};
