/**
 * Redact Before the Model: every kind found and replaced by a typed placeholder, checksums that
 * keep look-alikes readable, one placeholder per value, the model's answer mapped back, and counts
 * that never carry a value.
 */
import { PrepareInputError } from '../../nodes/shared/prepare/errors';
import * as vm from 'node:vm';

import { isValidBsn, isValidDni, isValidNir, isValidSteuerId, passesLuhn, redact, redactAll, redactRequest, restore, type Redaction } from '../../nodes/shared/prepare/redact';

const originals = (r: Redaction): string[] => [...r.placeholders.values()];

describe('redact', () => {
	it('replaces e-mail addresses, the same address by the same placeholder', () => {
		const r = redact('Write to Anna.Schmidt@kunde-gmbh.example or anna.schmidt@KUNDE-GMBH.example, cc bob+support@shop.co.uk.');
		expect(r.text).toBe('Write to [EMAIL_1] or [EMAIL_1], cc [EMAIL_2].');
		expect(r.counts.email).toBe(3);
		expect(r.placeholders.get('[EMAIL_1]')).toBe('Anna.Schmidt@kunde-gmbh.example');
		expect(r.placeholders.get('[EMAIL_2]')).toBe('bob+support@shop.co.uk');
	});

	it('replaces valid phone numbers (international always, national with a default country), not order numbers or dates', () => {
		const text = 'Call +49 30 12345678 or +31 20 794 8500, mobile 0151 23456789. Order 48213, date 04.12.2026, amount 1.234,56.';
		const international = redact(text);
		expect(international.text).toBe('Call [PHONE_1] or [PHONE_2], mobile 0151 23456789. Order 48213, date 04.12.2026, amount 1.234,56.');
		const german = redact(text, { defaultCountry: 'DE' });
		expect(german.text).toBe('Call [PHONE_1] or [PHONE_2], mobile [PHONE_3]. Order 48213, date 04.12.2026, amount 1.234,56.');
		expect(german.counts.phone).toBe(3);
		// The same number written twice in two styles is one placeholder.
		expect(redact('+49 30 12345678 / +4930 12345678').text).toBe('[PHONE_1] / [PHONE_1]');
	});

	it('replaces IBANs that pass mod-97, grouped or not, and leaves invalid ones alone', () => {
		const r = redact('Pay to DE89 3704 0044 0532 0130 00 or NL91ABNA0417164300 Thanks. Wrong: DE89 3704 0044 0532 0130 01, GB00WEST12345698765432.');
		expect(r.text).toBe('Pay to [IBAN_1] or [IBAN_2] Thanks. Wrong: DE89 3704 0044 0532 0130 01, GB00WEST12345698765432.');
		expect(r.counts.iban).toBe(2);
		expect(redact('FR14 2004 1010 0505 0001 3M02 606 / FR14 2004 1010 0505 0001 3M02 607 / XX89370400440532013000').text).toBe('[IBAN_1] / FR14 2004 1010 0505 0001 3M02 607 / XX89370400440532013000');
	});

	it('replaces card numbers that pass Luhn (13–19 digits, spaces or dashes) and leaves others alone', () => {
		const r = redact('Visa 4111 1111 1111 1111, Amex 3782-822463-10005, Visa13 4222222222222, expired 12/28. Not a card: 4111 1111 1111 1112, 0000 0000 0000 0000, tracking 00340434161094042557.');
		expect(r.text).toBe('Visa [CARD_1], Amex [CARD_2], Visa13 [CARD_3], expired 12/28. Not a card: 4111 1111 1111 1112, 0000 0000 0000 0000, tracking 00340434161094042557.');
		expect(r.counts.card).toBe(3);
		// A card followed by another number group: the card part is found.
		expect(redact('card 4111 1111 1111 1111 2 items').text).toBe('card [CARD_1] 2 items');
		expect(passesLuhn('79927398713')).toBe(true);
		expect(passesLuhn('79927398710')).toBe(false);
	});

	it('replaces national ids with a checksum (BSN, Steuer-ID, NIR, DNI) and the US SSN format', () => {
		const r = redact('BSN: 111222333, Steuer-ID 86 095 742 719, NIR 1 85 05 78 006 084 91, DNI 12345678Z, SSN 123-45-6789.');
		expect(r.text).toBe('BSN: [NATIONAL_ID_1], Steuer-ID [NATIONAL_ID_2], NIR [NATIONAL_ID_3], DNI [NATIONAL_ID_4], SSN [NATIONAL_ID_5].');
		expect(r.counts.nationalId).toBe(5);
		// Checksums and rules that fail: left alone.
		const wrong = 'BSN: 111222334, Steuer-ID 86 095 742 718, NIR 1 85 05 78 006 084 36, DNI 12345678A, SSN 000-45-6789 and 666-12-3456, 9 digits without a name 111222333.';
		expect(redact(wrong).text).toBe(wrong);
		expect(isValidBsn('111222333')).toBe(true);
		expect(isValidSteuerId('86095742719')).toBe(true);
		expect(isValidNir('185057800608491')).toBe(true);
		expect(isValidNir('2690599150024' + String(97 - Number(BigInt('2690599150024') % 97n)).padStart(2, '0'))).toBe(true);
		expect(isValidNir('2A')).toBe(false);
		expect(isValidDni('12345678Z')).toBe(true);
	});

	it('applies custom patterns, and refuses invalid ones with a typed error', () => {
		const r = redact('Customer CUST-004711 and cust-004711, contract K-99.', { customPatterns: ['CUST-\\d{6}', { pattern: 'k-\\d+', flags: 'i' }] });
		expect(r.text).toBe('Customer [CUSTOM_1] and cust-004711, contract [CUSTOM_2].');
		expect(r.counts.custom).toBe(2);
		for (const bad of ['(unclosed', '[z-a]', 'a*', '', { pattern: 'x', flags: 'g' }, { pattern: 'x', flags: 'y' }]) {
			let error: unknown;
			try {
				redact('text', { customPatterns: [bad] });
			} catch (e) {
				error = e;
			}
			expect(error).toBeInstanceOf(PrepareInputError);
			expect((error as PrepareInputError).code).toBe('BAD_PATTERN');
			expect((error as PrepareInputError).fix).toMatch(/custom pattern 1/);
		}
	});

	it('redacts only the kinds asked for', () => {
		const text = 'anna@kunde.example, +49 30 12345678, DE89370400440532013000';
		expect(redact(text, { kinds: ['iban'] }).text).toBe('anna@kunde.example, +49 30 12345678, [IBAN_1]');
		expect(redact(text, { kinds: [] }).text).toBe(text);
	});

	it('never puts a value in the counts', () => {
		const text = 'anna@kunde.example +49 30 12345678 DE89370400440532013000 4111111111111111 123-45-6789 CUST-004711';
		const r = redact(text, { customPatterns: ['CUST-\\d{6}'] });
		expect(r.counts).toEqual({ email: 1, phone: 1, iban: 1, card: 1, nationalId: 1, custom: 1 });
		const serialised = JSON.stringify(r.counts);
		for (const value of originals(r)) expect(serialised).not.toContain(value);
		expect(Object.values(r.counts).every((n) => typeof n === 'number')).toBe(true);
		for (const value of originals(r)) expect(r.text).not.toContain(value);
	});

	it('does not reuse a placeholder that the input already contains', () => {
		const r = redact('Template says [EMAIL_1]; real one is anna@kunde.example');
		expect(r.text).toBe('Template says [EMAIL_1]; real one is [EMAIL_2]');
		expect(restore(r.text, r.placeholders)).toBe('Template says [EMAIL_1]; real one is anna@kunde.example');
	});

	it('leaves a text without personal data as it is, and restore is the identity on it', () => {
		const texts = [
			'The desk from order 48213 arrived damaged on 04.12.2026; the glass top (120 x 60 cm) is cracked. Total 349,00 EUR.',
			'Die Rechnung RE-2291 über 1.234,56 € ist doppelt. Version 18.2, Build 2026.12.04.',
			'',
		];
		for (const text of texts) {
			const r = redact(text, { defaultCountry: 'DE' });
			expect(r.text).toBe(text);
			expect(r.placeholders.size).toBe(0);
			expect(restore(r.text, r.placeholders)).toBe(text);
		}
	});

	it('refuses non-strings with a typed error', () => {
		expect(() => redact(42)).toThrow(PrepareInputError);
	});
});

describe('restore', () => {
	const r = redact('Anna (anna@kunde.example, +49 30 12345678) pays from DE89370400440532013000.');

	it('round-trips the redacted text', () => {
		expect(restore(r.text, r.placeholders)).toBe('Anna (anna@kunde.example, +49 30 12345678) pays from DE89370400440532013000.');
	});

	it('maps a model answer back: strings anywhere in nested JSON, keys too, other values untouched', () => {
		const answer = {
			vendor: { email: '[EMAIL_1]', contacts: [{ phone: '[PHONE_1]' }, 'call [phone 1] or write [ email_1 ]'] },
			payment: { iban: '[IBAN_1]', amount: 349, paid: false, due: null },
			'[EMAIL_1]': 'key',
			unknown: '[EMAIL_9] stays',
		};
		const before = JSON.stringify(answer);
		expect(restore(answer, r.placeholders)).toEqual({
			vendor: { email: 'anna@kunde.example', contacts: [{ phone: '+49 30 12345678' }, 'call +49 30 12345678 or write anna@kunde.example'] },
			payment: { iban: 'DE89370400440532013000', amount: 349, paid: false, due: null },
			'anna@kunde.example': 'key',
			unknown: '[EMAIL_9] stays',
		});
		expect(JSON.stringify(answer)).toBe(before); // the input is not changed
		expect(restore(42, r.placeholders)).toBe(42);
	});
});

describe('redactAll and redactRequest: one request, one set of placeholders', () => {
	it('the same value is the same placeholder in every text, different values never share one', () => {
		const r = redactAll(['Mail a@x.example', 'cc a@x.example and b@y.example', 'kept [EMAIL_1] as written']);
		expect(r.texts).toEqual(['Mail [EMAIL_2]', 'cc [EMAIL_2] and [EMAIL_3]', 'kept [EMAIL_1] as written']);
		expect(r.counts.email).toBe(3);
	});

	it('redacts every string of the fields, keeps keys, numbers and the shape', () => {
		const r = redactRequest('From anna@example.org', { customer: { email: 'anna@example.org', phones: ['+49 30 901820', 7], vip: true, 'x@y.example': null } });
		expect(r.text).toBe('From [EMAIL_1]');
		expect(r.fields).toEqual({ customer: { email: '[EMAIL_1]', phones: ['[PHONE_1]', 7], vip: true, 'x@y.example': null } });
		expect(restore(r.fields, r.placeholders)).toEqual({ customer: { email: 'anna@example.org', phones: ['+49 30 901820', 7], vip: true, 'x@y.example': null } });
	});

	it('restore works on objects of another realm (structuredClone, sandboxes) and leaves class instances alone', () => {
		const { placeholders } = redact('anna@example.org');
		const foreign = vm.runInNewContext('({ a: { b: ["[EMAIL_1]"] } })') as unknown;
		expect(restore(foreign, placeholders)).toEqual({ a: { b: ['anna@example.org'] } });
		const date = new Date(0);
		expect(restore({ date }, placeholders).date).toBe(date);
	});
});
