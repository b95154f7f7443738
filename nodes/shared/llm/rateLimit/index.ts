/** Rate-limit-aware pacing of LLM requests (see budget.ts for the model, limiter.ts for its use). */
export * from './budget';
export * from './headers';
export * from './estimate';
export * from './limiter';
export * from './sharedState';
