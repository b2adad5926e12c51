// @ts-check
'use strict';
/**
 * Runs a background server program in the foreground of its own process group (Redis, HAProxy),
 * captures its output, waits until it is ready, and guards it (guard.js) so that it never
 * outlives the process that started it.
 */

const { spawn, execFileSync } = require('node:child_process');
const { waitFor } = require('./http');
const { guard } = require('./guard');

/**
 * The first of the env variable's value, `program` on PATH, and `/usr/sbin/<program>` and
 * `/usr/bin/<program>` (not always on a non-root PATH) that runs with `versionArg`.
 * @param {{ program: string, envVar: string, debianPackage: string, versionArg: string }} o
 * @returns {string}
 */
function findProgram({ program, envVar, debianPackage, versionArg }) {
	const candidates = [process.env[envVar], program, `/usr/sbin/${program}`, `/usr/bin/${program}`];
	for (const candidate of candidates) {
		if (!candidate) continue;
		try {
			execFileSync(candidate, [versionArg], { stdio: 'pipe' });
			return candidate;
		} catch {
			// next
		}
	}
	throw new Error(
		`${program} not found. Install it: apt-get install -y --no-install-recommends ` +
			`${debianPackage} (or set ${envVar})`,
	);
}

/**
 * Starts `program args` and waits until `ready()` answers true. On failure the server is stopped
 * and the error's message ends with the server's last output (a caller can look there for a port
 * clash and try another port).
 * @param {{ name: string, program: string, args: string[], cwd: string, removeDir?: string,
 *   ready: () => Promise<boolean>, startTimeoutMs?: number, stopTimeoutMs?: number,
 *   echo?: boolean }} o `removeDir`: removed by the watchdog if this process dies first.
 */
async function startServerProcess({
	name,
	program,
	args,
	cwd,
	removeDir,
	ready,
	startTimeoutMs = 20_000,
	stopTimeoutMs = 10_000,
	echo = false,
}) {
	let logText = '';
	const child = spawn(program, args, {
		cwd,
		stdio: ['ignore', 'pipe', 'pipe'],
		detached: process.platform !== 'win32',
	});
	const capture = (/** @type {string} */ chunk) => {
		logText += chunk;
		if (echo) process.stderr.write(chunk);
	};
	child.stdout?.setEncoding('utf8').on('data', capture);
	child.stderr?.setEncoding('utf8').on('data', capture);
	const exited = new Promise((resolve) => child.on('exit', resolve));
	/** @type {Error | undefined} */
	let spawnError;
	child.on('error', (err) => {
		spawnError = err;
	});
	const guarded = child.pid !== undefined ? guard({ pid: child.pid, removeDir }) : undefined;
	const running = () => child.exitCode === null && child.signalCode === null;

	const stop = async () => {
		if (running() && child.pid !== undefined) {
			child.kill('SIGTERM');
			const timer = setTimeout(() => child.kill('SIGKILL'), stopTimeoutMs);
			await exited;
			clearTimeout(timer);
		}
		guarded?.release();
	};

	try {
		await waitFor(
			async () => {
				if (spawnError) throw Object.assign(spawnError, { fatal: true });
				if (!running()) throw Object.assign(new Error(`${name} exited`), { fatal: true });
				return ready();
			},
			{ timeoutMs: startTimeoutMs, intervalMs: 100, description: name },
		);
	} catch (err) {
		await stop();
		const message = /** @type {Error} */ (err).message;
		throw new Error(`${message}; its last output:\n${logText.slice(-2000)}`);
	}

	return {
		/** The server's process id, undefined once it has exited. */
		get pid() {
			return running() ? child.pid : undefined;
		},
		/** Everything the server printed. */
		logText: () => logText,
		/** SIGTERM, SIGKILL after stopTimeoutMs; resolves once it has exited. */
		stop,
	};
}

module.exports = { startServerProcess, findProgram };
