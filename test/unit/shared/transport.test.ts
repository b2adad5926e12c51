import { failure, run, useSandbox, apiRequests, type Sandbox } from '../action/setup';

const balance = { resource: 'credit', operation: 'getBalance' };

/** nodes/shared/transport.ts: one request, and waiting out VoxPria's rate limit. */
describe('transport: 429 Too Many Requests', () => {
	let sandbox: Sandbox;

	useSandbox((started) => (sandbox = started));

	it('waits until a near X-RateLimit-Reset, then succeeds', async () => {
		// 1 to 2 s ahead.
		const reset = Math.floor(Date.now() / 1000) + 2;
		await sandbox.addFault({
			method: 'GET',
			path: '/api/v1/credits',
			status: 429,
			headers: {
				'X-RateLimit-Limit': '1000',
				'X-RateLimit-Remaining': '0',
				'X-RateLimit-Reset': String(reset),
			},
			body: { success: false, error: 'Rate limit exceeded' },
		});
		const started = Date.now();
		const output = await run(sandbox, balance);
		const retriedAt = Date.parse((sandbox.requests() as Array<{ at: string }>)[1].at);

		expect(output).toEqual([
			{ json: { balance: 1000, currency: 'credits' }, pairedItem: { item: 0 } },
		]);
		expect(apiRequests(sandbox).map((request) => request.status)).toEqual([429, 200]);
		// Not before the reset second has passed, and not much later.
		expect(retriedAt).toBeGreaterThanOrEqual(reset * 1000);
		expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
		expect(Date.now() - started).toBeLessThan(3500);
	}, 10_000);

	it('fails at once, saying when the limit resets, when the reset is far away', async () => {
		const reset = Math.floor(Date.now() / 1000) + 3600;
		await sandbox.addFault({
			path: '/api/v1/credits',
			status: 429,
			headers: { 'X-RateLimit-Reset': String(reset) },
			body: { success: false, error: 'Hourly request limit reached' },
		});
		const started = Date.now();
		const error = await failure(run(sandbox, balance));

		expect(Date.now() - started).toBeLessThan(1000);
		expect(error.constructor.name).toBe('NodeApiError');
		expect(error.httpCode).toBe('429');
		expect(error.message).toBe(
			`VoxPria rate limit reached (HTTP 429). The limit resets at ${new Date(reset * 1000).toISOString()}.`,
		);
		expect(error.description).toBe(
			'VoxPria allows 1,000 API requests per hour and 100 new calls per minute. Hourly request limit reached',
		);
		expect(error.context.itemIndex).toBe(0);
		expect(apiRequests(sandbox)).toHaveLength(1);
	});
});
