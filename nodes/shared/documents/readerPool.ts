/**
 * Reader processes, seen from n8n's process: documents are read in a child process (readerChild.ts)
 * with a memory limit and a time limit, one document at a time per process, so that a decoder that
 * crashes (a segfault also ends every thread of its process), allocates gigabytes or never finishes
 * fails only the item it was reading. A process is started on first use, reused between items and
 * executions (OCR stays warm), replaced after a failure, and stopped after a while idle or when n8n's
 * process ends; it never outlives n8n (readerChild.ts watches its parent).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Semaphore } from '../llm/runner';
import { readerLimits, type ReaderLimits } from './limits';
import type { ReaderReply, ReaderRequest } from './readerProtocol';
import { DocumentError } from './types';

/** The environment a reader process gets: enough to run, none of n8n's settings or secrets. */
const CHILD_ENVIRONMENT = ['PATH', 'HOME', 'TMPDIR', 'TMP', 'TEMP', 'LANG', 'LC_ALL', 'LC_CTYPE', 'TZ'];
/** How often memory and time are checked while a document is read. */
const WATCH_INTERVAL_MS = 100;
/** A process that holds this share of its memory limit after a document is replaced, not reused. */
const RECYCLE_AT = 0.8;

type WithoutId<T> = T extends unknown ? Omit<T, 'id'> : never;
type Request = WithoutId<ReaderRequest>;

function childCommand(): { modulePath: string; args: string[] } {
	const compiled = join(__dirname, 'readerChild.js');
	if (existsSync(compiled)) return { modulePath: compiled, args: [] };
	// Run from the TypeScript sources (jest, scripts/run-ts.js): the repository's runner loads the child.
	return { modulePath: join(__dirname, '..', '..', '..', 'scripts', 'run-ts.js'), args: [join(__dirname, 'readerChild.ts')] };
}

function childEnvironment(): NodeJS.ProcessEnv {
	const env: NodeJS.ProcessEnv = { AIW_READER_PARENT_PID: String(process.pid) };
	for (const key of CHILD_ENVIRONMENT) if (process.env[key] !== undefined) env[key] = process.env[key];
	return env;
}

/** Resident memory of a process in bytes (Linux /proc); undefined where it cannot be read. */
export function residentBytes(pid: number | undefined): number | undefined {
	if (!pid) return undefined;
	try {
		const match = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, 'latin1'));
		return match ? Number(match[1]) * 1024 : undefined;
	} catch {
		return undefined;
	}
}

const readerFailed = (message: string, hint: string) => new DocumentError('READER_FAILED', message, hint);

let nextId = 0;

class ReaderProcess {
	private readonly child: ChildProcess;
	readonly ready: Promise<void>;
	private pending: { id: number; resolve: (value: unknown) => void; reject: (error: Error) => void; deadline: number } | undefined;
	private watch: NodeJS.Timeout | undefined;
	private idleTimer: NodeJS.Timeout | undefined;
	private stderrTail = '';
	private stoppedFor: 'memory' | 'time' | undefined;
	private exited = false;

	constructor(
		private readonly limits: ReaderLimits,
		private readonly onGone: (reader: ReaderProcess) => void,
	) {
		const { modulePath, args } = childCommand();
		// Deliberate: only a process of its own isolates a native decoder's segfault (it ends every
		// thread of its process). A fixed module of this package, no shell, no user input in the command.
		// eslint-disable-next-line @n8n/community-nodes/no-dangerous-functions
		this.child = fork(modulePath, args, {
			execArgv: [`--max-old-space-size=${limits.memoryMb}`],
			env: childEnvironment(),
			serialization: 'advanced',
			stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
		});
		this.child.stderr?.on('data', (chunk: Buffer) => {
			this.stderrTail = (this.stderrTail + chunk.toString('utf8')).slice(-4000);
		});
		this.ready = new Promise<void>((resolve, reject) => {
			this.child.on('message', (reply: ReaderReply) => {
				if (reply.type === 'ready') resolve();
				else this.onReply(reply);
			});
			this.child.on('error', (error) => reject(readerFailed(`The document reader could not start: ${error.message}`, 'Check that n8n can start Node.js processes.')));
			this.child.on('exit', (code, signal) => {
				this.exited = true;
				reject(readerFailed(`The document reader stopped while starting (${signal ?? `exit code ${code}`}): ${this.stderrTail.trim().slice(-500)}`, 'Reinstall the package; check that n8n can start Node.js processes.'));
				this.onExit(code, signal);
			});
		});
		this.ready.catch(() => undefined);
		this.setReferenced(false);
	}

	get pid(): number | undefined {
		return this.child.pid;
	}

	get alive(): boolean {
		return !this.exited;
	}

	async request(request: Request): Promise<unknown> {
		this.clearIdle();
		this.setReferenced(true);
		try {
			await this.ready;
			return await new Promise<unknown>((resolve, reject) => {
				const id = ++nextId;
				this.pending = { id, resolve, reject, deadline: Date.now() + this.limits.documentSeconds * 1000 };
				this.stoppedFor = undefined;
				this.watch = setInterval(() => this.check(), WATCH_INTERVAL_MS);
				this.child.send({ ...request, id } as ReaderRequest, (error) => {
					if (error && this.pending?.id === id) this.settle((p) => p.reject(readerFailed(`The document could not be sent to the reader: ${error.message}`, 'Try again; the reader process is restarted.')));
				});
			});
		} finally {
			this.setReferenced(false);
		}
	}

	/** Stopped after `seconds` without work (a timer that does not keep n8n's process alive). */
	idleFor(seconds: number): void {
		this.clearIdle();
		this.idleTimer = setTimeout(() => this.stop(), seconds * 1000);
		this.idleTimer.unref();
	}

	/** Holds more memory after a document than a fresh process would: better replaced. */
	get bloated(): boolean {
		const rss = residentBytes(this.child.pid);
		return rss !== undefined && rss > this.limits.memoryMb * 1024 * 1024 * RECYCLE_AT;
	}

	stop(): void {
		this.clearIdle();
		if (!this.exited) this.child.kill('SIGKILL');
	}

	private clearIdle(): void {
		if (this.idleTimer) clearTimeout(this.idleTimer);
		this.idleTimer = undefined;
	}

	/** Only while a document is read does the reader keep n8n's (or a script's) event loop alive. */
	private setReferenced(referenced: boolean): void {
		const handles = [this.child, this.child.channel, this.child.stderr] as Array<{ ref?: () => void; unref?: () => void } | null | undefined>;
		for (const handle of handles) (referenced ? handle?.ref : handle?.unref)?.call(handle);
	}

	private check(): void {
		const pending = this.pending;
		if (!pending) return;
		const rss = residentBytes(this.child.pid);
		if (rss !== undefined && rss > this.limits.memoryMb * 1024 * 1024) {
			this.stoppedFor = 'memory';
			this.child.kill('SIGKILL');
		} else if (Date.now() > pending.deadline) {
			this.stoppedFor = 'time';
			this.child.kill('SIGKILL');
		}
	}

	private settle(action: (pending: NonNullable<ReaderProcess['pending']>) => void): void {
		const pending = this.pending;
		if (!pending) return;
		this.pending = undefined;
		if (this.watch) clearInterval(this.watch);
		this.watch = undefined;
		action(pending);
	}

	private onReply(reply: ReaderReply): void {
		if (reply.type === 'ready' || reply.id !== this.pending?.id) return;
		if (reply.type === 'progress') {
			this.pending.deadline += this.limits.pageSeconds * 1000;
		} else if (reply.type === 'result') {
			this.settle((p) => p.resolve(reply.value));
		} else {
			const { code, message, hint } = reply.error;
			this.settle((p) =>
				p.reject(
					code
						? new DocumentError(code, message, hint ?? '')
						: new DocumentError('CORRUPT', `The document could not be read: ${message}`, 'The file is damaged or not a complete document: download or export it again.'),
				),
			);
		}
	}

	private onExit(code: number | null, signal: NodeJS.Signals | null): void {
		this.exited = true;
		this.clearIdle();
		const outOfMemory = this.stoppedFor === 'memory' || /heap out of memory|Allocation failed|Reached heap limit/i.test(this.stderrTail);
		this.settle((p) => {
			if (outOfMemory) {
				p.reject(
					readerFailed(
						`Reading the document needed more than ${this.limits.memoryMb} MB of memory, the reader's limit; it was stopped`,
						'The file holds far more than an invoice (for example a compression bomb, or huge embedded images): send a smaller or cleaner file. The limit is set by AIW_READER_MEMORY_MB.',
					),
				);
			} else if (this.stoppedFor === 'time') {
				p.reject(
					readerFailed(
						`Reading the document took longer than its time limit (${this.limits.documentSeconds} s, plus ${this.limits.pageSeconds} s for every page OCR'd); it was stopped`,
						'The file is damaged or far more complex than an invoice: export or scan it again. The limits are set by AIW_READER_DOCUMENT_SECONDS and AIW_READER_PAGE_SECONDS.',
					),
				);
			} else {
				p.reject(
					readerFailed(
						`The document crashed its decoder (the reader process ended with ${signal ?? `exit code ${code}`}); n8n is unaffected`,
						'The file is damaged or uses a format variant the decoder cannot handle: export or scan it again as PDF, PNG or JPEG.',
					),
				);
			}
		});
		this.onGone(this);
	}
}

/** Reader processes of this n8n process: at most `limits.processes` documents are read at once. */
export class ReaderPool {
	private readonly idle: ReaderProcess[] = [];
	private readonly running = new Set<ReaderProcess>();
	private readonly slots: Semaphore;

	constructor(private readonly limits: ReaderLimits = readerLimits()) {
		this.slots = new Semaphore(Math.max(1, limits.processes));
		process.once('exit', () => this.stopAll());
	}

	async read(request: Request): Promise<unknown> {
		return await this.slots.run(async () => {
			const reader = this.idle.pop() ?? this.start();
			let reusable = false;
			try {
				const value = await reader.request(request);
				reusable = true;
				return value;
			} catch (error) {
				// A document error (damaged, no text…) leaves the process sound; anything else replaces it.
				reusable = error instanceof DocumentError && error.code !== 'READER_FAILED';
				throw error;
			} finally {
				if (reusable && reader.alive && !reader.bloated) {
					this.idle.push(reader);
					reader.idleFor(this.limits.idleSeconds);
				} else {
					reader.stop();
				}
			}
		});
	}

	/** Process ids of the running reader processes (for tests and diagnostics). */
	get processIds(): number[] {
		return [...this.running].map((reader) => reader.pid).filter((pid): pid is number => pid !== undefined);
	}

	stopAll(): void {
		for (const reader of this.running) reader.stop();
	}

	private start(): ReaderProcess {
		const reader = new ReaderProcess(this.limits, (gone) => {
			this.running.delete(gone);
			const index = this.idle.indexOf(gone);
			if (index >= 0) this.idle.splice(index, 1);
		});
		this.running.add(reader);
		return reader;
	}
}

let shared: ReaderPool | undefined;

/** The reader processes of this n8n process (one pool, whichever node or execution asks). */
export function documentReaders(): ReaderPool {
	shared ??= new ReaderPool();
	return shared;
}
