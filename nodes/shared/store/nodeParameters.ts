/**
 * The store selection every node that uses the package store shows (Metrics Logger, Human Review
 * Wait, AI Classify's feedback loop), and how a node turns it into a store configuration. All nodes
 * that should see the same data must point at the same store. Each node declares n8n's own Postgres
 * credential itself, as a literal `{ name: 'postgres', required: true, displayOptions: { show: {
 * storeType: ['postgres'] } } }` (n8n's community scanner reads credentials only as object literals),
 * on purpose n8n's own: teams already have one for their database, and the store needs exactly its fields.
 */
import type { IDisplayOptions, INodeProperties } from 'n8n-workflow';

type Hide = NonNullable<IDisplayOptions['hide']>;

import { postgresConfigFromCredential } from './index';
import type { StoreConfig } from './types';

/**
 * `hideWhen` hides the selection (e.g. `{ engine: ['openai'] }`). It is a hide condition, never a show
 * condition, on purpose: n8n's editor treats every parameter named in a credential's display conditions
 * as authentication-related (the Postgres credential names `storeType`) and hides from the panel every
 * parameter those name in their `show` conditions, so `show: { engine }` here would hide Engine itself.
 */
export function storeProperties(purpose: string, hideWhen?: Hide): INodeProperties[] {
	const hidden = hideWhen ? { hide: hideWhen } : {};
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
			description: `${purpose} In queue mode every n8n process must reach it: use PostgreSQL`,
			...(hideWhen ? { displayOptions: hidden } : {}),
		},
		{
			displayName: 'Store File',
			name: 'storePath',
			type: 'string',
			default: '',
			placeholder: '~/.n8n/ai-workflow/store.sqlite',
			description:
				'Path of the SQLite file; empty: ai-workflow/store.sqlite in the n8n user folder. Every node that should see the same data must use the same file.',
			displayOptions: { show: { storeType: ['sqlite'] }, ...hidden },
		},
	];
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
