/**
 * Personal values for the input-preparation tests (Redact Before the Model): valid of their kind
 * (IBAN mod-97, Luhn, phone numbers libphonenumber accepts), so each must be redacted, and a text
 * invoice that carries some of them on labelled lines the test server's model reads.
 */
export const PERSONAL = {
	emails: ['anna.berger@example.org', 'j.smith@customer-mail.example'],
	phones: ['+49 30 901820', '+44 20 7946 0958'],
	ibans: ['DE89 3704 0044 0532 0130 00', 'GB82WEST12345698765432'],
	cards: ['4111 1111 1111 1111', '5555-5555-5555-4444'],
};

/** Every personal value, as written. */
export const PERSONAL_VALUES = Object.values(PERSONAL).flat();

/** A text invoice the local engine and the test server's model both read, with an IBAN, an e-mail, a phone and a card. */
export const INVOICE_WITH_PERSONAL_DATA = [
	'Seller: ACME Supplies GmbH',
	'Invoice ID: INV-2024-0042',
	'Invoice Date: 2024-03-05',
	'Due Date: 2024-04-04',
	'Currency: EUR',
	'Subtotal: 100.00',
	'Total Tax: 19.00',
	'Invoice Total: 119.00',
	`IBAN: ${PERSONAL.ibans[0]}`,
	`Contact: ${PERSONAL.emails[0]}, ${PERSONAL.phones[0]}`,
	`Card: ${PERSONAL.cards[0]}`,
].join('\n');
