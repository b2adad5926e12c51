import { apiRequests, failure, run, useSandbox, type Sandbox } from './setup';

const waitingStart = (extra: Record<string, unknown> = {}) => ({
	resource: 'call',
	operation: 'create',
	agentId: { __rl: true, mode: 'id', value: 'agt_support' },
	toNumber: '={{ $json.phone }}',
	waitForCompletion: true,
	pollInterval: 1,
	...extra,
});

describe('VoxPria node: Start call with Wait for Completion', () => {
	let fast: Sandbox;
	let slow: Sandbox;

	// The sandbox's calls step queued → ringing → in_progress → final every callStepMs.
	useSandbox((started) => (fast = started), { port: 0, callStepMs: 50 });
	useSandbox((started) => (slow = started), { port: 0, callStepMs: 20_000 });

	it('outputs each finished call with its final status: completed, failed, no_answer, busy', async () => {
		const numbers = ['+14155559999', '+14155550001', '+14155550002', '+14155550003'];
		const started = Date.now();
		const output = await run(
			fast,
			waitingStart(),
			numbers.map((phone) => ({ json: { phone } })),
		);

		expect(Date.now() - started).toBeGreaterThanOrEqual(4 * 1000 - 50);
		expect(
			output.map((item) => [
				item.json.toNumber,
				item.json.status,
				item.json.outcome,
				item.pairedItem,
			]),
		).toEqual([
			['+14155559999', 'completed', expect.any(String), { item: 0 }],
			['+14155550001', 'failed', 'failed', { item: 1 }],
			['+14155550002', 'no_answer', 'no_answer', { item: 2 }],
			['+14155550003', 'busy', 'busy', { item: 3 }],
		]);
		expect(output[0].json).toMatchObject({ agentId: 'agt_support', duration: 127 });
		expect(output[0].json.transcript).toEqual(expect.stringContaining('Bonjour'));
		expect(output[0].json.completedAt).toEqual(expect.any(String));

		// One start and, with the call over within a second, one status check per call.
		const state = (await fast.state()).calls as Array<{ callId: string }>;
		expect(apiRequests(fast).map((request) => `${request.method} ${request.path}`)).toEqual(
			state.flatMap((call) => ['POST /api/v1/calls', `GET /api/v1/calls/${call.callId}`]),
		);
		expect(output.map((item) => item.json.callId)).toEqual(state.map((call) => call.callId));
	}, 15_000);

	it('times out with an error that gives the call ID and its status, and says the call goes on', async () => {
		const started = Date.now();
		const error = await failure(
			run(slow, waitingStart({ timeout: 1 }), [{ json: { phone: '+14155551234' } }]),
		);
		const [call] = (await slow.state()).calls as Array<{ callId: string }>;

		expect(Date.now() - started).toBeLessThan(3000);
		expect(error.constructor.name).toBe('NodeOperationError');
		expect(error.message).toBe(`Call ${call.callId} is still running after 1 s (status: queued)`);
		expect(error.description).toContain('The call was placed and goes on; it was not cancelled.');
		expect(error.description).toContain(`call ID ${call.callId}`);
		expect(error.context.itemIndex).toBe(0);
		expect(apiRequests(slow).map((request) => `${request.method} ${request.path}`)).toEqual([
			'POST /api/v1/calls',
			`GET /api/v1/calls/${call.callId}`,
		]);
	}, 10_000);

	it('with Continue On Fail, a timeout is an error item holding callId and status', async () => {
		const output = await run(
			slow,
			waitingStart({ timeout: 1 }),
			[{ json: { phone: '+14155551234' } }],
			{
				continueOnFail: true,
			},
		);
		const [call] = (await slow.state()).calls as Array<{ callId: string }>;
		expect(output).toEqual([
			{
				json: {
					error: `Call ${call.callId} is still running after 1 s (status: queued)`,
					callId: call.callId,
					status: 'queued',
				},
				pairedItem: { item: 0 },
			},
		]);
	}, 10_000);

	it('a failed status check says the call was started', async () => {
		await fast.addFault({
			method: 'GET',
			path: '/^\\/api\\/v1\\/calls\\/call_/',
			status: 500,
			body: { success: false, error: 'Database unavailable' },
		});
		const error = await failure(run(fast, waitingStart(), [{ json: { phone: '+14155551234' } }]));
		const [call] = (await fast.state()).calls as Array<{ callId: string }>;
		expect(error.httpCode).toBe('500');
		expect(error.description).toBe(
			`Call ${call.callId} was started; this error came while waiting for it to end. Database unavailable | GET /api/v1/calls/${call.callId}`,
		);
	}, 10_000);

	it('without Wait for Completion, outputs the queued call at once and checks nothing', async () => {
		const output = await run(fast, waitingStart({ waitForCompletion: false }), [
			{ json: { phone: '+14155551234' } },
		]);
		expect(output[0].json.status).toBe('queued');
		expect(apiRequests(fast).map((request) => request.method)).toEqual(['POST']);
	});
});
