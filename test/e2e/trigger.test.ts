/**
 * The VoxPria Trigger inside a real n8n 2.40.7, against the VoxPria sandbox: activation,
 * deliveries, duplicates, deactivation and recovery, as a user would see them.
 */
import { activeWorkflow, productionUrl, registrationsFor, type Stack, startStack, STACK_TIMEOUT, triggerWorkflow } from './stack';

describe('VoxPria Trigger in a real n8n', () => {
	let stack: Stack;

	beforeAll(async () => {
		stack = await startStack();
	}, STACK_TIMEOUT);
	afterAll(async () => {
		await stack?.stop();
	}, 60_000);

	it('1. activation registers exactly one webhook, with n8n’s production URL and the selected events', async () => {
		const workflow = triggerWorkflow(stack, { events: ['call.failed', 'call.completed'] });
		await activeWorkflow(stack, workflow);
		const url = productionUrl(stack, workflow.nodes[0].webhookId as string);
		expect(url).toMatch(/^https:\/\/localhost:\d+\/webhook\/[0-9a-f-]+\/webhook$/);
		const registered = await registrationsFor(stack, url);
		expect(registered).toHaveLength(1);
		expect(registered[0]).toMatchObject({ events: ['call.completed', 'call.failed'], active: true });
	}, 120_000);
});
