/**
 * What the review webhook answers, decided from the request and the stored case alone. The node
 * shell turns the answer into an HTTP response (and, for `decide`, into a resume).
 * The link's secret is checked before anything about the case is revealed.
 */
import type { ReviewCase } from '../store/types';
import { REVIEW_CASE_VERSION, type ReviewCasePayload } from './case';
import { tryParseDecisionForm, type ParsedDecision } from './decision';
import { renderMessagePage, renderReviewPage } from './render';
import { decisionToken, decisionTokenMatches, secretMatches } from './token';

export type ReviewAnswer =
	/** `expireCase`: the case is past its limit but still pending in the store; mark it expired. */
	| { kind: 'page'; status: number; html: string; expireCase?: boolean }
	| { kind: 'document'; mimeType: string; fileName?: string; data: Buffer }
	| { kind: 'decide'; reviewCase: ReviewCase; payload: ReviewCasePayload; decision: ParsedDecision; secret: string };

export interface ReviewRequest {
	method: string;
	query: Record<string, unknown>;
	body: Record<string, unknown>;
}

const refuse = (status: number, title: string, message: string): Extract<ReviewAnswer, { kind: 'page' }> => ({
	kind: 'page',
	status,
	html: renderMessagePage(title, message),
});

function single(value: unknown): string | undefined {
	const first = Array.isArray(value) ? value[0] : value;
	return typeof first === 'string' ? first : undefined;
}

export function readPayload(reviewCase: ReviewCase): ReviewCasePayload | undefined {
	const payload = (typeof reviewCase.payload === 'string' ? JSON.parse(reviewCase.payload) : reviewCase.payload) as
		| ReviewCasePayload
		| undefined;
	return payload?.version === REVIEW_CASE_VERSION ? payload : undefined;
}

/** The page's relative URL for one document: the page's own query (n8n's signature, our secret) + doc. */
export function documentUrl(query: Record<string, unknown>, itemIndex: number, property: string): string {
	const params = new URLSearchParams();
	for (const [key, value] of Object.entries(query)) {
		const text = single(value);
		if (text !== undefined && key !== 'item' && key !== 'doc') params.set(key, text);
	}
	params.set('item', String(itemIndex));
	params.set('doc', property);
	return `?${params.toString()}`;
}

export function answerReviewRequest(request: ReviewRequest, reviewCase: ReviewCase | undefined, now: Date): ReviewAnswer {
	if (!reviewCase) {
		return refuse(404, 'Review not found', 'There is no review waiting at this address. Check that you opened the whole link.');
	}
	const secret = single(request.query.t);
	if (secret === undefined || secret === '') {
		return refuse(401, 'Link incomplete', 'This review link is missing its access key. Open the full link you were sent.');
	}
	if (!secretMatches(secret, reviewCase.tokenHash)) {
		return refuse(403, 'Link not valid', 'This review link is not valid. Open the full link you were sent, unchanged.');
	}
	if (reviewCase.status === 'decided') {
		return refuse(409, 'Already decided', 'This review has already been decided. Nothing was changed.');
	}
	const payload = readPayload(reviewCase);
	if (!payload) return refuse(500, 'Review unreadable', 'This review was saved by another version of the node and cannot be shown.');
	if (reviewCase.status === 'expired' || now.getTime() >= payload.expiresAtMs) {
		const expired = refuse(410, 'Link expired', 'The time to review this case has run out. The workflow has continued without a decision.');
		return reviewCase.status === 'pending' ? { ...expired, expireCase: true } : expired;
	}

	const method = request.method.toUpperCase();
	if (method === 'GET' || method === 'HEAD') {
		const doc = single(request.query.doc);
		if (doc !== undefined) {
			const itemIndex = Number(single(request.query.item));
			const document = payload.items[itemIndex]?.documents.find((entry) => entry.property === doc);
			if (!document?.dataBase64) return refuse(404, 'Document not found', 'This document is not part of the review.');
			return { kind: 'document', mimeType: document.mimeType, fileName: document.fileName, data: Buffer.from(document.dataBase64, 'base64') };
		}
		return {
			kind: 'page',
			status: 200,
			html: renderReviewPage(payload, {
				decisionToken: decisionToken(secret, reviewCase.id),
				documentUrl: (itemIndex, property) => documentUrl(request.query, itemIndex, property),
			}),
		};
	}
	if (method !== 'POST') return refuse(405, 'Not allowed', 'Open the review link in a browser.');

	if (!decisionTokenMatches(single(request.body.decisionToken), secret, reviewCase.id)) {
		return refuse(403, 'Form not valid', 'This form did not come from the review page. Open the review link again and submit from there.');
	}
	const parsed = tryParseDecisionForm(request.body, payload);
	if (parsed.ok) return { kind: 'decide', reviewCase, payload, decision: parsed.decision, secret };
	return {
		kind: 'page',
		status: 422,
		html: renderReviewPage(payload, {
			decisionToken: decisionToken(secret, reviewCase.id),
			documentUrl: (itemIndex, property) => documentUrl(request.query, itemIndex, property),
			error: parsed.message,
			previous: request.body,
		}),
	};
}
