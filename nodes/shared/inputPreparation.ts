/**
 * n8n glue of input preparation (issue 21) for AI Classify and Extract Invoice: the Clean Input and
 * Redact Before the Model parameters (the same names and wording in both nodes), reading them per
 * item, and PrepareInputError as the NodeOperationError n8n shows. The preparation itself is pure
 * and lives in ./prepare.
 */
import { NodeOperationError, type IDisplayOptions, type IExecuteFunctions, type INode, type INodeProperties } from 'n8n-workflow';

import { isSupportedCountry } from 'libphonenumber-js/max';

import { LLM_ENGINES } from './llm/description';
import { cleanText, PrepareInputError, type CleanResult, type RedactOptions, type RedactionKind } from './prepare';

/** The first node version whose defaults clean the input and whose items carry ai.input. */
export const PREPARED_VERSION = 1.1;

type Show = NonNullable<IDisplayOptions['show']>;

/**
 * Clean Input, as n8n's own nodes change a default between versions: one parameter per version range
 * under the same name, so version-1 nodes keep "off" and new nodes (1.1) get "on".
 */
export function cleanInputProperties(description: string, show: Show = {}): INodeProperties[] {
	// Two literal objects (not one built with the default as an argument): n8n's lint reads defaults as written.
	return [
		{
			displayName: 'Clean Input',
			name: 'cleanInput',
			type: 'boolean',
			default: false,
			description,
			displayOptions: { show: { ...show, '@version': [1] } },
		},
		{
			displayName: 'Clean Input',
			name: 'cleanInput',
			type: 'boolean',
			default: true,
			description,
			displayOptions: { show: { ...show, '@version': [{ _cnd: { gte: PREPARED_VERSION } }] } },
		},
	];
}

const KIND_OPTIONS: Array<{ name: string; value: Exclude<RedactionKind, 'custom'>; description: string }> = [
	{ name: 'E-Mail Address', value: 'email', description: '[EMAIL_1]' },
	{ name: 'IBAN', value: 'iban', description: 'Only IBANs whose check digits are right: [IBAN_1]' },
	{ name: 'National ID', value: 'nationalId', description: 'French NIR, Spanish DNI, Dutch BSN, German Steuer-ID (checksums), US SSN: [NATIONAL_ID_1]' },
	{ name: 'Payment Card', value: 'card', description: 'Card numbers that pass the Luhn check: [CARD_1]' },
	{ name: 'Phone Number', value: 'phone', description: 'Valid numbers written with +country code, or national ones with Phone Country set: [PHONE_1]' },
];

/** Redact Before the Model and what it redacts: shown for the engines that call a model only. */
export function redactionProperties(description: string, show: Show = {}): INodeProperties[] {
	const engines = { ...show, engine: LLM_ENGINES };
	const whenOn = { ...engines, redactBeforeModel: [true] };
	return [
		{
			displayName: 'Redact Before the Model',
			name: 'redactBeforeModel',
			type: 'boolean',
			default: false,
			description,
			displayOptions: { show: engines },
		},
		{
			displayName: 'Redact',
			name: 'redactKinds',
			type: 'multiOptions',
			options: KIND_OPTIONS,
			default: ['email', 'iban', 'nationalId', 'card', 'phone'],
			description: 'Which kinds of personal data are replaced by typed placeholders',
			displayOptions: { show: whenOn },
		},
		{
			displayName: 'Custom Patterns',
			name: 'redactCustomPatterns',
			type: 'string',
			typeOptions: { rows: 2 },
			default: '',
			placeholder: 'CUST-\\d{6}',
			description: 'More values to redact: JavaScript regular expressions without slashes, one per line (replaced by [CUSTOM_1]…)',
			displayOptions: { show: whenOn },
		},
		{
			displayName: 'Phone Country',
			name: 'redactPhoneCountry',
			type: 'string',
			default: '',
			placeholder: 'DE',
			description: 'Two-letter country code for phone numbers written without +country code ("030 1234567"); empty: only numbers with + are found',
			displayOptions: { show: whenOn },
		},
	];
}

/** The node's version as a number (n8n gives the node's typeVersion). */
export function nodeVersion(node: INode): number {
	return node.typeVersion ?? 1;
}

/** Whether Clean Input is on for the item (off where the node has no such parameter shown). */
export function readCleanInput(context: IExecuteFunctions, itemIndex: number): boolean {
	return context.getNodeParameter('cleanInput', itemIndex, nodeVersion(context.getNode()) >= PREPARED_VERSION) as boolean;
}

/**
 * The item's text as AI Classify's engines get it under Clean Input (message mode); undefined when
 * Clean Input is off for the item or the value is not a string (prepareText names that error).
 */
export function cleanedMessage(context: IExecuteFunctions, itemIndex: number, raw: unknown): CleanResult | undefined {
	return typeof raw === 'string' && readCleanInput(context, itemIndex) ? cleanText(raw, { mode: 'message' }) : undefined;
}

/** The item's redaction settings, or false when Redact Before the Model is off (or the engine is local). */
export function readRedaction(context: IExecuteFunctions, itemIndex: number, engine: string): RedactOptions | false {
	if (!LLM_ENGINES.includes(engine)) return false;
	if (!(context.getNodeParameter('redactBeforeModel', itemIndex, false) as boolean)) return false;
	const kinds = context.getNodeParameter('redactKinds', itemIndex, KIND_OPTIONS.map((kind) => kind.value)) as RedactionKind[];
	const patterns = String(context.getNodeParameter('redactCustomPatterns', itemIndex, '') ?? '')
		.split('\n')
		.map((line) => line.trim())
		.filter((line) => line !== '');
	const country = String(context.getNodeParameter('redactPhoneCountry', itemIndex, '') ?? '').trim().toUpperCase();
	if (country !== '' && !isSupportedCountry(country)) {
		throw new PrepareInputError('BAD_COUNTRY', `Phone Country "${country.slice(0, 20)}" is not a country code the phone finder knows`, 'Set Phone Country to a code such as DE, FR or NL, or leave it empty.');
	}
	return { kinds, customPatterns: patterns, ...(country ? { defaultCountry: country } : {}) };
}

/** A PrepareInputError as n8n shows it: the item in the message, the fix as the description. */
export function prepareErrorToNodeError(node: INode, error: PrepareInputError, itemIndex: number): NodeOperationError {
	return new NodeOperationError(node, `Item ${itemIndex}: ${error.message}`, { itemIndex, description: error.fix });
}
