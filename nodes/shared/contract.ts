/**
 * The item contract: the fields every node of this package reads and writes (see DESIGN.md).
 * One source of truth — node code, prompts, JSON schemas for structured outputs and the store all
 * derive from these schemas.
 */
import { z } from 'zod/v4';

export const probability = z.number().min(0).max(1);

export const engineName = z.enum(['openai', 'local', 'cascade']);
export type EngineName = z.infer<typeof engineName>;

export const usageSchema = z.object({
	inputTokens: z.number().int().nonnegative(),
	outputTokens: z.number().int().nonnegative(),
	costUsd: z.number().nonnegative().optional(),
});
export type Usage = z.infer<typeof usageSchema>;

export const checkSchema = z.object({
	name: z.string(),
	passed: z.boolean(),
	detail: z.string(),
	/** The check was not run: the values it needs were not asked for (passed stays true: nothing failed). */
	skipped: z.boolean().optional(),
});
export type Check = z.infer<typeof checkSchema>;

/**
 * What was done to the text before an engine saw it (Clean Input, Redact Before the Model): sizes,
 * flags and counts only — never a removed or redacted value. Metrics Logger's input drift reads it.
 */
export const inputSchema = z.object({
	/** Characters of the prepared text (what the engine saw). */
	characters: z.number().int().nonnegative(),
	/** ISO 639-1 of the prepared text; 'und' when unknown. */
	language: z.string(),
	/** The cleaned text, when Clean Input changed it: what the engine saw (before redaction), shown beside the original on the review page. */
	text: z.string().optional(),
	cleaned: z
		.object({
			html: z.boolean(),
			quotedHistory: z.boolean(),
			signature: z.boolean(),
			disclaimer: z.boolean(),
			unicode: z.boolean(),
			removedCharacters: z.number().int().nonnegative(),
		})
		.optional(),
	/** Values replaced by typed placeholders before the request left n8n, by kind. */
	redacted: z.partialRecord(z.enum(['email', 'phone', 'iban', 'card', 'nationalId', 'custom']), z.number().int().nonnegative()).optional(),
	/** Share of the text's words the trained local model has never seen (local and cascade engines). */
	unknownTokenShare: probability.optional(),
});
export type InputRecord = z.infer<typeof inputSchema>;

export const aiSchema = z.object({
	task: z.enum(['classify', 'extract']),
	label: z.string().optional(),
	labels: z.array(z.string()).optional(),
	scores: z.record(z.string(), probability).optional(),
	confidence: probability,
	confidenceSource: z.enum(['logprobs', 'model', 'local', 'checks']),
	fieldConfidence: z.record(z.string(), probability).optional(),
	checks: z.array(checkSchema).optional(),
	reasoning: z.string().optional(),
	engine: engineName,
	/** Which engine of a cascade answered. */
	tier: z.enum(['local', 'llm']).optional(),
	model: z.string().optional(),
	usage: usageSchema.optional(),
	latencyMs: z.number().nonnegative(),
	attempts: z.number().int().nonnegative(),
	truncated: z.boolean().optional(),
	at: z.string(),
	/** Where the answer came from beyond the engine's general rules, e.g. `vendorMemory` (learned from reviews). */
	evidence: z.record(z.string(), z.unknown()).optional(),
	/** The input as the engine saw it (AI Classify / Extract Invoice 1.1 and later). */
	input: inputSchema.optional(),
});
export type AiResult = z.infer<typeof aiSchema>;

export const routePath = z.enum(['auto', 'review', 'reject']);
export type RoutePath = z.infer<typeof routePath>;

export const routeSchema = z.object({
	path: routePath,
	reason: z.string(),
	threshold: z.number(),
	sampled: z.boolean().optional(),
});
export type Route = z.infer<typeof routeSchema>;

export const reviewDecision = z.enum(['approved', 'corrected', 'rejected']);
export type ReviewDecision = z.infer<typeof reviewDecision>;

export const reviewSchema = z.object({
	decision: reviewDecision,
	reviewer: z.string().optional(),
	comment: z.string().optional(),
	before: z.unknown(),
	after: z.unknown(),
	overridden: z.boolean(),
	decidedAt: z.string(),
	waitedMs: z.number().nonnegative(),
});
export type Review = z.infer<typeof reviewSchema>;

/** The contract fields as they may sit on an n8n item's json. */
export const contractItemSchema = z.looseObject({
	ai: aiSchema.optional(),
	route: routeSchema.optional(),
	review: reviewSchema.optional(),
});
export type ContractItem = z.infer<typeof contractItemSchema>;
