import { mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, symlinkSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { detectDocumentKind, DocumentError, OcrSession, readDocument, readText } from '../../nodes/shared/documents';
import { languageFolder, traineddataPath } from '../../nodes/shared/documents/ocr';
import { writePdf } from '../fixtures/pdf-writer';

const invoice2data = join(__dirname, '..', 'fixtures', 'invoice2data');

async function documentError(promise: Promise<unknown>): Promise<DocumentError> {
	try {
		await promise;
	} catch (error) {
		expect(error).toBeInstanceOf(DocumentError);
		return error as DocumentError;
	}
	throw new Error('expected a DocumentError');
}

function encryptedPdf(): Buffer {
	// A standard security handler whose empty user password does not open the file.
	const pdf = writePdf([[{ x: 50, y: 50, text: 'Confidential invoice' }]]).toString('latin1');
	return Buffer.from(
		pdf.replace(/trailer\n<< /, `trailer\n<< /Encrypt << /Filter /Standard /V 1 /R 2 /O <${'ab'.repeat(32)}> /U <${'cd'.repeat(32)}> /P -4 >> /ID [<${'01'.repeat(16)}><${'01'.repeat(16)}>] `),
		'latin1',
	);
}

describe('document type detection by magic bytes', () => {
	it.each([
		['pdf', Buffer.from('%PDF-1.7\n')],
		['png', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0])],
		['jpeg', Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0])],
		['tiff', Buffer.from([0x49, 0x49, 0x2a, 0x00, 8, 0, 0, 0])],
		['tiff', Buffer.from([0x4d, 0x4d, 0x00, 0x2a, 0, 0, 0, 8])],
		['webp', Buffer.from('RIFF\x10\x00\x00\x00WEBPVP8 ', 'latin1')],
	])('%s', (kind, bytes) => {
		expect(detectDocumentKind(bytes)).toBe(kind);
	});

	it('names unknown files clearly', () => {
		const error = ((): DocumentError | undefined => {
			try {
				detectDocumentKind(Buffer.from('PK\x03\x04 a zip file', 'latin1'));
			} catch (e) {
				return e as DocumentError;
			}
			return undefined;
		})();
		expect(error?.code).toBe('UNKNOWN_TYPE');
		expect(error?.message).toContain('50 4b 03 04');
		expect(error?.hint).toMatch(/PDF or an image/);
	});
});

describe('bad input', () => {
	it('empty file', async () => expect((await documentError(readDocument(Buffer.alloc(0)))).code).toBe('EMPTY'));
	it('unknown type', async () => expect((await documentError(readDocument(Buffer.from('hello, world')))).code).toBe('UNKNOWN_TYPE'));
	it('corrupt PDF', async () => {
		const error = await documentError(readDocument(Buffer.from('%PDF-1.4\n1 0 obj\n<<>>\nendobj\n', 'latin1')));
		expect(error.code).toBe('CORRUPT');
		expect(error.hint).toMatch(/download it again/);
	});
	it('truncated PDF', async () => {
		expect((await documentError(readDocument(readFileSync(join(invoice2data, 'oyo.pdf')).subarray(0, 3000)))).code).toBe('CORRUPT');
	});
	it('encrypted PDF', async () => {
		const error = await documentError(readDocument(encryptedPdf()));
		expect(error.code).toBe('ENCRYPTED');
		expect(error.message).toBe('The PDF is password-protected');
	});
	it('PDF with blank pages', async () => expect((await documentError(readDocument(writePdf([[]])))).code).toBe('NO_TEXT'));
	it('empty text', () => expect(() => readText('  \n ')).toThrow(DocumentError));
});

describe('PDF text layer', () => {
	it('gives words with positions, top-left origin, in reading order', async () => {
		const doc = await readDocument(writePdf([[{ x: 50, y: 60, text: 'Invoice No: 42' }, { x: 300, y: 100, text: 'Total 12,00 €' }]]));
		expect(doc.kind).toBe('pdf');
		expect(doc.pages[0].source).toBe('text-layer');
		const words = doc.pages[0].words;
		expect(words.map((w) => w.text)).toEqual(['Invoice', 'No:', '42', 'Total', '12,00', '€']);
		expect(words[0].x0).toBeCloseTo(50, 0);
		expect(words[0].y1).toBeGreaterThan(50);
		expect(words[0].y1).toBeLessThan(65);
		expect(words[3].x0).toBeCloseTo(300, 0);
		expect(words[1].x0).toBeGreaterThan(words[0].x1);
	});

	it('honours the page limit and says the document was cut', async () => {
		const pdf = writePdf([1, 2, 3].map((n) => [{ x: 50, y: 50, text: `Page ${n} of the invoice, some text` }]));
		const doc = await readDocument(pdf, { maxPages: 2 });
		expect(doc.pages.map((p) => p.number)).toEqual([1, 2]);
		expect(doc).toMatchObject({ pageCount: 3, truncated: true });
	});

	// How fast is measured by `npm run bench:invoice`, not here (timed tests flake on shared machines).
	it('reads a real invoice (AWS)', async () => {
		const doc = await readDocument(readFileSync(join(invoice2data, 'AmazonWebServices.pdf')));
		expect(doc.pages[0].words.map((w) => w.text).join(' ')).toContain('Invoice Number: 42183017');
	});
});

describe('OCR (offline, installed language data)', () => {
	it('uses the traineddata of the installed packages, never a URL', () => {
		for (const language of ['eng', 'deu', 'fra'] as const) expect(readFileSync(traineddataPath(language)).subarray(0, 2)).toEqual(Buffer.from([0x1f, 0x8b]));
		const folder = languageFolder(['eng', 'deu']);
		expect(folder).not.toMatch(/^https?:/);
		expect(readFileSync(join(folder, 'deu.traineddata.gz')).length).toBeGreaterThan(1000);
	});

	it('replaces a link left dangling by an install that is gone, and keeps a working one', () => {
		const temporary = mkdtempSync(join(tmpdir(), 'aiw-tessdata-'));
		const before = process.env.TMPDIR;
		process.env.TMPDIR = temporary;
		try {
			const folder = languageFolder(['eng']);
			const link = join(folder, 'eng.traineddata.gz');
			expect(readlinkSync(link)).toBe(traineddataPath('eng'));
			// An earlier install's link, its package since removed: reading through it fails.
			unlinkSync(link);
			symlinkSync(join(temporary, 'gone', 'eng.traineddata.gz'), link);
			expect(() => readFileSync(link)).toThrow(/ENOENT/);
			expect(languageFolder(['eng'])).toBe(folder);
			expect(readFileSync(link).length).toBe(readFileSync(traineddataPath('eng')).length);
			expect(readdirSync(folder)).toEqual(['eng.traineddata.gz']);
		} finally {
			if (before === undefined) delete process.env.TMPDIR;
			else process.env.TMPDIR = before;
			rmSync(temporary, { recursive: true, force: true });
		}
	});

	it('reads a PNG into words with boxes, and a PDF page without text layer through rasterising', async () => {
		const ocr = new OcrSession(['eng']);
		try {
			const png = await readDocument(readFileSync(join(invoice2data, 'SammyMaystoneLinesTest.png')), { ocr });
			expect(png.pages[0].source).toBe('ocr');
			const text = png.pages[0].words.map((w) => w.text).join(' ');
			expect(text).toContain('Balance');
			expect(text).toContain('$127.50');
			const word = png.pages[0].words.find((w) => w.text === 'Balance')!;
			expect(word.x1).toBeGreaterThan(word.x0);
			expect(word.confidence).toBeGreaterThan(0.5);

			// An image-only PDF: a page with only a drawn picture of text has no text layer.
			const { nodeRequire } = await import('../../nodes/shared/documents/esm');
			// eslint-disable-next-line @typescript-eslint/no-explicit-any -- @napi-rs/canvas is loaded by a path found at run time, untyped
			const { createCanvas } = nodeRequire('@napi-rs/canvas') as { createCanvas(w: number, h: number): any };
			const canvas = createCanvas(600, 200);
			const ctx = canvas.getContext('2d');
			ctx.fillStyle = '#fff';
			ctx.fillRect(0, 0, 600, 200);
			ctx.fillStyle = '#000';
			ctx.font = '32px sans-serif';
			ctx.fillText('Invoice Total 123.45', 20, 100);
			const jpeg: Buffer = canvas.toBuffer('image/jpeg', 90);
			const scanned = await readDocument(imagePdf(jpeg, 600, 200), { ocr });
			expect(scanned.pages[0].source).toBe('ocr');
			expect(scanned.pages[0].words.map((w) => w.text).join(' ')).toContain('123.45');
			expect([png, scanned].flatMap((document) => document.pages).filter((page) => page.source === 'ocr')).toHaveLength(2);
		} finally {
			await ocr.close();
		}
	}, 60000);
});

/** A one-page PDF showing a JPEG (DCTDecode), as a scanner writes it. */
function imagePdf(jpeg: Buffer, width: number, height: number): Buffer {
	const parts: Buffer[] = [];
	const offsets: number[] = [];
	let length = 0;
	const push = (chunk: string | Buffer) => {
		const buffer = typeof chunk === 'string' ? Buffer.from(chunk, 'latin1') : chunk;
		parts.push(buffer);
		length += buffer.length;
	};
	const content = `q ${width} 0 0 ${height} 0 0 cm /Im0 Do Q`;
	push('%PDF-1.4\n');
	const objects: Array<string | [string, Buffer]> = [
		'<< /Type /Catalog /Pages 2 0 R >>',
		'<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
		`<< /Type /Page /Parent 2 0 R /MediaBox [0 0 ${width} ${height}] /Resources << /XObject << /Im0 4 0 R >> >> /Contents 5 0 R >>`,
		[`<< /Type /XObject /Subtype /Image /Width ${width} /Height ${height} /ColorSpace /DeviceRGB /BitsPerComponent 8 /Filter /DCTDecode /Length ${jpeg.length} >>`, jpeg],
		`<< /Length ${content.length} >>\nstream\n${content}\nendstream`,
	];
	objects.forEach((object, i) => {
		offsets.push(length);
		if (typeof object === 'string') push(`${i + 1} 0 obj\n${object}\nendobj\n`);
		else {
			push(`${i + 1} 0 obj\n${object[0]}\nstream\n`);
			push(object[1]);
			push('\nendstream\nendobj\n');
		}
	});
	const xref = length;
	push(`xref\n0 ${objects.length + 1}\n0000000000 65535 f \n${offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('')}trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`);
	return Buffer.concat(parts);
}
