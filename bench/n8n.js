// @ts-check
'use strict';
/**
 * 2. n8n end to end: the VoxPria Trigger against n8n's own Webhook node (with a Header Auth
 *    credential, the fair baseline, and plain) and against itself with Ignore Duplicates off,
 *    under autocannon at a fixed concurrency; answers, executions and n8n's CPU per delivery.
 * 3. Fast answer: the trigger's HTTP answer with a 3 s Wait node behind it, against the same
 *    trigger alone and n8n's plain Webhook node, paced and back to back.
 * One real n8n 2.40.7 over HTTPS (test/e2e/lib) with the packed package installed, and the
 * sandbox in this process for the trigger's registration.
 */

const { randomUUID } = require('node:crypto');
const https = require('node:https');
const path = require('node:path');
const {
	REPO,
	sleep,
	fmtMs,
	median,
	percentile,
	fmtRatio,
	table,
	verdict,
	cpuSnapshot,
	othersBusy,
	childrenCpuSeconds,
	benchN8nEnv,
} = require('./lib');
const { signedDelivery } = require('./payload');
const { fire: fireLoad } = require('./load');
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
const THROUGHPUT_GOAL = 0.9;
const FAST_GOAL_MS = 100;
const WAIT_SECONDS = 3;
/**
 * Deliveries per second in the paced fast-answer run: more than VoxPria can send one account
 * (100 new calls per minute, each with call.started and call.completed: 3.3 per second).
 */
const RATE = 4;

/** @param {{ quick: boolean, only: string[], log: (line: string) => void }} o */
async function run({ quick, only, log }) {
	const { ensureRuntime } = require(path.join(REPO, 'test/e2e/lib/runtime'));
	const { startN8n } = require(path.join(REPO, 'test/e2e/lib/n8n'));
	const { startSandbox } = require(path.join(REPO, 'test/sandbox/server'));

	const runtime = await ensureRuntime({ log });
	const sandbox = await startSandbox({ port: 0 });
	/** @type {any} */ let n8n;
	try {
		const t0 = Date.now();
		n8n = await startN8n({ runtime, log, env: benchN8nEnv() });
		await n8n.setupOwner();
		log(
			`n8n ${runtime.n8nVersion} on Node ${runtime.nodeVersion} ready in ${((Date.now() - t0) / 1000).toFixed(0)} s`,
		);
		const { voxpria, headerAuth } = await createCredentials(n8n, sandbox);
		/** Creates and activates a workflow serving `urlPath`; answers its id and production URL. */
		const activate = async (
			/** @type {string} */ name,
			/** @type {any[]} */ nodes,
			/** @type {string} */ urlPath,
		) => ({
			id: await activateWorkflow(n8n, name, nodes, urlPath, [n8n.webhookBase]),
			url: `${n8n.webhookBase}webhook/${urlPath}`,
		});

		/** The executions of a workflow newer than `afterId` (newest first), following cursors only as far as needed. */
		const newExecutions = async (
			/** @type {string} */ workflowId,
			/** @type {number} */ afterId,
		) => {
			/** @type {any[]} */ const found = [];
			let cursor;
			for (;;) {
				const qs = new URLSearchParams({ workflowId, limit: '250' });
				if (cursor) qs.set('cursor', cursor);
				const page = await n8n.api('GET', `/executions?${qs}`);
				const fresh = page.data.filter((/** @type {any} */ e) => Number(e.id) > afterId);
				found.push(...fresh);
				cursor = page.nextCursor;
				if (!cursor || fresh.length < page.data.length) return found;
			}
		};
		/** @type {Record<string, number>} */ const lastSeen = {};
		/**
		 * Waits until the workflow's new executions have all finished: `atLeast` of them, and no
		 * new one for 2 s (requests still in flight when autocannon stopped may start one more
		 * each, up to `atMost`); answers them. A 401 or a duplicate answer starts none, so a
		 * shortfall shows up here.
		 */
		const settle = async (
			/** @type {{id: string}} */ target,
			/** @type {number} */ atLeast,
			/** @type {number} */ atMost,
			timeoutMs = 120_000,
		) => {
			const t = Date.now();
			/** @type {any[]} */ let found = [];
			let newest = '';
			let stableSince = Date.now();
			for (;;) {
				// Cheap polls (n8n's CPU is being measured): the newest execution, and whether any runs.
				const [latest, running] = await Promise.all([
					n8n.api('GET', `/executions?workflowId=${target.id}&limit=1`),
					n8n.api('GET', `/executions?workflowId=${target.id}&status=running&limit=1`),
				]);
				const id = String(latest.data[0]?.id ?? '');
				if (id !== newest) {
					newest = id;
					stableSince = Date.now();
				}
				const quiet = running.data.length === 0 && latest.data[0]?.stoppedAt;
				// Execution ids count across all workflows: enough newer ids only prompts an early full count.
				if (
					quiet &&
					(Date.now() - stableSince >= 2000 || Number(id) - (lastSeen[target.id] ?? 0) >= atMost)
				) {
					found = await newExecutions(target.id, lastSeen[target.id] ?? 0);
					const finished = found.filter((e) => e.stoppedAt).length;
					if (
						finished === found.length &&
						(finished >= atMost || (finished >= atLeast && Date.now() - stableSince >= 2000))
					)
						break;
				}
				if (Date.now() - t > timeoutMs) {
					found = await newExecutions(target.id, lastSeen[target.id] ?? 0);
					break;
				}
				await sleep(500);
			}
			if (found.length)
				lastSeen[target.id] = Math.max(lastSeen[target.id] ?? 0, ...found.map((e) => Number(e.id)));
			return { executions: found, settleMs: Date.now() - t };
		};

		/**
		 * autocannon against one target; each request takes the next distinct delivery.
		 * @param {{url: string, secret?: string}} target
		 * @param {{ connections: number, duration?: number, amount?: number }} load
		 */
		const fire = async (target, load) => {
			const expected = load.amount ?? Math.ceil(load.duration ?? 10) * 400;
			const secret = target.secret ?? 'unused';
			const pool = Array.from({ length: Math.min(expected, 6_000) }, () =>
				signedDelivery(secret, BODY_BYTES),
			);
			let next = 0;
			return fireLoad(target.url, {
				...load,
				headers: { [TOKEN_HEADER]: TOKEN },
				next: () => pool[next++] ?? signedDelivery(secret, BODY_BYTES),
			});
		};

		/**
		 * Deliveries at evenly spaced moments, `rate` per second, whether or not earlier ones have
		 * been answered (as VoxPria sends them), over at most `connections` kept-alive connections.
		 * autocannon's own rate limit sends each second's requests in one burst, which is not this.
		 * @param {{url: string, secret: string}} target @param {{ connections: number, amount: number, rate: number }} load
		 */
		const paced = async (target, load) => {
			const agent = new https.Agent({
				keepAlive: true,
				maxSockets: load.connections,
				rejectUnauthorized: false,
			});
			const pool = Array.from({ length: load.amount }, () =>
				signedDelivery(target.secret, BODY_BYTES),
			);
			const r = {
				ok: 0,
				sent: 0,
				non2xx: 0,
				errors: 0,
				duplicates: 0,
				latencies: /** @type {number[]} */ ([]),
			};
			/** @type {Promise<void>[]} */ const pending = [];
			const start = Date.now();
			for (let i = 0; i < load.amount; i++) {
				await sleep(Math.max(0, start + (i * 1000) / load.rate - Date.now()));
				const { body, signature: sig } = pool[i];
				r.sent++;
				pending.push(
					new Promise((resolve) => {
						const t = process.hrtime.bigint();
						const req = https.request(
							target.url,
							{
								method: 'POST',
								agent,
								headers: {
									'content-type': 'application/json',
									'content-length': body.length,
									'x-voxpria-signature': sig,
								},
							},
							(res) => {
								let text = '';
								res.setEncoding('utf8').on('data', (chunk) => (text += chunk));
								res.on('end', () => {
									r.latencies.push(Number(process.hrtime.bigint() - t) / 1e6);
									if ((res.statusCode ?? 0) >= 200 && (res.statusCode ?? 0) < 300) r.ok++;
									else r.non2xx++;
									if (/"duplicate"\s*:\s*true/.test(text)) r.duplicates++;
									resolve();
								});
							},
						);
						req.on('error', () => {
							r.errors++;
							resolve();
						});
						req.end(body);
					}),
				);
			}
			await Promise.all(pending);
			agent.destroy();
			return r;
		};

		/** @type {any} */ const out = {
			n8n: { version: runtime.n8nVersion, node: runtime.nodeVersion, env: benchN8nEnv() },
		};

		if (only.includes('e2e')) {
			const tE2e = Date.now();
			const trig = triggerNode(voxpria);
			const noMemory = triggerNode(voxpria, { ignoreDuplicates: false });
			const targets = [
				{
					key: 'trigger',
					label: 'VoxPria Trigger (signed deliveries)',
					...(await activate('Bench: VoxPria Trigger', [trig.node], trig.urlPath)),
				},
				{
					key: 'noMemory',
					label: 'VoxPria Trigger, Ignore Duplicates off',
					...(await activate(
						'Bench: VoxPria Trigger, no memory',
						[noMemory.node],
						noMemory.urlPath,
					)),
				},
				{
					key: 'header',
					label: 'Webhook node + Header Auth credential (baseline)',
					...(await activate(
						'Bench: Webhook + Header Auth',
						[webhookNode('bench-header', headerAuth)],
						'bench-header',
					)),
				},
				{
					key: 'plain',
					label: 'Webhook node, no credential',
					...(await activate('Bench: plain Webhook', [webhookNode('bench-plain')], 'bench-plain')),
				},
			].map((t) => ({ ...t, secret: /** @type {string | undefined} */ (undefined) }));
			targets[0].secret = await registrationSecret(sandbox, targets[0].url);
			targets[1].secret = await registrationSecret(sandbox, targets[1].url);

			const rounds = quick ? 2 : 5;
			const duration = 8;
			// Quick mode sends a fixed number instead: every request is answered, so nothing is left
			// in flight and the wait for executions ends as soon as they are done.
			const load = quick ? { connections: 10, amount: 40 } : { connections: 10, duration };
			const connections = 10;
			log(
				`e2e: warm-up, then ${rounds} rounds × ${targets.length} workflows × ${quick ? `${load.amount} requests` : `${duration} s`} at ${connections} connections`,
			);
			for (const target of targets) {
				const warm = await fire(target, { connections, amount: quick ? 10 : 50 });
				await settle(target, warm.ok, warm.sent);
			}
			/** @type {any[]} */ const rows = [];
			for (let round = 0; round < rounds; round++) {
				// Rotate the order so that no workflow always follows the same one.
				const order = targets.map((_, i) => targets[(i + round) % targets.length]);
				/** @type {Record<string, any>} */ const roundResult = { round: round + 1 };
				for (const target of order) {
					const before = cpuSnapshot();
					const cpuBefore = childrenCpuSeconds();
					const r = await fire(target, load);
					const others = othersBusy(before, cpuSnapshot());
					const { executions, settleMs } = await settle(target, r.ok, r.sent);
					// n8n's own CPU time (process and task runner) from the run's start until its
					// executions have finished, per execution: what one delivery costs n8n.
					const cpuMs =
						((childrenCpuSeconds() - cpuBefore) * 1000) / Math.max(1, executions.length);
					const succeeded = executions.filter((e) => e.status === 'success').length;
					const lastStop = Math.max(
						...executions.map((e) => Date.parse(e.stoppedAt)).filter(Number.isFinite),
					);
					const execPerSec = executions.length
						? executions.length / ((lastStop - r.startedAt) / 1000)
						: 0;
					const { latencies, ...figures } = r;
					roundResult[target.key] = {
						...figures,
						p90: percentile(latencies, 90),
						executions: executions.length,
						succeeded,
						settleMs,
						execPerSec,
						cpuMs,
						othersCores: others.cores,
					};
					log(
						`round ${round + 1} ${target.key}: ${r.reqPerSec.toFixed(1)} req/s, p50 ${r.p50.toFixed(0)} ms, p99 ${r.p99.toFixed(0)} ms, ` +
							`other processes ${others.cores.toFixed(2)} cores, ${r.ok} 2xx / ${r.non2xx} non-2xx / ${r.errors} errors / ${r.duplicates} duplicate answers, ${r.sent} sent, ${executions.length} executions (${succeeded} success), ${execPerSec.toFixed(1)} executions/s, n8n CPU ${cpuMs.toFixed(0)} ms each`,
					);
				}
				rows.push(roundResult);
			}
			log(`e2e took ${((Date.now() - tE2e) / 1000).toFixed(0)} s`);
			out.e2e = {
				rounds: rows,
				duration: quick ? undefined : duration,
				amount: quick ? load.amount : undefined,
				connections,
				bodyBytes: BODY_BYTES,
				goal: THROUGHPUT_GOAL,
				labels: Object.fromEntries(targets.map((t) => [t.key, t.label])),
			};
		}

		if (only.includes('fast')) {
			const tFast = Date.now();
			const withWait = triggerNode(voxpria);
			const wait = {
				id: randomUUID(),
				name: 'Wait',
				type: 'n8n-nodes-base.wait',
				typeVersion: 1.1,
				position: [200, 0],
				webhookId: randomUUID(),
				parameters: { resume: 'timeInterval', amount: WAIT_SECONDS, unit: 'seconds' },
			};
			const alone = triggerNode(voxpria);
			const targets = [
				{
					key: 'wait',
					...(await activate('Bench: trigger + Wait 3 s', [withWait.node, wait], withWait.urlPath)),
					secret: '',
				},
				{
					key: 'alone',
					...(await activate('Bench: trigger alone', [alone.node], alone.urlPath)),
					secret: '',
				},
				// n8n's own floor: its Webhook node answers once the execution is created.
				{
					key: 'plain',
					...(await activate(
						'Bench: plain Webhook (fast)',
						[webhookNode('bench-fast-plain')],
						'bench-fast-plain',
					)),
					secret: '',
				},
			];
			targets[0].secret = await registrationSecret(sandbox, targets[0].url);
			targets[1].secret = await registrationSecret(sandbox, targets[1].url);
			for (const target of targets) {
				const warm = await fire(target, { connections: 2, amount: quick ? 4 : 10 });
				await settle(target, warm.ok, warm.sent);
			}
			// Paced: VoxPria's deliveries arrive at the pace calls end, below what n8n can run; the
			// goal is about this. Back to back: as fast as two connections go, beyond n8n's capacity.
			const loads = [
				{
					key: 'paced',
					total: quick ? 20 : 200,
					chunk: quick ? 10 : 25,
					connections: 2,
					rate: RATE,
				},
				{ key: 'burst', total: quick ? 10 : 40, chunk: quick ? 10 : 20, connections: 2 },
			];
			/** @type {Record<string, any>} */ const fast = {
				waitSeconds: WAIT_SECONDS,
				goalMs: FAST_GOAL_MS,
				loads: {},
			};
			for (const load of loads) {
				/** @type {Record<string, {latencies: number[], ok: number, sent: number, non2xx: number, errors: number, duplicates: number}>} */
				const acc = {};
				for (const t of targets)
					acc[t.key] = { latencies: [], ok: 0, sent: 0, non2xx: 0, errors: 0, duplicates: 0 };
				log(
					`fast ${load.key}: ${load.total} deliveries to each trigger workflow (half to the plain Webhook node), in chunks of ${load.chunk} alternating, ${load.connections} connections${load.rate ? `, ${load.rate} deliveries/s` : ''}`,
				);
				const othersBefore = cpuSnapshot();
				for (let sent = 0, i = 0; sent < load.total; sent += load.chunk, i++) {
					for (const target of targets.map((_, k) => targets[(k + i) % targets.length])) {
						// n8n's floor is there for comparison: half as many deliveries keep the run short.
						const amount =
							target.key === 'plain'
								? Math.min(load.chunk, load.total / 2 - acc.plain.sent)
								: load.chunk;
						if (amount <= 0) continue;
						const r = load.rate
							? await paced(target, { connections: load.connections, amount, rate: load.rate })
							: await fire(target, { connections: load.connections, amount });
						const a = acc[target.key];
						a.latencies.push(...r.latencies);
						a.ok += r.ok;
						a.sent += r.sent;
						a.non2xx += r.non2xx;
						a.errors += r.errors;
						a.duplicates += r.duplicates;
					}
				}
				/** @type {Record<string, any>} */
				const result = {
					total: load.total,
					chunk: load.chunk,
					connections: load.connections,
					rate: load.rate,
					othersCores: othersBusy(othersBefore, cpuSnapshot()).cores,
				};
				for (const target of targets) {
					const a = acc[target.key];
					const { executions } = await settle(target, a.ok, a.sent, 60_000);
					const runMs = executions
						.filter((e) => e.stoppedAt)
						.map((e) => Date.parse(e.stoppedAt) - Date.parse(e.startedAt));
					result[target.key] = {
						ok: a.ok,
						sent: a.sent,
						non2xx: a.non2xx,
						errors: a.errors,
						duplicates: a.duplicates,
						p50: percentile(a.latencies, 50),
						p99: percentile(a.latencies, 99),
						max: Math.max(...a.latencies),
						executions: executions.length,
						succeeded: executions.filter((e) => e.status === 'success').length,
						executionMsMedian: median(runMs),
						executionMsMin: Math.min(...runMs),
					};
					const x = result[target.key];
					log(
						`fast ${load.key} ${target.key}: p50 ${x.p50.toFixed(1)} ms, p99 ${x.p99.toFixed(1)} ms, ${x.ok} 2xx, ${x.executions} executions lasting ${x.executionMsMedian} ms (median)`,
					);
				}
				fast.loads[load.key] = result;
			}
			log(`fast took ${((Date.now() - tFast) / 1000).toFixed(0)} s`);
			out.fast = fast;
		}
		return out;
	} finally {
		await n8n?.stop();
		await sandbox.close();
	}
}

/** @param {any} r */
function renderE2e(r) {
	const keys = ['trigger', 'noMemory', 'header', 'plain'];
	const rows = [];
	for (const round of r.rounds) {
		for (const key of keys) {
			const x = round[key];
			rows.push([
				key === 'trigger' ? String(round.round) : '',
				r.labels[key],
				x.reqPerSec.toFixed(1),
				fmtMs(x.p50),
				fmtMs(x.p99),
				`${x.ok} / ${x.non2xx + x.errors} / ${x.sent}`,
				`${x.executions} (${x.succeeded} success)`,
				x.execPerSec.toFixed(1),
				fmtMs(x.cpuMs),
				x.othersCores.toFixed(2),
			]);
		}
	}
	/** Per-round ratios of the trigger to a baseline: higher is better for the trigger. */
	const ratios = (/** @type {string} */ base, /** @type {string} */ measure) =>
		r.rounds.map((/** @type {any} */ round) =>
			measure === 'cpuMs'
				? round[base].cpuMs / round.trigger.cpuMs
				: round.trigger[measure] / round[base][measure],
		);
	const cell = (/** @type {number[]} */ xs) =>
		`${fmtRatio(median(xs))} (${Math.min(...xs).toFixed(2)}–${Math.max(...xs).toFixed(2)})`;
	const measures = [
		['answered requests per second', 'reqPerSec'],
		['executions finished per second', 'execPerSec'],
		['deliveries per second of n8n CPU (1 ÷ CPU per delivery)', 'cpuMs'],
	];
	const summary = measures.map(([label, m]) => [
		label,
		cell(ratios('header', m)),
		cell(ratios('plain', m)),
		cell(ratios('noMemory', m)),
	]);
	const goalOn = (/** @type {string} */ m) => median(ratios('header', m)) >= r.goal;
	const allExecuted = r.rounds.every((/** @type {any} */ round) =>
		keys.every((k) => {
			const x = round[k];
			return (
				x.non2xx + x.errors + x.duplicates === 0 &&
				x.executions >= x.ok &&
				x.executions <= x.sent &&
				x.succeeded === x.executions
			);
		}),
	);
	return [
		table(
			[
				'round',
				'workflow',
				'req/s (2xx)',
				'p50',
				'p99',
				'2xx / other / sent',
				'executions',
				'executions/s',
				'n8n CPU per execution',
				'other processes (cores)',
			],
			rows,
		),
		'',
		'Trigger ÷ baseline, median of the rounds (lowest–highest round); above 1 the trigger does better:',
		'',
		table(
			[
				'measure',
				'÷ Webhook node + Header Auth (the baseline)',
				'÷ plain Webhook node',
				'÷ trigger with Ignore Duplicates off',
			],
			summary,
		),
		'',
		`- Goal ≥ ${r.goal}x the Webhook node with Header Auth: answered requests per second ${verdict(goalOn('reqPerSec'))}, executions per second ${verdict(goalOn('execPerSec'))}, n8n CPU per delivery ${verdict(goalOn('cpuMs'))}.`,
		`- Every answered request started exactly one execution that succeeded (2xx ≤ executions ≤ sent; requests still in flight when a run stopped may or may not have started one), with no error, no non-2xx and no duplicate answer: ${verdict(allExecuted)}.`,
		'',
		`autocannon, ${r.connections} connections, ${r.duration ? `${r.duration} s` : `${r.amount} requests`} per workflow per round, HTTPS (self-signed certificate), order rotated each round, after a warm-up of each. Every request carries a distinct ${r.bodyBytes.toLocaleString('en')}-byte call.completed delivery signed with the trigger’s registration secret, and the Header Auth token: all workflows receive the same bytes and headers. Each workflow is its trigger node alone. After each run the bench waits until the executions have all finished. "executions/s": their number over the time from the run’s start to the end of the last one. "n8n CPU per execution": the CPU time of n8n’s processes over that time, divided by the executions (it includes polling the executions API, about equally for all). "other processes": cores taken by processes outside the bench during the run.`,
	].join('\n');
}

/** @param {any} r */
function renderFast(r) {
	const rows = [];
	for (const load of Object.values(r.loads)) {
		const how = load.rate ? `paced, ${load.rate}/s` : 'back to back';
		for (const [label, x] of /** @type {Array<[string, any]>} */ ([
			[`trigger → Wait ${r.waitSeconds} s`, load.wait],
			['trigger alone (baseline)', load.alone],
			['plain Webhook node (n8n’s floor)', load.plain],
		]).filter(([, x]) => x)) {
			rows.push([
				label.startsWith('trigger →') ? how : '',
				label,
				fmtMs(x.p50),
				fmtMs(x.p99),
				fmtMs(x.max),
				`${x.ok} / ${x.non2xx + x.errors}`,
				`${x.executions} (${x.succeeded} success)`,
				fmtMs(x.executionMsMedian),
			]);
		}
	}
	const paced = r.loads.paced;
	const waited =
		paced.wait.executionMsMin >= r.waitSeconds * 1000 && paced.wait.executions === paced.wait.ok;
	const met = paced.wait.p99 < r.goalMs && waited;
	const burst = r.loads.burst;
	return [
		table(
			[
				'load',
				'workflow',
				'answer p50',
				'answer p99',
				'max',
				'2xx / other',
				'executions',
				'execution time (median)',
			],
			rows,
		),
		'',
		`- Paced: answer p99 with the Wait node ${fmtMs(paced.wait.p99)}, ${fmtRatio(paced.wait.p99 / paced.alone.p99)} the trigger alone${paced.plain ? ` and ${fmtRatio(paced.wait.p99 / paced.plain.p99)} n8n’s plain Webhook node` : ''}; goal < ${r.goalMs} ms: ${verdict(met)}. The executions did wait (shortest ${fmtMs(paced.wait.executionMsMin)}, one per delivery): ${verdict(waited)}.`,
		burst
			? `- Back to back (more deliveries than n8n runs per second): p99 ${fmtMs(burst.wait.p99)} with the Wait node, ${fmtRatio(burst.wait.p99 / burst.alone.p99)} the trigger alone.`
			: '',
		'',
		`- Other processes took ${Object.entries(r.loads)
			.map(
				([k, l]) => `${/** @type {any} */ (l).othersCores?.toFixed(2)} cores during the ${k} run`,
			)
			.join(' and ')}.`,
		'',
		`Distinct signed deliveries, ${paced.connections} connections, in chunks of ${paced.chunk} (paced) and ${burst?.chunk} (back to back), the workflows taking turns in rotating order: ${paced.total} paced and ${burst?.total} back to back to each trigger workflow, half as many to the plain Webhook node.`,
	].join('\n');
}

module.exports = {
	id: 'n8n',
	titles: { e2e: '2. n8n end to end vs n8n’s own Webhook node', fast: '3. Fast answer' },
	renders: { e2e: renderE2e, fast: renderFast },
	run,
};
