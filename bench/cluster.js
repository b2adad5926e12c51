// @ts-check
'use strict';
/**
 * 6. Queue mode: the VoxPria Trigger against n8n's Webhook node with a Header Auth credential (and
 *    the plain Webhook node beside them) in n8n's queue-mode deployment: answered deliveries per
 *    second and answer times through the balancer, the workflows taking turns.
 * 7. Database writes: Postgres WAL bytes per accepted delivery, the Webhook node with Header Auth
 *    against the trigger with a full duplicate memory and the trigger with Ignore Duplicates off;
 *    in queue mode and, in a full run, in one n8n on Postgres.
 * The deployment is the one the scale-out tests use (test/e2e/lib/cluster.js): Postgres, Redis,
 * main, two `n8n webhook` processes behind HAProxy, one `n8n worker`; the VoxPria sandbox runs in
 * this process for the trigger's registration.
 */

const { randomUUID } = require('node:crypto');
const path = require('node:path');
const {
	REPO,
	sleep,
	fmtMs,
	median,
	percentile,
	fmtRatio,
	fmtBytes,
	table,
	verdict,
	cpuSnapshot,
	othersBusy,
	childrenCpuSeconds,
	claimProcess,
	treeCpuSeconds,
	benchN8nEnv,
} = require('./lib');
const { signedDelivery } = require('./payload');
const { fire } = require('./load');
const {
	TOKEN_HEADER,
	TOKEN,
	createCredentials,
	triggerNode,
	webhookNode,
	activateWorkflow,
	registrationSecret,
} = require('./workflows');

const BODY_BYTES = 2_000;
const QUEUE_GOAL = 0.95;
const WAL_GOAL = 2;
const CONNECTIONS = 10;
const INSIGHTS_FLUSH_SECONDS = 1;
/** Settings the WAL bench gives Postgres at run time (see "checkpoints" in docs/BENCHMARKS.md). */
const WAL_SETTINGS = { checkpoint_timeout: '1h', max_wal_size: '8GB' };
const SHOWN_SETTINGS = [
	'server_version',
	'wal_level',
	'full_page_writes',
	'wal_compression',
	'fsync',
	'synchronous_commit',
	'checkpoint_timeout',
	'max_wal_size',
	'shared_buffers',
	'autovacuum',
	'max_connections',
];

/**
 * One deployment (queue or postgres mode) with the bench's workflows, and what the benches need
 * from it.
 * @param {{ mode: 'queue' | 'postgres', runtime: any, sandbox: any, log: (line: string) => void }} o
 */
async function deploy({ mode, runtime, sandbox, log }) {
	const { startCluster } = require(path.join(REPO, 'test/e2e/lib/cluster'));
	const t0 = Date.now();
	// n8n's insights buffer each execution's figures and write them every 30 s by default: a flush
	// would land in whichever workflow's part of a WAL round is running then. Every second, they
	// land in the part whose executions made them (walRounds waits that long before reading the WAL).
	const cluster = await startCluster({
		runtime,
		mode,
		log,
		env: {
			N8N_INSIGHTS_FLUSH_INTERVAL_SECONDS: String(INSIGHTS_FLUSH_SECONDS),
			...benchN8nEnv(),
		},
	});
	claimProcess(cluster.postgres.pid);
	const startSeconds = (Date.now() - t0) / 1000;
	const n8n = cluster.main;
	const pg = cluster.postgres;
	try {
		await n8n.setupOwner();
		const { voxpria, headerAuth } = await createCredentials(n8n, sandbox);
		// Checkpoints at most hourly: see "checkpoints" in docs/BENCHMARKS.md. pg_walinspect reads the
		// WAL of each round afterwards. Both before the first measured delivery.
		for (const [name, value] of Object.entries(WAL_SETTINGS))
			await pg.psql(`ALTER SYSTEM SET ${name} = '${value}'`);
		await pg.psql('SELECT pg_reload_conf()');
		await pg.psql('CREATE EXTENSION IF NOT EXISTS pg_walinspect');

		/** Direct URLs to check that a webhook is live: each webhook process in queue mode, main otherwise. */
		const liveBases =
			mode === 'queue'
				? cluster.webhookProcesses.map((/** @type {any} */ p) => `${p.url}/`)
				: [n8n.webhookBase];
		/** Activates a workflow of one node; answers its id and URL (through the balancer in queue mode). */
		const activate = async (
			/** @type {string} */ name,
			/** @type {any} */ node,
			/** @type {string} */ urlPath,
		) => ({
			id: await activateWorkflow(n8n, name, [node], urlPath, liveBases),
			url: `${cluster.webhookBase}webhook/${urlPath}`,
		});
		const trigger = async (
			/** @type {string} */ key,
			/** @type {string} */ name,
			/** @type {Record<string, unknown>} */ options,
		) => {
			const { node, urlPath } = triggerNode(voxpria, options);
			const target = await activate(name, node, urlPath);
			return { key, ...target, secret: await registrationSecret(sandbox, target.url), accepted: 0 };
		};
		const webhook = async (
			/** @type {string} */ key,
			/** @type {string} */ name,
			/** @type {boolean} */ withAuth,
		) => {
			const urlPath = `bench-${key}-${randomUUID().slice(0, 8)}`;
			const node = webhookNode(urlPath, withAuth ? headerAuth : undefined);
			return {
				key,
				...(await activate(name, node, urlPath)),
				secret: 'whsec_unused_by_the_webhook_node',
				accepted: 0,
			};
		};
		/** @type {Record<string, any>} */
		const targets = {
			trigger: await trigger('trigger', 'Bench: VoxPria Trigger', {}),
			noMemory: await trigger('noMemory', 'Bench: VoxPria Trigger, Ignore Duplicates off', {
				ignoreDuplicates: false,
			}),
			header: await webhook('header', 'Bench: Webhook + Header Auth', true),
			plain: await webhook('plain', 'Bench: plain Webhook', false),
		};

		const sql = (/** @type {string} */ text) => pg.psql(text);
		const newestExecution = async () =>
			Number(await sql('SELECT COALESCE(MAX(id), 0) FROM execution_entity'));
		const queued = async () => {
			if (!cluster.redis) return 0;
			const lengths = await Promise.all(
				['wait', 'active', 'delayed'].map((list) =>
					cluster.redis.command(`LLEN bull:jobs:${list}`),
				),
			);
			return lengths.reduce((sum, reply) => sum + Number(String(reply).replace(/^:/, '')), 0);
		};
		/**
		 * Waits until the workflow has `expected` executions newer than `afterId`, all finished, and
		 * nothing else is queued or running anywhere (so the next round starts on an idle worker).
		 */
		const settle = async (
			/** @type {any} */ target,
			/** @type {number} */ afterId,
			/** @type {number} */ expected,
			timeoutMs = 300_000,
		) => {
			const t = Date.now();
			for (;;) {
				const [row, unfinished, inQueue] = await Promise.all([
					sql(
						`SELECT COUNT(*), COUNT(*) FILTER (WHERE status = 'success'), COUNT(*) FILTER (WHERE "stoppedAt" IS NULL), COALESCE(EXTRACT(EPOCH FROM MAX("stoppedAt")) * 1000, 0) FROM execution_entity WHERE "workflowId" = '${target.id}' AND id > ${afterId}`,
					),
					sql('SELECT COUNT(*) FROM execution_entity WHERE "stoppedAt" IS NULL'),
					queued(),
				]);
				const [count, succeeded, open, lastStop] = row.split('|').map(Number);
				if (count >= expected && open === 0 && Number(unfinished) === 0 && inQueue === 0) {
					return { executions: count, succeeded, lastStop, settleMs: Date.now() - t };
				}
				if (Date.now() - t > timeoutMs)
					throw new Error(
						`${target.key}: ${count} of ${expected} executions after ${timeoutMs / 1000} s (${open} unfinished, ${unfinished} unfinished in all, ${inQueue} queued)`,
					);
				await sleep(400);
			}
		};
		/** Distinct signed deliveries at a fixed concurrency through the balancer; then waits for their executions. */
		const send = async (
			/** @type {any} */ target,
			/** @type {number} */ amount,
			/** @type {number} */ connections,
		) => {
			const afterId = await newestExecution();
			const r = await fire(target.url, {
				connections,
				amount,
				headers: { [TOKEN_HEADER]: TOKEN },
				next: () => signedDelivery(target.secret, BODY_BYTES),
			});
			target.accepted += r.ok - r.duplicates;
			const s = await settle(target, afterId, r.ok - r.duplicates);
			return { ...r, ...s };
		};
		/** The trigger's saved memory in the database: entries and floor. */
		const savedMemory = async (/** @type {any} */ target) => {
			const { decodeMemory } = require(path.join(REPO, 'dist/nodes/VoxPriaTrigger/savedMemory'));
			const text = await sql(`SELECT "staticData" FROM workflow_entity WHERE id = '${target.id}'`);
			const nodes = text ? Object.values(JSON.parse(text)) : [];
			const seen = /** @type {any} */ (
				nodes.find((n) => n && typeof n === 'object' && 'seen' in /** @type {object} */ (n))
			)?.seen;
			const decoded = decodeMemory(seen);
			return {
				entries: decoded?.entries.length ?? 0,
				floor: decoded?.floor ?? 0,
				savedChars: typeof seen === 'string' ? seen.length : 0,
			};
		};
		const settings = async () => {
			const rows = await sql(
				`SELECT name, setting, COALESCE(unit, '') FROM pg_settings WHERE name IN (${SHOWN_SETTINGS.map((s) => `'${s}'`).join(', ')}) ORDER BY name`,
			);
			return Object.fromEntries(
				rows.split('\n').map((/** @type {string} */ line) => {
					const [name, setting, unit] = line.split('|');
					return [name, unit ? `${setting} ${unit}` : setting];
				}),
			);
		};
		const checkpoints = async () =>
			Number(await sql('SELECT checkpoints_timed + checkpoints_req FROM pg_stat_bgwriter'));
		/** The CPU of the whole deployment: n8n's processes, Redis and HAProxy (children) and Postgres. */
		const deploymentCpuSeconds = () => childrenCpuSeconds() + treeCpuSeconds([pg.pid]);
		const pids = (/** @type {{ pid?: number }[]} */ procs) =>
			procs.map((p) => p.pid).filter((pid) => pid !== undefined);
		/** The same, by role: where a workflow's extra cost lands. */
		const cpuByRole = () => ({
			webhook: treeCpuSeconds(pids(cluster.webhookProcesses)),
			worker: treeCpuSeconds(pids(cluster.workers)),
			main: treeCpuSeconds(pids([cluster.main])),
			postgres: treeCpuSeconds([pg.pid]),
		});
		const deployment = {
			mode,
			bound: /** @type {number} */ (
				require(path.join(REPO, 'dist/nodes/VoxPriaTrigger/deliveryMemory')).MAX_ENTRIES
			),
			startSeconds,
			cluster,
			targets,
			send,
			settle,
			newestExecution,
			savedMemory,
			settings,
			checkpoints,
			deploymentCpuSeconds,
			cpuByRole,
			sql,
			describe: async () => ({
				mode,
				startSeconds,
				n8nEnv: benchN8nEnv(),
				postgres: { version: pg.version, settings: await settings(), harness: pg.settings },
				redis: cluster.redis
					? { version: cluster.redis.version, settings: cluster.redis.settings }
					: undefined,
				haproxy: cluster.balancer ? { version: cluster.balancer.version } : undefined,
				processes:
					mode === 'queue'
						? { main: 1, webhook: cluster.webhookProcesses.length, worker: cluster.workers.length }
						: { main: 1 },
			}),
			stop: () => cluster.stop(),
		};
		return deployment;
	} catch (error) {
		await cluster.stop();
		throw error;
	}
}

/** @typedef {Awaited<ReturnType<typeof deploy>>} Deployment */

/**
 * Fills the trigger's duplicate memory beyond its bound with accepted deliveries, as on a trigger
 * that has been running for a while; answers what the database holds afterwards.
 * @param {Deployment} d @param {number} atLeast @param {(line: string) => void} log
 */
async function fill(d, atLeast, log) {
	const target = d.targets.trigger;
	if (target.accepted < atLeast) {
		const r = await d.send(target, atLeast - target.accepted, CONNECTIONS);
		if (r.ok !== r.sent)
			throw new Error(
				`filling the memory: ${r.sent - r.ok} of ${r.sent} deliveries not answered 2xx (${JSON.stringify(r.statuses)})`,
			);
	}
	const saved = await d.savedMemory(target);
	log(
		`${d.mode}: the trigger has accepted ${target.accepted} deliveries; its saved memory holds ${saved.entries} (${saved.savedChars} chars)`,
	);
	return saved;
}

/**
 * Queue throughput: rounds in rotating order, a fixed number of deliveries per workflow at a fixed
 * concurrency through the balancer, then a wait until the worker has run them all.
 * @param {Deployment} d @param {{ quick: boolean, log: (line: string) => void }} o
 */
async function queueRounds(d, { quick, log }) {
	// Ignore Duplicates off shows what the memory itself costs (its static-data save per delivery).
	// BENCH_QUEUE_WORKFLOWS=trigger,header: the goal's two alone, twice the rounds in the same time.
	const keys = (process.env.BENCH_QUEUE_WORKFLOWS || 'trigger,noMemory,header,plain')
		.split(',')
		.filter((key) => ['trigger', 'noMemory', 'header', 'plain'].includes(key));
	if (!keys.includes('trigger') || !keys.includes('header'))
		throw new Error('BENCH_QUEUE_WORKFLOWS must name trigger and header');
	// BENCH_QUEUE_ROUNDS: more rounds for a tighter median (each round moves by about ±15%).
	const rounds = quick ? 2 : Number(process.env.BENCH_QUEUE_ROUNDS) || 5;
	const amount = quick ? 20 : 150;
	log(
		`queue: ${rounds} rounds × ${keys.length} workflows × ${amount} deliveries at ${CONNECTIONS} connections through the balancer`,
	);
	const rows = [];
	for (let round = 0; round < rounds; round++) {
		/** @type {Record<string, any>} */ const row = { round: round + 1 };
		for (const key of keys.map((_, i) => keys[(i + round) % keys.length])) {
			const target = d.targets[key];
			const before = cpuSnapshot();
			const cpuBefore = d.deploymentCpuSeconds();
			const rolesBefore = d.cpuByRole();
			const r = await d.send(target, amount, CONNECTIONS);
			const cpuMs = ((d.deploymentCpuSeconds() - cpuBefore) * 1000) / Math.max(1, r.executions);
			const rolesAfter = d.cpuByRole();
			/** @type {Record<string, number>} */ const roleCpuMs = {};
			for (const [role, seconds] of Object.entries(rolesAfter))
				roleCpuMs[role] =
					((seconds - /** @type {any} */ (rolesBefore)[role]) * 1000) / Math.max(1, r.executions);
			const others = othersBusy(before, cpuSnapshot());
			const execPerSec = r.executions / ((r.lastStop - r.startedAt) / 1000);
			const { latencies, ...figures } = r;
			row[key] = {
				...figures,
				p90: percentile(latencies, 90),
				execPerSec,
				cpuMs,
				roleCpuMs,
				othersCores: others.cores,
			};
			log(
				`queue round ${round + 1} ${key}: ${r.reqPerSec.toFixed(1)} answered/s, p50 ${r.p50.toFixed(0)} ms, p99 ${r.p99.toFixed(0)} ms, ${r.ok}/${r.sent} 2xx ${JSON.stringify(r.statuses)}, ${r.executions} executions (${r.succeeded} success), ${execPerSec.toFixed(1)} executions/s, deployment CPU ${cpuMs.toFixed(0)} ms each (${Object.entries(
					roleCpuMs,
				)
					.map(([role, ms]) => `${role} ${ms.toFixed(0)}`)
					.join(', ')}), other processes ${others.cores.toFixed(2)} cores`,
			);
		}
		rows.push(row);
	}
	return {
		rounds: rows,
		amount,
		connections: CONNECTIONS,
		bodyBytes: BODY_BYTES,
		goal: QUEUE_GOAL,
		bound: d.bound,
		memory: await d.savedMemory(d.targets.trigger),
	};
}

/**
 * WAL bytes per accepted delivery: rounds in rotating order; each measures the WAL inserted from
 * before a batch of deliveries until their executions have all finished, then an idle stretch of
 * the same length shows the background.
 * @param {Deployment} d @param {{ quick: boolean, log: (line: string) => void, rounds: number }} o
 */
async function walRounds(d, { quick, log, rounds }) {
	const keys = ['header', 'trigger', 'noMemory'];
	const amount = quick ? 15 : 60;
	const connections = 4;
	// Warm: each workflow's first deliveries touch pages the later ones reuse.
	for (const key of ['header', 'noMemory'])
		if (d.targets[key].accepted < 20) await d.send(d.targets[key], 20, connections);
	const memoryBefore = await fill(d, quick ? 30 : 520, log);
	log(
		`wal (${d.mode}): ${rounds} rounds × ${keys.length} workflows × ${amount} deliveries at ${connections} connections, then an idle stretch`,
	);
	const checkpointsBefore = await d.checkpoints();
	const rows = [];
	for (let round = 0; round < rounds; round++) {
		/** @type {Record<string, any>} */ const row = { round: round + 1 };
		let busyMs = 0;
		for (const key of keys.map((_, i) => keys[(i + round) % keys.length])) {
			const target = d.targets[key];
			const checkpoints = await d.checkpoints();
			const lsn = await d.cluster.postgres.walLsn();
			const t = Date.now();
			const r = await d.send(target, amount, connections);
			// The insights of the last executions are written within a flush interval.
			await sleep(INSIGHTS_FLUSH_SECONDS * 1000 + 1_500);
			const end = await d.cluster.postgres.walLsn();
			const bytes = await d.cluster.postgres.walBytesSince(lsn);
			const ms = Date.now() - t;
			busyMs += ms;
			const accepted = r.ok - r.duplicates;
			row[key] = {
				start: lsn,
				end,
				bytes,
				accepted,
				sent: r.sent,
				ok: r.ok,
				executions: r.executions,
				succeeded: r.succeeded,
				perDelivery: bytes / accepted,
				ms,
				checkpoints: (await d.checkpoints()) - checkpoints,
			};
			log(
				`wal round ${round + 1} ${key}: ${fmtBytes(bytes)} for ${accepted} accepted deliveries (${r.executions} executions): ${(bytes / accepted / 1000).toFixed(2)} kB each, ${ms} ms`,
			);
		}
		// The background: what n8n and Postgres write with no delivery, over as long as one workflow's part.
		const idleMs = Math.round(busyMs / keys.length);
		const lsn = await d.cluster.postgres.walLsn();
		await sleep(idleMs);
		row.idle = {
			start: lsn,
			end: await d.cluster.postgres.walLsn(),
			bytes: await d.cluster.postgres.walBytesSince(lsn),
			ms: idleMs,
		};
		log(`wal round ${round + 1} idle: ${fmtBytes(row.idle.bytes)} in ${idleMs} ms`);
		rows.push(row);
	}
	const checkpointsDuring = (await d.checkpoints()) - checkpointsBefore;
	const memoryAfter = await d.savedMemory(d.targets.trigger);
	// pg_walinspect reads only flushed WAL; with synchronous_commit off the flush lags a little.
	await sleep(2_000);
	// The breakdown explains the figures; failing to read it must not lose them.
	const breakdown = await walBreakdown(d, rows, [...keys, 'idle']).catch(
		(/** @type {Error} */ error) => {
			log(`wal: could not read the WAL back with pg_walinspect: ${error.message}`);
			return undefined;
		},
	);
	return {
		mode: d.mode,
		rounds: rows,
		amount,
		connections,
		bodyBytes: BODY_BYTES,
		goal: WAL_GOAL,
		bound: d.bound,
		insightsFlushSeconds: INSIGHTS_FLUSH_SECONDS,
		memoryBefore,
		memoryAfter,
		checkpointsDuring,
		breakdown,
	};
}

/**
 * Where each workflow's WAL went, summed over its rounds (pg_walinspect): bytes by table (indexes
 * and TOAST counted with their table), full-page images apart. Read after the rounds, when the
 * WAL has been flushed; no checkpoint ran meanwhile, so it is all still there.
 * @param {Deployment} d @param {any[]} rows @param {string[]} keys
 */
async function walBreakdown(d, rows, keys) {
	/** @type {Record<string, any>} */ const out = {};
	for (const key of keys) {
		// An idle stretch may have written nothing: pg_walinspect refuses an empty range.
		const ranges = rows.map((row) => row[key]).filter((r) => r && r.bytes > 0);
		if (ranges.length === 0) {
			out[key] = { accepted: 0, rows: [] };
			continue;
		}
		const union = ranges
			.map((r) => `SELECT * FROM pg_get_wal_records_info('${r.start}', '${r.end}')`)
			.join(' UNION ALL ');
		const text = await d.sql(`
			WITH rec AS (
				SELECT record_length AS len, fpi_length AS fpi, (regexp_match(block_ref, 'rel \\d+/\\d+/(\\d+)'))[1]::oid AS node
				FROM (${union}) w
			), owner AS (
				SELECT c.relfilenode AS node, COALESCE(toast_owner.relname, tbl.relname) AS name
				FROM pg_class c
				LEFT JOIN pg_index i ON i.indexrelid = c.oid
				JOIN pg_class tbl ON tbl.oid = COALESCE(i.indrelid, c.oid)
				LEFT JOIN pg_class toast_owner ON toast_owner.reltoastrelid = tbl.oid
				WHERE c.relfilenode <> 0
			)
			SELECT COALESCE(owner.name, CASE WHEN rec.node IS NULL THEN '(no table: commits, other records)' ELSE '(other database or catalog)' END), COUNT(*), SUM(len), SUM(fpi)
			FROM rec LEFT JOIN owner ON owner.node = rec.node
			GROUP BY 1 ORDER BY 3 DESC`);
		const accepted = ranges.reduce((sum, r) => sum + (r.accepted ?? 0), 0);
		out[key] = {
			accepted,
			rows: text
				.split('\n')
				.filter(Boolean)
				.map((/** @type {string} */ line) => {
					const [name, records, bytes, fpi] = line.split('|');
					return { name, records: Number(records), bytes: Number(bytes), fpi: Number(fpi) };
				}),
		};
	}
	return out;
}

/** @param {{ quick: boolean, only: string[], log: (line: string) => void }} o */
async function run({ quick, only, log }) {
	const { ensureRuntime } = require(path.join(REPO, 'test/e2e/lib/runtime'));
	const { startSandbox } = require(path.join(REPO, 'test/sandbox/server'));
	const runtime = await ensureRuntime({ log });
	const sandbox = await startSandbox({ port: 0 });
	/** @type {any} */ const out = {
		n8n: { version: runtime.n8nVersion, node: runtime.nodeVersion },
	};
	/** @type {Deployment | undefined} */ let d;
	try {
		d = await deploy({ mode: 'queue', runtime, sandbox, log });
		log(`queue deployment ready in ${d.startSeconds.toFixed(0)} s`);
		// Warm-up: each workflow's first deliveries load code and caches. The trigger's memory is
		// filled beyond its bound before it is measured, as on a trigger that has run for a while.
		for (const key of ['header', 'plain', 'noMemory'])
			await d.send(d.targets[key], quick ? 5 : 20, CONNECTIONS);
		await fill(d, quick ? 30 : 520, log);
		if (only.includes('queue'))
			out.queue = { ...(await queueRounds(d, { quick, log })), deployment: await d.describe() };
		if (only.includes('wal'))
			out.wal = {
				queue: {
					...(await walRounds(d, { quick, log, rounds: quick ? 2 : 6 })),
					deployment: await d.describe(),
				},
			};
		await d.stop();
		d = undefined;
		// One n8n on Postgres, the most common production setup: a full run only.
		if (only.includes('wal') && !quick) {
			try {
				d = await deploy({ mode: 'postgres', runtime, sandbox, log });
				log(`postgres deployment ready in ${d.startSeconds.toFixed(0)} s`);
				out.wal.postgres = {
					...(await walRounds(d, { quick, log, rounds: 4 })),
					deployment: await d.describe(),
				};
			} catch (error) {
				// The queue-mode figures stand on their own.
				log(`wal in one n8n on Postgres failed: ${/** @type {Error} */ (error).stack}`);
				out.wal.postgresError = /** @type {Error} */ (error).message;
			}
		}
		return out;
	} finally {
		await d?.stop();
		await sandbox.close();
	}
}

const cell = (/** @type {number[]} */ xs) =>
	`${fmtRatio(median(xs))} (${Math.min(...xs).toFixed(2)}–${Math.max(...xs).toFixed(2)})`;
const kB = (/** @type {number} */ bytes) => `${(bytes / 1000).toFixed(1)} kB`;

/** @param {any} dep */
function describeDeployment(dep) {
	const pg = dep.postgres.settings;
	return [
		`- Deployment: ${
			dep.mode === 'queue'
				? `main, ${dep.processes.webhook} \`n8n webhook\` processes behind HAProxy ${dep.haproxy.version} (round robin, TLS), ${dep.processes.worker} \`n8n worker\`, Redis ${dep.redis.version} (${Object.entries(
						dep.redis.settings,
					)
						.map(([k, v]) => `${k} ${v}`)
						.join(', ')})`
				: 'one `n8n start`'
		}, PostgreSQL ${dep.postgres.version}; ${
			Object.keys(dep.n8nEnv ?? {}).length
				? `n8n settings beyond the defaults: ${Object.entries(dep.n8nEnv)
						.map(([k, v]) => `\`${k}=${v}\``)
						.join(', ')}; `
				: ''
		}ready in ${dep.startSeconds.toFixed(0)} s.`,
		`- PostgreSQL settings: ${Object.entries(pg)
			.map(([k, v]) => `${k} ${v}`)
			.join(', ')}.`,
	].join('\n');
}

/** @param {any} r */
function renderQueue(r) {
	const keys = ['trigger', 'noMemory', 'header', 'plain'].filter((k) => r.rounds[0][k]);
	const labels = {
		trigger: 'VoxPria Trigger (duplicate memory on)',
		noMemory: 'VoxPria Trigger, Ignore Duplicates off',
		header: 'Webhook node + Header Auth (baseline)',
		plain: 'Webhook node, no credential',
	};
	const rows = [];
	for (const round of r.rounds) {
		for (const key of keys) {
			const x = round[key];
			rows.push([
				key === 'trigger' ? String(round.round) : '',
				/** @type {any} */ (labels)[key],
				x.reqPerSec.toFixed(1),
				fmtMs(x.p50),
				fmtMs(x.p99),
				`${x.ok} / ${x.sent - x.ok}`,
				`${x.executions} (${x.succeeded} success)`,
				x.execPerSec.toFixed(1),
				fmtMs(x.cpuMs),
				x.othersCores.toFixed(2),
			]);
		}
	}
	const ratio = (/** @type {string} */ base, /** @type {string} */ m, lowerIsBetter = false) =>
		r.rounds.map((/** @type {any} */ round) =>
			lowerIsBetter ? round[base][m] / round.trigger[m] : round.trigger[m] / round[base][m],
		);
	/** @type {Array<[string, string, boolean]>} */
	const measures = [
		['answered deliveries per second', 'reqPerSec', false],
		['answer time p50 (baseline ÷ trigger)', 'p50', true],
		['answer time p99 (baseline ÷ trigger)', 'p99', true],
		['executions finished per second', 'execPerSec', false],
		['deliveries per second of deployment CPU', 'cpuMs', true],
	];
	const bases = ['header', 'plain', 'noMemory'].filter((k) => keys.includes(k));
	const summary = measures.map(([label, m, lower]) => [
		label,
		...bases.map((base) => cell(ratio(base, m, lower))),
	]);
	const baseLabels = {
		header: '÷ Webhook node + Header Auth (the baseline)',
		plain: '÷ plain Webhook node',
		noMemory: '÷ trigger with Ignore Duplicates off',
	};
	const met = median(ratio('header', 'reqPerSec')) >= r.goal;
	const allRan = r.rounds.every((/** @type {any} */ round) =>
		keys.every(
			(k) =>
				round[k].ok === round[k].sent &&
				round[k].duplicates === 0 &&
				round[k].executions === round[k].ok &&
				round[k].succeeded === round[k].executions,
		),
	);
	const med = (/** @type {string} */ k, /** @type {string} */ m) =>
		median(r.rounds.map((/** @type {any} */ round) => round[k][m]));
	return [
		describeDeployment(r.deployment),
		`- The trigger's saved memory after the rounds: ${r.memory.entries} entries of at most ${r.bound} (${r.memory.savedChars} characters)${r.memory.entries < r.bound ? ': **not full** (quick mode fills it only partly)' : ': full'}.`,
		'',
		table(
			[
				'round',
				'workflow',
				'answered/s',
				'p50',
				'p99',
				'2xx / other',
				'executions',
				'executions/s',
				'deployment CPU per delivery',
				'other processes (cores)',
			],
			rows,
		),
		'',
		'Trigger ÷ baseline, median of the rounds (lowest–highest round); above 1 the trigger does better:',
		'',
		table(['measure', ...bases.map((base) => /** @type {any} */ (baseLabels)[base])], summary),
		'',
		`- Goal ≥ ${r.goal}x the Webhook node with Header Auth in answered deliveries per second: ${verdict(met)} (${fmtRatio(median(ratio('header', 'reqPerSec')))}; medians ${med('trigger', 'reqPerSec').toFixed(1)} vs ${med('header', 'reqPerSec').toFixed(1)} answered/s, p50 ${fmtMs(med('trigger', 'p50'))} vs ${fmtMs(med('header', 'p50'))}, p99 ${fmtMs(med('trigger', 'p99'))} vs ${fmtMs(med('header', 'p99'))}).`,
		`- Every delivery answered 2xx and started exactly one execution, which succeeded on the worker: ${verdict(allRan)}.`,
		...(r.rounds[0].trigger.roleCpuMs ? [byRole(r, keys, labels)] : []),
		'',
		`autocannon, ${r.connections} connections through the balancer (HTTPS), ${r.amount} deliveries per workflow per round, order rotated each round, after a warm-up of each; the trigger's duplicate memory was filled beyond its bound first. Every request carries a distinct ${r.bodyBytes.toLocaleString('en')}-byte call.completed delivery with a current timestamp, signed with the trigger's registration secret, and the Header Auth token: all workflows receive the same bytes and headers. Each workflow is its trigger node alone, answering once n8n has queued the execution. After each run the bench waits until the worker has finished every execution and Redis holds no job, so rounds do not overlap. "executions/s": executions over the time from the run's start to the end of the last one. "deployment CPU": all n8n processes, Postgres, Redis and HAProxy over that time, per execution.`,
	].join('\n');
}

/**
 * Where each workflow's CPU per delivery went, medians of the rounds.
 * @param {any} r @param {string[]} keys @param {Record<string, string>} labels
 */
function byRole(r, keys, labels) {
	const roles = Object.keys(r.rounds[0].trigger.roleCpuMs);
	const med = (/** @type {string} */ k, /** @type {string} */ role) =>
		median(r.rounds.map((/** @type {any} */ round) => round[k].roleCpuMs[role]));
	return `- CPU per delivery by process, medians of the rounds (${roles.join(' / ')}; HAProxy and Redis are the rest): ${keys
		.map((k) => `${labels[k]} ${roles.map((role) => fmtMs(med(k, role))).join(' / ')}`)
		.join('; ')}.`;
}

/** @param {any} w one mode's WAL result */
function renderWalMode(w) {
	const keys = ['header', 'trigger', 'noMemory'];
	const labels = {
		header: 'Webhook node + Header Auth (baseline)',
		trigger: 'VoxPria Trigger, duplicate memory on',
		noMemory: 'VoxPria Trigger, Ignore Duplicates off',
	};
	const per = (/** @type {string} */ k) =>
		w.rounds.map((/** @type {any} */ round) => round[k].perDelivery);
	const ratios = (/** @type {string} */ k) =>
		w.rounds.map((/** @type {any} */ round) => round[k].perDelivery / round.header.perDelivery);
	const rows = keys.map((k) => [
		/** @type {any} */ (labels)[k],
		kB(median(per(k))),
		`${kB(Math.min(...per(k)))}–${kB(Math.max(...per(k)))}`,
		k === 'header' ? '1.00x' : cell(ratios(k)),
		k === 'trigger' ? verdict(median(ratios(k)) <= w.goal) : '',
	]);
	const idlePerSecond = median(
		w.rounds.map((/** @type {any} */ round) => round.idle.bytes / (round.idle.ms / 1000)),
	);
	const roundMs = median(
		w.rounds.flatMap((/** @type {any} */ round) => keys.map((k) => round[k].ms)),
	);
	const checkpointRounds = w.rounds.filter((/** @type {any} */ round) =>
		keys.some((k) => round[k].checkpoints > 0),
	).length;
	const allRan = w.rounds.every((/** @type {any} */ round) =>
		keys.every(
			(k) =>
				round[k].ok === round[k].sent &&
				round[k].executions === round[k].accepted &&
				round[k].succeeded === round[k].executions,
		),
	);
	/** The biggest tables per workflow, per accepted delivery. */
	const breakdown = !w.breakdown
		? ['  - (not available: pg_walinspect failed)']
		: keys.map((k) => {
				const b = w.breakdown[k];
				const parts = b.rows
					.filter((/** @type {any} */ x) => x.bytes / b.accepted >= 100)
					.slice(0, 6)
					.map(
						(/** @type {any} */ x) =>
							`${x.name} ${kB(x.bytes / b.accepted)}${x.fpi ? ` (full pages ${kB(x.fpi / b.accepted)})` : ''}`,
					);
				return `  - ${/** @type {any} */ (labels)[k]}: ${parts.join(', ')}`;
			});
	// The same comparison without n8n's insights tables (record bytes from the breakdown): what the
	// ratio is where insights are off or flushed at another time.
	const insights = (/** @type {string} */ name) => name.startsWith('insights_');
	const withoutInsights = (/** @type {string} */ k) =>
		!w.breakdown
			? NaN
			: w.breakdown[k].rows
					.filter((/** @type {any} */ x) => !insights(x.name))
					.reduce((/** @type {number} */ sum, /** @type {any} */ x) => sum + x.bytes, 0) /
				w.breakdown[k].accepted;
	const insightsPer = (/** @type {string} */ k) =>
		!w.breakdown
			? NaN
			: w.breakdown[k].rows
					.filter((/** @type {any} */ x) => insights(x.name))
					.reduce((/** @type {number} */ sum, /** @type {any} */ x) => sum + x.bytes, 0) /
				w.breakdown[k].accepted;
	return [
		describeDeployment(w.deployment),
		`- The trigger's saved memory: ${w.memoryBefore.entries} entries of at most ${w.bound} (${w.memoryBefore.savedChars} characters) before the rounds, ${w.memoryAfter.entries} after${w.memoryBefore.entries < w.bound ? ': **not full** (quick mode fills it only partly)' : ': full throughout'}.`,
		'',
		table(
			[
				'workflow',
				'WAL per accepted delivery (median of rounds)',
				'lowest–highest round',
				'÷ Webhook node + Header Auth: median (lowest–highest)',
				`goal ≤ ${w.goal}x`,
			],
			rows,
		),
		'',
		`- ${w.rounds.length} rounds of ${w.amount} deliveries per workflow (${w.connections} connections), order rotated; a round's part lasted ${(roundMs / 1000).toFixed(1)} s (median). Every delivery answered 2xx and ran once: ${verdict(allRan)}.`,
		`- Background with no delivery (idle stretch after each round): ${kB(idlePerSecond)} per second (median), about ${kB((idlePerSecond * roundMs) / 1000 / w.amount)} per delivery of a round's part; included in the figures above, alike for all.`,
		`- Checkpoints during the rounds: ${w.checkpointsDuring} (${checkpointRounds} rounds touched).`,
		`- n8n's insights (execution counts and times, tables \`insights_*\`) were written ${w.insightsFlushSeconds ? `every ${w.insightsFlushSeconds} s (\`N8N_INSIGHTS_FLUSH_INTERVAL_SECONDS\`; n8n's default is 30 s), so they fall in the part of the workflow whose executions made them` : "every 30 s (n8n's default), so a flush fell in whichever part ran at the time"}: ${keys.map((k) => `${kB(insightsPer(k))}`).join(', ')} per delivery (${keys.join(', ')}). Without them, from the records of all rounds: ${keys.map((k) => kB(withoutInsights(k))).join(', ')}; the trigger ${fmtRatio(withoutInsights('trigger') / withoutInsights('header'))} the Webhook node.`,
		`- Where the bytes went (pg_walinspect, per accepted delivery, all rounds; record bytes, indexes and TOAST counted with their table; parts of 0.1 kB and more):`,
		...breakdown,
	].join('\n');
}

/** @param {any} r */
function renderWal(r) {
	const parts = [renderWalMode(r.queue)];
	if (r.postgres)
		parts.push('', '**One n8n on Postgres (no queue):**', '', renderWalMode(r.postgres));
	if (r.postgresError)
		parts.push(
			'',
			`**One n8n on Postgres (no queue):** not measured in this run: ${r.postgresError}`,
		);
	parts.push(
		'',
		`Each part of a round sends distinct signed ${r.queue.bodyBytes.toLocaleString('en')}-byte call.completed deliveries (with a transcript) to one workflow and measures \`pg_current_wal_insert_lsn()\` from before the first until every execution has finished (and, in queue mode, Redis holds no job): the bytes n8n had Postgres write for them, divided by the accepted deliveries. Checkpoints: none is forced; \`checkpoint_timeout\` is raised to 1 h and \`max_wal_size\` to 8 GB at run time (\`ALTER SYSTEM\`, before the warm-up), so that no checkpoint falls inside the rounds and the full-page images written after one (full_page_writes is on) do not land in one workflow's part by chance. The figures are therefore the steady state between checkpoints; see docs/BENCHMARKS.md for what checkpoints add.`,
	);
	return parts.join('\n');
}

module.exports = {
	id: 'cluster',
	titles: {
		queue: '6. Queue mode: throughput and answer time',
		wal: '7. Database writes per delivery (Postgres WAL)',
	},
	renders: { queue: renderQueue, wal: renderWal },
	run,
};
