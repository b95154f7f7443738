import { DocumentError, type DocumentKind } from './types';

const startsWith = (data: Uint8Array, bytes: number[], offset = 0): boolean =>
	data.length >= offset + bytes.length && bytes.every((b, i) => data[offset + i] === b);

/** The document type from its first bytes (the file name and MIME type are not trusted). */
export function detectDocumentKind(data: Uint8Array): DocumentKind {
	if (data.length === 0) {
		throw new DocumentError('EMPTY', 'The file is empty (0 bytes)', 'Check that the previous node passes the file content, not just its name.');
	}
	// PDF: "%PDF-" may follow a little junk; readers accept it within the first 1024 bytes.
	const head = Buffer.from(data.subarray(0, 1024)).toString('latin1');
	if (head.includes('%PDF-')) return 'pdf';
	if (startsWith(data, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'png';
	if (startsWith(data, [0xff, 0xd8, 0xff])) return 'jpeg';
	if (startsWith(data, [0x49, 0x49, 0x2a, 0x00]) || startsWith(data, [0x4d, 0x4d, 0x00, 0x2a])) return 'tiff';
	if (startsWith(data, [0x52, 0x49, 0x46, 0x46]) && startsWith(data, [0x57, 0x45, 0x42, 0x50], 8)) return 'webp';
	const preview = Array.from(data.subarray(0, 8))
		.map((b) => b.toString(16).padStart(2, '0'))
		.join(' ');
	throw new DocumentError(
		'UNKNOWN_TYPE',
		`The file is not a PDF, PNG, JPEG, TIFF or WebP document (it starts with bytes ${preview})`,
		'Send the invoice as a PDF or an image; for an email, pass the attachment\'s binary property, not the message.',
	);
}
