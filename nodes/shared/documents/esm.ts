/**
 * Loads ES modules (pdfjs-dist 5 ships only ESM) from this package's CommonJS output.
 * `process.getBuiltinModule('module').createRequire` gives Node's own require, which loads ESM
 * synchronously on Node ≥ 22.12 (and also under jest, whose module registry would refuse it).
 */
type ModuleApi = { createRequire(path: string): NodeJS.Require };

function realRequire(): NodeJS.Require {
	const getBuiltinModule = (process as unknown as { getBuiltinModule?: (id: string) => unknown }).getBuiltinModule;
	if (typeof getBuiltinModule !== 'function') return require;
	return (getBuiltinModule('module') as ModuleApi).createRequire(__filename);
}

export async function loadEsm<T>(specifier: string): Promise<T> {
	return realRequire()(specifier) as T;
}

/** A real Node require (not jest's), for CommonJS packages with native parts. */
export function nodeRequire(specifier: string): unknown {
	return realRequire()(specifier);
}
