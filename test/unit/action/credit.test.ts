import { apiRequests, failure, run, useSandbox, type Sandbox } from './setup';

const usage = (startDate: string, endDate: string) => ({
	resource: 'credit',
	operation: 'getUsage',
	startDate,
	endDate,
});

describe('VoxPria node: credit resource', () => {
	let sandbox: Sandbox;

	useSandbox((started) => (sandbox = started));

	it('getBalance outputs the balance', async () => {
		await sandbox.seed({ credits: 742.5 });
		const output = await run(sandbox, { resource: 'credit', operation: 'getBalance' });
		const [request] = apiRequests(sandbox);
		expect(apiRequests(sandbox)).toHaveLength(1);
		expect(request).toMatchObject({ method: 'GET', path: '/api/v1/credits', query: {} });
		expect(request.headers.authorization).toBe(`Bearer ${sandbox.apiKey}`);
		expect(output).toEqual([
			{ json: { balance: 742.5, currency: 'credits' }, pairedItem: { item: 0 } },
		]);
	});

	it('getUsage sends the dates as ISO timestamps, wall-clock times in the workflow time zone', async () => {
		await sandbox.seed({
			calls: [
				{ callId: 'call_in1', createdAt: '2025-02-03T10:00:00.000Z', duration: 60 },
				{ callId: 'call_in2', createdAt: '2025-02-28T22:00:00.000Z', duration: 120 },
				{ callId: 'call_out', createdAt: '2025-03-02T10:00:00.000Z', duration: 60 },
			],
		});
		await sandbox.clearRequests();
		// The harness's workflow has no time zone setting, so n8n's default, America/New_York, applies.
		const output = await run(sandbox, usage('2025-02-01T00:00:00', '2025-02-28'));

		expect(
			apiRequests(sandbox).map((request) => [request.method, request.path, request.query]),
		).toEqual([
			[
				'GET',
				'/api/v1/credits/usage',
				// 00:00 EST is 05:00 UTC; a bare end date runs to the end of that day.
				{ startDate: '2025-02-01T05:00:00.000Z', endDate: '2025-03-01T04:59:59.999Z' },
			],
		]);
		expect(output).toEqual([
			{
				json: {
					startDate: '2025-02-01T05:00:00.000Z',
					endDate: '2025-03-01T04:59:59.999Z',
					totalCalls: 2,
					totalMinutes: 3,
					creditsUsed: expect.any(Number),
				},
				pairedItem: { item: 0 },
			},
		]);
	});

	it('getUsage keeps explicit offsets and follows daylight saving time', async () => {
		await run(sandbox, usage('2025-07-01T00:00:00', '2025-07-02T12:30:00+02:00'));
		expect(apiRequests(sandbox)[0].query).toEqual({
			startDate: '2025-07-01T04:00:00.000Z',
			endDate: '2025-07-02T10:30:00.000Z',
		});
	});

	it('getUsage refuses a start after the end, and missing dates, before any request', async () => {
		const reversed = await failure(
			run(sandbox, usage('2025-03-01T00:00:00Z', '2025-02-01T00:00:00Z')),
		);
		expect(reversed.constructor.name).toBe('NodeOperationError');
		expect(reversed.message).toBe(
			'Start Date (2025-03-01T00:00:00.000Z) is after End Date (2025-02-01T00:00:00.000Z)',
		);
		const missing = await failure(run(sandbox, usage('', '2025-02-01T00:00:00Z')));
		expect(missing.message).toBe('Start Date is empty; it needs a date and time');
		const garbage = await failure(run(sandbox, usage('2025-02-01', 'next tuesday')));
		expect(garbage.message).toBe('End Date is "next tuesday"; it needs a date and time');
		expect(apiRequests(sandbox)).toEqual([]);
	});
});
