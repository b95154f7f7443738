import { answerReviewRequest } from '../../../nodes/shared/review/request';
import { decisionToken, newReviewSecret } from '../../../nodes/shared/review/token';
import { classifyJson, makeCase } from './fixtures';

const now = new Date('2026-11-25T12:00:00Z');

describe('answering the review webhook', () => {
	it('renders the page on GET and never decides', () => {
		const { secret, reviewCase } = makeCase([classifyJson()]);
		const answer = answerReviewRequest({ method: 'GET', query: { t: secret, signature: 'n8n' }, body: {} }, reviewCase, now);
		expect(answer).toMatchObject({ kind: 'page', status: 200 });
		if (answer.kind === 'page') expect(answer.html).toContain(decisionToken(secret, reviewCase.id));
		const head = answerReviewRequest({ method: 'HEAD', query: { t: secret }, body: { decision_0: 'approve', reviewer: 'x' } }, reviewCase, now);
		expect(head.kind).toBe('page');
	});

	it('decides on POST with the link secret and the page token', () => {
		const { secret, reviewCase } = makeCase([classifyJson()]);
		const answer = answerReviewRequest(
			{ method: 'POST', query: { t: secret }, body: { decisionToken: decisionToken(secret, reviewCase.id), reviewer: 'Ann', decision_0: 'approve' } },
			reviewCase,
			now,
		);
		expect(answer).toMatchObject({ kind: 'decide', decision: { reviewer: 'Ann' } });
	});

	it.each([
		['no secret', {}, 401],
		['forged secret', { t: newReviewSecret() }, 403],
		['garbage secret', { t: '../../etc' }, 403],
	])('refuses %s', (_name, query, status) => {
		const { reviewCase } = makeCase([classifyJson()]);
		for (const method of ['GET', 'POST']) {
			expect(answerReviewRequest({ method, query, body: {} }, reviewCase, now)).toMatchObject({ kind: 'page', status });
		}
	});

	it('refuses a POST without the page token (403) and a bad form with the page again (422)', () => {
		const { secret, reviewCase } = makeCase([classifyJson()]);
		const body = { reviewer: 'Ann', decision_0: 'approve' };
		expect(answerReviewRequest({ method: 'POST', query: { t: secret }, body }, reviewCase, now)).toMatchObject({ status: 403 });
		const other = makeCase([classifyJson()]);
		const borrowed = { ...body, decisionToken: decisionToken(other.secret, other.reviewCase.id) };
		expect(answerReviewRequest({ method: 'POST', query: { t: secret }, body: borrowed }, reviewCase, now)).toMatchObject({ status: 403 });
		const incomplete = answerReviewRequest(
			{ method: 'POST', query: { t: secret }, body: { decisionToken: decisionToken(secret, reviewCase.id), decision_0: 'approve' } },
			reviewCase,
			now,
		);
		expect(incomplete).toMatchObject({ kind: 'page', status: 422 });
	});

	it('refuses a decided case (409), an expired one (410) and an unknown one (404)', () => {
		const { secret, reviewCase } = makeCase([classifyJson()]);
		expect(answerReviewRequest({ method: 'GET', query: { t: secret }, body: {} }, { ...reviewCase, status: 'decided' }, now)).toMatchObject({ status: 409 });
		const alreadyExpired = answerReviewRequest({ method: 'GET', query: { t: secret }, body: {} }, { ...reviewCase, status: 'expired' }, now);
		expect(alreadyExpired).toMatchObject({ status: 410 });
		expect(alreadyExpired).not.toHaveProperty('expireCase');
		// Past its limit but still pending in the store: the answer asks the shell to record the expiry.
		expect(answerReviewRequest({ method: 'GET', query: { t: secret }, body: {} }, reviewCase, new Date('2026-11-27T00:00:00Z'))).toMatchObject({ status: 410, expireCase: true });
		expect(answerReviewRequest({ method: 'GET', query: { t: secret }, body: {} }, undefined, now)).toMatchObject({ status: 404 });
	});

	it('checks the secret before revealing whether a case was decided or expired', () => {
		const { reviewCase } = makeCase([classifyJson()]);
		const query = { t: newReviewSecret() };
		expect(answerReviewRequest({ method: 'GET', query, body: {} }, { ...reviewCase, status: 'decided' }, now)).toMatchObject({ status: 403 });
		expect(answerReviewRequest({ method: 'GET', query, body: {} }, reviewCase, new Date('2027-01-01'))).toMatchObject({ status: 403 });
	});

	it('serves a stored document only to the link holder', () => {
		const { secret, reviewCase, payload } = makeCase([classifyJson()]);
		payload.items[0].documents.push({ property: 'data', mimeType: 'application/pdf', size: 4, dataBase64: Buffer.from('%PDF').toString('base64') });
		const answer = answerReviewRequest({ method: 'GET', query: { t: secret, item: '0', doc: 'data' }, body: {} }, reviewCase, now);
		expect(answer).toMatchObject({ kind: 'document', mimeType: 'application/pdf' });
		if (answer.kind === 'document') expect(answer.data.toString()).toBe('%PDF');
		expect(answerReviewRequest({ method: 'GET', query: { t: secret, item: '0', doc: 'nope' }, body: {} }, reviewCase, now)).toMatchObject({ status: 404 });
		expect(answerReviewRequest({ method: 'GET', query: { t: 'x', item: '0', doc: 'data' }, body: {} }, reviewCase, now)).toMatchObject({ status: 403 });
	});
});
