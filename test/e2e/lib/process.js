// @ts-check
'use strict';
/**
 * Runs one n8n process (`n8n start`, `n8n webhook` or `n8n worker`) from ensureRuntime() and waits
 * until it is ready. Talking to it is api.js's job; n8n.js puts the two together.
 *
 * Each process runs in its own process group (n8n starts a task-runner child of its own); stop()
 * ends the whole group. A process 'exit'/signal hook and a small watchdog process make sure no n8n
 * survives the process that started it, even when that process is killed.
 *
 * Readiness, as n8n 2.40.7's dist does it:
 * - start (commands/start.js): logs "Editor is now accessible via" once the editor, the webhooks and
 *   the active workflows are up; GET /healthz then answers 200.
 * - webhook (commands/webhook.js): listens on N8N_PORT (AbstractServer), mounts the production
 *   webhook routes, calls markAsReady() and logs "Webhook listener waiting for requests.".
 *   GET /healthz answers as soon as the port listens, before the routes exist, so readiness is
 *   GET /healthz/readiness (200 once the database is connected and migrated and markAsReady ran).
 *   It refuses to start unless EXECUTIONS_MODE=queue.
 * - worker (commands/worker.js): serves no editor and no webhooks; with QUEUE_HEALTH_CHECK_ACTIVE=true
 *   it runs a plain-HTTP server on QUEUE_HEALTH_CHECK_PORT (scaling/worker-server.js) whose
 *   GET /healthz/readiness answers 200 once the database and Redis are connected and the worker
 *   takes jobs; then it logs "n8n worker is now ready".
 */

const fs = require('node:fs');
const path = require('node:path');
const os = require('node:os');
const { spawn } = require('node:child_process');
const ANSI_COLOUR = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g');
const { ensureCert } = require('./tls');
const { onExitOrSignal } = require('./guard');
const { installPackage } = require('./pack');
const { npmEnv } = require('./runtime');
const { request, waitFor, sleep, twoFreePorts, freePort } = require('./http');

/**
 * @typedef {import('./runtime').Runtime} Runtime
 * @typedef {(line: string) => void} LogFn
 * @typedef {'start' | 'webhook' | 'worker'} N8nCommand
 * @typedef {{
 *   runtime: Runtime,
 *   command?: N8nCommand,
 *   https?: boolean,
 *   port?: number,
 *   webhookUrl?: string,
 *   env?: Record<string, string>,
 *   userFolder?: string,
 *   installPackage?: boolean,
 *   tarball?: string,
 *   log?: LogFn,
 *   startTimeoutMs?: number,
 *   echo?: boolean,
 * }} N8nProcessOptions
 */

/**
 * What each command prints once it is up, and where its readiness answers.
 * @type {Record<N8nCommand, { readyLine: string, healthPath: string }>}
 */
const READINESS = {
	start: { readyLine: 'Editor is now accessible via', healthPath: '/healthz' },
	webhook: {
		readyLine: 'Webhook listener waiting for requests.',
		healthPath: '/healthz/readiness',
	},
	worker: { readyLine: 'n8n worker is now ready', healthPath: '/healthz/readiness' },
};

/** @type {LogFn} */
function defaultLog(line) {
	process.stderr.write(`[e2e n8n] ${line}\n`);
}

// --- orphan protection -------------------------------------------------------------------------

/** @type {Set<import('node:child_process').ChildProcess>} */
const running = new Set();
let hooksInstalled = false;

/**
 * Signals n8n's whole process group (n8n and its task runner). With `evenIfExited`, the group is
 * signalled after n8n itself has exited too, to catch a task runner left behind.
 * @param {import('node:child_process').ChildProcess} child
 * @param {NodeJS.Signals} signal
 * @param {boolean} [evenIfExited]
 */
function killGroup(child, signal, evenIfExited = false) {
	if (child.pid === undefined) return;
	const leaderGone = child.exitCode !== null || child.signalCode !== null;
	if (leaderGone && !evenIfExited) return;
	try {
		if (process.platform === 'win32') child.kill(signal);
		else process.kill(-child.pid, signal);
	} catch {
		if (leaderGone) return; // ESRCH: nothing left in the group
		try {
			child.kill(signal);
		} catch {
			// already gone
		}
	}
}

function killAllNow() {
	for (const child of running) killGroup(child, 'SIGKILL');
	running.clear();
}

function installExitHooks() {
	if (hooksInstalled) return;
	hooksInstalled = true;
	onExitOrSignal(killAllNow);
}

/**
 * A detached watchdog that kills n8n's process group when the process that started it dies,
 * even by SIGKILL (where no exit hook runs). It exits by itself once n8n is gone.
 * @param {number} n8nPid
 */
function startWatchdog(n8nPid) {
	if (process.platform === 'win32') return;
	const script = `
		const [parent, group] = process.argv.slice(1).map(Number);
		const alive = (pid) => { try { process.kill(pid, 0); return true; } catch (e) { return e.code === 'EPERM'; } };
		setInterval(() => {
			if (!alive(group)) process.exit(0);
			if (!alive(parent)) {
				try { process.kill(-group, 'SIGTERM'); } catch {}
				setTimeout(() => { try { process.kill(-group, 'SIGKILL'); } catch {} process.exit(0); }, 10000);
			}
		}, 1000);`;
	const dog = spawn(process.execPath, ['-e', script, String(process.pid), String(n8nPid)], {
		detached: true,
		stdio: 'ignore',
	});
	dog.unref();
}

// --- one n8n process ---------------------------------------------------------------------------

/**
 * Starts `n8n <command>` and waits until it is ready (see the opening comment).
 * - `command` (default 'start').
 * - `port`: the port to serve on (N8N_PORT; for a worker its health port, QUEUE_HEALTH_CHECK_PORT).
 *   Default: a free one, replaced if another process takes it first. Give one when another process
 *   must know the URL before this one starts (e.g. the main's WEBHOOK_URL naming a webhook process).
 * - `webhookUrl`: WEBHOOK_URL, the base of the production webhook URLs n8n hands to triggers.
 *   Default: this process's own URL for start and webhook; unset for a worker.
 * - `userFolder`: N8N_USER_FOLDER. Default: a new temporary folder, removed by stop(). Webhook
 *   processes and workers share the main's folder (its encryption key and installed package).
 * - `installPackage` (default true for 'start', false otherwise): pack the repository (or use
 *   `tarball`) and install it into the user folder first, as n8n's Community Nodes installer would.
 * - `env`: extra environment (database, Redis, EXECUTIONS_MODE, N8N_ENCRYPTION_KEY, ...); it wins
 *   over everything set here.
 * - `echo`: also copy n8n's output to stderr (or set VOXPRIA_E2E_ECHO=1).
 * @param {N8nProcessOptions} opts
 */
async function startN8nProcess(opts) {
	const {
		runtime,
		command = 'start',
		https: useHttps = true,
		env: baseEnv = {},
		log = defaultLog,
		startTimeoutMs = 180_000,
		echo = process.env.VOXPRIA_E2E_ECHO === '1',
	} = opts;
	if (!(command in READINESS)) throw new Error(`unknown n8n command '${command}'`);
	const { readyLine, healthPath } = READINESS[command];
	const isWorker = command === 'worker';
	const ownFolder = !opts.userFolder;
	const userFolder = opts.userFolder ?? fs.mkdtempSync(path.join(os.tmpdir(), 'voxpria-n8n-e2e-'));
	fs.mkdirSync(userFolder, { recursive: true });

	if (opts.installPackage ?? command === 'start') {
		const t = Date.now();
		const installed = installPackage({ userFolder, tarball: opts.tarball });
		log(
			`installed ${installed.name}@${installed.version} into ${installed.packageDir} (${Date.now() - t} ms)`,
		);
	}

	// A worker's health server is always plain HTTP (scaling/worker-server.js uses node:http).
	const protocol = useHttps && !isWorker ? 'https' : 'http';
	const cert = protocol === 'https' ? ensureCert({ cacheDir: runtime.cacheDir }) : undefined;
	const fixedPort = opts.port !== undefined;
	let [port, brokerPort] = fixedPort
		? [/** @type {number} */ (opts.port), await freePort()]
		: await twoFreePorts();
	// Processes sharing a user folder each keep their own log.
	const logFile = path.join(
		userFolder,
		command === 'start' ? 'n8n.log' : `n8n-${command}-${port}.log`,
	);

	let logText = '';
	/** @type {import('node:child_process').ChildProcess | undefined} */
	let child;
	/** @type {Promise<void> | undefined} */
	let exited;
	/** @type {Record<string, string>} */
	let currentExtraEnv = {};

	/** @param {string} chunk */
	const capture = (chunk) => {
		// Colour codes (ESC [ … m); the escape is built from its code so that no regex holds a control character.
		const clean = chunk.replace(ANSI_COLOUR, '');
		logText += clean;
		try {
			fs.appendFileSync(logFile, clean);
		} catch {
			// user folder already removed by stop(): the in-memory copy is enough
		}
		if (echo) process.stderr.write(clean);
	};

	const urlFor = () => `${protocol}://localhost:${port}`;

	/** @param {Record<string, string>} extraEnv */
	const buildEnv = (extraEnv) => {
		const env = npmEnv();
		// Never inherit these: jest sets NODE_ENV=test, which makes n8n refuse to load nodes
		// ("Not available in tests"); n8n calls the sandbox over plain http and must verify TLS normally.
		for (const key of [
			'NODE_ENV',
			'NODE_TLS_REJECT_UNAUTHORIZED',
			'NODE_OPTIONS',
			'JEST_WORKER_ID',
			'NODE_PATH',
		]) {
			delete env[key];
		}
		for (const key of Object.keys(env)) {
			if (key.startsWith('N8N_') || key.startsWith('QUEUE_') || key === 'WEBHOOK_URL') {
				delete env[key];
			}
		}
		const webhookUrl = opts.webhookUrl ?? (isWorker ? undefined : `${urlFor()}/`);
		return {
			...env,
			PATH: `${path.dirname(runtime.node)}${path.delimiter}${process.env.PATH ?? ''}`,
			NO_COLOR: '1',
			N8N_USER_FOLDER: userFolder,
			...(isWorker
				? { QUEUE_HEALTH_CHECK_ACTIVE: 'true', QUEUE_HEALTH_CHECK_PORT: String(port) }
				: { N8N_PORT: String(port) }),
			N8N_HOST: 'localhost',
			N8N_RUNNERS_BROKER_PORT: String(brokerPort),
			N8N_PROTOCOL: protocol,
			...(cert ? { N8N_SSL_KEY: cert.key, N8N_SSL_CERT: cert.cert } : {}),
			...(webhookUrl ? { WEBHOOK_URL: webhookUrl } : {}),
			N8N_DIAGNOSTICS_ENABLED: 'false',
			N8N_VERSION_NOTIFICATIONS_ENABLED: 'false',
			N8N_PERSONALIZATION_ENABLED: 'false',
			N8N_ENFORCE_SETTINGS_FILE_PERMISSIONS: 'true',
			N8N_LOG_OUTPUT: 'console',
			...baseEnv,
			...extraEnv,
		};
	};

	const stopProcess = async (timeoutMs = 20_000) => {
		const proc = child;
		if (!proc || !exited) return;
		if (proc.exitCode === null && proc.signalCode === null) {
			killGroup(proc, 'SIGTERM');
			const timer = setTimeout(() => killGroup(proc, 'SIGKILL'), timeoutMs);
			await exited;
			clearTimeout(timer);
		}
		// A task runner or anything else left in the group goes too.
		killGroup(proc, 'SIGKILL', true);
		running.delete(proc);
	};

	/** @param {Record<string, string>} extraEnv */
	const launch = async (extraEnv) => {
		const t0 = Date.now();
		const mark = logText.length;
		capture(
			`\n===== n8n ${command} ${new Date().toISOString()} port ${port} broker ${brokerPort} =====\n`,
		);
		const proc = spawn(runtime.node, [runtime.n8nBin, command], {
			cwd: userFolder,
			env: buildEnv(extraEnv),
			stdio: ['ignore', 'pipe', 'pipe'],
			detached: process.platform !== 'win32',
		});
		child = proc;
		running.add(proc);
		installExitHooks();
		if (proc.pid !== undefined) startWatchdog(proc.pid);
		proc.stdout?.setEncoding('utf8').on('data', capture);
		proc.stderr?.setEncoding('utf8').on('data', capture);
		exited = new Promise((resolve) => {
			proc.on('exit', (code, signal) => {
				running.delete(proc);
				capture(`\n===== n8n exited (${signal ?? `code ${code}`}) =====\n`);
				resolve();
			});
		});
		/** @type {Error | undefined} */
		let spawnError;
		proc.on('error', (err) => {
			spawnError = err;
		});

		await waitFor(
			async () => {
				if (spawnError) throw Object.assign(spawnError, { fatal: true });
				if (proc.exitCode !== null || proc.signalCode !== null) {
					throw Object.assign(new Error(`n8n ${command} exited during start`), { fatal: true });
				}
				if (!logText.slice(mark).includes(readyLine)) return false;
				const res = await request(`${urlFor()}${healthPath}`, { timeoutMs: 5000 });
				return res.status === 200;
			},
			{
				timeoutMs: startTimeoutMs,
				intervalMs: 250,
				description: `n8n ${command} ready on ${urlFor()}`,
			},
		).catch(async (err) => {
			await stopProcess();
			const tail = logText.slice(mark).split('\n').slice(-60).join('\n');
			throw new Error(`${err.cause?.message ?? err.message}; log ${logFile}, last lines:\n${tail}`);
		});
		log(
			`n8n ${command} ready on ${urlFor()} in ${((Date.now() - t0) / 1000).toFixed(1)} s (user folder ${userFolder})`,
		);
	};

	const startWithRetries = async (
		/** @type {Record<string, string>} */ extraEnv,
		pickNewPorts = !fixedPort,
	) => {
		for (let attempt = 1; ; attempt++) {
			try {
				await launch(extraEnv);
				return;
			} catch (err) {
				// A port taken between freePort() and n8n's listen(): try other ports.
				const portClash = /EADDRINUSE|already in use/.test(
					String(/** @type {Error} */ (err).message),
				);
				if (!portClash || attempt >= 3) throw err;
				if (pickNewPorts) [port, brokerPort] = await twoFreePorts();
				else await sleep(2000);
				log(`port clash (${port}/${brokerPort}), retrying start`);
			}
		}
	};

	await startWithRetries({});

	return {
		command,
		get url() {
			return urlFor();
		},
		/** Base for production webhook URLs, with a trailing slash: `${webhookBase}webhook/<path>`. */
		get webhookBase() {
			return `${urlFor()}/`;
		},
		get port() {
			return port;
		},
		/** The running process's id (its process group's id), undefined when stopped. */
		get pid() {
			return child && child.exitCode === null && child.signalCode === null ? child.pid : undefined;
		},
		userFolder,
		logFile,
		/** Everything n8n printed so far (all starts), or from a mark taken with logMark(). */
		logText: (/** @type {number} */ from = 0) => logText.slice(from),
		logMark: () => logText.length,

		/**
		 * SIGTERM to n8n's process group, SIGKILL after timeoutMs; resolves once it has exited.
		 * A user folder the harness created itself (~50 MB) is removed, unless `keep` or
		 * VOXPRIA_E2E_KEEP=1; logText() still answers afterwards.
		 * @param {{ timeoutMs?: number, keep?: boolean }} [o]
		 */
		stop: async ({ timeoutMs = 20_000, keep = process.env.VOXPRIA_E2E_KEEP === '1' } = {}) => {
			await stopProcess(timeoutMs);
			if (ownFolder && !keep) {
				fs.rmSync(userFolder, { recursive: true, force: true, maxRetries: 3 });
			} else {
				log(`n8n ${command} stopped; user folder and log kept in ${userFolder}`);
			}
		},

		/**
		 * Stops and starts n8n again with the same user folder and ports.
		 * @param {{ env?: Record<string, string> }} [o] extra env for this and later starts
		 */
		restart: async ({ env = {} } = {}) => {
			await stopProcess();
			currentExtraEnv = { ...currentExtraEnv, ...env };
			await startWithRetries(currentExtraEnv, false);
		},
	};
}

module.exports = { startN8nProcess, READINESS };
