/* eslint-disable @n8n/community-nodes/no-restricted-globals, no-console -- dev-only code, held to eslint.dev.config.mjs instead (CONTRIBUTING.md) */
/**
 * Issue 10: the trigger on n8n's distributed engine. One deployment from real parts
 * (test/e2e/lib/cluster.js): Postgres, Redis, a main process (N8N_DISABLE_PRODUCTION_MAIN_PROCESS),
 * two `n8n webhook` processes behind an HAProxy HTTPS round-robin balancer (WEBHOOK_URL points at
 * it), one `n8n worker`. The VoxPria sandbox plays VoxPria, retrying what gets no 2xx.
 *
 * Sizes: SCALE_LOAD deliveries (2,001; VOXPRIA_SCALE_LOAD to change) at concurrency 20, round
 * robin, and again at concurrency 10 without copies (issue 20: none refused by the memory's floor);
 * a quarter of that routed by signature (the balancer's hashing is what is tested there, and
 * the full size would add about 4 minutes to CI).
 */
import { type ClusterStack, useClusterStack } from '../e2e/clusterStack';
import { activeWorkflow, productionUrl, registrationsFor, triggerWorkflow } from '../e2e/stack';
import { countBy, triggerOutput } from '../reliability/lib/executions';
import { callCompletedPayload } from '../reliability/lib/signing';
import { currentSecret, executionCount, post, runsByCallId, signed, sleep, urlOn } from './lib';
import { describeRepublish, type RepublishFigures } from './republish';

const SCALE_LOAD = Number(process.env.VOXPRIA_SCALE_LOAD ?? 2_001);
const SIGNATURE_LOAD = Math.ceil(SCALE_LOAD / 4);
const CONCURRENCY = 20;

describe('queue mode: main, two webhook processes behind a balancer, a worker, Postgres and Redis', () => {
	let stack: ClusterStack;
	const figures: RepublishFigures[] = [];
	let id: string;
	let url: string;
	let secret: string;
	/** The trigger's URL on each webhook process directly. */
	let direct: [string, string];

	useClusterStack((started) => (stack = started), {
		mode: 'queue',
		sandbox: { retryBaseMs: 1_000 },
	});

	beforeAll(async () => {
		const workflow = triggerWorkflow(stack, { name: 'queue mode' });
		({ id } = await activeWorkflow(stack, workflow));
		url = productionUrl(stack, workflow.nodes[0].webhookId as string);
		secret = await currentSecret(stack, url);
		direct = stack.cluster.webhookProcesses.map((process) => urlOn(process.url, url)) as [
			string,
			string,
		];
		for (const target of [url, ...direct]) {
			await stack.n8n.waitFor(
				async () =>
					(await post(target, '{}', { 'content-type': 'application/json' })).status === 401,
				{
					timeoutMs: 90_000,
					description: `the trigger to be live at ${target}`,
				},
			);
		}
	}, 300_000);

	afterAll(() => console.log(`re-publish figures: ${JSON.stringify(figures)}`));

	it('registers exactly one webhook, at the balancer; either webhook process verifies deliveries, which run on the worker', async () => {
		const registrations = await registrationsFor(stack, url);
		expect(registrations).toHaveLength(1);
		expect(registrations[0].url.startsWith(stack.webhookBase)).toBe(true);
		const servedBy = new Set<string>();
		const sent = [];
		for (let n = 0; n < 6; n++) {
			const delivery = signed(secret, `queue-basic-${n}`);
			const answer = await post(url, delivery.body, delivery.headers);
			expect(answer.status).toBe(200);
			servedBy.add(String(answer.servedBy));
			sent.push(delivery);
		}
		expect(servedBy.size).toBe(2);
		for (const target of direct) {
			const forged = signed('whsec_forged', 'queue-forged');
			expect((await post(target, forged.body, forged.headers)).status).toBe(401);
		}
		const { executions, runs } = await runsByCallId(stack, id, 6);
		expect(Object.values(runs)).toEqual(Array(6).fill(1));
		for (const execution of executions) {
			const output = triggerOutput(execution) as { data: { callId: string } };
			const original = sent.find((delivery) => delivery.body.includes(`"${output.data.callId}"`));
			expect(output).toEqual(JSON.parse(original!.body));
		}
		const workerLog = stack.cluster.workers[0].logText();
		for (const execution of executions)
			expect(workerLog).toContain(`Worker started execution ${execution.id}`);
	}, 180_000);

	it('starts nothing for a copy that reaches the other webhook process 1 s, 10 s and 60 s after the original was answered', async () => {
		const before = await executionCount(stack, id);
		const delivery = signed(secret, 'queue-copy-later');
		expect((await post(direct[0], delivery.body, delivery.headers)).status).toBe(200);
		for (const wait of [1_000, 9_000, 50_000]) {
			await sleep(wait);
			const copy = await post(direct[1], delivery.body, delivery.headers);
			expect(`${copy.status} ${copy.body}`).toBe('200 {"received":true,"duplicate":true}');
		}
		expect((await runsByCallId(stack, id, before + 1)).runs['queue-copy-later']).toBe(1);
	}, 180_000);

	it('copies that reach both webhook processes at nearly the same moment: how often both run (measured)', async () => {
		const before = await executionCount(stack, id);
		const offsets = [0, 10, 25, 50, 100, 250, 500, 1_000];
		const pairs = 5;
		const callIds: Record<number, string[]> = {};
		for (const offset of offsets) {
			callIds[offset] = [];
			for (let pair = 0; pair < pairs; pair++) {
				const callId = `queue-simultaneous-${offset}-${pair}`;
				callIds[offset].push(callId);
				const delivery = signed(secret, callId);
				await Promise.all([
					post(direct[0], delivery.body, delivery.headers),
					sleep(offset).then(() => post(direct[1], delivery.body, delivery.headers)),
				]);
			}
		}
		const { runs } = await runsByCallId(stack, id, before + offsets.length * pairs);
		const doubled = Object.fromEntries(
			offsets.map((offset) => [
				`${offset} ms`,
				callIds[offset].filter((callId) => runs[callId] > 1).length,
			]),
		);
		console.log(
			`copies sent to both webhook processes, second copy N ms after the first (${pairs} pairs each): both ran in ${JSON.stringify(doubled)}`,
		);
		for (const offset of offsets)
			for (const callId of callIds[offset]) expect(runs[callId]).toBeGreaterThanOrEqual(1);
	}, 300_000);

	/**
	 * `amount` deliveries at `concurrency` to `target`, 10% sent again 1–5 s after their answer to
	 * `copyTo(answer)` (none without), while a trickle of new events (two a second) goes on until
	 * the last copy has been answered, as VoxPria's traffic would. Answers what ran how often, and
	 * the first delivery, for a replay.
	 */
	async function loadWithCopies(
		label: string,
		amount: number,
		target: string,
		copyTo: ((servedBy?: string) => string) | undefined,
		concurrency = CONCURRENCY,
	) {
		const before = await executionCount(stack, id);
		const started = Date.now();
		const copies: Array<Promise<{ status: number | null; body: string }>> = [];
		const copied: string[] = [];
		const answers: Record<string, number> = {};
		let trickling = true;
		let trickled = 0;
		const trickle = (async () => {
			while (trickling) {
				const delivery = signed(secret, `${label}-trickle-${trickled++}`);
				await post(target, delivery.body, delivery.headers);
				await sleep(500);
			}
		})();
		let next = 0;
		let first: ReturnType<typeof signed> | undefined;
		await Promise.all(
			Array.from({ length: concurrency }, async () => {
				while (next < amount) {
					const index = next++;
					const callId = `${label}-${index}`;
					const delivery = signed(secret, callId);
					if (index === 0) first = delivery;
					let answer = await post(target, delivery.body, delivery.headers);
					// As VoxPria would: a delivery whose connection broke is sent again.
					for (let retry = 0; answer.status === null && retry < 3; retry++) {
						answers[String(answer.error)] = (answers[String(answer.error)] ?? 0) + 1;
						answer = await post(target, delivery.body, delivery.headers);
					}
					answers[String(answer.status)] = (answers[String(answer.status)] ?? 0) + 1;
					if (answer.status !== 200)
						throw new Error(
							`delivery ${index}: ${answer.status} ${answer.body} ${answer.error ?? ''}`,
						);
					if (copyTo && index % 10 === 0) {
						copied.push(callId);
						const to = copyTo(answer.servedBy);
						copies.push(
							sleep(1_000 + ((index * 7919) % 4_000)).then(() =>
								post(to, delivery.body, delivery.headers),
							),
						);
					}
				}
			}),
		);
		const seconds = (Date.now() - started) / 1000;
		const copyAnswers = await Promise.all(copies);
		trickling = false;
		await trickle;
		const expected = amount + trickled;
		const { executions, runs } = await runsByCallId(stack, id, before + expected, {
			timeoutMs: 30 * 60_000,
			stallMs: 120_000,
		});
		const ours = Object.entries(runs).filter(([callId]) => callId.startsWith(`${label}-`));
		const lost = expected - ours.length;
		const doubled = ours.filter(([, count]) => count > 1).map(([callId]) => callId);
		console.log(
			`${label}: ${amount} deliveries answered in ${seconds.toFixed(1)} s (${(amount / seconds).toFixed(1)}/s), answers ${JSON.stringify(answers)}; ` +
				`${copies.length} copies answered ${JSON.stringify(countBy(copyAnswers, (a) => `${a.status} ${a.body}`))}; ` +
				`${trickled} trickled; executions ${JSON.stringify(countBy(executions, (e) => e.status))}; lost ${lost}, doubled ${JSON.stringify(doubled)}`,
		);
		return {
			lost,
			doubled,
			copied,
			copies: copies.length,
			first: first!,
			before: before + expected,
		};
	}

	it(
		`load: ${SCALE_LOAD} deliveries at concurrency ${CONCURRENCY}, round-robin, 10% sent again 1–5 s later to the other webhook process: every original answered 200 and none lost, only such copies can run twice; a replay of the first afterwards starts nothing`,
		async () => {
			const other = (servedBy?: string) =>
				servedBy === stack.cluster.webhookProcesses[0].name ? direct[1] : direct[0];
			const { lost, doubled, copied, copies, first } = await loadWithCopies(
				'queue-load',
				SCALE_LOAD,
				url,
				other,
			);
			expect(lost).toBe(0);
			await expectReplayRefused(first);
			// n8n writes a workflow's static data whole, last writer wins: a copy reaching the other
			// process before that process has read the first one's save can run again (README).
			expect(doubled.filter((callId) => !copied.includes(callId))).toEqual([]);
			console.log(
				`round-robin: ${doubled.length} of ${copies} copies sent to the other webhook process ran again`,
			);
		},
		60 * 60_000,
	);

	/** A replay of a delivery the memories dropped long ago is refused at either webhook process. */
	async function expectReplayRefused(delivery: ReturnType<typeof signed>) {
		const executions = await executionCount(stack, id);
		for (const target of direct) {
			const answer = await post(target, delivery.body, delivery.headers);
			expect([answer.status, JSON.parse(answer.body).error]).toEqual([
				400,
				expect.stringMatching(/^older than the duplicate memory/),
			]);
		}
		await sleep(3_000);
		expect(await executionCount(stack, id)).toBe(executions);
	}

	it(
		`load: ${SCALE_LOAD} distinct deliveries at concurrency 10, round-robin: every one answered 200 and run once; a replay of the first afterwards starts nothing`,
		async () => {
			const { lost, doubled, first } = await loadWithCopies(
				'queue-distinct-10',
				SCALE_LOAD,
				url,
				undefined,
				10,
			);
			expect({ lost, doubled }).toEqual({ lost: 0, doubled: [] });
			await expectReplayRefused(first);
		},
		60 * 60_000,
	);

	it(
		`load: ${SIGNATURE_LOAD} deliveries at concurrency ${CONCURRENCY}, routed by signature, 10% sent again 1–5 s later through the balancer: each runs exactly once`,
		async () => {
			const bySignature = urlOn(stack.cluster.balancer!.signatureUrl, url);
			const { lost, doubled } = await loadWithCopies(
				'queue-signature',
				SIGNATURE_LOAD,
				bySignature,
				() => bySignature,
			);
			expect({ lost, doubled }).toEqual({ lost: 0, doubled: [] });
		},
		60 * 60_000,
	);

	it('a webhook process killed with SIGKILL mid-load: VoxPria’s retries reach the other one; nothing is lost, and what was answered 200 runs once', async () => {
		const before = await executionCount(stack, id);
		const { webhookId } = (await registrationsFor(stack, url))[0];
		const callIds = Array.from({ length: 40 }, (_, index) => `queue-outage-${index}`);
		const sending = Promise.all(
			callIds.map(async (callId, index) => {
				await sleep(index * 50);
				await stack.sandbox.deliver({
					webhookId,
					payload: callCompletedPayload(callId),
					retry: true,
				});
			}),
		);
		await sleep(700);
		await stack.cluster.webhookProcesses[0].kill('SIGKILL');
		await sending;
		const { runs } = await runsByCallId(stack, id, before + callIds.length, {
			timeoutMs: 5 * 60_000,
			stallMs: 90_000,
		});
		const outcome = callIds.map((callId) => runs[callId] ?? 0);
		const log = (await stack.sandbox.deliveries()) as Array<{
			body: string;
			attempts: Array<{ status?: number | null }>;
		}>;
		const attemptsOf = (callId: string) =>
			log.find((delivery) => delivery.body.includes(`"${callId}"`))?.attempts ?? [];
		const answeredAtOnce = callIds.filter((callId) => attemptsOf(callId)[0]?.status === 200);
		console.log(
			`outage: ${callIds.length} events; runs per event ${JSON.stringify(countBy(outcome, String))}; ` +
				`attempts per event ${JSON.stringify(countBy(callIds, (callId) => String(attemptsOf(callId).length)))}; ` +
				`answers ${JSON.stringify(
					countBy(
						callIds.flatMap((callId) => attemptsOf(callId)),
						(attempt) => String(attempt.status),
					),
				)}`,
		);
		// Nothing is lost, and whatever got its 200 at once runs once. A delivery the killed process
		// had recorded but not answered is retried and may run again: n8n records the execution and
		// saves static data in two steps, and SIGKILL can fall between them (at least once).
		expect(outcome.every((count) => count >= 1)).toBe(true);
		for (const callId of answeredAtOnce) expect([callId, runs[callId]]).toEqual([callId, 1]);
		await stack.cluster.webhookProcesses[0].restart();
	}, 600_000);

	it('after a restart of the whole deployment, duplicates of deliveries accepted before it are still recognised', async () => {
		const before = Array.from({ length: 10 }, (_, index) =>
			signed(secret, `queue-restart-${index}`),
		);
		for (const delivery of before)
			expect((await post(url, delivery.body, delivery.headers)).status).toBe(200);
		await stack.sandbox.clearRequests();
		const restart = await stack.cluster.restartAll();
		// What n8n 2.40.7 in queue mode does with a trigger's webhook lifecycle at start-up.
		const lifecycleCalls = (
			(await stack.sandbox.requests()) as Array<{ method: string; path: string }>
		)
			.filter((request) => request.path.startsWith('/api/v1/webhooks'))
			.map((request) => `${request.method} ${request.path}`);
		console.log(
			`restartAll: ${JSON.stringify(restart)}; VoxPria calls made by the restart: ${JSON.stringify(lifecycleCalls)}`,
		);
		await stack.n8n.waitFor(
			async () => (await post(url, '{}', { 'content-type': 'application/json' })).status === 401,
			{
				timeoutMs: 120_000,
				description: 'the trigger to be live after the restart',
			},
		);
		expect(await currentSecret(stack, url)).toBe(secret);
		for (const [index, delivery] of before.entries()) {
			const again = await post(index % 2 ? direct[1] : direct[0], delivery.body, delivery.headers);
			expect(`${again.status} ${again.body}`).toBe('200 {"received":true,"duplicate":true}');
		}
		const fresh = signed(secret, 'queue-after-restart');
		expect((await post(url, fresh.body, fresh.headers)).status).toBe(200);
	}, 600_000);

	it('deactivation on main removes the registration', async () => {
		await stack.n8n.deactivate(id);
		await stack.n8n.waitForUnpublished(id);
		await stack.n8n.waitFor(async () => (await registrationsFor(stack, url)).length === 0, {
			timeoutMs: 60_000,
			description: 'the registration to be removed',
		});
	}, 120_000);

	describeRepublish(() => stack, 'queue', figures);

	it('leaves no API key or webhook secret in any process’s log', async () => {
		const logs = Object.values(stack.cluster.processLogs()).join('\n');
		const secrets = [
			stack.sandbox.apiKey,
			secret,
			...((await stack.sandbox.state()).webhooks as Array<{ secret: string }>).map((w) => w.secret),
		];
		for (const value of secrets) expect(logs).not.toContain(value);
	});
});
