/**
 * Input the preparation step cannot use. The pure code here knows nothing of n8n; the node shells
 * map this error to a NodeOperationError that names the item and shows `fix` as its description.
 */
export type PrepareErrorCode =
	/** The value to clean or redact is not a string (an object, a number, nothing). */
	| 'NOT_A_STRING'
	/** A custom redaction pattern is not a valid regular expression (or matches nothing but ""). */
	| 'BAD_PATTERN'
	/** The country for national phone numbers is not a country libphonenumber knows. */
	| 'BAD_COUNTRY';

export class PrepareInputError extends Error {
	constructor(
		readonly code: PrepareErrorCode,
		message: string,
		/** What the user changes in the workflow to get past this error. */
		readonly fix: string,
	) {
		super(message);
		this.name = 'PrepareInputError';
	}
}

/** Throws NOT_A_STRING unless `value` is a string; `what` names the input in the message. */
export function requireString(value: unknown, what: string): string {
	if (typeof value === 'string') return value;
	const got = value === null ? 'null' : Array.isArray(value) ? 'an array' : value === undefined ? 'nothing' : typeof value === 'object' ? 'an object' : `a ${typeof value}`;
	throw new PrepareInputError(
		'NOT_A_STRING',
		`The ${what} is ${got}, not a string`,
		'Point the text field at a string, e.g. {{ $json.body }}, or convert it with {{ String($json.field) }}; for binary e-mails, extract the text first.',
	);
}
