/** ISO 4217 currencies and the currency a document is written in. */

/** Active ISO 4217 codes (2024 list). */
export const ISO_4217 = new Set(
	('AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD BTN BWP BYN BZD CAD CDF CHF CLP CNY COP CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX USD UYU UZS VES VND VUV WST XAF XCD XOF XPF YER ZAR ZMW ZWL').split(' '),
);

const SYMBOLS: Array<[RegExp, string]> = [
	[/€/g, 'EUR'],
	[/£/g, 'GBP'],
	[/₹|\bRs\.?(?=\s?-?\d)|\bINR\b/g, 'INR'],
	[/¥/g, 'JPY'],
	[/\bCHF\b|\bFr\.(?=\s?\d)/g, 'CHF'],
	[/(?<![A-Z])\$(?=\s?\d)/g, 'USD'],
	[/\bUS\s?\$|\bUS\s+dollars?\b/gi, 'USD'],
	[/\beuros?\b/gi, 'EUR'],
	[/\bRM(?=\s?\d)/g, 'MYR'],
];

const CODE_WORD = /\b([A-Z]{3})\b(?=\s?[\d.,]|\s*$|\s*\))|(?<=[\d.,]\s?)\b([A-Z]{3})\b/gm;

/** The document's currency: the most frequent ISO code or symbol (codes count double). */
export function detectCurrency(text: string): { value: string; strength: number; evidence: { quote: string; page: number } } | null {
	const counts = new Map<string, number>();
	const add = (code: string, weight: number) => counts.set(code, (counts.get(code) ?? 0) + weight);
	for (const m of text.matchAll(CODE_WORD)) {
		const code = m[1] ?? m[2];
		if (ISO_4217.has(code)) add(code, 2);
	}
	for (const [pattern, code] of SYMBOLS) for (const _ of text.matchAll(pattern)) add(code, 1);
	const ranked = [...counts.entries()].sort((a, b) => b[1] - a[1]);
	if (ranked.length === 0) return null;
	const [code, count] = ranked[0];
	const total = ranked.reduce((sum, [, n]) => sum + n, 0);
	const share = count / total;
	const quoteLine = text.split('\n').find((l) => l.includes(code) || SYMBOLS.some(([p, c]) => c === code && new RegExp(p.source, p.flags.replace('g', '')).test(l))) ?? '';
	return { value: code, strength: Math.min(0.98, 0.55 + 0.35 * share + Math.min(count, 6) * 0.02), evidence: { quote: quoteLine.trim(), page: 1 } };
}
