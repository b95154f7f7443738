/**
 * Label dictionaries (English, German, French). Each pattern matches at the start of a segment; the
 * longest match wins, so "Total HT" is a subtotal and "Total TVA" a tax, not a total.
 * `strength` is how surely the label names the field (a bare "Date" or "Total" less than
 * "Invoice date" or "Gesamtbetrag").
 */

export type LabelField =
	| 'invoiceId'
	| 'invoiceDate'
	| 'dueDate'
	| 'servicePeriod'
	| 'purchaseOrder'
	| 'customerId'
	| 'paymentTerms'
	| 'subtotal'
	| 'totalTax'
	| 'invoiceTotal'
	| 'amountDue'
	| 'totalDiscount'
	| 'amountPaid'
	| 'previousUnpaidBalance'
	| 'vendor'
	| 'customer'
	| 'shipTo'
	| 'taxId'
	| 'iban'
	| 'bic'
	| 'accountNumber'
	| 'paymentReference';

export interface Label {
	field: LabelField;
	pattern: RegExp;
	strength: number;
}

const NO = String.raw`(?:no\.?|nr\.?|n[°º]|number|num\.?|nummer|numéro|numero|#|id)`;

const raw: Array<[LabelField, string, number]> = [
	// identifiers
	['invoiceId', String.raw`(?:tax\s+)?invoice\s*${NO}`, 1],
	['invoiceId', String.raw`inv\.?\s*${NO}`, 0.95],
	['invoiceId', String.raw`(?:bill|receipt|document|credit\s+note|rechnung)\s*${NO}`, 0.9],
	['invoiceId', String.raw`(?:rechnungs|beleg|gutschrifts?)\s*-?\s*(?:nr\.?|nummer|no\.?)`, 1],
	['invoiceId', String.raw`(?:n[°º]|no\.?|numéro|numero)\s*(?:de\s+)?(?:la\s+)?facture`, 1],
	['invoiceId', String.raw`(?:facture|avoir)\s*(?:n[°º]|no\.?|numéro|numero|#)`, 1],
	['invoiceId', String.raw`#`, 0.6],
	['invoiceId', String.raw`(?:booking|reservation|confirmation)\s*${NO}`, 0.6],
	['invoiceDate', String.raw`(?:invoice|bill|issue|billing|document)\s+date|date\s+(?:of\s+)?(?:invoice|issue)|date\s+issued|dated`, 1],
	['invoiceDate', String.raw`(?:rechnungs|beleg|ausstellungs)datum|datum\s+der\s+rechnung`, 1],
	['invoiceDate', String.raw`date\s+(?:de\s+(?:la\s+)?)?(?:facture|facturation)|date\s+d['’]émission|émise?\s+le|fait\s+le`, 1],
	['invoiceDate', String.raw`date|datum|le`, 0.55],
	['dueDate', String.raw`(?:payment\s+)?due\s+(?:date|on|by)|date\s+due|pay(?:able)?\s+by|payment\s+due`, 1],
	['dueDate', String.raw`due`, 0.8],
	['dueDate', String.raw`fällig(?:keitsdatum|\s+am|\s+bis)?|zahlbar\s+bis|zahlungsziel`, 1],
	['dueDate', String.raw`(?:date\s+d['’])?échéance|echeance|à\s+payer\s+avant\s+le|payable\s+(?:avant\s+le|le)`, 1],
	['servicePeriod', String.raw`(?:service|billing)\s+period|period|leistungszeitraum|leistungsdatum|lieferdatum|période(?:\s+de\s+(?:service|facturation))?|date\s+de\s+livraison`, 0.9],
	['purchaseOrder', String.raw`p\.?\s?o\.?\s*${NO}|purchase\s+order(?:\s*${NO})?|order\s*${NO}|your\s+order|customer\s+order`, 1],
	['purchaseOrder', String.raw`bestell\s*-?\s*(?:nr\.?|nummer)|ihre\s+bestellung|auftrags\s*-?\s*(?:nr\.?|nummer)`, 1],
	['purchaseOrder', String.raw`bon\s+de\s+commande|(?:n[°º]|numéro)\s+(?:de\s+)?commande|commande\s*(?:n[°º]|no)|réf(?:érence)?\.?\s+commande`, 1],
	['customerId', String.raw`(?:customer|client|account)\s*${NO}|account\s+number|kunden\s*-?\s*(?:nr\.?|nummer)|(?:n[°º]|numéro|code)\s+client`, 1],
	['paymentTerms', String.raw`(?:payment\s+)?terms(?:\s+of\s+payment)?|zahlungs(?:bedingungen|konditionen)|conditions\s+de\s+(?:paiement|règlement)|modalités\s+de\s+paiement`, 1],
	// amounts
	['subtotal', String.raw`sub\s*-?\s*total|net\s+(?:amount|total)|total\s+net|total\s+(?:excl\.?|excluding|before)\s+(?:vat|tax)|amount\s+before\s+tax|total\s+excl\.?\s+vat`, 1],
	['subtotal', String.raw`zwischensumme|netto(?:betrag|summe)?|summe\s+netto|gesamt\s+netto|rechnungsbetrag\s+netto`, 1],
	['subtotal', String.raw`total\s+h\.?t\.?|montant\s+h\.?t\.?|sous\s*-?\s*total|total\s+hors\s+taxes?`, 1],
	['totalTax', String.raw`(?:total\s+)?(?:vat|tax|sales\s+tax|gst|igst|cgst|sgst)(?:\s+amount)?|(?:total\s+)?(?:mwst|ust|umsatzsteuer|mehrwertsteuer)\.?|(?:total\s+|montant\s+)?t\.?v\.?a\.?|taxes`, 1],
	['invoiceTotal', String.raw`total`, 0.75],
	['invoiceTotal', String.raw`(?:grand|invoice)\s+total|total\s+(?:amount|invoice|for\s+this\s+invoice|incl\.?\s+(?:vat|tax)|including\s+(?:vat|tax))|amount\s+incl\.?\s+(?:vat|tax)`, 1],
	['invoiceTotal', String.raw`gesamt(?:betrag|summe)?|rechnungs(?:betrag|summe)|brutto(?:betrag)?|summe\s+brutto|endbetrag|summe`, 1],
	['invoiceTotal', String.raw`total\s+t\.?t\.?c\.?|montant\s+(?:t\.?t\.?c\.?|total)|total\s+à\s+payer`, 1],
	['amountDue', String.raw`(?:total\s+)?amount\s+(?:due|payable)|balance\s+due|total\s+due|amount\s+to\s+pay|zu\s+zahlen(?:der\s+betrag)?|zahlbetrag|offener\s+betrag|restbetrag|net\s+à\s+payer|reste\s+à\s+payer|solde\s+dû|montant\s+dû|total\s+amount\s+due`, 1],
	['amountDue', String.raw`(?:total\s+)?rounded(?:\s+total)?|total\s+after\s+rounding|nett\s+total|total\s+(?:amount\s+)?payable`, 1],
	['totalDiscount', String.raw`(?:total\s+)?discount|rabatt|nachlass|skonto|remise|escompte`, 1],
	['amountPaid', String.raw`(?:amount\s+)?paid|payment\s+received|bereits\s+bezahlt|bezahlt|anzahlung|déjà\s+(?:payé|réglé)|acompte|payé`, 0.9],
	['previousUnpaidBalance', String.raw`previous\s+balance|balance\s+forward|vorheriger\s+saldo|solde\s+précédent|solde\s+antérieur`, 1],
	// parties
	['vendor', String.raw`(?:from|seller|sold\s+by|supplier|vendor|service\s+provider|issued\s+by|verkäufer|lieferant|rechnungssteller|fournisseur|vendeur|émetteur)`, 1],
	['customer', String.raw`(?:bill(?:ed)?\s+to(?:\s+address)?|invoice\s+to|sold\s+to|customer|client|buyer|billing\s+address|rechnungs(?:empfänger|adresse)|kunde|empfänger|facturé\s+à|adresse\s+de\s+facturation|destinataire|acheteur)`, 1],
	['shipTo', String.raw`(?:ship(?:ped)?\s+to(?:\s+address)?|deliver(?:y|ed)\s+to|shipping\s+address|delivery\s+address|lieferadresse|lieferanschrift|livré\s+à|adresse\s+de\s+livraison)`, 1],
	// tax and payment
	['taxId', String.raw`(?:vat|tax)\s*(?:reg(?:istration)?\.?\s*)?(?:no\.?|nr\.?|number|id)|vat\s*/\s*tin|gstin|tin|ust\s*-?\s*id\s*-?\s*(?:nr\.?)?|ust\s*-?\s*idnr\.?|umsatzsteuer\s*-?\s*id(?:entifikationsnummer)?|steuer\s*-?\s*(?:nr\.?|nummer)|(?:n[°º]\s*)?tva(?:\s+intra(?:communautaire)?)?|n[°º]\s+de\s+tva|siret|vat`, 1],
	['iban', String.raw`iban`, 1],
	['bic', String.raw`bic|swift(?:\s*code)?|swift\s*/\s*bic|bic\s*/\s*swift`, 1],
	['accountNumber', String.raw`(?:bank\s+)?account\s+(?:no\.?|number)|a/c\s+no\.?|konto(?:nummer|-nr\.?)?|n[°º]\s+de\s+compte`, 0.9],
	['paymentReference', String.raw`(?:payment\s+)?reference|verwendungszweck|zahlungsreferenz|référence(?:\s+de\s+paiement)?|communication`, 0.9],
];

export const LABELS: Label[] = raw.map(([field, source, strength]) => ({
	field,
	// Label, then optional punctuation; a letter right after would mean a longer word ("Totally").
	pattern: new RegExp(`^\\s*(?:${source})(?![\\p{L}])\\s*(?:\\(\\s*[^)]{0,12}\\)\\s*)?[:#.\\-–]?\\s*`, 'iu'),
	strength,
}));

export interface LabelMatch {
	field: LabelField;
	strength: number;
	/** Characters of the segment the label covers (its value may follow in the same segment). */
	length: number;
	/** Text inside parentheses after the label, e.g. "(19%)". */
	note: string | null;
}

/** Every field a segment's text may label, longest label first. */
export function matchLabels(text: string): LabelMatch[] {
	const matches: LabelMatch[] = [];
	for (const label of LABELS) {
		const m = label.pattern.exec(text);
		if (!m) continue;
		const note = /\(([^)]*)\)/.exec(m[0])?.[1] ?? null;
		matches.push({ field: label.field, strength: label.strength, length: m[0].length, note });
	}
	const core = (m: LabelMatch): number => m.length - (m.note !== null ? m.note.length + 2 : 0);
	return matches.sort((a, b) => core(b) - core(a) || b.strength - a.strength);
}

export const DOCUMENT_TYPE_WORDS: Array<[RegExp, 'credit_note' | 'receipt' | 'quote' | 'invoice']> = [
	[/\b(credit\s+note|credit\s+memo|gutschrift|avoir|note\s+de\s+crédit|rechnungskorrektur)\b/iu, 'credit_note'],
	[/\b(quotation|quote|estimate|angebot|kostenvoranschlag|devis|offre\s+de\s+prix)\b/iu, 'quote'],
	[/\b(invoice|rechnung|facture|bill|tax\s+invoice)\b/iu, 'invoice'],
	[/\b(receipt|quittung|kassenbon|kassenbeleg|reçu|ticket\s+de\s+caisse)\b/iu, 'receipt'],
];
