/**
 * AI Classify on an OpenAI-compatible endpoint: one short request per distinct text, confidence from
 * the answer token's log-probabilities. Where the endpoint returns no logprobs, the documented fallback
 * asks the model for its confidence in a structured answer (confidenceSource 'model').
 */
import type { ChatCompletion } from 'openai/resources/chat/completions';

import type { AiResult } from '../contract';
import { BrokenAnswerError, LlmRequestError, type ChatRunner, type CompletionResult } from '../llm/runner';
import type { Category } from './categories';
import {
	booleanProbability,
	firstMeaningfulToken,
	jsonValueOffset,
	keyDistribution,
	normaliseToken,
	tokenAt,
	type TokenLogprob,
} from './logprobs';
import {
	buildRequest,
	buildUserMessage,
	promptOptions,
	type AnswerShape,
	type ClassifyPromptSpec,
	type PromptOption,
} from './prompt';

export type ConfidenceMethod = 'auto' | 'logprobs' | 'verbalized';

export interface ClassifierSettings {
	model: string;
	categories: Category[];
	withOther: boolean;
	instructions?: string;
	multiLabel: boolean;
	multiLabelThreshold: number;
	includeReasoning: boolean;
	confidenceMethod: ConfidenceMethod;
}

/** The model answered something that is not one of the categories (or no usable answer). */
export class ModelAnswerError extends Error {
	constructor(
		message: string,
		readonly attempts: number,
	) {
		super(message);
		this.name = 'ModelAnswerError';
	}
}

/** A well-formed answer came without logprobs: the endpoint does not give them. */
class MissingLogprobsError extends Error {}

/**
 * Why an answer cannot be read at all — no content, or not the JSON that was asked for — so that
 * the request is retried as broken; an answer that is merely wrong (not a category) is not broken.
 */
function brokenAnswer(shape: AnswerShape): (completion: ChatCompletion) => string | undefined {
	return (completion) => {
		const content = contentOf(completion).trim();
		if (content === '') return completion.choices[0]?.finish_reason === 'length' ? 'it was cut off before any text' : 'it has no content';
		if (shape === 'key') return undefined;
		try {
			const value: unknown = JSON.parse(content);
			if (typeof value === 'object' && value !== null && !Array.isArray(value)) return undefined;
		} catch {
			// reported below
		}
		return `it is not the JSON that was asked for: ${JSON.stringify(content.slice(0, 100))}`;
	};
}

interface Interpretation {
	scores: Record<string, number>;
	labels?: string[];
	confidence: number;
	confidenceSource: AiResult['confidenceSource'];
	reasoning?: string;
}

function contentOf(completion: ChatCompletion): string {
	return completion.choices[0]?.message?.content ?? '';
}

function tokensOf(completion: ChatCompletion): TokenLogprob[] | undefined {
	const content = completion.choices[0]?.logprobs?.content;
	return Array.isArray(content) && content.length > 0 ? (content as TokenLogprob[]) : undefined;
}

function parseJson(content: string, attempts: number): Record<string, unknown> {
	try {
		const value: unknown = JSON.parse(content);
		if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Record<string, unknown>;
	} catch {
		// reported below with the answer itself
	}
	throw new ModelAnswerError(`The model's answer is not the JSON that was asked for: ${JSON.stringify(content.slice(0, 200))}`, attempts);
}

export class OpenAiClassifier {
	private readonly spec: ClassifyPromptSpec;
	private readonly options: PromptOption[];
	/** Set once the endpoint has answered well-formed without logprobs, so later items go straight to the fallback. */
	private logprobsUnavailable = false;

	constructor(
		private readonly runner: ChatRunner,
		private readonly settings: ClassifierSettings,
	) {
		this.spec = { categories: settings.categories, withOther: settings.withOther, instructions: settings.instructions };
		this.options = promptOptions(this.spec);
	}

	async classify(text: string, context: Record<string, unknown>, truncated: boolean): Promise<AiResult> {
		const userMessage = buildUserMessage(text, context);
		const started = Date.now();
		let attempts = 0;
		const send = async (shape: AnswerShape, logprobs: boolean) => {
			try {
				const result = await this.runner.complete(buildRequest(this.spec, { model: this.settings.model, shape, logprobs }, userMessage), { brokenAnswer: brokenAnswer(shape) });
				attempts += result.attempts;
				return result;
			} catch (error) {
				// Broken on every attempt: the model's answer, not the request, is what failed.
				if (error instanceof LlmRequestError && error.cause instanceof BrokenAnswerError) throw new ModelAnswerError(error.message, attempts + error.attempts);
				throw error;
			}
		};

		let result: CompletionResult;
		let interpretation: Interpretation;
		const useLogprobs = this.settings.confidenceMethod !== 'verbalized' && !this.logprobsUnavailable;
		const primaryShape: AnswerShape = this.settings.multiLabel
			? 'multiLabel'
			: this.settings.includeReasoning
				? 'reasoningAndKey'
				: 'key';
		let usage = { inputTokens: 0, outputTokens: 0, costUsd: undefined as number | undefined };
		const addUsage = (r: CompletionResult) => {
			usage = {
				inputTokens: usage.inputTokens + r.usage.inputTokens,
				outputTokens: usage.outputTokens + r.usage.outputTokens,
				costUsd: r.usage.costUsd === undefined ? usage.costUsd : (usage.costUsd ?? 0) + r.usage.costUsd,
			};
		};

		if (useLogprobs) {
			result = await send(primaryShape, true);
			addUsage(result);
			try {
				interpretation = this.fromLogprobs(result.completion, primaryShape, attempts);
			} catch (error) {
				if (!(error instanceof MissingLogprobsError)) throw error;
				if (this.settings.confidenceMethod === 'logprobs') {
					throw new ModelAnswerError(
						'The endpoint returned no logprobs. Use a model/server that supports "logprobs", or set Confidence Method to "Auto" or "Ask the Model".',
						attempts,
					);
				}
				this.logprobsUnavailable = true;
				result = await send(this.settings.multiLabel ? 'multiLabel' : 'keyAndConfidence', false);
				addUsage(result);
				interpretation = this.verbalized(result.completion, attempts);
			}
		} else {
			result = await send(this.settings.multiLabel ? 'multiLabel' : 'keyAndConfidence', false);
			addUsage(result);
			interpretation = this.verbalized(result.completion, attempts);
		}

		const labelOf = (key: string) => this.options.find((o) => o.key === key)!.label;
		const scores = Object.fromEntries(Object.entries(interpretation.scores).map(([key, p]) => [labelOf(key), round(p)]));
		const best = Object.entries(interpretation.scores).sort((a, b) => b[1] - a[1])[0][0];
		const ai: AiResult = {
			task: 'classify',
			label: labelOf(best),
			scores,
			confidence: round(interpretation.confidence),
			confidenceSource: interpretation.confidenceSource,
			engine: 'openai',
			model: result.completion.model || this.settings.model,
			usage,
			latencyMs: Date.now() - started,
			attempts,
			at: new Date().toISOString(),
		};
		if (interpretation.labels) ai.labels = interpretation.labels.map(labelOf);
		if (interpretation.reasoning) ai.reasoning = interpretation.reasoning;
		if (truncated) ai.truncated = true;
		return ai;
	}

	private keys(): string[] {
		return this.options.map((o) => o.key);
	}

	private fromLogprobs(completion: ChatCompletion, shape: AnswerShape, attempts: number): Interpretation {
		const tokens = tokensOf(completion);
		const content = contentOf(completion);
		if (!tokens) {
			this.requireWellFormed(content, shape, attempts);
			throw new MissingLogprobsError();
		}
		if (shape === 'multiLabel') return this.multiLabel(content, tokens, attempts);

		let answerToken: TokenLogprob | undefined;
		let reasoning: string | undefined;
		if (shape === 'key') {
			answerToken = firstMeaningfulToken(tokens);
		} else {
			const parsed = parseJson(content, attempts);
			reasoning = typeof parsed.reasoning === 'string' ? parsed.reasoning : undefined;
			const offset = jsonValueOffset(content, 'category');
			answerToken = offset === undefined ? undefined : tokenAt(tokens, offset);
		}
		if (!answerToken) {
			throw new ModelAnswerError(`The model gave no category: ${JSON.stringify(content.slice(0, 200))}`, attempts);
		}
		const alternatives = answerToken.top_logprobs && answerToken.top_logprobs.length > 0 ? answerToken.top_logprobs : [answerToken];
		const distribution = keyDistribution(alternatives, this.keys());
		if (!distribution) {
			throw new ModelAnswerError(
				`The model answered ${JSON.stringify(normaliseToken(answerToken.token) || content.slice(0, 200))}, which is not one of the categories (${this.keys().join(', ')}).`,
				attempts,
			);
		}
		const confidence = Math.max(...Object.values(distribution));
		return { scores: distribution, confidence, confidenceSource: 'logprobs', reasoning };
	}

	/**
	 * Only an answer that is a category (or the JSON asked for, with its categories) shows that the
	 * endpoint gives no logprobs; anything else is the model's error, never a reason to fall back.
	 */
	private requireWellFormed(content: string, shape: AnswerShape, attempts: number): void {
		const keys = this.keys();
		if (shape === 'key') {
			const answer = normaliseToken(content.trim().split(/\s+/)[0] ?? '');
			if (!keys.includes(answer)) {
				throw new ModelAnswerError(`The model answered ${JSON.stringify(content.slice(0, 200))}, which is not one of the categories (${keys.join(', ')}).`, attempts);
			}
			return;
		}
		const parsed = parseJson(content, attempts);
		const wellFormed = shape === 'multiLabel' ? keys.every((key) => typeof parsed[key] === 'boolean') : keys.includes(String(parsed.category ?? ''));
		if (!wellFormed) throw new ModelAnswerError(`The model's answer does not name ${shape === 'multiLabel' ? 'true/false for every category' : 'one of the categories'}: ${JSON.stringify(content.slice(0, 200))}`, attempts);
	}

	private multiLabel(content: string, tokens: TokenLogprob[], attempts: number): Interpretation {
		parseJson(content, attempts);
		const scores: Record<string, number> = {};
		for (const key of this.keys()) {
			const offset = jsonValueOffset(content, key);
			const token = offset === undefined ? undefined : tokenAt(tokens, offset);
			const p = token ? booleanProbability(token) : undefined;
			if (p === undefined) {
				throw new ModelAnswerError(`The model's answer has no true/false for category ${key}: ${JSON.stringify(content.slice(0, 200))}`, attempts);
			}
			scores[key] = p;
		}
		return this.multiLabelResult(scores, 'logprobs');
	}

	private multiLabelResult(scores: Record<string, number>, source: AiResult['confidenceSource']): Interpretation {
		const threshold = this.settings.multiLabelThreshold;
		const labels = Object.keys(scores).filter((key) => scores[key] >= threshold);
		// The set is right when every per-category decision is right.
		const confidence = Object.values(scores).reduce((product, p) => product * (p >= threshold ? p : 1 - p), 1);
		return { scores, labels, confidence, confidenceSource: source };
	}

	private verbalized(completion: ChatCompletion, attempts: number): Interpretation {
		const content = contentOf(completion);
		const parsed = parseJson(content, attempts);
		const keys = this.keys();
		if (this.settings.multiLabel) {
			const scores: Record<string, number> = {};
			for (const key of keys) {
				if (typeof parsed[key] !== 'boolean') {
					throw new ModelAnswerError(`The model's answer has no true/false for category ${key}: ${JSON.stringify(content.slice(0, 200))}`, attempts);
				}
				// Without logprobs a yes/no carries no graded belief: report it as such.
				scores[key] = parsed[key] ? 1 : 0;
			}
			return this.multiLabelResult(scores, 'model');
		}
		const key = String(parsed.category ?? '');
		if (!keys.includes(key)) {
			throw new ModelAnswerError(`The model answered ${JSON.stringify(key)}, which is not one of the categories (${keys.join(', ')}).`, attempts);
		}
		const stated = typeof parsed.confidence === 'number' && parsed.confidence >= 0 && parsed.confidence <= 1 ? parsed.confidence : 0.5;
		const confidence = Math.max(stated, 1 / keys.length);
		const rest = keys.length > 1 ? (1 - confidence) / (keys.length - 1) : 0;
		const scores = Object.fromEntries(keys.map((k) => [k, k === key ? confidence : rest]));
		return { scores, confidence, confidenceSource: 'model' };
	}
}

function round(p: number): number {
	return Math.round(p * 1e6) / 1e6;
}
