/**
 * Proves the scale-out harness (lib/cluster.js, clusterStack.ts): n8n 2.40.7 in queue mode on
 * PostgreSQL and Redis, with a main process, two `n8n webhook` processes behind HAProxy and one
 * worker; and n8n on PostgreSQL without a queue. The package's guarantees in these deployments are
 * tested elsewhere; this file shows that the deployment is what it claims to be.
 */
import { type ClusterStack, useClusterStack } from './clusterStack';
import {
	activeWorkflow,
	type Execution,
	nodeOutput,
	postToWebhook,
	productionUrl,
	registrationsFor,
	triggerWorkflow,
	waitForExecutions,
	webhookWorkflow,
} from './stack';

/** How often `line` followed by an execution id appears in a log, and the ids. */
function executionIdsLogged(log: string, line: string): string[] {
	return [...log.matchAll(new RegExp(`${line} (\\d+) \\(job`, 'g'))].map((m) => m[1]);
}

/** Successful responses per webhook process, as the balancer counted them. */
async function answeredPerProcess(stack: ClusterStack): Promise<Record<string, number>> {
	const stats = await stack.cluster.balancer!.stats();
	return Object.fromEntries(stats.map((s) => [s.name, s.responses2xx]));
}

/** POSTs `count` bodies to `url`, four at a time; answers the HTTP statuses. */
async function postMany(
	stack: ClusterStack,
	url: string,
	count: number,
	label: string,
): Promise<number[]> {
	const statuses: number[] = [];
	for (let i = 0; i < count; i += 4) {
		const batch = Array.from({ length: Math.min(4, count - i) }, (_, j) =>
			stack.n8n.request(url, { method: 'POST', body: { label, n: i + j } }),
		);
		statuses.push(...(await Promise.all(batch)).map((res) => res.status));
	}
	return statuses;
}

describe('queue mode: main, two webhook processes behind HAProxy, one worker, Postgres, Redis', () => {
	let stack: ClusterStack;
	useClusterStack((started) => {
		stack = started;
	});

	const path = 'cluster-smoke';
	let webhookWorkflowId = '';

	it('is up: every process on its role, the webhook base is the balancer, the data is in Postgres', async () => {
		const { cluster } = stack;
		expect(cluster.webhookProcesses.map((p) => p.name)).toEqual(['webhook-1', 'webhook-2']);
		expect(cluster.workers.map((p) => p.name)).toEqual(['worker-1']);
		expect(stack.webhookBase).toBe(cluster.balancer!.url);
		expect(stack.webhookBase).toMatch(/^https:\/\/localhost:\d+\/$/);
		for (const p of cluster.webhookProcesses) expect(p.url).toMatch(/^http:\/\/localhost:\d+$/);
		expect((await cluster.balancer!.stats()).map((s) => s.status)).toEqual(['UP', 'UP']);
		// The owner the stack created lives in Postgres, and Bull's queue in Redis.
		expect(await cluster.postgres.psql('SELECT email FROM "user"')).toBe(stack.n8n.owner.email);
		expect(cluster.redis?.version).toMatch(/^\d+\.\d+/);
		expect(cluster.main.logText()).toContain('Editor is now accessible via');
		const memory = cluster.memory();
		console.log(
			`cluster started in ${(cluster.timings.totalMs / 1000).toFixed(1)} s ${JSON.stringify(cluster.timings)}; ` +
				`memory (MB RSS/PSS): ${Object.entries(memory)
					.map(([name, m]) => `${name} ${m?.rssMb}/${m?.pssMb}`)
					.join(
						', ',
					)}; Postgres ${cluster.postgres.version}, Redis ${cluster.redis?.version}, HAProxy ${cluster.balancer?.version}`,
		);
	}, 60_000);

	it('a Webhook node gets 20 requests through the balancer: both webhook processes enqueue, the worker runs them', async () => {
		const workflow = webhookWorkflow('Cluster smoke: Webhook node', path);
		const { id } = await activeWorkflow(stack, workflow);
		webhookWorkflowId = id;
		const marks = stack.cluster.webhookProcesses.map((p) => p.logMark());
		const workerMark = stack.cluster.workers[0].logMark();
		const before = await answeredPerProcess(stack);

		const first = await postToWebhook(stack, path, { label: 'first' });
		expect(first.status).toBe(200);
		const statuses = await postMany(
			stack,
			`${stack.webhookBase}webhook/${path}`,
			19,
			'round-robin',
		);
		expect(statuses).toEqual(Array(19).fill(200));

		const executions = await waitForExecutions(stack, id, (list) => list.length >= 20);
		expect(executions).toHaveLength(20);
		expect(executions.map((e) => e.status)).toEqual(Array(20).fill('success'));
		expect(executions.every((e) => e.mode === 'webhook')).toBe(true);

		// Round robin: each webhook process answered some, as the balancer and n8n's own log say.
		const after = await answeredPerProcess(stack);
		const answered = Object.fromEntries(
			Object.keys(after).map((name) => [name, after[name] - before[name]]),
		);
		expect(answered['webhook-1'] + answered['webhook-2']).toBe(20);
		expect(answered['webhook-1']).toBeGreaterThan(0);
		expect(answered['webhook-2']).toBeGreaterThan(0);
		const enqueued = stack.cluster.webhookProcesses.map((p, i) =>
			executionIdsLogged(p.logText(marks[i]), 'Enqueued execution'),
		);
		expect(enqueued.map((ids) => ids.length)).toEqual([
			answered['webhook-1'],
			answered['webhook-2'],
		]);
		// Every execution ran on the worker.
		const ranOnWorker = executionIdsLogged(
			stack.cluster.workers[0].logText(workerMark),
			'Worker started execution',
		);
		expect(ranOnWorker.sort()).toEqual(executions.map((e) => e.id).sort());
		expect([...enqueued[0], ...enqueued[1]].sort()).toEqual(ranOnWorker.sort());
	}, 180_000);

	it('a VoxPria Trigger activates on main and registers exactly one webhook, at the balancer’s URL', async () => {
		const workflow = triggerWorkflow(stack, { name: 'Cluster smoke: VoxPria Trigger' });
		const { id } = await activeWorkflow(stack, workflow);
		const url = productionUrl(stack, workflow.nodes[0].webhookId as string);
		expect(url.startsWith(stack.cluster.balancer!.url)).toBe(true);
		const registered = await registrationsFor(stack, url);
		expect(registered).toHaveLength(1);
		// A signed delivery through the balancer runs on the worker with the payload as output.
		const callId = `call_cluster_smoke_${Date.now().toString(36)}`;
		const { results } = await stack.sandbox.deliver({
			webhookId: registered[0].webhookId,
			data: { callId },
		});
		expect(results[0].status).toBe(200);
		const [execution] = await waitForExecutions(stack, id, (list: Execution[]) => list.length >= 1);
		expect(execution.status).toBe('success');
		expect(nodeOutput(execution, 'VoxPria Trigger')[0]?.data?.callId).toBe(callId);
		expect(stack.cluster.workers[0].logText()).toContain(
			`Worker started execution ${execution.id} `,
		);
	}, 120_000);

	it('a webhook process killed with SIGKILL: the survivor answers the next 10 requests; the killed one restarts', async () => {
		const [victim, survivor] = stack.cluster.webhookProcesses;
		await victim.kill('SIGKILL');
		expect(victim.pid).toBeUndefined();
		const before = await answeredPerProcess(stack);

		const statuses = await postMany(stack, `${stack.webhookBase}webhook/${path}`, 10, 'after-kill');
		expect(statuses).toEqual(Array(10).fill(200));
		const after = await answeredPerProcess(stack);
		expect(after[survivor.name] - before[survivor.name]).toBe(10);
		expect(after[victim.name] - before[victim.name]).toBe(0);
		const executions = await waitForExecutions(
			stack,
			webhookWorkflowId,
			(list) => list.length >= 30,
		);
		expect(executions.filter((e) => e.status === 'success')).toHaveLength(30);

		await victim.restart();
		expect(victim.pid).toBeDefined();
		expect((await stack.cluster.balancer!.stats()).map((s) => s.status)).toEqual(['UP', 'UP']);
		const res = await stack.n8n.request(`${victim.url}/webhook/${path}`, {
			method: 'POST',
			body: { label: 'direct' },
		});
		expect(res.status).toBe(200);
	}, 180_000);
});

describe('Postgres without a queue: one n8n', () => {
	let stack: ClusterStack;
	useClusterStack(
		(started) => {
			stack = started;
		},
		{ mode: 'postgres' },
	);

	it('is up on Postgres over HTTPS and runs a Webhook node request', async () => {
		const { cluster } = stack;
		expect(cluster.redis).toBeUndefined();
		expect(cluster.balancer).toBeUndefined();
		expect(cluster.webhookProcesses).toEqual([]);
		expect(stack.webhookBase).toBe(stack.n8n.webhookBase);
		expect(stack.webhookBase).toMatch(/^https:\/\/localhost:\d+\/$/);
		const { id } = await activeWorkflow(
			stack,
			webhookWorkflow('Postgres smoke: Webhook node', 'pg-smoke'),
		);
		const res = await postToWebhook(stack, 'pg-smoke', { label: 'postgres' });
		expect(res.status).toBe(200);
		const [execution] = await waitForExecutions(stack, id, (list) => list.length >= 1);
		expect(execution.status).toBe('success');
		expect(
			await cluster.postgres.psql(
				`SELECT status FROM execution_entity WHERE id = ${Number(execution.id)}`,
			),
		).toBe('success');
		console.log(
			`postgres deployment started in ${(cluster.timings.totalMs / 1000).toFixed(1)} s; memory (MB RSS): ${JSON.stringify(
				Object.fromEntries(Object.entries(cluster.memory()).map(([k, m]) => [k, m?.rssMb])),
			)}`,
		);
	}, 120_000);
});
