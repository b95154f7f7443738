/**
 * Whether a PDF page's text layer is text. Some PDFs carry a layer of glyph ids with no usable
 * mapping to characters (control characters, private-use code points, U+FFFD) or a layer of
 * symbols: such a page reads fine once rendered and OCR'd, and must not be taken at its word.
 */
import type { PositionedWord } from './types';

// Control characters, the replacement character and private-use code points: glyphs without text.
const NOT_TEXT = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\ufffd\ue000-\uf8ff]/gu;

export interface TextLayerQuality {
	characters: number;
	/** Share of characters that are not text at all (control, replacement, private use). */
	nonText: number;
	/** Share of words with at least two letters or digits in a row (a readable word or number). */
	readableWords: number;
	readable: boolean;
}

/** A text layer is readable when almost all of it is text and most words are words or numbers. */
export function textLayerQuality(words: readonly PositionedWord[]): TextLayerQuality {
	const text = words.map((w) => w.text).join('');
	const characters = [...text].length;
	if (characters === 0) return { characters, nonText: 0, readableWords: 0, readable: false };
	const nonText = (text.match(NOT_TEXT) ?? []).length / characters;
	const readableWords = words.filter((w) => /[\p{L}\p{N}]{2}/u.test(w.text.replace(NOT_TEXT, '\u0000'))).length / words.length;
	return { characters, nonText, readableWords, readable: nonText < 0.05 && readableWords >= 0.5 };
}
