import type { IDataObject } from 'n8n-workflow';

import { runAction } from '../../helpers/n8n';
import {
	apiRequests,
	createContact,
	failSecondContact,
	items,
	phones,
	run,
	setupFor,
	useSandbox,
	type Sandbox,
} from './setup';

/** VoxPria.node.ts runs each input item on its own: a failed item becomes an error item. */
describe('VoxPria node: Continue On Fail', () => {
	let sandbox: Sandbox;

	useSandbox((started) => (sandbox = started));

	it('a rejected API key gives one paired error item per input item', async () => {
		const parameters: IDataObject = { resource: 'call', operation: 'get', callId: 'call_1' };
		const [output] = await runAction(setupFor(sandbox, parameters, 'agl_sk_wrong'), items(2), {
			continueOnFail: true,
		});
		const message =
			'VoxPria rejected the API key (HTTP 401): check the API key in the VoxPria credential; it needs the calls scope';
		expect(output).toEqual([
			{ json: { error: message }, pairedItem: { item: 0 } },
			{ json: { error: message }, pairedItem: { item: 1 } },
		]);
		expect(apiRequests(sandbox)).toHaveLength(2);
	});

	describe('a server error on the second of three items', () => {
		const serverError = 'VoxPria had a server error (HTTP 500); try again in a few minutes';

		beforeEach(() => failSecondContact(sandbox));

		it('becomes an error item and the run goes on', async () => {
			const output = await run(sandbox, createContact, phones(3), { continueOnFail: true });
			expect(output.map((item) => item.pairedItem)).toEqual([
				{ item: 0 },
				{ item: 1 },
				{ item: 2 },
			]);
			expect(output[0].json.phone).toBe('+14155550100');
			expect(output[1].json).toEqual({ error: serverError });
			expect(output[2].json.phone).toBe('+14155550102');
			expect(apiRequests(sandbox).map((request) => request.status)).toEqual([201, 500, 201]);
		});

		it('with On Error: Continue (using error output) as well', async () => {
			const output = await run(sandbox, createContact, phones(3), {
				onError: 'continueErrorOutput',
			});
			expect(output[1]).toEqual({ json: { error: serverError }, pairedItem: { item: 1 } });
			expect(output).toHaveLength(3);
		});
	});
});
