/**
 * HTML to text with html-to-text (a maintained parser-based converter, not regexes), tuned for
 * e-mail: no line wrapping, link targets and images dropped (tracking links are noise to a model),
 * blockquotes rendered as "> " lines, and the containers mail clients put around quoted history
 * and signatures replaced by marker lines that quotes.ts and signatures.ts cut at. Marking rather
 * than deleting keeps a forwarded message's content reachable when the sender wrote nothing above it.
 */
import { compile, type FormatCallback, type HtmlToTextOptions, type SelectorDefinition } from 'html-to-text';

/** A line that starts quoted history (a Gmail/Outlook/Yahoo/Proton container); private-use code point. */
export const HISTORY_MARK = '\uE000';
/** A line that stands for a reply attribution ("On … wrote:") whatever its language (Thunderbird). */
export const ATTRIBUTION_MARK = '\uE001';
/** A line that starts the sender's signature block (a client's signature container). */
export const SIGNATURE_MARK = '\uE002';
const MARKS = /[\uE000-\uE002]/g;

/** Removes the marker characters (from input, so nobody can inject them, and from final text). */
export function stripMarks(text: string): string {
	return text.replace(MARKS, '');
}

/** Containers that begin quoted or forwarded history, by client. */
const HISTORY_SELECTORS = [
	'div.gmail_quote', // Gmail (the outer div; it holds the attribution and the blockquote)
	'#divRplyFwdMsg', // Outlook on the web and new Outlook: the From/Sent header of the quoted mail
	'#appendonsend', // Outlook on the web: the empty div right before that header
	'.OutlookMessageHeader', // older Outlook
	'#OLK_SRC_BODY_SECTION', // Outlook for Mac
	'.yahoo_quoted', // Yahoo Mail
	'.protonmail_quote', // Proton Mail
	'.moz-forward-container', // Thunderbird forward
	'#mail-editor-reference-message-container', // new Outlook on the web
];
/** Containers that hold the sender's signature. */
const SIGNATURE_SELECTORS = ['.gmail_signature', '#Signature', '#ms-outlook-mobile-signature', '.moz-signature', '.protonmail_signature_block', '#AppleMailSignature'];

function markLine(mark: string): FormatCallback {
	return (elem, walk, builder) => {
		builder.openBlock({ leadingLineBreaks: 2 });
		builder.addLiteral(mark);
		builder.closeBlock({ trailingLineBreaks: 1 });
		// A blockquote keeps its "> " rendering, so inline replies inside it stay recognisable.
		if (elem.name === 'blockquote') {
			builder.openBlock({ leadingLineBreaks: 1, reservedLineLength: 2 });
			walk(elem.children, builder);
			builder.closeBlock({ trailingLineBreaks: 2, blockTransform: quoteLines });
		} else {
			builder.openBlock({ leadingLineBreaks: 1 });
			walk(elem.children, builder);
			builder.closeBlock({ trailingLineBreaks: 2 });
		}
	};
}

function quoteLines(text: string): string {
	return text
		.split('\n')
		.map((line) => `> ${line}`)
		.join('\n');
}

/** Thunderbird's attribution div: its text is replaced by the language-free marker. */
const attribution: FormatCallback = (_elem, _walk, builder) => {
	builder.openBlock({ leadingLineBreaks: 2 });
	builder.addLiteral(ATTRIBUTION_MARK);
	builder.closeBlock({ trailingLineBreaks: 1 });
};

const base: SelectorDefinition[] = [
	{ selector: 'a', options: { ignoreHref: true } },
	{ selector: 'img', format: 'skip' },
	{ selector: 'style', format: 'skip' },
	{ selector: 'script', format: 'skip' },
	{ selector: 'head', format: 'skip' },
	// Hidden preheaders and tracking blocks are not part of what the sender wrote.
	{ selector: '[style*="display:none"]', format: 'skip' },
	{ selector: '[style*="display: none"]', format: 'skip' },
	// Thunderbird's forwarded header is a table of "Subject: | value" rows; one line per row.
	{ selector: 'table.moz-email-headers-table', format: 'dataTable', options: { uppercaseHeaderCells: false } },
	...['h1', 'h2', 'h3', 'h4', 'h5', 'h6'].map((selector) => ({ selector, options: { uppercase: false } })),
];

const common: HtmlToTextOptions = {
	wordwrap: false,
	// Deeply nested or huge trees (broken or hostile HTML) are cut instead of overflowing the stack.
	limits: { maxDepth: 256, maxChildNodes: 100_000, ellipsis: '' },
};

const documentConverter = compile({ ...common, selectors: base });
const messageConverter = compile({
	...common,
	selectors: [
		...base,
		...HISTORY_SELECTORS.map((selector) => ({ selector, format: 'history' })),
		...SIGNATURE_SELECTORS.map((selector) => ({ selector, format: 'signature' })),
		{ selector: '.moz-cite-prefix', format: 'attribution' },
	],
	formatters: { history: markLine(HISTORY_MARK), signature: markLine(SIGNATURE_MARK), attribution },
});

/**
 * Tags that only HTML has; two of them (or one closing tag) make a text HTML. The name must end at
 * a space, "/" or ">": "<p.martin@example.com>" in a plain-text header is an address, not a tag.
 */
const TAG = /<\/?(?:html|head|body|div|p|br|span|table|tbody|tr|td|blockquote|font|a|b|i|u|strong|em|ul|ol|li|img|meta|style|hr|h[1-6])(?=[\s/>])[^<>]{0,500}>/gi;
const CLOSING_TAG = /<\/(?:html|body|div|p|span|table|td|blockquote|font|a|b|strong|li)>/i;

/** Whether a text looks like HTML (checked on its first 64 KB: e-mail HTML shows itself early). */
export function looksLikeHtml(text: string): boolean {
	const head = text.slice(0, 65_536);
	if (CLOSING_TAG.test(head)) return true;
	let tags = 0;
	TAG.lastIndex = 0;
	while (TAG.exec(head) && ++tags < 2);
	return tags >= 2;
}

/**
 * HTML to text. `markHistory` (message mode) adds the marker lines; document mode leaves them out.
 * Never throws: html-to-text's parser (htmlparser2) is forgiving, and should a library error happen
 * anyway the tags are stripped by a plain scan instead.
 */
export function htmlToText(html: string, markHistory: boolean): string {
	const input = stripMarks(html);
	try {
		return (markHistory ? messageConverter : documentConverter)(input);
	} catch {
		return stripTags(input);
	}
}

/** Last resort: drops everything between "<" and ">" in one linear pass. */
function stripTags(html: string): string {
	let out = '';
	let inTag = false;
	for (const ch of html) {
		if (ch === '<') inTag = true;
		else if (ch === '>' && inTag) {
			inTag = false;
			out += ' ';
		} else if (!inTag) out += ch;
	}
	return out;
}
