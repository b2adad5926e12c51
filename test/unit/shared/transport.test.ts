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
			`VoxPria rate limit reached (HTTP 429): the limit resets at ${new Date(reset * 1000).toISOString()}; try again after that`,
		);
		expect(error.description).toBe(
			'VoxPria allows 1,000 API requests per hour and 100 new calls per minute. Hourly request limit reached',
		);
		expect(error.context.itemIndex).toBe(0);
		expect(apiRequests(sandbox)).toHaveLength(1);
	});
});

/**
 * X-RateLimit-Reset below 1,000,000,000 is seconds from now (no epoch time that small is current:
 * it would be before September 2001); from there on it is epoch seconds.
 */
describe('transport: a small X-RateLimit-Reset is seconds from now', () => {
	let sandbox: Sandbox;

	useSandbox((started) => (sandbox = started));

	it('"2" waits two seconds, then retries', async () => {
		await sandbox.addFault({
			path: '/api/v1/credits',
			status: 429,
			headers: { 'X-RateLimit-Reset': '2' },
			body: { success: false, error: 'Rate limit exceeded' },
		});
		const output = await run(sandbox, balance);
		const [first, second] = sandbox.requests() as Array<{ at: string }>;

		expect(output).toEqual([
			{ json: { balance: 1000, currency: 'credits' }, pairedItem: { item: 0 } },
		]);
		expect(Date.parse(second.at) - Date.parse(first.at)).toBeGreaterThanOrEqual(2_000);
	}, 10_000);

	it('"3600" fails at once, saying the limit resets in an hour, not in 1970', async () => {
		await sandbox.addFault({
			path: '/api/v1/credits',
			status: 429,
			headers: { 'X-RateLimit-Reset': '3600' },
			body: { success: false, error: 'Hourly request limit reached' },
		});
		const before = Date.now();
		const error = await failure(run(sandbox, balance));
		const resetAt = Date.parse(/resets at (\S+);/.exec(error.message)?.[1] ?? '');

		expect(resetAt).toBeGreaterThanOrEqual(before + 3_600_000 - 1_000);
		expect(resetAt).toBeLessThanOrEqual(Date.now() + 3_600_000 + 1_000);
		expect(apiRequests(sandbox)).toHaveLength(1);
	});
});
