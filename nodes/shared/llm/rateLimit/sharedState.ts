/**
 * Where a rate budget lives. Every adapter offers one operation — replace a key's value atomically
 * with a function of the current value and the store's clock — so the budget logic (budget.ts) is
 * written once and runs the same over process memory, Redis and PostgreSQL. The function may be
 * called more than once (optimistic stores retry it on a conflict); it must be pure.
 */
export type StateUpdate = (current: string | undefined, now: number) => string;

export interface SharedStateStore {
	/** For messages: "this n8n process", "Redis at 127.0.0.1:6379"… */
	readonly description: string;
	/** Whether other processes see the same values. */
	readonly shared: boolean;
	update(key: string, update: StateUpdate): Promise<void>;
	close?(): Promise<void>;
}

/** Unused budgets are dropped after this long (their buckets are full again long before). */
export const STATE_TTL_MS = 60 * 60_000;

/** One process's budgets: shared by every item and execution in it; JavaScript runs each update alone. */
export class MemoryStateStore implements SharedStateStore {
	readonly description = 'this n8n process';
	readonly shared = false;
	private readonly values = new Map<string, { value: string; touched: number }>();

	constructor(private readonly now: () => number = Date.now) {}

	async update(key: string, update: StateUpdate): Promise<void> {
		const now = this.now();
		const next = update(this.values.get(key)?.value, now);
		this.values.set(key, { value: next, touched: now });
		if (this.values.size > 1000) {
			for (const [other, entry] of this.values) if (now - entry.touched > STATE_TTL_MS) this.values.delete(other);
		}
	}
}
