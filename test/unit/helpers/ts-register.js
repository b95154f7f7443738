/**
 * Lets plain `node` require the repository's TypeScript sources in child processes of tests (no build
 * needed): `.ts` files are transpiled on load with the TypeScript compiler the repo already has.
 * Usage: node -r ./test/unit/helpers/ts-register.js test/unit/helpers/write-events-child.ts …
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
