import type { IDataObject } from 'n8n-workflow';

import { voxPriaRequest } from '../../../nodes/shared/transport';
import { hookContext, runAction } from '../../helpers/n8n';
import { apiRequests, failure, run, setupFor, useSandbox, type Sandbox } from './setup';

/** Every operation that puts an ID into the request path, with the field that holds the ID. */
const operations: Array<[string, string, (id: string) => IDataObject]> = [
	['Call → Get', 'Call ID', (id) => ({ resource: 'call', operation: 'get', callId: id })],
	[
		'Contact → Update',
		'Contact ID',
		(id) => ({
			resource: 'contact',
			operation: 'update',
			contactId: id,
			updateFields: { firstName: 'Ana' },
		}),
	],
	[
		'Contact → Delete',
		'Contact ID',
		(id) => ({ resource: 'contact', operation: 'delete', contactId: id }),
	],
	[
		'Agent → Get',
		'Agent ID',
		(id) => ({
			resource: 'agent',
			operation: 'get',
			agentId: { __rl: true, mode: 'id', value: id },
		}),
	],
	[
		'Agent → Get Flow',
		'Agent ID',
		(id) => ({
			resource: 'agent',
			operation: 'getFlow',
			agentId: { __rl: true, mode: 'id', value: id },
		}),
	],
	[
		'Webhook → Delete',
		'Webhook ID',
		(id) => ({ resource: 'webhook', operation: 'delete', webhookId: id }),
	],
];

/** IDs that would change which URL is requested, or that VoxPria never issues. */
const crafted = [
	'.',
	'..',
	'.env',
	'%2e%2e',
	'%2E%2E%2F',
	'../credits',
	'a/b',
	'wh_1/../../credits',
	'..\\credits',
	'wh_1?x=1',
	'wh_1#x',
	'wh 1',
	'wh_\n1',
	'wh_\u0000',
	'wh_\u2028x',
	'wh_é',
	'x'.repeat(201),
];

const allowed = 'IDs have only letters, digits and _ - . : and do not start with a dot';

/**
 * An ID goes into the request path. One that is a dot segment ("..") or holds characters outside
 * VoxPria's ID alphabet is refused before anything is sent: the node is usable as an AI tool, so
 * IDs may come from a model.
 */
describe('VoxPria node: IDs that would change the request path', () => {
	let sandbox: Sandbox;

	useSandbox((started) => (sandbox = started));

	describe.each(operations)('%s', (_, field, parameters) => {
		it.each(crafted)('refuses %j before any request', async (id) => {
			const error = await failure(run(sandbox, parameters(id)));
			expect(error.constructor.name).toBe('NodeOperationError');
			expect(error.message).toBe(
				`${field} ${JSON.stringify(id.length > 60 ? `${id.slice(0, 60)}…` : id)} is not a VoxPria ID: ${allowed}`,
			);
			expect(error.context.itemIndex).toBe(0);
			expect(apiRequests(sandbox)).toEqual([]);
		});
	});

	it('keeps IDs VoxPria issues, with dots and colons inside, and trims spaces around them', async () => {
		await sandbox.seed({
			contacts: [
				{ contactId: 'ct_a.b:c-d', phone: '+14155550100' },
				{ contactId: 'ct_plain', phone: '+14155550101' },
			],
		});
		const output = await run(sandbox, {
			resource: 'contact',
			operation: 'delete',
			contactId: ' ct_a.b:c-d ',
		});
		expect(output).toEqual([
			{ json: { contactId: 'ct_a.b:c-d', deleted: true }, pairedItem: { item: 0 } },
		]);
		expect(apiRequests(sandbox).map((request) => [request.method, request.path])).toEqual([
			['DELETE', '/api/v1/contacts/ct_a.b:c-d'],
		]);
	});

	it('with Continue On Fail, a crafted ID fails only its own item; the others run', async () => {
		await sandbox.seed({
			webhooks: [{ webhookId: 'wh_1', url: 'https://a.example.com', events: ['call.completed'] }],
		});
		const [output] = await runAction(
			setupFor(sandbox, { resource: 'webhook', operation: 'delete', webhookId: '={{ $json.id }}' }),
			[{ json: { id: '..' } }, { json: { id: 'wh_1' } }, { json: { id: 'wh_1/..' } }],
			{ continueOnFail: true },
		);
		expect(output).toEqual([
			{
				json: { error: `Webhook ID ".." is not a VoxPria ID: ${allowed}` },
				pairedItem: { item: 0 },
			},
			{ json: { webhookId: 'wh_1', deleted: true }, pairedItem: { item: 1 } },
			{
				json: { error: `Webhook ID "wh_1/.." is not a VoxPria ID: ${allowed}` },
				pairedItem: { item: 2 },
			},
		]);
		expect(apiRequests(sandbox).map((request) => [request.method, request.path])).toEqual([
			['DELETE', '/api/v1/webhooks/wh_1'],
		]);
	});

	it.each(['..', '.', 'wh_1/..', '%2e%2e'])(
		'the trigger’s own delete (a path built with encodeURIComponent) is refused for %j too',
		async (id) => {
			const { context } = hookContext({
				credentials: { apiKey: sandbox.apiKey, baseUrl: sandbox.url },
			});
			const error = await failure(
				voxPriaRequest.call(context, 'DELETE', `/webhooks/${encodeURIComponent(id)}`),
			);
			expect(error.constructor.name).toBe('NodeOperationError');
			expect(error.message).toBe(
				`Webhook ID ${JSON.stringify(id)} is not a VoxPria ID: ${allowed}`,
			);
			expect(apiRequests(sandbox)).toEqual([]);
		},
	);

	it('the trigger’s delete of an ID with a colon, encoded as %3A, is sent', async () => {
		await sandbox.seed({
			webhooks: [{ webhookId: 'wh_a:b', url: 'https://a.example.com', events: ['call.completed'] }],
		});
		const { context } = hookContext({
			credentials: { apiKey: sandbox.apiKey, baseUrl: sandbox.url },
		});
		await voxPriaRequest.call(context, 'DELETE', `/webhooks/${encodeURIComponent('wh_a:b')}`);
		expect((await sandbox.state()).webhooks).toEqual([]);
	});
});
