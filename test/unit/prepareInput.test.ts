/**
 * prepareInput: cleaning, language and redaction in one call, and what it records for the item
 * (sizes, language, flags and counts — never a removed or redacted value). Also the language
 * detector, which loads the ESM-only franc-min from this CommonJS package.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { detectLanguage, prepareInput, PrepareInputError, restore } from '../../nodes/shared/prepare';

describe('detectLanguage', () => {
	it('names the language of e-mail-sized texts in ISO 639-1', () => {
		const samples: Record<string, string> = {
			en: 'I ordered a standing desk two weeks ago and it still has not shipped. Can you tell me when it will be delivered?',
			de: 'Ich habe vor zwei Wochen einen Schreibtisch bestellt und er ist immer noch nicht verschickt worden. Wann wird er geliefert?',
			fr: "J'ai commandé un bureau il y a deux semaines et il n'est toujours pas expédié. Pouvez-vous me dire quand il sera livré ?",
			nl: 'Ik heb twee weken geleden een bureau besteld en het is nog steeds niet verzonden. Wanneer wordt het geleverd?',
			es: 'Hace dos semanas pedí un escritorio y todavía no se ha enviado. ¿Pueden decirme cuándo llegará a mi casa?',
			it: 'Due settimane fa ho ordinato una scrivania e non è ancora stata spedita. Potete dirmi quando arriverà a casa mia?',
			pt: 'Encomendei uma secretária há duas semanas e ainda não foi enviada. Podem dizer-me quando será entregue em minha casa?',
		};
		for (const [language, text] of Object.entries(samples)) expect(detectLanguage(text)).toBe(language);
	});

	// franc-min is ESM-only and the package is CommonJS: what matters is that the built package loads it
	// in plain Node, outside jest's module system. `npm test` builds first; a bare unit run may not have.
	const built = path.join(__dirname, '../../dist/nodes/shared/prepare/index.js');
	(fs.existsSync(built) ? it : it.skip)('works from the compiled package in plain Node (franc-min loaded from CommonJS)', () => {
		const script = `const p = require(${JSON.stringify(built)}); process.stdout.write(JSON.stringify([p.detectLanguage('Ik heb twee weken geleden een bureau besteld en het is nog steeds niet verzonden.'), p.prepareInput('<div>Bonjour, ma facture est fausse.</div>', { clean: 'message' }).input.language]))`;
		expect(JSON.parse(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' }))).toEqual(['nl', 'fr']);
	});

	it("says 'und' when there is too little text to tell", () => {
		for (const text of ['', 'OK', 'Thanks!', '48213 / 04.12.2026 [EMAIL_1] +49 30 12345678']) expect(detectLanguage(text)).toBe('und');
	});
});

describe('prepareInput', () => {
	const email = [
		'<div>Hallo,</div><div>bitte erstatten Sie die doppelte Zahlung auf DE89 3704 0044 0532 0130 00.</div><div>Erreichbar bin ich unter anna.schmidt@kunde-gmbh.example.</div>',
		'<div>Mit freundlichen Grüßen</div><div>Anna Schmidt</div>',
		'<div class="gmail_quote">Am Fr., 4. Dez. 2026 um 10:15 Uhr schrieb Bob &lt;support@shop.example&gt;:<blockquote>Wie lautet Ihre IBAN?</blockquote></div>',
	].join('');

	it('cleans, detects the language on the cleaned text, redacts, and records only flags and counts', () => {
		const { text, input, placeholders } = prepareInput(email, { clean: 'message', redaction: {} });
		expect(text).toBe('Hallo,\nbitte erstatten Sie die doppelte Zahlung auf [IBAN_1].\nErreichbar bin ich unter [EMAIL_1].');
		expect(input).toEqual({
			characters: text.length,
			language: 'de',
			cleaned: { html: true, quotedHistory: true, signature: true, disclaimer: false, unicode: false, removedCharacters: email.length - restore(text, placeholders).length },
			redacted: { email: 1, phone: 0, iban: 1, card: 0, nationalId: 0, custom: 0 },
		});
		const recorded = JSON.stringify(input);
		for (const value of placeholders.values()) expect(recorded).not.toContain(value);
		expect(recorded).not.toContain('support@shop.example');
		expect(restore(text, placeholders)).toContain('DE89 3704 0044 0532 0130 00');
	});

	it('without cleaning or redaction passes the text through and records its size and language', () => {
		const text = 'Der Schreibtisch aus Bestellung 48213 kam beschädigt an, die Glasplatte hat einen Sprung.';
		const prepared = prepareInput(text, { clean: false });
		expect(prepared.text).toBe(text);
		expect(prepared.input).toEqual({ characters: text.length, language: 'de' });
		expect(prepared.placeholders.size).toBe(0);
	});

	it('document mode keeps the footer of an invoice text layer', () => {
		const invoice = 'ACME GmbH\nRechnung 2291\nGesamt 349,00 EUR\n\nMit freundlichen Grüßen\nACME GmbH, Berlin';
		expect(prepareInput(invoice, { clean: 'document' }).text).toBe(invoice);
	});

	it('refuses a non-string with the typed error, cleaning or not', () => {
		expect(() => prepareInput({ body: 'x' }, { clean: 'message' })).toThrow(PrepareInputError);
		expect(() => prepareInput(undefined, { clean: false })).toThrow(PrepareInputError);
	});
});
