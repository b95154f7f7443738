import type {
	IAuthenticateGeneric,
	Icon,
	ICredentialTestRequest,
	ICredentialType,
	INodeProperties,
} from 'n8n-workflow';

/**
 * Any endpoint that speaks OpenAI's Chat Completions API: OpenAI, Azure OpenAI, Ollama, vLLM,
 * LM Studio, OpenRouter, Groq. Local servers need no API key.
 */
export class OpenAiCompatibleApi implements ICredentialType {
	name = 'openAiCompatibleApi';

	displayName = 'OpenAI-Compatible API';

	icon: Icon = { light: 'file:openAiCompatible.svg', dark: 'file:openAiCompatible.dark.svg' };

	documentationUrl = 'https://github.com/n8n-nodes-ai-workflow/n8n-nodes-ai-workflow#credentials';

	properties: INodeProperties[] = [
		{
			displayName: 'API Key',
			name: 'apiKey',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			description: 'Leave empty for local servers that need no key (Ollama, vLLM, LM Studio)',
		},
		{
			displayName: 'Base URL',
			name: 'baseUrl',
			type: 'string',
			default: 'https://api.openai.com/v1',
			placeholder: 'http://localhost:11434/v1',
			description: 'The URL the API paths (/chat/completions, /models) are appended to',
		},
		{
			displayName: 'Organization ID',
			name: 'organization',
			type: 'string',
			default: '',
			description: 'Only for OpenAI accounts that belong to several organizations',
		},
		{
			displayName: 'Custom Headers',
			name: 'customHeaders',
			type: 'json',
			default: '{}',
			description: 'Extra HTTP headers as a JSON object, e.g. {"api-key": "…"} for Azure OpenAI',
		},
		{
			displayName: 'Requests per Minute',
			name: 'requestsPerMinute',
			type: 'number',
			typeOptions: { minValue: 0 },
			default: 0,
			description:
				"The account's rate limit, shared by every node using this credential. 0: read it from the endpoint's rate-limit headers, or find it by backing off.",
		},
		// A rate limit (a number of tokens per minute), not a secret token: the rule matches the name.
		// eslint-disable-next-line @n8n/community-nodes/credential-password-field
		{
			displayName: 'Tokens per Minute',
			name: 'tokensPerMinute',
			type: 'number',
			typeOptions: { minValue: 0 },
			default: 0,
			description: "The account's token rate limit (prompt plus maximum answer tokens). 0: read it from the endpoint, or find it.",
		},
	];

	authenticate: IAuthenticateGeneric = {
		type: 'generic',
		properties: {
			headers: {
				Authorization: '={{ $credentials.apiKey ? "Bearer " + $credentials.apiKey : "" }}',
			},
		},
	};

	test: ICredentialTestRequest = {
		request: {
			baseURL: '={{ $credentials.baseUrl.replace(/\\/+$/, "") }}',
			url: '/models',
			method: 'GET',
		},
	};
}
