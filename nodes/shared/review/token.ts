/**
 * Review link secrets. The link carries a random secret; the store keeps only its SHA-256, so a
 * leaked database does not hand out working links. The page's decision token is derived from the
 * secret, so rendering the page (GET) writes nothing and a POST must come from someone who holds it.
 * Every comparison hashes both sides to a fixed length and uses a constant-time compare.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

const SECRET_BYTES = 32;
/** base64url of 32 bytes, no padding. */
const SECRET_PATTERN = /^[A-Za-z0-9_-]{43}$/;

export function newReviewSecret(): string {
	return randomBytes(SECRET_BYTES).toString('base64url');
}

export function hashSecret(secret: string): string {
	return createHash('sha256').update(secret, 'utf8').digest('hex');
}

function sha256(value: string): Buffer {
	return createHash('sha256').update(value, 'utf8').digest();
}

/** Whether a value presented in a link is the secret whose hash is stored. */
export function secretMatches(presented: unknown, storedHash: string): boolean {
	if (typeof presented !== 'string' || !SECRET_PATTERN.test(presented)) return false;
	if (!/^[0-9a-f]{64}$/.test(storedHash)) return false;
	return timingSafeEqual(sha256(presented), Buffer.from(storedHash, 'hex'));
}

/** The per-page token the form posts back: bound to the case, derived from the link's secret. */
export function decisionToken(secret: string, caseId: string): string {
	return createHmac('sha256', secret).update(`decide:${caseId}`, 'utf8').digest('base64url');
}

export function decisionTokenMatches(presented: unknown, secret: string, caseId: string): boolean {
	if (typeof presented !== 'string' || presented.length === 0 || presented.length > 200) return false;
	return timingSafeEqual(sha256(presented), sha256(decisionToken(secret, caseId)));
}

/**
 * The reviewer's link: n8n's resume URL (which on n8n ≥ 2.14 carries n8n's own `signature` query
 * parameter, kept as is) + the webhook suffix + our secret.
 */
export function buildReviewLink(resumeUrl: string, suffix: string, secret: string): string {
	const url = new URL(resumeUrl);
	url.pathname = `${url.pathname.replace(/\/+$/, '')}/${suffix}`;
	url.searchParams.set('t', secret);
	return url.toString();
}
