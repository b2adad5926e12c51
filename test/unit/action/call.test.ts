import { apiRequests, failure, items, run, useSandbox, type Sandbox } from './setup';

const agent = (value: string) => ({ __rl: true, mode: 'list', value });
const start = (extra: Record<string, unknown> = {}) => ({
	resource: 'call',
	operation: 'create',
	agentId: agent('agt_sales'),
	toNumber: '+14155551234',
	...extra,
});

describe('VoxPria node: call resource', () => {
	let sandbox: Sandbox;

	// Slow call steps: calls started here stay queued for the whole test.
	useSandbox((started) => (sandbox = started), { port: 0, callStepMs: 60_000 });

	describe('create (Start)', () => {
		it('starts a call with variables given as name/value pairs and outputs the queued call', async () => {
			const output = await run(
				sandbox,
				start({
					variables: {
						variable: [
							{ name: 'firstName', value: 'Léa' },
							{ name: ' appointment ', value: 'Thursday 3 pm' },
							{ name: '', value: 'ignored: no name' },
						],
					},
				}),
			);

			const requests = apiRequests(sandbox);
			expect(requests).toHaveLength(1);
			expect(requests[0]).toMatchObject({
				method: 'POST',
				path: '/api/v1/calls',
				query: {},
				body: {
					agentId: 'agt_sales',
					toNumber: '+14155551234',
					variables: { firstName: 'Léa', appointment: 'Thursday 3 pm' },
				},
				status: 201,
			});
			expect(requests[0].headers.authorization).toBe(`Bearer ${sandbox.apiKey}`);

			const [call] = (await sandbox.state()).calls as Array<{ callId: string; createdAt: string }>;
			expect(output).toEqual([
				{
					json: {
						callId: call.callId,
						status: 'queued',
						toNumber: '+14155551234',
						agentId: 'agt_sales',
						createdAt: call.createdAt,
					},
					pairedItem: { item: 0 },
				},
			]);
		});

		it('takes variables as JSON, from a string or an expression’s object', async () => {
			await run(
				sandbox,
				start({ variablesInput: 'json', variablesJson: '{"firstName": "Ana", "visits": 3}' }),
			);
			await run(sandbox, start({ variablesInput: 'json', variablesJson: '={{ $json.vars }}' }), [
				{ json: { vars: { plan: 'gold', vip: true } } },
			]);
			expect(
				apiRequests(sandbox).map((request) => (request.body as { variables: unknown }).variables),
			).toEqual([
				{ firstName: 'Ana', visits: 3 },
				{ plan: 'gold', vip: true },
			]);
		});

		it('rejects JSON variables that are not an object, before any request', async () => {
			const error = await failure(
				run(sandbox, start({ variablesInput: 'json', variablesJson: '["a"]' })),
			);
			expect(error.message).toBe(
				'Variables (JSON) must be a JSON object ({"key": "value"}), not an array',
			);
			const broken = await failure(
				run(sandbox, start({ variablesInput: 'json', variablesJson: '{"a": ' })),
			);
			expect(broken.message).toMatch(/^Variables \(JSON\) is not valid JSON: /);
			expect(apiRequests(sandbox)).toEqual([]);
		});

		it.each([
			['4155551234', '"4155551234"'],
			['+1 415 555 1234', '"+1 415 555 1234"'],
			['+04155551234', '"+04155551234"'],
			['+123', '"+123"'],
			['', 'an empty value'],
		])('refuses the non-E.164 number %p before any request', async (toNumber, shown) => {
			const error = await failure(run(sandbox, start({ toNumber })));
			expect(error.constructor.name).toBe('NodeOperationError');
			expect(error.message).toBe(
				`To Number must be a phone number in E.164 format, such as "+14155551234", but got ${shown}`,
			);
			expect(error.context.itemIndex).toBe(0);
			expect(apiRequests(sandbox)).toEqual([]);
		});

		it('with Continue On Fail, a bad number becomes an error item and the other items still call', async () => {
			const output = await run(
				sandbox,
				start({ toNumber: '={{ $json.phone }}' }),
				[
					{ json: { phone: '+14155550100' } },
					{ json: { phone: '555-0101' } },
					{ json: { phone: '+14155550102' } },
				],
				{ continueOnFail: true },
			);
			expect(output.map((item) => item.pairedItem)).toEqual([
				{ item: 0 },
				{ item: 1 },
				{ item: 2 },
			]);
			expect(output[1].json).toEqual({
				error:
					'To Number must be a phone number in E.164 format, such as "+14155551234", but got "555-0101"',
			});
			expect(output[0].json.toNumber).toBe('+14155550100');
			expect(output[2].json.toNumber).toBe('+14155550102');
			expect(
				apiRequests(sandbox).map((request) => (request.body as { toNumber: string }).toNumber),
			).toEqual(['+14155550100', '+14155550102']);
		});

		it('an unknown agent fails with VoxPria’s message', async () => {
			const error = await failure(
				run(sandbox, start({ agentId: { __rl: true, mode: 'id', value: 'agt_nope' } })),
			);
			expect(error.httpCode).toBe('404');
			expect(error.description).toBe('Agent not found | POST /api/v1/calls');
		});
	});

	describe('get', () => {
		it('outputs the call', async () => {
			await sandbox.seed({
				calls: [
					{ callId: 'call_abc', status: 'completed', toNumber: '+14155559876', duration: 42 },
				],
			});
			const output = await run(sandbox, { resource: 'call', operation: 'get', callId: 'call_abc' });
			expect(apiRequests(sandbox).map((request) => `${request.method} ${request.path}`)).toEqual([
				'GET /api/v1/calls/call_abc',
			]);
			expect(output).toHaveLength(1);
			expect(output[0].pairedItem).toEqual({ item: 0 });
			expect(output[0].json).toMatchObject({
				callId: 'call_abc',
				status: 'completed',
				toNumber: '+14155559876',
				duration: 42,
			});
		});

		it('one call per input item, with the ID from an expression', async () => {
			await sandbox.seed({ calls: [{ callId: 'call_1' }, { callId: 'call_2' }] });
			const output = await run(
				sandbox,
				{ resource: 'call', operation: 'get', callId: '={{ $json.id }}' },
				[{ json: { id: 'call_2' } }, { json: { id: 'call_1' } }],
			);
			expect(output.map((item) => [item.json.callId, item.pairedItem])).toEqual([
				['call_2', { item: 0 }],
				['call_1', { item: 1 }],
			]);
		});
	});

	describe('getAll', () => {
		beforeEach(async () => {
			const statuses = ['completed', 'failed', 'busy', 'no_answer', 'completed'];
			await sandbox.seed({
				calls: Array.from({ length: 40 }, (_, n) => ({
					callId: `call_${String(n).padStart(2, '0')}`,
					status: statuses[n % statuses.length],
					createdAt: new Date(Date.UTC(2025, 1, 1, 9, n)).toISOString(),
				})),
			});
			await sandbox.clearRequests();
		});

		it('returns every call once, one item each, newest first', async () => {
			const output = await run(sandbox, { resource: 'call', operation: 'getAll', returnAll: true });
			const state = (await sandbox.state()).calls as Array<{ callId: string }>;
			expect(output).toHaveLength(40);
			expect(output.map((item) => item.json.callId)).toEqual(
				state.map((call) => call.callId).reverse(),
			);
			expect(output.every((item) => JSON.stringify(item.pairedItem) === '{"item":0}')).toBe(true);
		});

		it('filters by status on the client; Limit counts matching calls', async () => {
			const state = (await sandbox.state()).calls as Array<{ callId: string; status: string }>;
			const failedOrBusy = state
				.filter((call) => ['failed', 'busy'].includes(call.status))
				.reverse();
			expect(failedOrBusy).toHaveLength(16);

			const output = await run(sandbox, {
				resource: 'call',
				operation: 'getAll',
				limit: 3,
				filters: { status: ['failed', 'busy'] },
			});
			expect(output.map((item) => item.json.callId)).toEqual(
				failedOrBusy.slice(0, 3).map((call) => call.callId),
			);
			// The API has no status filter: nothing of it is sent, and full pages are asked for.
			expect(apiRequests(sandbox).map((request) => request.query)).toEqual([
				{ page: '1', limit: '1000' },
			]);

			const all = await run(sandbox, {
				resource: 'call',
				operation: 'getAll',
				returnAll: true,
				filters: { status: ['failed', 'busy'] },
			});
			expect(all.map((item) => item.json.callId)).toEqual(failedOrBusy.map((call) => call.callId));
		});

		it('runs once per input item', async () => {
			const output = await run(
				sandbox,
				{ resource: 'call', operation: 'getAll', limit: 2 },
				items(2),
			);
			expect(output.map((item) => item.pairedItem)).toEqual([
				{ item: 0 },
				{ item: 0 },
				{ item: 1 },
				{ item: 1 },
			]);
		});
	});
});
