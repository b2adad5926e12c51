// @ts-check
'use strict';
/**
 * 5. Paging cost: listAll (from dist/) of 10,000 calls against the sandbox in each paging mode,
 * run in a real n8n-core ExecuteContext (test/helpers/n8n.ts, compiled on the fly into
 * node_modules/.cache/voxpria-bench), counting the
 * requests the sandbox received; and the heap that the listed records hold, per record.
 */

const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const http = require('node:http');
const { execFileSync } = require('node:child_process');
const { REPO, median, fmtBytes, fmtRatio, table, verdict, newestMtime } = require('./lib');

/** Outside the sources, so that neither tsc -p . nor eslint sees the compiled copy. */
const OUT = path.join(REPO, 'node_modules', '.cache', 'voxpria-bench', 'ts');
const TOTAL = 10_000;

/**
 * Compiles test/helpers/n8n.ts (and what it imports) into node_modules/.cache/voxpria-bench, unless
 * that output is newer than every source it comes from.
 */
function compileHelper(/** @type {(line: string) => void} */ log) {
	const built = path.join(OUT, 'test', 'helpers', 'n8n.js');
	const isTs = (/** @type {string} */ n) => n.endsWith('.ts');
	const sourceAt = Math.max(
		...['nodes', 'credentials', path.join('test', 'helpers')].map((dir) =>
			newestMtime(path.join(REPO, dir), isTs),
		),
		fs.statSync(path.join(__dirname, 'tsconfig.json')).mtimeMs,
	);
	if (fs.existsSync(built) && fs.statSync(built).mtimeMs > sourceAt) return;
	const t = Date.now();
	execFileSync(
		process.execPath,
		[require.resolve('typescript/bin/tsc'), '-p', path.join(__dirname, 'tsconfig.json')],
		{
			cwd: REPO,
			stdio: ['ignore', 'inherit', 'inherit'],
		},
	);
	log(`compiled test/helpers/n8n.ts in ${Date.now() - t} ms`);
}

const gc = () => {
	const collect = /** @type {() => void} */ (global.gc);
	collect();
	collect();
};

/** Lets closed sockets and finished requests release what they hold before the heap is read. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 100));

/**
 * The heap that the records answered by `fetch` hold: heapUsed after a full gc with the records,
 * minus before. The result is dropped before returning, so the next measurement starts clean.
 * @param {() => Promise<unknown[]>} fetch @param {number} n
 */
async function heldBy(fetch, n) {
	await settle();
	gc();
	const before = process.memoryUsage().heapUsed;
	/** @type {unknown[] | null} */ let records = await fetch();
	await settle();
	gc();
	const delta = process.memoryUsage().heapUsed - before;
	if (records.length !== n) throw new Error(`got ${records.length} records of ${n}`);
	records = null;
	return delta;
}

/**
 * Milliseconds that `fetch` takes to answer n distinct calls. Big results never outlive a helper
 * like this one: an async function's frame keeps its locals until it returns, which would
 * otherwise spoil the heap figures below.
 * @param {() => Promise<any[]>} fetch @param {number} n
 */
async function timed(fetch, n) {
	const t = process.hrtime.bigint();
	const records = await fetch();
	const ms = Number(process.hrtime.bigint() - t) / 1e6;
	const distinct = new Set(records.map((c) => c.callId)).size;
	if (distinct !== n)
		throw new Error(`got ${records.length} records, ${distinct} distinct, not ${n}`);
	return ms;
}

/** One plain GET of every call in one page, parsed: the least it can cost to hold the records. */
function fetchAllAtOnce(
	/** @type {string} */ url,
	/** @type {string} */ apiKey,
	/** @type {number} */ n,
) {
	return new Promise((resolve, reject) => {
		http
			// No keep-alive: a pooled socket would keep this response, its listeners and so the
			// resolved records alive until its next use, which would spoil the heap figures.
			.get(
				`${url}/api/v1/calls?page=1&limit=${n}`,
				{ agent: false, headers: { Authorization: `Bearer ${apiKey}`, Connection: 'close' } },
				(res) => {
					const chunks = /** @type {Buffer[]} */ ([]);
					res
						.on('data', (c) => chunks.push(c))
						.on('end', () => resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')).data));
				},
			)
			.on('error', reject);
	});
}

/** @param {{ quick: boolean, log: (line: string) => void }} o */
async function run({ quick, log }) {
	if (typeof global.gc !== 'function')
		throw new Error('run with node --expose-gc (npm run bench does)');
	compileHelper(log);
	const userFolder = fs.mkdtempSync(path.join(os.tmpdir(), 'voxpria-bench-n8n-'));
	process.env.N8N_USER_FOLDER = userFolder;
	const { loadOptionsContext } = require(path.join(OUT, 'test/helpers/n8n.js'));
	const { listAll, PAGE_SIZE } = require(path.join(REPO, 'dist/nodes/shared/paging'));
	const { startSandbox } = require(path.join(REPO, 'test/sandbox/server'));
	const sandbox = await startSandbox({ port: 0 });
	const context = () =>
		loadOptionsContext({ credentials: { apiKey: sandbox.apiKey, baseUrl: sandbox.url } });
	const list = () => listAll.call(context(), '/calls', { idField: 'callId' });
	const reps = quick ? 2 : 5;

	try {
		// --- requests per mode ---
		await sandbox.reset();
		await sandbox.seed({ calls: TOTAL });
		const cap = 100;
		const modes = [
			{
				mode: 'honour',
				minimum: Math.ceil(TOTAL / PAGE_SIZE) + 1,
				why: `${Math.ceil(TOTAL / PAGE_SIZE)} full pages of ${PAGE_SIZE}, then one empty page: no metadata says where the list ends, so a full last page needs one more request to see that nothing follows`,
			},
			{
				mode: 'cap',
				cap,
				minimum: Math.ceil(TOTAL / cap) + 1,
				why: `the first page (asked ${PAGE_SIZE}) answers ${cap}, a short page; nothing tells a cap from the end, so paging goes on at ${cap}: ${TOTAL / cap} full pages in all, then one empty page`,
			},
			{
				mode: 'ignore',
				minimum: 1,
				why: `the first answer holds ${TOTAL} records, more than the ${PAGE_SIZE} asked: the server sent everything at once`,
			},
		];
		const paging = [];
		for (const m of modes) {
			await sandbox.setPaging({ mode: m.mode, ...(m.cap ? { cap: m.cap } : {}) });
			await timed(list, TOTAL); // warm-up
			/** @type {number[]} */ const times = [];
			/** @type {number[]} */ const baseTimes = [];
			let requests = 0;
			let records = 0;
			for (let rep = 0; rep < reps; rep++) {
				// Interleaved with the baseline: the same records in one request of everything.
				await sandbox.setPaging({ mode: 'honour' });
				baseTimes.push(
					await timed(() => fetchAllAtOnce(sandbox.url, sandbox.apiKey, TOTAL), TOTAL),
				);
				await sandbox.setPaging({ mode: m.mode, ...(m.cap ? { cap: m.cap } : {}) });
				await sandbox.clearRequests();
				times.push(await timed(list, TOTAL));
				const log_ = await sandbox.requests();
				requests = log_.filter(
					(/** @type {any} */ r) => r.method === 'GET' && r.path === '/api/v1/calls',
				).length;
				records = TOTAL;
			}
			const ms = median(times);
			const baseMs = median(baseTimes);
			log(
				`paging ${m.mode}: ${requests} requests (minimum ${m.minimum}), ${ms.toFixed(0)} ms vs ${baseMs.toFixed(0)} ms for one request of everything`,
			);
			paging.push({
				mode: m.mode,
				cap: m.cap,
				records,
				requests,
				minimum: m.minimum,
				why: m.why,
				ms,
				baseMs,
				timeRatio: median(times.map((x, i) => x / baseTimes[i])),
			});
		}

		// --- memory per record (honour) ---
		const memory = [];
		for (const n of quick ? [1_000, 10_000] : [1_000, 5_000, 10_000]) {
			await sandbox.reset();
			await sandbox.seed({ calls: n });
			await heldBy(list, n); // warm-up
			await heldBy(() => fetchAllAtOnce(sandbox.url, sandbox.apiKey, n), n);
			/** @type {number[]} */ const deltas = [];
			/** @type {number[]} */ const baseDeltas = [];
			for (let rep = 0; rep < reps; rep++) {
				await sandbox.clearRequests();
				baseDeltas.push(await heldBy(() => fetchAllAtOnce(sandbox.url, sandbox.apiKey, n), n));
				await sandbox.clearRequests();
				deltas.push(await heldBy(list, n));
			}
			const bytes = median(deltas);
			const baseBytes = median(baseDeltas);
			log(
				`memory ${n}: listAll holds ${fmtBytes(bytes)} (${(bytes / n).toFixed(0)} B/record), one parsed answer ${fmtBytes(baseBytes)} (${(baseBytes / n).toFixed(0)} B/record)`,
			);
			memory.push({
				records: n,
				bytes,
				perRecord: bytes / n,
				baseBytes,
				basePerRecord: baseBytes / n,
			});
		}
		const sample = JSON.stringify((await sandbox.state()).calls[0]);
		return {
			total: TOTAL,
			pageSize: PAGE_SIZE,
			reps,
			paging,
			memory,
			recordJsonBytes: Buffer.byteLength(sample),
		};
	} finally {
		await sandbox.close();
		fs.rmSync(userFolder, { recursive: true, force: true });
	}
}

/** @param {any} r */
function render(r) {
	const rows = r.paging.map((/** @type {any} */ p) => [
		p.mode === 'cap' ? `cap (${p.cap})` : p.mode,
		p.requests,
		p.minimum,
		fmtRatio(p.requests / p.minimum),
		p.records.toLocaleString('en'),
		`${p.ms.toFixed(0)} ms`,
		`${fmtRatio(p.timeRatio)}`,
		p.why,
	]);
	const allMinimal = r.paging.every((/** @type {any} */ p) => p.requests === p.minimum);
	const memRows = r.memory.map((/** @type {any} */ m) => [
		m.records.toLocaleString('en'),
		fmtBytes(m.bytes),
		`${m.perRecord.toFixed(0)} B`,
		`${m.basePerRecord.toFixed(0)} B`,
		fmtRatio(m.bytes / m.baseBytes),
	]);
	const per = r.memory.map((/** @type {any} */ m) => m.perRecord);
	const linear = Math.min(...per) > 0 && Math.max(...per) / Math.min(...per) < 1.25;
	return [
		table(
			[
				'mode',
				'requests received',
				'minimum possible',
				'ratio',
				'records',
				'time (median)',
				'time vs one request of all',
				'why that minimum',
			],
			rows,
		),
		'',
		`Requests at the minimum the server allows in every mode: ${verdict(allMinimal)}. ${r.total.toLocaleString('en')} seeded calls, \`listAll('/calls', {idField: 'callId'})\` from dist/ in a real n8n-core ExecuteContext (n8n’s own HTTP helpers and credential authentication), page size asked ${r.pageSize}; ${r.reps} runs per mode, each interleaved with the baseline (one plain GET of all ${r.total.toLocaleString('en')} records in one page, parsed).`,
		'',
		table(
			[
				'records listed (honour)',
				'heap held by the result',
				'per record',
				'baseline per record: one parsed answer of all',
				'ratio',
			],
			memRows,
		),
		'',
		`Per-record memory roughly constant (max/min < 1.25): ${verdict(linear)}, so memory grows linearly with the list. heapUsed after \`gc()\` minus before, median of ${r.reps}; one sandbox call record is ${r.recordJsonBytes} B of JSON.`,
	].join('\n');
}

module.exports = { id: 'paging', title: '5. Paging cost', run, render };
