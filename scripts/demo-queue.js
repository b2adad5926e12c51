// @ts-check
'use strict';
/*
 * `npm run demo -- --queue`: the demo's n8n as n8n recommends running it under production load, from
 * real parts started by the e2e harness (test/e2e/lib/cluster.js): PostgreSQL and Redis (Debian's
 * packages, throw-away instances), one main process (editor, API, trigger activation; no production
 * webhooks), two `n8n webhook` processes behind an HTTPS HAProxy balancer that is WEBHOOK_URL, and
 * one `n8n worker` that runs the executions. Everything lives in temporary folders and goes when
 * the demo stops, so every queue-mode demo starts from an empty database.
 */

const fs = require('node:fs');
const path = require('node:path');

const { startCluster } = require('../test/e2e/lib/cluster');
const { findBinDir } = require('../test/e2e/lib/postgres');
const { findProgram } = require('../test/e2e/lib/server');
const { ensureCert } = require('../test/e2e/lib/tls');
const { freePort } = require('../test/e2e/lib/http');
const { isFree, forward } = require('./demo-ports');

/**
 * @typedef {Awaited<ReturnType<typeof startCluster>>} Cluster
 * @typedef {(line: string) => void} LogFn
 */

const EDITOR_PORT = 5678;
const WEBHOOK_PROCESSES = 2;
const WORKERS = 1;

/**
 * The Debian packages whose programs the queue deployment needs and this machine lacks.
 * @returns {string[]}
 */
function missingServerPackages() {
	/** @type {string[]} */
	const missing = [];
	try {
		findBinDir();
	} catch {
		missing.push('postgresql');
	}
	for (const [program, debianPackage, envVar, versionArg] of [
		['redis-server', 'redis-server', 'VOXPRIA_REDIS_SERVER', '--version'],
		['haproxy', 'haproxy', 'VOXPRIA_HAPROXY', '-v'],
	]) {
		try {
			findProgram({ program, envVar, debianPackage, versionArg });
		} catch {
			missing.push(debianPackage);
		}
	}
	return missing;
}

/** '2.6.12-1+deb12u3' → '2.6.12', '15.18 (Debian 15.18-0+deb12u1)' → '15.18' */
const shortVersion = (/** @type {string} */ version) => /^[\d.]+/.exec(version)?.[0] ?? version;

/** The port users know for n8n's editor if it is free, else any free one. */
async function editorPort() {
	return (await isFree(EDITOR_PORT)) ? EDITOR_PORT : freePort();
}

/**
 * Redis and HAProxy print to the harness, not to a file: copied into files next to n8n's logs, so
 * that a user can `tail -f` every part. HAProxy logs one line per request, naming the webhook
 * process that took it.
 * @param {Array<{ file: string, text: () => string }>} sources
 */
function mirrorLogs(sources) {
	const written = sources.map(() => 0);
	const flush = () =>
		sources.forEach(({ file, text }, i) => {
			const all = text();
			if (all.length === written[i]) return;
			try {
				fs.appendFileSync(file, all.slice(written[i]));
				written[i] = all.length;
			} catch {
				// folder already removed: the deployment is stopping
			}
		});
	flush();
	const timer = setInterval(flush, 1000);
	return () => clearInterval(timer);
}

/**
 * Starts the queue-mode deployment and the editor's port. Answers the main process (startN8n()'s
 * handle, for the API), the editor's URL, the balancer's base for production webhooks, a table of
 * what runs where, `whereItRan(executionId)` and `stop()`.
 * @param {{ runtime: import('../test/e2e/lib/runtime').Runtime, https: boolean, log: LogFn }} o
 */
async function startQueueDeployment({ runtime, https, log }) {
	const port = await editorPort();
	let stopping = false;
	const editorUrl = `${https ? 'https' : 'http'}://localhost:${port}`;
	const cluster = await startCluster({
		runtime,
		mode: 'queue',
		webhookProcesses: WEBHOOK_PROCESSES,
		workers: WORKERS,
		// The harness's stop messages ("user folder and log kept") are about its own steps: the folder
		// goes right after them.
		log: (line) => {
			if (!stopping) log(line);
		},
		env: {
			// This machine only: the owner's password is printed.
			N8N_LISTEN_ADDRESS: '127.0.0.1',
			N8N_WORKER_SERVER_ADDRESS: '127.0.0.1',
		},
		mainEnv: {
			N8N_EDITOR_BASE_URL: `${editorUrl}/`,
			...(https ? {} : { N8N_SECURE_COOKIE: 'false' }),
		},
	});
	/** @type {Array<() => unknown>} */
	const undo = [() => cluster.stop()];
	const stop = async () => {
		stopping = true;
		for (const step of undo.reverse()) await step();
	};
	try {
		// The harness's main always serves HTTPS; without --https the editor is plain HTTP, as in the
		// single-process demo.
		const ca = ensureCert({ cacheDir: runtime.cacheDir }).certPem;
		const proxy = await forward(port, cluster.main.port, https ? {} : { tlsTo: { ca } }).catch(
			(err) => {
				throw new Error(
					`port ${port} was taken while n8n started (${err.message}); run the demo again`,
				);
			},
		);
		undo.push(() => proxy.close());
	} catch (err) {
		await stop();
		throw err;
	}
	const folder = cluster.userFolder;
	const logs = {
		balancer: path.join(folder, 'haproxy.log'),
		redis: path.join(folder, 'redis.log'),
	};
	const balancer = /** @type {NonNullable<Cluster['balancer']>} */ (cluster.balancer);
	const redis = /** @type {NonNullable<Cluster['redis']>} */ (cluster.redis);
	undo.push(
		mirrorLogs([
			{ file: logs.balancer, text: () => balancer.logText() },
			{ file: logs.redis, text: () => redis.logText() },
		]),
	);

	const { main, postgres, webhookProcesses, workers } = cluster;
	/** What runs where, one row per process: role, program, pid, where it listens, its log. */
	const processes = [
		{
			role: 'main',
			what: 'n8n start',
			pid: main.pid,
			listens: `${main.url} (editor: ${editorUrl})`,
			log: main.logFile,
		},
		...webhookProcesses.map((p) => ({
			role: p.name,
			what: 'n8n webhook',
			pid: p.pid,
			listens: `${p.url} (behind the balancer)`,
			log: p.logFile,
		})),
		...workers.map((p) => ({
			role: p.name,
			what: 'n8n worker',
			pid: p.pid,
			listens: `${p.url}/healthz (health only)`,
			log: p.logFile,
		})),
		{
			role: 'balancer',
			what: `HAProxy ${shortVersion(balancer.version)}`,
			pid: balancer.pid,
			listens: balancer.url,
			log: logs.balancer,
		},
		{
			role: 'postgres',
			what: `PostgreSQL ${shortVersion(postgres.version)}`,
			pid: postgres.pid,
			listens: `127.0.0.1:${postgres.port}`,
			log: postgres.logFile,
		},
		{
			role: 'redis',
			what: `Redis ${shortVersion(redis.version)}`,
			pid: redis.pid,
			listens: `127.0.0.1:${redis.port}`,
			log: logs.redis,
		},
	];

	/**
	 * Which webhook process queued an execution and which worker ran it, from their info lines
	 * ("Enqueued execution <id> (job <n>)", "Worker started execution <id> (job <n>)").
	 * @param {string} executionId
	 */
	const whereItRan = (executionId) => {
		const by = (/** @type {typeof webhookProcesses} */ procs, /** @type {string} */ line) =>
			procs.find((p) => p.logText().includes(`${line} ${executionId} (`))?.name;
		return {
			queuedBy:
				by(webhookProcesses, 'Enqueued execution') ??
				(main.logText().includes(`Enqueued execution ${executionId} (`) ? 'main' : undefined),
			ranOn: by(workers, 'Worker started execution'),
		};
	};

	return {
		main,
		editorUrl,
		/** Base of production webhook URLs (the balancer), with a trailing slash. */
		webhookBase: cluster.webhookBase,
		cluster,
		processes,
		postgres: {
			port: postgres.port,
			user: postgres.user,
			password: postgres.password,
			database: postgres.database,
		},
		redis: { port: redis.port },
		workerLogs: workers.map((p) => p.logFile),
		webhookLogs: webhookProcesses.map((p) => p.logFile),
		timings: cluster.timings,
		whereItRan,
		stop,
	};
}

module.exports = { missingServerPackages, startQueueDeployment, EDITOR_PORT };
