/** The messages between n8n's process (readerPool.ts) and a reader process (readerChild.ts). */
import type { OcrLanguage } from './ocr';
import type { DocumentErrorCode } from './types';

export type ReaderRequest =
	| { id: number; op: 'read'; data: Uint8Array; maxPages?: number; ocrLanguages?: OcrLanguage[] }
	| { id: number; op: 'pageImages'; data: Uint8Array; pages: number[] };

export type ReaderReply =
	| { type: 'ready' }
	| { id: number; type: 'progress' }
	| { id: number; type: 'result'; value: unknown }
	| { id: number; type: 'error'; error: { code?: DocumentErrorCode; message: string; hint?: string } };
