/** IBAN (ISO 13616, mod-97) and EU VAT identification numbers (format per member state). */

/** IBAN length per country (SWIFT registry); also used to cut a candidate at its real end. */
export const IBAN_LENGTH: Record<string, number> = {
	AD: 24, AE: 23, AL: 28, AT: 20, AZ: 28, BA: 20, BE: 16, BG: 22, BH: 22, BR: 29, CH: 21, CR: 22, CY: 28, CZ: 24, DE: 22, DK: 18,
	DO: 28, EE: 20, EG: 29, ES: 24, FI: 18, FO: 18, FR: 27, GB: 22, GE: 22, GI: 23, GL: 18, GR: 27, GT: 28, HR: 21, HU: 28, IE: 22,
	IL: 23, IQ: 23, IS: 26, IT: 27, JO: 30, KW: 30, KZ: 20, LB: 28, LC: 32, LI: 21, LT: 20, LU: 20, LV: 21, MC: 27, MD: 24, ME: 22,
	MK: 19, MR: 27, MT: 31, MU: 30, NL: 18, NO: 15, PK: 24, PL: 28, PS: 29, PT: 25, QA: 29, RO: 24, RS: 22, SA: 24, SC: 31, SE: 24,
	SI: 19, SK: 24, SM: 27, ST: 25, SV: 28, TL: 23, TN: 24, TR: 26, UA: 29, VA: 22, VG: 24, XK: 20,
};

/** ISO 13616 check: known length for the country and remainder 1 modulo 97. */
export function isValidIban(raw: string): boolean {
	const iban = raw.replace(/\s+/g, '').toUpperCase();
	if (!/^[A-Z]{2}\d{2}[A-Z0-9]+$/.test(iban)) return false;
	const expectedLength = IBAN_LENGTH[iban.slice(0, 2)];
	if (expectedLength !== undefined && iban.length !== expectedLength) return false;
	const rearranged = iban.slice(4) + iban.slice(0, 4);
	let remainder = 0;
	for (const char of rearranged) {
		const digits = /\d/.test(char) ? char : String(char.charCodeAt(0) - 55);
		for (const digit of digits) remainder = (remainder * 10 + Number(digit)) % 97;
	}
	return remainder === 1;
}

/** Countries whose IBAN is all digits after the country code: OCR letter/digit mix-ups can be undone. */
const NUMERIC_BBAN = new Set(['AT', 'BE', 'CZ', 'DE', 'DK', 'EE', 'ES', 'FI', 'HR', 'HU', 'LT', 'NO', 'PL', 'PT', 'SE', 'SI', 'SK', 'TR']);
const DIGIT_LOOKALIKES: Record<string, string> = { O: '0', D: '0', Q: '0', U: '0', I: '1', L: '1', '|': '1', Z: '2', S: '5', B: '8', G: '6', T: '7' };

/**
 * IBANs in a text (printed with or without groups of four), valid ones only. Where OCR read a digit
 * as a letter in an all-digit IBAN, the look-alike digit is tried; mod-97 decides, so a repair is
 * only kept when the checksum confirms it.
 */
export function findIbans(text: string): string[] {
	const found: string[] = [];
	const upper = text.toUpperCase();
	// A lookahead finds overlapping candidates, so "IBAN DE89 …" does not hide the IBAN behind the word.
	for (const m of upper.matchAll(/\b(?=([A-Z]{2}[0-9A-Z]{2}(?:\s?[A-Z0-9|]{4}){2,7}(?:\s?[A-Z0-9|]{1,3})?))/g)) {
		let compact = m[1].replace(/\s+/g, '');
		const country = compact.slice(0, 2);
		if (!IBAN_LENGTH[country]) continue;
		if (NUMERIC_BBAN.has(country)) compact = country + compact.slice(2).replace(/[A-Z|]/g, (c) => DIGIT_LOOKALIKES[c] ?? c);
		else compact = country + compact.slice(2, 4).replace(/[A-Z]/g, (c) => DIGIT_LOOKALIKES[c] ?? c) + compact.slice(4);
		// The greedy match may run into the next word: cut to the country's length.
		const candidate = compact.slice(0, IBAN_LENGTH[country]);
		if (isValidIban(candidate) && !found.includes(candidate)) found.push(candidate);
	}
	return found;
}

const VAT_FORMATS: Record<string, RegExp> = {
	AT: /^ATU\d{8}$/, BE: /^BE[01]\d{9}$/, BG: /^BG\d{9,10}$/, CY: /^CY\d{8}[A-Z]$/, CZ: /^CZ\d{8,10}$/, DE: /^DE\d{9}$/, DK: /^DK\d{8}$/,
	EE: /^EE\d{9}$/, EL: /^EL\d{9}$/, ES: /^ES[A-Z0-9]\d{7}[A-Z0-9]$/, FI: /^FI\d{8}$/, FR: /^FR[A-HJ-NP-Z0-9]{2}\d{9}$/, HR: /^HR\d{11}$/,
	HU: /^HU\d{8}$/, IE: /^IE\d[A-Z0-9+*]\d{5}[A-Z]{1,2}$/, IT: /^IT\d{11}$/, LT: /^LT(?:\d{9}|\d{12})$/, LU: /^LU\d{8}$/, LV: /^LV\d{11}$/,
	MT: /^MT\d{8}$/, NL: /^NL\d{9}B\d{2}$/, PL: /^PL\d{10}$/, PT: /^PT\d{9}$/, RO: /^RO\d{2,10}$/, SE: /^SE\d{12}$/, SI: /^SI\d{8}$/,
	SK: /^SK\d{10}$/, XI: /^XI\d{9}$/, GB: /^GB(?:\d{9}|\d{12}|GD\d{3}|HA\d{3})$/,
};

/** An EU VAT identification number in its member state's format (no checksum: those differ per state). */
export function isValidEuVatId(raw: string): boolean {
	const id = raw.replace(/[\s.\-]/g, '').toUpperCase();
	const format = VAT_FORMATS[id.slice(0, 2)];
	return !!format && format.test(id);
}

/** EU VAT ids in a text, compacted (DE 123 456 789 → DE123456789). */
export function findVatIds(text: string): string[] {
	const found: string[] = [];
	// An IBAN starts like a VAT id (DE89 3704 …): take IBANs out first.
	const withoutIbans = text.toUpperCase().replace(/\b[A-Z]{2}\d{2}(?:\s?[A-Z0-9]{4}){2,7}(?:\s?[A-Z0-9]{1,3})?\b/g, (m) => (isValidIban(m.replace(/\s+/g, '').slice(0, IBAN_LENGTH[m.slice(0, 2)] ?? 34)) ? ' ' : m));
	for (const m of withoutIbans.matchAll(/\b(?:GB|ATU|BE|BG|CY|CZ|DE|DK|EE|EL|ES|FI|FR|HR|HU|IE|IT|LT|LU|LV|MT|NL|PL|PT|RO|SE|SI|SK|XI)[\s.\-]?[A-Z0-9][A-Z0-9 .\-+*]{6,15}/g)) {
		let compact = m[0].replace(/[\s.\-]/g, '');
		while (compact.length > 7 && !isValidEuVatId(compact)) compact = compact.slice(0, -1);
		if (isValidEuVatId(compact) && !found.includes(compact)) found.push(compact);
	}
	return found;
}
