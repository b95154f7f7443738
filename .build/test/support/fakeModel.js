"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.CHOICE_TEMPERATURE = void 0;
exports.messageText = messageText;
exports.words = words;
exports.strictSchemaProblem = strictSchemaProblem;
exports.promptSchema = promptSchema;
exports.completeTokens = completeTokens;
exports.plainTokens = plainTokens;
exports.fakeAnswer = fakeAnswer;
exports.CHOICE_TEMPERATURE = 0.5;
const OTHER_SCORE = 0.5;
const CERTAIN_LOGPROB = -1e-6;
const INVENTED_LOGPROB = -1.5;
const STOP_WORDS = new Set(('a an and are as at be been but by can could do does for from had has have he her his how i if in into is it its ' +
    'me my no not of on or our she so than that the their them then there these they this those to too us was we ' +
    'were what when where which who why will with would you your yes ' +
    'answer category categories classify class description following format input json label labels one only option ' +
    'options output please provided reply respond return schema select should text true false value key must').split(' '));
function messageText(message) {
    const { content } = message;
    if (typeof content === 'string')
        return content;
    if (!Array.isArray(content))
        return '';
    return content.map((part) => part.text ?? '').join('\n');
}
function stem(word) {
    if (word.length <= 4)
        return word;
    const cut = word.replace(/(ing|ed|es|e|s)$/, '');
    return cut.length >= 3 ? cut : word;
}
function words(text) {
    const spaced = text.replace(/([a-z])([A-Z])/g, '$1 $2').replace(/[_-]/g, ' ').toLowerCase();
    const found = spaced.match(/[\p{L}\p{N}]+/gu) ?? [];
    return new Set(found.filter((word) => !STOP_WORDS.has(word)).map(stem));
}
function overlap(optionWords, query) {
    let count = 0;
    for (const word of optionWords)
        if (query.has(word))
            count++;
    return count;
}
function escapeRegExp(text) {
    return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
const isNumeric = (key) => /^\d+$/.test(key);
const isOtherOption = (key, line) => /^(others?|none|unknown|fallback|misc)$/i.test(key) || /none of the (other|above)/i.test(line);
function startsWithKey(line, key) {
    const quoted = `["'\`“]?${escapeRegExp(key)}["'\`”]?`;
    return new RegExp(`^\\s*(?:[-*•]\\s*|\\d+[.)]\\s+)?${quoted}\\s*(?:[:=).]|\\s[-–—]\\s)`, 'i').test(line);
}
function containsKey(line, key) {
    return new RegExp(`(^|[^\\p{L}\\p{N}_])${escapeRegExp(key)}($|[^\\p{L}\\p{N}_])`, 'iu').test(line);
}
function optionLines(keys, lines) {
    return keys.map((key) => {
        const others = keys.filter((other) => other !== key && !isNumeric(other));
        return (lines.find((line) => startsWithKey(line, key)) ??
            (isNumeric(key)
                ? undefined
                : lines.find((line) => containsKey(line, key) && !others.some((other) => containsKey(line, other)))) ??
            '');
    });
}
function choose(keys, ctx, extraText = []) {
    const lines = optionLines(keys, ctx.promptLines);
    const used = new Set(lines.filter(Boolean));
    const query = words(ctx.queryLines.filter((line) => !used.has(line)).join('\n'));
    const scores = keys.map((key, index) => {
        const text = `${isNumeric(key) ? '' : key} ${lines[index].replace(isNumeric(key) ? key : '', ' ')} ${extraText[index] ?? ''}`;
        const score = overlap(words(text), query);
        return isOtherOption(key, text) ? Math.max(score, OTHER_SCORE) : score;
    });
    const top = Math.max(...scores);
    const weights = scores.map((score) => Math.exp((score - top) / exports.CHOICE_TEMPERATURE));
    const total = weights.reduce((sum, weight) => sum + weight, 0);
    return { options: keys, probs: weights.map((weight) => weight / total) };
}
function argmax(dist) {
    return dist.probs.reduce((best, p, index) => (p > dist.probs[best] ? index : best), 0);
}
function booleanDistribution(name, description, ctx) {
    const score = overlap(words(`${name} ${description}`), words(ctx.queryLines.join('\n')));
    const pTrue = 1 / (1 + Math.exp(-(score - OTHER_SCORE) / exports.CHOICE_TEMPERATURE));
    return { options: ['true', 'false'], probs: [pTrue, 1 - pTrue] };
}
function lookUp(name, ctx) {
    const nameWords = words(name);
    if (!name || nameWords.size === 0)
        return undefined;
    let best;
    for (const line of ctx.queryLines) {
        const match = /^\s*(?:[-*•]\s*)?([^:#=]{1,40}?)\s*[:#=]\s*(.+?)\s*$/.exec(line);
        if (!match)
            continue;
        const score = overlap(nameWords, words(match[1]));
        if (score >= Math.max(1, Math.ceil(nameWords.size / 2)) && score > (best?.score ?? 0)) {
            best = { value: match[2], score };
        }
    }
    return best?.value;
}
function parseNumber(text) {
    const match = /-?\d[\d,.' ]*/.exec(text);
    if (!match)
        return undefined;
    let digits = match[0].trim().replace(/[' ]/g, '');
    if (/^-?\d{1,3}(\.\d{3})*,\d{1,2}$/.test(digits))
        digits = digits.replace(/\./g, '').replace(',', '.');
    const value = Number(digits.replace(/,/g, ''));
    return Number.isFinite(value) ? value : undefined;
}
function parseDate(text) {
    const iso = /\d{4}-\d{2}-\d{2}/.exec(text);
    if (iso)
        return iso[0];
    const dmy = /(\d{1,2})[./](\d{1,2})[./](\d{4})/.exec(text);
    return dmy ? `${dmy[3]}-${dmy[2].padStart(2, '0')}-${dmy[1].padStart(2, '0')}` : undefined;
}
const DEFAULT_FORMATS = {
    date: '2024-01-01',
    'date-time': '2024-01-01T00:00:00Z',
    time: '00:00:00',
    email: 'user@example.com',
    uri: 'https://example.com',
    url: 'https://example.com',
    uuid: '00000000-0000-4000-8000-000000000000',
};
function resolve(schema, root) {
    let current = schema;
    for (let hops = 0; typeof current?.$ref === 'string' && hops < 16; hops++) {
        const path = current.$ref.replace(/^#\/?/, '').split('/').filter(Boolean);
        current = path.reduce((node, part) => node?.[part.replace(/~1/g, '/').replace(/~0/g, '~')], root);
    }
    return current ?? {};
}
function schemaType(schema) {
    if (Array.isArray(schema.type))
        return schema.type.find((type) => type !== 'null') ?? 'null';
    if (schema.type)
        return schema.type;
    if (schema.properties)
        return 'object';
    if (schema.items)
        return 'array';
    return undefined;
}
function generate(schemaIn, root, ctx, name, depth, given) {
    const schema = resolve(schemaIn, root);
    const description = String(schema.description ?? '');
    if (schema.const !== undefined)
        return [{ text: JSON.stringify(schema.const) }];
    if (Array.isArray(schema.enum) && schema.enum.length > 0) {
        const keys = schema.enum.map((value) => (typeof value === 'string' ? value : JSON.stringify(value)));
        const dist = choose(keys, ctx);
        const chosen = schema.enum[argmax(dist)];
        if (typeof chosen !== 'string')
            return [{ text: JSON.stringify(chosen), choice: dist }];
        return [{ text: '"' }, { text: JSON.stringify(chosen).slice(1, -1), choice: dist }, { text: '"' }];
    }
    const branches = schema.anyOf ?? schema.oneOf;
    if (Array.isArray(branches)) {
        const branch = branches.find((option) => schemaType(resolve(option, root)) !== 'null') ?? branches[0];
        return generate(branch ?? {}, root, ctx, name, depth, given);
    }
    if (Array.isArray(schema.allOf)) {
        const merged = schema.allOf.map((part) => resolve(part, root)).reduce((all, part) => ({ ...all, ...part, properties: { ...all.properties, ...part.properties }, required: [...(all.required ?? []), ...(part.required ?? [])] }), { type: 'object' });
        return generate({ ...schema, allOf: undefined, ...merged }, root, ctx, name, depth, given);
    }
    const found = lookUp(name, ctx);
    const invented = (text) => [{ text, logprob: INVENTED_LOGPROB }];
    switch (schemaType(schema)) {
        case 'null':
            return [{ text: 'null' }];
        case 'boolean': {
            if (given)
                return [{ text: given.options[0], choice: given }];
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
            if (integer)
                value = Math.round(value);
            value = Math.min(Math.max(value, low ?? -Infinity), high ?? Infinity);
            if (integer && !Number.isInteger(value))
                value = Math.ceil(low ?? value);
            return parsed === undefined ? invented(String(value)) : [{ text: String(value) }];
        }
        case 'string': {
            const format = String(schema.format ?? '');
            let value = found !== undefined && format.startsWith('date') ? parseDate(found) : found;
            const wasFound = value !== undefined;
            value ??= DEFAULT_FORMATS[format] ?? ([...words(name)].join(' ') || 'text');
            if (schema.minLength && value.length < schema.minLength)
                value = value.padEnd(schema.minLength, 'x');
            if (schema.maxLength !== undefined && value.length > schema.maxLength)
                value = value.slice(0, schema.maxLength);
            return wasFound ? [{ text: JSON.stringify(value) }] : invented(JSON.stringify(value));
        }
        case 'array': {
            const count = Math.min(Math.max(schema.minItems ?? 1, 1), schema.maxItems ?? Infinity);
            const items = [{ text: '[' }];
            for (let index = 0; index < count && depth < 12; index++) {
                if (index > 0)
                    items.push({ text: ',' });
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
function generateObject(schema, root, ctx, depth) {
    const properties = depth < 12 ? Object.entries(schema.properties ?? {}) : [];
    const booleans = properties.filter(([, property]) => schemaType(resolve(property, root)) === 'boolean' && !resolve(property, root).enum);
    const given = new Map();
    if (ctx.exclusive && booleans.length >= 2) {
        const keys = booleans.map(([key]) => key);
        const dist = choose(keys, ctx, booleans.map(([, property]) => String(resolve(property, root).description ?? '')));
        const winner = argmax(dist);
        keys.forEach((key, index) => {
            const p = dist.probs[index];
            given.set(key, index === winner ? { options: ['true', 'false'], probs: [p, 1 - p] } : { options: ['false', 'true'], probs: [1 - p, p] });
        });
    }
    const segments = [{ text: '{' }];
    properties.forEach(([key, property], index) => {
        segments.push({ text: `${index > 0 ? ',' : ''}${JSON.stringify(key)}:` });
        segments.push(...generate(property, root, ctx, key, depth + 1, given.get(key)));
    });
    return [...segments, { text: '}' }];
}
function strictSchemaProblem(schema, context = '()') {
    if (!schema || typeof schema !== 'object')
        return undefined;
    if (schemaType(schema) === 'object' && !schema.$ref) {
        const keys = Object.keys(schema.properties ?? {});
        if (schema.additionalProperties !== false)
            return `In context=${context}, 'additionalProperties' is required to be supplied and to be false.`;
        const missing = keys.filter((key) => !(schema.required ?? []).includes(key));
        if (missing.length)
            return `In context=${context}, 'required' is required to be supplied and to be an array including every key in properties. Missing '${missing[0]}'.`;
    }
    const children = [
        ...Object.entries(schema.properties ?? {}).map(([key, child]) => [`('properties', '${key}')`, child]),
        ...Object.entries({ ...schema.$defs, ...schema.definitions }).map(([key, child]) => [`('$defs', '${key}')`, child]),
        ...(schema.items ? [['items', schema.items]] : []),
        ...[...(schema.anyOf ?? []), ...(schema.oneOf ?? [])].map((child, index) => [`('anyOf', '${index}')`, child]),
    ];
    for (const [where, child] of children) {
        const problem = strictSchemaProblem(child, context === '()' ? `(${where})` : `${context.slice(0, -1)}, ${where})`);
        if (problem)
            return problem;
    }
    return undefined;
}
function plainTextOptions(lines) {
    const pattern = /^\s*(?:[-*•]\s*)?(?:"([^"]{1,60})"|'([^']{1,60})'|`([^`]{1,60})`|([\p{L}\p{N}_][\p{L}\p{N}_./-]{0,39}?))\s*(:|=|\)|\.|\s[-–—])\s+\S/u;
    let block = [];
    for (const line of [...lines, '']) {
        const match = pattern.exec(line);
        const key = match ? (match[1] ?? match[2] ?? match[3] ?? match[4]) : undefined;
        if (match && key && (match[5] !== '.' || isNumeric(key)) && !block.includes(key)) {
            block.push(key);
            continue;
        }
        if (block.length >= 2)
            return block;
        block = match && key ? [key] : [];
    }
    return undefined;
}
function promptSchema(prompt) {
    const fences = [...prompt.matchAll(/```json\s*\n?([\s\S]*?)```/g)].reverse();
    for (const [, body] of fences) {
        for (const candidate of [body, body.replace(/\{\{/g, '{').replace(/\}\}/g, '}')]) {
            try {
                const parsed = JSON.parse(candidate);
                if (parsed && typeof parsed === 'object' && (parsed.type || parsed.properties || parsed.anyOf || parsed.$schema))
                    return parsed;
            }
            catch {
            }
        }
    }
    return undefined;
}
function tokenize(text) {
    return text.match(/ ?\p{L}+| ?\p{N}{1,3}|\s+(?!\S)|\s+| ?[^\s\p{L}\p{N}]+/gu) ?? [];
}
const bytes = (token) => [...Buffer.from(token, 'utf8')];
function tokensOf(segments) {
    const tokens = [];
    const plain = (token, logprob) => ({ token, logprob, bytes: bytes(token), top_logprobs: [{ token, logprob, bytes: bytes(token) }] });
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
        if (logprob !== runLogprob)
            flush();
        runLogprob = logprob;
        run += segment.text;
    }
    flush();
    return tokens;
}
function completeTokens(tokens) {
    return tokens.map(({ token, logprob, bytes: tokenBytes, top_logprobs: alternatives }) => ({
        token,
        logprob,
        bytes: tokenBytes ?? bytes(token),
        top_logprobs: (alternatives ?? [{ token, logprob }]).map((alt) => ({ token: alt.token, logprob: alt.logprob, bytes: alt.bytes ?? bytes(alt.token) })),
    }));
}
function plainTokens(content) {
    return tokensOf([{ text: content }]);
}
function fakeAnswer(request) {
    const messages = (request.messages ?? []).filter((message) => message.role !== 'assistant' && message.role !== 'tool');
    const texts = messages.map(messageText);
    const lastUser = [...request.messages].reverse().find((message) => message.role === 'user');
    const prompt = texts.join('\n');
    const ctx = {
        promptLines: prompt.split('\n'),
        queryLines: lastUser ? messageText(lastUser).split('\n') : [],
        exclusive: /mutually exclusive|only one (can|may|should) be true|exactly one/i.test(prompt),
    };
    const format = request.response_format;
    let segments;
    if (format?.type === 'json_schema') {
        const schema = format.json_schema?.schema ?? {};
        segments = generate(schema, schema, ctx, '', 0);
    }
    else {
        const schema = promptSchema(prompt);
        const options = plainTextOptions(ctx.promptLines);
        if (schema) {
            const json = generate(schema, schema, ctx, '', 0);
            segments = format?.type === 'json_object' ? json : [{ text: '```json\n' }, ...json, { text: '\n```' }];
        }
        else if (options) {
            const dist = choose(options, ctx);
            const key = { text: options[argmax(dist)], choice: dist };
            segments = format?.type === 'json_object' ? [{ text: '{"answer":"' }, key, { text: '"}' }] : [key];
        }
        else {
            const gist = [...words(ctx.queryLines.join(' '))].slice(0, 8).join(' ');
            const sentence = `This is a fake answer about: ${gist || 'nothing'}.`;
            segments = format?.type === 'json_object' ? [{ text: JSON.stringify({ answer: sentence }) }] : [{ text: sentence }];
        }
    }
    return { content: segments.map((segment) => segment.text).join(''), tokens: tokensOf(segments) };
}
