/**
 * Progress of a long model-backed execution in n8n's log: a line every half minute while items are
 * still open (a short execution logs nothing), with what the rate limit is and how often it was hit.
 */
import type { ChatRunner } from './runner';

export const PROGRESS_INTERVAL_MS = 30_000;

export interface ProgressLog {
	itemDone(failed: boolean): void;
	stop(): void;
}

function elapsed(ms: number): string {
	const seconds = Math.round(ms / 1000);
	return seconds < 60 ? `${seconds} s` : `${Math.floor(seconds / 60)} min ${seconds % 60} s`;
}

export function startProgressLog(options: {
	log: (message: string) => void;
	/** e.g. `AI Classify "Classify tickets"`. */
	what: string;
	total: number;
	runner: ChatRunner;
	model: string;
	intervalMs?: number;
}): ProgressLog {
	const started = Date.now();
	let done = 0;
	let failed = 0;
	let stopped = false;
	const report = () => {
		const { attempts, rateLimited } = options.runner.stats;
		const rate = done > 0 ? ` (${((done * 1000) / (Date.now() - started)).toFixed(1)} items/s)` : '';
		options.log(
			`${options.what}: ${done} of ${options.total} items done${failed ? `, ${failed} failed` : ''} after ${elapsed(Date.now() - started)}${rate}; ` +
				`${attempts} requests, ${rateLimited} answered 429; rate limit of ${options.model}: ${options.runner.limiterFor(options.model).describe()}`,
		);
	};
	const timer = setInterval(report, options.intervalMs ?? PROGRESS_INTERVAL_MS);
	timer.unref();
	return {
		itemDone(itemFailed) {
			done++;
			if (itemFailed) failed++;
		},
		stop() {
			if (stopped) return;
			stopped = true;
			clearInterval(timer);
			if (Date.now() - started >= (options.intervalMs ?? PROGRESS_INTERVAL_MS)) report();
		},
	};
}
