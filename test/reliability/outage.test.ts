/* eslint-disable no-console -- dev-only code, held to eslint.dev.config.mjs instead (CONTRIBUTING.md) */
/**
 * Reliability (issue 6), retries and outages: VoxPria retries a delivery that gets no 2xx answer
 * (the sandbox: 5 retries, 2 s, 4 s, 8 s, 16 s, 32 s apart, so about 62 s in all). n8n is stopped,
 * events are emitted while nothing listens on its port, and n8n is started again (same user folder
 * and port) within the retry window. Every event ends with exactly one execution; the sandbox's
 * delivery log shows the failed attempts, then one success. Events emitted right after the start
 * (while n8n's webhook routes may still answer 404) are covered by the retries too, and two
 * deliveries of the same bytes that both retry through the outage start one execution.
 *
 * First, a stop right after deliveries: every event answered 200 while n8n is being stopped
 * gracefully must still run (VoxPria does not retry what got a 200). It runs first, on a freshly
 * started n8n, where a loss showed most often when the trigger answered before n8n had recorded
 * the execution (it no longer does).
 *
 * Sizes: 10 events during the outage and 5 right after it (CI); VOXPRIA_RELIABILITY_FULL=1: 200
 * and 50.
 * Run: npx jest test/reliability/outage.test.ts --selectProjects e2e
 */
import { restartAfterOutage } from '../e2e/stack';
import { sleep } from './lib/client';
import { countBy, settledExecutions, triggerOutput } from './lib/executions';
import { callCompletedPayload } from './lib/signing';
import { FULL, minutes, size } from './lib/sizes';
import {
	itLeavesNoSecret,
	liveTrigger,
	type ReliabilityStack,
	untilTriggerAnswers,
	useReliabilityStack,
} from './lib/stack';

const DURING = size(10, 200);
const AFTER = size(5, 50);
const HOLD_DOWN_MS = 12_000;
const RETRY_BASE_MS = 2_000;
/** Events answered just before a stop. */
const STOP_BATCH = 20;

interface Delivery {
	id: string;
	url: string;
	body: string;
	attempts: Array<{ status: number | null; error: string | null; at: string }>;
	done: boolean;
	ok: boolean;
}

describe(`outage: deliveries retried through an n8n outage run exactly once (${DURING} + ${AFTER} events${FULL ? ', full' : ''})`, () => {
	let stack: ReliabilityStack;

	useReliabilityStack((started) => (stack = started), { sandbox: { retryBaseMs: RETRY_BASE_MS } });

	it(
		'loses no event delivered while n8n is being stopped, and runs each acknowledged one once (a graceful stop, as in a deploy)',
		async () => {
			// VoxPria does not retry a delivery it got a 200 for, so an acknowledged event must run; one that
			// met a closing n8n gets no 2xx and is retried, and must then run once, not twice.
			const { id, url, registration } = await liveTrigger(
				stack,
				'reliability: stop after answering',
			);
			const { webhookId } = registration;
			await untilTriggerAnswers(stack, url);
			// Deliveries keep arriving (one every 20 ms) while n8n gets SIGTERM after 200 ms.
			const callIds = Array.from({ length: STOP_BATCH }, (_, index) => `call_stop_${index}`);
			const answered = Promise.all(
				callIds.map(async (callId, index) => {
					await sleep(index * 20);
					const { results } = await stack.sandbox.deliver({
						webhookId,
						payload: callCompletedPayload(callId),
						retry: true,
					});
					return { callId, answer: `${results[0].status ?? results[0].error} ${results[0].body}` };
				}),
			);
			await sleep(200);
			await stack.n8n.restart(); // SIGTERM: n8n shuts down gracefully, then starts again
			const answers = await answered;
			const acknowledged = answers
				.filter(({ answer }) => answer === '200 ')
				.map(({ callId }) => callId);

			// The sandbox retries the others through the restart (2, 4, 8, 16, 32 s apart).
			const executions = await settledExecutions(stack.n8n, id, STOP_BATCH, {
				timeoutMs: minutes(3),
				stallMs: 40_000,
				includeData: true,
			});
			const ran = executions
				.filter((execution) => execution.status === 'success')
				.map((execution) => (triggerOutput(execution)?.data as { callId: string }).callId);
			const runs = countBy(ran, (callId) => callId);
			console.log(
				`stop while delivering: first answers ${JSON.stringify(countBy(answers, ({ answer }) => answer.slice(0, 40)))}; executions ${JSON.stringify(countBy(executions, (e) => e.status))}; acknowledged but not run: ${JSON.stringify(acknowledged.filter((callId) => !ran.includes(callId)))}`,
			);
			const firstAnswer = (callId: string) =>
				answers.find((answer) => answer.callId === callId)?.answer ?? '';
			const doubled = callIds.filter((callId) => (runs[callId] ?? 0) > 1);
			console.log(
				`ran twice: ${JSON.stringify(doubled.map((callId) => ({ callId, first: firstAnswer(callId).slice(0, 80) })))}`,
			);
			// Nothing is lost: every event ran, and every event VoxPria got a 200 for ran exactly once.
			expect(callIds.filter((callId) => !runs[callId])).toEqual([]);
			expect(acknowledged.filter((callId) => runs[callId] !== 1)).toEqual([]);
			// A second run happens only where n8n, stopping, answered 5xx for an execution it had already
			// recorded: VoxPria retries what got no 2xx, and the duplicate memory had not been saved yet.
			expect(doubled.filter((callId) => !firstAnswer(callId).startsWith('5'))).toEqual([]);
		},
		minutes(5),
	);

	it(
		'runs every event emitted during and right after the outage exactly once',
		async () => {
			const { id, url, registration } = await liveTrigger(stack, 'reliability: outage');
			const { webhookId } = registration;
			const emit = (callId: string) =>
				stack.sandbox.emit({ event: 'call.completed', data: { callId, status: 'completed' } });

			await stack.n8n.waitFor(
				async () => {
					const [delivery] = (await emit('call_outage_before')).deliveries;
					const record = ((await stack.sandbox.deliveries()) as Delivery[]).find(
						(d) => d.id === delivery,
					);
					return record?.ok === true;
				},
				{ timeoutMs: 30_000, description: 'a first delivery to succeed' },
			);
			// An operator stops n8n once it is idle: an event answered 200 in the last moments before a stop
			// can be lost (see the last test of this file).
			await settledExecutions(stack.n8n, id, 1, { settleMs: 0 });

			const { downMs } = await restartAfterOutage(stack.n8n, async () => {
				for (let index = 0; index < DURING; index++) await emit(`call_outage_during_${index}`);
				// The same bytes twice, at the same moment, both retried through the outage.
				const twice = await stack.sandbox.deliver({
					webhookId,
					payload: callCompletedPayload('call_outage_twice'),
					copies: 2,
					concurrent: true,
					retry: true,
				});
				stack.watch.saw(twice);
				expect(twice.results.map((result: { status: number | null }) => result.status)).toEqual([
					null,
					null,
				]);
				await sleep(HOLD_DOWN_MS);
			});
			for (let index = 0; index < AFTER; index++) await emit(`call_outage_after_${index}`);

			const total = 1 + DURING + 2 + AFTER;
			const deliveries = await stack.n8n.waitFor(
				async () => {
					const all = ((await stack.sandbox.deliveries()) as Delivery[]).filter(
						(d) => d.url === url,
					);
					return all.length === total && all.every((d) => d.done) ? all : false;
				},
				{ timeoutMs: minutes(3), intervalMs: 1_000, description: 'every delivery to be done' },
			);

			const attemptsPerDelivery = countBy(deliveries, (d) => String(d.attempts.length));
			const firstFailures = countBy(
				deliveries.filter((d) => d.attempts.length > 1),
				(d) => String(d.attempts[0].status ?? d.attempts[0].error),
			);
			console.log(
				`outage: n8n down ${(downMs / 1000).toFixed(1)} s (port closed until ready); attempts per delivery ${JSON.stringify(attemptsPerDelivery)}; first failures ${JSON.stringify(firstFailures)}`,
			);
			for (const delivery of deliveries) {
				// Retried until one 2xx, which is the last attempt; nothing after it.
				expect(delivery.ok).toBe(true);
				const statuses = delivery.attempts.map((attempt) => attempt.status);
				expect(statuses.filter((status) => status !== null && status < 300)).toHaveLength(1);
				expect(statuses[statuses.length - 1]).toBe(200);
			}
			const during = deliveries.filter(
				(d) => d.body.includes('call_outage_during_') || d.body.includes('call_outage_twice'),
			);
			for (const delivery of during) {
				// The first attempt met a closed port.
				expect(delivery.attempts[0].status).toBeNull();
				expect(delivery.attempts.length).toBeGreaterThan(1);
			}

			const executions = await settledExecutions(stack.n8n, id, total - 1, {
				timeoutMs: minutes(3),
				settleMs: 8_000,
				includeData: true,
			});
			const callIds = executions.map(
				(execution) => (triggerOutput(execution)?.data as { callId: string }).callId,
			);
			const expected = [
				'call_outage_before',
				...Array.from({ length: DURING }, (_, index) => `call_outage_during_${index}`),
				'call_outage_twice',
				...Array.from({ length: AFTER }, (_, index) => `call_outage_after_${index}`),
			];
			expect([...callIds].sort()).toEqual([...expected].sort());
			expect(executions.every((execution) => execution.status === 'success')).toBe(true);
		},
		minutes(10),
	);

	itLeavesNoSecret(() => stack, minutes(2));
});
