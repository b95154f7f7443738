/**
 * Clean Input on the generated e-mail corpus (test/support/emailCorpus.ts): the share of e-mails
 * whose cleaned text keeps the whole customer message and drops the whole quoted history, per
 * client and language, printed and held at a floor; then the signature and disclaimer shares, and
 * the inputs that must not break it (broken HTML, 5 MB, mojibake, invisible characters, non-strings).
 */
import { cleanText, type CleanResult } from '../../nodes/shared/prepare/clean';
import { PrepareInputError } from '../../nodes/shared/prepare/errors';
import { CLIENTS, LANGUAGES, emailCorpus, hardCases, type EmailCase } from '../support/emailCorpus';

interface Outcome {
	email: EmailCase;
	result: CleanResult;
	/** Customer lines missing from the cleaned text. */
	lost: string[];
	/** History lines still in it. */
	leaked: string[];
	signatureLeft: string[];
	disclaimerLeft: string[];
	/** Nothing but the customer's lines is left (no attribution, header, footer or stray line). */
	exact: boolean;
}

function judge(email: EmailCase): Outcome {
	const result = cleanText(email.raw, { mode: 'message' });
	const lines = new Set(result.text.split('\n').map((l) => l.trim()));
	return {
		email,
		result,
		lost: email.message.filter((line) => !result.text.includes(line)),
		leaked: email.history.filter((line) => result.text.includes(line)),
		signatureLeft: email.signature.filter((line) => lines.has(line)),
		disclaimerLeft: email.disclaimer.filter((line) => result.text.includes(line.slice(0, 40))),
		exact: JSON.stringify(result.text.split('\n').filter((l) => l.trim() !== '')) === JSON.stringify(email.message),
	};
}

const ok = (o: Outcome): boolean => o.lost.length === 0 && o.leaked.length === 0;
const pct = (n: number, d: number): string => (d === 0 ? '—' : `${((100 * n) / d).toFixed(1)}% (${n}/${d})`);

describe('Clean Input on the e-mail corpus', () => {
	const corpus = emailCorpus();
	const outcomes = corpus.map(judge);

	it('covers every client × language × format with enough e-mails', () => {
		expect(corpus.length).toBeGreaterThanOrEqual(150);
		for (const client of CLIENTS)
			for (const language of LANGUAGES)
				for (const format of ['plain', 'html'])
					expect(corpus.some((e) => e.client === client && e.language === language && e.format === format)).toBe(true);
		expect(corpus.filter((e) => e.kind === 'forward').length).toBeGreaterThan(20);
		expect(corpus.filter((e) => e.history.length >= 4).length).toBeGreaterThan(50);
	});

	it('keeps the whole customer message and drops the whole quoted history (≥ 95%, per client and language)', () => {
		const rows: string[] = [];
		const group = (name: string, of: Outcome[]): void => {
			rows.push(`  ${name.padEnd(16)} ${pct(of.filter(ok).length, of.length)}`);
		};
		group('all', outcomes);
		for (const client of CLIENTS) group(client, outcomes.filter((o) => o.email.client === client));
		for (const language of LANGUAGES) group(language, outcomes.filter((o) => o.email.language === language));
		group('plain', outcomes.filter((o) => o.email.format === 'plain'));
		group('html', outcomes.filter((o) => o.email.format === 'html'));
		group('hard cases', outcomes.filter((o) => o.email.kind === 'hard' && !o.email.id.startsWith('hard-variant-')));
		group('client variants', outcomes.filter((o) => o.email.id.startsWith('hard-variant-')));
		const exact = outcomes.filter((o) => o.exact);
		rows.push(`  exactly the customer's lines, nothing else: ${pct(exact.length, outcomes.length)}`);
		const inexact = outcomes.filter((o) => ok(o) && !o.exact).map((o) => `  ${o.email.id}: ${JSON.stringify(o.result.text)}`);
		if (inexact.length) rows.push(`  kept more than the message:\n${inexact.slice(0, 15).join('\n')}`);
		const failures = outcomes.filter((o) => !ok(o)).map((o) => `  ${o.email.id}: lost ${JSON.stringify(o.lost)} leaked ${JSON.stringify(o.leaked)}\n    → ${JSON.stringify(o.result.text)}`);
		console.log(`Clean Input: whole message kept and whole history dropped\n${rows.join('\n')}${failures.length ? `\nfailures:\n${failures.join('\n')}` : ''}`);
		expect(outcomes.filter(ok).length / outcomes.length).toBeGreaterThanOrEqual(0.95);
		// No client and no language may be far behind the average.
		for (const client of CLIENTS) {
			const of = outcomes.filter((o) => o.email.client === client);
			expect(of.filter(ok).length / of.length).toBeGreaterThanOrEqual(0.9);
		}
		for (const language of LANGUAGES) {
			const of = outcomes.filter((o) => o.email.language === language);
			expect(of.filter(ok).length / of.length).toBeGreaterThanOrEqual(0.9);
		}
	});

	it('removes signatures and disclaimers where they are recognisable (shares printed, held at a floor)', () => {
		const signed = outcomes.filter((o) => o.email.signature.length > 0);
		const disclaimed = outcomes.filter((o) => o.email.disclaimer.length > 0);
		const signatureGone = signed.filter((o) => o.signatureLeft.length === 0);
		const disclaimerGone = disclaimed.filter((o) => o.disclaimerLeft.length === 0);
		const left = signed.filter((o) => o.signatureLeft.length > 0).map((o) => `  ${o.email.id}: ${JSON.stringify(o.signatureLeft)}`);
		console.log(
			`Clean Input: signature removed ${pct(signatureGone.length, signed.length)}, disclaimer removed ${pct(disclaimerGone.length, disclaimed.length)}` +
				(left.length ? `\nsignature lines left:\n${left.slice(0, 20).join('\n')}` : ''),
		);
		expect(signatureGone.length / signed.length).toBeGreaterThanOrEqual(0.9);
		expect(disclaimerGone.length / disclaimed.length).toBeGreaterThanOrEqual(0.9);
		// The flags say so, and never claim a removal that did not happen on a plain first message.
		const unflagged = signatureGone.filter((o) => !o.result.cleaned.signature).map((o) => o.email.id);
		expect(unflagged).toEqual([]);
		expect(disclaimerGone.every((o) => o.result.cleaned.disclaimer)).toBe(true);
	});

	it('flags what it did: html, quoted history, and the characters removed', () => {
		for (const o of outcomes.filter((x) => x.email.kind === 'reply' || x.email.kind === 'forward')) {
			expect(o.result.cleaned.html).toBe(o.email.format === 'html');
			expect(o.result.cleaned.quotedHistory).toBe(true);
			expect(o.result.removedCharacters).toBe(o.email.raw.length - o.result.text.length);
		}
		const first = judge(hardCases().find((e) => e.id === 'hard-no-history')!);
		expect(first.result.cleaned.quotedHistory).toBe(false);
	});
});

describe('Clean Input, one behaviour at a time', () => {
	it('keeps a bare forward’s content instead of returning nothing', () => {
		const { text, cleaned } = cleanText('---------- Forwarded message ---------\nFrom: A <a@x.example>\nDate: Thu, Dec 3, 2026\nSubject: Hi\nTo: <b@x.example>\n\nThe parcel is at the depot.', { mode: 'message' });
		expect(text).toBe('The parcel is at the depot.');
		expect(cleaned.quotedHistory).toBe(true);
	});

	it('drops an attribution in a language it has no data for when a quote follows, but not a customer line ending in ":"', () => {
		const polish = cleanText('Hi,\nplease resend the invoice.\n\nW dniu 3.12.2026 o 09:02, Bob <b@shop.example> napisał:\n> here is your invoice', { mode: 'message' });
		expect(polish.text).toBe('Hi,\nplease resend the invoice.');
		const own = cleanText('Hi,\nyour system said on 3.12.2026:\n> payment failed\nbut my card works everywhere else.', { mode: 'message' });
		expect(own.text).toBe('Hi,\nyour system said on 3.12.2026:\n\nbut my card works everywhere else.');
	});

	it('falls back to the normalised original when cleaning would leave nothing', () => {
		const result = cleanText('Best regards,\nAnna', { mode: 'message' });
		expect(result.text).toBe('Best regards,\nAnna');
		expect(result.cleaned.signature).toBe(false);
	});

	it('document mode converts HTML and normalises, but keeps quotes, "From:" blocks and footers', () => {
		const invoice = '<table><tr><td>Invoice 2291</td><td>Total 49.00 EUR</td></tr></table><p>From: ACME GmbH<br>To: Kunde GmbH<br>Date: 2026-12-04</p><p>&gt; not a quote</p><p>Best regards,<br>ACME GmbH, IBAN DE89 3704 0044 0532 0130 00</p>';
		const { text, cleaned } = cleanText(invoice, { mode: 'document' });
		expect(text).toContain('Invoice 2291');
		expect(text).toContain('From: ACME GmbH');
		expect(text).toContain('> not a quote');
		expect(text).toContain('IBAN DE89 3704 0044 0532 0130 00');
		expect(cleaned).toEqual({ html: true, quotedHistory: false, signature: false, disclaimer: false, unicode: false });
	});

	it('honours an explicit html flag (a plain text with tags in it stays as written)', () => {
		const text = 'Please use <div> and </div> around the block.';
		expect(cleanText(text, { mode: 'message', html: false }).text).toBe(text);
		expect(cleanText(text, { mode: 'message' }).cleaned.html).toBe(true);
	});

	it('does not throw on broken HTML and still finds the text', () => {
		const broken = [
			'<div><p>Hello <b>there<i>, the <table><tr><td>order 48213</div></p> is late.<blockquote>',
			'<<<>>><div class="gmail_quote"><blockquote><blockquote>',
			`${'<div>'.repeat(5000)}deep text${'</span>'.repeat(10)}`,
			'<html><body><p>unterminated <!-- comment <script>alert(1)</script><style>p{</style>visible',
			'<p attr="unterminated>text after</p>',
			'\u0000<div>\uFFFFnull bytes</div>',
		];
		for (const html of broken) {
			const result = cleanText(html, { mode: 'message', html: true });
			expect(typeof result.text).toBe('string');
		}
		expect(cleanText(broken[0], { mode: 'message', html: true }).text).toContain('order 48213');
		expect(cleanText(broken[3], { mode: 'message', html: true }).text).not.toContain('alert(1)');
	});

	it('cleans a 5 MB e-mail in a few seconds (plain and HTML)', () => {
		const history = '> ' + 'an older line of the thread that goes on and on, '.repeat(3) + '\n';
		const plain = `Hi,\n\nplease cancel order 48213.\n\nThanks,\nTom\n\nOn Fri, Dec 4, 2026 at 10:15 AM Bob <b@x.example> wrote:\n${history.repeat(Math.ceil(5e6 / history.length))}`;
		const row = '<div>an older line of the thread, with <b>markup</b> &amp; entities</div>\n';
		const html = `<div>Hi,</div><div>please cancel order 48213.</div><div class="gmail_quote"><blockquote>${row.repeat(Math.ceil(5e6 / row.length))}</blockquote></div>`;
		const wall = `${'x'.repeat(200)} `.repeat(Math.ceil(5e6 / 201)); // one 5 MB paragraph, no line breaks
		// Millions of short lines that each look a little like a marker: delimiters, sign-offs, "From:".
		const lines = `Hi,\n\nplease cancel order 48213.\n${'--\nThanks,\nFrom: x\nok:\n'.repeat(Math.ceil(5e6 / 23))}`;
		for (const raw of [plain, html, wall, lines]) {
			expect(raw.length).toBeGreaterThanOrEqual(5e6);
			const started = performance.now();
			const { text } = cleanText(raw, { mode: 'message' });
			const ms = performance.now() - started;
			console.log(`Clean Input: ${(raw.length / 1e6).toFixed(1)} MB in ${ms.toFixed(0)} ms`);
			expect(ms).toBeLessThan(5000);
			if (raw !== wall) expect(text).toContain('please cancel order 48213.');
			expect(text.length).toBeGreaterThan(0);
		}
	});

	it('repairs mojibake, keeps correct text beside it, and removes zero-width and bidi characters', () => {
		const mixed = 'GrÃ¼ÃŸe aus KÃ¶ln, Grüße aus Köln — â‚¬ 12 und € 12; naÃ¯ve, ça va\nzero\u200Bwidth\u200D \u202Eevil\u202C \uFEFFbom soft\u00ADhyphen ｆｕｌｌ　ｗｉｄｔｈ ﬁne';
		const { text, cleaned } = cleanText(mixed, { mode: 'document' });
		expect(text).toBe('Grüße aus Köln, Grüße aus Köln — € 12 und € 12; naïve, ça va\nzerowidth evil bom softhyphen full width fine');
		expect(cleaned.unicode).toBe(true);
		// Plain Latin-1 text that only looks like a lead byte stays as written.
		expect(cleanText('SÃO PAULO, Ãrea 51, Â', { mode: 'document' }).text).toBe('SÃO PAULO, Ãrea 51, Â');
	});

	it('normalises whitespace but keeps paragraph breaks', () => {
		const { text, cleaned } = cleanText('Hello,\r\n\r\n\r\n\r\nline  one\t\ttabbed   \r\nline two\u00A0with nbsp\n\n\n\nBye', { mode: 'document' });
		expect(text).toBe('Hello,\n\nline one tabbed\nline two with nbsp\n\nBye');
		expect(cleaned.unicode).toBe(false);
	});

	it('refuses non-strings with a typed error that says what to fix', () => {
		for (const bad of [undefined, null, 42, { text: 'x' }, ['x'], Buffer.from('x')]) {
			let error: unknown;
			try {
				cleanText(bad, { mode: 'message' });
			} catch (e) {
				error = e;
			}
			expect(error).toBeInstanceOf(PrepareInputError);
			expect((error as PrepareInputError).code).toBe('NOT_A_STRING');
			expect((error as PrepareInputError).fix).toMatch(/expression|String/);
		}
	});

	it('cannot be steered by marker characters in the input', () => {
		const { text } = cleanText('Hello\n\uE000\nplease refund order 48213.', { mode: 'message' });
		expect(text).toBe('Hello\n\nplease refund order 48213.');
	});
});
