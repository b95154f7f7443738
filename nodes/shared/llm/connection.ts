/**
 * Turns the user's credential (the package's OpenAI-Compatible API, or n8n's built-in OpenAI) into an
 * `openai` SDK client. The SDK's own retries are off: ChatRunner owns retries so attempts are counted.
 */
import OpenAI from 'openai';

export type LlmAuthentication = 'openAiCompatibleApi' | 'openAiApi';

export interface LlmConnection {
	baseUrl: string;
	apiKey?: string;
	organization?: string;
	headers: Record<string, string>;
	/** The account's rate limit as stated in the credential (0 or absent: read from the endpoint or found). */
	requestsPerMinute?: number;
	tokensPerMinute?: number;
}

export const OPENAI_BASE_URL = 'https://api.openai.com/v1';

/** Local servers (Ollama, vLLM, LM Studio) need no key; the SDK insists on one, so send a placeholder. */
const NO_KEY = 'no-key';

function parseHeaders(raw: unknown): Record<string, string> {
	if (raw === undefined || raw === null || raw === '') return {};
	const value: unknown = typeof raw === 'string' ? JSON.parse(raw) : raw;
	if (typeof value !== 'object' || value === null || Array.isArray(value)) {
		throw new Error('Custom headers must be a JSON object such as {"api-key": "…"}');
	}
	return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, String(v)]));
}

/** Reads either credential type's fields into one connection description. */
export function connectionFromCredentials(
	authentication: LlmAuthentication,
	credentials: Record<string, unknown>,
): LlmConnection {
	const text = (v: unknown) => (typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined);
	if (authentication === 'openAiApi') {
		const headers: Record<string, string> = {};
		if (credentials.header === true && text(credentials.headerName)) {
			headers[text(credentials.headerName)!] = String(credentials.headerValue ?? '');
		}
		return {
			baseUrl: text(credentials.url) ?? OPENAI_BASE_URL,
			apiKey: text(credentials.apiKey),
			organization: text(credentials.organizationId),
			headers,
		};
	}
	const perMinute = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : undefined);
	return {
		baseUrl: text(credentials.baseUrl) ?? OPENAI_BASE_URL,
		apiKey: text(credentials.apiKey),
		organization: text(credentials.organization),
		headers: parseHeaders(credentials.customHeaders),
		requestsPerMinute: perMinute(credentials.requestsPerMinute),
		tokensPerMinute: perMinute(credentials.tokensPerMinute),
	};
}

export function createClient(connection: LlmConnection, timeoutMs: number): OpenAI {
	return new OpenAI({
		baseURL: connection.baseUrl.replace(/\/+$/, ''),
		apiKey: connection.apiKey ?? NO_KEY,
		organization: connection.organization ?? null,
		defaultHeaders: connection.headers,
		timeout: timeoutMs,
		maxRetries: 0,
	});
}

/** Removes the key and header values from text that may reach outputs or logs (provider messages echo them). */
export function redactSecrets(text: string, connection: LlmConnection): string {
	const secrets = [connection.apiKey, ...Object.values(connection.headers)].filter(
		(s): s is string => typeof s === 'string' && s.length >= 4,
	);
	return secrets.reduce((result, secret) => result.split(secret).join('***'), text);
}
