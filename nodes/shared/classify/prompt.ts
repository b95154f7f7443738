/**
 * Builds AI Classify's requests. Categories and instructions form a static prefix (identical for every
 * item, so providers' prompt caches hit); the item's context and text come last. Each category gets a
 * short number as its key — one token in every common tokenizer — so the first answer token's
 * top_logprobs are a probability distribution over the categories.
 */
import { z } from 'zod/v4';
import type { ChatCompletionCreateParamsNonStreaming } from 'openai/resources/chat/completions';

import { OTHER_CATEGORY, type Category } from './categories';
import { jsonSchemaFormat } from '../llm/structuredOutput';

export type AnswerShape = 'key' | 'reasoningAndKey' | 'keyAndConfidence' | 'multiLabel';

export interface ClassifyPromptSpec {
	categories: Category[];
	withOther: boolean;
	instructions?: string;
}

export interface PromptOption {
	key: string;
	label: string;
}

/** OpenAI accepts at most 20 alternatives per position. */
export const MAX_TOP_LOGPROBS = 20;

export function promptOptions(spec: ClassifyPromptSpec): PromptOption[] {
	const options = spec.categories.map((category, index) => ({ key: String(index + 1), label: category.name }));
	if (spec.withOther) options.push({ key: String(options.length + 1), label: OTHER_CATEGORY });
	return options;
}

function oneLine(text: string): string {
	return text.replace(/\s+/g, ' ').trim();
}

export function buildSystemPrompt(spec: ClassifyPromptSpec, shape: AnswerShape): string {
	const options = promptOptions(spec);
	const lines: string[] = [];
	lines.push(
		shape === 'multiLabel'
			? 'You label texts. A text can belong to several of the categories below, or to none.'
			: 'You classify texts into exactly one of the categories below.',
	);
	if (spec.instructions && spec.instructions.trim() !== '') lines.push('', spec.instructions.trim());
	lines.push('', 'Categories:');
	spec.categories.forEach((category, index) => {
		lines.push(`${options[index].key}: ${oneLine(category.name)}${category.description ? ` — ${oneLine(category.description)}` : ''}`);
		if (category.examples.length > 0) {
			lines.push(`   Examples: ${category.examples.map((e) => JSON.stringify(oneLine(e))).join(' | ')}`);
		}
	});
	if (spec.withOther) {
		lines.push(`${options[options.length - 1].key}: ${OTHER_CATEGORY} — the text fits none of the categories above`);
	}
	lines.push('');
	switch (shape) {
		case 'key':
			lines.push('Answer with the number of the best category and nothing else.');
			break;
		case 'reasoningAndKey':
			lines.push('Answer in JSON: first a short "reasoning", then "category": the number of the best category.');
			break;
		case 'keyAndConfidence':
			lines.push(
				'Answer in JSON: "category": the number of the best category, and "confidence": the probability (0 to 1) that it is right.',
			);
			break;
		case 'multiLabel':
			lines.push('Answer in JSON with one property per category number: true if the text belongs to that category, else false.');
			break;
	}
	return lines.join('\n');
}

export function buildUserMessage(text: string, context: Record<string, unknown>): string {
	const entries = Object.entries(context).filter(([, value]) => value !== undefined);
	const parts: string[] = [];
	if (entries.length > 0) {
		parts.push('Context:');
		for (const [name, value] of entries) {
			parts.push(`${name}: ${typeof value === 'string' ? oneLine(value) : JSON.stringify(value)}`);
		}
		parts.push('');
	}
	parts.push('Text:', text);
	return parts.join('\n');
}

/** The zod schema of each JSON answer; the JSON schema sent to the endpoint is derived from it. */
export function answerSchema(spec: ClassifyPromptSpec, shape: Exclude<AnswerShape, 'key'>): z.ZodType {
	const keys = promptOptions(spec).map((o) => o.key) as [string, ...string[]];
	switch (shape) {
		case 'reasoningAndKey':
			return z.object({ reasoning: z.string(), category: z.enum(keys) });
		case 'keyAndConfidence':
			return z.object({ category: z.enum(keys), confidence: z.number().min(0).max(1) });
		case 'multiLabel': {
			const described = promptOptions(spec).map((option, index) => {
				const category = spec.categories[index];
				const text = category
					? `${category.name}${category.description ? ` — ${oneLine(category.description)}` : ''}`
					: `${OTHER_CATEGORY} — fits none of the categories`;
				return [option.key, z.boolean().describe(text)] as const;
			});
			return z.object(Object.fromEntries(described));
		}
	}
}

export interface RequestSettings {
	model: string;
	shape: AnswerShape;
	logprobs: boolean;
}

export function buildRequest(
	spec: ClassifyPromptSpec,
	settings: RequestSettings,
	userMessage: string,
): ChatCompletionCreateParamsNonStreaming {
	const options = promptOptions(spec);
	const request: ChatCompletionCreateParamsNonStreaming = {
		model: settings.model,
		temperature: 0,
		messages: [
			{ role: 'system', content: buildSystemPrompt(spec, settings.shape) },
			{ role: 'user', content: userMessage },
		],
	};
	if (settings.shape === 'key') {
		// The key is the whole answer: one token keeps latency and cost minimal.
		request.max_tokens = 1;
	} else {
		request.response_format = jsonSchemaFormat('classification', answerSchema(spec, settings.shape));
	}
	if (settings.logprobs) {
		request.logprobs = true;
		request.top_logprobs = Math.min(MAX_TOP_LOGPROBS, settings.shape === 'multiLabel' ? 2 : options.length);
	}
	return request;
}
