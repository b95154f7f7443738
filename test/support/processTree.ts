/** Resident memory of a process and its descendants, from Linux /proc, sampled while a test runs. */
import { readdirSync, readFileSync } from 'node:fs';

interface ProcessInfo {
	pid: number;
	ppid: number;
	rssBytes: number;
	command: string;
}

function processes(): ProcessInfo[] {
	const list: ProcessInfo[] = [];
	for (const entry of readdirSync('/proc')) {
		if (!/^\d+$/.test(entry)) continue;
		try {
			const status = readFileSync(`/proc/${entry}/status`, 'latin1');
			const ppid = Number(/PPid:\s+(\d+)/.exec(status)?.[1] ?? 0);
			const rss = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) * 1024;
			const command = readFileSync(`/proc/${entry}/cmdline`, 'latin1').split('\0').join(' ').trim();
			list.push({ pid: Number(entry), ppid, rssBytes: rss, command });
		} catch {
			// the process ended while being read
		}
	}
	return list;
}

/** The process and all its descendants. */
export function processTree(rootPid: number): ProcessInfo[] {
	const all = processes();
	const tree = all.filter((p) => p.pid === rootPid);
	for (let i = 0; i < tree.length; i++) for (const child of all) if (child.ppid === tree[i].pid) tree.push(child);
	return tree;
}

/** The n8n process the harness's watchdog started. */
export function n8nMainPid(watchdogPid: number): number {
	const main = processes().find((p) => p.ppid === watchdogPid && /\bn8n\b/.test(p.command));
	if (!main) throw new Error(`no n8n process under the watchdog ${watchdogPid}`);
	return main.pid;
}

/** Samples the tree's resident memory every `intervalMs` until stopped; keeps the peak and when it was. */
export class MemorySampler {
	peakBytes = 0;
	peakProcesses: Array<{ pid: number; rssMb: number; command: string }> = [];
	samples = 0;
	/** What the test is doing (set by the test), and what it was doing at the peak. */
	phase = '';
	peakPhase = '';
	/** The highest total and the highest root-process resident memory seen in each phase, in bytes. */
	readonly phasePeaks = new Map<string, { total: number; root: number }>();
	/** The root process's highest resident memory, and each other process's by command line. */
	peakRootBytes = 0;
	private readonly childPeaks = new Map<number, { command: string; bytes: number }>();
	private readonly timer: NodeJS.Timeout;

	constructor(
		private readonly rootPid: number,
		intervalMs = 100,
	) {
		this.timer = setInterval(() => this.sample(), intervalMs);
		this.sample();
	}

	sample(): number {
		const tree = processTree(this.rootPid);
		const total = tree.reduce((sum, p) => sum + p.rssBytes, 0);
		this.samples++;
		const root = tree.find((p) => p.pid === this.rootPid)?.rssBytes ?? 0;
		this.peakRootBytes = Math.max(this.peakRootBytes, root);
		for (const p of tree) {
			if (p.pid === this.rootPid) continue;
			const seen = this.childPeaks.get(p.pid);
			if (!seen || p.rssBytes > seen.bytes) this.childPeaks.set(p.pid, { command: p.command, bytes: p.rssBytes });
		}
		const peaks = this.phasePeaks.get(this.phase) ?? { total: 0, root: 0 };
		this.phasePeaks.set(this.phase, { total: Math.max(peaks.total, total), root: Math.max(peaks.root, root) });
		if (total > this.peakBytes) {
			this.peakBytes = total;
			this.peakPhase = this.phase;
			this.peakProcesses = tree.map((p) => ({ pid: p.pid, rssMb: Math.round(p.rssBytes / 1048576), command: p.command.slice(0, 80) }));
		}
		return total;
	}

	/** The highest resident memory any one child process whose command line contains `marker` reached. */
	peakChildBytes(marker: string): number {
		return Math.max(0, ...[...this.childPeaks.values()].filter((p) => p.command.includes(marker)).map((p) => p.bytes));
	}

	stop(): void {
		clearInterval(this.timer);
	}
}
