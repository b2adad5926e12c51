// @ts-check
'use strict';
/**
 * Starts a real n8n (from ensureRuntime()) on free ports, HTTPS with a self-signed certificate,
 * with this package installed as a community package, and drives it over its REST and public APIs.
 *
 * The n8n process runs in its own process group (it starts a task-runner child of its own); stop()
 * ends the whole group. A process 'exit'/signal hook and a small watchdog process make sure no n8n
 * survives the process that started it, even when that process is killed.
 */

const fs = require('node:fs');
const path = require('node:path');
const os = require('node:os');
const net = require('node:net');
const http = require('node:http');
const https = require('node:https');
const { spawn } = require('node:child_process');
const { ensureCert } = require('./tls');
const { installPackage } = require('./pack');
const { npmEnv } = require('./runtime');

/**
 * @typedef {import('./runtime').Runtime} Runtime
 * @typedef {(line: string) => void} LogFn
 * @typedef {{ status: number, headers: http.IncomingHttpHeaders, text: string, body: any }} HttpResponse
 * @typedef {{
 *   method?: string,
 *   headers?: Record<string, string>,
 *   body?: unknown,
 *   timeoutMs?: number,
 * }} RequestOptions
 * @typedef {{ timeoutMs?: number, intervalMs?: number, description?: string }} WaitOptions
 * @typedef {{ status: 'in_progress' | 'not_published' | 'published' | 'partial' | 'failed',
 *   liveVersionId: string | null, pendingVersionId: string | null,
 *   triggers: { nodeId: string, status: 'activated' | 'failed', errorMessage: string | null }[] }} PublicationStatus
 */

const OWNER = {
	email: 'owner@voxpria-e2e.test',
	firstName: 'E2E',
	lastName: 'Owner',
	password: 'VoxPria-e2e-Passw0rd',
};
const BROWSER_ID = 'voxpria-e2e-harness';

/** Accepts n8n's self-signed certificate for the harness's own requests only. */
const insecureAgent = new https.Agent({ rejectUnauthorized: false, keepAlive: true });
const plainAgent = new http.Agent({ keepAlive: true });

/** @type {LogFn} */
function defaultLog(line) {
	process.stderr.write(`[e2e n8n] ${line}\n`);
}

/** @param {number} ms */
function sleep(ms) {
	return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Polls fn until it returns a value other than undefined/false/null. Errors thrown by fn are
 * retried (the last one is reported on timeout) unless they carry `fatal: true`.
 * @template T
 * @param {() => Promise<T | undefined | null | false> | T | undefined | null | false} fn
 * @param {WaitOptions} [opts]
 * @returns {Promise<T>}
 */
async function waitFor(fn, { timeoutMs = 30_000, intervalMs = 250, description = 'condition' } = {}) {
	const deadline = Date.now() + timeoutMs;
	/** @type {unknown} */
	let lastError;
	for (;;) {
		try {
			const value = await fn();
			if (value !== undefined && value !== null && value !== false) return /** @type {T} */ (value);
			lastError = undefined;
		} catch (err) {
			// An error marked `fatal` ends the wait at once; others are retried until the deadline.
			if (err && /** @type {{ fatal?: boolean }} */ (err).fatal) throw err;
			lastError = err;
		}
		if (Date.now() >= deadline) {
			const why = lastError instanceof Error ? `: ${lastError.message}` : '';
			const err = new Error(`timed out after ${timeoutMs} ms waiting for ${description}${why}`);
			if (lastError instanceof Error) err.cause = lastError;
			throw err;
		}
		await sleep(intervalMs);
	}
}

/**
 * A minimal HTTP(S) client. JSON bodies are sent and parsed automatically; self-signed
 * certificates are accepted (for this request only).
 * @param {string} url
 * @param {RequestOptions} [opts]
 * @returns {Promise<HttpResponse>}
 */
function request(url, { method = 'GET', headers = {}, body, timeoutMs = 60_000 } = {}) {
	const u = new URL(url);
	const isHttps = u.protocol === 'https:';
	/** @type {Buffer | undefined} */
	let payload;
	/** @type {Record<string, string | number>} */
	const hdrs = { accept: 'application/json', ...headers };
	if (body !== undefined) {
		if (Buffer.isBuffer(body) || typeof body === 'string') {
			payload = Buffer.from(body);
		} else {
			payload = Buffer.from(JSON.stringify(body));
			if (!Object.keys(hdrs).some((h) => h.toLowerCase() === 'content-type')) {
				hdrs['content-type'] = 'application/json';
			}
		}
		hdrs['content-length'] = payload.length;
	}
	return new Promise((resolve, reject) => {
		const req = (isHttps ? https : http).request(
			u,
			{ method, headers: hdrs, agent: isHttps ? insecureAgent : plainAgent, timeout: timeoutMs },
			(res) => {
				/** @type {Buffer[]} */
				const chunks = [];
				res.on('data', (c) => chunks.push(c));
				res.on('error', reject);
				res.on('end', () => {
					const text = Buffer.concat(chunks).toString('utf8');
					let parsed = text;
					if (/json/.test(String(res.headers['content-type'] ?? ''))) {
						try {
							parsed = JSON.parse(text);
						} catch {
							// keep text
						}
					}
					resolve({ status: res.statusCode ?? 0, headers: res.headers, text, body: parsed });
				});
			},
		);
		req.on('timeout', () => req.destroy(new Error(`${method} ${url} timed out after ${timeoutMs} ms`)));
		req.on('error', reject);
		req.end(payload);
	});
}

/** @returns {Promise<number>} a port that was free a moment ago */
function freePort() {
	return new Promise((resolve, reject) => {
		const srv = net.createServer();
		srv.unref();
		srv.on('error', reject);
		srv.listen(0, () => {
			const addr = srv.address();
			const port = typeof addr === 'object' && addr ? addr.port : 0;
			srv.close(() => resolve(port));
		});
	});
}

/** @returns {Promise<[number, number]>} two distinct free ports */
async function twoFreePorts() {
	for (;;) {
		const a = await freePort();
		const b = await freePort();
		if (a !== b) return [a, b];
	}
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
	process.on('exit', killAllNow);
	for (const sig of /** @type {NodeJS.Signals[]} */ (['SIGINT', 'SIGTERM', 'SIGHUP'])) {
		const onSignal = () => {
			killAllNow();
			process.removeListener(sig, onSignal);
			// If nobody else handles the signal, behave as if we had not been here.
			if (process.listenerCount(sig) === 0) process.kill(process.pid, sig);
		};
		process.on(sig, onSignal);
	}
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

// --- n8n ---------------------------------------------------------------------------------------

/**
 * @param {{
 *   runtime: Runtime,
 *   https?: boolean,
 *   env?: Record<string, string>,
 *   userFolder?: string,
 *   installPackage?: boolean,
 *   tarball?: string,
 *   log?: LogFn,
 *   startTimeoutMs?: number,
 *   echo?: boolean,
 * }} opts
 *  - `installPackage` (default true): pack the repository (or use `tarball`) and install it into
 *    the user folder before the first start, as n8n's Community Nodes installer would.
 *  - `echo`: also copy n8n's output to stderr (or set VOXPRIA_E2E_ECHO=1).
 */
async function startN8n(opts) {
	const {
		runtime,
		https: useHttps = true,
		env: baseEnv = {},
		log = defaultLog,
		startTimeoutMs = 180_000,
		echo = process.env.VOXPRIA_E2E_ECHO === '1',
	} = opts;
	const ownFolder = !opts.userFolder;
	const userFolder = opts.userFolder ?? fs.mkdtempSync(path.join(os.tmpdir(), 'voxpria-n8n-e2e-'));
	fs.mkdirSync(userFolder, { recursive: true });
	const logFile = path.join(userFolder, 'n8n.log');

	if (opts.installPackage !== false) {
		const t = Date.now();
		const installed = installPackage({ userFolder, tarball: opts.tarball });
		log(`installed ${installed.name}@${installed.version} into ${installed.packageDir} (${Date.now() - t} ms)`);
	}

	const protocol = useHttps ? 'https' : 'http';
	const cert = useHttps ? ensureCert({ cacheDir: runtime.cacheDir }) : undefined;
	let [port, brokerPort] = await twoFreePorts();

	let logText = '';
	/** @type {import('node:child_process').ChildProcess | undefined} */
	let child;
	/** @type {Promise<void> | undefined} */
	let exited;
	/** @type {Record<string, string>} */
	let currentExtraEnv = {};

	/** @param {string} chunk */
	const capture = (chunk) => {
		// eslint-disable-next-line no-control-regex
		const clean = chunk.replace(/\u001b\[[0-9;]*m/g, '');
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
		for (const key of ['NODE_ENV', 'NODE_TLS_REJECT_UNAUTHORIZED', 'NODE_OPTIONS', 'JEST_WORKER_ID', 'NODE_PATH']) {
			delete env[key];
		}
		for (const key of Object.keys(env)) {
			if (key.startsWith('N8N_') || key === 'WEBHOOK_URL') delete env[key];
		}
		return {
			...env,
			PATH: `${path.dirname(runtime.node)}${path.delimiter}${process.env.PATH ?? ''}`,
			NO_COLOR: '1',
			N8N_USER_FOLDER: userFolder,
			N8N_PORT: String(port),
			N8N_HOST: 'localhost',
			N8N_RUNNERS_BROKER_PORT: String(brokerPort),
			N8N_PROTOCOL: protocol,
			...(cert ? { N8N_SSL_KEY: cert.key, N8N_SSL_CERT: cert.cert } : {}),
			WEBHOOK_URL: `${urlFor()}/`,
			N8N_DIAGNOSTICS_ENABLED: 'false',
			N8N_VERSION_NOTIFICATIONS_ENABLED: 'false',
			N8N_PERSONALIZATION_ENABLED: 'false',
			N8N_ENFORCE_SETTINGS_FILE_PERMISSIONS: 'true',
			N8N_LOG_OUTPUT: 'console',
			...baseEnv,
			...extraEnv,
		};
	};

	/** @param {Record<string, string>} extraEnv */
	const launch = async (extraEnv) => {
		const t0 = Date.now();
		const mark = logText.length;
		const header = `\n===== n8n start ${new Date().toISOString()} port ${port} broker ${brokerPort} =====\n`;
		capture(header);
		const proc = spawn(runtime.node, [runtime.n8nBin, 'start'], {
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
					throw Object.assign(new Error('n8n exited during start'), { fatal: true });
				}
				if (!logText.slice(mark).includes('Editor is now accessible via')) return false;
				const res = await request(`${urlFor()}/healthz`, { timeoutMs: 5000 });
				return res.status === 200;
			},
			{ timeoutMs: startTimeoutMs, intervalMs: 250, description: `n8n ready on ${urlFor()}` },
		).catch(async (err) => {
			await stopProcess();
			const tail = logText.slice(mark).split('\n').slice(-60).join('\n');
			throw new Error(`${err.cause?.message ?? err.message}; log ${logFile}, last lines:\n${tail}`);
		});
		log(`n8n ready on ${urlFor()} in ${((Date.now() - t0) / 1000).toFixed(1)} s (user folder ${userFolder})`);
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

	const startWithRetries = async (/** @type {Record<string, string>} */ extraEnv, pickNewPorts = true) => {
		for (let attempt = 1; ; attempt++) {
			try {
				await launch(extraEnv);
				return;
			} catch (err) {
				// A port taken between freePort() and n8n's listen(): try other ports.
				const portClash = /EADDRINUSE/.test(String(/** @type {Error} */ (err).message));
				if (!portClash || attempt >= 3) throw err;
				if (pickNewPorts) [port, brokerPort] = await twoFreePorts();
				else await sleep(2000);
				log(`port clash (${port}/${brokerPort}), retrying start`);
			}
		}
	};

	await startWithRetries({});

	// --- API state ---
	/** @type {string | undefined} */
	let cookie;
	/** @type {string | undefined} */
	let apiKey;

	/**
	 * @param {HttpResponse} res
	 */
	const keepCookie = (res) => {
		const set = res.headers['set-cookie'];
		if (!set) return;
		for (const c of set) {
			const m = /^n8n-auth=([^;]*)/.exec(c);
			if (m) cookie = m[1] ? `n8n-auth=${m[1]}` : undefined;
		}
	};

	/**
	 * @param {string} what
	 * @param {HttpResponse} res
	 * @param {number[]} [ok]
	 */
	const check = (what, res, ok) => {
		const good = ok ? ok.includes(res.status) : res.status >= 200 && res.status < 300;
		if (!good) {
			throw new Error(`${what}: HTTP ${res.status} ${res.text.slice(0, 1000)}`);
		}
		return res;
	};

	/**
	 * Cookie-authenticated internal REST call; answers n8n's `data` field.
	 * @param {string} method
	 * @param {string} p path below /rest
	 * @param {unknown} [body]
	 */
	const rest = async (method, p, body) => {
		const res = await restRaw(method, p, body);
		check(`${method} /rest${p}`, res);
		return res.body && typeof res.body === 'object' && 'data' in res.body ? res.body.data : res.body;
	};

	/**
	 * @param {string} method
	 * @param {string} p
	 * @param {unknown} [body]
	 */
	const restRaw = async (method, p, body) => {
		/** @type {Record<string, string>} */
		const headers = { 'browser-id': BROWSER_ID };
		if (cookie) headers.cookie = cookie;
		const res = await request(`${urlFor()}/rest${p}`, { method, headers, body });
		keepCookie(res);
		return res;
	};

	/**
	 * Public API call (X-N8N-API-KEY).
	 * @param {string} method
	 * @param {string} p path below /api/v1
	 * @param {unknown} [body]
	 * @param {number[]} [ok]
	 */
	const api = async (method, p, body, ok) => {
		if (!apiKey) throw new Error('no API key yet: call setupOwner() first');
		const res = await request(`${urlFor()}/api/v1${p}`, {
			method,
			headers: { 'x-n8n-api-key': apiKey },
			body,
		});
		check(`${method} /api/v1${p}`, res, ok);
		return res.body;
	};

	const login = async () => {
		const res = await restRaw('POST', '/login', {
			emailOrLdapLoginId: OWNER.email,
			password: OWNER.password,
		});
		check('POST /rest/login', res);
		if (!cookie) throw new Error('POST /rest/login set no n8n-auth cookie');
	};

	/**
	 * GET /rest/workflows/{id}/publication-status. With N8N_USE_WORKFLOW_PUBLICATION_SERVICE=false
	 * n8n answers that endpoint with 404 "Workflow publication status is not available"; the
	 * same shape is then derived from the older endpoints GET /rest/active-workflows (ids of
	 * active workflows without activation errors) and GET /rest/active-workflows/error/{id}
	 * (the last activation error), marked `legacy: true`. Legacy mode has no in-flight state.
	 * @param {string} id
	 * @returns {Promise<PublicationStatus & { legacy?: boolean }>}
	 */
	const publicationStatus = async (id) => {
		const res = await restRaw('GET', `/workflows/${encodeURIComponent(id)}/publication-status`);
		if (res.status === 404 && /publication status is not available/i.test(res.text)) {
			const [activeIds, error] = await Promise.all([
				rest('GET', '/active-workflows'),
				rest('GET', `/active-workflows/error/${encodeURIComponent(id)}`),
			]);
			const errorMessage = error ? String(typeof error === 'object' ? (error.message ?? JSON.stringify(error)) : error) : null;
			/** @type {PublicationStatus['status']} */
			const status = errorMessage ? 'failed' : activeIds.includes(id) ? 'published' : 'not_published';
			return {
				status,
				liveVersionId: null,
				pendingVersionId: null,
				triggers: errorMessage ? [{ nodeId: '', status: 'failed', errorMessage }] : [],
				legacy: true,
			};
		}
		check(`GET /rest/workflows/${id}/publication-status`, res);
		return res.body.data;
	};

	const handle = {
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
		userFolder,
		logFile,
		owner: OWNER,
		get apiKey() {
			return apiKey;
		},
		get cookie() {
			return cookie;
		},
		/** Everything n8n printed so far (all starts), or from a mark taken with logMark(). */
		logText: (/** @type {number} */ from = 0) => logText.slice(from),
		logMark: () => logText.length,
		request,
		rest,
		restRaw,
		api,
		waitFor,

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
				log(`n8n stopped; user folder and log kept in ${userFolder}`);
			}
		},

		/**
		 * Stops and starts n8n again with the same user folder and ports (and a fresh login).
		 * @param {{ env?: Record<string, string> }} [o] extra env for this and later starts
		 */
		restart: async ({ env = {} } = {}) => {
			await stopProcess();
			currentExtraEnv = { ...currentExtraEnv, ...env };
			await startWithRetries(currentExtraEnv, false);
			if (apiKey) await login();
		},

		/** Creates the owner, logs in (keeping the cookie) and creates an API key with every scope offered. */
		setupOwner: async () => {
			const setup = await restRaw('POST', '/owner/setup', OWNER);
			check('POST /rest/owner/setup', setup);
			await login();
			const scopes = /** @type {string[]} */ (await rest('GET', '/api-keys/scopes'));
			const created = await rest('POST', '/api-keys', {
				label: 'voxpria-e2e',
				expiresAt: null,
				scopes,
			});
			apiKey = created.rawApiKey;
			if (!apiKey) throw new Error(`POST /rest/api-keys answered no rawApiKey: ${JSON.stringify(created)}`);
			return { apiKey, scopes, owner: OWNER };
		},
		login,

		// --- public API ---
		/** @param {{ name: string, type: string, data: Record<string, unknown> }} c */
		createCredential: (c) => api('POST', '/credentials', c),
		/** @param {string} id */
		deleteCredential: (id) => api('DELETE', `/credentials/${encodeURIComponent(id)}`),
		/**
		 * Tests a stored credential (public API, POST /api/v1/credentials/{id}/test).
		 * @param {string} id
		 */
		testCredentialById: (id) => api('POST', `/credentials/${encodeURIComponent(id)}/test`),
		/**
		 * @param {{ name: string, nodes: unknown[], connections: unknown, settings?: unknown, staticData?: unknown, pinData?: unknown, description?: string }} wf
		 */
		createWorkflow: (wf) => {
			// The public API rejects unknown and read-only fields (id, active, versionId, tags, ...).
			/** @type {Record<string, unknown>} */
			const body = {
				name: wf.name,
				nodes: wf.nodes,
				connections: wf.connections ?? {},
				settings: wf.settings ?? { executionOrder: 'v1' },
			};
			for (const k of /** @type {const} */ (['staticData', 'pinData', 'description'])) {
				if (wf[k] !== undefined) body[k] = wf[k];
			}
			return api('POST', '/workflows', body);
		},
		/** @param {string} id */
		getWorkflow: (id) => api('GET', `/workflows/${encodeURIComponent(id)}`),
		/** @param {string} id */
		activate: (id) => api('POST', `/workflows/${encodeURIComponent(id)}/activate`),
		/** @param {string} id */
		deactivate: (id) => api('POST', `/workflows/${encodeURIComponent(id)}/deactivate`),
		/**
		 * Deletes a workflow. n8n 2.40.7 answers 409 "Workflow is still being unpublished" while a
		 * deactivation is in flight; that is waited out.
		 * @param {string} id
		 * @param {WaitOptions} [o]
		 */
		deleteWorkflow: (id, o = {}) =>
			waitFor(
				async () => {
					const body = await api('DELETE', `/workflows/${encodeURIComponent(id)}`, undefined, [200, 409]);
					return body && /still being unpublished/.test(String(body.message)) ? false : body;
				},
				{ timeoutMs: 30_000, description: `workflow ${id} to be deletable`, ...o },
			),
		/**
		 * All executions (following nextCursor), newest first.
		 * @param {{ workflowId?: string, includeData?: boolean, status?: string }} [q]
		 * @returns {Promise<any[]>}
		 */
		executions: async ({ workflowId, includeData = false, status } = {}) => {
			/** @type {any[]} */
			const all = [];
			/** @type {string | undefined} */
			let cursor;
			do {
				const qs = new URLSearchParams({ limit: '250', includeData: String(includeData) });
				if (workflowId) qs.set('workflowId', workflowId);
				if (status) qs.set('status', status);
				if (cursor) qs.set('cursor', cursor);
				const page = await api('GET', `/executions?${qs}`);
				all.push(...page.data);
				cursor = page.nextCursor ?? undefined;
			} while (cursor);
			return all;
		},

		// --- cookie REST ---
		publicationStatus,
		/**
		 * Waits until the workflow's triggers are live. Throws with n8n's error messages if
		 * activation settles as failed.
		 * @param {string} id
		 * @param {WaitOptions} [o]
		 */
		waitForPublished: async (id, o = {}) => {
			const st = await waitFor(
				async () => {
					const s = await publicationStatus(id);
					return s.status === 'in_progress' || s.status === 'not_published' ? false : s;
				},
				{ timeoutMs: 60_000, description: `workflow ${id} to be published`, ...o },
			);
			if (st.status !== 'published') {
				const why = st.triggers.map((t) => `${t.nodeId}: ${t.status} ${t.errorMessage ?? ''}`).join('; ');
				throw new Error(`workflow ${id} activation ${st.status}: ${why}`);
			}
			return st;
		},
		/**
		 * Waits until a deactivated workflow's triggers are all gone (status `not_published`).
		 * @param {string} id
		 * @param {WaitOptions} [o]
		 */
		waitForUnpublished: (id, o = {}) =>
			waitFor(
				async () => {
					const s = await publicationStatus(id);
					return s.status === 'not_published' ? s : false;
				},
				{ timeoutMs: 60_000, description: `workflow ${id} to be unpublished`, ...o },
			),
		/**
		 * Waits until activation has settled as failed (after n8n's retries, ~15 s) and answers the
		 * status with the triggers' error messages. Throws if it settles as published.
		 * @param {string} id
		 * @param {WaitOptions} [o]
		 */
		waitForActivationFailure: async (id, o = {}) => {
			const st = await waitFor(
				async () => {
					const s = await publicationStatus(id);
					return s.status === 'in_progress' || s.status === 'not_published' ? false : s;
				},
				{ timeoutMs: 60_000, description: `workflow ${id} activation to settle`, ...o },
			);
			if (st.status === 'published') {
				throw new Error(`workflow ${id} was published, expected its activation to fail`);
			}
			return st;
		},
		/**
		 * n8n's credential test as the editor runs it: POST /rest/credentials/test with
		 * `{ credentials: { id, name, type, data } }`. `id` is the stored credential's id (stored
		 * secrets fill in any redacted values in `data`), or '' to test unsaved data (owner only).
		 * Answers `{ status: 'OK' | 'Error', message }`.
		 * @param {{ id?: string, name?: string, type: string, data: Record<string, unknown> }} credentials
		 * @returns {Promise<{ status: 'OK' | 'Error', message: string }>}
		 */
		testCredential: (credentials) =>
			rest('POST', '/credentials/test', {
				credentials: { id: '', name: '', ...credentials },
			}),
		/** Node type descriptions as the editor loads them (GET /types/nodes.json, cookie auth). */
		nodeTypes: async () => {
			const res = await request(`${urlFor()}/types/nodes.json`, {
				headers: { cookie: cookie ?? '', 'browser-id': BROWSER_ID },
			});
			return /** @type {any[]} */ (check('GET /types/nodes.json', res).body);
		},
		/** Credential type descriptions (GET /types/credentials.json, cookie auth). */
		credentialTypes: async () => {
			const res = await request(`${urlFor()}/types/credentials.json`, {
				headers: { cookie: cookie ?? '', 'browser-id': BROWSER_ID },
			});
			return /** @type {any[]} */ (check('GET /types/credentials.json', res).body);
		},
	};
	return handle;
}

module.exports = { startN8n, waitFor, request, freePort, OWNER };
