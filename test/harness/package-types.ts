/**
 * The node and credential type names n8n should load from this package, derived from the `n8n`
 * section of package.json and the built files' descriptions (as n8n derives them).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

import { repoRoot } from './runtime';

export interface DeclaredTypes {
	packageName: string;
	/** `<package name>.<description.name>`, as in /types/nodes.json. */
	nodes: string[];
	/** Credential `name`s, as in /types/credentials.json (credentials carry no package prefix). */
	credentials: string[];
}

interface PackageJson {
	name: string;
	n8n?: { nodes?: string[]; credentials?: string[] };
}

type Constructor = new () => Record<string, unknown>;

function exportedClass(file: string): Constructor {
	if (!fs.existsSync(file)) {
		throw new Error(`${path.relative(repoRoot, file)} is listed in package.json "n8n" but was not built (run npm run build)`);
	}
	// eslint-disable-next-line @typescript-eslint/no-require-imports -- the built node file, by a path found at run time
	const exported = require(file) as Record<string, unknown>;
	// n8n's loader expects the class to be exported under the file's base name (AiClassify.node.js → AiClassify).
	const className = path.basename(file).split('.')[0];
	const candidate = exported[className];
	if (typeof candidate !== 'function') {
		throw new Error(`${path.relative(repoRoot, file)} does not export a class named ${className}`);
	}
	return candidate as Constructor;
}

export function declaredTypes(root = repoRoot): DeclaredTypes {
	const packageJson = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as PackageJson;
	const nodes = (packageJson.n8n?.nodes ?? []).map((file) => {
		const description = new (exportedClass(path.join(root, file)))().description as { name?: string } | undefined;
		if (!description?.name) throw new Error(`${file}: the node has no description.name`);
		return `${packageJson.name}.${description.name}`;
	});
	const credentials = (packageJson.n8n?.credentials ?? []).map((file) => {
		const name = new (exportedClass(path.join(root, file)))().name;
		if (typeof name !== 'string' || !name) throw new Error(`${file}: the credential has no name`);
		return name;
	});
	return { packageName: packageJson.name, nodes, credentials };
}
