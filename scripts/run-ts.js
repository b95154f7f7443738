#!/usr/bin/env node
// Runs a TypeScript script of this repository without a build: transpiles each .ts file on require.
// Usage: node scripts/run-ts.js scripts/bench-invoice.ts <file.pdf>
const fs = require('node:fs');
const path = require('node:path');
const ts = require('typescript');

require.extensions['.ts'] = (module, filename) => {
	const source = fs.readFileSync(filename, 'utf8');
	const { outputText } = ts.transpileModule(source, {
		compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
		fileName: filename,
	});
	module._compile(outputText, filename);
};

const [script, ...args] = process.argv.slice(2);
process.argv = [process.argv[0], script, ...args];
require(path.resolve(script));
