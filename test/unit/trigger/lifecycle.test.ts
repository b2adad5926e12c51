import type { IDataObject } from 'n8n-workflow';

import { forgetAllTriggerStates } from '../../../nodes/VoxPriaTrigger/processState';
import { triggerLifecycle, type Setup } from '../../helpers/n8n';
import { rateLimitFault, useSandbox, type Sandbox } from '../../helpers/sandbox';

type Remote = { webhookId: string; url: string; events: string[]; active: boolean; secret: string };

const PRODUCTION_URL = 'https://n8n.example.com/webhook/hook-0000-1111/webhook';
const TEST_URL = 'https://n8n.example.com/webhook-test/hook-0000-1111/webhook';

describe('VoxPria Trigger registration lifecycle', () => {
	let sandbox: Sandbox;
	let setup: Setup;

	const remote = async (): Promise<Remote[]> => (await sandbox.state()).webhooks as Remote[];
	const registration = () => setup.staticData!['node:VoxPria Trigger'] as IDataObject | undefined;
	const webhookCalls = async () =>
		((await sandbox.requests()) as Array<{ method: string; path: string }>)
			.filter((request) => request.path.startsWith('/api/v1/webhooks'))
			.map((request) => `${request.method} ${request.path}`);

	useSandbox((started) => (sandbox = started));
	beforeEach(() => {
		// Each test is a fresh n8n process: nothing remembered from the one before.
		forgetAllTriggerStates();
		setup = {
			credentials: { apiKey: sandbox.apiKey, baseUrl: sandbox.url },
			parameters: { events: ['call.failed', 'call.completed'], options: {} },
			staticData: {},
		};
	});

	describe('create', () => {
		it('registers this node’s production URL with the selected events and keeps id and secret', async () => {
			await triggerLifecycle(setup).create();

			const webhooks = await remote();
			expect(webhooks).toHaveLength(1);
			expect(webhooks[0]).toMatchObject({
				url: PRODUCTION_URL,
				events: ['call.completed', 'call.failed'],
				active: true,
			});
			expect(registration()).toEqual({
				webhookId: webhooks[0].webhookId,
				secret: webhooks[0].secret,
				webhookUrl: PRODUCTION_URL,
				events: ['call.completed', 'call.failed'],
				registeredAt: expect.any(Number),
			});
			expect(webhooks[0].secret).toMatch(/^whsec_/);
		});

		it('registers the editor’s test URL when listening for a test event', async () => {
			await triggerLifecycle(setup).create('manual');
			expect((await remote()).map((webhook) => webhook.url)).toEqual([TEST_URL]);
		});

		it('adds events typed under Additional Events, trimmed and without repeats', async () => {
			setup.parameters = {
				events: ['call.completed'],
				options: { additionalEvents: ' call.transferred, call.completed ,, ' },
			};
			await triggerLifecycle(setup).create();
			expect((await remote())[0].events).toEqual(['call.completed', 'call.transferred']);
		});

		it('refuses a non-HTTPS webhook URL with the URL and the fix, and registers nothing', async () => {
			setup.webhookBaseUrl = 'http://localhost:5678';
			const error = (await triggerLifecycle(setup)
				.create()
				.catch((caught: unknown) => caught)) as Error & { description?: string };
			expect(error).toBeInstanceOf(Error);
			// n8n shows only the message (editor, publication status): the fix must be in it.
			expect(error.message).toBe(
				"VoxPria only delivers to HTTPS, but n8n's webhook URL is http://localhost:5678/webhook/hook-0000-1111/webhook. Set n8n's WEBHOOK_URL environment variable to the public https:// address of this n8n and restart it, or for a local sandbox turn on Options → Allow HTTP URL.",
			);
			expect(await webhookCalls()).toEqual([]);
			expect(await remote()).toEqual([]);
		});

		it('registers a non-HTTPS URL when Allow HTTP URL is on', async () => {
			setup.webhookBaseUrl = 'http://localhost:5678';
			setup.parameters = { events: ['call.completed'], options: { allowHttp: true } };
			await triggerLifecycle(setup).create();
			expect((await remote())[0].url).toBe('http://localhost:5678/webhook/hook-0000-1111/webhook');
		});

		it('fails activation clearly when VoxPria rejects the key, and registers nothing', async () => {
			setup.credentials.apiKey = 'agl_sk_wrong';
			await expect(triggerLifecycle(setup).activate()).rejects.toThrow(
				'VoxPria rejected the API key (HTTP 401): check the API key in the VoxPria credential; it needs the webhooks scope',
			);
			expect(await remote()).toEqual([]);
			expect(registration() ?? {}).toEqual({});
		});

		it('fails with the same message on 403 (key without the webhooks scope)', async () => {
			await sandbox.addFault({
				method: 'GET',
				path: '/api/v1/webhooks',
				status: 403,
				body: { success: false, error: 'Missing scope: webhooks' },
			});
			await expect(triggerLifecycle(setup).activate()).rejects.toThrow(
				'VoxPria rejected the API key (HTTP 403): check the API key in the VoxPria credential; it needs the webhooks scope',
			);
		});

		it('names the base URL when VoxPria cannot be reached', async () => {
			setup.credentials.baseUrl = 'http://127.0.0.1:9';
			await expect(triggerLifecycle(setup).activate()).rejects.toThrow(
				'Could not reach VoxPria at http://127.0.0.1:9: the connection was refused',
			);
		});

		it('names the base URL when the host does not resolve', async () => {
			setup.credentials.baseUrl = 'https://voxpria.invalid';
			await expect(triggerLifecycle(setup).activate()).rejects.toThrow(
				'Could not reach VoxPria at https://voxpria.invalid: the host name does not resolve',
			);
		});

		it('waits out a 429 whose reset is near, then registers', async () => {
			const reset = Math.ceil(Date.now() / 1000) + 1;
			await sandbox.addFault(rateLimitFault({ method: 'POST', path: '/api/v1/webhooks' }, reset));
			const started = Date.now();
			await triggerLifecycle(setup).activate();
			expect(Date.now()).toBeGreaterThanOrEqual(reset * 1000);
			expect(Date.now() - started).toBeLessThan(5_000);
			expect(await remote()).toHaveLength(1);
		});

		it('fails at once with the reset time when a 429 resets far in the future', async () => {
			const reset = Math.ceil(Date.now() / 1000) + 3600;
			await sandbox.addFault(rateLimitFault({ method: 'POST', path: '/api/v1/webhooks' }, reset));
			const started = Date.now();
			await expect(triggerLifecycle(setup).activate()).rejects.toThrow(
				`VoxPria rate limit reached (HTTP 429): the limit resets at ${new Date(reset * 1000).toISOString()}; try again after that`,
			);
			expect(Date.now() - started).toBeLessThan(2_000);
			expect(await remote()).toEqual([]);
		});

		it('fails clearly on a server error and leaves no half-made state', async () => {
			await sandbox.addFault({
				method: 'POST',
				path: '/api/v1/webhooks',
				status: 500,
				body: { success: false, error: 'boom' },
			});
			await expect(triggerLifecycle(setup).activate()).rejects.toThrow(
				'VoxPria had a server error (HTTP 500); try again in a few minutes',
			);
			expect(await remote()).toEqual([]);
			expect(registration() ?? {}).toEqual({});
		});

		it('removes a registration VoxPria made even though its answer never arrived', async () => {
			// The request is served (the webhook is created) but the connection dies before the answer.
			await sandbox.addFault({
				method: 'POST',
				path: '/api/v1/webhooks',
				destroy: true,
				afterHandler: true,
			});
			await expect(triggerLifecycle(setup).activate()).rejects.toThrow(/Could not reach VoxPria/);
			expect(await remote()).toEqual([]);
		});

		it('rejects an answer without a secret, and deletes what it registered', async () => {
			await sandbox.addFault({
				method: 'POST',
				path: '/api/v1/webhooks',
				status: 201,
				body: {
					success: true,
					data: {
						webhookId: 'wh_nosecret',
						url: PRODUCTION_URL,
						events: ['call.completed'],
						active: true,
					},
				},
			});
			await expect(triggerLifecycle(setup).activate()).rejects.toThrow(
				"VoxPria's answer to registering the webhook lacks the signing secret",
			);
			expect(await webhookCalls()).toContain('DELETE /api/v1/webhooks/wh_nosecret');
			expect(registration() ?? {}).toEqual({});
		});

		it('rejects an answer without a webhook id', async () => {
			await sandbox.addFault({
				method: 'POST',
				path: '/api/v1/webhooks',
				status: 201,
				body: { success: true, data: { secret: 'whsec_abc' } },
			});
			await expect(triggerLifecycle(setup).activate()).rejects.toThrow(
				"VoxPria's answer to registering the webhook lacks the webhook ID",
			);
			expect(registration() ?? {}).toEqual({});
		});
	});

	describe('checkExists', () => {
		it('answers true while this node’s registration is there, unchanged', async () => {
			const lifecycle = triggerLifecycle(setup);
			await lifecycle.create();
			await expect(lifecycle.checkExists()).resolves.toBe(true);
			expect(await remote()).toHaveLength(1);
		});

		it('answers false and forgets the registration when it is gone at VoxPria', async () => {
			const lifecycle = triggerLifecycle(setup);
			await lifecycle.create();
			const [{ webhookId }] = await remote();
			await fetch(`${sandbox.url}/api/v1/webhooks/${webhookId}`, {
				method: 'DELETE',
				headers: { authorization: `Bearer ${sandbox.apiKey}` },
			});
			await expect(lifecycle.checkExists()).resolves.toBe(false);
			expect(registration()).toEqual({});
			await lifecycle.create();
			expect(await remote()).toHaveLength(1);
		});

		it('replaces a registration whose events no longer match the node', async () => {
			const lifecycle = triggerLifecycle(setup);
			await lifecycle.create();
			setup.parameters = { events: ['call.completed', 'campaign.finished'], options: {} };
			await lifecycle.activate();
			const webhooks = await remote();
			expect(webhooks).toHaveLength(1);
			expect(webhooks[0].events).toEqual(['call.completed', 'campaign.finished']);
			expect(registration()!.webhookId).toBe(webhooks[0].webhookId);
		});

		it('replaces a registration made for another URL (WEBHOOK_URL changed)', async () => {
			const lifecycle = triggerLifecycle(setup);
			await lifecycle.create();
			setup.webhookBaseUrl = 'https://new-host.example.com';
			await lifecycle.activate();
			expect((await remote()).map((webhook) => webhook.url)).toEqual([
				'https://new-host.example.com/webhook/hook-0000-1111/webhook',
			]);
		});

		it('restores a registration it still knows when static data was lost but n8n kept running', async () => {
			await triggerLifecycle(setup).create();
			const [made] = await remote();
			setup.staticData = {};
			await triggerLifecycle(setup).activate();
			expect((await remote()).map((webhook) => webhook.webhookId)).toEqual([made.webhookId]);
			expect(registration()!.secret).toBe(made.secret);
		});

		it('deletes an orphan for this URL whose secret it does not hold, instead of adopting it', async () => {
			await triggerLifecycle(setup).create();
			const [orphan] = await remote();
			setup.staticData = {}; // static data lost, and n8n restarted: the secret is gone
			forgetAllTriggerStates();
			await triggerLifecycle(setup).activate();
			const webhooks = await remote();
			expect(webhooks).toHaveLength(1);
			expect(webhooks[0].webhookId).not.toBe(orphan.webhookId);
			expect(registration()!.secret).toBe(webhooks[0].secret);
		});

		it('never leaves two registrations for one URL', async () => {
			const lifecycle = triggerLifecycle(setup);
			await lifecycle.create();
			// Someone (or an earlier crashed activation) registered the same URL again.
			await fetch(`${sandbox.url}/api/v1/webhooks`, {
				method: 'POST',
				headers: { authorization: `Bearer ${sandbox.apiKey}`, 'content-type': 'application/json' },
				body: JSON.stringify({
					url: PRODUCTION_URL,
					events: ['call.completed', 'call.failed'],
					active: true,
				}),
			});
			expect(await remote()).toHaveLength(2);
			await lifecycle.activate();
			expect((await remote()).filter((webhook) => webhook.url === PRODUCTION_URL)).toHaveLength(1);
			expect(registration()!.webhookId).toBe((await remote())[0].webhookId);
		});

		it.each(['honour', 'cap', 'ignore'] as const)(
			'finds its registration among many when the list paging mode is %s',
			async (mode) => {
				await sandbox.seed({
					webhooks: Array.from({ length: 60 }, (_, index) => ({
						url: `https://elsewhere.example.com/hook/${index}`,
						events: ['call.completed'],
						active: true,
					})),
				});
				await sandbox.setPaging({ mode, cap: 7 });
				const lifecycle = triggerLifecycle(setup);
				await lifecycle.create();
				await expect(lifecycle.checkExists()).resolves.toBe(true);
				expect((await remote()).filter((webhook) => webhook.url === PRODUCTION_URL)).toHaveLength(
					1,
				);
			},
		);

		it('lets activation fail with the API message when the list call is rejected', async () => {
			await triggerLifecycle(setup).create();
			await sandbox.addFault({
				method: 'GET',
				path: '/api/v1/webhooks',
				status: 401,
				body: { success: false, error: 'Invalid API key' },
			});
			await expect(triggerLifecycle(setup).checkExists()).rejects.toThrow(
				'VoxPria rejected the API key',
			);
		});
	});

	describe('delete', () => {
		/** A node registered at VoxPria whose next delete of that registration gets `status`. */
		const registeredWithFailingDelete = async (status: number, error: string) => {
			const lifecycle = triggerLifecycle(setup);
			await lifecycle.create();
			const { secret, webhookId } = registration() as { secret: string; webhookId: string };
			await sandbox.addFault({
				method: 'DELETE',
				path: `/api/v1/webhooks/${webhookId}`,
				status,
				body: { success: false, error },
			});
			return { lifecycle, secret, webhookId };
		};

		it('removes the registration and clears static data', async () => {
			const lifecycle = triggerLifecycle(setup);
			await lifecycle.create();
			await expect(lifecycle.delete()).resolves.toBe(true);
			expect(await remote()).toEqual([]);
			expect(registration()).toEqual({});
		});

		it('treats 404 (already gone) as success', async () => {
			const { lifecycle } = await registeredWithFailingDelete(404, 'Webhook not found');
			await expect(lifecycle.delete()).resolves.toBe(true);
			expect(registration()).toEqual({});
		});

		it('raises a 500 as an API error, keeping what it knows so a later run can retry', async () => {
			const { lifecycle, webhookId } = await registeredWithFailingDelete(500, 'database down');
			const error = await lifecycle
				.delete()
				.catch((caught: Error & { httpCode?: string; description?: string }) => caught);
			expect(error).toMatchObject({ name: 'NodeApiError', httpCode: '500' });
			expect((error as Error).message).toBe(
				'VoxPria had a server error (HTTP 500); try again in a few minutes',
			);
			expect((error as { description?: string }).description).toContain('database down');
			expect(registration()!.webhookId).toBe(webhookId);
			// The next deactivation succeeds and leaves nothing behind.
			await lifecycle.delete();
			expect(await remote()).toEqual([]);
		});

		it('finds and removes registrations for its URL when static data was lost', async () => {
			await triggerLifecycle(setup).create();
			setup.staticData = {};
			await triggerLifecycle(setup).delete();
			expect(await remote()).toEqual([]);
		});

		it('never puts the API key or the secret in an error', async () => {
			const { lifecycle, secret } = await registeredWithFailingDelete(500, 'nope');
			const error = await lifecycle.delete().catch((caught: unknown) => caught);
			const text = JSON.stringify(error, Object.getOwnPropertyNames(error)) + String(error);
			expect(text).not.toContain(sandbox.apiKey);
			expect(text).not.toContain(secret);
		});
	});
});
