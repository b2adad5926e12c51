import { apiRequests, failure, run, useSandbox, type Sandbox } from './setup';

describe('VoxPria node: webhook resource', () => {
	let sandbox: Sandbox;

	useSandbox((started) => (sandbox = started));

	describe('create', () => {
		it('registers the URL with the events and outputs the one-time secret', async () => {
			const output = await run(sandbox, {
				resource: 'webhook',
				operation: 'create',
				url: 'https://example.com/voxpria-events',
				events: ['call.failed', 'call.completed'],
			});

			const [request] = apiRequests(sandbox);
			expect(apiRequests(sandbox)).toHaveLength(1);
			expect(request).toMatchObject({
				method: 'POST',
				path: '/api/v1/webhooks',
				query: {},
				body: {
					url: 'https://example.com/voxpria-events',
					events: ['call.completed', 'call.failed'],
					active: true,
				},
			});
			expect(request.headers.authorization).toBe(`Bearer ${sandbox.apiKey}`);

			const [stored] = (await sandbox.state()).webhooks as Array<{
				webhookId: string;
				secret: string;
			}>;
			expect(output).toEqual([
				{
					json: {
						webhookId: stored.webhookId,
						url: 'https://example.com/voxpria-events',
						events: ['call.completed', 'call.failed'],
						active: true,
						secret: stored.secret,
						createdAt: expect.any(String),
					},
					pairedItem: { item: 0 },
				},
			]);
			expect(stored.secret).toMatch(/^whsec_/);
		});

		it('adds Additional Events, trimmed and de-duplicated', async () => {
			await run(sandbox, {
				resource: 'webhook',
				operation: 'create',
				url: 'https://example.com/hook',
				events: ['call.completed'],
				options: { additionalEvents: ' credit.low, call.completed ,' },
			});
			expect(apiRequests(sandbox)[0].body).toEqual({
				url: 'https://example.com/hook',
				events: ['call.completed', 'credit.low'],
				active: true,
			});
		});

		it('refuses something that is not a URL before asking VoxPria', async () => {
			const error = await failure(
				run(sandbox, {
					resource: 'webhook',
					operation: 'create',
					url: 'example.com/hook',
					events: ['call.completed'],
				}),
			);
			expect(error.message).toBe('URL "example.com/hook" is not a web address');
			expect(error.context.itemIndex).toBe(0);
			expect(apiRequests(sandbox)).toEqual([]);
		});
	});

	describe('getAll', () => {
		it('outputs one item per webhook, without secrets', async () => {
			await sandbox.seed({
				webhooks: [
					{ webhookId: 'wh_1', url: 'https://a.example.com', events: ['call.completed'] },
					{ webhookId: 'wh_2', url: 'https://b.example.com', events: ['call.failed'] },
					{
						webhookId: 'wh_3',
						url: 'https://c.example.com',
						events: ['campaign.paused'],
						active: false,
					},
				],
			});
			const output = await run(sandbox, {
				resource: 'webhook',
				operation: 'getAll',
				returnAll: true,
			});

			expect(output.map((item) => item.json.webhookId)).toEqual(['wh_1', 'wh_2', 'wh_3']);
			expect(output.map((item) => item.pairedItem)).toEqual([
				{ item: 0 },
				{ item: 0 },
				{ item: 0 },
			]);
			expect(output[2].json).toEqual({
				webhookId: 'wh_3',
				url: 'https://c.example.com',
				events: ['campaign.paused'],
				active: false,
				createdAt: expect.any(String),
			});
			expect(output.some((item) => 'secret' in item.json)).toBe(false);
			// A short first page is followed by one more at that size, which comes back empty.
			expect(
				apiRequests(sandbox).map((request) => [request.method, request.path, request.query]),
			).toEqual([
				['GET', '/api/v1/webhooks', { page: '1', limit: '1000' }],
				['GET', '/api/v1/webhooks', { page: '2', limit: '3' }],
			]);
		});

		it('stops at Limit', async () => {
			await sandbox.seed({
				webhooks: [1, 2, 3].map((n) => ({ webhookId: `wh_${n}`, url: `https://${n}.example.com` })),
			});
			const output = await run(sandbox, { resource: 'webhook', operation: 'getAll', limit: 2 });
			expect(output.map((item) => item.json.webhookId)).toEqual(['wh_1', 'wh_2']);
			expect(apiRequests(sandbox).map((request) => request.query)).toEqual([
				{ page: '1', limit: '2' },
			]);
		});
	});

	describe('delete', () => {
		it('deletes the webhook by ID', async () => {
			await sandbox.seed({ webhooks: [{ webhookId: 'wh_gone', url: 'https://example.com' }] });
			const output = await run(sandbox, {
				resource: 'webhook',
				operation: 'delete',
				webhookId: 'wh_gone',
			});

			expect(
				apiRequests(sandbox).map((request) => [request.method, request.path, request.body]),
			).toEqual([['DELETE', '/api/v1/webhooks/wh_gone', null]]);
			expect(output).toEqual([
				{ json: { webhookId: 'wh_gone', deleted: true }, pairedItem: { item: 0 } },
			]);
			expect((await sandbox.state()).webhooks).toEqual([]);
		});

		it('reports a webhook VoxPria does not know as already gone instead of failing', async () => {
			const output = await run(sandbox, {
				resource: 'webhook',
				operation: 'delete',
				webhookId: 'wh_unknown',
			});
			expect(output).toEqual([
				{
					json: { webhookId: 'wh_unknown', deleted: false, alreadyGone: true },
					pairedItem: { item: 0 },
				},
			]);
		});

		it('fails on other errors, with VoxPria’s status', async () => {
			await sandbox.addFault({
				method: 'DELETE',
				path: '/api/v1/webhooks/wh_1',
				status: 503,
				body: { success: false, error: 'Maintenance' },
			});
			const error = await failure(
				run(sandbox, { resource: 'webhook', operation: 'delete', webhookId: 'wh_1' }),
			);
			expect(error.constructor.name).toBe('NodeApiError');
			expect(error.httpCode).toBe('503');
			expect(error.message).toBe(
				'VoxPria had a server error (HTTP 503); try again in a few minutes',
			);
			expect(error.description).toBe('Maintenance | DELETE /api/v1/webhooks/wh_1');
		});
	});
});
