#!/usr/bin/env node
// @ts-check
'use strict';
/**
 * npm run bench [-- --quick] [-- --only signature,e2e,fast,state,paging,queue,wal,engine] [-- --write] [-- --json]
 *
 * Runs each benchmark in its own Node process (with --expose-gc, so heap figures are clean and one
 * bench's garbage does not land in another's timing) and prints one markdown report. `--write`
 * replaces the results section of docs/BENCHMARKS.md and writes bench/results/latest.json.
 * See docs/BENCHMARKS.md.
 */

const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawn } = require('node:child_process');
const { REPO, log, ensureDist, machine, cpuSnapshot, othersBusy } = require('./lib');

/**
 * Bench id → the module that runs it. e2e and fast share one n8n, queue and wal one queue-mode
 * deployment, so one module runs each pair.
 */
const BENCHES = {
	signature: 'signature',
	e2e: 'n8n',
	fast: 'n8n',
	state: 'state',
	paging: 'paging',
	queue: 'cluster',
	wal: 'cluster',
	engine: 'engine',
};
/** The ids each module that runs several answers, under their own keys. */
const PARTS = { n8n: ['e2e', 'fast'], cluster: ['queue', 'wal'] };
/** The order they run in: in-process ones first, then the ones that start n8n, one at a time. */
const ORDER = ['signature', 'state', 'paging', 'e2e', 'fast', 'queue', 'wal', 'engine'];
/** The order of the report, as numbered in docs/BENCHMARKS.md. */
const REPORT_ORDER = ['signature', 'e2e', 'fast', 'state', 'paging', 'queue', 'wal', 'engine'];
const DOC = path.join(REPO, 'docs', 'BENCHMARKS.md');
const RESULTS_DIR = path.join(__dirname, 'results');
/** Processes a bench started outside its own tree (see claimProcess in lib.js). */
const CLAIMS = path.join(RESULTS_DIR, `claims.${process.pid}.tmp`);
const START = '<!-- bench:results:start -->';
const END = '<!-- bench:results:end -->';

function parseArgs(argv = process.argv.slice(2)) {
	const args = {
		quick: false,
		write: false,
		json: false,
		only: [...ORDER],
		child: '',
		out: '',
		render: '',
	};
	for (let i = 0; i < argv.length; i++) {
		const arg = argv[i];
		const value = () => {
			const [, inline] = arg.split('=');
			return inline ?? argv[++i] ?? '';
		};
		if (arg === '--quick' || arg === '-q') args.quick = true;
		else if (arg === '--write') args.write = true;
		else if (arg === '--json') args.json = true;
		else if (arg.startsWith('--only'))
			args.only = value()
				.split(',')
				.map((s) => s.trim())
				.filter(Boolean);
		else if (arg.startsWith('--child')) args.child = value();
		else if (arg.startsWith('--out')) args.out = value();
		else if (arg.startsWith('--render')) args.render = value();
		else if (arg === '--help' || arg === '-h') {
			process.stdout.write(
				`usage: npm run bench -- [--quick] [--only ${ORDER.join(',')}] [--write] [--json]\n       npm run bench -- --render bench/results/latest.json [--write]   (the report of a recorded run again)\n`,
			);
			process.exit(0);
		} else throw new Error(`unknown option ${arg} (try --help)`);
	}
	for (const id of args.only) {
		if (!(id in BENCHES)) throw new Error(`unknown bench "${id}"; known: ${ORDER.join(', ')}`);
	}
	if (
		args.write &&
		!args.child &&
		!args.render &&
		(args.quick || ORDER.some((id) => !args.only.includes(id)))
	) {
		throw new Error(
			'--write records a full measurement in docs/BENCHMARKS.md: run it without --quick and --only',
		);
	}
	const variations = ['BENCH_QUEUE_ROUNDS', 'BENCH_QUEUE_WORKFLOWS', 'BENCH_N8N_ENV'];
	if (args.write && !args.child && !args.render && variations.some((name) => process.env[name])) {
		throw new Error(`--write records the standard measurement: unset ${variations.join(', ')}`);
	}
	return args;
}

/**
 * Inside a child process: run one module, write its JSON result.
 * @param {ReturnType<typeof parseArgs>} args
 */
async function child(args) {
	const mod = require(`./${args.child}`);
	const result = await mod.run({ quick: args.quick, only: args.only, log });
	fs.writeFileSync(args.out, JSON.stringify(result));
}

/** @param {string} moduleName @param {{quick: boolean, only: string[]}} args */
function runChild(moduleName, args) {
	fs.mkdirSync(RESULTS_DIR, { recursive: true });
	const out = path.join(RESULTS_DIR, `${moduleName}.${process.pid}.tmp`);
	const childArgs = [
		'--expose-gc',
		__filename,
		'--child',
		moduleName,
		'--out',
		out,
		'--only',
		args.only.join(','),
	];
	if (args.quick) childArgs.push('--quick');
	return new Promise((resolve, reject) => {
		const proc = spawn(process.execPath, childArgs, {
			cwd: REPO,
			// The child's stdout goes to stderr too: the report alone goes to stdout.
			stdio: ['ignore', 2, 'inherit'],
			env: { ...process.env, BENCH_ROOT_PID: String(process.pid), BENCH_CLAIMS: CLAIMS },
		});
		const forward = (/** @type {NodeJS.Signals} */ signal) => proc.kill(signal);
		process.on('SIGINT', forward).on('SIGTERM', forward);
		proc.on('exit', (code, signal) => {
			process.off('SIGINT', forward).off('SIGTERM', forward);
			if (code !== 0) {
				reject(new Error(`bench ${moduleName} failed (${signal ?? `exit code ${code}`})`));
				return;
			}
			const result = JSON.parse(fs.readFileSync(out, 'utf8'));
			fs.rmSync(out, { force: true });
			resolve(result);
		});
	});
}

/** @param {any} report */
function renderReport(report) {
	const m = report.machine;
	const lines = [
		`Run of ${report.date}, ${report.quick ? '**quick mode** (fewer and shorter rounds: a smoke run, not a measurement)' : 'full mode'}, ${Math.round(report.seconds)} s in all.`,
		'',
		`- Machine: ${m.cpu}, ${m.cores} cores, ${m.memoryGb} GB RAM, ${m.os}`,
		`- Node for the benches: ${m.node}${report.n8n ? `; n8n ${report.n8n.version} on Node ${report.n8n.node}` : ''}${
			Object.keys(report.n8n?.env ?? {}).length
				? `; n8n settings beyond the defaults: ${Object.entries(report.n8n.env)
						.map(([k, v]) => `\`${k}=${v}\``)
						.join(', ')}`
				: ''
		}`,
		`- Load average at the start: ${m.loadavg.join(', ')}`,
	];
	lines.push(
		'- CPU taken by other processes while each bench ran (in cores, out of ' +
			`${m.cores}; the busiest):`,
	);
	for (const s of report.noise) {
		const top = s.top
			.map((/** @type {any} */ p) => `${p.cores.toFixed(2)} \`${p.name}\``)
			.join(', ');
		lines.push(
			`  - ${s.bench}: ${s.cores.toFixed(2)}${top ? ` (${top})` : ''}${s.loadavg ? `; load average at its end ${s.loadavg.join(', ')}` : ''}`,
		);
	}
	// Benches measured again in a later run of the same code and merged into this report.
	for (const again of report.remeasured ?? []) {
		lines.push(
			`- ${again.ids.join(' and ')}: measured again in a separate run of ${again.date} (\`--only ${again.ids.join(',')}\`), ${again.reason}; load average at its start ${again.loadavg.join(', ')}. Its figures replace the first run's below.`,
		);
	}
	if (report.noise.some((/** @type {any} */ s) => s.cores >= 0.2)) {
		lines.push(
			'- **Other processes were running during this run**: the figures are ratios to baselines measured interleaved with them, but their spread is wider than on a quiet machine.',
		);
	}
	for (const id of REPORT_ORDER) {
		const result = report.results[id];
		if (!result) continue;
		const mod = require(`./${BENCHES[/** @type {keyof typeof BENCHES} */ (id)]}`);
		const render = mod.renders?.[id] ?? mod.render;
		const title = mod.titles?.[id] ?? mod.title;
		lines.push('', `### ${title}`, '', render(result));
	}
	return lines.join('\n');
}

/** @param {string} markdown */
function writeDoc(markdown) {
	const doc = fs.readFileSync(DOC, 'utf8');
	const start = doc.indexOf(START);
	const end = doc.indexOf(END);
	if (start < 0 || end < start) throw new Error(`${DOC} lacks the markers ${START} … ${END}`);
	fs.writeFileSync(DOC, `${doc.slice(0, start + START.length)}\n${markdown}\n${doc.slice(end)}`);
}

async function main() {
	const args = parseArgs();
	if (args.child) return child(args);
	if (args.render) {
		// The report of a recorded run, rendered again (after a change to a render function).
		const markdown = renderReport(JSON.parse(fs.readFileSync(args.render, 'utf8')));
		process.stdout.write(`\n## VoxPria benchmarks\n\n${markdown}\n`);
		if (args.write) writeDoc(markdown);
		return;
	}

	const t0 = Date.now();
	process.env.BENCH_CLAIMS = CLAIMS;
	process.on('exit', () => fs.rmSync(CLAIMS, { force: true }));
	ensureDist();
	const selected = ORDER.filter((id) => args.only.includes(id));
	/** @type {Record<string, any>} */
	const results = {};
	const noise = [];
	let n8n;
	const done = new Set();
	for (const id of selected) {
		const moduleName = BENCHES[/** @type {keyof typeof BENCHES} */ (id)];
		if (done.has(moduleName)) continue;
		done.add(moduleName);
		log(`--- ${moduleName} ${args.quick ? '(quick)' : ''}`);
		// Sampled every 2 s: other processes that start and end within the bench are counted too.
		const t0 = Date.now();
		/** @type {Map<string, number>} */ const busySeconds = new Map();
		let last = cpuSnapshot();
		const sample = () => {
			const now = cpuSnapshot();
			const seconds = (now.at - last.at) / 1000;
			for (const p of othersBusy(last, now).all)
				busySeconds.set(p.name, (busySeconds.get(p.name) ?? 0) + p.cores * seconds);
			last = now;
		};
		const timer = setInterval(sample, 2000);
		const result = await runChild(moduleName, { quick: args.quick, only: selected }).finally(() =>
			clearInterval(timer),
		);
		sample();
		const seconds = (Date.now() - t0) / 1000;
		const top = [...busySeconds]
			.map(([name, s]) => ({ name, cores: s / seconds }))
			.sort((a, b) => b.cores - a.cores);
		noise.push({
			bench: moduleName,
			loadavg: os.loadavg().map((l) => Number(l.toFixed(2))),
			cores: top.reduce((sum, p) => sum + p.cores, 0),
			top: top.filter((p) => p.cores >= 0.02).slice(0, 4),
		});
		const parts = PARTS[/** @type {keyof typeof PARTS} */ (moduleName)];
		if (parts) {
			n8n ??= result.n8n;
			for (const part of parts) if (result[part]) results[part] = result[part];
		} else {
			results[id] = result;
		}
	}
	const report = {
		date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
		quick: args.quick,
		seconds: (Date.now() - t0) / 1000,
		machine: machine(),
		n8n,
		noise,
		results,
	};
	const markdown = renderReport(report);
	process.stdout.write(`\n## VoxPria benchmarks\n\n${markdown}\n`);
	if (args.json) process.stdout.write(`\n${JSON.stringify(report, null, 2)}\n`);
	if (args.write) {
		writeDoc(markdown);
		fs.mkdirSync(RESULTS_DIR, { recursive: true });
		fs.writeFileSync(path.join(RESULTS_DIR, 'latest.json'), `${JSON.stringify(report, null, 2)}\n`);
		log(`wrote the results section of ${path.relative(REPO, DOC)} and bench/results/latest.json`);
	}
}

main().catch((error) => {
	// A child prints the whole stack; the parent only says which bench failed (or what was wrong).
	const inChild = process.argv.includes('--child');
	process.stderr.write(
		`${inChild || process.env.BENCH_DEBUG ? error.stack : (error.message ?? error)}\n`,
	);
	process.exit(1);
});
