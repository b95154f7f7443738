/**
 * Chromium for the browser tests: Debian's `chromium` package (never a downloaded browser), driven by
 * playwright-core. scripts/ensure-runtime.sh installs it when it is missing; `AIW_CHROMIUM` (or
 * `CHROMIUM_PATH`) points at another binary.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

import { chromium, type Browser } from 'playwright-core';

/** Without the background-networking flags Chromium keeps dialling out of this closed network. */
export const CHROMIUM_ARGS = [
	'--no-sandbox',
	'--headless',
	'--disable-gpu',
	'--disable-quic',
	'--disable-background-networking',
	'--disable-component-update',
	'--disable-sync',
	'--no-first-run',
];

const CANDIDATES = ['chromium', 'chromium-browser', 'google-chrome-stable', 'google-chrome'];

function onPath(name: string): string | undefined {
	for (const folder of (process.env.PATH ?? '').split(path.delimiter)) {
		const candidate = path.join(folder, name);
		try {
			fs.accessSync(candidate, fs.constants.X_OK);
			return candidate;
		} catch {
			// not in this folder
		}
	}
	return undefined;
}

/** The Chromium binary the tests use, or undefined when there is none. */
export function findChromium(): string | undefined {
	const configured = process.env.AIW_CHROMIUM ?? process.env.CHROMIUM_PATH;
	if (configured) return configured;
	for (const name of CANDIDATES) {
		const found = onPath(name);
		if (found) return found;
	}
	return undefined;
}

export function chromiumPath(): string {
	const found = findChromium();
	if (!found) {
		throw new Error(
			'No Chromium found for the browser tests: install Debian\'s package (apt-get install chromium) or set AIW_CHROMIUM to a Chromium binary.',
		);
	}
	return found;
}

export async function launchChromium(): Promise<Browser> {
	return await chromium.launch({ executablePath: chromiumPath(), args: CHROMIUM_ARGS });
}
