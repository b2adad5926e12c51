// @ts-check
'use strict';
/**
 * Packs the repository (`npm pack`; `npm run build` is the caller's job) and installs the tarball
 * into an n8n user folder the way n8n 2.40.7's Community Nodes installer does
 * (CommunityPackagesService.downloadPackage in n8n/dist/modules/community-packages):
 *
 *  - the tarball is extracted into <N8N_USER_FOLDER>/.n8n/nodes/node_modules/<name>
 *    (`tar -xzf … --strip-components=1`);
 *  - devDependencies, peerDependencies and optionalDependencies are removed from that copy's
 *    package.json;
 *  - `npm install` runs in the package folder (only needed when runtime dependencies remain; this
 *    package has none);
 *  - <N8N_USER_FOLDER>/.n8n/nodes/package.json (n8n's "ledger") lists the package as a dependency.
 *
 * At start n8n scans .n8n/nodes/node_modules for `n8n-nodes-*` and `@*\/n8n-nodes-*` folders
 * (n8n-core scanDirectoryForPackages) and loads their types as `<package name>.<node name>`.
 *
 * `require('n8n-workflow')` inside the package is resolved by n8n itself: at start
 * LoadNodesAndCredentials.init() puts n8n's own module paths on NODE_PATH, so a package without its
 * own copy falls back to n8n's. The user folder must therefore not lie below a node_modules that
 * holds another n8n-workflow (e.g. inside this repository), or that copy would win.
 */

const fs = require('node:fs');
const path = require('node:path');
const os = require('node:os');
const { execFileSync } = require('node:child_process');
const { npmEnv } = require('./runtime');

const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');

/**
 * `npm pack` of the repository into a fresh temporary folder.
 * @param {{ repoDir?: string }} [opts]
 * @returns {{ tarball: string, name: string, version: string, files: string[] }}
 */
function packRepo({ repoDir = REPO_ROOT } = {}) {
	if (!fs.existsSync(path.join(repoDir, 'dist'))) {
		throw new Error(`${repoDir}/dist is missing: run \`npm run build\` first`);
	}
	const dest = fs.mkdtempSync(path.join(os.tmpdir(), 'voxpria-pack-'));
	const out = execFileSync('npm', ['pack', '--json', '--pack-destination', dest], {
		cwd: repoDir,
		env: npmEnv(),
		encoding: 'utf8',
		stdio: ['ignore', 'pipe', 'pipe'],
		shell: process.platform === 'win32',
	});
	const [info] = JSON.parse(out.slice(out.indexOf('[')));
	return {
		tarball: path.join(dest, info.filename),
		name: info.name,
		version: info.version,
		files: info.files.map((/** @type {{ path: string }} */ f) => f.path),
	};
}

/**
 * Installs a packed tarball into an n8n user folder as n8n's Community Nodes installer does.
 * @param {{ tarball: string, userFolder: string }} opts
 * @returns {{ packageDir: string, name: string, version: string }}
 */
function installTarball({ tarball, userFolder }) {
	const nodesDir = path.join(userFolder, '.n8n', 'nodes');
	const staging = fs.mkdtempSync(path.join(os.tmpdir(), 'voxpria-unpack-'));
	try {
		execFileSync('tar', ['-xzf', tarball, '-C', staging, '--strip-components=1'], {
			stdio: 'pipe',
		});
		const pkgJsonPath = path.join(staging, 'package.json');
		const pkg = JSON.parse(fs.readFileSync(pkgJsonPath, 'utf8'));
		delete pkg.devDependencies;
		delete pkg.peerDependencies;
		delete pkg.optionalDependencies;
		fs.writeFileSync(pkgJsonPath, JSON.stringify(pkg, null, 2), 'utf8');

		const packageDir = path.join(nodesDir, 'node_modules', ...pkg.name.split('/'));
		fs.rmSync(packageDir, { recursive: true, force: true });
		fs.mkdirSync(path.dirname(packageDir), { recursive: true });
		fs.cpSync(staging, packageDir, { recursive: true });

		if (pkg.dependencies && Object.keys(pkg.dependencies).length > 0) {
			// The same flags n8n's installer passes.
			execFileSync(
				'npm',
				[
					'install',
					'--audit=false',
					'--fund=false',
					'--bin-links=false',
					'--install-strategy=shallow',
					'--ignore-scripts=true',
					'--package-lock=false',
				],
				{ cwd: packageDir, env: npmEnv(), stdio: 'pipe', shell: process.platform === 'win32' },
			);
		}

		// n8n's ledger of installed community packages (it rebuilds it from its database if absent).
		const ledgerPath = path.join(nodesDir, 'package.json');
		/** @type {{ name: string, private: boolean, dependencies: Record<string, string> }} */
		let ledger = { name: 'installed-nodes', private: true, dependencies: {} };
		try {
			const existing = JSON.parse(fs.readFileSync(ledgerPath, 'utf8'));
			if (existing && typeof existing.dependencies === 'object') ledger = existing;
		} catch {
			// none yet
		}
		ledger.dependencies[pkg.name] = pkg.version;
		fs.writeFileSync(ledgerPath, JSON.stringify(ledger, null, 2), 'utf8');

		assertNoForeignN8nWorkflow(packageDir);
		return { packageDir, name: pkg.name, version: pkg.version };
	} finally {
		fs.rmSync(staging, { recursive: true, force: true });
	}
}

/**
 * Fails if `n8n-workflow` would resolve from the installed package's own folder tree, i.e. not
 * from n8n's copy via NODE_PATH. Two copies of n8n-workflow break `instanceof` checks on n8n's
 * error classes.
 * @param {string} packageDir
 */
function assertNoForeignN8nWorkflow(packageDir) {
	/** @type {string[]} */
	const found = [];
	for (let dir = packageDir; ; dir = path.dirname(dir)) {
		const candidate = path.join(dir, 'node_modules', 'n8n-workflow');
		if (fs.existsSync(candidate)) found.push(candidate);
		if (path.dirname(dir) === dir) break;
	}
	if (found.length > 0) {
		throw new Error(
			`n8n-workflow would resolve to ${found[0]} from ${packageDir}, not to n8n's own copy. ` +
				'Put the n8n user folder outside any folder tree holding node_modules/n8n-workflow.',
		);
	}
}

/**
 * Packs the repository and installs it into the user folder.
 * @param {{ userFolder: string, repoDir?: string, tarball?: string }} opts
 */
function installPackage({ userFolder, repoDir, tarball }) {
	const packed = tarball ? undefined : packRepo({ repoDir });
	try {
		return installTarball({
			tarball: tarball ?? /** @type {NonNullable<typeof packed>} */ (packed).tarball,
			userFolder,
		});
	} finally {
		if (packed) fs.rmSync(path.dirname(packed.tarball), { recursive: true, force: true });
	}
}

module.exports = { packRepo, installTarball, installPackage, REPO_ROOT };
