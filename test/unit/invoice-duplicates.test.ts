import { createHash } from 'node:crypto';

import {
	cappedConfidence,
	documentKeys,
	duplicateCheck,
	duplicatesOf,
	normaliseInvoiceId,
	vendorKey,
} from '../../nodes/shared/invoice/duplicates';
import type { SeenDocument } from '../../nodes/shared/store/types';

function seen(overrides: Partial<SeenDocument>): SeenDocument {
	return { workflowId: 'wf', executionId: '7', nodeName: 'Extract Invoice', itemIndex: 0, seenAt: '2026-11-20T10:00:00.000Z', ...overrides };
}

describe('vendor key', () => {
	it('prefers the tax id, without spaces, dots and dashes, in capitals', () => {
		expect(vendorKey({ name: 'ACME GmbH', taxId: 'de 123.456-789' })).toBe('tax:DE123456789');
		expect(vendorKey({ name: 'Other name', taxId: 'DE123456789' })).toBe(vendorKey({ name: 'ACME GmbH', taxId: 'DE 123 456 789' }));
	});

	it('falls back to the name in lower case without accents and punctuation', () => {
		expect(vendorKey({ name: '  Société Générale,  S.A. ', taxId: null })).toBe('name:societe generale s a');
		expect(vendorKey({ name: 'ACME  Supplies GmbH', taxId: '' })).toBe(vendorKey({ name: 'acme supplies gmbh.', taxId: ' - ' }));
	});

	it('is absent without a name or tax id', () => {
		expect(vendorKey({ name: null, taxId: null })).toBeUndefined();
		expect(vendorKey({ name: ' .. ', taxId: undefined })).toBeUndefined();
		expect(vendorKey(undefined)).toBeUndefined();
	});
});

describe('invoice id', () => {
	it('compares in capitals without separators', () => {
		expect(normaliseInvoiceId('inv-2024 0042')).toBe('INV20240042');
		expect(normaliseInvoiceId('INV/2024/0042')).toBe('INV20240042');
		expect(normaliseInvoiceId(' - ')).toBeUndefined();
		expect(normaliseInvoiceId(null)).toBeUndefined();
	});
});

describe('document keys', () => {
	it('hashes the file bytes (or text) with SHA-256 and keeps the normalised keys', () => {
		const data = Buffer.from('%PDF-1.4 invoice');
		expect(documentKeys({ invoiceId: 'A-1', vendor: { name: 'ACME', taxId: null } }, data)).toEqual({
			vendorKey: 'name:acme',
			invoiceId: 'A1',
			fileSha256: createHash('sha256').update(data).digest('hex'),
		});
		expect(documentKeys({ invoiceId: 'A-1', vendor: null }, 'text').fileSha256).toBe(createHash('sha256').update('text').digest('hex'));
	});

	it('leaves out what the document does not give', () => {
		expect(documentKeys({ invoiceId: null, vendor: { name: null, taxId: null } }, undefined)).toEqual({});
		expect(documentKeys({ invoiceId: null, vendor: null }, '')).toEqual({});
	});
});

describe('duplicates of earlier sightings', () => {
	const keys = { vendorKey: 'tax:DE1', invoiceId: 'INV1', fileSha256: 'f'.repeat(64) };

	it('names why each earlier sighting matches, and leaves out the ones that do not', () => {
		const sameFile = seen({ executionId: '1', fileSha256: keys.fileSha256, vendorKey: 'tax:DE1', invoiceId: 'OTHER' });
		const sameInvoice = seen({ executionId: '2', vendorKey: 'tax:DE1', invoiceId: 'INV1', fileSha256: 'a'.repeat(64) });
		const both = seen({ executionId: '3', ...keys });
		const otherVendor = seen({ executionId: '4', vendorKey: 'tax:DE2', invoiceId: 'INV1' });
		expect(duplicatesOf(keys, [sameFile, sameInvoice, both, otherVendor])).toEqual([
			{ workflowId: 'wf', executionId: '1', nodeName: 'Extract Invoice', itemIndex: 0, seenAt: '2026-11-20T10:00:00.000Z', reasons: ['sameFile'] },
			{ workflowId: 'wf', executionId: '2', nodeName: 'Extract Invoice', itemIndex: 0, seenAt: '2026-11-20T10:00:00.000Z', reasons: ['sameVendorAndInvoiceId'] },
			{ workflowId: 'wf', executionId: '3', nodeName: 'Extract Invoice', itemIndex: 0, seenAt: '2026-11-20T10:00:00.000Z', reasons: ['sameFile', 'sameVendorAndInvoiceId'] },
		]);
	});

	it('needs both vendor and invoice id to match on them', () => {
		const half = { vendorKey: 'tax:DE1', fileSha256: 'b'.repeat(64) };
		expect(duplicatesOf(half, [seen({ vendorKey: 'tax:DE1' }), seen({ vendorKey: 'tax:DE1', invoiceId: 'INV1' })])).toEqual([]);
	});

	it('the failed check says which execution, when and why, and how many more', () => {
		const duplicates = duplicatesOf(keys, [seen({ executionId: '11', itemIndex: 2, ...keys }), seen({ executionId: '12', fileSha256: keys.fileSha256 }), seen({ executionId: '13', fileSha256: keys.fileSha256 })]);
		expect(duplicateCheck(duplicates, keys)).toEqual({
			name: 'duplicate',
			passed: false,
			detail:
				'same file and same vendor (tax:DE1) and invoice id (INV1) as item 2 of execution 11 (workflow wf, node "Extract Invoice") at 2026-11-20T10:00:00.000Z; seen 2 more times since',
		});
		expect(duplicateCheck(duplicates.slice(1, 2), keys).detail).toBe(
			'same file as item 0 of execution 12 (workflow wf, node "Extract Invoice") at 2026-11-20T10:00:00.000Z',
		);
		expect(duplicateCheck([], keys)).toEqual({ name: 'duplicate', passed: true, detail: 'not seen before' });
	});

	it('caps the confidence between the router defaults (review, not auto or reject)', () => {
		expect(cappedConfidence(0.97)).toBe(0.5);
		expect(cappedConfidence(0.4)).toBe(0.4);
	});
});
