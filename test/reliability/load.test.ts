/* eslint-disable no-console -- dev-only code, held to eslint.dev.config.mjs instead (CONTRIBUTING.md) */
/**
 * Reliability (issue 6), load: N distinct signed deliveries at concurrency 20, sent by the VoxPria
 * sandbox (a fresh TLS connection per delivery, as VoxPria would, each dated when it is first
 * sent), with 10% of them sent again as retries: half as a second copy at the same moment as the
 * original (`copies: 2, concurrent: true`), half repeated later (MAX_ENTRIES / 2 = 250 deliveries
 * after the original, or fewer near the end: well inside the duplicate memory). The sandbox retries every delivery that gets no 2xx, as
 * VoxPria does (5, 10, 20, 40, 80 s apart here): a copy that finds the original still being
 * recorded gets 409 "duplicate in progress" (Retry-After: 5) and its retry must then be a
 * duplicate, never a second run. On a machine too busy for n8n to answer within the sandbox's
 * 10 s, the original is retried too, and the figures say how often. Afterwards
 * every distinct event has exactly one execution (none lost, none doubled), proved by the callId
 * each execution carries. Prints the throughput.
 *
 * Then the replay decision: N is larger than the trigger's duplicate memory (MAX_ENTRIES, from the
 * built trigger), so the memory had to drop the deliveries with the oldest signed timestamps and
 * keeps the newest of them as its floor. A replay of a dropped delivery is refused with 400 "older
 * than the duplicate memory" and starts nothing; a replay of one still remembered gets 200
 * duplicate. Which deliveries were dropped is read from the memory n8n saved (their keys are a
 * prefix of each signature). (This lives here rather than in hostile.test.ts because it reuses
 * the N accepted deliveries this file sends anyway; hostile.test.ts has the replay attack.)
 *
 * Then issue 20's load: 2,001 distinct deliveries, each signed when it is sent, at concurrency 10
 * and at 20, straight to n8n (a trigger each, its memory filling up as it goes): every one must be
 * answered 200 and run once, none refused by the floor the full memory keeps raising, and a replay
 * of the first one afterwards must start nothing.
 *
 * Sizes: N = 2,000 (CI); VOXPRIA_RELIABILITY_FULL=1: N = 10,000.
 * Run: npx jest test/reliability/load.test.ts --selectProjects e2e
 */
import { MAX_ENTRIES, PENDING_RETRY_AFTER_S, savedMemoryOf } from './lib/builtTrigger';
import { DeliveryClient, inPool, sendUntilServed } from './lib/client';
import {
	countBy,
	type Execution,
	overloadSignsIn,
	settledExecutions,
	triggerOutput,
} from './lib/executions';
import { deliveryBody, sign, signedHeaders } from './lib/signing';
import { FULL, minutes, size } from './lib/sizes';
import {
	itLeavesNoSecret,
	liveTrigger,
	type ReliabilityStack,
	untilTriggerAnswers,
	useReliabilityStack,
} from './lib/stack';

const N = size(2_000, 10_000);
/** Issue 20: more than four times the memory, so that its floor rises all the time. */
const DISTINCT = 2_001;
const CONCURRENCY = 20;
/**
 * Every 20th event is sent twice at once; every 20th (offset 10) again half a memory later. A copy
 * sent a whole memory (MAX_ENTRIES) later would find the original dropped and meet the floor (400),
 * which is the replay test's subject below, not a retry's.
 */
const PAIR_EVERY = 20;
const REPEAT_LAG = Math.floor(MAX_ENTRIES / 2);
const RETRY_BASE_MS = 5_000;
/** n8n's own answers when the machine is too busy (no answer within the sandbox's 10 s; its 503). */
const OVERLOADED =
	/^(no answer within 10000 ms |503 \{"code":503,"message":"Database is not ready!")/;

const ACCEPTED = '200 ';
const DUPLICATE = '200 {"received":true,"duplicate":true}';
const IN_PROGRESS =
	'409 {"error":"duplicate in progress: a copy of this delivery is still being recorded; retry later"}';
const BELOW_FLOOR =
	/^400 \{"error":"older than the duplicate memory: it is dated \S+, at or before the oldest delivery the trigger had to forget \(\S+\), so it may have run already"\}$/;

type Task = { kind: 'single' | 'pair' | 'repeat'; index: number };
type Attempt = { status: number | null; body: string; error: string | null; retryAfter?: string };
type Result = {
	deliveryId: string;
	status: number | null;
	body: string;
	error?: string;
	ms?: number;
	retryAfter?: string;
};
type Delivery = {
	id: string;
	url: string;
	body: string;
	attempts: Attempt[];
	done: boolean;
	ok: boolean;
};

const callIdOf = (execution: Execution) =>
	(triggerOutput(execution)?.data as { callId?: string } | undefined)?.callId ?? '?';
const answerOf = (answer: { status: number | null; body: string; error?: string | null }) =>
	`${answer.status ?? answer.error} ${answer.body}`;

describe(`load: ${N} distinct signed deliveries at concurrency ${CONCURRENCY}, 10% sent again${FULL ? ' (full)' : ''}`, () => {
	let stack: ReliabilityStack;
	let workflowId = '';
	let webhookId = '';
	let secret = '';
	let url = '';
	/** Each event's bytes, made (and dated) when the event is first sent; copies send the same bytes. */
	const bodies: string[] = [];
	const bodyOf = (index: number) => (bodies[index] ??= deliveryBody(`call_load_${index}`));
	/**
	 * A delivery dated before the load but sent only after it, as a VoxPria retry of a delivery
	 * whose first attempts all failed would be: never accepted before, yet below the floor.
	 */
	let late = '';

	// Retries 5, 10, 20, 40 and 80 s apart (2.6 minutes in all); 409's Retry-After is 5 s.
	useReliabilityStack((started) => (stack = started), { sandbox: { retryBaseMs: RETRY_BASE_MS } });

	it(
		'runs every distinct event exactly once: none lost, none doubled; a copy answered 409 is retried and ends a duplicate',
		async () => {
			const trigger = await liveTrigger(stack, 'reliability: load');
			workflowId = trigger.id;
			webhookId = trigger.registration.webhookId;
			secret = trigger.registration.secret;
			url = trigger.url;
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
				for (const repeated of repeatsAt.get(index) ?? [])
					tasks.push({ kind: 'repeat', index: repeated });
			}
			const copiesSent = tasks.filter((task) => task.kind !== 'single').length;
			expect(copiesSent).toBe(N / 10);
			late = deliveryBody('call_load_late');

			const started = Date.now();
			const results = (
				await inPool(tasks, CONCURRENCY, async (task) => {
					const answer = await stack.sandbox.deliver({
						webhookId,
						body: bodyOf(task.index),
						copies: task.kind === 'pair' ? 2 : 1,
						concurrent: task.kind === 'pair',
						// Retried after any non-2xx answer or none, as VoxPria does: a copy that finds the
						// original still being recorded gets 409 and must come back; on a machine too busy
						// for n8n to answer within the sandbox's 10 s, the original comes back too.
						retry: true,
					});
					return answer.results as Result[];
				})
			).flat();
			const sendSeconds = (Date.now() - started) / 1000;

			const kindOf = (answer: string) =>
				answer === ACCEPTED
					? 'accepted'
					: answer === DUPLICATE
						? 'duplicate'
						: answer === IN_PROGRESS
							? 'in progress (409)'
							: OVERLOADED.test(answer)
								? `n8n overloaded: ${answer.slice(0, 40)}`
								: `other: ${answer.slice(0, 100)}`;
			const outcome = countBy(results, (result) => kindOf(answerOf(result)));
			for (const result of results.filter((r) => r.status !== 200)) stack.watch.saw(result.body);
			console.log(
				`load: ${results.length} deliveries (${N} distinct + ${N / 10} copies) at concurrency ${CONCURRENCY} answered in ${sendSeconds.toFixed(1)} s = ${(results.length / sendSeconds).toFixed(1)} deliveries/s; median answer ${median(results.map((r) => r.ms ?? 0))} ms; first answers ${JSON.stringify(outcome)}`,
			);

			// The sandbox retries the copies' non-2xx answers (409), as VoxPria does: wait until done.
			const deliveries = await stack.n8n.waitFor(
				() => {
					const all = (stack.sandbox.deliveries() as Delivery[]).filter((d) => d.url === url);
					return all.length === results.length && all.every((d) => d.done) ? all : false;
				},
				{
					timeoutMs: minutes(3),
					intervalMs: 1_000,
					description: 'every delivery and its retries to be done',
				},
			);
			const attempts = deliveries.flatMap((d) => d.attempts);
			const retried = deliveries.filter((d) => d.attempts.length > 1);
			console.log(
				`retries: ${retried.length} deliveries retried, attempts per delivery ${JSON.stringify(countBy(deliveries, (d) => String(d.attempts.length)))}; answers over all attempts ${JSON.stringify(countBy(attempts, (a) => kindOf(answerOf(a))))}`,
			);
			// Every attempt got one of the trigger's three answers (409 always with Retry-After), or, on a
			// busy machine, no answer from n8n in time (counted above; VoxPria retries those too).
			const overloaded = attempts.filter((a) => OVERLOADED.test(answerOf(a))).length;
			expect(
				attempts.filter(
					(a) =>
						![ACCEPTED, DUPLICATE, IN_PROGRESS].includes(answerOf(a)) &&
						!OVERLOADED.test(answerOf(a)),
				),
			).toEqual([]);
			expect(
				attempts.filter((a) => a.status === 409 && a.retryAfter !== String(PENDING_RETRY_AFTER_S)),
			).toEqual([]);
			// Each copy ended with a 2xx; per event exactly one accepted answer over all copies and attempts.
			expect(
				deliveries.filter((d) => !d.ok || d.attempts[d.attempts.length - 1].status !== 200),
			).toEqual([]);
			// Never two accepted answers for one event. Exactly one, unless n8n recorded the event while
			// its sender had given up waiting: then every answer it got was a duplicate (checked below
			// against the executions).
			const acceptedPerEvent = countBy(
				attempts
					.filter((a) => answerOf(a) === ACCEPTED)
					.map((a) => deliveries.find((d) => d.attempts.includes(a))?.body ?? ''),
				(body) => JSON.parse(body).data.callId,
			);
			expect(Object.entries(acceptedPerEvent).filter(([, count]) => count > 1)).toEqual([]);
			const acceptedUnanswered = bodies
				.map((_, index) => `call_load_${index}`)
				.filter((callId) => !acceptedPerEvent[callId]);
			if (overloaded === 0) expect(acceptedUnanswered).toEqual([]);
			// A copy answered 409 ended a duplicate, not a second run.
			const after409 = deliveries.filter((d) => d.attempts.some((a) => a.status === 409));
			for (const delivery of after409) {
				const last = answerOf(delivery.attempts[delivery.attempts.length - 1]);
				// Accepted only if the original was never recorded (n8n gave no answer to it): still one run.
				if (overloaded === 0 || last !== ACCEPTED) expect(last).toBe(DUPLICATE);
			}

			const executions = await settledExecutions(stack.n8n, workflowId, N, {
				timeoutMs: minutes(15),
				settleMs: 10_000,
				includeData: true,
			});
			const doneSeconds = (Date.now() - started) / 1000;
			const perCallId = countBy(executions, callIdOf);
			const statuses = countBy(executions, (execution) => execution.status);
			const finished = executions.filter((execution) => execution.stoppedAt);
			const startedAt = Math.min(
				...executions.map((execution) => Date.parse(execution.startedAt ?? '') || Infinity),
			);
			const stoppedAt = Math.max(
				...finished.map((execution) => Date.parse(execution.stoppedAt as string)),
			);
			const missing = bodies
				.map((_, index) => `call_load_${index}`)
				.filter((callId) => !perCallId[callId]);
			const doubled = Object.entries(perCallId).filter(
				([callId, count]) => callId !== '?' && count > 1,
			);
			console.log(
				[
					`${executions.length} executions ${JSON.stringify(statuses)}; ${finished.length} finished between ${((stoppedAt - startedAt) / 1000).toFixed(1)} s = ${(finished.length / ((stoppedAt - startedAt) / 1000)).toFixed(1)} executions/s; waited ${doneSeconds.toFixed(1)} s after the first send`,
					`events answered 200 but without a successful execution: ${N - (statuses.success ?? 0)} (${missing.length} with no execution at all); doubled: ${doubled.length}; copies answered 409 then retried: ${after409.length}`,
					`n8n log: ${JSON.stringify(overloadSignsIn(stack.n8n.logText()))}`,
				].join('\n'),
			);

			console.log(
				`n8n too busy to answer in time: ${overloaded} attempts; events whose accepted answer was lost that way (they ran, see below): ${acceptedUnanswered.length}`,
			);
			if (overloaded === 0) {
				expect(outcome.accepted).toBe(N);
				expect((outcome.duplicate ?? 0) + (outcome['in progress (409)'] ?? 0)).toBe(N / 10);
			}
			expect({ missing: missing.length, doubled: doubled.length, statuses }).toEqual({
				missing: 0,
				doubled: 0,
				statuses: { success: N },
			});
			expect(perCallId).toEqual(
				Object.fromEntries(bodies.map((_, index) => [`call_load_${index}`, 1])),
			);
		},
		minutes(30),
	);

	it(
		'refuses a replay of a delivery the full memory had to drop (400 "older than the duplicate memory"); a replay of one it kept, or of one dropped at the floor’s own timestamp, is a duplicate; none runs',
		async () => {
			expect(N).toBeGreaterThan(MAX_ENTRIES);
			const before = (
				await settledExecutions(stack.n8n, workflowId, N, {
					timeoutMs: minutes(5),
					settleMs: 1_000,
				})
			).length;
			expect(before).toBe(N);

			// The memory n8n saved: full, its floor the newest signed timestamp among those dropped.
			const memory = savedMemoryOf(await stack.n8n.getWorkflow(workflowId));
			const signedAt = (index: number) => Date.parse(JSON.parse(bodies[index]).timestamp);
			const newestFirst = bodies.map((_, index) => index).sort((a, b) => signedAt(b) - signedAt(a));
			expect(memory.entries).toHaveLength(MAX_ENTRIES);
			expect(memory.floor).toBe(signedAt(newestFirst[MAX_ENTRIES]));
			// Which events it kept: an entry's key is the first 5 bytes of the delivery's signature.
			const keyOf = (index: number) => parseInt(sign(secret, bodies[index]).slice(7, 17), 16);
			const kept = new Set(memory.entries.map(([key]) => key));
			const dropped = bodies.map((_, index) => index).filter((index) => !kept.has(keyOf(index)));
			expect(dropped).toHaveLength(N - MAX_ENTRIES);
			expect(Math.max(...dropped.map(signedAt))).toBe(memory.floor);

			// Replayed: the 5 oldest, the newest dropped and the oldest kept (either side of the floor),
			// and the newest.
			const oldestKept = [...newestFirst]
				.reverse()
				.find((index) => kept.has(keyOf(index))) as number;
			const newestDropped = dropped.reduce((a, b) => (signedAt(b) > signedAt(a) ? b : a));
			// The newest dropped one is dated like the floor: the memory keeps the keys dropped at it.
			const refusedOnes = newestFirst.slice(-5);
			const duplicateOnes = [newestDropped, oldestKept, newestFirst[0]];
			const replay = async (index: number) =>
				answerOf(
					(await stack.sandbox.deliver({ webhookId, body: bodies[index] })).results[0] as Result,
				);
			const refused = await inPool(refusedOnes, 5, replay);
			const duplicates = await inPool(duplicateOnes, 3, replay);
			refused.forEach((answer) => stack.watch.saw(answer));
			console.log(
				`replays: dropped ${JSON.stringify(refused.map((a) => a.slice(0, 60)))}; kept ${JSON.stringify(duplicates)}; memory ${memory.chars} characters, floor ${new Date(memory.floor).toISOString()}`,
			);
			for (const answer of refused) expect(answer).toMatch(BELOW_FLOOR);
			expect(duplicates).toEqual([DUPLICATE, DUPLICATE, DUPLICATE]);

			// The price of the floor: a delivery that never ran, dated before the newest one dropped, is
			// refused too (VoxPria's retry of an event whose first attempts failed, once MAX_ENTRIES newer
			// deliveries have been accepted meanwhile). It cannot be told from a replay.
			expect(Date.parse(JSON.parse(late).timestamp)).toBeLessThan(memory.floor);
			const lateAnswer = answerOf(
				(await stack.sandbox.deliver({ webhookId, body: late })).results[0] as Result,
			);
			stack.watch.saw(lateAnswer);
			console.log(
				`a delivery dated before the load, sent after it for the first time: ${lateAnswer.slice(0, 90)}`,
			);
			expect(lateAnswer).toMatch(BELOW_FLOOR);

			// None of them ran: a new delivery still does, and is then the only new execution.
			const fresh = deliveryBody('call_load_after_replays');
			expect(
				answerOf((await stack.sandbox.deliver({ webhookId, body: fresh })).results[0] as Result),
			).toBe(ACCEPTED);
			const executions = await settledExecutions(stack.n8n, workflowId, before + 1, {
				timeoutMs: minutes(5),
				settleMs: 8_000,
				includeData: true,
			});
			expect(executions).toHaveLength(before + 1);
			expect(callIdOf(executions[0])).toBe('call_load_after_replays');
		},
		minutes(10),
	);

	it.each([10, 20])(
		`${DISTINCT} distinct fresh deliveries at concurrency %i: every one answered 200 and run once (none refused by the memory's floor); a replay of the first afterwards starts nothing`,
		async (concurrency) => {
			// A trigger of its own: its memory starts empty and fills up during the load.
			const trigger = await liveTrigger(
				stack,
				`reliability: ${DISTINCT} distinct at ${concurrency}`,
			);
			await untilTriggerAnswers(stack, trigger.url);
			const client = new DeliveryClient({ maxSockets: concurrency });
			const overloaded = { count: 0 };
			const callIds = Array.from(
				{ length: DISTINCT },
				(_, i) => `call_distinct_${concurrency}_${i}`,
			);
			let first = '';
			const started = Date.now();
			const answers = await inPool(callIds, concurrency, async (callId, index) => {
				// Signed when sent, as VoxPria does; sent again, like VoxPria, while n8n is too busy to serve.
				const body = deliveryBody(callId);
				if (index === 0) first = body;
				const headers = signedHeaders(trigger.registration.secret, body);
				return sendUntilServed(() => client.send(trigger.url, { body, headers }), overloaded);
			});
			const seconds = (Date.now() - started) / 1000;
			const outcome = countBy(answers, (answer) => answerOf(answer).slice(0, 120));
			console.log(
				`${DISTINCT} distinct at concurrency ${concurrency}: ${seconds.toFixed(1)} s, ${(DISTINCT / seconds).toFixed(1)}/s; answers ${JSON.stringify(outcome)}; sent again while n8n was too busy: ${overloaded.count}`,
			);
			expect(outcome).toEqual({ [ACCEPTED]: DISTINCT });
			const executions = await settledExecutions(stack.n8n, trigger.id, DISTINCT, {
				timeoutMs: minutes(10),
				settleMs: 5_000,
				includeData: true,
			});
			expect(countBy(executions, callIdOf)).toEqual(
				Object.fromEntries(callIds.map((callId) => [callId, 1])),
			);
			// The first delivery was dropped from the full memory long ago: its replay must not run.
			const replay = await client.send(trigger.url, {
				body: first,
				headers: signedHeaders(trigger.registration.secret, first),
			});
			stack.watch.saw(replay.body);
			expect(answerOf(replay)).toMatch(BELOW_FLOOR);
			const after = await settledExecutions(stack.n8n, trigger.id, DISTINCT, { settleMs: 5_000 });
			expect(after).toHaveLength(DISTINCT);
			client.close();
		},
		minutes(20),
	);

	itLeavesNoSecret(() => stack, minutes(3));
});

function median(values: number[]): number {
	const sorted = [...values].sort((a, b) => a - b);
	return sorted[Math.floor(sorted.length / 2)] ?? 0;
}
