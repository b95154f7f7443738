/**
 * The review page: self-contained HTML with no script at all. Every value from the case is escaped
 * (text and attribute contexts alike), links never come from data, and a strict Content Security
 * Policy (header and meta) forbids scripts, so a payload in a field can neither run nor navigate.
 */
import { createHash } from 'node:crypto';

import type { ReviewCasePayload, ReviewItemCase } from './case';

const ESCAPES: Record<string, string> = {
	'&': '&amp;',
	'<': '&lt;',
	'>': '&gt;',
	'"': '&quot;',
	"'": '&#39;',
	'`': '&#96;',
	'=': '&#61;',
};

export function escapeHtml(value: unknown): string {
	const textValue = typeof value === 'string' ? value : value === undefined ? '' : String(value);
	return textValue.replace(/[&<>"'`=]/g, (char) => ESCAPES[char]);
}

/** Width classes for the score bars: inline style attributes would need 'unsafe-inline'. */
const BAR_WIDTHS = Array.from({ length: 21 }, (_, i) => `.bar .w${i * 5}{width:${i * 5}%}`).join('');

const STYLE = `
*{box-sizing:border-box}body{font:16px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0;background:#f4f5f7;color:#1d2330}
main{max-width:860px;margin:0 auto;padding:16px}h1{font-size:1.35rem;margin:.4rem 0 1rem}h2{font-size:1.1rem;margin:0 0 .6rem}
.card{background:#fff;border-radius:10px;padding:14px 16px;margin:0 0 16px;box-shadow:0 1px 3px rgba(0,0,0,.08)}
.muted{color:#5d6677;font-size:.9rem}.err{background:#fde8e8;border:1px solid #f5a3a3;padding:10px 12px;border-radius:8px;margin-bottom:12px}
table{border-collapse:collapse;width:100%}td,th{border-top:1px solid #eceef2;padding:6px 4px;text-align:left;vertical-align:top;word-break:break-word}
th{width:34%;color:#5d6677;font-weight:500}pre{white-space:pre-wrap;word-break:break-word;margin:0;font:13px/1.4 ui-monospace,monospace}
.low{background:#fff4d6}.badge{display:inline-block;border-radius:99px;padding:1px 8px;font-size:.8rem;background:#e6e9ef}
.badge.low{background:#ffd77a}.bar{height:6px;background:#e6e9ef;border-radius:3px}.bar span{display:block;height:6px;background:#4c6ef5;border-radius:3px}
fieldset{border:1px solid #dfe3ea;border-radius:8px;margin:10px 0;padding:8px 10px}legend{font-weight:600}
label.choice{display:inline-block;margin:4px 14px 4px 0;padding:6px 10px;border:1px solid #cfd5df;border-radius:8px}
input[type=text],select,textarea{width:100%;font:inherit;padding:8px;border:1px solid #cfd5df;border-radius:6px;background:#fff}
textarea{min-height:60px}button{font:inherit;font-weight:600;padding:12px 20px;border:0;border-radius:8px;background:#2f9e44;color:#fff;width:100%}
img.doc{max-width:100%;border:1px solid #dfe3ea;border-radius:6px}a{color:#364fc7}.check-fail{color:#c92a2a}
${BAR_WIDTHS}`;

const STYLE_HASH = createHash('sha256').update(STYLE, 'utf8').digest('base64');

/** No script at all; styles only by hash; images and form posts only to this origin. */
export const CONTENT_SECURITY_POLICY = [
	"default-src 'none'",
	`style-src 'sha256-${STYLE_HASH}'`,
	"img-src 'self'",
	"form-action 'self'",
	"base-uri 'none'",
	"frame-ancestors 'none'",
].join('; ');

function page(title: string, body: string): string {
	// frame-ancestors is ignored in a meta tag; the header (sent alongside) carries it.
	const metaPolicy = CONTENT_SECURITY_POLICY.replace("; frame-ancestors 'none'", '');
	return `<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="${escapeHtml(metaPolicy)}">
<meta name="referrer" content="no-referrer"><meta name="robots" content="noindex, nofollow">
<title>${escapeHtml(title)}</title><style>${STYLE}</style></head><body><main>${body}</main></body></html>`;
}

export function renderMessagePage(title: string, message: string): string {
	return page(title, `<div class="card"><h1>${escapeHtml(title)}</h1><p>${escapeHtml(message)}</p></div>`);
}

function percent(value: number | undefined): string {
	return value === undefined ? '–' : `${Math.round(value * 1000) / 10}%`;
}

function displayValue(value: unknown): string {
	if (value === undefined) return '<span class="muted">(empty)</span>';
	if (value !== null && typeof value === 'object') return `<pre>${escapeHtml(JSON.stringify(value, null, 2))}</pre>`;
	return escapeHtml(String(value));
}

function confidenceBadge(value: number | undefined, lowBelow: number): string {
	if (value === undefined) return '';
	const low = value < lowBelow;
	return ` <span class="badge${low ? ' low' : ''}">${low ? 'low confidence ' : ''}${escapeHtml(percent(value))}</span>`;
}

export interface RenderOptions {
	decisionToken: string;
	/** Relative URL (same query as the page) serving one document of one item. */
	documentUrl: (itemIndex: number, property: string) => string;
	error?: string;
	/** Form values to put back after a refused POST. */
	previous?: Record<string, unknown>;
}

function previousText(previous: Record<string, unknown> | undefined, name: string): string | undefined {
	const value = previous?.[name];
	return typeof value === 'string' ? value : undefined;
}

function renderItem(item: ReviewItemCase, payload: ReviewCasePayload, options: RenderOptions): string {
	const low = payload.lowConfidenceBelow;
	const n = item.index;
	const parts: string[] = [];
	parts.push(`<section class="card" id="item-${n}"><h2>Item ${n + 1} of ${payload.items.length}</h2>`);

	if (item.task !== 'none') {
		const aiRows: string[] = [];
		if (item.label !== undefined) {
			aiRows.push(`<tr${item.confidence !== undefined && item.confidence < low ? ' class="low"' : ''}><th>AI ${item.task === 'extract' ? 'document type' : 'label'}</th><td><strong>${escapeHtml(item.label)}</strong>${confidenceBadge(item.confidence, low)}</td></tr>`);
		} else if (item.confidence !== undefined) {
			aiRows.push(`<tr><th>AI confidence</th><td>${confidenceBadge(item.confidence, low)}</td></tr>`);
		}
		if (item.routeReason) aiRows.push(`<tr><th>Why review</th><td>${escapeHtml(item.routeReason)}</td></tr>`);
		if (item.reasoning) aiRows.push(`<tr><th>AI reasoning</th><td>${escapeHtml(item.reasoning)}</td></tr>`);
		if (item.scores && Object.keys(item.scores).length > 0) {
			const sorted = Object.entries(item.scores).sort((a, b) => b[1] - a[1]).slice(0, 8);
			const bars = sorted
				.map(([name, score]) => `<div>${escapeHtml(name)} <span class="muted">${escapeHtml(percent(score))}</span><div class="bar"><span class="w${Math.round(score * 20) * 5}"></span></div></div>`)
				.join('');
			aiRows.push(`<tr><th>Scores</th><td>${bars}</td></tr>`);
		}
		if (item.checks && item.checks.length > 0) {
			const checks = item.checks
				.map((check) => `<div class="${check.passed ? '' : 'check-fail'}">${check.skipped ? '–' : check.passed ? '✓' : '✗'} ${escapeHtml(check.name)} <span class="muted">${escapeHtml(check.detail)}</span></div>`)
				.join('');
			aiRows.push(`<tr><th>Checks</th><td>${checks}</td></tr>`);
		}
		parts.push(`<table>${aiRows.join('')}</table>`);
	}

	const contextRows = Object.entries(item.context)
		.map(([key, value]) => `<tr><th>${escapeHtml(key)}</th><td>${displayValue(value)}</td></tr>`)
		.join('');
	if (contextRows !== '') parts.push(`<h2 class="muted">Context</h2><table>${contextRows}</table>`);
	// Under the original (in the context above): the text the AI saw after Clean Input.
	if (item.cleanedText !== undefined) parts.push(`<h2 class="muted">Cleaned text (what the AI saw)</h2><pre class="cleaned">${escapeHtml(item.cleanedText)}</pre>`);

	for (const document of item.documents) {
		const name = escapeHtml(document.fileName ?? document.property);
		if (document.dataBase64 === undefined) {
			parts.push(`<p class="muted">Document ${name} (${escapeHtml(document.mimeType)}): ${escapeHtml(document.omitted ?? 'not shown')}</p>`);
		} else if (document.mimeType.startsWith('image/')) {
			parts.push(`<p><img class="doc" alt="${name}" src="${escapeHtml(options.documentUrl(n, document.property))}"></p>`);
		} else {
			parts.push(`<p><a target="_blank" rel="noopener noreferrer" href="${escapeHtml(options.documentUrl(n, document.property))}">Open document ${name} (PDF)</a></p>`);
		}
	}

	const previous = options.previous;
	const chosen = previousText(previous, `decision_${n}`);
	const radio = (value: string, caption: string) =>
		`<label class="choice"><input type="radio" name="decision_${n}" value="${value}" required${chosen === value ? ' checked' : ''}> ${caption}</label>`;
	parts.push(`<fieldset><legend>Your decision</legend>${radio('approve', 'Approve')}${radio('correct', 'Correct')}${radio('reject', 'Reject')}`);

	if (item.task !== 'extract' && item.labelChoices.length > 0) {
		const selected = previousText(previous, `label_${n}`) ?? item.label;
		const optionsHtml = item.labelChoices
			.map((choice) => `<option value="${escapeHtml(choice)}"${choice === selected ? ' selected' : ''}>${escapeHtml(choice)}${item.scores?.[choice] !== undefined ? ` (${escapeHtml(percent(item.scores[choice]))})` : ''}</option>`)
			.join('');
		parts.push(`<p><label for="label_${n}">Correct label</label><select id="label_${n}" name="label_${n}">${optionsHtml}</select></p>`);
	}
	if (item.fields.length > 0) {
		const rows = item.fields
			.map((field, k) => {
				const isLow = field.confidence !== undefined && field.confidence < low;
				const value = previousText(previous, `field_${n}_${k}`) ?? field.value;
				return `<tr${isLow ? ' class="low"' : ''}><th><label for="field_${n}_${k}">${escapeHtml(field.path)}</label>${confidenceBadge(field.confidence, low)}</th><td><input type="text" id="field_${n}_${k}" name="field_${n}_${k}" value="${escapeHtml(value)}"></td></tr>`;
			})
			.join('');
		parts.push(`<p class="muted">Edit the fields that are wrong, then choose "Correct".</p><table>${rows}</table>`);
	}
	parts.push(`<p><label for="comment_${n}">Comment</label><textarea id="comment_${n}" name="comment_${n}" maxlength="5000">${escapeHtml(previousText(previous, `comment_${n}`) ?? '')}</textarea></p></fieldset></section>`);
	return parts.join('');
}

export function renderReviewPage(payload: ReviewCasePayload, options: RenderOptions): string {
	const reviewerValue = previousText(options.previous, 'reviewer') ?? '';
	const reviewerControl =
		payload.reviewers.length > 0
			? `<select id="reviewer" name="reviewer" required><option value="">Choose…</option>${payload.reviewers.map((name) => `<option value="${escapeHtml(name)}"${name === reviewerValue ? ' selected' : ''}>${escapeHtml(name)}</option>`).join('')}</select>`
			: `<input type="text" id="reviewer" name="reviewer" required maxlength="200" autocomplete="name" value="${escapeHtml(reviewerValue)}">`;
	const expires = new Date(payload.expiresAtMs).toISOString().replace('T', ' ').slice(0, 16);
	const body = [
		`<h1>${escapeHtml(payload.title)}</h1>`,
		payload.instructions ? `<p>${escapeHtml(payload.instructions)}</p>` : '',
		`<p class="muted">${payload.items.length} item${payload.items.length === 1 ? '' : 's'} to review · link valid until ${escapeHtml(expires)} UTC</p>`,
		options.error ? `<div class="err" role="alert">${escapeHtml(options.error)}</div>` : '',
		`<form method="post" autocomplete="off">`,
		`<input type="hidden" name="decisionToken" value="${escapeHtml(options.decisionToken)}">`,
		...payload.items.map((item) => renderItem(item, payload, options)),
		`<div class="card"><p><label for="reviewer">Reviewer</label>${reviewerControl}</p><button type="submit">Submit decision</button></div>`,
		`</form>`,
	].join('');
	return page(payload.title, body);
}
