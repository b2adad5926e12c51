// @ts-check
'use strict';
/**
 * A round-robin HTTPS load balancer in front of n8n's webhook processes, the way a production
 * ingress sits in front of them: Debian's HAProxy (`haproxy`, 2.6 here), configured and run by the
 * harness as its own process, in a temporary folder.
 *
 * - TLS ends at the balancer, with the harness's self-signed certificate (tls.js); the backends
 *   are plain HTTP, so the webhook processes behind it serve plain HTTP (as in most deployments).
 * - `balance roundrobin`: each request is balanced on its own, also on a kept-alive client
 *   connection.
 * - `option forwardfor` and `X-Forwarded-Proto: https`: n8n sees the client's address and scheme
 *   when the webhook processes run with N8N_PROXY_HOPS=1.
 * - Health checks `GET /healthz/readiness` every second, `fall 1 rise 1`, plus passive checks
 *   (`observe layer4`): a killed backend is out after its first refused connection or failed
 *   check (at most about 1 s), a restarted one is back 1 s after it is ready. /healthz/readiness,
 *   not /healthz: an n8n webhook process answers /healthz before its webhook routes exist.
 * - Retries: only when the TCP connection to a backend could not be made (`retry-on conn-failure`,
 *   HAProxy's default), then on another backend (`option redispatch 1`). A request that reached a
 *   backend is never sent again, whatever happens after: a real ingress must not replay a POST (a
 *   delivery) to a second backend. A client sees 502/504 then, and retries if it wants to (as
 *   VoxPria does).
 * - Timeouts for tests: connect 2 s, server 120 s (n8n answers a delivery once the execution is
 *   recorded, which can take long under load), client 120 s (slow uploads), headers 30 s.
 * - `nbthread 1`: the machines have 2 cores shared with n8n.
 * - A stats socket gives per-backend counters (stats()): how many requests each webhook process
 *   answered, its status (UP/DOWN), connection errors, retries, redispatches.
 *
 * Why not nginx: open-source nginx has no active health checks, so a killed backend is only noticed
 * by failing live requests; and its `proxy_next_upstream` would not move a POST that met a refused
 * connection to another backend without `non_idempotent` (which also replays after a timeout).
 */

const fs = require('node:fs');
const os = require('node:os');
const net = require('node:net');
const path = require('node:path');
const { execFileSync } = require('node:child_process');
const { ensureCert } = require('./tls');
const { freePort, waitFor } = require('./http');
const { startServerProcess, findProgram } = require('./server');

/**
 * @typedef {(line: string) => void} LogFn
 * @typedef {{ name: string, host?: string, port: number }} Backend
 * @typedef {{ name: string, status: string, requests: number, responses2xx: number,
 *   responses4xx: number, responses5xx: number, connectionErrors: number, responseErrors: number,
 *   retries: number, redispatches: number, checkStatus: string }} BackendStats
 * @typedef {Awaited<ReturnType<typeof startBalancer>>} Balancer
 */

/** @type {LogFn} */
function defaultLog(line) {
	process.stderr.write(`[e2e balancer] ${line}\n`);
}

/**
 * The HAProxy configuration (see the opening comment for the choices).
 * @param {{ port: number, signaturePort: number, pem: string, socket: string, backends: Backend[] }} o
 */
function haproxyConfig({ port, signaturePort, pem, socket, backends }) {
	const servers = backends
		.map((b) => `\tserver ${b.name} ${b.host ?? '127.0.0.1'}:${b.port}`)
		.join('\n');
	return `# Written by test/e2e/lib/balancer.js
global
	log stdout format raw local0 info
	maxconn 2000
	nbthread 1
	stats socket ${socket} mode 600 level admin
	ssl-default-bind-options ssl-min-ver TLSv1.2

defaults
	mode http
	log global
	option httplog
	option dontlognull
	timeout connect 2s
	timeout client 120s
	timeout server 120s
	timeout http-request 30s
	timeout http-keep-alive 10s
	timeout queue 10s
	timeout check 2s

frontend webhooks_in
	bind 127.0.0.1:${port} ssl crt ${pem} alpn http/1.1
	option forwardfor
	http-request set-header X-Forwarded-Proto https
	default_backend webhook_processes

# The same processes, routed by the delivery's signature (README, "Running n8n at scale"): every
# copy of one delivery reaches the same webhook process.
frontend webhooks_by_signature
	bind 127.0.0.1:${signaturePort} ssl crt ${pem} alpn http/1.1
	option forwardfor
	http-request set-header X-Forwarded-Proto https
	default_backend webhook_processes_by_signature

backend webhook_processes
	balance roundrobin
	# Retry only a connection that could not be made, then on another backend. A request that
	# reached a backend is never replayed.
	retries 2
	retry-on conn-failure
	option redispatch 1
	option httpchk GET /healthz/readiness
	http-check expect status 200
	# Which webhook process answered: the scale-out tests send a copy to the other one.
	http-response set-header X-Served-By %s
	default-server check inter 1s fastinter 500ms downinter 1s fall 1 rise 1 observe layer4 error-limit 1 on-error mark-down
${servers}

backend webhook_processes_by_signature
	balance hdr(X-Voxpria-Signature)
	hash-type consistent
	retries 2
	retry-on conn-failure
	option redispatch 1
	option httpchk GET /healthz/readiness
	http-check expect status 200
	http-response set-header X-Served-By %s
	default-server check inter 1s fastinter 500ms downinter 1s fall 1 rise 1 observe layer4 error-limit 1 on-error mark-down
${servers}
`;
}

/**
 * Sends one command to HAProxy's stats socket and answers its output.
 * @param {string} socket
 * @param {string} command
 * @returns {Promise<string>}
 */
function adminCommand(socket, command) {
	return new Promise((resolve, reject) => {
		const conn = net.connect(socket);
		let out = '';
		conn.setTimeout(5000, () => conn.destroy(new Error('haproxy stats socket: no answer')));
		conn.on('connect', () => conn.write(`${command}\n`));
		conn.on('data', (c) => {
			out += c.toString('utf8');
		});
		conn.on('end', () => resolve(out));
		conn.on('error', reject);
	});
}

/**
 * Starts HAProxy on a free port (or `port`) in front of `backends`, and waits until it answers.
 * Backends need not be up yet: they count as DOWN until their health check passes
 * (waitForBackends()).
 * @param {{ backends: Backend[], port?: number, cacheDir?: string, log?: LogFn,
 *   echo?: boolean }} opts
 */
async function startBalancer({
	backends,
	port: fixedPort,
	cacheDir,
	log = defaultLog,
	echo = false,
}) {
	const t0 = Date.now();
	const program = findProgram({
		program: 'haproxy',
		envVar: 'VOXPRIA_HAPROXY',
		debianPackage: 'haproxy',
		versionArg: '-v',
	});
	const version =
		/version (\S+)/i.exec(execFileSync(program, ['-v'], { encoding: 'utf8' }))?.[1] ?? 'unknown';
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'voxpria-balancer-'));
	const cert = ensureCert(cacheDir ? { cacheDir } : {});
	// HAProxy wants certificate and key in one PEM file.
	const pem = path.join(dir, 'localhost.pem');
	fs.writeFileSync(pem, `${cert.certPem.trim()}\n${cert.keyPem.trim()}\n`, { mode: 0o600 });
	const socket = path.join(dir, 'admin.sock');
	const configFile = path.join(dir, 'haproxy.cfg');
	for (let attempt = 1; ; attempt++) {
		const port = fixedPort ?? (await freePort());
		const signaturePort = await freePort();
		const config = haproxyConfig({ port, signaturePort, pem, socket, backends });
		fs.writeFileSync(configFile, config);
		try {
			execFileSync(program, ['-c', '-q', '-f', configFile], { stdio: 'pipe' });
		} catch (err) {
			const e = /** @type {{ stderr?: Buffer, message: string }} */ (err);
			fs.rmSync(dir, { recursive: true, force: true });
			throw new Error(`haproxy refused its configuration: ${e.stderr?.toString() || e.message}`);
		}
		/** @type {Awaited<ReturnType<typeof startServerProcess>>} */
		let server;
		try {
			// -db: stay in the foreground, logs to stdout; -Ws would add a master process.
			server = await startServerProcess({
				name: `haproxy on port ${port}`,
				program,
				args: ['-db', '-f', configFile],
				cwd: dir,
				removeDir: dir,
				ready: async () => (await adminCommand(socket, 'show info')).includes('Name: HAProxy'),
				startTimeoutMs: 15_000,
				stopTimeoutMs: 5000,
				echo,
			});
		} catch (err) {
			const message = /** @type {Error} */ (err).message;
			if (
				attempt < 3 &&
				fixedPort === undefined &&
				/cannot bind|address already in use/i.test(message)
			) {
				log(`port ${port} taken, retrying`);
				continue;
			}
			fs.rmSync(dir, { recursive: true, force: true });
			throw err;
		}

		/** @returns {Promise<BackendStats[]>} */
		const stats = async () => {
			const csv = await adminCommand(socket, 'show stat');
			const lines = csv.split('\n').filter((l) => l.trim());
			const header = (lines.shift() ?? '').replace(/^# /, '').split(',');
			const col = (/** @type {string[]} */ row, /** @type {string} */ name) =>
				row[header.indexOf(name)] ?? '';
			const num = (/** @type {string[]} */ row, /** @type {string} */ name) =>
				Number(col(row, name) || 0);
			return lines
				.map((l) => l.split(','))
				.filter(
					(row) => col(row, 'pxname') === 'webhook_processes' && col(row, 'svname') !== 'BACKEND',
				)
				.map((row) => ({
					name: col(row, 'svname'),
					status: col(row, 'status'),
					requests: num(row, 'stot'),
					responses2xx: num(row, 'hrsp_2xx'),
					responses4xx: num(row, 'hrsp_4xx'),
					responses5xx: num(row, 'hrsp_5xx'),
					connectionErrors: num(row, 'econ'),
					responseErrors: num(row, 'eresp'),
					retries: num(row, 'wretr'),
					redispatches: num(row, 'wredis'),
					checkStatus: col(row, 'check_status'),
				}));
		};

		const url = `https://localhost:${port}/`;
		log(
			`HAProxy ${version} on ${url} in ${((Date.now() - t0) / 1000).toFixed(1)} s, backends ${backends.map((b) => `${b.name}=${b.port}`).join(' ')}`,
		);
		return {
			/** With a trailing slash, like n8n's WEBHOOK_URL: `${url}webhook/<path>`. */
			url,
			port,
			/** The same webhook processes, routed by X-Voxpria-Signature (consistent hashing). */
			signatureUrl: `https://localhost:${signaturePort}/`,
			backends,
			version,
			/** The configuration HAProxy runs with. */
			config,
			configFile,
			get pid() {
				return server.pid;
			},
			/** HAProxy's own output: start-up messages and one line per request (httplog). */
			logText: server.logText,
			stats,
			/**
			 * Waits until every named backend (default: all) has the status (default 'UP').
			 * @param {{ names?: string[], status?: 'UP' | 'DOWN', timeoutMs?: number }} [o]
			 */
			waitForBackends: ({
				names = backends.map((b) => b.name),
				status = 'UP',
				timeoutMs = 30_000,
			} = {}) =>
				waitFor(
					async () => {
						const all = await stats();
						return (
							names.every((n) => all.find((s) => s.name === n)?.status.startsWith(status)) && all
						);
					},
					{ timeoutMs, intervalMs: 200, description: `backends ${names.join(', ')} ${status}` },
				),
			/**
			 * Stops HAProxy and removes its folder.
			 */
			stop: async () => {
				await server.stop();
				fs.rmSync(dir, { recursive: true, force: true });
			},
		};
	}
}

module.exports = { startBalancer, haproxyConfig };
