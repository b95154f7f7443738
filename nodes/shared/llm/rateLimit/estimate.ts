/**
 * How many tokens a request will be charged against a tokens-per-minute limit before it is sent:
 * its prompt (estimated from its characters, the way providers' own limiters estimate it) plus its
 * maximum completion tokens — or, without a maximum, about what answers have taken so far. The
 * ratio of tokens to characters is learnt from the answers' usage.
 */
import type { ChatCompletionCreateParamsNonStreaming } from 'openai/resources/chat/completions';

/** Tokens per message of OpenAI's chat format, and to prime the answer. */
const PER_MESSAGE = 4;
const PRIMING = 3;
/** A picture in a request: what OpenAI charges a 1024 × 1024 image in high detail. */
const IMAGE_TOKENS = 765;
const INITIAL_TOKENS_PER_CHARACTER = 0.25;
const LEARNING_RATE = 0.2;

interface Shape {
	characters: number;
	messages: number;
	images: number;
}

function shapeOf(params: ChatCompletionCreateParamsNonStreaming): Shape {
	let characters = 0;
	let images = 0;
	for (const message of params.messages) {
		const content = (message as { content?: unknown }).content;
		if (typeof content === 'string') characters += content.length;
		else if (Array.isArray(content)) {
			for (const part of content as Array<{ type?: string; text?: string }>) {
				if (typeof part.text === 'string') characters += part.text.length;
				else if (part.type === 'image_url') images++;
			}
		}
		characters += message.role.length;
	}
	const format = params.response_format;
	if (format && format.type === 'json_schema') characters += JSON.stringify(format.json_schema).length;
	if (params.tools) characters += JSON.stringify(params.tools).length;
	return { characters, messages: params.messages.length, images };
}

/** The completion maximum the provider charges in advance (undefined: none was set). */
export function completionMaximum(params: ChatCompletionCreateParamsNonStreaming): number | undefined {
	const maximum = params.max_completion_tokens ?? params.max_tokens;
	return typeof maximum === 'number' && maximum > 0 ? maximum : undefined;
}

export class TokenEstimator {
	private tokensPerCharacter = INITIAL_TOKENS_PER_CHARACTER;
	private averageCompletion: number | undefined;

	estimate(params: ChatCompletionCreateParamsNonStreaming): number {
		const shape = shapeOf(params);
		const prompt = shape.characters * this.tokensPerCharacter + shape.messages * PER_MESSAGE + PRIMING + shape.images * IMAGE_TOKENS;
		return Math.ceil(prompt + (completionMaximum(params) ?? this.averageCompletion ?? 0));
	}

	/** Learns from an answer; returns what the provider charged (prompt + maximum, or + the answer). */
	learn(params: ChatCompletionCreateParamsNonStreaming, usage: { prompt_tokens?: number; completion_tokens?: number } | undefined): number | undefined {
		if (!usage || typeof usage.prompt_tokens !== 'number') return undefined;
		const shape = shapeOf(params);
		const textTokens = usage.prompt_tokens - shape.messages * PER_MESSAGE - PRIMING - shape.images * IMAGE_TOKENS;
		if (shape.characters > 0 && textTokens > 0) {
			const observed = textTokens / shape.characters;
			this.tokensPerCharacter += LEARNING_RATE * (observed - this.tokensPerCharacter);
		}
		const completion = typeof usage.completion_tokens === 'number' ? usage.completion_tokens : 0;
		const maximum = completionMaximum(params);
		if (maximum === undefined) {
			this.averageCompletion = this.averageCompletion === undefined ? completion : this.averageCompletion + LEARNING_RATE * (completion - this.averageCompletion);
		}
		return usage.prompt_tokens + (maximum ?? completion);
	}
}
