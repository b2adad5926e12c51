/* eslint-disable @n8n/community-nodes/no-restricted-globals, no-console -- dev-only code, held to eslint.dev.config.mjs instead (CONTRIBUTING.md) */
/**
 * Issue 10, item 4: re-publishing a workflow while a delivery is still arriving must never leave
 * the trigger holding an outdated registration for good. Shared by the SQLite, Postgres and
 * queue-mode suites: one deterministic test per way of re-publishing, one statistical test of
 * STATISTICAL_CYCLES cycles under continuous load.
 *
 * After each re-publish a fresh delivery, signed with the secret VoxPria now holds, must be
 * accepted and run, at once. In one n8n process the process that re-publishes knows the new
 * registration; in queue mode a request that may have begun before the re-publish saves only once
 * that is known to be safe (nodes/VoxPriaTrigger/republishGuard.ts). Requests in flight for less than
 * that guard's threshold can still write it back under continuous load; the trigger then heals itself
 * (outdatedRegistration.ts): the statistical test measures how often, how long that took and how
 * many deliveries it refused meanwhile.
 */
import type { IDataObject } from 'n8n-workflow';

import {
	activeWorkflow,
	productionUrl,
	registrationsFor,
	type Stack,
	triggerWorkflow,
} from '../e2e/stack';
import { currentSecret, post, postSlowly, processUrls, signed, sleep, urlOn } from './lib';

export const STATISTICAL_CYCLES = Number(process.env.VOXPRIA_SCALE_CYCLES ?? 20);

export interface RepublishFigures {
	mode: string;
	how: string;
	inFlightStatus: number | null;
	/** Fresh deliveries signed with VoxPria's current secret that were refused before one ran. */
	refusedBeforeAccepted: number;
	/** From the end of the re-publish until a fresh delivery was accepted. */
	msUntilAccepted: number;
}

type Workflow = ReturnType<typeof triggerWorkflow>;

/** Sends fresh deliveries signed with VoxPria's current secret until one is accepted. */
async function untilFreshDeliveryRuns(
	stack: Stack,
	url: string,
	targets: string[],
	label: string,
	limitMs = 120_000,
) {
	const started = Date.now();
	let refused = 0;
	for (let attempt = 0; ; attempt++) {
		const secret = await currentSecret(stack, url);
		const delivery = signed(secret, `${label}-fresh-${attempt}`);
		const answer = await post(
			urlOn(targets[attempt % targets.length], url),
			delivery.body,
			delivery.headers,
		);
		if (answer.status === 200 && answer.body === '')
			return { refused, ms: Date.now() - started, callId: `${label}-fresh-${attempt}` };
		if (answer.status !== 401 && answer.status !== 404) {
			throw new Error(`a fresh delivery got ${answer.status} ${answer.body} ${answer.error ?? ''}`);
		}
		refused++;
		if (Date.now() - started > limitMs) {
			throw new Error(
				`no fresh delivery accepted within ${limitMs} ms after the re-publish (${refused} refused, last ${answer.status} ${answer.body})`,
			);
		}
		await sleep(1_000);
	}
}

/** Deactivates and activates again; waits until VoxPria holds a new registration and n8n serves it. */
async function deactivateAndActivate(stack: Stack, id: string, url: string) {
	const before = (await registrationsFor(stack, url)).map((webhook) => webhook.webhookId).join();
	await stack.n8n.deactivate(id);
	await stack.n8n.waitForUnpublished(id);
	await stack.n8n.activate(id);
	await stack.n8n.waitForPublished(id);
	await stack.n8n.waitFor(
		async () => {
			const now = await registrationsFor(stack, url);
			return now.length === 1 && now[0].webhookId !== before;
		},
		{ timeoutMs: 60_000, description: 'a new registration at VoxPria' },
	);
}

/** Changes a parameter (the events) and publishes again, as the editor's "Publish" does. */
async function changeAndPublish(stack: Stack, id: string, url: string, workflow: Workflow) {
	const [current] = await registrationsFor(stack, url);
	const before = current?.webhookId;
	// Flip between one and two events, so that each publish changes the registration.
	const events =
		current?.events.length === 1 ? ['call.completed', 'call.failed'] : ['call.completed'];
	const nodes = workflow.nodes.map((node, index) =>
		index === 0 ? { ...node, parameters: { ...(node.parameters as IDataObject), events } } : node,
	);
	await stack.n8n.api('PUT', `/workflows/${id}`, {
		name: workflow.name,
		nodes,
		connections: workflow.connections,
		settings: workflow.settings,
	});
	await stack.n8n.activate(id);
	await stack.n8n.waitFor(
		async () => {
			const now = await registrationsFor(stack, url);
			return (
				now.length === 1 && now[0].webhookId !== before && now[0].events.length === events.length
			);
		},
		{ timeoutMs: 90_000, description: 'the re-published registration at VoxPria' },
	);
	await stack.n8n.waitForPublished(id);
}

export function describeRepublish(
	getStack: () => Stack,
	mode: string,
	figures: RepublishFigures[],
): void {
	describe(`re-publishing while a delivery is in flight (${mode})`, () => {
		let stack: Stack;
		let workflow: Workflow;
		let id: string;
		let url: string;
		let targets: string[];

		beforeAll(async () => {
			stack = getStack();
			workflow = triggerWorkflow(stack, { name: `republish ${mode}` });
			({ id } = await activeWorkflow(stack, workflow));
			url = productionUrl(stack, workflow.nodes[0].webhookId as string);
			targets = processUrls(stack);
			await stack.n8n.waitFor(
				async () => (await post(url, '{}', { 'content-type': 'application/json' })).status === 401,
				{
					timeoutMs: 60_000,
					description: 'the trigger to be live',
				},
			);
		}, 180_000);

		it.each([
			['deactivated and activated', 'toggle'],
			['a parameter changed and published again', 'publish'],
		] as const)(
			'a delivery still arriving while the workflow is %s: it runs, and so does the next one, signed with the new secret',
			async (how, kind) => {
				const oldSecret = await currentSecret(stack, url);
				const inFlight = signed(oldSecret, `${mode}-${kind}-in-flight`);
				// Through the first webhook process (or the one n8n), so the request is certain to be
				// the one that loaded the old registration.
				const answer = await postSlowly(
					urlOn(targets[0], url),
					inFlight.body,
					inFlight.headers,
					() =>
						kind === 'toggle'
							? deactivateAndActivate(stack, id, url)
							: changeAndPublish(stack, id, url, workflow),
				);
				expect(answer.status).toBe(200);
				expect(await currentSecret(stack, url)).not.toBe(oldSecret);
				const fresh = await untilFreshDeliveryRuns(stack, url, targets, `${mode}-${kind}`);
				figures.push({
					mode,
					how,
					inFlightStatus: answer.status,
					refusedBeforeAccepted: fresh.refused,
					msUntilAccepted: fresh.ms,
				});
				// Also in queue mode: the request that loaded the old registration did not write it back
				// (nodes/VoxPriaTrigger/republishGuard.ts).
				expect(fresh.refused).toBe(0);
				// The registration that stays is the only one at VoxPria.
				expect(await registrationsFor(stack, url)).toHaveLength(1);
			},
			300_000,
		);

		it(
			`${STATISTICAL_CYCLES} re-publish cycles under continuous deliveries: after each, a fresh delivery runs`,
			async () => {
				let stop = false;
				let sent = 0;
				const statuses: Record<string, number> = {};
				// As fast as the machine answers: 4 senders, each signing with VoxPria's current secret.
				const senders = Array.from({ length: 4 }, async (_, sender) => {
					while (!stop) {
						const secret = await currentSecret(stack, url).catch(() => undefined);
						if (!secret) {
							await sleep(100);
							continue;
						}
						const delivery = signed(secret, `${mode}-load-${sender}-${sent++}`);
						const answer = await post(
							urlOn(targets[sent % targets.length], url),
							delivery.body,
							delivery.headers,
							60_000,
						);
						const key = String(answer.status ?? answer.error);
						statuses[key] = (statuses[key] ?? 0) + 1;
					}
				});
				const cycles: Array<{ refused: number; ms: number }> = [];
				try {
					for (let cycle = 0; cycle < STATISTICAL_CYCLES; cycle++) {
						if (cycle % 2) await changeAndPublish(stack, id, url, workflow);
						else await deactivateAndActivate(stack, id, url);
						const fresh = await untilFreshDeliveryRuns(
							stack,
							url,
							targets,
							`${mode}-cycle-${cycle}`,
						);
						cycles.push({ refused: fresh.refused, ms: fresh.ms });
					}
				} finally {
					stop = true;
					await Promise.all(senders);
				}
				const healed = cycles.filter((cycle) => cycle.refused > 0);
				console.log(
					`${mode}: ${STATISTICAL_CYCLES} re-publish cycles with ${sent} deliveries sent meanwhile (answers ${JSON.stringify(statuses)}); ` +
						`fresh delivery accepted at once after ${cycles.length - healed.length} cycles` +
						(healed.length
							? `, after a heal in ${healed.length} (refused ${healed.map((c) => c.refused).join('/')}, ${healed.map((c) => Math.round(c.ms / 1000)).join('/')} s)`
							: ''),
				);
				figures.push({
					mode,
					how: `${STATISTICAL_CYCLES} cycles under load`,
					inFlightStatus: null,
					refusedBeforeAccepted: cycles.reduce((sum, cycle) => sum + cycle.refused, 0),
					msUntilAccepted: Math.max(...cycles.map((cycle) => cycle.ms)),
				});
				expect(cycles).toHaveLength(STATISTICAL_CYCLES);
				if (mode !== 'queue') expect(healed).toEqual([]);
				expect(await registrationsFor(stack, url)).toHaveLength(1);
			},
			30 * 60_000,
		);
	});
}
