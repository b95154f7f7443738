import { buildReviewItem } from '../../../nodes/shared/review/case';
import { CONTENT_SECURITY_POLICY, escapeHtml, renderMessagePage, renderReviewPage } from '../../../nodes/shared/review/render';
import { XSS, buildOptions, classifyJson, extractJson, makeCase } from './fixtures';

const render = (payload: ReturnType<typeof makeCase>['payload'], extra = {}) =>
	renderReviewPage(payload, { decisionToken: 'tok', documentUrl: (i, p) => `?t=x&item=${i}&doc=${p}`, ...extra });

/** Every tag in the page with its attributes, as a browser would parse them (values double-quoted). */
function tagsOf(html: string): Array<{ tag: string; attributes: Array<[string, string]> }> {
	return [...html.matchAll(/<([a-zA-Z][a-zA-Z0-9]*)((?:\s+[^\s=>]+(?:="[^"]*")?)*)\s*>/g)].map((match) => ({
		tag: match[1].toLowerCase(),
		attributes: [...match[2].matchAll(/\s+([^\s=>]+)(?:="([^"]*)")?/g)].map((a) => [a[1].toLowerCase(), a[2] ?? ''] as [string, string]),
	}));
}

describe('escaping', () => {
	it('escapes text and attribute contexts', () => {
		expect(escapeHtml('<a href="x" onclick=\'y\'>`=&')).toBe('&lt;a href&#61;&quot;x&quot; onclick&#61;&#39;y&#39;&gt;&#96;&#61;&amp;');
		expect(escapeHtml(undefined)).toBe('');
		expect(escapeHtml(5)).toBe('5');
	});
});

describe('the review page with hostile data in every shown field', () => {
	const hostile = (payload: string) => {
		const json = classifyJson(payload) as Record<string, unknown>;
		json[payload] = payload; // a key, too
		json.text = payload;
		json.nested = { deep: [payload] };
		const ai = json.ai as Record<string, unknown>;
		ai.scores = { [payload]: 0.5, billing: 0.5 };
		ai.reasoning = payload;
		ai.input = { characters: 10, language: 'en', text: payload };
		ai.checks = [{ name: payload, passed: false, detail: payload }];
		json.route = { path: 'review', reason: payload, threshold: 0.8 };
		return json;
	};

	it.each(XSS)('keeps %s inert', (payload) => {
		const extract = extractJson() as Record<string, unknown>;
		(extract.invoice as Record<string, unknown>).invoiceId = payload;
		(extract.invoice as Record<string, unknown>)[payload] = payload;
		const { payload: casePayload } = makeCase([hostile(payload), extract], {
			title: payload,
			instructions: payload,
			reviewers: [payload, 'Ann'],
		});
		casePayload.items[0].documents.push({ property: payload, fileName: payload, mimeType: 'image/png', size: 3, dataBase64: 'AAAA' });
		const html = render(casePayload, { error: payload, previous: { comment_0: payload, reviewer: payload } });

		expect(html).not.toContain('<script');
		expect(html).not.toContain('<svg');
		const tags = tagsOf(html);
		const allowedTags = new Set(['html', 'head', 'meta', 'title', 'style', 'body', 'main', 'h1', 'h2', 'p', 'div', 'span', 'section', 'table', 'tr', 'th', 'td', 'pre', 'strong', 'form', 'input', 'fieldset', 'legend', 'label', 'select', 'option', 'textarea', 'button', 'img', 'a']);
		for (const { tag, attributes } of tags) {
			expect(allowedTags).toContain(tag);
			for (const [name, value] of attributes) {
				expect(name).toMatch(/^(lang|charset|name|content|http-equiv|class|id|role|method|autocomplete|type|value|required|checked|selected|for|maxlength|alt|src|href|target|rel)$/);
				if (['href', 'src', 'action'].includes(name)) expect(value).toMatch(/^\?/);
			}
		}
		// Parsing must have seen every tag: no '<' left that starts a tag the regex skipped.
		expect(html.match(/<[a-zA-Z!/]/g)?.length).toBe((html.match(/<\/[a-zA-Z]/g)?.length ?? 0) + tags.length + 1);
		// The payload is shown to the reviewer as text.
		expect(html).toContain(escapeHtml(payload));
	});

	it('message pages escape too', () => {
		const html = renderMessagePage(XSS[0], XSS[1]);
		expect(html).not.toContain('<script>window');
		expect(html).not.toMatch(/<img/);
	});
});

describe('page content', () => {
	it('forbids scripts by policy and posts to itself with the decision token', () => {
		const { payload } = makeCase([classifyJson()]);
		const html = render(payload);
		expect(CONTENT_SECURITY_POLICY).toMatch(/default-src 'none'/);
		expect(CONTENT_SECURITY_POLICY).not.toMatch(/script-src|unsafe-inline/);
		expect(html).toContain('http-equiv="Content-Security-Policy"');
		expect(html).toContain('<form method="post"');
		expect(html).toContain('name="decisionToken" value="tok"');
		expect(html).toContain('name="viewport"');
	});

	it('offers the categories from ai.scores with the AI label preselected, and highlights low confidence', () => {
		const { payload } = makeCase([classifyJson()]);
		const html = render(payload);
		expect(html).toMatch(/<option value="billing" selected>billing \(55%\)<\/option>/);
		expect(html).toContain('<option value="refund">');
		expect(html).toContain('low confidence 55%');
		expect(html).toContain('I was charged twice');
	});

	it('shows the cleaned text (ai.input.text) under the original, escaped; nothing when the item has none', () => {
		const original = 'Hi <b>team</b>, I was charged twice & want it fixed\n\nOn Mon, Support <s@x.example> wrote:\n> old';
		const json = { ...classifyJson(), text: original } as Record<string, unknown>;
		(json.ai as Record<string, unknown>).input = { characters: 46, language: 'en', text: 'Hi team, I was charged twice & want it fixed <"quoted">' };
		const html = render(makeCase([json, classifyJson()]).payload);
		const [first, second] = html.split('id="item-1"');
		expect(first).toContain('<h2 class="muted">Cleaned text (what the AI saw)</h2><pre class="cleaned">Hi team, I was charged twice &amp; want it fixed &lt;&quot;quoted&quot;&gt;</pre>');
		// The original stays in the context, above it.
		expect(first.indexOf(escapeHtml(original))).toBeGreaterThan(-1);
		expect(first.indexOf(escapeHtml(original))).toBeLessThan(first.indexOf('Cleaned text'));
		expect(first).not.toContain('<b>team');
		expect(second).not.toContain('Cleaned text');
		// ai.input is not listed as context: it sits under ai.
		expect(buildReviewItem(0, json, {}, buildOptions).cleanedText).toBe('Hi team, I was charged twice & want it fixed <"quoted">');
		expect(buildReviewItem(0, classifyJson(), {}, buildOptions).cleanedText).toBeUndefined();
	});

	it('pre-fills extracted fields and marks the low-confidence ones', () => {
		const { payload } = makeCase([extractJson()]);
		const html = render(payload);
		expect(html).toMatch(/<tr class="low"><th><label for="field_0_1">total<\/label>/);
		expect(html).toMatch(/<tr><th><label for="field_0_0">invoiceId<\/label>/);
		expect(html).toContain('value="120.5"');
		expect(html).toContain('lines[0].amount');
		expect(html).toContain('✗ totals');
		// The record is the form; it is not repeated as context.
		expect(payload.items[0].context).toEqual({});
	});

	it('marks checks that were skipped (fields not asked of the model) apart from passed and failed ones', () => {
		const json = extractJson() as Record<string, unknown>;
		(json.ai as Record<string, unknown>).checks = [{ name: 'ibanChecksum', passed: true, skipped: true, detail: 'skipped: needs payment' }];
		const html = render(makeCase([json]).payload);
		expect(html).toContain('– ibanChecksum');
		expect(html).not.toContain('✓ ibanChecksum');
	});

	it('shows several items, each with its own decision', () => {
		const { payload } = makeCase([classifyJson(), classifyJson('refund'), extractJson()]);
		const html = render(payload);
		for (const i of [0, 1, 2]) expect(html).toContain(`name="decision_${i}" value="approve"`);
	});

	it('embeds images by a same-origin URL and lists files it cannot show', () => {
		const item = buildReviewItem(0, classifyJson(), {
			photo: { mimeType: 'image/png', fileName: 'a.png', data: Buffer.from('png') },
			big: { mimeType: 'application/pdf', fileName: 'b.pdf', data: Buffer.alloc(2 * 1024 * 1024) },
			sheet: { mimeType: 'text/csv', fileName: 'c.csv', data: Buffer.from('a,b') },
		}, buildOptions);
		expect(item.documents.map((d) => [d.property, d.dataBase64 !== undefined])).toEqual([
			['photo', true],
			['big', false],
			['sheet', false],
		]);
		const { payload } = makeCase([classifyJson()]);
		payload.items[0] = item;
		const html = render(payload);
		expect(html).toContain('src="?t&#61;x&amp;item&#61;0&amp;doc&#61;photo"');
		expect(html).toMatch(/b\.pdf.*preview limit/);
	});
});
