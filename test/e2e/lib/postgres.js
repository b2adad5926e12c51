// @ts-check
'use strict';
/**
 * A throw-away PostgreSQL server from the machine's own packages (Debian's `postgresql`), for n8n
 * with DB_TYPE=postgresdb: `initdb` in a temporary folder, `pg_ctl start` on a free port on
 * 127.0.0.1, one database and one password-protected user for n8n. stop() ends the server and
 * removes the folder. Nothing is mocked: n8n talks to a real Postgres over TCP.
 *
 * initdb and the server refuse to run as root. Run as root (CI, these machines), the folder is
 * given to the `postgres` OS user that Debian's package creates, and the server programs run as
 * that user (`runuser -u postgres --`, else `su postgres -s /bin/sh -c`). `psql` needs no OS user:
 * it connects over TCP with the password.
 *
 * Settings for tests (recorded in `settings`): fsync, synchronous_commit and full_page_writes
 * stay as in production except fsync=off and synchronous_commit=off, which only change what
 * survives a crash of the machine, not what n8n writes. WAL volume (walBytesSince) is therefore
 * what a production server would write for the same work.
 */

const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const crypto = require('node:crypto');
const { execFileSync, execFile } = require('node:child_process');
const { freePort, sleep } = require('./http');
const { guard } = require('./guard');
const { isAlive } = require('./pid');

/**
 * @typedef {(line: string) => void} LogFn
 * @typedef {Awaited<ReturnType<typeof startPostgres>>} Postgres
 */

/** Settings appended to postgresql.conf (besides port, listen address and socket folder). */
const TEST_SETTINGS = {
	fsync: 'off',
	synchronous_commit: 'off',
	full_page_writes: 'on',
	max_connections: '100',
	shared_buffers: '64MB',
	log_min_messages: 'warning',
	log_connections: 'off',
};

/** @type {LogFn} */
function defaultLog(line) {
	process.stderr.write(`[e2e postgres] ${line}\n`);
}

/**
 * The folder with initdb, pg_ctl and postgres: VOXPRIA_PG_BINDIR, `pg_config --bindir`, or the
 * newest /usr/lib/postgresql/<version>/bin (Debian's layout; /usr/bin/pg_config may come from
 * libpq-dev without the server).
 * @returns {string}
 */
function findBinDir() {
	/** @type {string[]} */
	const candidates = [];
	if (process.env.VOXPRIA_PG_BINDIR) candidates.push(process.env.VOXPRIA_PG_BINDIR);
	try {
		candidates.push(execFileSync('pg_config', ['--bindir'], { encoding: 'utf8' }).trim());
	} catch {
		// no pg_config on PATH
	}
	const debian = '/usr/lib/postgresql';
	if (fs.existsSync(debian)) {
		const versions = fs
			.readdirSync(debian)
			.filter((v) => /^\d+(\.\d+)?$/.test(v))
			.sort((a, b) => Number(b) - Number(a));
		for (const v of versions) candidates.push(path.join(debian, v, 'bin'));
	}
	const found = candidates.find((dir) => fs.existsSync(path.join(dir, 'initdb')));
	if (!found) {
		throw new Error(
			'PostgreSQL server programs (initdb, pg_ctl) not found. Install them: ' +
				'apt-get install -y --no-install-recommends postgresql (or set VOXPRIA_PG_BINDIR)',
		);
	}
	return found;
}

/**
 * How to run a server program as the OS user that owns the data folder.
 * @returns {{ user: string | undefined, uid: number | undefined, gid: number | undefined,
 *   wrap: (file: string, args: string[]) => [string, string[]] }}
 */
function serverUser() {
	if (typeof process.getuid !== 'function' || process.getuid() !== 0) {
		return { user: undefined, uid: undefined, gid: undefined, wrap: (f, a) => [f, a] };
	}
	const user = process.env.VOXPRIA_PG_OS_USER || 'postgres';
	let uid;
	let gid;
	try {
		uid = Number(execFileSync('id', ['-u', user], { encoding: 'utf8' }).trim());
		gid = Number(execFileSync('id', ['-g', user], { encoding: 'utf8' }).trim());
	} catch {
		throw new Error(
			`running as root, but there is no '${user}' OS user to run PostgreSQL as ` +
				"(Debian's postgresql package creates it; or set VOXPRIA_PG_OS_USER)",
		);
	}
	const hasRunuser = ['/usr/sbin/runuser', '/sbin/runuser', '/usr/bin/runuser'].some((p) =>
		fs.existsSync(p),
	);
	/** @param {string} s */
	const quote = (s) => `'${s.replace(/'/g, `'\\''`)}'`;
	return {
		user,
		uid,
		gid,
		wrap: (file, args) =>
			hasRunuser
				? ['runuser', ['-u', user, '--', file, ...args]]
				: ['su', [user, '-s', '/bin/sh', '-c', [file, ...args].map(quote).join(' ')]],
	};
}

/**
 * Starts a throw-away PostgreSQL server and creates a database for n8n.
 * @param {{ log?: LogFn, database?: string, user?: string, settings?: Record<string, string> }} [opts]
 *   `settings` are added to (and win over) the test settings above.
 */
async function startPostgres({
	log = defaultLog,
	database = 'n8n',
	user = 'n8n',
	settings = {},
} = {}) {
	const t0 = Date.now();
	const binDir = findBinDir();
	const bin = (/** @type {string} */ name) => path.join(binDir, name);
	const osUser = serverUser();
	const password = crypto.randomBytes(12).toString('hex');
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'voxpria-pg-'));
	const dataDir = path.join(dir, 'data');
	const logFile = path.join(dir, 'postgres.log');
	if (osUser.uid !== undefined && osUser.gid !== undefined)
		fs.chownSync(dir, osUser.uid, osUser.gid);

	/**
	 * Runs a server program (as the postgres OS user when we are root).
	 * @param {string} name
	 * @param {string[]} args
	 */
	const run = (name, args) => {
		const [file, argv] = osUser.wrap(bin(name), args);
		try {
			return execFileSync(file, argv, {
				cwd: dir,
				encoding: 'utf8',
				stdio: ['ignore', 'pipe', 'pipe'],
			});
		} catch (err) {
			const e = /** @type {{ stderr?: string, stdout?: string, message: string }} */ (err);
			throw new Error(`${name} failed: ${e.stderr || e.stdout || e.message}`);
		}
	};

	/** @type {{ release(): void } | undefined} */
	let guarded;
	/** @type {number | undefined} */
	let postmasterPid;
	let port = 0;
	const allSettings = { ...TEST_SETTINGS, ...settings };

	const cleanup = () => {
		if (postmasterPid !== undefined && isAlive(postmasterPid)) {
			try {
				run('pg_ctl', ['stop', '-D', dataDir, '-m', 'fast', '-w', '-t', '30']);
			} catch {
				try {
					process.kill(postmasterPid, 'SIGQUIT');
				} catch {
					// gone
				}
			}
		}
		guarded?.release();
		fs.rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
	};

	try {
		const pwFile = path.join(dir, 'pwfile');
		fs.writeFileSync(pwFile, `${password}\n`, { mode: 0o600 });
		if (osUser.uid !== undefined && osUser.gid !== undefined)
			fs.chownSync(pwFile, osUser.uid, osUser.gid);
		// -N: no fsync of the new cluster; trust for the Unix socket only (in our own 0700 folder),
		// a password (SCRAM) over TCP as in production.
		run('initdb', [
			'-D',
			dataDir,
			'-U',
			user,
			'--pwfile',
			pwFile,
			'-E',
			'UTF8',
			'--locale',
			'C',
			'--auth-local',
			'trust',
			'--auth-host',
			'scram-sha-256',
			'-N',
		]);
		fs.rmSync(pwFile, { force: true });
		const conf = Object.entries(allSettings)
			.map(([k, v]) => `${k} = '${v}'`)
			.join('\n');
		fs.appendFileSync(
			path.join(dataDir, 'postgresql.conf'),
			`\n# voxpria e2e harness\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '${dir}'\n${conf}\n`,
		);

		for (let attempt = 1; ; attempt++) {
			port = await freePort();
			try {
				run('pg_ctl', [
					'start',
					'-D',
					dataDir,
					'-l',
					logFile,
					'-w',
					'-t',
					'60',
					'-o',
					`-p ${port}`,
				]);
				break;
			} catch (err) {
				const text = `${/** @type {Error} */ (err).message}\n${readIfExists(logFile)}`;
				// A port taken between freePort() and the server's bind: try another one.
				if (attempt >= 3 || !/could not bind|in use/i.test(text)) {
					throw new Error(`${/** @type {Error} */ (err).message}\n${readIfExists(logFile)}`);
				}
				log(`port ${port} taken, retrying`);
				await sleep(200);
			}
		}
		postmasterPid = Number(
			fs.readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0],
		);
		// SIGQUIT: immediate shutdown if this process dies without stop().
		guarded = guard({ pid: postmasterPid, signal: 'SIGQUIT', removeDir: dir });
		run('psql', [
			'-X',
			'-q',
			'-h',
			dir,
			'-p',
			String(port),
			'-U',
			user,
			'-d',
			'postgres',
			'-v',
			'ON_ERROR_STOP=1',
			'-c',
			`CREATE DATABASE "${database}"`,
		]);
	} catch (err) {
		cleanup();
		throw err;
	}

	/** @type {NodeJS.ProcessEnv} */
	const pgEnv = { ...process.env, PGPASSWORD: password, PGCONNECT_TIMEOUT: '10' };
	// A PGSERVICE/PGOPTIONS of the caller's would change where psql connects or how.
	delete pgEnv.PGSERVICE;
	delete pgEnv.PGOPTIONS;
	/**
	 * Runs SQL with the psql program (over TCP, as the n8n user, in n8n's database) and answers
	 * its unaligned, tuples-only output, trimmed: one row per line, columns separated by `|`.
	 * @param {string} sql
	 * @returns {Promise<string>}
	 */
	const psql = (sql) =>
		new Promise((resolve, reject) => {
			execFile(
				bin('psql'),
				[
					'-X',
					'-A',
					'-t',
					'-q',
					'-h',
					'127.0.0.1',
					'-p',
					String(port),
					'-U',
					user,
					'-d',
					database,
					'-v',
					'ON_ERROR_STOP=1',
					'-c',
					sql,
				],
				{ env: pgEnv, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
				(err, stdout, stderr) => {
					if (err) reject(new Error(`psql: ${stderr || err.message}`));
					else resolve(stdout.trim());
				},
			);
		});

	const version = await psql('SHOW server_version');
	const startMs = Date.now() - t0;
	log(
		`PostgreSQL ${version} ready on 127.0.0.1:${port} in ${(startMs / 1000).toFixed(1)} s (${dir})`,
	);

	return {
		host: '127.0.0.1',
		port,
		user,
		password,
		database,
		/** The environment n8n needs to use this server. */
		env: {
			DB_TYPE: 'postgresdb',
			DB_POSTGRESDB_HOST: '127.0.0.1',
			DB_POSTGRESDB_PORT: String(port),
			DB_POSTGRESDB_DATABASE: database,
			DB_POSTGRESDB_USER: user,
			DB_POSTGRESDB_PASSWORD: password,
		},
		/** e.g. '15.14 (Debian 15.14-0+deb12u1)' */
		version,
		/** What was added to postgresql.conf for the tests (the rest are PostgreSQL's defaults). */
		settings: { ...allSettings, listen_addresses: '127.0.0.1', port: String(port) },
		binDir,
		dir,
		logFile,
		startMs,
		/** The postmaster's process id (its children are the backends). */
		get pid() {
			return postmasterPid !== undefined && isAlive(postmasterPid) ? postmasterPid : undefined;
		},
		/** The server's own log (warnings and errors only, see log_min_messages). */
		logText: () => readIfExists(logFile),
		psql,
		/** The current WAL insert position, e.g. '0/1A2B3C4'. */
		walLsn: () => psql('SELECT pg_current_wal_insert_lsn()'),
		/**
		 * WAL bytes written since `lsn` (from walLsn()), all databases together.
		 * @param {string} lsn
		 * @returns {Promise<number>}
		 */
		walBytesSince: async (lsn) => {
			if (!/^[0-9A-F]+\/[0-9A-F]+$/i.test(lsn)) throw new Error(`not an LSN: ${lsn}`);
			return Number(await psql(`SELECT pg_wal_lsn_diff(pg_current_wal_insert_lsn(), '${lsn}')`));
		},
		/** Stops the server (fast shutdown) and removes its folder. */
		stop: async () => {
			cleanup();
		},
	};
}

/** @param {string} file */
function readIfExists(file) {
	try {
		return fs.readFileSync(file, 'utf8');
	} catch {
		return '';
	}
}

module.exports = { startPostgres, findBinDir };
