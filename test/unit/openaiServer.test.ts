import http from 'node:http';
import OpenAI, { APIConnectionError, BadRequestError, AuthenticationError, InternalServerError, NotFoundError, RateLimitError } from 'openai';
import { getEncoding } from 'js-tiktoken';
import { z } from 'zod/v4';
import { fakeAnswer, responseFormatText, startFakeOpenAi, type FakeOpenAi } from '../support/openaiServer';

const TICKET_SYSTEM = [
	'Classify the support ticket into one of these categories:',
	'refund: the customer wants money back for an order',
	'shipping: a parcel is late, lost or damaged in delivery',
	'login: the customer cannot sign in or reset a password',
	'other: none of the above',
].join('\n');

async function waitFor(condition: () => boolean) {
	for (let tries = 0; !condition() && tries < 100; tries++) await new Promise((resolve) => setTimeout(resolve, 10));
}

let server: FakeOpenAi;
let client: OpenAI;

beforeAll(async () => {
	server = await startFakeOpenAi({ apiKey: 'sk-test' });
	client = new OpenAI({ baseURL: server.baseUrl, apiKey: 'sk-test', maxRetries: 0 });
});
afterAll(() => server.close());
beforeEach(() => {
	server.configure({ latencyMs: 0, faults: {}, respond: undefined, seed: 1, strictModels: false });
	server.reset();
});

const classify = (text: string, extra: Partial<OpenAI.Chat.ChatCompletionCreateParamsNonStreaming> = {}) =>
	client.chat.completions.create({
		model: 'gpt-4o-mini',
		messages: [
			{ role: 'system', content: TICKET_SYSTEM },
			{ role: 'user', content: text },
		],
		...extra,
	});

const labelSchema = z.object({ label: z.enum(['refund', 'shipping', 'login', 'other']) });
const labelFormat = {
	type: 'json_schema' as const,
	json_schema: { name: 'classification', strict: true, schema: z.toJSONSchema(labelSchema) as Record<string, unknown> },
};

describe('fake OpenAI server', () => {
	it('lists its models', async () => {
		const page = await client.models.list();
		expect(page.data.map((model) => model.id)).toContain('gpt-4o-mini');
	});

	it('answers json_schema enums with valid JSON and a choice token whose alternatives sum to 1', async () => {
		const completion = await classify('My parcel is late and the delivery looks lost.', {
			response_format: labelFormat,
			logprobs: true,
			top_logprobs: 5,
		});
		const content = completion.choices[0].message.content ?? '';
		expect(labelSchema.parse(JSON.parse(content))).toEqual({ label: 'shipping' });
		const tokens = completion.choices[0].logprobs?.content ?? [];
		expect(tokens.map((token) => token.token).join('')).toBe(content);
		const choice = tokens.find((token) => token.token === 'shipping')!;
		expect(choice.top_logprobs.map((alt) => alt.token).sort()).toEqual(['login', 'other', 'refund', 'shipping']);
		const total = choice.top_logprobs.reduce((sum, alt) => sum + Math.exp(alt.logprob), 0);
		expect(total).toBeCloseTo(1, 6);
		expect(choice.top_logprobs[0]).toMatchObject({ token: 'shipping', logprob: choice.logprob });
		expect(Math.exp(choice.logprob)).toBeGreaterThan(0.9);
	});

	it('picks the "other" option when nothing overlaps, and cuts alternatives to top_logprobs', async () => {
		const completion = await classify('Hello there', { response_format: labelFormat, logprobs: true, top_logprobs: 2 });
		expect(JSON.parse(completion.choices[0].message.content!)).toEqual({ label: 'other' });
		const choice = completion.choices[0].logprobs!.content!.find((token) => token.token === 'other')!;
		expect(choice.top_logprobs).toHaveLength(2);
	});

	it('answers plain-text option lists with the key as first token, and truncates at max_tokens', async () => {
		const categories = ['invoice question', 'refund request', 'password reset', 'parcel delivery', 'cancel subscription',
			'change address', 'product defect', 'pricing', 'partnership', 'spam advertising'];
		const system = `Answer with the number of the category only.\n${categories.map((text, index) => `${index + 1}: ${text}`).join('\n')}`;
		const ask = (extra: object) =>
			client.chat.completions.create({
				model: 'gpt-4o-mini',
				messages: [{ role: 'system', content: system }, { role: 'user', content: 'Buy cheap advertising now!!! Not spam.' }],
				logprobs: true,
				top_logprobs: 3,
				...extra,
			});
		const full = await ask({});
		expect(full.choices[0].message.content).toBe('10');
		const first = full.choices[0].logprobs!.content![0];
		expect(first.token).toBe('10');
		expect(first.top_logprobs).toHaveLength(3);
		expect(first.top_logprobs[0].token).toBe('10');
		const cut = await ask({ max_tokens: 1 });
		expect(cut.choices[0].finish_reason).toBe('length');
		expect(cut.choices[0].logprobs!.content).toHaveLength(1);
	});

	it('generates JSON valid against a rich schema and takes values from labelled lines of the text', async () => {
		const invoice = z.object({
			invoiceNumber: z.string(),
			issueDate: z.iso.date(),
			total: z.number().min(0),
			currency: z.enum(['EUR', 'USD', 'GBP']),
			lines: z.array(z.object({ description: z.string(), quantity: z.number().int().min(1) })).min(2),
			dueDate: z.string().nullable(),
			vatId: z.string().min(5).nullable(),
			paid: z.boolean(),
			contact: z.object({ email: z.email(), website: z.url() }),
		});
		const completion = await client.chat.completions.create({
			model: 'gpt-4.1-mini',
			messages: [
				{ role: 'system', content: 'Extract the invoice. currency: EUR euro, USD dollar, GBP pound' },
				{ role: 'user', content: 'Invoice number: INV-2024-042\nIssue date: 05.03.2024\nTotal: 1.234,50 EUR\nAmount in euro' },
			],
			response_format: { type: 'json_schema', json_schema: { name: 'invoice', strict: true, schema: z.toJSONSchema(invoice) as Record<string, unknown> } },
			logprobs: true,
		});
		const parsed = invoice.parse(JSON.parse(completion.choices[0].message.content!));
		expect(parsed).toMatchObject({ invoiceNumber: 'INV-2024-042', issueDate: '2024-03-05', total: 1234.5, currency: 'EUR' });
		expect(parsed.lines).toHaveLength(2);
		const tokens = completion.choices[0].logprobs!.content!;
		expect(tokens.find((token) => token.token === 'INV')!.logprob).toBeGreaterThan(-0.01);
		expect(Math.min(...tokens.map((token) => token.logprob))).toBeLessThan(-1); // invented values are unsure
	});

	it('answers LangChain format instructions (n8n Text Classifier) with one fenced, exclusive true', async () => {
		const schema = {
			type: 'object',
			properties: {
				refund: { type: 'boolean', description: 'Should be true if the input has category "refund" (description: customer wants money back)' },
				shipping: { type: 'boolean', description: 'Should be true if the input has category "shipping" (description: parcel late or lost)' },
				fallback: { type: 'boolean', description: 'Should be true if none of the other categories apply' },
			},
			required: ['refund', 'shipping', 'fallback'],
			additionalProperties: false,
			$schema: 'http://json-schema.org/draft-07/schema#',
		};
		const system = `Please classify the text provided by the user into one of the following categories: refund, shipping, and use the provided formatting instructions below. Don't explain, and only output the json.
	You must format your output as a JSON value that adheres to a given "JSON Schema" instance.
For example, the example "JSON Schema" instance {{"properties": {{"foo": {{"description": "a list of test words", "type": "array", "items": {{"type": "string"}}}}}}, "required": ["foo"]}}
Here is the JSON Schema instance your output must adhere to. Include the enclosing markdown codeblock:
\`\`\`json
${JSON.stringify(schema)}
\`\`\`

	Categories are mutually exclusive, and only one can be true
	If no categories apply, select the "fallback" option.`;
		const ask = async (text: string) => {
			const completion = await client.chat.completions.create({
				model: 'gpt-4o-mini',
				messages: [{ role: 'system', content: system }, { role: 'user', content: text }],
			});
			const content = completion.choices[0].message.content!;
			expect(content).toMatch(/^```json\n[\s\S]*\n```$/);
			return JSON.parse(content.replace(/^```json\n|\n```$/g, ''));
		};
		expect(await ask('I want my money back please')).toEqual({ refund: true, shipping: false, fallback: false });
		expect(await ask('Where is my parcel? It is late.')).toEqual({ refund: false, shipping: true, fallback: false });
		expect(await ask('What are your opening hours?')).toEqual({ refund: false, shipping: false, fallback: true });
	});

	it('rejects strict json_schemas that OpenAI would reject (optional or open objects)', async () => {
		const loose = z.toJSONSchema(z.object({ label: z.string(), note: z.string().optional() })) as Record<string, unknown>;
		const error = await classify('hi', { response_format: { type: 'json_schema', json_schema: { name: 'loose', strict: true, schema: loose } } }).catch((caught: unknown) => caught);
		expect(error).toBeInstanceOf(BadRequestError);
		expect((error as BadRequestError).message).toMatch(/'required' is required .* Missing 'note'/);
		const open = { type: 'object', properties: { inner: { type: 'object', properties: {} } }, required: ['inner'], additionalProperties: false };
		await expect(classify('hi', { response_format: { type: 'json_schema', json_schema: { name: 'open', strict: true, schema: open } } })).rejects.toThrow(
			/context=\(\('properties', 'inner'\)\), 'additionalProperties'/,
		);
		const relaxed = await classify('hi', { response_format: { type: 'json_schema', json_schema: { name: 'loose', strict: false, schema: loose } } });
		expect(JSON.parse(relaxed.choices[0].message.content!)).toHaveProperty('label');
	});

	it('answers json_object with valid JSON', async () => {
		const completion = await classify('I forgot my password and cannot sign in', { response_format: { type: 'json_object' } });
		expect(JSON.parse(completion.choices[0].message.content!)).toEqual({ answer: 'login' });
	});

	it('streams the same answer as SSE chunks with usage', async () => {
		const plain = await classify('refund my order', { response_format: labelFormat });
		const stream = await client.chat.completions.create({
			model: 'gpt-4o-mini',
			messages: [{ role: 'system', content: TICKET_SYSTEM }, { role: 'user', content: 'refund my order' }],
			response_format: labelFormat,
			stream: true,
			stream_options: { include_usage: true },
		});
		let text = '';
		let usage: OpenAI.CompletionUsage | undefined | null;
		for await (const chunk of stream) {
			text += chunk.choices[0]?.delta.content ?? '';
			usage = chunk.usage ?? usage;
		}
		expect(text).toBe(plain.choices[0].message.content);
		expect(usage?.prompt_tokens).toBe(plain.usage?.prompt_tokens);
	});

	it('serves the Responses API that n8n\'s OpenAI Chat Model node uses by default', async () => {
		const response = await client.responses.create({
			model: 'gpt-4o-mini',
			instructions: TICKET_SYSTEM,
			input: [{ role: 'user', content: 'I cannot sign in, password reset fails' }],
			text: { format: { type: 'json_schema', name: 'classification', strict: true, schema: z.toJSONSchema(labelSchema) as Record<string, unknown> } },
		});
		expect(JSON.parse(response.output_text)).toEqual({ label: 'login' });
		// The same schema costs the same input tokens through either API.
		const chat = await classify('I cannot sign in, password reset fails', { response_format: labelFormat });
		expect(response.usage?.input_tokens).toBe(chat.usage?.prompt_tokens);
	});

	it('counts tokens with the model\'s real encoding and accumulates them', async () => {
		const completion = await classify('refund my order', { response_format: labelFormat });
		const o200k = getEncoding('o200k_base');
		const messages = 3 + (3 + o200k.encode('system').length + o200k.encode(TICKET_SYSTEM).length) + (3 + o200k.encode('user').length + o200k.encode('refund my order').length);
		// The strict schema is billed as input too: its "Response Formats" section with the schema as compact JSON.
		const schemaText = `# Response Formats\n\n## classification\n\n${JSON.stringify(labelFormat.json_schema.schema)}`;
		expect(responseFormatText(labelFormat.json_schema)).toBe(schemaText);
		const expectedPrompt = messages + o200k.encode(schemaText).length;
		expect(completion.usage?.prompt_tokens).toBe(expectedPrompt);
		expect(completion.usage?.completion_tokens).toBe(o200k.encode(completion.choices[0].message.content!).length);
		const legacy = await client.chat.completions.create({ model: 'gpt-3.5-turbo', messages: [{ role: 'user', content: 'refund my order' }] });
		expect(legacy.usage?.completion_tokens).toBe(getEncoding('cl100k_base').encode(legacy.choices[0].message.content!).length);
		expect(server.stats.promptTokens).toBe(expectedPrompt + legacy.usage!.prompt_tokens);
		expect(server.stats.chatRequests).toBe(2);
		expect(server.log.map((entry) => entry.status)).toEqual([200, 200]);
	});

	it('answers 429 with Retry-After, which the SDK raises as RateLimitError', async () => {
		server.configure({ faults: { rate429: 1, retryAfterSeconds: 7 } });
		const error = await classify('refund').catch((caught: unknown) => caught);
		expect(error).toBeInstanceOf(RateLimitError);
		expect((error as RateLimitError).status).toBe(429);
		expect((error as RateLimitError).headers?.get('retry-after')).toBe('7');
		expect((error as RateLimitError).code).toBe('rate_limit_exceeded');
		expect(server.stats.byStatus[429]).toBe(1);
	});

	it('answers 500, malformed JSON and garbage content on request', async () => {
		server.configure({ faults: { rate500: 1 } });
		await expect(classify('refund')).rejects.toBeInstanceOf(InternalServerError);
		server.configure({ faults: { malformedRate: 1 } });
		await expect(classify('refund')).rejects.toThrow();
		server.configure({ faults: { garbageContent: true, noLogprobs: true } });
		const garbage = await classify('refund', { response_format: labelFormat, logprobs: true });
		expect(() => JSON.parse(garbage.choices[0].message.content!)).toThrow();
		expect(garbage.choices[0].logprobs).toBeNull();
	});

	it('hangs until the SDK times out, and close() ends hanging requests', async () => {
		server.configure({ faults: { hangRate: 1 } });
		const started = Date.now();
		const request = client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }, { timeout: 300 });
		// Under jest the abort DOMException comes from another realm, so the SDK reports a plain
		// APIConnectionError (the parent class); in n8n it is an APIConnectionTimeoutError.
		await expect(request).rejects.toBeInstanceOf(APIConnectionError);
		expect(Date.now() - started).toBeGreaterThanOrEqual(290);
		expect(Date.now() - started).toBeLessThan(2000);
		await waitFor(() => server.log[0]?.durationMs > 0);
		expect(server.log[0].status).toBe(0);

		const own = await startFakeOpenAi({ faults: { hangRate: 1 } });
		const hanging = new Promise<string>((resolve) => {
			const req = http.request(`${own.baseUrl}/chat/completions`, { method: 'POST' }, () => resolve('answered'));
			req.on('error', (error) => resolve(error.message));
			req.end(JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }));
		});
		await waitFor(() => own.stats.chatRequests === 1);
		await own.close();
		expect(await hanging).toMatch(/socket hang up|ECONNRESET/);
	});

	it('rejects wrong API keys and unknown models in OpenAI\'s error shape', async () => {
		const stranger = new OpenAI({ baseURL: server.baseUrl, apiKey: 'sk-wrong', maxRetries: 0 });
		const error = await stranger.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }).catch((caught: unknown) => caught);
		expect(error).toBeInstanceOf(AuthenticationError);
		expect((error as AuthenticationError).error).toMatchObject({ type: 'invalid_request_error', code: 'invalid_api_key' });
		server.configure({ strictModels: true });
		await expect(client.chat.completions.create({ model: 'gpt-nope', messages: [{ role: 'user', content: 'hi' }] })).rejects.toBeInstanceOf(NotFoundError);
	});

	it('draws faults deterministically from the seed', async () => {
		const run = async (seed: number) => {
			server.configure({ seed, faults: { rate500: 0.5 } });
			server.reset();
			const statuses: number[] = [];
			for (let index = 0; index < 12; index++) statuses.push(await classify('refund').then(() => 200, (error: InternalServerError) => error.status));
			return statuses;
		};
		const first = await run(42);
		expect(await run(42)).toEqual(first);
		expect(first).toContain(200);
		expect(first).toContain(500);
		expect(await run(7)).not.toEqual(first);
	});

	it('honours latency and counts concurrent requests', async () => {
		server.configure({ latencyMs: 150 });
		const started = Date.now();
		await Promise.all(Array.from({ length: 5 }, () => classify('refund')));
		expect(Date.now() - started).toBeGreaterThanOrEqual(145);
		expect(Date.now() - started).toBeLessThan(700);
		expect(server.stats.maxConcurrent).toBe(5);
		expect(server.log.every((entry) => entry.durationMs >= 145)).toBe(true);
	});

	it('lets a test script the exact answer', async () => {
		server.configure({
			respond: () => ({
				content: 'B',
				logprobs: [{ token: 'B', logprob: Math.log(0.6), top_logprobs: [{ token: 'B', logprob: Math.log(0.6) }, { token: 'A', logprob: Math.log(0.4) }] }],
				usage: { prompt_tokens: 11, completion_tokens: 1 },
			}),
		});
		const completion = await classify('anything', { logprobs: true, top_logprobs: 2 });
		expect(completion.choices[0].message.content).toBe('B');
		expect(completion.choices[0].logprobs!.content![0].top_logprobs.map((alt) => alt.token)).toEqual(['B', 'A']);
		expect(completion.choices[0].logprobs!.content![0].top_logprobs[1].bytes).toEqual([65]);
		expect(completion.usage).toMatchObject({ prompt_tokens: 11, completion_tokens: 1 });
	});
});

describe('fake model option lines', () => {
	const pick = (system: string, text: string, keys: string[]) => {
		const answer = fakeAnswer({
			model: 'gpt-4o-mini',
			messages: [{ role: 'system', content: system }, { role: 'user', content: text }],
			response_format: { type: 'json_schema', json_schema: { schema: { type: 'object', properties: { label: { type: 'string', enum: keys } }, required: ['label'] } } },
		});
		return JSON.parse(answer.content).label;
	};
	it.each([
		['key: text', 'refund: customer wants money back\nshipping: parcel is late'],
		['bulleted key - text', '- refund - customer wants money back\n- shipping - parcel is late'],
		['numbered key — text', '1. refund — customer wants money back\n2. shipping — parcel is late'],
		['quoted JSON-ish', '"refund": "customer wants money back",\n"shipping": "parcel is late"'],
		['key only mentioned in a line', 'Use refund when the customer wants money back.\nUse shipping when a parcel is late.'],
	])('finds options on lines of the form %s', (_form, lines) => {
		expect(pick(`Pick a label.\n${lines}`, 'Where is my parcel? It is late.', ['refund', 'shipping'])).toBe('shipping');
		expect(pick(`Pick a label.\n${lines}`, 'I want my money back', ['refund', 'shipping'])).toBe('refund');
	});
	it('finds numeric keys only at the start of a line', () => {
		const system = 'Answer with the key.\n1: refund, money back\n2: shipping, parcel late\n12: password login';
		expect(pick(system, 'my parcel is late', ['1', '2', '12'])).toBe('2');
		expect(pick(system, 'cannot login, forgot password', ['1', '2', '12'])).toBe('12');
	});
	it('scores independent booleans against their name and description', () => {
		const answer = fakeAnswer({
			model: 'gpt-4o-mini',
			messages: [{ role: 'user', content: 'The invoice was paid by bank transfer.' }],
			response_format: { type: 'json_schema', json_schema: { schema: { type: 'object', properties: { paid: { type: 'boolean', description: 'whether the invoice is paid' }, urgent: { type: 'boolean' } } } } },
		});
		expect(JSON.parse(answer.content)).toEqual({ paid: true, urgent: false });
		const paid = answer.tokens.find((token) => token.token === 'true')!;
		expect(paid.top_logprobs.map((alt) => alt.token)).toEqual(['true', 'false']);
		expect(Math.exp(paid.top_logprobs[0].logprob) + Math.exp(paid.top_logprobs[1].logprob)).toBeCloseTo(1, 9);
	});
});
