/**
 * The fake model behind test/support/openaiServer.ts: a transparent, deterministic lexical model that
 * answers like a chat model, so that the package's OpenAI path and n8n's own LangChain output parsers
 * both accept its answers.
 *
 * Words. Texts are lower-cased and split into letter/digit runs; stop words (and the words n8n's and
 * LangChain's prompt templates use, like "category" or "should") are dropped; words longer than four
 * letters lose a trailing -ing/-ed/-es/-e/-s ("refunds" and "refund" meet).
 *
 * Query. The text being judged is the last user message, without the lines that describe options.
 *
 * Options and their lines. A choice is made among options (enum values of a schema, mutually
 * exclusive booleans, or the keys of a plain-text option list). Each option is described by a line of
 * the system/user prompt:
 *   1. a line that starts with the key, optionally after a bullet (`-`, `*`, `•`), a number (`3.`) or a
 *      quote, and is followed by a separator `:` `=` `)` `.` or a spaced dash (` - ` ` – ` ` — `):
 *      `3: refund — the customer wants money back`, `- refund: money back`, `"refund": "money back"`;
 *   2. otherwise (keys that are not numbers) the first line containing the key as a whole word and no
 *      other option's key;
 *   3. otherwise the key alone. A schema property's description also describes it.
 * The option's words are those of its line (the key itself counts unless it is a number).
 *
 * Scores and probabilities. score = number of distinct option words found in the query. Options named
 * other/others/none/unknown/fallback/misc, or described as "none of the other/above/categories", score at least
 * 0.5, so they win only when nothing else overlaps. Probabilities are softmax(score / 0.5); the answer
 * is the argmax (ties go to the option listed first). An independent boolean is true with probability
 * sigmoid((score - 0.5) / 0.5), scored against the property's name and description; booleans of one
 * object are instead mutually exclusive (softmax, the argmax is the one `true`) when the prompt says
 * "mutually exclusive", "only one can be true" or "exactly one" (n8n's Text Classifier does).
 *
 * Answers.
 *   - response_format json_schema: compact JSON valid against the schema; json_object: valid JSON.
 *   - no response_format, but the prompt carries a ```json fenced JSON Schema (LangChain's
 *     StructuredOutputParser format instructions): that JSON in a ```json fence.
 *   - plain text with a plain-text option list (>= 2 consecutive lines `<key><sep> <text>`, key a single
 *     word/number or a quoted phrase): the chosen key alone. Otherwise a short fixed sentence.
 *   Strings/numbers/dates are looked up in the query on a `<label>: <value>` line whose label shares
 *   words with the property name; otherwise a default fitting the schema (format, bounds, lengths).
 *
 * Tokens and logprobs. Content is cut into GPT-2-like tokens (optional space + letters, up to three
 * digits, punctuation runs); every choice value (enum value without its quotes, boolean literal,
 * plain-text key) is exactly one token whose alternatives are the options with log(probability).
 * Other tokens: logprob -1e-6 for JSON structure and for values found in the query, -1.5 per token for
 * invented values, with only themselves as alternatives.
 */

export interface ChatContentPart {
	type: string;
	text?: string;
}
export interface ChatMessage {
	role: string;
	content?: string | ChatContentPart[] | null;
	name?: string;
}
export interface ChatRequest {
	model: string;
	messages: ChatMessage[];
	response_format?: { type: string; json_schema?: { name?: string; description?: string; schema?: JsonSchema; strict?: boolean } };
	logprobs?: boolean;
	top_logprobs?: number;
	max_tokens?: number;
	max_completion_tokens?: number;
	stream?: boolean;
	[key: string]: unknown;
}
export interface TopLogprob {
	token: string;
	logprob: number;
	bytes: number[];
}
export interface TokenLogprob extends TopLogprob {
	top_logprobs: TopLogprob[];
}
/** A scripted token: `bytes` are filled in, missing `top_logprobs` become the token alone. */
export interface ScriptedTokenLogprob {
	token: string;
	logprob: number;
	bytes?: number[] | null;
	top_logprobs?: Array<{ token: string; logprob: number; bytes?: number[] | null }>;
}
/** What the fake model (or a test's `respond` override) answers. */
export interface ChatAnswer {
	content: string;
	/** Full token list; when absent the content is tokenized with near-certain logprobs. */
	logprobs?: ScriptedTokenLogprob[] | null;
	finish_reason?: 'stop' | 'length' | 'content_filter' | 'tool_calls';
	usage?: { prompt_tokens?: number; completion_tokens?: number };
}
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type JsonSchema = Record<string, any>;

export const CHOICE_TEMPERATURE = 0.5;
const OTHER_SCORE = 0.5;
const CERTAIN_LOGPROB = -1e-6;
const INVENTED_LOGPROB = -1.5;
const STOP_WORDS = new Set(
	(
		'a an and are as at be been but by can could do does for from had has have he her his how i if in into is it its ' +
		'me my no not of on or our she so than that the their them then there these they this those to too us was we ' +
		'were what when where which who why will with would you your yes ' +
		'answer category categories classify class description following format input json label labels one only option ' +
		'options output please provided reply respond return schema select should text true false value key must'
	).split(' '),
);

interface Distribution {
	options: string[];
	probs: number[];
}
interface Segment {
	text: string;
	choice?: Distribution;
	logprob?: number;
}
interface Context {
	promptLines: string[];
	queryLines: string[];
	exclusive: boolean;
}

export function messageText(message: ChatMessage): string {
	const { content } = message;
	if (typeof content === 'string') return content;
	if (!Array.isArray(content)) return '';
	return content.map((part) => part.text ?? '').join('\n');
}

function stem(word: string): string {
	if (word.length <= 4) return word;
	const cut = word.replace(/(ing|ed|es|e|s)$/, '');
	return cut.length >= 3 ? cut : word;
}

export function words(text: string): Set<string> {
	const spaced = text.replace(/([a-z])([A-Z])/g, '$1 $2').replace(/[_-]/g, ' ').toLowerCase();
	const found = spaced.match(/[\p{L}\p{N}]+/gu) ?? [];
	return new Set(found.filter((word) => !STOP_WORDS.has(word)).map(stem));
}

function overlap(optionWords: Set<string>, query: Set<string>): number {
	let count = 0;
	for (const word of optionWords) if (query.has(word)) count++;
	return count;
}

function escapeRegExp(text: string): string {
	return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

const isNumeric = (key: string) => /^\d+$/.test(key);
const isOtherOption = (key: string, line: string) =>
	/^(others?|none|unknown|fallback|misc)$/i.test(key) || /none of the (other|above|categories)/i.test(line);

function startsWithKey(line: string, key: string): boolean {
	const quoted = `["'\`“]?${escapeRegExp(key)}["'\`”]?`;
	return new RegExp(`^\\s*(?:[-*•]\\s*|\\d+[.)]\\s+)?${quoted}\\s*(?:[:=).]|\\s[-–—]\\s)`, 'i').test(line);
}

function containsKey(line: string, key: string): boolean {
	return new RegExp(`(^|[^\\p{L}\\p{N}_])${escapeRegExp(key)}($|[^\\p{L}\\p{N}_])`, 'iu').test(line);
}

/** The prompt line describing each option (see the header), and the lines so used. */
function optionLines(keys: string[], lines: string[]): string[] {
	return keys.map((key) => {
		const others = keys.filter((other) => other !== key && !isNumeric(other));
		return (
			lines.find((line) => startsWithKey(line, key)) ??
			(isNumeric(key)
				? undefined
				: lines.find((line) => containsKey(line, key) && !others.some((other) => containsKey(line, other)))) ??
			''
		);
	});
}

/** Softmax over lexical scores of `keys` against the query (the last user message without option lines). */
function choose(keys: string[], ctx: Context, extraText: string[] = []): Distribution {
	const lines = optionLines(keys, ctx.promptLines);
	const used = new Set(lines.filter(Boolean));
	const query = words(ctx.queryLines.filter((line) => !used.has(line)).join('\n'));
	const scores = keys.map((key, index) => {
		const text = `${isNumeric(key) ? '' : key} ${lines[index].replace(isNumeric(key) ? key : '', ' ')} ${extraText[index] ?? ''}`;
		const score = overlap(words(text), query);
		return isOtherOption(key, text) ? Math.max(score, OTHER_SCORE) : score;
	});
	const top = Math.max(...scores);
	const weights = scores.map((score) => Math.exp((score - top) / CHOICE_TEMPERATURE));
	const total = weights.reduce((sum, weight) => sum + weight, 0);
	return { options: keys, probs: weights.map((weight) => weight / total) };
}

function argmax(dist: Distribution): number {
	return dist.probs.reduce((best, p, index) => (p > dist.probs[best] ? index : best), 0);
}

function booleanDistribution(name: string, description: string, ctx: Context): Distribution {
	const score = overlap(words(`${name} ${description}`), words(ctx.queryLines.join('\n')));
	const pTrue = 1 / (1 + Math.exp(-(score - OTHER_SCORE) / CHOICE_TEMPERATURE));
	return { options: ['true', 'false'], probs: [pTrue, 1 - pTrue] };
}

/** A `<label>: <value>` line of the query whose label shares most words with the property name. */
function lookUp(name: string, ctx: Context): string | undefined {
	const nameWords = words(name);
	if (!name || nameWords.size === 0) return undefined;
	let best: { value: string; score: number } | undefined;
	for (const line of ctx.queryLines) {
		const match = /^\s*(?:[-*•]\s*)?([^:#=]{1,40}?)\s*[:#=]\s*(.+?)\s*$/.exec(line);
		if (!match) continue;
		const score = overlap(nameWords, words(match[1]));
		if (score >= Math.max(1, Math.ceil(nameWords.size / 2)) && score > (best?.score ?? 0)) {
			best = { value: match[2], score };
		}
	}
	return best?.value;
}

function parseNumber(text: string): number | undefined {
	const match = /-?\d[\d,.' ]*/.exec(text);
	if (!match) return undefined;
	let digits = match[0].trim().replace(/[' ]/g, '');
	if (/^-?\d{1,3}(\.\d{3})*,\d{1,2}$/.test(digits)) digits = digits.replace(/\./g, '').replace(',', '.');
	const value = Number(digits.replace(/,/g, ''));
	return Number.isFinite(value) ? value : undefined;
}

function parseDate(text: string): string | undefined {
	const iso = /\d{4}-\d{2}-\d{2}/.exec(text);
	if (iso) return iso[0];
	const dmy = /(\d{1,2})[./](\d{1,2})[./](\d{4})/.exec(text);
	return dmy ? `${dmy[3]}-${dmy[2].padStart(2, '0')}-${dmy[1].padStart(2, '0')}` : undefined;
}

const DEFAULT_FORMATS: Record<string, string> = {
	date: '2024-01-01',
	'date-time': '2024-01-01T00:00:00Z',
	time: '00:00:00',
	email: 'user@example.com',
	uri: 'https://example.com',
	url: 'https://example.com',
	uuid: '00000000-0000-4000-8000-000000000000',
};

function resolve(schema: JsonSchema, root: JsonSchema): JsonSchema {
	let current = schema;
	for (let hops = 0; typeof current?.$ref === 'string' && hops < 16; hops++) {
		const path = current.$ref.replace(/^#\/?/, '').split('/').filter(Boolean);
		current = path.reduce((node: JsonSchema, part: string) => node?.[part.replace(/~1/g, '/').replace(/~0/g, '~')], root);
	}
	return current ?? {};
}

function schemaType(schema: JsonSchema): string | undefined {
	if (Array.isArray(schema.type)) return schema.type.find((type: string) => type !== 'null') ?? 'null';
	if (schema.type) return schema.type;
	if (schema.properties) return 'object';
	if (schema.items) return 'array';
	return undefined;
}

/** Generates a value valid against `schema` as JSON text segments (choices kept as single segments). */
function generate(schemaIn: JsonSchema, root: JsonSchema, ctx: Context, name: string, depth: number, given?: Distribution): Segment[] {
	const schema = resolve(schemaIn, root);
	const description = String(schema.description ?? '');
	if (schema.const !== undefined) return [{ text: JSON.stringify(schema.const) }];
	if (Array.isArray(schema.enum) && schema.enum.length > 0) {
		const keys = schema.enum.map((value: unknown) => (typeof value === 'string' ? value : JSON.stringify(value)));
		const dist = choose(keys, ctx);
		const chosen = schema.enum[argmax(dist)];
		if (typeof chosen !== 'string') return [{ text: JSON.stringify(chosen), choice: dist }];
		return [{ text: '"' }, { text: JSON.stringify(chosen).slice(1, -1), choice: dist }, { text: '"' }];
	}
	const branches = schema.anyOf ?? schema.oneOf;
	if (Array.isArray(branches)) {
		const branch = branches.find((option: JsonSchema) => schemaType(resolve(option, root)) !== 'null') ?? branches[0];
		return generate(branch ?? {}, root, ctx, name, depth, given);
	}
	if (Array.isArray(schema.allOf)) {
		const merged = schema.allOf.map((part: JsonSchema) => resolve(part, root)).reduce(
			(all: JsonSchema, part: JsonSchema) => ({ ...all, ...part, properties: { ...all.properties, ...part.properties }, required: [...(all.required ?? []), ...(part.required ?? [])] }),
			{ type: 'object' },
		);
		return generate({ ...schema, allOf: undefined, ...merged }, root, ctx, name, depth, given);
	}
	const found = lookUp(name, ctx);
	const invented = (text: string): Segment[] => [{ text, logprob: INVENTED_LOGPROB }];
	switch (schemaType(schema)) {
		case 'null':
			return [{ text: 'null' }];
		case 'boolean': {
			// A mutually exclusive boolean comes decided (its emitted literal first); others take their argmax.
			if (given) return [{ text: given.options[0], choice: given }];
			const dist = booleanDistribution(name, description, ctx);
			return [{ text: dist.options[argmax(dist)], choice: dist }];
		}
		case 'integer':
		case 'number': {
			const integer = schemaType(schema) === 'integer';
			const low = schema.minimum ?? (schema.exclusiveMinimum !== undefined ? schema.exclusiveMinimum + (integer ? 1 : 0.5) : undefined);
			const high = schema.maximum ?? (schema.exclusiveMaximum !== undefined ? schema.exclusiveMaximum - (integer ? 1 : 0.5) : undefined);
			const parsed = found === undefined ? undefined : parseNumber(found);
			let value = parsed ?? (low !== undefined && high !== undefined ? (low + high) / 2 : low ?? high ?? 1);
			if (integer) value = Math.round(value);
			value = Math.min(Math.max(value, low ?? -Infinity), high ?? Infinity);
			if (integer && !Number.isInteger(value)) value = Math.ceil(low ?? value);
			return parsed === undefined ? invented(String(value)) : [{ text: String(value) }];
		}
		case 'string': {
			const format = String(schema.format ?? '');
			let value = found !== undefined && format.startsWith('date') ? parseDate(found) : found;
			const wasFound = value !== undefined;
			value ??= DEFAULT_FORMATS[format] ?? ([...words(name)].join(' ') || 'text');
			if (schema.minLength && value.length < schema.minLength) value = value.padEnd(schema.minLength, 'x');
			if (schema.maxLength !== undefined && value.length > schema.maxLength) value = value.slice(0, schema.maxLength);
			return wasFound ? [{ text: JSON.stringify(value) }] : invented(JSON.stringify(value));
		}
		case 'array': {
			const count = Math.min(Math.max(schema.minItems ?? 1, 1), schema.maxItems ?? Infinity);
			const items: Segment[] = [{ text: '[' }];
			for (let index = 0; index < count && depth < 12; index++) {
				if (index > 0) items.push({ text: ',' });
				items.push(...generate(schema.items ?? {}, root, ctx, name, depth + 1));
			}
			return [...items, { text: ']' }];
		}
		case 'object':
			return generateObject(schema, root, ctx, depth);
		default:
			return invented(JSON.stringify(found ?? ([...words(name)].join(' ') || 'text')));
	}
}

function generateObject(schema: JsonSchema, root: JsonSchema, ctx: Context, depth: number): Segment[] {
	const properties: Array<[string, JsonSchema]> = depth < 12 ? Object.entries(schema.properties ?? {}) : [];
	const booleans = properties.filter(([, property]) => schemaType(resolve(property, root)) === 'boolean' && !resolve(property, root).enum);
	const given = new Map<string, Distribution>();
	if (ctx.exclusive && booleans.length >= 2) {
		const keys = booleans.map(([key]) => key);
		const dist = choose(keys, ctx, booleans.map(([, property]) => String(resolve(property, root).description ?? '')));
		const winner = argmax(dist);
		keys.forEach((key, index) => {
			const p = dist.probs[index];
			given.set(key, index === winner ? { options: ['true', 'false'], probs: [p, 1 - p] } : { options: ['false', 'true'], probs: [1 - p, p] });
		});
	}
	const segments: Segment[] = [{ text: '{' }];
	properties.forEach(([key, property], index) => {
		segments.push({ text: `${index > 0 ? ',' : ''}${JSON.stringify(key)}:` });
		segments.push(...generate(property, root, ctx, key, depth + 1, given.get(key)));
	});
	return [...segments, { text: '}' }];
}

/**
 * What OpenAI rejects in a `strict: true` json_schema (400): every object must list all of its
 * properties in `required` and set `additionalProperties: false`. Undefined when the schema passes.
 */
export function strictSchemaProblem(schema: JsonSchema, context = '()'): string | undefined {
	if (!schema || typeof schema !== 'object') return undefined;
	if (schemaType(schema) === 'object' && !schema.$ref) {
		const keys = Object.keys(schema.properties ?? {});
		if (schema.additionalProperties !== false) return `In context=${context}, 'additionalProperties' is required to be supplied and to be false.`;
		const missing = keys.filter((key) => !(schema.required ?? []).includes(key));
		if (missing.length) return `In context=${context}, 'required' is required to be supplied and to be an array including every key in properties. Missing '${missing[0]}'.`;
	}
	const children: Array<[string, JsonSchema]> = [
		...Object.entries(schema.properties ?? {}).map(([key, child]): [string, JsonSchema] => [`('properties', '${key}')`, child as JsonSchema]),
		...Object.entries({ ...schema.$defs, ...schema.definitions }).map(([key, child]): [string, JsonSchema] => [`('$defs', '${key}')`, child as JsonSchema]),
		...(schema.items ? [['items', schema.items] as [string, JsonSchema]] : []),
		...[...(schema.anyOf ?? []), ...(schema.oneOf ?? [])].map((child: JsonSchema, index: number): [string, JsonSchema] => [`('anyOf', '${index}')`, child]),
	];
	for (const [where, child] of children) {
		const problem = strictSchemaProblem(child, context === '()' ? `(${where})` : `${context.slice(0, -1)}, ${where})`);
		if (problem) return problem;
	}
	return undefined;
}

/** A block of >= 2 consecutive `<key><sep> <text>` lines: the plain-text options. */
function plainTextOptions(lines: string[]): string[] | undefined {
	const pattern = /^\s*(?:[-*•]\s*)?(?:"([^"]{1,60})"|'([^']{1,60})'|`([^`]{1,60})`|([\p{L}\p{N}_][\p{L}\p{N}_./-]{0,39}?))\s*(:|=|\)|\.|\s[-–—])\s+\S/u;
	let block: string[] = [];
	for (const line of [...lines, '']) {
		const match = pattern.exec(line);
		const key = match ? (match[1] ?? match[2] ?? match[3] ?? match[4]) : undefined;
		if (match && key && (match[5] !== '.' || isNumeric(key)) && !block.includes(key)) {
			block.push(key);
			continue;
		}
		if (block.length >= 2) return block;
		block = match && key ? [key] : [];
	}
	return undefined;
}

/** The JSON Schema of LangChain-style format instructions: the last ```json fence that parses as a schema. */
export function promptSchema(prompt: string): JsonSchema | undefined {
	const fences = [...prompt.matchAll(/```json\s*\n?([\s\S]*?)```/g)].reverse();
	for (const [, body] of fences) {
		for (const candidate of [body, body.replace(/\{\{/g, '{').replace(/\}\}/g, '}')]) {
			try {
				const parsed = JSON.parse(candidate);
				if (parsed && typeof parsed === 'object' && (parsed.type || parsed.properties || parsed.anyOf || parsed.$schema)) return parsed;
			} catch {
				// not JSON: try the next candidate
			}
		}
	}
	return undefined;
}

function tokenize(text: string): string[] {
	return text.match(/ ?\p{L}+| ?\p{N}{1,3}|\s+(?!\S)|\s+| ?[^\s\p{L}\p{N}]+/gu) ?? [];
}

const bytes = (token: string) => [...Buffer.from(token, 'utf8')];

function tokensOf(segments: Segment[]): TokenLogprob[] {
	const tokens: TokenLogprob[] = [];
	const plain = (token: string, logprob: number) => ({ token, logprob, bytes: bytes(token), top_logprobs: [{ token, logprob, bytes: bytes(token) }] });
	let run = '';
	let runLogprob = CERTAIN_LOGPROB;
	const flush = () => {
		tokens.push(...tokenize(run).map((token) => plain(token, runLogprob)));
		run = '';
	};
	for (const segment of segments) {
		if (segment.choice) {
			flush();
			const { options, probs } = segment.choice;
			const ranked = options
				.map((token, index) => ({ token, logprob: Math.log(probs[index]), bytes: bytes(token), index }))
				.sort((a, b) => b.logprob - a.logprob || a.index - b.index)
				.map(({ token, logprob, bytes: tokenBytes }) => ({ token, logprob, bytes: tokenBytes }));
			const chosen = ranked.find((entry) => entry.token === segment.text) ?? ranked[0];
			tokens.push({ ...chosen, token: segment.text, top_logprobs: ranked });
			continue;
		}
		const logprob = segment.logprob ?? CERTAIN_LOGPROB;
		if (logprob !== runLogprob) flush();
		runLogprob = logprob;
		run += segment.text;
	}
	flush();
	return tokens;
}

export function completeTokens(tokens: ScriptedTokenLogprob[]): TokenLogprob[] {
	return tokens.map(({ token, logprob, bytes: tokenBytes, top_logprobs: alternatives }) => ({
		token,
		logprob,
		bytes: tokenBytes ?? bytes(token),
		top_logprobs: (alternatives ?? [{ token, logprob }]).map((alt) => ({ token: alt.token, logprob: alt.logprob, bytes: alt.bytes ?? bytes(alt.token) })),
	}));
}

/** Default tokens for a scripted answer: near-certain, no alternatives. */
export function plainTokens(content: string): TokenLogprob[] {
	return tokensOf([{ text: content }]);
}

/** The fake model's answer: content and its full token list (top_logprobs not yet cut to k). */
export function fakeAnswer(request: ChatRequest): { content: string; tokens: TokenLogprob[] } {
	const messages = (request.messages ?? []).filter((message) => message.role !== 'assistant' && message.role !== 'tool');
	const texts = messages.map(messageText);
	const lastUser = [...request.messages].reverse().find((message) => message.role === 'user');
	const prompt = texts.join('\n');
	const ctx: Context = {
		promptLines: prompt.split('\n'),
		queryLines: lastUser ? messageText(lastUser).split('\n') : [],
		exclusive: /mutually exclusive|only one (can|may|should) be true|exactly one/i.test(prompt),
	};
	const format = request.response_format;
	let segments: Segment[];
	if (format?.type === 'json_schema') {
		const schema = format.json_schema?.schema ?? {};
		segments = generate(schema, schema, ctx, '', 0);
	} else {
		const schema = promptSchema(prompt);
		const options = plainTextOptions(ctx.promptLines);
		if (schema) {
			const json = generate(schema, schema, ctx, '', 0);
			segments = format?.type === 'json_object' ? json : [{ text: '```json\n' }, ...json, { text: '\n```' }];
		} else if (options) {
			const dist = choose(options, ctx);
			const key = { text: options[argmax(dist)], choice: dist };
			segments = format?.type === 'json_object' ? [{ text: '{"answer":"' }, key, { text: '"}' }] : [key];
		} else {
			const gist = [...words(ctx.queryLines.join(' '))].slice(0, 8).join(' ');
			const sentence = `This is a fake answer about: ${gist || 'nothing'}.`;
			segments = format?.type === 'json_object' ? [{ text: JSON.stringify({ answer: sentence }) }] : [{ text: sentence }];
		}
	}
	return { content: segments.map((segment) => segment.text).join(''), tokens: tokensOf(segments) };
}
