/**
 * The language of a text as ISO 639-1 ('und' when unknown), for the item record and for Metrics
 * Logger's language mix. franc-min (trigram statistics, 82 languages with 8M+ speakers, no model
 * files) is ESM-only; the package builds to CommonJS, so it is loaded through Node's own require
 * (documents/esm.ts), which loads ES modules synchronously on Node ≥ 22.12 — also under jest.
 */
import { nodeRequire } from '../documents/esm';

type Franc = (text: string, options?: { minLength?: number; only?: string[] }) => string;

/** franc's ISO 639-3 codes that have an ISO 639-1 code (the others are reported as 'und'). */
const ISO_639_1: Record<string, string> = {
	spa: 'es', eng: 'en', por: 'pt', ind: 'id', fra: 'fr', deu: 'de', jav: 'jv', vie: 'vi', ita: 'it', tur: 'tr', pol: 'pl', swh: 'sw',
	sun: 'su', ron: 'ro', hau: 'ha', fuv: 'ff', bos: 'bs', hrv: 'hr', nld: 'nl', srp: 'sr', ckb: 'ku', yor: 'yo', uzn: 'uz', zlm: 'ms',
	ibo: 'ig', tgl: 'tl', hun: 'hu', azj: 'az', ces: 'cs', run: 'rn', plt: 'mg', qug: 'qu', nya: 'ny', zyb: 'za', kin: 'rw', zul: 'zu',
	swe: 'sv', lin: 'ln', som: 'so', rus: 'ru', ukr: 'uk', bel: 'be', bul: 'bg', kaz: 'kk', arb: 'ar', urd: 'ur', pes: 'fa', pbu: 'ps',
	hin: 'hi', mar: 'mr', npi: 'ne', cmn: 'zh', ben: 'bn', jpn: 'ja', kor: 'ko', tel: 'te', tam: 'ta', guj: 'gu', kan: 'kn', mal: 'ml',
	mya: 'my', pan: 'pa', amh: 'am', tha: 'th', sin: 'si', ell: 'el',
};

/** franc looks at 2048 characters at most; the start of a message says enough. */
const SAMPLE = 2000;
/** Shorter texts ("OK", "Thanks!") have no reliable language. */
const MIN_LENGTH = 20;

let franc: Franc | null | undefined;
/** null where franc-min cannot be loaded (a Node without require(esm)): the language is then 'und', never an item error. */
function load(): Franc | null {
	if (franc === undefined) {
		try {
			franc = (nodeRequire('franc-min') as { franc: Franc }).franc;
		} catch {
			franc = null;
		}
	}
	return franc;
}

export function detectLanguage(text: string): string {
	// Placeholders, addresses and numbers say nothing about the language and skew short texts.
	const sample = text
		.slice(0, SAMPLE)
		.replace(/\[[A-Z_]+_\d+\]|\S+@\S+|https?:\/\/\S+|[\d.,:/+-]+/g, ' ')
		.replace(/\s+/g, ' ')
		.trim();
	const detect = sample.length < MIN_LENGTH ? null : load();
	return detect ? (ISO_639_1[detect(sample, { minLength: MIN_LENGTH })] ?? 'und') : 'und';
}
