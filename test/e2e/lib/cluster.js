// @ts-check
'use strict';
/**
 * n8n as businesses run it at scale, started by the harness from real parts:
 *
 * - mode 'postgres': one `n8n start` on PostgreSQL (no queue), over HTTPS as startN8n() does. The
 *   most common production setup.
 * - mode 'queue': PostgreSQL + Redis, one main (`n8n start` with EXECUTIONS_MODE=queue and
 *   N8N_DISABLE_PRODUCTION_MAIN_PROCESS=true: editor, API and trigger activation, no production
 *   webhooks), N `n8n webhook` processes behind an HTTPS round-robin balancer (HAProxy,
 *   balancer.js), and M `n8n worker`s that run the executions. WEBHOOK_URL is the balancer's URL in
 *   every process, so the URLs triggers register point at the balancer. The webhook processes serve
 *   plain HTTP behind it (TLS ends at the balancer) with N8N_PROXY_HOPS=1.
 *
 * Every n8n process shares one user folder (the community package is installed there once, before
 * any process starts), one N8N_ENCRYPTION_KEY, the database and Redis; each has its own ports, its
 * own task-runner broker port and its own log (n8n's logger at N8N_LOG_LEVEL=info on the console,
 * captured by process.js).
 */

const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const crypto = require('node:crypto');
const { startN8n } = require('./n8n');
const { startN8nProcess } = require('./process');
const { installPackage } = require('./pack');
const { startPostgres } = require('./postgres');
const { startRedis } = require('./redis');
const { startBalancer } = require('./balancer');
const { treeMemory } = require('./memory');
const { freePort, waitFor } = require('./http');

/**
 * @typedef {import('./runtime').Runtime} Runtime
 * @typedef {(line: string) => void} LogFn
 * @typedef {'queue' | 'postgres'} ClusterMode
 * @typedef {{
 *   runtime: Runtime,
 *   mode?: ClusterMode,
 *   webhookProcesses?: number,
 *   workers?: number,
 *   env?: Record<string, string>,
 *   mainEnv?: Record<string, string>,
 *   webhookEnv?: Record<string, string>,
 *   workerEnv?: Record<string, string>,
 *   tarball?: string,
 *   log?: LogFn,
 *   echo?: boolean,
 *   startTimeoutMs?: number,
 * }} ClusterOptions
 * @typedef {Awaited<ReturnType<typeof startN8nProcess>>} N8nProcess
 * @typedef {Awaited<ReturnType<typeof startCluster>>} Cluster
 */

/** @type {LogFn} */
function defaultLog(line) {
	process.stderr.write(`[e2e cluster] ${line}\n`);
}

/** @param {number} ms */
const seconds = (ms) => `${(ms / 1000).toFixed(1)} s`;

/**
 * Signals a process's whole group (n8n and its task runner) and waits until it has exited.
 * @param {{ pid: number | undefined }} proc
 * @param {NodeJS.Signals} signal
 * @param {string} name
 */
async function killProcess(proc, signal, name) {
	const pid = proc.pid;
	if (pid === undefined) return;
	try {
		process.kill(-pid, signal);
	} catch {
		process.kill(pid, signal);
	}
	await waitFor(() => proc.pid === undefined, {
		timeoutMs: 60_000,
		intervalMs: 50,
		description: `${name} to exit after ${signal}`,
	});
}

/**
 * Starts PostgreSQL (and, in queue mode, Redis, the balancer, webhook processes and workers) and
 * n8n's main process on them. See the opening comment; options:
 * - `mode` (default 'queue'), `webhookProcesses` (default 2), `workers` (default 1): queue mode only.
 * - `env`: extra environment for every n8n process; `mainEnv`, `webhookEnv`, `workerEnv`: for one
 *   role. They win over everything the harness sets.
 * - `tarball`: install this packed package instead of packing the repository.
 * @param {ClusterOptions} opts
 */
async function startCluster(opts) {
	const {
		runtime,
		mode = 'queue',
		webhookProcesses: webhookCount = 2,
		workers: workerCount = 1,
		log = defaultLog,
		echo,
		startTimeoutMs,
	} = opts;
	if (mode !== 'queue' && mode !== 'postgres') throw new Error(`unknown cluster mode '${mode}'`);
	const queue = mode === 'queue';
	const t0 = Date.now();
	/** @type {Record<string, number>} */
	const timings = {};

	const userFolder = fs.mkdtempSync(path.join(os.tmpdir(), 'voxpria-n8n-cluster-'));
	const encryptionKey = crypto.randomBytes(24).toString('hex');

	/** @type {import('./postgres').Postgres | undefined} */
	let postgres;
	/** @type {import('./redis').Redis | undefined} */
	let redis;
	/** @type {import('./balancer').Balancer | undefined} */
	let balancer;
	/** @type {Awaited<ReturnType<typeof startN8n>> | undefined} */
	let mainN8n;
	/** @type {{ name: string, proc: N8nProcess }[]} */
	const webhookProcs = [];
	/** @type {{ name: string, proc: N8nProcess }[]} */
	const workerProcs = [];

	const stopAll = async ({ keep = process.env.VOXPRIA_E2E_KEEP === '1' } = {}) => {
		const settle = (/** @type {(Promise<unknown> | undefined)[]} */ all) => Promise.allSettled(all);
		// Webhook processes and workers first (no new work), then main, then what they all use.
		await settle([...webhookProcs, ...workerProcs].map(({ proc }) => proc.stop({ keep: true })));
		await mainN8n?.stop({ keep: true });
		await settle([balancer?.stop(), redis?.stop(), postgres?.stop()]);
		if (keep) log(`cluster stopped; user folder and logs kept in ${userFolder}`);
		else fs.rmSync(userFolder, { recursive: true, force: true, maxRetries: 3 });
	};

	try {
		let t = Date.now();
		const installed = installPackage({ userFolder, tarball: opts.tarball });
		timings.installMs = Date.now() - t;
		log(
			`installed ${installed.name}@${installed.version} into the shared user folder ${userFolder}`,
		);

		t = Date.now();
		[postgres, redis] = await Promise.all([
			startPostgres({ log }),
			queue ? startRedis({ log }) : Promise.resolve(undefined),
		]);
		timings.postgresMs = postgres.startMs;
		if (redis) timings.redisMs = redis.startMs;

		/** @type {number[]} */
		const webhookPorts = [];
		if (queue) {
			while (webhookPorts.length < webhookCount) {
				const port = await freePort();
				if (!webhookPorts.includes(port)) webhookPorts.push(port);
			}
			// The balancer comes first: every process must know its URL (WEBHOOK_URL) before it starts.
			t = Date.now();
			balancer = await startBalancer({
				backends: webhookPorts.map((port, i) => ({ name: `webhook-${i + 1}`, port })),
				cacheDir: runtime.cacheDir,
				log,
			});
			timings.balancerMs = Date.now() - t;
		}

		/** @type {Record<string, string>} */
		const common = {
			...postgres.env,
			...(redis ? { EXECUTIONS_MODE: 'queue', ...redis.env } : {}),
			N8N_ENCRYPTION_KEY: encryptionKey,
			N8N_LOG_LEVEL: 'info',
			...opts.env,
		};
		const base = { runtime, userFolder, installPackage: false, log, echo, startTimeoutMs };

		// Main first: it runs the database migrations the others expect.
		t = Date.now();
		mainN8n = await startN8n({
			...base,
			command: 'start',
			webhookUrl: balancer?.url,
			env: {
				...common,
				...(queue ? { N8N_DISABLE_PRODUCTION_MAIN_PROCESS: 'true' } : {}),
				...opts.mainEnv,
			},
		});
		timings.mainMs = Date.now() - t;

		if (queue && balancer) {
			const webhookUrl = balancer.url;
			t = Date.now();
			const started = await Promise.allSettled([
				...webhookPorts.map(async (port, i) => {
					const proc = await startN8nProcess({
						...base,
						command: 'webhook',
						https: false,
						port,
						webhookUrl,
						env: { ...common, N8N_PROXY_HOPS: '1', ...opts.webhookEnv },
					});
					webhookProcs.push({ name: `webhook-${i + 1}`, proc });
				}),
				...Array.from({ length: workerCount }, async (_, i) => {
					const proc = await startN8nProcess({
						...base,
						command: 'worker',
						env: { ...common, ...opts.workerEnv },
					});
					workerProcs.push({ name: `worker-${i + 1}`, proc });
				}),
			]);
			const failed = started.find((r) => r.status === 'rejected');
			if (failed) throw /** @type {PromiseRejectedResult} */ (failed).reason;
			webhookProcs.sort((a, b) => a.name.localeCompare(b.name));
			workerProcs.sort((a, b) => a.name.localeCompare(b.name));
			await balancer.waitForBackends();
			timings.webhooksAndWorkersMs = Date.now() - t;
		}
		timings.totalMs = Date.now() - t0;
		log(
			`n8n ${mode} deployment ready in ${seconds(timings.totalMs)}: ` +
				Object.entries(timings)
					.filter(([k]) => k !== 'totalMs')
					.map(([k, v]) => `${k.replace(/Ms$/, '')} ${seconds(v)}`)
					.join(', '),
		);
	} catch (err) {
		await stopAll({ keep: false });
		throw err;
	}

	const main = /** @type {NonNullable<typeof mainN8n>} */ (mainN8n);
	const bal = balancer;

	/**
	 * @param {{ name: string, proc: N8nProcess }} entry
	 * @param {boolean} isWebhook
	 */
	const processHandle = ({ name, proc }, isWebhook) => ({
		name,
		command: proc.command,
		/** Direct URL of this process (plain HTTP for webhook processes and workers' health server). */
		get url() {
			return proc.url;
		},
		get port() {
			return proc.port;
		},
		/** Process id (and process group id), undefined while it is not running. */
		get pid() {
			return proc.pid;
		},
		logFile: proc.logFile,
		/** Everything this process printed (over all its starts), or from a logMark(). */
		logText: proc.logText,
		logMark: proc.logMark,
		/**
		 * Sends `signal` (default SIGKILL) to the process's group (n8n and its task runner) and waits
		 * until it has exited. The balancer takes a killed webhook process out by itself.
		 * @param {NodeJS.Signals} [signal]
		 */
		kill: (signal = 'SIGKILL') => killProcess(proc, signal, name),
		/**
		 * Starts it again (stopping it first if it runs) with the same port and settings; for a webhook
		 * process, waits until the balancer sends it traffic again.
		 */
		restart: async () => {
			await proc.restart();
			if (isWebhook && bal) await bal.waitForBackends({ names: [name] });
		},
		memory: () => treeMemory(proc.pid),
	});

	const webhookProcesses = webhookProcs.map((e) => processHandle(e, true));
	const workers = workerProcs.map((e) => processHandle(e, false));
	const mainHandle = Object.assign(main, {
		name: 'main',
		/** @param {NodeJS.Signals} [signal] */
		kill: (signal = /** @type {NodeJS.Signals} */ ('SIGKILL')) => killProcess(main, signal, 'main'),
		memory: () => treeMemory(main.pid),
	});

	return {
		mode,
		/** The main process: startN8n()'s handle (owner, API, publication status, ...) plus kill/memory. */
		main: mainHandle,
		/**
		 * Base of production webhook URLs, with a trailing slash: the balancer in queue mode, the main
		 * process in postgres mode. `${webhookBase}webhook/<path>`.
		 */
		webhookBase: bal ? bal.url : main.webhookBase,
		webhookProcesses,
		workers,
		postgres: /** @type {import('./postgres').Postgres} */ (postgres),
		redis,
		balancer: bal,
		userFolder,
		encryptionKey,
		/** How long each part took to start (ms), and totalMs. */
		timings,

		/** Every process's log text, labelled: main, webhook-N, worker-N, balancer, postgres, redis. */
		processLogs: () => {
			/** @type {Record<string, string>} */
			const logs = { main: main.logText() };
			for (const p of [...webhookProcesses, ...workers]) logs[p.name] = p.logText();
			if (bal) logs.balancer = bal.logText();
			if (postgres) logs.postgres = postgres.logText();
			if (redis) logs.redis = redis.logText();
			return logs;
		},

		/**
		 * Memory (RSS and PSS, MB) of each running process with its children (n8n's task runner,
		 * Postgres's backends).
		 * @returns {Record<string, import('./memory').TreeMemory | undefined>}
		 */
		memory: () => {
			/** @type {Record<string, import('./memory').TreeMemory | undefined>} */
			const out = { main: treeMemory(main.pid) };
			for (const p of [...webhookProcesses, ...workers]) out[p.name] = p.memory();
			if (bal) out.balancer = treeMemory(bal.pid);
			if (postgres) out.postgres = treeMemory(postgres.pid);
			if (redis) out.redis = treeMemory(redis.pid);
			return out;
		},

		/**
		 * Stops every n8n process (webhook processes and workers, then main), then starts them again
		 * with the same user folder, ports and keys (main first); Postgres, Redis and the balancer keep
		 * running. Answers how long the n8n side was down and the whole restart took.
		 * @param {{ env?: Record<string, string> }} [o] extra env for the main process (kept for later restarts)
		 */
		restartAll: async ({ env } = {}) => {
			const t = Date.now();
			await Promise.all(
				[...webhookProcs, ...workerProcs].map(({ proc }) => proc.stop({ keep: true })),
			);
			await main.stop({ keep: true });
			const stoppedMs = Date.now() - t;
			const t1 = Date.now();
			await main.restart({ env });
			const mainMs = Date.now() - t1;
			await Promise.all([...webhookProcs, ...workerProcs].map(({ proc }) => proc.restart()));
			if (bal) await bal.waitForBackends();
			const totalMs = Date.now() - t;
			log(
				`restartAll: stopped in ${seconds(stoppedMs)}, main ready after ${seconds(mainMs)}, all in ${seconds(totalMs)}`,
			);
			return { stoppedMs, mainMs, startMs: Date.now() - t1, totalMs };
		},

		/**
		 * Stops everything and removes the user folder (kept with `keep` or VOXPRIA_E2E_KEEP=1; the
		 * Postgres and Redis folders always go).
		 * @param {{ keep?: boolean }} [o]
		 */
		stop: (o = {}) => stopAll(o),
	};
}

module.exports = { startCluster };
