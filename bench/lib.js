// @ts-check
'use strict';
/** Shared pieces of the benchmarks: statistics, interleaved rounds, the build, the machine. */

const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { execFileSync } = require('node:child_process');

const REPO = path.join(__dirname, '..');

/** @param {string} line */
function log(line) {
	process.stderr.write(`[bench] ${line}\n`);
}

/** @param {number[]} values @param {number} p 0..100, linear interpolation between ranks */
function percentile(values, p) {
	if (values.length === 0) return NaN;
	const sorted = [...values].sort((a, b) => a - b);
	const rank = (p / 100) * (sorted.length - 1);
	const low = Math.floor(rank);
	const high = Math.ceil(rank);
	return sorted[low] + (sorted[high] - sorted[low]) * (rank - low);
}

/** @param {number[]} values */
const median = (values) => percentile(values, 50);

/**
 * Runs `a` and `b` in alternating rounds and compares them round by round, so that a slow phase
 * of a noisy machine hits both sides. A round is `batches` pairs of batches (A, B, A, B, …) of
 * `iterations` operations each; a side's time in the round is its fastest batch, since being
 * descheduled by another process only ever adds time. Each function runs n operations and
 * answers their total time in nanoseconds.
 * @param {{ rounds: number, iterations: number, batches?: number, a: (n: number) => number, b: (n: number) => number }} o
 */
function interleave({ rounds, iterations, batches = 5, a, b }) {
	/** @type {number[]} */ const aNs = [];
	/** @type {number[]} */ const bNs = [];
	/** @type {number[]} */ const ratios = [];
	for (let round = 0; round < rounds; round++) {
		let bestA = Infinity;
		let bestB = Infinity;
		for (let batch = 0; batch < batches; batch++) {
			bestA = Math.min(bestA, a(iterations) / iterations);
			bestB = Math.min(bestB, b(iterations) / iterations);
		}
		aNs.push(bestA);
		bNs.push(bestB);
		ratios.push(bestA / bestB);
	}
	return summarise(aNs, bNs, ratios);
}

/** @param {number[]} aNs @param {number[]} bNs @param {number[]} ratios */
function summarise(aNs, bNs, ratios) {
	return {
		aNs: median(aNs),
		bNs: median(bNs),
		ratio: median(ratios),
		ratioP10: percentile(ratios, 10),
		ratioP90: percentile(ratios, 90),
		rounds: ratios.length,
	};
}

/**
 * How many iterations of `fn` fill about `targetMs`, measured after a short warm-up.
 * @param {(n: number) => number} fn total ns for n iterations
 * @param {number} targetMs
 */
function calibrate(fn, targetMs) {
	let n = 1;
	for (;;) {
		const ns = fn(n);
		if (ns > 5e6 || n >= 1 << 24) return Math.max(1, Math.round((n * targetMs * 1e6) / ns));
		n *= 2;
	}
}

/** Newest modification time under a folder, for files whose name passes `keep`. */
function newestMtime(
	/** @type {string} */ dir,
	keep = (/** @type {string} */ name) => name !== '',
) {
	let newest = 0;
	if (!fs.existsSync(dir)) return 0;
	for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
		const full = path.join(dir, entry.name);
		if (entry.isDirectory()) newest = Math.max(newest, newestMtime(full, keep));
		else if (keep(entry.name)) newest = Math.max(newest, fs.statSync(full).mtimeMs);
	}
	return newest;
}

/** Runs `npm run build` when dist/ is missing or older than a source file. */
function ensureDist() {
	const marker = path.join(REPO, 'dist', 'nodes', 'VoxPriaTrigger', 'checkDelivery.js');
	const builtAt = fs.existsSync(marker)
		? newestMtime(path.join(REPO, 'dist'), (n) => n.endsWith('.js'))
		: 0;
	const isSource = (/** @type {string} */ n) => n.endsWith('.ts') || n.endsWith('.svg');
	const sourceAt = Math.max(
		...['nodes', 'credentials', 'icons'].map((folder) =>
			newestMtime(path.join(REPO, folder), isSource),
		),
	);
	if (builtAt >= sourceAt) return false;
	log(
		builtAt ? 'dist/ is older than the sources: npm run build' : 'dist/ is missing: npm run build',
	);
	execFileSync('npm', ['run', 'build', '--silent'], {
		cwd: REPO,
		stdio: ['ignore', 'ignore', 'inherit'],
	});
	return true;
}

/** @param {string} cmd @param {string[]} args */
function tryRun(cmd, args) {
	try {
		return execFileSync(cmd, args, {
			encoding: 'utf8',
			stdio: ['ignore', 'pipe', 'ignore'],
			timeout: 10_000,
		}).trim();
	} catch {
		return undefined;
	}
}

/** The machine and the other load on it while the bench ran. */
function machine() {
	const osRelease = fs.existsSync('/etc/os-release')
		? /PRETTY_NAME="([^"]*)"/.exec(fs.readFileSync('/etc/os-release', 'utf8'))?.[1]
		: undefined;
	return {
		cpu: os.cpus()[0]?.model ?? 'unknown',
		cores: os.cpus().length,
		memoryGb: Math.round(os.totalmem() / 2 ** 30),
		os: `${osRelease ?? os.type()} (${os.platform()} ${os.release()})`,
		node: process.version,
		loadavg: os.loadavg().map((l) => Number(l.toFixed(2))),
	};
}

/** Shortens a command line: paths to their last two parts. */
function shortCommand(/** @type {string} */ cmd) {
	return cmd
		.split(' ')
		.map((arg) => (arg.includes('/') ? arg.split('/').filter(Boolean).slice(-2).join('/') : arg))
		.join(' ')
		.slice(0, 80);
}

/**
 * CPU time used so far by every process (Linux /proc; empty elsewhere), to tell how much of the
 * machine other processes took while a bench ran.
 */
function cpuSnapshot() {
	/** @type {Map<number, {ticks: number, ppid: number, name: string}>} */
	const procs = new Map();
	if (fs.existsSync('/proc/self/stat')) {
		for (const pid of fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
			try {
				const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
				const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
				// Kernel threads have no command line: their name is in parentheses in stat.
				const cmd =
					fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').trim() ||
					`[${stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'))}]`;
				procs.set(Number(pid), {
					ticks: Number(fields[11]) + Number(fields[12]),
					ppid: Number(fields[1]),
					name: cmd,
				});
			} catch {
				// gone meanwhile
			}
		}
	}
	return { at: Date.now(), procs };
}

/** The pids of `root` and everything it started, in a snapshot. */
function treeOf(
	/** @type {ReturnType<typeof cpuSnapshot>} */ snapshot,
	/** @type {number} */ root,
) {
	const tree = new Set([root]);
	for (let grew = true; grew; ) {
		grew = false;
		for (const [pid, p] of snapshot.procs) {
			if (!tree.has(pid) && tree.has(p.ppid)) {
				tree.add(pid);
				grew = true;
			}
		}
	}
	return tree;
}

/** CPU seconds used so far by the processes this one started (an n8n and its task runner). */
function childrenCpuSeconds() {
	const snapshot = cpuSnapshot();
	let ticks = 0;
	for (const pid of treeOf(snapshot, process.pid))
		if (pid !== process.pid) ticks += snapshot.procs.get(pid)?.ticks ?? 0;
	return ticks / 100;
}

/**
 * Declares a process the bench started that is not its descendant (Postgres: pg_ctl leaves the
 * server to init), so that its CPU counts as the bench's, not as another engineer's. The list is
 * a file the root process names in BENCH_CLAIMS and reads while it samples.
 * @param {number | undefined} pid
 */
function claimProcess(pid) {
	if (pid === undefined || !process.env.BENCH_CLAIMS) return;
	fs.appendFileSync(process.env.BENCH_CLAIMS, `${pid}\n`);
}

/** The processes claimed with claimProcess. */
function claimedPids() {
	const file = process.env.BENCH_CLAIMS;
	if (!file || !fs.existsSync(file)) return [];
	return fs.readFileSync(file, 'utf8').split('\n').filter(Boolean).map(Number);
}

/** CPU seconds used so far by these processes and everything they started. */
function treeCpuSeconds(/** @type {number[]} */ roots) {
	const snapshot = cpuSnapshot();
	let ticks = 0;
	const pids = new Set(roots.flatMap((root) => [...treeOf(snapshot, root)]));
	for (const pid of pids) ticks += snapshot.procs.get(pid)?.ticks ?? 0;
	return ticks / 100;
}

/**
 * CPU used between two snapshots by processes outside the bench's own tree (the bench's root
 * process, BENCH_ROOT_PID or this one, everything it started, and the processes it claimed):
 * in cores, and the busiest.
 * @param {ReturnType<typeof cpuSnapshot>} before @param {ReturnType<typeof cpuSnapshot>} after
 */
function othersBusy(before, after) {
	const ours = treeOf(after, Number(process.env.BENCH_ROOT_PID) || process.pid);
	for (const claimed of claimedPids()) for (const pid of treeOf(after, claimed)) ours.add(pid);
	const seconds = Math.max(0.001, (after.at - before.at) / 1000);
	const ticksPerSecond = 100; // USER_HZ on Linux
	const busy = [...after.procs]
		.filter(([pid]) => !ours.has(pid))
		.map(([pid, p]) => ({
			name: shortCommand(p.name),
			cores: (p.ticks - (before.procs.get(pid)?.ticks ?? 0)) / ticksPerSecond / seconds,
		}))
		.filter((p) => p.cores > 0)
		.sort((a, b) => b.cores - a.cores);
	return { cores: busy.reduce((sum, p) => sum + p.cores, 0), top: busy.slice(0, 4), all: busy };
}

// --- formatting ---

/** @param {number} ns */
function fmtNs(ns) {
	if (!Number.isFinite(ns)) return 'n/a';
	if (ns < 1e3) return `${ns.toFixed(0)} ns`;
	if (ns < 1e6) return `${(ns / 1e3).toFixed(ns < 1e4 ? 2 : 1)} µs`;
	return `${(ns / 1e6).toFixed(ns < 1e7 ? 2 : 1)} ms`;
}

/** @param {number} bytes */
function fmtBytes(bytes) {
	if (!Number.isFinite(bytes)) return 'n/a';
	if (Math.abs(bytes) < 1024) return `${Math.round(bytes)} B`;
	if (Math.abs(bytes) < 1024 ** 2) return `${(bytes / 1024).toFixed(1)} KiB`;
	return `${(bytes / 1024 ** 2).toFixed(1)} MiB`;
}

/** @param {number} x */
const fmtRatio = (x) => (Number.isFinite(x) ? `${x.toFixed(2)}x` : 'n/a');

/** @param {{ratio: number, ratioP10: number, ratioP90: number}} r */
const fmtSpread = (r) =>
	`${fmtRatio(r.ratio)} (p10–p90 ${r.ratioP10.toFixed(2)}–${r.ratioP90.toFixed(2)})`;

/** @param {string[]} head @param {Array<Array<string | number>>} rows */
function table(head, rows) {
	return [
		`| ${head.join(' | ')} |`,
		`| ${head.map(() => '---').join(' | ')} |`,
		...rows.map((row) => `| ${row.join(' | ')} |`),
	].join('\n');
}

/** @param {boolean} met */
const verdict = (met) => (met ? '**met**' : '**not met**');

/**
 * BENCH_N8N_ENV='{"N8N_EXPRESSION_ENGINE":"legacy"}': settings for every n8n the benches start,
 * to see what a setting changes in the same bench (the reports name them).
 * @returns {Record<string, string>}
 */
function benchN8nEnv() {
	return JSON.parse(process.env.BENCH_N8N_ENV || '{}');
}

/** @param {number} ms */
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const fmtMs = (/** @type {number} */ ms) => `${ms < 10 ? ms.toFixed(1) : ms.toFixed(0)} ms`;

module.exports = {
	REPO,
	benchN8nEnv,
	sleep,
	fmtMs,
	log,
	percentile,
	median,
	interleave,
	summarise,
	calibrate,
	ensureDist,
	newestMtime,
	tryRun,
	machine,
	cpuSnapshot,
	othersBusy,
	childrenCpuSeconds,
	claimProcess,
	treeCpuSeconds,
	fmtNs,
	fmtBytes,
	fmtRatio,
	fmtSpread,
	table,
	verdict,
};
