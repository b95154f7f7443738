import {
	buildReviewLink,
	decisionToken,
	decisionTokenMatches,
	hashSecret,
	newReviewSecret,
	secretMatches,
} from '../../../nodes/shared/review/token';

describe('review link secrets', () => {
	it('are 32 random bytes in base64url, different every time', () => {
		const secrets = new Set(Array.from({ length: 100 }, newReviewSecret));
		expect(secrets.size).toBe(100);
		for (const secret of secrets) {
			expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
			expect(Buffer.from(secret, 'base64url')).toHaveLength(32);
		}
	});

	it('verify against the stored SHA-256 only', () => {
		const secret = newReviewSecret();
		const hash = hashSecret(secret);
		expect(hash).toMatch(/^[0-9a-f]{64}$/);
		expect(hash).not.toContain(secret);
		expect(secretMatches(secret, hash)).toBe(true);
	});

	it('refuse forged, altered, missing and malformed secrets', () => {
		const secret = newReviewSecret();
		const hash = hashSecret(secret);
		const flipped = (secret[0] === 'A' ? 'B' : 'A') + secret.slice(1);
		for (const presented of [flipped, newReviewSecret(), '', undefined, null, 42, [secret], secret + 'x', secret.slice(1), hash]) {
			expect(secretMatches(presented, hash)).toBe(false);
		}
		expect(secretMatches(secret, 'not-a-hash')).toBe(false);
	});

	it('derive a per-case decision token that only the secret holder can produce', () => {
		const secret = newReviewSecret();
		const token = decisionToken(secret, 'case-1');
		expect(decisionTokenMatches(token, secret, 'case-1')).toBe(true);
		expect(decisionTokenMatches(token, secret, 'case-2')).toBe(false);
		expect(decisionTokenMatches(token, newReviewSecret(), 'case-1')).toBe(false);
		expect(decisionTokenMatches(token.slice(1), secret, 'case-1')).toBe(false);
		expect(decisionTokenMatches(undefined, secret, 'case-1')).toBe(false);
		expect(decisionTokenMatches('x'.repeat(500), secret, 'case-1')).toBe(false);
	});
});

describe('review links', () => {
	it('keep n8n 2.x resume signature and add the suffix and our secret', () => {
		const link = buildReviewLink('http://127.0.0.1:5678/webhook-waiting/41?signature=abc123', 'review', 'S3cret');
		const url = new URL(link);
		expect(url.pathname).toBe('/webhook-waiting/41/review');
		expect(url.searchParams.get('signature')).toBe('abc123');
		expect(url.searchParams.get('t')).toBe('S3cret');
	});

	it('work with n8n 1.x resume URLs (no signature) and base paths', () => {
		expect(buildReviewLink('https://n8n.example.com/base/webhook-waiting/7', 'review', 'k')).toBe(
			'https://n8n.example.com/base/webhook-waiting/7/review?t=k',
		);
	});
});
