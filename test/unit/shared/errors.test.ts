import { runAction } from '../../helpers/n8n';
import {
	apiRequests,
	createContact,
	failSecondContact,
	failure,
	items,
	phones,
	run,
	type Sandbox,
	setupFor,
	useSandbox,
} from '../action/setup';

const balance = { resource: 'credit', operation: 'getBalance' };

/** nodes/shared/errors.ts: what the user reads when VoxPria or the network says no. */
describe('errors: messages that say what to fix', () => {
	let sandbox: Sandbox;

	useSandbox((started) => (sandbox = started));

	it('401 points at the API key in the credential and names the scope the path needs', async () => {
		const run401 = runAction(setupFor(sandbox, balance, 'agl_sk_wrong'), items(2));
		const error = await failure(run401);
		expect(error.constructor.name).toBe('NodeApiError');
		expect(error.httpCode).toBe('401');
		expect(error.message).toBe(
			'VoxPria rejected the API key (HTTP 401): check the API key in the VoxPria credential; it needs the credits scope',
		);
		expect(error.description).toBe('Invalid API key | GET /api/v1/credits');
		expect(error.context.itemIndex).toBe(0);
		expect(apiRequests(sandbox)).toHaveLength(1);
		expect(apiRequests(sandbox)[0].headers.authorization).toBe('Bearer agl_sk_wrong');
	});

	it('500 stops at the failing item, naming it, with VoxPria’s nested message', async () => {
		await failSecondContact(sandbox);
		const error = await failure(run(sandbox, createContact, phones(3)));
		expect(error.constructor.name).toBe('NodeApiError');
		expect(error.httpCode).toBe('500');
		expect(error.message).toBe('VoxPria had a server error (HTTP 500); try again in a few minutes');
		expect(error.description).toBe('Database unavailable | POST /api/v1/contacts');
		expect(error.context.itemIndex).toBe(1);
		expect(apiRequests(sandbox).map((request) => request.status)).toEqual([201, 500]);
	});

	it('an HTML error page from a proxy is left out of the description', async () => {
		await sandbox.addFault({
			path: '/api/v1/credits',
			status: 502,
			body: '<html><body><h1>502 Bad Gateway</h1></body></html>',
		});
		const error = await failure(run(sandbox, balance));
		expect(error.message).toBe('VoxPria had a server error (HTTP 502); try again in a few minutes');
		expect(error.description).toBe('GET /api/v1/credits');
	});

	it('a 200 answer with success: false is a failure with VoxPria’s reason', async () => {
		await sandbox.addFault({
			path: '/api/v1/credits',
			status: 200,
			body: { success: false, error: 'Account suspended' },
		});
		const error = await failure(run(sandbox, balance));
		expect(error.message).toBe('VoxPria reported a failure: Account suspended');
		expect(error.description).toBe('GET /api/v1/credits');
	});

	it('an unreachable VoxPria is a clear error naming the address', async () => {
		const [output] = await runAction(
			{ credentials: { apiKey: 'agl_sk_x', baseUrl: 'http://127.0.0.1:9' }, parameters: balance },
			items(1),
			{ continueOnFail: true },
		);
		expect(output).toEqual([
			{
				json: {
					error:
						'Could not reach VoxPria at http://127.0.0.1:9: the connection was refused; check the Base URL in the VoxPria credential',
				},
				pairedItem: { item: 0 },
			},
		]);
	});

	it('403 says the same, for the scope of the path', async () => {
		await sandbox.addFault({
			path: '/api/v1/webhooks',
			status: 403,
			body: { success: false, error: 'Missing scope: webhooks' },
		});
		const error = await failure(
			run(sandbox, { resource: 'webhook', operation: 'getAll', returnAll: true }),
		);
		expect(error.httpCode).toBe('403');
		expect(error.message).toBe(
			'VoxPria rejected the API key (HTTP 403): check the API key in the VoxPria credential; it needs the webhooks scope',
		);
	});

	it('404 on a list means a wrong Base URL, and says so with the address it tried', async () => {
		const [output] = await runAction(
			{
				credentials: { apiKey: sandbox.apiKey, baseUrl: `${sandbox.url}/somewhere` },
				parameters: { resource: 'webhook', operation: 'getAll', returnAll: true },
			},
			items(1),
			{ continueOnFail: true },
		);
		expect(output).toEqual([
			{
				json: {
					error: `VoxPria found nothing at ${sandbox.url}/somewhere/api/v1/webhooks (HTTP 404): check the Base URL in the VoxPria credential`,
				},
				pairedItem: { item: 0 },
			},
		]);
	});

	it('a 400 puts VoxPria’s reason in the message', async () => {
		await sandbox.addFault({
			path: '/api/v1/credits',
			status: 400,
			body: { success: false, error: 'Unsupported currency' },
		});
		const error = await failure(run(sandbox, balance));
		expect(error.message).toBe('VoxPria refused the request (HTTP 400): Unsupported currency');
	});

	it('a deeply nested error body is a NodeApiError, not a stack overflow', async () => {
		const depth = 100_000;
		await sandbox.addFault({
			path: '/api/v1/credits',
			status: 500,
			body: `${'{"error":'.repeat(depth)}"deep"${'}'.repeat(depth)}`,
		});
		const error = await failure(run(sandbox, balance));
		expect(error.constructor.name).toBe('NodeApiError');
		expect(error.httpCode).toBe('500');
		expect(error.message).toBe('VoxPria had a server error (HTTP 500); try again in a few minutes');
		expect(error.description).toBe('GET /api/v1/credits');
	});

	it('the API key never appears in a message, even when VoxPria’s answer repeats it', async () => {
		await sandbox.addFault({
			path: '/api/v1/credits',
			status: 400,
			body: { success: false, error: `Key ${sandbox.apiKey} is not allowed here` },
		});
		const error = await failure(run(sandbox, balance));
		expect(error.message).toBe(
			'VoxPria refused the request (HTTP 400): Key [redacted] is not allowed here',
		);
		expect(`${error.message} ${error.description}`).not.toContain(sandbox.apiKey);
	});
});
