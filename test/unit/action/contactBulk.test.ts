import type { INodeExecutionData } from 'n8n-workflow';

import { failSecondRequest } from '../../helpers/sandbox';
import { apiRequests, failure, run, useSandbox, type Sandbox } from './setup';

const PHONE_ERROR = 'phone must be an E.164 phone number (e.g. +14155551234)';
const phoneFor = (index: number) => `+1415${String(2_000_000 + index)}`;

/** Contacts as input items: phone and first name, or (`full`) every field, about 130 bytes each. */
function people(count: number, full = false): INodeExecutionData[] {
	return Array.from({ length: count }, (_, index) => ({
		json: full
			? {
					phone: phoneFor(index),
					firstName: `First${index}`,
					lastName: index % 2 === 0 ? `Last${index}` : '',
					email: `p${index}@example.com`,
					metadata: { row: index },
				}
			: { phone: phoneFor(index), firstName: `First${index}` },
	}));
}

const bulk = (extra: Record<string, unknown> = {}) => ({
	resource: 'contact',
	operation: 'createMany',
	...extra,
});
type BulkBody = { contacts: Array<Record<string, unknown>> };

describe('VoxPria node: contact bulk import (Create Many)', () => {
	let sandbox: Sandbox;

	useSandbox((started) => (sandbox = started));

	it('imports 25,000 items in 3 requests and maps VoxPria’s errors back to input items', async () => {
		const input = people(25_000);
		input[12_345].json.phone = '0207 946 0958';
		// Already in VoxPria: skipped.
		await sandbox.seed({ contacts: [{ phone: phoneFor(24_999) }] });
		await sandbox.clearRequests();

		const output = await run(sandbox, bulk(), input);

		const requests = apiRequests(sandbox);
		expect(
			requests.map((request) => `${request.method} ${request.path} ${request.status}`),
		).toEqual([
			'POST /api/v1/contacts/bulk 200',
			'POST /api/v1/contacts/bulk 200',
			'POST /api/v1/contacts/bulk 200',
		]);
		const bodies = requests.map((request) => request.body as BulkBody);
		expect(bodies.map((body) => body.contacts.length)).toEqual([10_000, 10_000, 5_000]);
		expect(requests[0].headers.authorization).toBe(`Bearer ${sandbox.apiKey}`);
		// Fields are mapped from each item ({{ $json.phone }} etc. by default); empty ones are left out.
		expect(bodies[0].contacts[0]).toEqual({ phone: phoneFor(0), firstName: 'First0' });
		expect(bodies[1].contacts[2_345].phone).toBe('0207 946 0958');
		expect(bodies[2].contacts[4_999].phone).toBe(phoneFor(24_999));

		expect(output).toHaveLength(1);
		expect(output[0].json).toEqual({
			imported: 24_998,
			skipped: 1,
			failed: 1,
			total: 25_000,
			batches: 3,
			errors: [
				{
					itemIndex: 12_345,
					phone: '0207 946 0958',
					error: PHONE_ERROR,
					contact: { phone: '0207 946 0958', firstName: 'First12345' },
				},
			],
		});
		expect(output[0].pairedItem).toEqual(Array.from({ length: 25_000 }, (_, item) => ({ item })));
		expect((await sandbox.state()).contacts).toHaveLength(24_999);
	}, 30_000);

	it('maps fields from custom expressions per item', async () => {
		const output = await run(
			sandbox,
			bulk({
				phone: '={{ $json.tel }}',
				firstName: '={{ $json.name.split(" ")[0] }}',
				lastName: '={{ $json.name.split(" ")[1] }}',
				email: '',
				metadataJson: '={{ { source: "crm", id: $json.id } }}',
			}),
			[
				{ json: { tel: '+14155550100', name: 'Ana Silva', id: 7 } },
				{ json: { tel: '+14155550101', name: 'Bruno Moreau', id: 8 } },
			],
		);
		expect((apiRequests(sandbox)[0].body as BulkBody).contacts).toEqual([
			{
				phone: '+14155550100',
				firstName: 'Ana',
				lastName: 'Silva',
				metadata: { source: 'crm', id: 7 },
			},
			{
				phone: '+14155550101',
				firstName: 'Bruno',
				lastName: 'Moreau',
				metadata: { source: 'crm', id: 8 },
			},
		]);
		expect(output[0].json).toMatchObject({ imported: 2, skipped: 0, failed: 0, errors: [] });
		expect(output[0].pairedItem).toEqual([{ item: 0 }, { item: 1 }]);
	});

	it('reports an item whose metadata is not a JSON object without sending it', async () => {
		const input = people(3, true);
		input[1].json.metadata = '{not json';
		const output = await run(sandbox, bulk(), input);

		expect(
			(apiRequests(sandbox)[0].body as BulkBody).contacts.map((contact) => contact.phone),
		).toEqual([phoneFor(0), phoneFor(2)]);
		const summary = output[0].json as {
			imported: number;
			total: number;
			errors: Array<Record<string, unknown>>;
		};
		expect(summary.imported).toBe(2);
		expect(summary.total).toBe(3);
		expect(summary.errors).toHaveLength(1);
		expect(summary.errors[0]).toMatchObject({ itemIndex: 1, phone: phoneFor(1) });
		expect(summary.errors[0].error).toMatch(/^Metadata \(JSON\) is not valid JSON/);
		expect(output[0].pairedItem).toEqual([{ item: 0 }, { item: 1 }, { item: 2 }]);
	});

	it('takes a fixed JSON array once, however many items come in', async () => {
		const output = await run(
			sandbox,
			bulk({
				source: 'json',
				contactsJson: JSON.stringify([
					{ phone: '+14155550100', firstName: 'Ana' },
					{ phone: 'bad' },
					'not an object',
				]),
			}),
			[{ json: {} }, { json: {} }],
		);
		expect(apiRequests(sandbox)).toHaveLength(1);
		expect((apiRequests(sandbox)[0].body as BulkBody).contacts).toEqual([
			{ phone: '+14155550100', firstName: 'Ana' },
			{ phone: 'bad' },
		]);
		expect(output[0].json).toEqual({
			imported: 1,
			skipped: 0,
			failed: 2,
			total: 3,
			batches: 1,
			errors: [
				{
					itemIndex: 0,
					arrayIndex: 1,
					phone: 'bad',
					error: PHONE_ERROR,
					contact: { phone: 'bad' },
				},
				{
					itemIndex: 0,
					arrayIndex: 2,
					phone: null,
					error: 'A contact must be a JSON object',
					contact: {},
				},
			],
		});
		expect(output[0].pairedItem).toEqual([{ item: 0 }]);
	});

	it('joins the arrays of a JSON expression read per item, errors pointing at item and position', async () => {
		const output = await run(sandbox, bulk({ source: 'json', contactsJson: '={{ $json.list }}' }), [
			{ json: { list: [{ phone: '+14155550100' }, { phone: '+14155550101' }] } },
			{ json: { list: [{ phone: '+1' }] } },
			{ json: { list: [{ phone: '+14155550100' }] } },
		]);
		expect(
			(apiRequests(sandbox)[0].body as BulkBody).contacts.map((contact) => contact.phone),
		).toEqual(['+14155550100', '+14155550101', '+1', '+14155550100']);
		expect(output[0].json).toMatchObject({
			imported: 2,
			skipped: 1,
			errors: [
				{ itemIndex: 1, arrayIndex: 0, phone: '+1', error: PHONE_ERROR, contact: { phone: '+1' } },
			],
		});
		expect(output[0].pairedItem).toEqual([{ item: 0 }, { item: 1 }, { item: 2 }]);
	});

	it('stops before sending anything when an item gives no JSON array, naming the item', async () => {
		const error = await failure(
			run(sandbox, bulk({ source: 'json', contactsJson: '={{ $json.list }}' }), [
				{ json: { list: [{ phone: '+14155550100' }] } },
				{ json: { list: { phone: '+14155550101' } } },
			]),
		);
		expect(error.message).toBe('Contacts (JSON) must be a JSON array, not an object');
		expect(error.description).toMatch(
			/^Give a JSON array, for example \[\{"phone": "\+14155551234"/,
		);
		expect(error.context.itemIndex).toBe(1);
		expect(apiRequests(sandbox)).toHaveLength(0);
	});

	it('splits a batch that VoxPria finds too large (413) and still maps errors to items', async () => {
		// 10,000 contacts with every field exceed the sandbox's 1 MB request limit.
		const input = people(10_000, true);
		input[7_777].json.phone = '+0000';
		const output = await run(sandbox, bulk(), input);

		const requests = apiRequests(sandbox);
		expect(requests.map((request) => request.status)).toEqual([413, 200, 200]);
		expect(
			requests.map((request) => (request.body as BulkBody | null)?.contacts?.length ?? null),
		).toEqual([null, 5_000, 5_000]);
		expect((requests[1].body as BulkBody).contacts[1]).toEqual({
			phone: phoneFor(1),
			firstName: 'First1',
			email: 'p1@example.com',
			metadata: { row: 1 },
		});
		expect(output[0].json).toEqual({
			imported: 9_999,
			skipped: 0,
			failed: 1,
			total: 10_000,
			batches: 1,
			errors: [
				{
					itemIndex: 7_777,
					phone: '+0000',
					error: PHONE_ERROR,
					contact: {
						phone: '+0000',
						firstName: 'First7777',
						email: 'p7777@example.com',
						metadata: { row: 7_777 },
					},
				},
			],
		});
		expect(output[0].pairedItem).toHaveLength(10_000);
	}, 20_000);

	describe('when the second of two batches fails', () => {
		beforeEach(async () => {
			await failSecondRequest(
				sandbox,
				{ method: 'POST', path: '/api/v1/contacts/bulk' },
				{ status: 500, body: { success: false, error: 'Import queue full' } },
			);
		});

		it('throws, saying which items were not imported and what was imported before', async () => {
			const error = await failure(run(sandbox, bulk(), people(15_000)));
			expect(apiRequests(sandbox).map((request) => request.status)).toEqual([200, 500]);
			expect(error.constructor.name).toBe('NodeApiError');
			expect(error.httpCode).toBe('500');
			expect(error.message).toBe(
				'VoxPria had a server error (HTTP 500); try again in a few minutes',
			);
			expect(error.description).toBe(
				'Batch 2 of 2 (items 10000 to 14999) was not imported. The 1 batch(es) before it were (imported 10000, skipped 0); running the import again skips those numbers. Import queue full | POST /api/v1/contacts/bulk',
			);
			expect(error.context.itemIndex).toBe(10_000);
			expect((await sandbox.state()).contacts).toHaveLength(10_000);
		}, 20_000);

		it('with Continue On Fail, outputs the summary of the first batch and an error item for the second', async () => {
			const output = await run(sandbox, bulk(), people(15_000), { continueOnFail: true });
			expect(output).toHaveLength(2);
			expect(output[0].json).toEqual({
				imported: 10_000,
				skipped: 0,
				failed: 0,
				total: 15_000,
				batches: 2,
				errors: [],
			});
			expect(output[0].pairedItem).toEqual(Array.from({ length: 10_000 }, (_, item) => ({ item })));
			expect(output[1].json).toEqual({
				error: 'VoxPria had a server error (HTTP 500); try again in a few minutes',
				batch: 2,
				detail:
					'Batch 2 of 2 (items 10000 to 14999) was not imported. The 1 batch(es) before it were (imported 10000, skipped 0); running the import again skips those numbers.',
			});
			expect(output[1].pairedItem).toEqual(
				Array.from({ length: 5_000 }, (_, index) => ({ item: 10_000 + index })),
			);
		}, 20_000);
	});
});
