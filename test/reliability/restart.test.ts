/**
 * Reliability (issue 6), restart durability: the trigger's duplicate memory survives an n8n restart
 * with default settings. N events are delivered (10 at a time), n8n is restarted (same user folder
 * and ports), and the same bytes are delivered again: every one is answered 200
 * `{received: true, duplicate: true}` and starts nothing; a new event still runs.
 *
 * n8n saves the node's static data (where the memory is kept) when it answers an accepted delivery,
 * and only because the trigger marks it changed again after n8n has recorded the execution; this
 * file keeps that true (without the mark, n8n saves nothing and every copy runs again).
 *
 * Sizes: N = 40 (CI); VOXPRIA_RELIABILITY_FULL=1: N = 400.
 * Run: npx jest test/reliability/restart.test.ts --selectProjects e2e
 */
import { activeWorkflow, productionUrl, STACK_TIMEOUT, triggerWorkflow } from '../e2e/stack';
import { DeliveryClient, inPool, untilLive } from './lib/client';
import { settledExecutions, triggerOutput } from './lib/executions';
import { deliveryBody, signedHeaders } from './lib/signing';
import { FULL, minutes, size } from './lib/sizes';
import { onlyRegistration, type ReliabilityStack, startReliabilityStack } from './lib/stack';

const N = size(40, 400);

describe(`restart durability: duplicates are recognised across an n8n restart (N = ${N}${FULL ? ', full' : ''})`, () => {
	let stack: ReliabilityStack;
	const client = new DeliveryClient({ maxSockets: 10 });

	beforeAll(async () => {
		stack = await startReliabilityStack();
	}, STACK_TIMEOUT);
	afterAll(async () => {
		client.close();
		await stack?.stop();
	}, 120_000);

	it('answers the same bytes after a restart as duplicates, starts nothing for them, and still runs a new event', async () => {
		const workflow = triggerWorkflow(stack, { name: 'reliability: restart durability' });
		const { id } = await activeWorkflow(stack, workflow);
		const url = productionUrl(stack, workflow.nodes[0].webhookId as string);
		const { secret } = await onlyRegistration(stack, url);
		await untilLive(client, url);

		const bodies = Array.from({ length: N }, (_, index) => deliveryBody(`call_restart_${index}`));
		const send = (body: string) => client.send(url, { body, headers: signedHeaders(secret, body) });

		const first = await inPool(bodies, 10, send);
		first.forEach((answer) => stack.watch.saw(answer.body));
		expect(first.map((answer) => `${answer.status} ${answer.body}`)).toEqual(bodies.map(() => '200 '));
		const before = await settledExecutions(stack.n8n, id, N, { timeoutMs: minutes(5) });
		expect(before).toHaveLength(N);

		// What n8n saved: the memory in the workflow's static data holds every delivery.
		const saved = (await stack.n8n.getWorkflow(id)).staticData?.['node:VoxPria Trigger'];
		expect(saved?.seen).toHaveLength(N);

		const t0 = Date.now();
		await stack.n8n.restart();
		const liveAfterMs = await untilLive(client, url);
		console.log(`n8n restarted in ${Date.now() - t0 - liveAfterMs} ms; webhook live ${liveAfterMs} ms after /healthz`);

		const again = await inPool(bodies, 10, send);
		again.forEach((answer) => stack.watch.saw(answer.body));
		expect(again.map((answer) => `${answer.status} ${answer.body}`)).toEqual(
			bodies.map(() => '200 {"received":true,"duplicate":true}'),
		);

		const fresh = deliveryBody('call_restart_new');
		const answer = await send(fresh);
		expect(`${answer.status} ${answer.body}`).toBe('200 ');

		const after = await settledExecutions(stack.n8n, id, N + 1, { timeoutMs: minutes(3), settleMs: 8_000, includeData: true });
		expect(after).toHaveLength(N + 1);
		const callIds = after.map((execution) => (triggerOutput(execution)?.data as { callId?: string })?.callId);
		expect(new Set(callIds).size).toBe(N + 1);
		expect(callIds).toContain('call_restart_new');
		expect(after.every((execution) => execution.status === 'success')).toBe(true);
	}, minutes(10));

	it('leaves no secret in execution data, in n8n’s log or in any message seen', async () => {
		const leaks = await stack.watch.leaks(stack.n8n);
		console.log(await stack.watch.summary(stack.n8n));
		expect(leaks).toEqual([]);
	}, minutes(2));
});
