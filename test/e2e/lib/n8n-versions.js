// @ts-check
'use strict';
/**
 * Which n8n versions this machine's npm registry can install, and the committed lockfiles the
 * e2e runtime installs them from (test/e2e/runtime/n8n-<version>/).
 *
 *   npm run n8n:newest                      newest n8n 2.x whose exact pins all resolve here
 *   npm run n8n:newest -- --update          ... and lock it and make it the `newest` in versions.json
 *   node test/e2e/lib/n8n-versions.js check 2.41.3 [2.41.1 ...] [--all-pins]   missing pins of each
 *   node test/e2e/lib/n8n-versions.js lock 2.41.1                  write test/e2e/runtime/n8n-2.41.1/
 *   node test/e2e/lib/n8n-versions.js lock 2.0.0 --override xlsx=0.18.5   same, with an npm override
 *
 * Why exact pins: n8n pins its own packages (`@n8n/*`, `n8n-core`, `n8n-nodes-base`, ...) to exact
 * versions, and a registry that lags behind npmjs.com may not carry all of them yet. `npm install`
 * then ends with ETARGET. The quick check looks up the exact pins of n8n's own packages, from
 * n8n down the tree (about 60 lookups; `--all-pins` adds the third-party exact pins, about 300,
 * several minutes on 2 cores). `lock` then proves a version with a full resolution
 * (`npm install --package-lock-only`), which is what the runtime installs from (`npm ci`).
 */

const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { execFile } = require('node:child_process');

const { npmEnv, RUNTIME_SRC, readVersions, lockDirFor } = require('./runtime');

const EXACT = /^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/;
/** n8n's own packages: the ones it pins exactly and publishes together with itself. */
const OWN = /^(@n8n\/|@n8n_io\/|n8n-)/;

/**
 * `npm view <spec> <fields> --json`, or undefined when the registry has no such version.
 * @param {string[]} args
 * @returns {Promise<any>}
 */
function npmView(args) {
	return new Promise((resolve, reject) => {
		execFile(
			'npm',
			['view', ...args, '--json'],
			{ env: npmEnv(), maxBuffer: 64 << 20 },
			(err, stdout) => {
				const text = stdout.trim();
				let parsed;
				try {
					parsed = text ? JSON.parse(text) : undefined;
				} catch {
					return reject(
						new Error(`npm view ${args.join(' ')}: unreadable answer: ${text.slice(0, 200)}`),
					);
				}
				if (parsed?.error) {
					if (parsed.error.code === 'E404') return resolve(undefined);
					return reject(new Error(`npm view ${args.join(' ')}: ${parsed.error.summary}`));
				}
				if (err && !parsed) return reject(err);
				resolve(parsed);
			},
		);
	});
}

/**
 * Runs fn over items, `limit` at a time.
 * @template T, R
 * @param {T[]} items
 * @param {number} limit
 * @param {(item: T) => Promise<R>} fn
 * @returns {Promise<R[]>}
 */
async function pool(items, limit, fn) {
	/** @type {R[]} */
	const results = new Array(items.length);
	let next = 0;
	const worker = async () => {
		while (next < items.length) {
			const index = next++;
			results[index] = await fn(items[index]);
		}
	};
	await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
	return results;
}

/** @param {string} v */
function semverKey(v) {
	return v.split(/[.-]/).slice(0, 3).map(Number);
}

/** @param {string} a @param {string} b */
function compareVersions(a, b) {
	const [x, y] = [semverKey(a), semverKey(b)];
	for (let i = 0; i < 3; i++) if (x[i] !== y[i]) return x[i] - y[i];
	return 0;
}

/**
 * The exact pins of n8n@version (and, down the tree, of n8n's own packages) that this registry
 * lacks: of n8n's own packages only, unless `thirdParty`. With `all: false` it stops at the first
 * missing one.
 * @param {string} version
 * @param {{ all?: boolean, thirdParty?: boolean, concurrency?: number }} [opts]
 * @returns {Promise<{ version: string, checked: number, missing: string[] }>}
 */
async function missingPins(version, { all = true, thirdParty = false, concurrency = 4 } = {}) {
	/** @type {Map<string, Promise<Record<string, string> | undefined>>} spec -> its dependencies (undefined: missing) */
	const seen = new Map();
	/** @type {string[]} */
	const missing = [];
	let stop = false;

	/** @param {string} spec */
	const depsOf = (spec) => {
		let p = seen.get(spec);
		if (!p) {
			p = npmView([spec, 'version', 'dependencies']).then((info) =>
				info === undefined ? undefined : (info.dependencies ?? {}),
			);
			seen.set(spec, p);
		}
		return p;
	};

	/** @param {string} spec */
	const walk = async (spec) => {
		const deps = await depsOf(spec);
		if (deps === undefined) throw new Error(`n8n@${version} is not in this registry`);
		// n8n's own packages first: that is where a lagging registry has gaps.
		const pins = Object.entries(deps)
			.filter(([, range]) => EXACT.test(range) || /^(https?|git)/.test(range))
			.filter(([name, range]) => thirdParty || OWN.test(name) || !EXACT.test(range))
			.sort(([a], [b]) => Number(OWN.test(b)) - Number(OWN.test(a)));
		/** @type {string[]} */
		const own = [];
		await pool(pins, concurrency, async ([name, range]) => {
			if (stop) return;
			const dep = `${name}@${range}`;
			if (!EXACT.test(range)) {
				// A tarball address outside the registry (n8n 1.x pulled xlsx from a CDN).
				missing.push(`${dep} (not from the registry)`);
				if (!all) stop = true;
				return;
			}
			const first = !seen.has(dep);
			const sub = await depsOf(dep);
			if (sub === undefined) {
				if (first) missing.push(dep);
				if (!all) stop = true;
			} else if (first && OWN.test(name)) {
				own.push(dep);
			}
		});
		for (const dep of own) if (!stop) await walk(dep);
	};

	await walk(`n8n@${version}`);
	return { version, checked: seen.size, missing: [...new Set(missing)].sort() };
}

/**
 * n8n 2.x versions the registry lists, newest first (no pre-releases).
 * @param {{ major?: number }} [opts]
 * @returns {Promise<{ versions: string[], latest: string | undefined }>}
 */
async function listVersions({ major = 2 } = {}) {
	const [versions, tags] = await Promise.all([
		npmView(['n8n', 'versions']),
		npmView(['n8n', 'dist-tags']),
	]);
	const list = /** @type {string[]} */ (versions)
		.filter((v) => /^\d+\.\d+\.\d+$/.test(v) && Number(v.split('.')[0]) === major)
		.sort(compareVersions)
		.reverse();
	return { versions: list, latest: tags?.latest };
}

/**
 * Walks n8n 2.x from the newest down and answers the first whose pins all resolve here. `known`
 * (the version already locked as the newest) ends the walk without a lookup: its lock proves it.
 * @param {{ log?: (line: string) => void, limit?: number, known?: string }} [opts]
 */
async function findNewestInstallable({ log = () => undefined, limit = 15, known } = {}) {
	const { versions, latest } = await listVersions();
	/** @type {Array<{ version: string, missing: string[] }>} */
	const skipped = [];
	for (const version of versions.slice(0, limit)) {
		if (version === known && fs.existsSync(path.join(lockDirFor(version), 'package-lock.json'))) {
			log(`n8n ${version}: locked in ${path.relative(process.cwd(), lockDirFor(version))} already`);
			return { version, latest, skipped };
		}
		const result = await missingPins(version, { all: false });
		if (result.missing.length === 0) {
			log(`n8n ${version}: every exact pin resolves (${result.checked} packages checked)`);
			return { version, latest, skipped };
		}
		log(`n8n ${version}: not installable here (e.g. ${result.missing[0]} is missing)`);
		skipped.push({ version, missing: result.missing });
	}
	throw new Error(`none of the newest ${limit} n8n 2.x versions installs from this registry`);
}

/**
 * Resolves n8n@version into a lockfile in a temporary folder and copies package.json and
 * package-lock.json to test/e2e/runtime/n8n-<version>/. Fails (ETARGET) if anything is missing.
 * `overrides` (npm's package.json field) replaces a dependency that does not come from the
 * registry: n8n up to 2.31 pulls xlsx from cdn.sheetjs.com, which these machines cannot reach.
 * @param {string} version
 * @param {{ log?: (line: string) => void, overrides?: Record<string, string> }} [opts]
 */
async function writeLock(version, { log = () => undefined, overrides } = {}) {
	if (!EXACT.test(version)) throw new Error(`not an exact version: ${version}`);
	const tmp = fs.mkdtempSync(path.join(os.tmpdir(), `voxpria-n8n-lock-${version}-`));
	const pkg = {
		name: 'voxpria-e2e-n8n-runtime',
		private: true,
		version: '0.0.0',
		description:
			'The real n8n that the end-to-end tests and the demo run. Installed into a cache folder outside the repository by test/e2e/lib/runtime.js.',
		dependencies: { n8n: version },
		...(overrides && Object.keys(overrides).length ? { overrides } : {}),
	};
	fs.writeFileSync(path.join(tmp, 'package.json'), JSON.stringify(pkg, null, 2) + '\n');
	const t0 = Date.now();
	log(`n8n ${version}: resolving the full tree (npm install --package-lock-only), about a minute`);
	await new Promise((resolve, reject) => {
		execFile(
			'npm',
			['install', '--package-lock-only', '--ignore-scripts', '--no-audit', '--no-fund'],
			{ cwd: tmp, env: npmEnv(), maxBuffer: 64 << 20 },
			(err, _stdout, stderr) =>
				err
					? reject(new Error(`n8n ${version} does not resolve here:\n${stderr}`))
					: resolve(undefined),
		);
	});
	const dir = lockDirFor(version);
	fs.mkdirSync(dir, { recursive: true });
	for (const f of ['package.json', 'package-lock.json'])
		fs.copyFileSync(path.join(tmp, f), path.join(dir, f));
	fs.rmSync(tmp, { recursive: true, force: true });
	log(
		`n8n ${version}: lock written to ${path.relative(process.cwd(), dir)} in ${Math.round((Date.now() - t0) / 1000)} s`,
	);
	return dir;
}

/**
 * Sets one role in test/e2e/runtime/versions.json.
 * @param {'main' | 'newest' | 'oldest'} role
 * @param {string} version
 */
function setRole(role, version) {
	const file = path.join(RUNTIME_SRC, 'versions.json');
	const config = JSON.parse(fs.readFileSync(file, 'utf8'));
	config.versions[role] = version;
	fs.writeFileSync(file, JSON.stringify(config, null, '\t') + '\n');
}

async function main() {
	const [command = 'newest', ...rest] = process.argv.slice(2);
	const log = (/** @type {string} */ line) => process.stdout.write(`${line}\n`);
	if (command === 'newest') {
		const current = readVersions().newest;
		const { version, latest, skipped } = await findNewestInstallable({ log, known: current });
		log('');
		log(
			`registry 'latest': ${latest}; newest installable here: ${version}; tested as newest: ${current}`,
		);
		for (const s of skipped) log(`  skipped ${s.version}: ${s.missing[0]} missing`);
		if (rest.includes('--update')) {
			if (
				version === current &&
				fs.existsSync(path.join(lockDirFor(version), 'package-lock.json'))
			) {
				log('nothing to update');
				return;
			}
			await writeLock(version, { log });
			setRole('newest', version);
			log(`versions.json: newest = ${version}. Run the compatibility suite on it, then commit:`);
			log(`  VOXPRIA_N8N_VERSION=newest npm run test:compat`);
			log(`  git add test/e2e/runtime && git commit -m "Test on n8n ${version} as the newest"`);
		} else if (version !== current) {
			log(`a newer n8n installs here: run \`npm run n8n:newest -- --update\``);
		}
	} else if (command === 'check') {
		const thirdParty = rest.includes('--all-pins');
		for (const version of rest.filter((arg) => !arg.startsWith('--'))) {
			const { missing, checked } = await missingPins(version, { thirdParty });
			log(
				missing.length
					? `n8n ${version}: ${missing.length} exact pins missing here (of ${checked} packages looked up): ${missing.join(', ')}`
					: `n8n ${version}: every exact pin resolves (${checked} packages looked up)`,
			);
		}
	} else if (command === 'lock') {
		/** @type {Record<string, string>} */
		const overrides = {};
		rest.forEach((arg, index) => {
			if (arg === '--override') {
				const [name, to] = (rest[index + 1] ?? '').split('=');
				if (!name || !to)
					throw new Error('--override wants name=version, e.g. --override xlsx=0.18.5');
				overrides[name] = to;
			}
		});
		const versions = rest.filter(
			(arg, index) => !arg.startsWith('--') && rest[index - 1] !== '--override',
		);
		for (const version of versions) await writeLock(version, { log, overrides });
	} else {
		throw new Error(
			`unknown command ${command}; use newest [--update], check <version...> or lock <version...>`,
		);
	}
}

if (require.main === module) {
	main().catch((err) => {
		process.stderr.write(`${err.message ?? err}\n`);
		process.exit(1);
	});
}

module.exports = { missingPins, listVersions, findNewestInstallable, writeLock, compareVersions };
