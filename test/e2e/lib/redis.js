// @ts-check
'use strict';
/**
 * A throw-away Redis server from the machine's own packages (Debian's `redis-server`), for n8n's
 * queue mode (Bull): its own process on a free port on 127.0.0.1, working folder in a temporary
 * folder, no persistence (`--save ''`, `--appendonly no`). stop() ends it and removes the folder.
 */

const fs = require('node:fs');
const os = require('node:os');
const net = require('node:net');
const path = require('node:path');
const { freePort } = require('./http');
const { startServerProcess, findProgram } = require('./server');

/**
 * @typedef {(line: string) => void} LogFn
 * @typedef {Awaited<ReturnType<typeof startRedis>>} Redis
 */

/** @type {LogFn} */
function defaultLog(line) {
	process.stderr.write(`[e2e redis] ${line}\n`);
}

/**
 * Sends one inline command and answers the first reply line (e.g. '+PONG').
 * @param {number} port
 * @param {string} command
 * @returns {Promise<string>}
 */
function redisCommand(port, command) {
	return new Promise((resolve, reject) => {
		const socket = net.connect(port, '127.0.0.1');
		let data = '';
		socket.setTimeout(2000, () => socket.destroy(new Error('redis: no answer')));
		socket.on('connect', () => socket.write(`${command}\r\n`));
		socket.on('data', (chunk) => {
			data += chunk.toString('utf8');
			// A bulk string reply ($<len>) is complete once its body has arrived.
			const bulk = /^\$(\d+)\r\n/.exec(data);
			if (bulk ? data.length >= bulk[0].length + Number(bulk[1]) + 2 : data.includes('\r\n')) {
				socket.end();
				resolve(
					bulk
						? data.slice(bulk[0].length, bulk[0].length + Number(bulk[1]))
						: data.split('\r\n')[0],
				);
			}
		});
		socket.on('error', reject);
	});
}

/**
 * Starts redis-server and waits until it answers PING.
 * @param {{ log?: LogFn, startTimeoutMs?: number }} [opts]
 */
async function startRedis({ log = defaultLog, startTimeoutMs = 20_000 } = {}) {
	const t0 = Date.now();
	const program = findProgram({
		program: 'redis-server',
		envVar: 'VOXPRIA_REDIS_SERVER',
		debianPackage: 'redis-server',
		versionArg: '--version',
	});
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'voxpria-redis-'));
	for (let attempt = 1; ; attempt++) {
		const port = await freePort();
		/** @type {Awaited<ReturnType<typeof startServerProcess>>} */
		let server;
		try {
			server = await startServerProcess({
				name: `redis-server on port ${port}`,
				program,
				args: [
					'--port',
					String(port),
					'--bind',
					'127.0.0.1',
					'--save',
					'',
					'--appendonly',
					'no',
					'--dir',
					dir,
					'--protected-mode',
					'yes',
					'--daemonize',
					'no',
				],
				cwd: dir,
				removeDir: dir,
				ready: async () => (await redisCommand(port, 'PING')) === '+PONG',
				startTimeoutMs,
			});
		} catch (err) {
			// A port taken between freePort() and the server's bind: try another one.
			if (attempt < 3 && /in use/i.test(/** @type {Error} */ (err).message)) {
				log(`port ${port} taken, retrying`);
				continue;
			}
			fs.rmSync(dir, { recursive: true, force: true });
			throw err;
		}

		const info = await redisCommand(port, 'INFO server');
		const version = /redis_version:(\S+)/.exec(info)?.[1] ?? 'unknown';
		const startMs = Date.now() - t0;
		log(`Redis ${version} ready on 127.0.0.1:${port} in ${(startMs / 1000).toFixed(1)} s (${dir})`);
		return {
			host: '127.0.0.1',
			port,
			version,
			/** The environment n8n's queue mode needs to use this server. */
			env: { QUEUE_BULL_REDIS_HOST: '127.0.0.1', QUEUE_BULL_REDIS_PORT: String(port) },
			/** What differs from redis-server's defaults. */
			settings: { bind: '127.0.0.1', save: "''", appendonly: 'no' },
			startMs,
			get pid() {
				return server.pid;
			},
			logText: server.logText,
			/**
			 * Sends one inline command (e.g. 'DBSIZE') and answers the reply's first line, or a bulk
			 * reply's body.
			 * @param {string} command
			 */
			command: (command) => redisCommand(port, command),
			/** Stops the server and removes its folder. */
			stop: async () => {
				await server.stop();
				fs.rmSync(dir, { recursive: true, force: true });
			},
		};
	}
}

module.exports = { startRedis };
