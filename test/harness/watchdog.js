// Runs n8n as its child, in the process group this watchdog leads, and ends the whole group when the
// test process that started it disappears (a killed or crashed jest worker must not leave n8n running).
//   node watchdog.js <test process pid> <node binary> <n8n bin script> <n8n command...>
'use strict';
const { spawn } = require('node:child_process');

const [ownerPid, nodeBinary, n8nScript, ...command] = process.argv.slice(2);
const removeIfOrphaned = process.env.AIW_WATCHDOG_REMOVE;
delete process.env.AIW_WATCHDOG_REMOVE;
const child = spawn(nodeBinary, [n8nScript, ...command], { stdio: 'inherit' });

const isAlive = (pid) => {
	try {
		process.kill(pid, 0);
		return true;
	} catch (error) {
		return error.code === 'EPERM';
	}
};

let ending = false;
const endGroup = () => {
	if (ending) return;
	ending = true;
	try {
		process.kill(-process.pid, 'SIGTERM');
	} catch {}
	setTimeout(() => {
		try {
			process.kill(-process.pid, 'SIGKILL');
		} catch {}
	}, 10_000).unref();
};

const watch = setInterval(() => {
	if (!isAlive(Number(ownerPid))) endGroup();
}, 1_000);

// A SIGTERM to the group reaches n8n directly; the watchdog stays until n8n has gone.
process.on('SIGTERM', () => {});
process.on('SIGINT', () => {});

child.on('exit', (code, signal) => {
	clearInterval(watch);
	if (ending && removeIfOrphaned) {
		require('node:fs').rmSync(removeIfOrphaned, { recursive: true, force: true });
	}
	process.exit(code ?? (signal ? 1 : 0));
});
