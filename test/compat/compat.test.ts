/* eslint-disable @n8n/community-nodes/no-dangerous-functions, @n8n/community-nodes/no-restricted-globals, @n8n/community-nodes/no-restricted-imports -- dev-only code, held to eslint.dev.config.mjs instead (CONTRIBUTING.md) */
/**
 * The compatibility suite: what a user needs from this package, checked in one real n8n of the
 * version VOXPRIA_N8N_VERSION names (a role in test/e2e/runtime/versions.json such as `newest` or
 * `oldest`, or an exact version with a lock folder; default `main`). The full suites in test/e2e
 * and test/reliability run on the main version; CI runs this file on every other version the
 * README claims. Compact on purpose (under a minute warm): one n8n, one trigger workflow, one
 * action workflow, one poll workflow.
 *
 *   VOXPRIA_N8N_VERSION=oldest npm run test:compat
 *
 * Written for what every n8n 2.x has:
 * - It waits on what the sandbox sees (registrations, deliveries), not on n8n's
 *   `GET /rest/workflows/{id}/publication-status`, which n8n 2.0.0 lacks (404 "Cannot GET"; of
 *   the versions on this registry, 2.30.0 is the first with the route, 2.28.5 has none).
 * - It creates the credential the way the editor does (`POST /rest/credentials`). n8n 2.0's
 *   public API (`POST /api/v1/credentials`) refuses a voxPriaApi credential without
 *   `allowedHttpRequestDomains`: its schema check requires the `allowedDomains` field that n8n
 *   itself adds to credential types, unless that option is given.
 */
import { execFileSync } from 'child_process';
import { existsSync } from 'fs';
import { join } from 'path';

import {
	actionNode,
	type Execution,
	nodeOutput,
	POLL_TRIGGER_NODE,
	pollsSeen,
	pollWorkflow,
	postToWebhook,
	productionUrl,
	REPO,
	registrationsFor,
	type Stack,
	STACK_TIMEOUT,
	triggerWorkflow,
	waitForExecutions,
	webhookWorkflow,
} from '../e2e/stack';
import { decodeMemory } from '../reliability/lib/builtTrigger';

/* eslint-disable @typescript-eslint/no-require-imports */
const { ensureRuntime, resolveN8nVersion } =
	require('../e2e/lib/runtime') as typeof import('../e2e/lib/runtime');
const { startN8n } = require('../e2e/lib/n8n') as typeof import('../e2e/lib/n8n');
const { startSandbox } = require('../sandbox/server') as typeof import('../sandbox/server');
/* eslint-enable @typescript-eslint/no-require-imports */

const VERSION = resolveN8nVersion();
const TRIGGER = 'VoxPria Trigger';
const POLL = POLL_TRIGGER_NODE;

let sequence = 0;
const newCallId = (label: string) =>
	`call_compat_${label}_${Date.now().toString(36)}${(++sequence).toString(36)}`;
const callIdOf = (execution: Execution): string | undefined =>
	nodeOutput(execution, TRIGGER)[0]?.data?.callId;

describe(`n8n-nodes-voxpria in n8n ${VERSION}`, () => {
	let stack: Stack;
	let workflowId = '';
	let url = '';
	/** The exact bytes of the first signed delivery. */
	let signedBody = '';

	beforeAll(async () => {
		if (!existsSync(join(REPO, 'dist', 'nodes', 'VoxPriaTrigger', 'VoxPriaTrigger.node.js'))) {
			execFileSync('npm', ['run', 'build', '--silent'], { cwd: REPO, stdio: 'inherit' });
		}
		const runtime = await ensureRuntime({ n8nVersion: VERSION });
		const sandbox = await startSandbox({ port: 0 });
		const n8n = await startN8n({ runtime }).catch(async (error: unknown) => {
			await sandbox.close();
			throw error;
		});
		stack = {
			n8n,
			sandbox,
			webhookBase: n8n.webhookBase,
			credential: { id: '', name: 'VoxPria sandbox' },
			async stop() {
				await n8n.stop();
				await sandbox.close();
			},
		};
		await n8n.setupOwner();
		const created = await n8n.rest('POST', '/credentials', {
			name: stack.credential.name,
			type: 'voxPriaApi',
			data: { apiKey: sandbox.apiKey, baseUrl: sandbox.url },
		});
		stack.credential.id = created.id;
	}, STACK_TIMEOUT);
	afterAll(async () => {
		await stack?.stop();
	}, 60_000);

	/**
	 * Sends one delivery as VoxPria would, to the registration the sandbox holds for the trigger,
	 * waiting out the 404s of the moment between registering and n8n serving the URL.
	 */
	async function deliver(spec: Record<string, unknown>) {
		const [registration] = await registrationsFor(stack, url);
		return stack.n8n.waitFor(
			async () => {
				const { results } = await stack.sandbox.deliver({
					webhookId: registration.webhookId,
					...spec,
				});
				return results[0].status === 404 ? false : results[0];
			},
			{ timeoutMs: 30_000, intervalMs: 250, description: `${url} to be served` },
		);
	}

	it(`runs the n8n version asked for (${VERSION})`, async () => {
		const settings = await stack.n8n.rest('GET', '/settings');
		expect(settings.versionCli).toBe(VERSION);
	});

	it('loads the packed package: the three node types, the AI tool variant and the credential type', async () => {
		const names = (await stack.n8n.nodeTypes()).map((type: { name: string }) => type.name);
		expect(names).toEqual(
			expect.arrayContaining([
				'n8n-nodes-voxpria.voxPria',
				'n8n-nodes-voxpria.voxPriaTrigger',
				'n8n-nodes-voxpria.voxPriaPollTrigger',
				'n8n-nodes-voxpria.voxPriaTool',
			]),
		);
		const credentials = (await stack.n8n.credentialTypes()).map(
			(type: { name: string }) => type.name,
		);
		expect(credentials).toContain('voxPriaApi');
		expect(stack.n8n.logText()).not.toMatch(
			/Failed to load package "n8n-nodes-voxpria"|Skipping package/,
		);
	});

	it('activation registers exactly one webhook, at n8n’s production URL, for the selected events', async () => {
		const workflow = triggerWorkflow(stack, { events: ['call.completed', 'call.failed'] });
		url = productionUrl(stack, workflow.nodes[0].webhookId as string);
		const created = await stack.n8n.createWorkflow(workflow);
		workflowId = created.id;
		await stack.n8n.activate(workflowId);
		await stack.n8n.waitFor(async () => (await registrationsFor(stack, url)).length > 0, {
			timeoutMs: 60_000,
			description: `a registration for ${url}`,
		});
		// n8n retries a failed create: give a second registration time to turn up, if any would.
		await new Promise((resolve) => setTimeout(resolve, 2_000));
		const registered = await registrationsFor(stack, url);
		expect(registered).toHaveLength(1);
		expect(registered[0]).toMatchObject({
			events: ['call.completed', 'call.failed'],
			active: true,
		});
		expect(stack.sandbox.state().webhooks).toHaveLength(1);
	}, 120_000);

	it('a signed delivery runs the workflow once, with the payload as the trigger’s output', async () => {
		const callId = newCallId('signed');
		const result = await deliver({
			event: 'call.completed',
			data: { callId, status: 'completed', duration: 42 },
		});
		expect(result.status).toBe(200);
		// responseMode onReceived with responseData noData: an empty 200 once n8n has recorded the execution.
		expect(result.body).toBe('');
		const delivery = stack.sandbox.deliveries().find((d) => d.id === result.deliveryId);
		if (!delivery) throw new Error('the sandbox did not record the delivery');

		const executions = await waitForExecutions(stack, workflowId, (list) =>
			list.some((e) => callIdOf(e) === callId),
		);
		const mine = executions.filter((e) => callIdOf(e) === callId);
		expect(mine).toHaveLength(1);
		expect(mine[0].status).toBe('success');
		expect(nodeOutput(mine[0], TRIGGER)).toEqual([JSON.parse(delivery.body)]);
		signedBody = delivery.body;
	}, 120_000);

	it('n8n keeps the static data the trigger writes (registration, duplicate memory): the same delivery again starts nothing', async () => {
		const [registration] = await registrationsFor(stack, url);
		// Written in create() (the registration) and in webhook() (the memory of accepted deliveries).
		const saved = await stack.n8n.waitFor(
			async () => {
				const data = (await stack.n8n.getWorkflow(workflowId)).staticData?.[`node:${TRIGGER}`];
				// The memory is saved in its compact form (savedMemory.ts): decode it as the trigger does.
				return typeof data?.seen === 'string' && decodeMemory(data.seen)?.entries.length === 1
					? data
					: false;
			},
			{ timeoutMs: 15_000, description: 'the duplicate memory in the workflow’s static data' },
		);
		expect(saved.webhookId).toBe(registration.webhookId);

		const before = (await stack.n8n.executions({ workflowId })).length;
		const again = await deliver({ body: signedBody });
		expect(again.status).toBe(200);
		expect(JSON.parse(again.body)).toEqual({ received: true, duplicate: true });
		await new Promise((resolve) => setTimeout(resolve, 1_000));
		expect(await stack.n8n.executions({ workflowId })).toHaveLength(before);
	}, 60_000);

	it('a forged delivery gets 401 and starts nothing', async () => {
		const before = (await stack.n8n.executions({ workflowId })).length;
		const forgedId = newCallId('forged');
		const forged = await deliver({ signature: 'forged', data: { callId: forgedId } });
		expect(forged.status).toBe(401);
		expect(JSON.parse(forged.body).error).toMatch(/^Invalid signature/);

		// A good delivery after it: once its execution is there, anything the forged one started would be too.
		const sentinel = newCallId('sentinel');
		expect((await deliver({ data: { callId: sentinel } })).status).toBe(200);
		const after = await waitForExecutions(stack, workflowId, (list) =>
			list.some((e) => callIdOf(e) === sentinel),
		);
		expect(after).toHaveLength(before + 1);
		expect(after.filter((e) => callIdOf(e) === forgedId)).toHaveLength(0);
	}, 120_000);

	it('the action node lists the webhooks VoxPria holds (Webhook → Get Many), without secrets', async () => {
		stack.sandbox.seed({
			webhooks: [{ url: 'https://hooks.example.com/compat', events: ['call.started'] }],
		});
		const held = stack.sandbox.state().webhooks as Array<{ webhookId: string; secret: string }>;
		expect(held).toHaveLength(2);

		const path = `compat-webhooks-${Date.now().toString(36)}`;
		const created = await stack.n8n.createWorkflow(
			webhookWorkflow('VoxPria compat: list webhooks', path, [
				actionNode(stack, 'VoxPria', { resource: 'webhook', operation: 'getAll', returnAll: true }),
			]),
		);
		await stack.n8n.activate(created.id);
		try {
			expect((await postToWebhook(stack, path, { from: 'compat' })).status).toBe(200);
			const [execution] = await waitForExecutions(stack, created.id, (list) => list.length >= 1);
			expect(execution.status).toBe('success');
			const output = nodeOutput(execution, 'VoxPria');
			expect(output.map((webhook) => webhook.webhookId).sort()).toEqual(
				held.map((webhook) => webhook.webhookId).sort(),
			);
			const text = JSON.stringify(execution);
			for (const webhook of held) expect(text).not.toContain(webhook.secret);
		} finally {
			await stack.n8n.deactivate(created.id);
		}
	}, 120_000);

	it('the Poll Trigger emits nothing old at its first poll, then a call that ended since, once', async () => {
		const old = '+14155550190';
		const fresh = '+14155550191';
		stack.sandbox.seed({ calls: [{ status: 'completed', toNumber: old }] });
		// Hourly: the only polls are the one n8n makes at each activation.
		const created = await stack.n8n.createWorkflow(
			pollWorkflow(stack, 'VoxPria compat: poll trigger', 'everyHour'),
		);
		// n8n polls once at each activation; waiting on the sandbox's call listings works on every 2.x.
		const publishAndPoll = async () => {
			const before = pollsSeen(stack);
			await stack.n8n.activate(created.id);
			await stack.n8n.waitFor(async () => pollsSeen(stack) > before, {
				timeoutMs: 60_000,
				description: 'a poll of GET /api/v1/calls',
			});
		};
		try {
			await publishAndPoll();
			await new Promise((resolve) => setTimeout(resolve, 2_000));
			expect(await stack.n8n.executions({ workflowId: created.id })).toHaveLength(0);

			stack.sandbox.seed({ calls: [{ status: 'completed', toNumber: fresh }] });
			await stack.n8n.deactivate(created.id);
			await publishAndPoll();
			const [execution] = await waitForExecutions(stack, created.id, (list) => list.length >= 1);
			expect(execution.status).toBe('success');
			expect(nodeOutput(execution, POLL).map((call) => call.toNumber)).toEqual([fresh]);
		} finally {
			await stack.n8n.deactivate(created.id);
		}
	}, 180_000);

	it('deactivation removes the registration (and only it)', async () => {
		await stack.n8n.deactivate(workflowId);
		await stack.n8n.waitFor(async () => (await registrationsFor(stack, url)).length === 0, {
			timeoutMs: 60_000,
			description: `no registration for ${url}`,
		});
		const left = stack.sandbox.state().webhooks as Array<{ url: string }>;
		expect(left.map((webhook) => webhook.url)).toEqual(['https://hooks.example.com/compat']);
	}, 120_000);
});
