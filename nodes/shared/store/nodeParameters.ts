/**
 * The store selection every node that uses the package store shows (Metrics Logger, Human Review
 * Wait, AI Classify's feedback loop), and how a node turns it into a store configuration. All nodes
 * that should see the same data must point at the same store.
 */
import type { IDisplayOptions, INodeCredentialDescription, INodeProperties, NodeParameterValue } from 'n8n-workflow';

type Show = NonNullable<IDisplayOptions['show']>;

import { postgresConfigFromCredential } from './index';
import type { StoreConfig } from './types';

export function storeProperties(purpose: string, show?: Show): INodeProperties[] {
	const when = (extra: Show = {}) => (show || Object.keys(extra).length > 0 ? { displayOptions: { show: { ...show, ...extra } } } : {});
	return [
		{
			displayName: 'Store',
			name: 'storeType',
			type: 'options',
			options: [
				{
					name: 'Embedded (SQLite File)',
					value: 'sqlite',
					description: 'One file in the n8n user folder; no set-up. For a single n8n instance.',
				},
				{
					name: 'PostgreSQL',
					value: 'postgres',
					description: 'A PostgreSQL database through a Postgres credential; for teams and queue mode',
				},
			],
			default: 'sqlite',
			description: `${purpose} In queue mode every n8n process must reach it: use PostgreSQL.`,
			...when(),
		},
		{
			displayName: 'Store File',
			name: 'storePath',
			type: 'string',
			default: '',
			placeholder: '~/.n8n/ai-workflow/store.sqlite',
			description:
				'Path of the SQLite file; empty: ai-workflow/store.sqlite in the n8n user folder. Every node that should see the same data must use the same file.',
			...when({ storeType: ['sqlite'] }),
		},
	];
}

/** n8n's own Postgres credential, shown when the PostgreSQL store is chosen. */
export function storeCredential(show?: Record<string, NodeParameterValue[]>): INodeCredentialDescription {
	return {
		// n8n's own Postgres credential on purpose: teams already have one for their database, and the
		// store needs exactly its fields (n8n's lint rule against reusing credentials is meant for n8n Cloud).
		name: 'postgres',
		required: true,
		displayOptions: { show: { ...show, storeType: ['postgres'] } },
	};
}

/** The part of n8n's function contexts the store selection needs (execute and webhook alike). */
export interface StoreParameterSource {
	parameter(name: string, fallback: string): string;
	credentials(type: 'postgres'): Promise<Record<string, unknown>>;
}

export async function storeConfigFrom(source: StoreParameterSource): Promise<StoreConfig> {
	if (source.parameter('storeType', 'sqlite') === 'postgres') {
		return postgresConfigFromCredential(await source.credentials('postgres'));
	}
	return { kind: 'sqlite', path: source.parameter('storePath', '') };
}
