/**
 * Loads an ES module (pdfjs-dist 5 ships only ESM) from this package's CommonJS output.
 * `process.getBuiltinModule('module').createRequire` gives Node's own require, which loads ESM
 * synchronously on Node ≥ 22.12 and also works under jest's module registry; older Node falls back to
 * a dynamic import that TypeScript's CommonJS output does not rewrite into require().
 */
type ModuleApi = { createRequire(path: string): NodeJS.Require };

const dynamicImport = new Function('specifier', 'return import(specifier)') as (specifier: string) => Promise<unknown>;

export async function loadEsm<T>(specifier: string): Promise<T> {
	const getBuiltinModule = (process as unknown as { getBuiltinModule?: (id: string) => unknown }).getBuiltinModule;
	if (typeof getBuiltinModule === 'function') {
		const moduleApi = getBuiltinModule('module') as ModuleApi;
		try {
			return moduleApi.createRequire(__filename)(specifier) as T;
		} catch (error) {
			if ((error as NodeJS.ErrnoException).code !== 'ERR_REQUIRE_ESM') throw error;
		}
	}
	return (await dynamicImport(specifier)) as T;
}

/** A real Node require (not jest's), for CommonJS packages with native parts. */
export function nodeRequire(specifier: string): unknown {
	const getBuiltinModule = (process as unknown as { getBuiltinModule?: (id: string) => unknown }).getBuiltinModule;
	if (typeof getBuiltinModule === 'function') {
		return (getBuiltinModule('module') as ModuleApi).createRequire(__filename)(specifier);
	}
	// eslint-disable-next-line @typescript-eslint/no-require-imports
	return require(specifier);
}
