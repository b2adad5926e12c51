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

	it('401 points at the credential and names the scope the path needs', async () => {
		const run401 = runAction(setupFor(sandbox, balance, 'agl_sk_wrong'), items(2));
		const error = await failure(run401);
		expect(error.constructor.name).toBe('NodeApiError');
		expect(error.httpCode).toBe('401');
		expect(error.message).toBe(
			'VoxPria rejected the API key (check the credential; keys need the credits scope)',
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
					error: 'Could not reach VoxPria at http://127.0.0.1:9: the connection was refused',
				},
				pairedItem: { item: 0 },
			},
		]);
	});
});
