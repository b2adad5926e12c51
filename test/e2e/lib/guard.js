// @ts-check
'use strict';
/**
 * Keeps a background server the harness started (Postgres, Redis, haproxy) from outliving the
 * process that started it, as process.js does for n8n:
 * - an 'exit'/signal hook of this process signals the server at once;
 * - a small detached watchdog process signals it (then SIGKILL after 10 s) when this process is
 *   gone, even after a SIGKILL, and then removes the server's temporary folder.
 * release() is for a normal stop(): the hook is dropped and the watchdog exits by itself once the
 * server is gone.
 */

const { spawn } = require('node:child_process');

/** @typedef {{ pid: number, group: boolean, signal: NodeJS.Signals }} Guarded */

/** @type {Set<Guarded>} */
const guarded = new Set();
let hooksInstalled = false;

/** @param {Guarded} g @param {NodeJS.Signals} signal */
function signal(g, signal) {
	try {
		process.kill(g.group ? -g.pid : g.pid, signal);
	} catch {
		// already gone
	}
}

function signalAllNow() {
	for (const g of guarded) signal(g, g.signal);
	guarded.clear();
}

function installHooks() {
	if (hooksInstalled) return;
	hooksInstalled = true;
	onExitOrSignal(signalAllNow);
}

/**
 * Runs `cleanup` when this process exits or gets SIGINT, SIGTERM or SIGHUP; after a signal it
 * re-raises it unless another listener handles it.
 * @param {() => void} cleanup
 */
function onExitOrSignal(cleanup) {
	process.on('exit', cleanup);
	for (const sig of /** @type {NodeJS.Signals[]} */ (['SIGINT', 'SIGTERM', 'SIGHUP'])) {
		const onSignal = () => {
			cleanup();
			process.removeListener(sig, onSignal);
			// If nobody else handles the signal, behave as if we had not been here.
			if (process.listenerCount(sig) === 0) process.kill(process.pid, sig);
		};
		process.on(sig, onSignal);
	}
}

/**
 * @param {{ pid: number, group?: boolean, signal?: NodeJS.Signals, removeDir?: string }} o
 *   `pid` of the server (with `group`, the id of its process group); `signal` ends it quickly
 *   (default SIGTERM; Postgres wants SIGQUIT for an immediate stop); `removeDir` is deleted by the
 *   watchdog once the server is gone after this process died.
 * @returns {{ release(): void }}
 */
function guard({ pid, group = false, signal: sig = 'SIGTERM', removeDir }) {
	/** @type {Guarded} */
	const g = { pid, group, signal: sig };
	guarded.add(g);
	installHooks();
	if (process.platform !== 'win32') {
		const script = `
			const fs = require('fs');
			const [parent, pid, group, sig, dir] = process.argv.slice(1);
			const target = group === '1' ? -Number(pid) : Number(pid);
			const alive = (p) => { try { process.kill(p, 0); return true; } catch (e) { return e.code === 'EPERM'; } };
			const clean = () => { if (dir) { try { fs.rmSync(dir, { recursive: true, force: true }); } catch {} } process.exit(0); };
			let ending = false;
			setInterval(() => {
				const parentAlive = alive(Number(parent));
				if (!alive(Number(pid))) return parentAlive ? process.exit(0) : clean();
				if (!parentAlive && !ending) {
					ending = true;
					try { process.kill(target, sig); } catch {}
					const started = Date.now();
					const wait = setInterval(() => {
						if (!alive(Number(pid))) { clearInterval(wait); clean(); }
						else if (Date.now() - started > 10000) { try { process.kill(target, 'SIGKILL'); } catch {} }
					}, 200);
				}
			}, 1000);`;
		const dog = spawn(
			process.execPath,
			['-e', script, String(process.pid), String(pid), group ? '1' : '0', sig, removeDir ?? ''],
			{ detached: true, stdio: 'ignore' },
		);
		dog.unref();
	}
	return {
		release() {
			guarded.delete(g);
		},
	};
}

module.exports = { guard, onExitOrSignal };
