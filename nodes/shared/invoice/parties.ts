/**
 * Who issued the invoice and who receives it, from layout and labels: labelled party blocks
 * ("Bill to", "Rechnungsempfänger", "Factureren aan", "Sprzedawca"…, with "Name:" rows under them),
 * the sender line above an envelope window ("Hetzner Online GmbH • Industriestr. 25 • 91710 …") and
 * the address block under it, the letterhead at the top, and the footer's legal line. Tax ids and
 * IBANs are given to the party whose block holds them, whose cue word labels them ("Ihre USt-IdNr.",
 * "Customer VAT Number") or, in the footer, to the issuer. A value that rests on a guess (the first
 * line at the top) carries a low strength.
 */
import type { Evidence } from './schema';
import { CUSTOMER_CUE, DOCUMENT_TYPE_WORDS, GREETING, matchLabels, VENDOR_CUE } from './labels';
import type { Line, Segment } from './layout';
import { findIbans, findVatIds, isValidEuVatId } from './identifiers';

export interface PartyValue {
	value: string;
	strength: number;
	evidence: Evidence;
}

export interface PartyBlock {
	name: PartyValue;
	address: PartyValue | null;
	/** Lines (indexes) and horizontal span the block covers: ids inside it belong to this party. */
	lines: Set<number>;
	x0: number;
	x1: number;
}

export interface Parties {
	vendorName: PartyValue | null;
	vendorAddress: PartyValue | null;
	customerName: PartyValue | null;
	customerAddress: PartyValue | null;
	vendorTaxId: PartyValue | null;
	customerTaxId: PartyValue | null;
	iban: PartyValue | null;
	/** The line of the chosen IBAN (a BIC next to it is the same account's). */
	ibanLine: number | null;
	shippingAddress: PartyValue | null;
}

export const LEGAL_FORM =
	/(?<![\p{L}])(GmbH|AG|KG|OHG|UG|e\.\s?K\.|Inc\.?|Ltd\.?|LLC|LLP|PLC|Corp\.?|Corporation|Co\.|Limited|S\.?A\.?R\.?L\.?|SAS|SASU|S\.A\.?|SA|EURL|SNC|Pvt\.?\s?Ltd\.?|B\.?V\.?|N\.?V\.?|S\.?r\.?l\.?|S\.?p\.?A\.?|S\.?L\.?|Lda\.?|Sp\.\s?z\s?o\.?\s?o\.?|GbR|mbH|SE|Sdn\.?\s?Bhd\.?|BHD|S\/B|ENTERPRISE|TRADING|b\.v\.|n\.v\.|s\.a\.|s\.r\.l\.|s\.p\.a\.|gmbh|ltd\.|inc\.)(?![\p{L}])/u;

const wordConfidence = (segment: Segment): number => segment.words.reduce((sum, w) => sum + w.confidence, 0) / Math.max(1, segment.words.length);
const isLabel = (text: string, minStrength = 0.9): boolean => matchLabels(text).some((l) => l.strength >= minStrength);
const looksLikeContact = (text: string): boolean =>
	GREETING.test(text) || /@|https?:|www\.|\b(?:tel|phone|fax|e-?mail|mobile|telefon|tél|tlf)\b|^\+?\d[\d\s()/-]{6,}$/i.test(text);
const SALUTATION = /^(?:attn|z\.\s?hd\.?|à\s+l['’]attention\s+de|herrn?|frau|firma|mr\.?|mrs\.?|ms\.?|dhr\.?|mevr\.?|m\.|mme|sr\.?|sra\.?|pan|pani|exmo\.?|spett\.?(?:le)?)[:.]?\s+/i;
const SALUTATION_ONLY = /^(?:herrn?|frau|firma|mr\.?|mrs\.?|ms\.?|dhr\.?|mevr\.?|mme|sr\.?|sra\.?|pan|pani|exmo\.?|spett\.?(?:le)?|attn\.?)$/i;
/** "Nummer: GE2020211", "Rola: Wystawca": a row of the block that names something else than the party. */
const isKeyValue = (text: string): boolean => /^[\p{L}][\p{L}\s./-]{0,28}:(?:\s*\S.*)?$/u.test(text) && !matchLabels(text).some((l) => l.field === 'name');
const cleanName = (text: string): string => text.replace(SALUTATION, '').replace(/[,;:]\s*$/, '').trim();

/** Segments under `segment` in its column (overlapping it, or starting near it), nearest first. */
export function columnBelow(lines: Line[], segment: Segment, maxLines: number): Segment[] {
	const result: Segment[] = [];
	const line = lines[segment.line];
	const height = line.y1 - line.y0 || 10;
	let previousY = line.y1;
	for (let i = segment.line + 1; i < lines.length && i <= segment.line + maxLines; i++) {
		const next = lines[i];
		if (next.page !== line.page || next.y0 - previousY > height * 3) break;
		previousY = next.y1;
		const hit = next.segments.find((s) => Math.abs(s.x0 - segment.x0) < height * 1.5 || (s.x0 >= segment.x0 - 2 && s.x0 < segment.x1 && Math.abs(s.x0 - segment.x0) < height * 6));
		if (hit) result.push(hit);
	}
	return result;
}

/**
 * A party's block under (or after) its label: the name — the value of a "Name:" row, else the first
 * plain line — and the address lines that follow, stopping at the next label or contact line.
 */
export function readPartyBlock(lines: Line[], label: Segment, labelLength: number, strength: number): PartyBlock | null {
	const rest = label.text.slice(labelLength).trim();
	const below = columnBelow(lines, label, 8);
	let nameSegment: Segment | undefined;
	let nameText = '';
	let nameStrength = strength;
	if (rest && rest.length > 1 && !isLabel(rest)) {
		nameSegment = label;
		nameText = rest;
		nameStrength *= 0.9;
	} else {
		for (const segment of below.slice(0, 4)) {
			const labels = matchLabels(segment.text);
			const nameLabel = labels.find((l) => l.field === 'name');
			if (nameLabel) {
				const value = segment.text.slice(nameLabel.length).trim() || columnRight(lines, segment)?.text || '';
				if (value) {
					nameSegment = segment;
					nameText = value;
					break;
				}
			}
			if (labels.some((l) => l.strength >= 0.9 && l.length >= 3) || looksLikeContact(segment.text) || /^\(/.test(segment.text) || isKeyValue(segment.text) || /\d{6,}/.test(segment.text) || SALUTATION_ONLY.test(segment.text)) continue;
			nameSegment = segment;
			nameText = segment.text;
			nameStrength *= 0.85;
			break;
		}
	}
	if (!nameSegment) return null;
	nameText = cleanName(nameText);
	if (nameText.length < 2 || !/\p{L}{2}/u.test(nameText)) return null;
	const blockLines = new Set<number>([label.line, nameSegment.line]);
	const addressLines: string[] = [];
	let started = false;
	for (const segment of below) {
		if (segment.line <= nameSegment.line) continue;
		const labels = matchLabels(segment.text);
		const addressLabel = labels.find((l) => l.field === 'name' || /^(?:adres|adresse|anschrift|address|dirección|indirizzo|morada|endereço)\b/i.test(l.text));
		let text = segment.text;
		if (/^(?:adres|adresse|anschrift|address|dirección|indirizzo|morada|endereço)\s*:?\s*/i.test(text)) text = text.replace(/^\S+\s*:?\s*/, '') || columnRight(lines, segment)?.text || '';
		else if (labels.some((l) => l.strength >= 0.9 && (l.field === 'customer' || l.field === 'vendor' || l.field === 'shipTo'))) break;
		else if (labels.some((l) => l.strength >= 0.9) && !addressLabel) {
			// Rows such as "NIP: …" or "Nummer: …" inside the block: part of it, not of the address.
			blockLines.add(segment.line);
			if (started) break;
			continue;
		}
		if (looksLikeContact(text)) {
			blockLines.add(segment.line);
			break;
		}
		if (!text) continue;
		blockLines.add(segment.line);
		if (addressLines.length < 4) addressLines.push(text.replace(/[,;]\s*$/, ''));
		started = true;
	}
	const evidence = { quote: `${label.text}${nameSegment === label ? '' : ` ${nameSegment.text}`}`.trim(), page: label.page };
	return {
		name: { value: nameText, strength: nameStrength * wordConfidence(nameSegment), evidence },
		address: addressLines.length ? { value: addressLines.join(', '), strength: nameStrength * 0.8, evidence: { quote: addressLines.join(' / '), page: label.page } } : null,
		lines: blockLines,
		x0: Math.min(label.x0, nameSegment.x0) - 5,
		x1: Math.max(label.x1, nameSegment.x1, nameSegment.x0 + 200),
	};
}

/** The segment right of `segment` on its line. */
function columnRight(lines: Line[], segment: Segment): Segment | undefined {
	const segments = lines[segment.line].segments;
	return segments[segments.indexOf(segment) + 1];
}

/** Party labels of the document: the strongest label of each segment that names a party. */
function partyLabels(lines: Line[], field: 'vendor' | 'customer' | 'shipTo'): Array<{ segment: Segment; length: number; strength: number }> {
	const result: Array<{ segment: Segment; length: number; strength: number }> = [];
	for (const line of lines) {
		for (const segment of line.segments) {
			const labels = matchLabels(segment.text);
			const label = labels.find((l) => l.field === field);
			if (!label || labels[0].length > label.length + 2) continue;
			// "Customer No", "Kunden-Nr.", "Customer VAT Number" name an attribute of the party, not the party.
			if (labels.some((l) => l.field !== field && l.length > label.length)) continue;
			const rest = segment.text.slice(label.length).trim();
			if (rest && matchLabels(rest).some((l) => l.field !== 'name' && l.strength >= 0.9 && l.length >= rest.length - 2)) continue;
			result.push({ segment, length: label.length, strength: label.strength });
		}
	}
	return result;
}

/** The sender line of a window envelope: a short line near the top with a name, separators and a postcode. */
function senderLine(lines: Line[]): { segment: Segment; name: string } | null {
	const firstPage = lines.filter((l) => l.page === lines[0]?.page);
	for (const line of firstPage.slice(0, 25)) {
		for (const segment of line.segments) {
			const parts = segment.text.split(/\s+[•·|–—-]\s+|\s*[•·|]\s*/).map((p) => p.trim()).filter(Boolean);
			if (parts.length < 3 || !/\b\d{4,5}\b|\b[A-Z]{1,2}\d[\dA-Z]?\s?\d[A-Z]{2}\b/.test(parts.slice(1).join(' '))) continue;
			if (!/\p{L}{2}/u.test(parts[0]) || /\d{3,}/.test(parts[0]) || isLabel(parts[0])) continue;
			return { segment, name: parts[0] };
		}
	}
	return null;
}

/** The block of lines under the sender line in its column: the recipient's address. */
function recipientUnder(lines: Line[], sender: Segment): PartyBlock | null {
	const below = columnBelow(lines, sender, 7).filter((s) => !looksLikeContact(s.text) && !isLabel(s.text));
	const first = below[0];
	if (!first || first.line - sender.line > 3) return null;
	const name = cleanName(first.text);
	if (!/\p{L}{2}/u.test(name)) return null;
	const rest = below.slice(1, 5).filter((s) => !SALUTATION.test(s.text));
	return {
		name: { value: name, strength: 0.8 * wordConfidence(first), evidence: { quote: first.text, page: first.page } },
		address: rest.length ? { value: rest.map((s) => s.text).join(', '), strength: 0.6, evidence: { quote: rest.map((s) => s.text).join(' / '), page: first.page } } : null,
		lines: new Set([first.line, ...below.slice(0, 5).map((s) => s.line)]),
		x0: first.x0 - 5,
		x1: first.x0 + 250,
	};
}

const POSTCODE = /(?<![\d.,])(?:\d{4,5}|\d{2}-\d{3}|\d{4}\s?[A-Z]{2}|\d{4}-\d{3}|[A-Z]{1,2}\d[\dA-Z]?\s\d[A-Z]{2})(?![\d.,])\s+\p{L}|\b[A-Z]{2}\s+\d{5}\b/u;

/**
 * Unlabelled address blocks near the top of the first page (2–6 lines in one column, one of them
 * with a postcode): the letterhead's and the recipient's in a window envelope.
 */
function addressBlocks(lines: Line[], exclude: Set<number>): PartyBlock[] {
	const page = lines[0]?.page;
	const pageLines = lines.filter((l) => l.page === page);
	if (pageLines.length === 0) return [];
	const top = pageLines[0].y0;
	const limit = top + (pageLines[pageLines.length - 1].y1 - top) * 0.45;
	const blocks: PartyBlock[] = [];
	const used = new Set<Segment>();
	for (const line of pageLines) {
		if (line.y0 > limit) break;
		for (const first of line.segments) {
			if (used.has(first) || exclude.has(line.index)) continue;
			const text = cleanName(first.text);
			if (!/\p{L}{2}/u.test(text) || isLabel(first.text, 0.6) || isKeyValue(first.text) || looksLikeContact(first.text) || isTitle(first.text) || POSTCODE.test(first.text) || /\d{5,}/.test(first.text) || SALUTATION_ONLY.test(first.text)) continue;
			const below = columnBelow(lines, first, 5).filter((s) => Math.abs(s.x0 - first.x0) < 8);
			const run: Segment[] = [];
			for (const segment of below) {
				const previous = run[run.length - 1] ?? first;
				if (segment.y0 - previous.y1 > (previous.y1 - previous.y0) * 1.6 || isLabel(segment.text, 0.9) || looksLikeContact(segment.text)) break;
				run.push(segment);
			}
			const postcode = run.findIndex((s) => POSTCODE.test(s.text));
			if (postcode < 0 || run.length > 5) continue;
			for (const s of [first, ...run]) used.add(s);
			const address = run.slice(0, postcode + 1).filter((s) => !SALUTATION.test(s.text) || s.text.split(/\s+/).length > 3);
			blocks.push({
				name: { value: text, strength: 0.55 * wordConfidence(first), evidence: { quote: [first, ...run].map((s) => s.text).join(' / '), page: first.page } },
				address: address.length ? { value: address.map((s) => s.text).join(', '), strength: 0.5, evidence: { quote: address.map((s) => s.text).join(' / '), page: first.page } } : null,
				lines: new Set([first.line, ...run.map((s) => s.line)]),
				x0: first.x0 - 5,
				x1: Math.max(first.x1, ...run.map((s) => s.x1)),
			});
		}
	}
	return blocks;
}

/** Signs that a block is the issuer's letterhead: a legal form, the footer's company, its contact lines. */
function letterheadScore(lines: Line[], block: PartyBlock, footer: PartyValue | null): number {
	let score = 0;
	if (LEGAL_FORM.test(block.name.value)) score += 1;
	if (footer && sameCompany(block.name.value, footer.value)) score += 2;
	const last = Math.max(...block.lines);
	const after = lines[last + 1]?.segments.find((s) => Math.abs(s.x0 - block.x0 - 5) < 12);
	if (after && looksLikeContact(after.text)) score += 1;
	return score;
}

const isTitle = (text: string): boolean => DOCUMENT_TYPE_WORDS.some(([pattern]) => pattern.test(text)) && text.split(/\s+/).length <= 4;

/** A company name with a legal form in the footer (bottom fifth of a page): the issuer's legal line. */
function footerCompany(lines: Line[]): PartyValue | null {
	const page = lines[0]?.page;
	const pageLines = lines.filter((l) => l.page === page);
	if (pageLines.length < 8) return null;
	const top = pageLines[0].y0;
	const bottom = pageLines[pageLines.length - 1].y1;
	for (const line of pageLines) {
		if (line.y0 < top + (bottom - top) * 0.8) continue;
		for (const segment of line.segments) {
			const m = LEGAL_FORM.exec(segment.text);
			if (!m || segment.text.length > 70) continue;
			const name = segment.text.slice(0, (m.index ?? 0) + m[0].length).split(/\s[|•·–-]\s|,\s/)[0].trim();
			if (name.length >= 3 && !isLabel(name, 0.6) && /\p{L}{2}/u.test(name)) return { value: name, strength: 0.6, evidence: { quote: segment.text, page: segment.page } };
		}
	}
	return null;
}

/** The letterhead: a line with a legal form near the top outside the customer's block, else the first plain line. */
function letterhead(lines: Line[], exclude: Set<number>): PartyValue | null {
	const firstPage = lines.filter((l) => l.page === lines[0]?.page);
	const top = firstPage.slice(0, Math.max(10, Math.ceil(firstPage.length / 3)));
	for (const line of top) {
		if (exclude.has(line.index)) continue;
		for (const segment of line.segments) {
			if (!LEGAL_FORM.test(segment.text) || matchLabels(segment.text).some((l) => l.strength >= 0.6) || segment.text.length > 60 || looksLikeContact(segment.text)) continue;
			const name = segment.text.split(/\s[|•·–-]\s|,\s/)[0].replace(/\s*\((?=[^)]*\d)[^)]*\)\s*$/, '').trim();
			return { value: name, strength: 0.7 * wordConfidence(segment) ** 2, evidence: { quote: segment.text, page: segment.page } };
		}
	}
	for (const line of top) {
		if (exclude.has(line.index)) continue;
		const segment = line.segments[0];
		if (isTitle(segment.text) || matchLabels(segment.text).length || /\d{3,}|@|:|^page\b|^seite\b/i.test(segment.text) || segment.text.length < 3 || !/\p{L}{3}/u.test(segment.text)) continue;
		return { value: segment.text, strength: 0.3 * wordConfidence(segment), evidence: { quote: segment.text, page: segment.page } };
	}
	return null;
}

const inBlock = (block: PartyBlock | null, line: Line, segment: Segment): boolean => !!block && block.lines.has(line.index) && segment.x0 >= block.x0 - 20 && segment.x0 <= block.x1;
const isFooter = (lines: Line[], line: Line): boolean => {
	const pageLines = lines.filter((l) => l.page === line.page);
	const top = pageLines[0].y0;
	const bottom = pageLines[pageLines.length - 1].y1;
	return pageLines.length >= 8 && line.y0 >= top + (bottom - top) * 0.8;
};

/** Direct debit: the customer's account the amount is taken from is no payee account. */
const DEBIT_CUE = /abgebucht|lastschrift|bankeinzug|eingezogen|debited|direct\s+debit|prélev|domiciliation|incasso|domiciliazione|adeudo|débito\s+direto|\*{3}/i;

export function findParties(lines: Line[]): Parties {
	const customerLabels = partyLabels(lines, 'customer');
	const vendorLabels = partyLabels(lines, 'vendor');
	let customer: PartyBlock | null = null;
	for (const label of customerLabels.sort((a, b) => b.strength - a.strength || a.segment.line - b.segment.line)) {
		customer = readPartyBlock(lines, label.segment, label.length, label.strength);
		if (customer) break;
	}
	let vendor: PartyBlock | null = null;
	for (const label of vendorLabels.sort((a, b) => b.strength - a.strength || a.segment.line - b.segment.line)) {
		vendor = readPartyBlock(lines, label.segment, label.length, label.strength);
		if (vendor) break;
	}
	const sender = senderLine(lines);
	if (sender && !customer) customer = recipientUnder(lines, sender.segment);
	const footer = footerCompany(lines);
	if (!customer || !vendor) {
		// Unlabelled blocks: the one that looks like the letterhead is the issuer's, another the recipient's.
		const taken = new Set<number>([...(customer?.lines ?? []), ...(vendor?.lines ?? []), ...(sender ? [sender.segment.line] : [])]);
		const blocks = addressBlocks(lines, taken).map((block) => ({ block, score: letterheadScore(lines, block, footer) }));
		const knownVendor = vendor?.name.value ?? sender?.name;
		const issuer = knownVendor
			? blocks.find((b) => sameCompany(b.block.name.value, knownVendor))
			: [...blocks].sort((a, b) => b.score - a.score || a.block.name.evidence.quote.length - b.block.name.evidence.quote.length)[0];
		const recipient = blocks.find((b) => b !== issuer && (!knownVendor || !sameCompany(b.block.name.value, knownVendor)));
		if (!vendor && issuer && issuer.score > 0 && !sender) vendor = { ...issuer.block, name: { ...issuer.block.name, strength: Math.min(0.8, 0.5 + 0.1 * issuer.score) } };
		if (!customer && recipient && (issuer || knownVendor)) customer = recipient.block;
	}
	const exclude = new Set<number>([...(customer?.lines ?? [])]);
	let vendorName: PartyValue | null = vendor?.name ?? null;
	if (!vendorName && sender) vendorName = { value: sender.name, strength: 0.85, evidence: { quote: sender.segment.text, page: sender.segment.page } };
	if (!vendorName) {
		const head = letterhead(lines, exclude);
		vendorName = head;
		if (head && footer && sameCompany(head.value, footer.value)) vendorName = { ...head, strength: Math.max(head.strength, 0.85) };
		else if (!head || (footer && head.strength < 0.5)) vendorName = footer ?? head;
	} else if (footer && sameCompany(vendorName.value, footer.value)) vendorName = { ...vendorName, strength: Math.min(0.98, vendorName.strength + 0.1) };
	if (vendorName && customer && sameCompany(vendorName.value, customer.name.value)) vendorName = { ...vendorName, strength: vendorName.strength * 0.4 };

	// Tax ids: whose block holds them, which cue labels them, the footer, else the only one.
	const ids: Array<{ value: string; line: Line; segment: Segment; owner: 'vendor' | 'customer' | null; strength: number }> = [];
	for (const line of lines) {
		for (const segment of line.segments) {
			const context = `${lines[line.index - 1]?.segments.find((s) => Math.abs(s.x0 - segment.x0) < 20)?.text ?? ''} ${segment.text}`;
			const found = findVatIds(segment.text).map((value) => ({ value, labelled: true }));
			const taxLabel = matchLabels(segment.text).find((l) => l.field === 'taxId');
			if (!found.length && taxLabel) {
				const token = /[A-Z]{0,3}[\d][\d\s./-]{5,}[\dA-Z]/i.exec(segment.text.slice(taxLabel.length))?.[0]?.trim();
				if (token && (token.match(/\d/g) ?? []).length >= 7 && !/^\d{1,2}[./]\d{1,2}[./]\d{2,4}$/.test(token)) found.push({ value: token.replace(/[\s.]/g, ''), labelled: true });
			}
			for (const { value } of found) {
				if (ids.some((id) => id.value === value)) continue;
				let owner: 'vendor' | 'customer' | null = null;
				let strength = 0.6;
				const cueText = segment.text.slice(0, Math.max(0, segment.text.toUpperCase().indexOf(value.slice(0, 4)))) || context;
				if (CUSTOMER_CUE.test(cueText)) [owner, strength] = ['customer', 0.9];
				else if (VENDOR_CUE.test(cueText)) [owner, strength] = ['vendor', 0.9];
				else if (inBlock(customer, line, segment)) [owner, strength] = ['customer', 0.85];
				else if (inBlock(vendor, line, segment)) [owner, strength] = ['vendor', 0.9];
				else if (isFooter(lines, line)) [owner, strength] = ['vendor', 0.85];
				ids.push({ value, line, segment, owner, strength });
			}
		}
	}
	const vendorId = ids.find((id) => id.owner === 'vendor') ?? null;
	const customerId = ids.find((id) => id.owner === 'customer') ?? null;
	// An id in a VAT format is a surer tax id than a number a label calls one.
	const loose = ids.filter((id) => id.owner === null).sort((a, b) => Number(isValidEuVatId(b.value)) - Number(isValidEuVatId(a.value)));
	const asValue = (id: (typeof ids)[number] | null | undefined, strength?: number): PartyValue | null =>
		id ? { value: id.value, strength: strength ?? id.strength, evidence: { quote: id.segment.text, page: id.line.page } } : null;
	let vendorTaxId = asValue(vendorId);
	let customerTaxId = asValue(customerId);
	if (!vendorTaxId && loose.length) {
		// The only unplaced id, or the one near the top of the letterhead, is the issuer's: a guess.
		vendorTaxId = asValue(loose[0], customerTaxId ? 0.6 : 0.5);
		if (!customerTaxId && loose[1]) customerTaxId = asValue(loose[1], 0.4);
	} else if (!customerTaxId && loose.length) customerTaxId = asValue(loose[0], 0.5);

	// IBAN: the payee's, not the customer's account a direct debit takes the amount from.
	let iban: PartyValue | null = null;
	let ibanLine: number | null = null;
	for (const line of lines) {
		for (const segment of line.segments) {
			for (const value of findIbans(segment.text)) {
				const nearby = `${lines[line.index - 1]?.text ?? ''} ${line.text}`;
				let strength = 0.9;
				if (DEBIT_CUE.test(nearby) || CUSTOMER_CUE.test(segment.text) || inBlock(customer, line, segment)) strength = 0.3;
				else if (isFooter(lines, line) || inBlock(vendor, line, segment)) strength = 0.95;
				if (!iban || strength > iban.strength) {
					iban = { value, strength, evidence: { quote: line.text, page: line.page } };
					ibanLine = line.index;
				}
			}
		}
	}
	if (!iban) {
		// A labelled IBAN that fails its check digits is still what the document prints: kept, with little trust.
		for (const line of lines) {
			const m = /\bIBAN\b\s*:?\s*([A-Z]{2}\d{2}(?:\s?[A-Z0-9]{2,4}){3,8})/.exec(line.text);
			if (!m || /\*/.test(m[1]) || DEBIT_CUE.test(line.text)) continue;
			iban = { value: m[1].replace(/\s+/g, ''), strength: 0.4, evidence: { quote: line.text, page: line.page } };
			ibanLine = line.index;
			break;
		}
	}
	const shipLabel = partyLabels(lines, 'shipTo')[0];
	const shipping = shipLabel ? readPartyBlock(lines, shipLabel.segment, shipLabel.length, shipLabel.strength) : null;
	return {
		vendorName,
		vendorAddress: vendor?.address ?? null,
		customerName: customer?.name ?? null,
		customerAddress: customer?.address ?? null,
		vendorTaxId,
		customerTaxId,
		iban,
		ibanLine,
		shippingAddress: shipping?.address ?? null,
	};
}

const companyKey = (name: string): string =>
	name
		.toLowerCase()
		.replace(LEGAL_FORM, ' ')
		.replace(/[^\p{L}\p{N}]+/gu, '');

/** Two spellings of one company ("Hetzner Online GmbH" / "HETZNER ONLINE"). */
export function sameCompany(a: string, b: string): boolean {
	const [x, y] = [companyKey(a), companyKey(b)];
	return x.length >= 3 && y.length >= 3 && (x === y || (x.length >= 5 && y.startsWith(x)) || (y.length >= 5 && x.startsWith(y)));
}
