import type { IDataObject } from 'n8n-workflow';

import { runAction } from '../../helpers/n8n';
import { failSecondRequest, rateLimitFault } from '../../helpers/sandbox';
import { apiRequests, failure, items, run, setupFor, useSandbox, type Sandbox } from './setup';

const balance = { resource: 'credit', operation: 'getBalance' };
const createContact = { resource: 'contact', operation: 'create', phone: '={{ $json.phone }}' };
const phones = (count: number) =>
	Array.from({ length: count }, (_, index) => ({ json: { phone: `+1415555010${index}` } }));

describe('VoxPria node: errors, rate limits and Continue On Fail', () => {
	let sandbox: Sandbox;

	useSandbox((started) => (sandbox = started));

	describe('429 Too Many Requests', () => {
		it('waits until a near X-RateLimit-Reset, then succeeds', async () => {
			// 1 to 2 s ahead.
			const reset = Math.floor(Date.now() / 1000) + 2;
			await sandbox.addFault(rateLimitFault({ method: 'GET', path: '/api/v1/credits' }, reset));
			const started = Date.now();
			const output = await run(sandbox, balance);
			const retriedAt = Date.parse((sandbox.requests() as Array<{ at: string }>)[1].at);

			expect(output).toEqual([{ json: { balance: 1000, currency: 'credits' }, pairedItem: { item: 0 } }]);
			expect(apiRequests(sandbox).map((request) => request.status)).toEqual([429, 200]);
			// Not before the reset second has passed, and not much later.
			expect(retriedAt).toBeGreaterThanOrEqual(reset * 1000);
			expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
			expect(Date.now() - started).toBeLessThan(3500);
		}, 10_000);

		it('fails at once, saying when the limit resets, when the reset is far away', async () => {
			const reset = Math.floor(Date.now() / 1000) + 3600;
			await sandbox.addFault(rateLimitFault({ path: '/api/v1/credits' }, reset, 'Hourly request limit reached'));
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

	describe('401 Unauthorized', () => {
		const badKey = (parameters: IDataObject, count: number, continueOnFail: boolean) =>
			runAction(setupFor(sandbox, parameters, 'agl_sk_wrong'), items(count), { continueOnFail }).then(
				([output]) => output,
			);

		it('stops the run with an error that points at the credential', async () => {
			const error = await failure(badKey(balance, 2, false));
			expect(error.constructor.name).toBe('NodeApiError');
			expect(error.httpCode).toBe('401');
			expect(error.message).toBe('VoxPria rejected the API key (check the credential; keys need the credits scope)');
			expect(error.description).toBe('Invalid API key | GET /api/v1/credits');
			expect(error.context.itemIndex).toBe(0);
			expect(apiRequests(sandbox)).toHaveLength(1);
			expect(apiRequests(sandbox)[0].headers.authorization).toBe('Bearer agl_sk_wrong');
		});

		it('with Continue On Fail, outputs one paired error item per input item', async () => {
			const output = await badKey({ resource: 'call', operation: 'get', callId: 'call_1' }, 2, true);
			const message = 'VoxPria rejected the API key (check the credential; keys need the calls scope)';
			expect(output).toEqual([
				{ json: { error: message }, pairedItem: { item: 0 } },
				{ json: { error: message }, pairedItem: { item: 1 } },
			]);
			expect(apiRequests(sandbox)).toHaveLength(2);
		});
	});

	describe('500 Internal Server Error', () => {
		beforeEach(async () => {
			await failSecondRequest(
				sandbox,
				{ method: 'POST', path: '/api/v1/contacts' },
				{ status: 500, body: { error: { message: 'Database unavailable' } } },
			);
		});

		it('stops at the failing item, naming it', async () => {
			const error = await failure(run(sandbox, createContact, phones(3)));
			expect(error.constructor.name).toBe('NodeApiError');
			expect(error.httpCode).toBe('500');
			expect(error.message).toBe('VoxPria had a server error (HTTP 500); try again in a few minutes');
			expect(error.description).toBe('Database unavailable | POST /api/v1/contacts');
			expect(error.context.itemIndex).toBe(1);
			expect(apiRequests(sandbox).map((request) => request.status)).toEqual([201, 500]);
		});

		it('with Continue On Fail, the failing item becomes an error item and the run goes on', async () => {
			const output = await run(sandbox, createContact, phones(3), { continueOnFail: true });
			expect(output.map((item) => item.pairedItem)).toEqual([{ item: 0 }, { item: 1 }, { item: 2 }]);
			expect(output[0].json.phone).toBe('+14155550100');
			expect(output[1].json).toEqual({
				error: 'VoxPria had a server error (HTTP 500); try again in a few minutes',
			});
			expect(output[2].json.phone).toBe('+14155550102');
			expect(apiRequests(sandbox).map((request) => request.status)).toEqual([201, 500, 201]);
		});

		it('with On Error: Continue (using error output) as well', async () => {
			const output = await run(sandbox, createContact, phones(3), { onError: 'continueErrorOutput' });
			expect(output[1]).toEqual({
				json: { error: 'VoxPria had a server error (HTTP 500); try again in a few minutes' },
				pairedItem: { item: 1 },
			});
			expect(output).toHaveLength(3);
		});
	});

	it('an unreachable VoxPria is a clear error naming the address', async () => {
		const [output] = await runAction(
			{ credentials: { apiKey: 'agl_sk_x', baseUrl: 'http://127.0.0.1:9' }, parameters: balance },
			items(1),
			{ continueOnFail: true },
		);
		expect(output).toEqual([
			{
				json: { error: 'Could not reach VoxPria at http://127.0.0.1:9: the connection was refused' },
				pairedItem: { item: 0 },
			},
		]);
	});
});
