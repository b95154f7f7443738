/** A text layer that is not text (control characters, symbols) is not taken at its word: the page goes to OCR. */
import { readPdf } from '../../nodes/shared/documents/pdf';
import type { OcrSession } from '../../nodes/shared/documents/ocr';
import { textLayerQuality } from '../../nodes/shared/documents/textQuality';
import type { PositionedWord } from '../../nodes/shared/documents/types';
import { writePdf } from '../fixtures/pdf-writer';

const words = (...texts: string[]): PositionedWord[] => texts.map((text, i) => ({ text, page: 1, x0: i * 50, x1: i * 50 + 40, y0: 0, y1: 10, confidence: 1 }));

/** Stands in for tesseract: counts the pages it is asked to read. */
function countingOcr() {
	const calls: number[] = [];
	const session = {
		recognise: async (_image: Buffer, page: number) => {
			calls.push(page);
			return { words: words('Invoice', 'No', '42'), width: 100, height: 10 };
		},
	} as unknown as OcrSession;
	return { session, calls };
}

describe('text layer quality', () => {
	it('reads ordinary text as text', () => {
		expect(textLayerQuality(words('Rechnung', 'Nr.', 'R0005532486', 'Gesamtbetrag', '104,00', '€')).readable).toBe(true);
	});
	it('rejects control characters, replacement characters and private-use glyphs', () => {
		expect(textLayerQuality(words('\u0001\u0002\u0003\u0004', '\u0005\u0006', '\u0007\u0008\u000e')).readable).toBe(false);
		expect(textLayerQuality(words('\ufffd\ufffd\ufffd', 'ab\ufffd\ufffd\ufffd\ufffd')).readable).toBe(false);
		expect(textLayerQuality(words('\ue001\ue002\ue003', '\ue004\ue005')).readable).toBe(false);
	});
	it('rejects a layer of lone symbols', () => {
		expect(textLayerQuality(words('#', '%', '&', '!', '$', '(', ')', '*', '+', 'ab')).readable).toBe(false);
	});

	it('a PDF whose text layer is control characters goes to OCR, and its words come from OCR', async () => {
		const garbage = '\u0001\u0002\u0003\u0004\u0005\u0006\u0007 \u0010\u0011\u0012\u0013\u0014\u0015\u0016\u0017\u0018\u0019';
		const pdf = writePdf([[{ x: 50, y: 60, text: garbage }, { x: 50, y: 90, text: garbage }]]);
		const { session, calls } = countingOcr();
		const read = await readPdf(pdf, { ocr: session });
		expect(calls).toEqual([1]);
		expect(read.pages[0].source).toBe('ocr');
		expect(read.pages[0].words.map((w) => w.text)).toEqual(['Invoice', 'No', '42']);
	});

	it('a PDF with a real text layer is read without OCR', async () => {
		const pdf = writePdf([[{ x: 50, y: 60, text: 'Invoice No: 42, Total 12,00 EUR' }]]);
		const { session, calls } = countingOcr();
		const read = await readPdf(pdf, { ocr: session });
		expect(calls).toEqual([]);
		expect(read.pages[0].source).toBe('text-layer');
	});
});
