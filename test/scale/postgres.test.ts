/* eslint-disable no-console -- dev-only code, held to eslint.dev.config.mjs instead (CONTRIBUTING.md) */
/**
 * Issue 10 on the most common production setup: one n8n process on Postgres. Registration,
 * verified deliveries, duplicates across a restart, and re-publishing with a delivery in flight.
 */
import { type ClusterStack, useClusterStack } from '../e2e/clusterStack';
import { activeWorkflow, productionUrl, registrationsFor, triggerWorkflow } from '../e2e/stack';
import { triggerOutput } from '../reliability/lib/executions';
import { currentSecret, post, runsByCallId, signed } from './lib';
import { describeRepublish, type RepublishFigures } from './republish';

describe('Postgres, one n8n process', () => {
	let stack: ClusterStack;
	const figures: RepublishFigures[] = [];
	useClusterStack((started) => (stack = started), { mode: 'postgres' });
	afterAll(() => console.log(`re-publish figures: ${JSON.stringify(figures)}`));

	it('registers once, runs a signed delivery, refuses a forged one, and recognises a duplicate after a restart', async () => {
		const workflow = triggerWorkflow(stack, { name: 'postgres basics' });
		const { id } = await activeWorkflow(stack, workflow);
		const url = productionUrl(stack, workflow.nodes[0].webhookId as string);
		expect(await registrationsFor(stack, url)).toHaveLength(1);
		const secret = await currentSecret(stack, url);
		const delivery = signed(secret, 'pg-1');
		await stack.n8n.waitFor(
			async () => (await post(url, delivery.body, delivery.headers)).status !== 404,
			{
				timeoutMs: 60_000,
				description: 'the trigger to be live',
			},
		);
		const forged = signed('whsec_forged', 'pg-forged');
		expect((await post(url, forged.body, forged.headers)).status).toBe(401);
		const { executions, runs } = await runsByCallId(stack, id, 1);
		expect(runs).toEqual({ 'pg-1': 1 });
		expect(triggerOutput(executions[0])).toEqual(JSON.parse(delivery.body));
		// The duplicate memory is in Postgres: a restart keeps it.
		const restart = await stack.cluster.restartAll();
		console.log(`postgres restart: ${JSON.stringify(restart)}`);
		await stack.n8n.waitFor(
			async () => (await post(url, '{}', { 'content-type': 'application/json' })).status === 401,
			{
				timeoutMs: 60_000,
				description: 'the trigger to be live again',
			},
		);
		const again = await post(url, delivery.body, delivery.headers);
		expect(`${again.status} ${again.body}`).toBe('200 {"received":true,"duplicate":true}');
		expect((await runsByCallId(stack, id, 1)).runs).toEqual({ 'pg-1': 1 });
	}, 600_000);

	describeRepublish(() => stack, 'postgres', figures);
});
