/**
 * Reliability (issue 6), load: N distinct signed deliveries at concurrency 20, sent by the VoxPria
 * sandbox (a fresh TLS connection per delivery, as VoxPria would), with 10% of them sent again as
 * retries: half as a second copy at the same moment as the original (`copies: 2, concurrent: true`),
 * half repeated later (500 deliveries after the original, well inside the trigger's memory of the
 * last 2,000). Afterwards every distinct event has exactly one execution (none lost, none doubled),
 * proved by the callId each execution carries. Prints the throughput.
 *
 * Then the replay decision: the trigger's duplicate memory holds the last 2,000 accepted deliveries
 * (of 24 hours), and VoxPria's signature has no timestamp. Once a delivery has been pushed out of
 * the memory, the same bytes are accepted and run again; a delivery still in the memory is not.
 * (This lives here rather than in hostile.test.ts because evicting needs 2,000 accepted deliveries,
 * which this file sends anyway.)
 *
 * Sizes: N = 2,000 (CI); VOXPRIA_RELIABILITY_FULL=1: N = 10,000.
 * Run: npx jest test/reliability/load.test.ts --selectProjects e2e
 */
import { inPool } from './lib/client';
import { countBy, type Execution, overloadSignsIn, settledExecutions, triggerOutput } from './lib/executions';
import { deliveryBody } from './lib/signing';
import { FULL, minutes, size } from './lib/sizes';
import {
	itLeavesNoSecret,
	liveTrigger,
	type ReliabilityStack,
	untilTriggerAnswers,
	useReliabilityStack,
} from './lib/stack';

const N = size(2_000, 10_000);
const CONCURRENCY = 20;
/** Every 20th event is sent twice at once; every 20th (offset 10) again 500 deliveries later. */
const PAIR_EVERY = 20;
const REPEAT_LAG = 500;
/** New events sent after the load, to push the oldest deliveries out of the duplicate memory. */
const EVICTING = 50;
const MEMORY = 2_000;

type Task = { kind: 'single' | 'pair' | 'repeat'; index: number };
type Result = { status: number | null; body: string; error?: string; ms?: number };

const callIdOf = (execution: Execution) => (triggerOutput(execution)?.data as { callId?: string } | undefined)?.callId ?? '?';

describe(`load: ${N} distinct signed deliveries at concurrency ${CONCURRENCY}, 10% sent again${FULL ? ' (full)' : ''}`, () => {
	let stack: ReliabilityStack;
	let workflowId = '';
	let webhookId = '';
	const bodies = Array.from({ length: N }, (_, index) => deliveryBody(`call_load_${index}`));

	useReliabilityStack((started) => (stack = started));

	it('runs every distinct event exactly once: none lost, none doubled', async () => {
		const trigger = await liveTrigger(stack, 'reliability: load');
		workflowId = trigger.id;
		webhookId = trigger.registration.webhookId;
		const { url } = trigger;
		await untilTriggerAnswers(stack, url);

		const tasks: Task[] = [];
		const repeatsAt = new Map<number, number[]>();
		for (let index = 0; index < N; index++) {
			const pair = index % PAIR_EVERY === 0;
			tasks.push({ kind: pair ? 'pair' : 'single', index });
			if (index % PAIR_EVERY === PAIR_EVERY / 2) {
				const at = Math.min(index + REPEAT_LAG, N - 1);
				repeatsAt.set(at, [...(repeatsAt.get(at) ?? []), index]);
			}
			for (const repeated of repeatsAt.get(index) ?? []) tasks.push({ kind: 'repeat', index: repeated });
		}
		const copiesSent = tasks.filter((task) => task.kind !== 'single').length;
		expect(copiesSent).toBe(N / 10);

		const started = Date.now();
		const results = (
			await inPool(tasks, CONCURRENCY, async (task) => {
				const answer = await stack.sandbox.deliver({
					webhookId,
					body: bodies[task.index],
					copies: task.kind === 'pair' ? 2 : 1,
					concurrent: task.kind === 'pair',
				});
				return answer.results as Result[];
			})
		).flat();
		const sendSeconds = (Date.now() - started) / 1000;

		const outcome = countBy(results, (result) =>
			result.status === 200 && result.body === ''
				? 'accepted'
				: result.status === 200 && result.body === '{"received":true,"duplicate":true}'
					? 'duplicate'
					: `other: ${result.status ?? result.error} ${result.body.slice(0, 100)}`,
		);
		for (const result of results.filter((r) => r.status !== 200)) stack.watch.saw(result.body);
		console.log(
			`load: ${results.length} deliveries (${N} distinct + ${N / 10} copies) at concurrency ${CONCURRENCY} answered in ${sendSeconds.toFixed(1)} s = ${(results.length / sendSeconds).toFixed(1)} deliveries/s; median answer ${median(results.map((r) => r.ms ?? 0))} ms; answers ${JSON.stringify(outcome)}`,
		);

		const executions = await settledExecutions(stack.n8n, workflowId, N, { timeoutMs: minutes(15), settleMs: 10_000, includeData: true });
		const doneSeconds = (Date.now() - started) / 1000;
		const perCallId = countBy(executions, callIdOf);
		const statuses = countBy(executions, (execution) => execution.status);
		const finished = executions.filter((execution) => execution.stoppedAt);
		const startedAt = Math.min(...executions.map((execution) => Date.parse(execution.startedAt ?? '') || Infinity));
		const stoppedAt = Math.max(...finished.map((execution) => Date.parse(execution.stoppedAt as string)));
		const missing = bodies.map((_, index) => `call_load_${index}`).filter((callId) => !perCallId[callId]);
		const doubled = Object.entries(perCallId).filter(([callId, count]) => callId !== '?' && count > 1);
		console.log(
			[
				`${executions.length} executions ${JSON.stringify(statuses)}; ${finished.length} finished between ${((stoppedAt - startedAt) / 1000).toFixed(1)} s = ${(finished.length / ((stoppedAt - startedAt) / 1000)).toFixed(1)} executions/s; waited ${doneSeconds.toFixed(1)} s after the first send`,
				`events answered 200 but without a successful execution: ${N - (statuses.success ?? 0)} (${missing.length} with no execution at all); doubled: ${doubled.length}`,
				`n8n log: ${JSON.stringify(overloadSignsIn(stack.n8n.logText()))}`,
			].join('\n'),
		);

		expect(outcome).toEqual({ accepted: N, duplicate: N / 10 });
		expect({ missing: missing.length, doubled: doubled.length, statuses }).toEqual({ missing: 0, doubled: 0, statuses: { success: N } });
		expect(perCallId).toEqual(Object.fromEntries(bodies.map((_, index) => [`call_load_${index}`, 1])));
	}, minutes(30));

	it('accepts a replay once the delivery has left the duplicate memory (no timestamp in the signature); refuses one still in it', async () => {
		const before = (await stack.n8n.executions({ workflowId })).length;
		// Push the oldest deliveries out: the memory keeps the last 2,000 accepted ones.
		const evicting = Array.from({ length: EVICTING }, (_, index) => deliveryBody(`call_load_evict_${index}`));
		const sent = await inPool(evicting, CONCURRENCY, async (body) => (await stack.sandbox.deliver({ webhookId, body })).results[0] as Result);
		expect(sent.every((result) => result.body === '')).toBe(true);

		// The oldest are certainly gone; the newest are certainly still remembered.
		const oldest = [0, 1, 2, 3, 4];
		const newest = N - 1;
		const replayed = await inPool(oldest, 5, async (index) => (await stack.sandbox.deliver({ webhookId, body: bodies[index] })).results[0] as Result);
		expect(replayed.map((result) => `${result.status} ${result.body}`)).toEqual(oldest.map(() => '200 '));
		const recent = (await stack.sandbox.deliver({ webhookId, body: bodies[newest] })).results[0] as Result;
		expect(`${recent.status} ${recent.body}`).toBe('200 {"received":true,"duplicate":true}');
		expect(N + EVICTING - MEMORY).toBeGreaterThanOrEqual(EVICTING);

		const executions = await settledExecutions(stack.n8n, workflowId, before + EVICTING + oldest.length, {
			timeoutMs: minutes(5),
			settleMs: 8_000,
			includeData: true,
		});
		// Compare with the first test's executions: each replayed event has one more, the recent one none.
		const perCallId = countBy(executions, callIdOf);
		const replays = executions.slice(0, executions.length - before);
		const perReplay = countBy(replays, callIdOf);
		for (const index of oldest) expect(perReplay[`call_load_${index}`]).toBe(1);
		expect(perReplay[`call_load_${newest}`]).toBeUndefined();
		expect(perCallId[`call_load_${newest}`] ?? 0).toBeLessThanOrEqual(1);
		expect(replays).toHaveLength(EVICTING + oldest.length);
	}, minutes(10));

	itLeavesNoSecret(() => stack, minutes(3));
});

function median(values: number[]): number {
	const sorted = [...values].sort((a, b) => a - b);
	return sorted[Math.floor(sorted.length / 2)] ?? 0;
}
