/**
 * Field confidence from the log-probabilities of the tokens that spell each value in a JSON answer:
 * the joint probability of the value's tokens, exp(Σ logprob). The answer text is scanned once to
 * find where each leaf value sits (character spans by dotted path); tokens are laid end to end over
 * the text to find which of them overlap a span.
 */

export interface TokenLogprob {
	token: string;
	logprob: number;
}

export interface ValueSpan {
	path: string;
	start: number;
	end: number;
}

/** Spans of the leaf values (strings, numbers, booleans, null) of a JSON text, by dotted path. */
export function jsonValueSpans(text: string): ValueSpan[] {
	const spans: ValueSpan[] = [];
	let i = 0;
	const skip = () => {
		while (i < text.length && /\s/.test(text[i])) i++;
	};
	const readString = (): string => {
		const start = i;
		i++;
		while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
		i++;
		return JSON.parse(text.slice(start, i)) as string;
	};
	const value = (path: string): void => {
		skip();
		const char = text[i];
		if (char === '{') {
			i++;
			skip();
			if (text[i] === '}') {
				i++;
				return;
			}
			for (;;) {
				skip();
				const key = readString();
				skip();
				i++; // :
				value(path ? `${path}.${key}` : key);
				skip();
				if (text[i++] === '}') return;
			}
		}
		if (char === '[') {
			i++;
			skip();
			if (text[i] === ']') {
				i++;
				return;
			}
			for (let index = 0; ; index++) {
				value(`${path}.${index}`);
				skip();
				if (text[i++] === ']') return;
			}
		}
		const start = i;
		if (char === '"') readString();
		else while (i < text.length && !/[,}\]\s]/.test(text[i])) i++;
		spans.push({ path, start, end: i });
	};
	value('');
	return spans;
}

/**
 * Confidence per leaf path. A value whose tokens cannot be located (the tokens do not spell the
 * text) gets no entry: the caller falls back to its documented default.
 */
export function fieldConfidenceFromLogprobs(content: string, tokens: TokenLogprob[]): Record<string, number> {
	const spelled = tokens.map((t) => t.token).join('');
	if (spelled !== content) return {};
	const offsets: Array<{ start: number; end: number; logprob: number }> = [];
	let position = 0;
	for (const token of tokens) {
		offsets.push({ start: position, end: position + token.token.length, logprob: token.logprob });
		position += token.token.length;
	}
	const result: Record<string, number> = {};
	for (const span of jsonValueSpans(content)) {
		// Quotes are spelled by the format, not chosen: only the characters of the value count.
		const [start, end] = content[span.start] === '"' ? [span.start + 1, span.end - 1] : [span.start, span.end];
		const overlapping = offsets.filter((t) => t.end > start && t.start < Math.max(end, start + 1));
		const sum = overlapping.reduce((s, t) => s + t.logprob, 0);
		result[span.path] = Math.round(Math.exp(sum) * 1000) / 1000;
	}
	return result;
}
