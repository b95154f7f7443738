/**
 * An OpenAI-compatible HTTP server for tests (never shipped): the real `openai` SDK and n8n's LangChain
 * nodes talk to it on 127.0.0.1. It serves GET /v1/models, POST /v1/chat/completions (JSON or SSE
 * stream) and POST /v1/responses (non-streaming; n8n's OpenAI Chat Model node ≥ 1.3 uses it by
 * default), rejects `strict` json_schemas that OpenAI rejects (objects must require every property and
 * set additionalProperties: false), injects faults drawn from a seeded PRNG, counts tokens with
 * js-tiktoken, and answers with the deterministic lexical model of ./fakeModel.ts (read its header to know how options are chosen).
 */
import http from 'node:http';
import { createRandom } from '../../nodes/shared/localClassifier/random';
import type { AddressInfo } from 'node:net';
import { getEncoding, type Tiktoken } from 'js-tiktoken';
import { completeTokens, fakeAnswer, messageText, plainTokens, strictSchemaProblem, type ChatAnswer, type ChatMessage, type ChatRequest, type TokenLogprob } from './fakeModel';
import { ProviderRateLimiter, type ProviderLimits } from './providerLimits';

export type { ChatAnswer, ChatMessage, ChatRequest, ScriptedTokenLogprob, TokenLogprob } from './fakeModel';
export type { ProviderLimits } from './providerLimits';
export { fakeAnswer, strictSchemaProblem, CHOICE_TEMPERATURE } from './fakeModel';

export interface FakeOpenAiFaults {
	/** Share of generation requests answered 429 with a Retry-After header. */
	rate429?: number;
	retryAfterSeconds?: number;
	/** Share answered 500. */
	rate500?: number;
	/** Share never answered (until the client aborts or the server closes). */
	hangRate?: number;
	/** Share answered 200 with a truncated JSON body. */
	malformedRate?: number;
	/** Answer 400 to requests that ask for logprobs, as OpenAI does for reasoning models. */
	rejectLogprobs?: boolean;
	/** Never return logprobs, even when asked (like endpoints that do not support them). */
	noLogprobs?: boolean;
	/** Answer prose instead of the requested JSON. */
	garbageContent?: boolean;
}
export interface FakeOpenAiOptions {
	latencyMs?: number;
	apiKey?: string;
	models?: string[];
	/** Answer 404 model_not_found for models not in `models`. */
	strictModels?: boolean;
	faults?: FakeOpenAiFaults;
	seed?: number;
	respond?: (request: ChatRequest) => ChatAnswer | undefined;
	/** Requests/tokens per minute enforced like a real provider (see ./providerLimits.ts); reset() refills the buckets. */
	rateLimit?: ProviderLimits;
}
export interface FakeOpenAiStats {
	requests: number;
	byStatus: Record<number, number>;
	chatRequests: number;
	promptTokens: number;
	completionTokens: number;
	maxConcurrent: number;
	/** Requests refused with 429 by the rate limits (not by injected faults). */
	rateLimited: number;
}
export interface FakeOpenAiLogEntry {
	at: number;
	// eslint-disable-next-line @typescript-eslint/no-explicit-any
	body: any;
	/** 0 while pending, and for requests that were never answered (hang, client abort). */
	status: number;
	// eslint-disable-next-line @typescript-eslint/no-explicit-any
	response?: any;
	durationMs: number;
}
export interface FakeOpenAi {
	baseUrl: string;
	stats: FakeOpenAiStats;
	log: FakeOpenAiLogEntry[];
	configure(patch: Partial<FakeOpenAiOptions>): void;
	reset(): void;
	close(): Promise<void>;
}

export const DEFAULT_MODELS = ['gpt-4o-mini', 'gpt-4o', 'gpt-4.1-mini', 'gpt-5-mini', 'gpt-3.5-turbo'];


const encoders = new Map<string, Tiktoken>();
/** o200k_base for gpt-4o*, gpt-4.1*, gpt-5*, o-series and chatgpt-4o*; cl100k_base otherwise. */
export function encodingFor(model: string): 'o200k_base' | 'cl100k_base' {
	return /^(gpt-4o|gpt-4\.1|gpt-5|o\d|chatgpt-4o)/.test(model) ? 'o200k_base' : 'cl100k_base';
}
export function countTokens(model: string, text: string): number {
	const name = encodingFor(model);
	let encoder = encoders.get(name);
	if (!encoder) encoders.set(name, (encoder = getEncoding(name)));
	return encoder.encode(text, 'all').length;
}
/**
 * A strict json_schema as the model reads it, which is what OpenAI bills as input on top of the
 * messages: the "Response Formats" section OpenAI documents for its harmony prompt format
 * (github.com/openai/harmony, docs/format.md, "Structured output"): a heading with the format's
 * name, its description as a comment, then the schema as compact JSON.
 */
export function responseFormatText(format: { name?: string; description?: string; schema?: unknown }): string {
	const description = format.description ? `// ${format.description}\n` : '';
	return `# Response Formats\n\n## ${format.name ?? 'response'}\n\n${description}${JSON.stringify(format.schema ?? {})}`;
}

/** OpenAI's documented chat accounting: 3 tokens per message (+1 for a name) and 3 to prime the reply. */
function countPromptTokens(model: string, messages: ChatMessage[]): number {
	return messages.reduce(
		(sum, message) => sum + 3 + countTokens(model, message.role) + countTokens(model, messageText(message)) + (message.name ? 1 : 0),
		3,
	);
}

const errorBody = (message: string, type: string, code: string | null, param: string | null = null) => ({
	error: { message, type, param, code },
});

/** A Responses API body as the equivalent chat request. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
function chatRequestFromResponses(body: any): ChatRequest {
	const messages: ChatMessage[] = body.instructions ? [{ role: 'system', content: String(body.instructions) }] : [];
	const input = typeof body.input === 'string' ? [{ role: 'user', content: body.input }] : Array.isArray(body.input) ? body.input : [];
	for (const item of input) {
		if (!item?.role) continue;
		const content = typeof item.content === 'string' ? item.content : (item.content ?? []).map((part: { text?: string }) => ({ type: 'text', text: part.text ?? '' }));
		messages.push({ role: item.role, content });
	}
	const format = body.text?.format;
	return {
		model: body.model,
		messages,
		response_format:
			format?.type === 'json_schema'
				? { type: 'json_schema', json_schema: { name: format.name, description: format.description, schema: format.schema, strict: format.strict } }
				: format?.type === 'json_object'
					? { type: 'json_object' }
					: undefined,
		logprobs: Boolean(body.include?.includes('message.output_text.logprobs')),
		top_logprobs: body.top_logprobs,
		max_completion_tokens: body.max_output_tokens,
		stream: body.stream,
	};
}

/**
 * Charges a well-formed request to the provider's buckets: its prompt tokens (counted as in `usage`,
 * the schema included) plus its maximum completion tokens; without a maximum, the answer's tokens
 * are charged once written (`chargeAnswer`). Malformed requests are left to the 400s below.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
function admit(limiter: ProviderRateLimiter, body: any, api: 'chat' | 'responses') {
	if (typeof body !== 'object' || body === null) return undefined;
	const request: ChatRequest = api === 'chat' ? body : chatRequestFromResponses(body);
	if (typeof request.model !== 'string' || !request.model || !Array.isArray(request.messages) || request.messages.length === 0) return undefined;
	const jsonSchema = request.response_format?.type === 'json_schema' ? request.response_format.json_schema : undefined;
	const prompt = countPromptTokens(request.model, request.messages) + (jsonSchema ? countTokens(request.model, responseFormatText(jsonSchema)) : 0);
	const maximum = request.max_completion_tokens ?? request.max_tokens;
	const cost = prompt + (typeof maximum === 'number' && maximum > 0 ? maximum : 0);
	return { ...limiter.admit(cost, Date.now()), cost, chargeAnswer: !(typeof maximum === 'number' && maximum > 0) };
}

export async function startFakeOpenAi(initial: FakeOpenAiOptions = {}): Promise<FakeOpenAi> {
	let options: FakeOpenAiOptions = { ...initial };
	let random = createRandom(options.seed ?? 1);
	const stats: FakeOpenAiStats = { requests: 0, byStatus: {}, chatRequests: 0, promptTokens: 0, completionTokens: 0, maxConcurrent: 0, rateLimited: 0 };
	const newLimiter = () => (options.rateLimit ? new ProviderRateLimiter(options.rateLimit, Date.now()) : undefined);
	let limiter = newLimiter();
	const log: FakeOpenAiLogEntry[] = [];
	const pendingSleeps = new Set<() => void>();
	let inFlight = 0;
	let sequence = 0;

	const send = (res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
		if (res.destroyed || res.writableEnded) return;
		stats.byStatus[status] = (stats.byStatus[status] ?? 0) + 1;
		res.writeHead(status, { 'content-type': 'application/json', ...headers });
		res.end(JSON.stringify(body));
	};
	const sleep = (ms: number) =>
		new Promise<void>((resolve) => {
			if (!ms) return resolve();
			const done = () => {
				clearTimeout(timer);
				pendingSleeps.delete(done);
				resolve();
			};
			const timer = setTimeout(done, ms);
			pendingSleeps.add(done);
		});
	const readBody = (req: http.IncomingMessage) =>
		new Promise<string>((resolve, reject) => {
			const chunks: Buffer[] = [];
			req.on('data', (chunk: Buffer) => chunks.push(chunk));
			req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
			req.on('error', reject);
		});
	const models = () => options.models ?? DEFAULT_MODELS;
	const modelObject = (id: string) => ({ id, object: 'model', created: 1700000000, owned_by: 'fake-openai' });

	async function generate(req: http.IncomingMessage, res: http.ServerResponse, raw: string, api: 'chat' | 'responses') {
		const started = Date.now();
		const draw = random();
		stats.chatRequests++;
		stats.maxConcurrent = Math.max(stats.maxConcurrent, ++inFlight);
		let body: unknown;
		try {
			body = JSON.parse(raw);
		} catch {
			body = raw;
		}
		const entry: FakeOpenAiLogEntry = { at: started, body, status: 0, durationMs: 0 };
		log.push(entry);
		res.on('close', () => {
			inFlight--;
			entry.durationMs = Date.now() - started;
		});
		let limitHeaders: Record<string, string> = {};
		const finish = (status: number, response: unknown, headers?: Record<string, string>) => {
			if (res.destroyed) return;
			entry.status = status;
			entry.response = response;
			send(res, status, response, { ...limitHeaders, ...headers });
		};
		// A provider checks its limits on arrival and refuses at once; the model's latency comes after.
		const admission = limiter ? admit(limiter, body, api) : undefined;
		if (admission) {
			limitHeaders = admission.headers;
			if (!admission.admitted) {
				stats.rateLimited++;
				const what = admission.refusedBy === 'requests' ? 'requests per min (RPM)' : 'tokens per min (TPM)';
				const limit = admission.refusedBy === 'requests' ? options.rateLimit?.requestsPerMinute : options.rateLimit?.tokensPerMinute;
				const message = admission.tooLarge
					? `Request too large for ${(body as ChatRequest).model} on ${what}: Limit ${limit}, Requested ${admission.cost}.`
					: `Rate limit reached for ${(body as ChatRequest).model} on ${what}: Limit ${limit}. Please try again later.`;
				return finish(429, errorBody(message, admission.refusedBy!, 'rate_limit_exceeded'));
			}
		}
		await sleep(options.latencyMs ?? 0);
		if (res.destroyed) return;
		if (options.apiKey && req.headers.authorization !== `Bearer ${options.apiKey}`) {
			const shown = String(req.headers.authorization ?? '').replace(/^Bearer\s*/, '').slice(0, 6);
			return finish(401, errorBody(`Incorrect API key provided: ${shown}****.`, 'invalid_request_error', 'invalid_api_key'));
		}
		if (typeof body !== 'object' || body === null) {
			return finish(400, errorBody('We could not parse the JSON body of your request.', 'invalid_request_error', null));
		}
		const request = api === 'chat' ? (body as ChatRequest) : chatRequestFromResponses(body);
		if (typeof request.model !== 'string' || !request.model) {
			return finish(400, errorBody('you must provide a model parameter', 'invalid_request_error', null, 'model'));
		}
		if (!Array.isArray(request.messages) || request.messages.length === 0) {
			return finish(400, errorBody(`Missing required parameter: '${api === 'chat' ? 'messages' : 'input'}'.`, 'invalid_request_error', 'missing_required_parameter'));
		}
		if (options.strictModels && !models().includes(request.model)) {
			return finish(404, errorBody(`The model \`${request.model}\` does not exist or you do not have access to it.`, 'invalid_request_error', 'model_not_found'));
		}
		if (api === 'responses' && request.stream) {
			return finish(400, errorBody('The fake server does not stream the Responses API.', 'invalid_request_error', null, 'stream'));
		}
		const jsonSchema = request.response_format?.type === 'json_schema' ? request.response_format.json_schema : undefined;
		const schemaProblem = jsonSchema?.strict ? strictSchemaProblem(jsonSchema.schema ?? {}) : undefined;
		if (schemaProblem) {
			const where = api === 'chat' ? 'response_format' : 'text.format.schema';
			return finish(400, errorBody(`Invalid schema for response_format '${jsonSchema?.name ?? 'response'}': ${schemaProblem}`, 'invalid_request_error', 'invalid_json_schema', where));
		}
		const faults = options.faults ?? {};
		if (faults.rejectLogprobs && request.logprobs) {
			return finish(400, errorBody("Unsupported parameter: 'logprobs' is not supported with this model.", 'invalid_request_error', 'unsupported_parameter', 'logprobs'));
		}
		let threshold = faults.rate429 ?? 0;
		if (draw < threshold) {
			const retryAfter = String(faults.retryAfterSeconds ?? 1);
			return finish(429, errorBody('Rate limit reached for requests. Please try again later.', 'requests', 'rate_limit_exceeded'), { 'retry-after': retryAfter });
		}
		if (draw < (threshold += faults.rate500 ?? 0)) {
			return finish(500, errorBody('The server had an error while processing your request.', 'server_error', null));
		}
		if (draw < (threshold += faults.hangRate ?? 0)) return; // answered by nobody: the client's timeout or close() ends it
		if (draw < (threshold += faults.malformedRate ?? 0)) {
			entry.status = 200;
			stats.byStatus[200] = (stats.byStatus[200] ?? 0) + 1;
			res.writeHead(200, { 'content-type': 'application/json' });
			res.end('{"id":"chatcmpl-broken","object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":"');
			return;
		}

		const scripted = options.respond?.(request);
		const model = scripted ? undefined : fakeAnswer(request);
		let content = scripted?.content ?? model!.content;
		let tokens: TokenLogprob[] = scripted ? (scripted.logprobs ? completeTokens(scripted.logprobs) : plainTokens(content)) : model!.tokens;
		let finishReason = scripted?.finish_reason ?? 'stop';
		if (faults.garbageContent) {
			content = 'Sure! Here is what I found: the answer is probably the first one {not json';
			tokens = plainTokens(content);
		}
		const limit = request.max_completion_tokens ?? request.max_tokens;
		if (typeof limit === 'number' && limit > 0 && tokens.length >= limit) {
			tokens = tokens.slice(0, limit);
			content = tokens.map((token) => token.token).join('');
			finishReason = 'length';
		}
		const k = Math.max(0, Math.min(20, Number(request.top_logprobs ?? 0)));
		const logprobs = request.logprobs && !faults.noLogprobs ? tokens.map((token) => ({ ...token, top_logprobs: token.top_logprobs.slice(0, k) })) : null;
		const promptTokens =
			scripted?.usage?.prompt_tokens ?? countPromptTokens(request.model, request.messages) + (jsonSchema ? countTokens(request.model, responseFormatText(jsonSchema)) : 0);
		const completionTokens = scripted?.usage?.completion_tokens ?? countTokens(request.model, content);
		stats.promptTokens += promptTokens;
		stats.completionTokens += completionTokens;
		if (admission?.chargeAnswer) limiter?.charge(completionTokens, Date.now());
		const id = ++sequence;
		const created = Math.floor(started / 1000);

		if (api === 'responses') {
			return finish(200, {
				id: `resp_fake${id}`,
				object: 'response',
				created_at: created,
				status: finishReason === 'length' ? 'incomplete' : 'completed',
				incomplete_details: finishReason === 'length' ? { reason: 'max_output_tokens' } : null,
				error: null,
				model: request.model,
				output: [
					{
						type: 'message',
						id: `msg_fake${id}`,
						status: 'completed',
						role: 'assistant',
						content: [{ type: 'output_text', text: content, annotations: [], logprobs: logprobs ?? [] }],
					},
				],
				output_text: content,
				text: (body as { text?: unknown }).text ?? { format: { type: 'text' } },
				tools: [],
				metadata: {},
				usage: {
					input_tokens: promptTokens,
					output_tokens: completionTokens,
					total_tokens: promptTokens + completionTokens,
					input_tokens_details: { cached_tokens: 0 },
					output_tokens_details: { reasoning_tokens: 0 },
				},
			});
		}
		const usage = {
			prompt_tokens: promptTokens,
			completion_tokens: completionTokens,
			total_tokens: promptTokens + completionTokens,
			prompt_tokens_details: { cached_tokens: 0 },
			completion_tokens_details: { reasoning_tokens: 0 },
		};
		const completion = {
			id: `chatcmpl-fake${id}`,
			object: 'chat.completion',
			created,
			model: request.model,
			system_fingerprint: 'fp_fake',
			choices: [
				{
					index: 0,
					message: { role: 'assistant', content, refusal: null },
					logprobs: logprobs ? { content: logprobs, refusal: null } : null,
					finish_reason: finishReason,
				},
			],
			usage,
		};
		if (!request.stream) return finish(200, completion);

		entry.status = 200;
		entry.response = completion;
		stats.byStatus[200] = (stats.byStatus[200] ?? 0) + 1;
		res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', ...limitHeaders });
		const chunk = (delta: object, tokenLogprobs: TokenLogprob[] | null, finishedWith: string | null) =>
			`data: ${JSON.stringify({
				id: completion.id,
				object: 'chat.completion.chunk',
				created,
				model: request.model,
				system_fingerprint: 'fp_fake',
				choices: [{ index: 0, delta, logprobs: tokenLogprobs ? { content: tokenLogprobs, refusal: null } : null, finish_reason: finishedWith }],
			})}\n\n`;
		res.write(chunk({ role: 'assistant', content: '', refusal: null }, null, null));
		const streamed = logprobs ?? tokens;
		for (const token of streamed) res.write(chunk({ content: token.token }, logprobs ? [token] : null, null));
		res.write(chunk({}, null, finishReason));
		const streamOptions = request.stream_options as { include_usage?: boolean } | undefined;
		if (streamOptions?.include_usage) {
			res.write(`data: ${JSON.stringify({ id: completion.id, object: 'chat.completion.chunk', created, model: request.model, choices: [], usage })}\n\n`);
		}
		res.end('data: [DONE]\n\n');
	}

	async function handle(req: http.IncomingMessage, res: http.ServerResponse) {
		stats.requests++;
		const raw = await readBody(req);
		const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname.replace(/\/+$/, '');
		if (req.method === 'POST' && path === '/v1/chat/completions') return generate(req, res, raw, 'chat');
		if (req.method === 'POST' && path === '/v1/responses') return generate(req, res, raw, 'responses');
		if (options.apiKey && req.headers.authorization !== `Bearer ${options.apiKey}`) {
			return send(res, 401, errorBody('Incorrect API key provided.', 'invalid_request_error', 'invalid_api_key'));
		}
		if (req.method === 'GET' && path === '/v1/models') return send(res, 200, { object: 'list', data: models().map(modelObject) });
		const model = /^\/v1\/models\/(.+)$/.exec(path);
		if (req.method === 'GET' && model) {
			const id = decodeURIComponent(model[1]);
			return models().includes(id)
				? send(res, 200, modelObject(id))
				: send(res, 404, errorBody(`The model '${id}' does not exist`, 'invalid_request_error', 'model_not_found', 'model'));
		}
		send(res, 404, errorBody(`Unknown request URL: ${req.method} ${path}.`, 'invalid_request_error', 'unknown_url'));
	}

	const server = http.createServer((req, res) => {
		handle(req, res).catch((error: Error) => {
			if (!res.headersSent) send(res, 500, errorBody(`Fake server failure: ${error.message}`, 'server_error', null));
			else res.destroy();
		});
	});
	// Idle keep-alive sockets are closed by the clients (undici: 4 s) before the server would close
	// them: otherwise a busy machine lets a client reuse a socket the server is closing ("other side closed").
	server.keepAliveTimeout = 65_000;
	server.headersTimeout = 66_000;
	await new Promise<void>((resolve, reject) => {
		server.once('error', reject);
		server.listen(0, '127.0.0.1', () => resolve());
	});
	const { port } = server.address() as AddressInfo;

	return {
		baseUrl: `http://127.0.0.1:${port}/v1`,
		stats,
		log,
		configure(patch) {
			options = { ...options, ...patch };
			if (patch.seed !== undefined) random = createRandom(patch.seed);
			if ('rateLimit' in patch) limiter = newLimiter();
		},
		reset() {
			Object.assign(stats, { requests: 0, byStatus: {}, chatRequests: 0, promptTokens: 0, completionTokens: 0, maxConcurrent: 0, rateLimited: 0 });
			log.length = 0;
			random = createRandom(options.seed ?? 1);
			limiter = newLimiter();
		},
		async close() {
			for (const wake of [...pendingSleeps]) wake();
			const closed = new Promise<void>((resolve) => server.close(() => resolve()));
			server.closeAllConnections();
			await closed;
		},
	};
}
