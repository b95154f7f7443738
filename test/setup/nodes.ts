import type { Config } from '@jest/types';

import { requireN8n } from './preflight';

/** The in-process node tests run inside n8n-core's workflow execution, taken from the pinned n8n. */
export default async function setup(_global: Config.GlobalConfig, project: Config.ProjectConfig): Promise<void> {
	requireN8n([String(project.globals.n8nVersion)]);
}
