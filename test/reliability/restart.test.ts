/* eslint-disable no-console -- dev-only code, held to eslint.dev.config.mjs instead (CONTRIBUTING.md) */
/**
 * Reliability (issue 6), restart durability: the trigger's duplicate memory survives an n8n restart
 * with default settings. N events are delivered (10 at a time); the memory n8n saved in static data
 * (a compact string, decoded with the built savedMemory.js) holds each one with its signed
 * timestamp; n8n is restarted (same user folder and ports), and the same bytes are delivered
 * again: every one is answered 200 `{received: true, duplicate: true}` and starts nothing; a new
 * event still runs.
 *
 * n8n saves the node's static data (where the memory is kept) when it answers an accepted delivery,
 * and only because the trigger marks it changed again after n8n has recorded the execution; this
 * file keeps that true (without the mark, n8n saves nothing and every copy runs again).
 *
 * Sizes: N = 40 (CI); VOXPRIA_RELIABILITY_FULL=1: N = 400.
 * Run: npx jest test/reliability/restart.test.ts --selectProjects e2e
 */
import { savedMemoryOf } from './lib/builtTrigger';
import { DeliveryClient, inPool, untilLive } from './lib/client';
import { settledExecutions, triggerOutput } from './lib/executions';
import { deliveryBody, signedHeaders } from './lib/signing';
import { FULL, minutes, size } from './lib/sizes';
import {
	itLeavesNoSecret,
	liveTrigger,
	type ReliabilityStack,
	useReliabilityStack,
} from './lib/stack';

const N = size(40, 400);

describe(`restart durability: duplicates are recognised across an n8n restart (N = ${N}${FULL ? ', full' : ''})`, () => {
	let stack: ReliabilityStack;
	const client = new DeliveryClient({ maxSockets: 10 });

	useReliabilityStack((started) => (stack = started));
	afterAll(() => client.close());

	it(
		'answers the same bytes after a restart as duplicates, starts nothing for them, and still runs a new event',
		async () => {
			const { id, url, registration } = await liveTrigger(stack, 'reliability: restart durability');
			const { secret } = registration;
			await untilLive(client, url);

			const bodies = Array.from({ length: N }, (_, index) => deliveryBody(`call_restart_${index}`));
			const send = (body: string) =>
				client.send(url, { body, headers: signedHeaders(secret, body) });

			const first = await inPool(bodies, 10, send);
			first.forEach((answer) => stack.watch.saw(answer.body));
			expect(first.map((answer) => `${answer.status} ${answer.body}`)).toEqual(
				bodies.map(() => '200 '),
			);
			const before = await settledExecutions(stack.n8n, id, N, { timeoutMs: minutes(5) });
			expect(before).toHaveLength(N);

			// What n8n saved: the memory in the workflow's static data (a compact string, savedMemory.ts)
			// holds every delivery with its signed timestamp, and no floor (nothing had to be dropped).
			const memory = savedMemoryOf(await stack.n8n.getWorkflow(id));
			expect(memory.floor).toBe(0);
			const signedAt = bodies
				.map((body) => Date.parse(JSON.parse(body).timestamp))
				.sort((a, b) => a - b);
			expect(memory.entries.map(([, at]) => at).sort((a, b) => a - b)).toEqual(signedAt);
			console.log(
				`saved memory: ${memory.chars} characters for ${memory.entries.length} deliveries`,
			);

			const t0 = Date.now();
			await stack.n8n.restart();
			const liveAfterMs = await untilLive(client, url);
			console.log(
				`n8n restarted in ${Date.now() - t0 - liveAfterMs} ms; webhook live ${liveAfterMs} ms after /healthz`,
			);

			const again = await inPool(bodies, 10, send);
			again.forEach((answer) => stack.watch.saw(answer.body));
			expect(again.map((answer) => `${answer.status} ${answer.body}`)).toEqual(
				bodies.map(() => '200 {"received":true,"duplicate":true}'),
			);

			const fresh = deliveryBody('call_restart_new');
			const answer = await send(fresh);
			expect(`${answer.status} ${answer.body}`).toBe('200 ');

			const after = await settledExecutions(stack.n8n, id, N + 1, {
				timeoutMs: minutes(3),
				settleMs: 8_000,
				includeData: true,
			});
			expect(after).toHaveLength(N + 1);
			const callIds = after.map(
				(execution) => (triggerOutput(execution)?.data as { callId?: string })?.callId,
			);
			expect(new Set(callIds).size).toBe(N + 1);
			expect(callIds).toContain('call_restart_new');
			expect(after.every((execution) => execution.status === 'success')).toBe(true);
		},
		minutes(10),
	);

	itLeavesNoSecret(() => stack, minutes(2));
});
