// @ts-check
'use strict';
/**
 * 8. n8n's expression engine: the CPU n8n spends on one production webhook request, refused and
 *    accepted, for the VoxPria Trigger and n8n's Webhook node with Header Auth, under n8n 2.40's
 *    default engine ("vm", an isolate per request), the legacy engine, and "vm" with lazy acquire.
 *    No goal: it is n8n's cost, which a deployment sizes its webhook processes for. Three n8n
 *    instances run side by side; their batches take turns, so each batch has the CPU to itself.
 */

const path = require('node:path');
const { REPO, sleep, table, treeCpuSeconds, fmtRatio } = require('./lib');
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
const CONNECTIONS = 10;
const ENGINES = [
	{ key: 'vm', label: 'default (`vm`)', env: {} },
	{
		key: 'legacy',
		label: '`N8N_EXPRESSION_ENGINE=legacy`',
		env: { N8N_EXPRESSION_ENGINE: 'legacy' },
	},
	{
		key: 'lazy',
		label: '`vm` with `N8N_EXPRESSION_ENGINE_LAZY_ACQUIRE=true`',
		env: { N8N_EXPRESSION_ENGINE_LAZY_ACQUIRE: 'true' },
	},
];
/** What each kind of request is, and the answer it must get. */
const KINDS = [
	{ key: 'triggerRefused', label: 'trigger, forged signature', status: 401 },
	{ key: 'webhookRefused', label: 'Webhook node + Header Auth, wrong token', status: 403 },
	{ key: 'triggerAccepted', label: 'trigger, signed delivery', status: 200 },
	{ key: 'webhookAccepted', label: 'Webhook node + Header Auth, right token', status: 200 },
];

/** Waits until n8n's processes are idle (the executions behind accepted requests have run). */
async function settle(/** @type {number} */ pid) {
	for (let tries = 0; tries < 40; tries++) {
		const before = treeCpuSeconds([pid]);
		await sleep(500);
		if (treeCpuSeconds([pid]) - before < 0.03) return;
	}
}

/** @param {{ quick: boolean, log: (line: string) => void }} o */
async function run({ quick, log }) {
	const { ensureRuntime } = require(path.join(REPO, 'test/e2e/lib/runtime'));
	const { startN8n } = require(path.join(REPO, 'test/e2e/lib/n8n'));
	const { startSandbox } = require(path.join(REPO, 'test/sandbox/server'));

	const rounds = quick ? 1 : 3;
	const batch = quick ? 40 : 100;
	const runtime = await ensureRuntime({ log });
	const sandbox = await startSandbox({ port: 0 });
	/** @type {any[]} */ const instances = [];
	try {
		for (const engine of ENGINES) {
			const n8n = await startN8n({ runtime, log, env: engine.env });
			instances.push({ engine, n8n });
			await n8n.setupOwner();
			const { voxpria, headerAuth } = await createCredentials(n8n, sandbox);
			const live = [n8n.webhookBase];
			const trigger = triggerNode(voxpria);
			await activateWorkflow(n8n, 'Bench: VoxPria Trigger', [trigger.node], trigger.urlPath, live);
			const webhookPath = `bench-engine-${engine.key}`;
			const webhook = webhookNode(webhookPath, headerAuth);
			await activateWorkflow(n8n, 'Bench: Webhook + Header Auth', [webhook], webhookPath, live);
			const triggerUrl = `${n8n.webhookBase}webhook/${trigger.urlPath}`;
			const secret = await registrationSecret(sandbox, triggerUrl);
			const webhookUrl = `${n8n.webhookBase}webhook/${webhookPath}`;
			instances.at(-1).requests = {
				triggerRefused: { url: triggerUrl, headers: {}, secret: 'whsec_forged_by_the_bench' },
				webhookRefused: { url: webhookUrl, headers: { [TOKEN_HEADER]: 'wrong' }, secret },
				triggerAccepted: { url: triggerUrl, headers: {}, secret },
				webhookAccepted: { url: webhookUrl, headers: { [TOKEN_HEADER]: TOKEN }, secret },
			};
			log(`n8n with the ${engine.key} engine ready`);
		}

		/** @type {Record<string, Record<string, { cpu: number, count: number, wrong: number }>>} */
		const totals = {};
		for (const { engine } of instances)
			totals[engine.key] = Object.fromEntries(
				KINDS.map((kind) => [kind.key, { cpu: 0, count: 0, wrong: 0 }]),
			);
		// A warm-up of each kind on each instance, then rounds in rotating order.
		for (const round of [-1, ...Array.from({ length: rounds }, (_, i) => i)]) {
			const order = instances.map((_, i) => instances[(i + Math.max(0, round)) % instances.length]);
			for (const kind of KINDS) {
				for (const instance of order) {
					const target = instance.requests[kind.key];
					// The instance is idle: its previous batch (or warm-up) ended with settle().
					const before = treeCpuSeconds([instance.n8n.pid]);
					const result = await fire(target.url, {
						connections: CONNECTIONS,
						amount: round < 0 ? 10 : batch,
						headers: target.headers,
						next: () => signedDelivery(target.secret, BODY_BYTES),
					});
					await settle(instance.n8n.pid);
					if (round < 0) continue;
					const sum = totals[instance.engine.key][kind.key];
					sum.cpu += treeCpuSeconds([instance.n8n.pid]) - before;
					sum.count += result.sent;
					sum.wrong += result.sent - (result.statuses[kind.status] ?? 0);
				}
			}
			if (round >= 0) log(`round ${round + 1} of ${rounds} done`);
		}
		return {
			n8n: { version: runtime.n8nVersion, node: runtime.nodeVersion },
			rounds,
			batch,
			engines: ENGINES.map(({ key, label }) => ({ key, label })),
			kinds: KINDS,
			totals,
		};
	} finally {
		for (const { n8n } of instances) await n8n.stop().catch(() => {});
		await sandbox.close();
	}
}

/** @param {any} r */
function render(r) {
	const ms = (/** @type {any} */ sum) => (1000 * sum.cpu) / sum.count;
	const legacy = r.totals.legacy;
	const rows = r.engines.map((/** @type {any} */ engine) => [
		engine.label,
		...r.kinds.map((/** @type {any} */ kind) => {
			const sum = r.totals[engine.key][kind.key];
			const ratio = engine.key === 'legacy' ? '' : `, ${fmtRatio(ms(sum) / ms(legacy[kind.key]))}`;
			return `${ms(sum).toFixed(1)} ms${ratio}`;
		}),
	]);
	const wrong = r.engines.flatMap((/** @type {any} */ engine) =>
		r.kinds
			.filter((/** @type {any} */ kind) => r.totals[engine.key][kind.key].wrong > 0)
			.map(
				(/** @type {any} */ kind) =>
					`${engine.key} ${kind.key}: ${r.totals[engine.key][kind.key].wrong} not answered ${kind.status}`,
			),
	);
	const byNode = r.engines.map((/** @type {any} */ engine) => {
		const t = r.totals[engine.key];
		return `${engine.label}: refused ${fmtRatio(ms(t.triggerRefused) / ms(t.webhookRefused))}, accepted ${fmtRatio(ms(t.triggerAccepted) / ms(t.webhookAccepted))}`;
	});
	return [
		table(
			[
				'engine',
				...r.kinds.map(
					(/** @type {any} */ kind) =>
						`${kind.label} (${kind.status}): n8n CPU per request, ÷ legacy`,
				),
			],
			rows,
		),
		'',
		`- Trigger ÷ Webhook node with Header Auth, CPU per request: ${byNode.join('; ')}.`,
		`- Every request got its expected answer: ${wrong.length === 0 ? '**yes**' : `**no** (${wrong.join('; ')})`}.`,
		'',
		`No goal: this is n8n's own cost per webhook request, measured so that webhook processes are sized for it (README, "Performance"). Three n8n ${r.n8n.version} instances (one per engine setting, HTTPS, SQLite) side by side, each with the VoxPria Trigger and n8n's Webhook node with a Header Auth credential; ${r.rounds} rounds of ${r.batch} requests per kind per instance (2,000-byte call.completed deliveries, ${CONNECTIONS} connections), the instances taking turns in rotating order after a warm-up, each batch measured from before its first request until the instance is idle again (the executions of accepted requests included). CPU: the instance's process tree, all threads.`,
	].join('\n');
}

module.exports = {
	id: 'engine',
	title: "8. n8n's expression engine: CPU per webhook request",
	run,
	render,
};
