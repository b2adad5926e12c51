import { apiRequests, failure, run, useSandbox, type Sandbox } from './setup';

type Contact = {
	contactId: string;
	phone: string;
	firstName: string | null;
	email: string | null;
	metadata: unknown;
};

describe('VoxPria node: contact resource', () => {
	let sandbox: Sandbox;
	const contacts = async () => (await sandbox.state()).contacts as Contact[];

	useSandbox((started) => (sandbox = started));

	describe('create', () => {
		it('sends the filled-in fields with metadata from name/value pairs', async () => {
			const output = await run(sandbox, {
				resource: 'contact',
				operation: 'create',
				phone: ' +442079460958 ',
				firstName: 'Chloé',
				lastName: '',
				email: 'chloe@example.com',
				metadata: {
					field: [
						{ name: 'crmId', value: '0012X' },
						{ name: 'source', value: 'webinar' },
					],
				},
			});

			const [request] = apiRequests(sandbox);
			expect(request).toMatchObject({
				method: 'POST',
				path: '/api/v1/contacts',
				query: {},
				status: 201,
			});
			expect(request.body).toEqual({
				phone: '+442079460958',
				firstName: 'Chloé',
				email: 'chloe@example.com',
				metadata: { crmId: '0012X', source: 'webinar' },
			});
			expect(request.headers.authorization).toBe(`Bearer ${sandbox.apiKey}`);

			const [stored] = await contacts();
			expect(output).toEqual([
				{
					json: {
						contactId: stored.contactId,
						phone: '+442079460958',
						firstName: 'Chloé',
						lastName: null,
						email: 'chloe@example.com',
						metadata: { crmId: '0012X', source: 'webinar' },
						createdAt: expect.any(String),
					},
					pairedItem: { item: 0 },
				},
			]);
		});

		it('takes metadata as JSON and leaves out empty metadata', async () => {
			await run(sandbox, {
				resource: 'contact',
				operation: 'create',
				phone: '+33612345678',
				metadataInput: 'json',
				metadataJson: '{"tier": 2, "tags": ["a", "b"]}',
			});
			await run(sandbox, { resource: 'contact', operation: 'create', phone: '+33612345679' });
			expect(apiRequests(sandbox).map((request) => request.body)).toEqual([
				{ phone: '+33612345678', metadata: { tier: 2, tags: ['a', 'b'] } },
				{ phone: '+33612345679' },
			]);
		});

		it('refuses a phone number that is not E.164, naming it, before any request', async () => {
			const error = await failure(
				run(sandbox, { resource: 'contact', operation: 'create', phone: '0612345678' }),
			);
			expect(error.message).toBe(
				'Phone must be a phone number in E.164 format, such as "+14155551234", but got "0612345678"',
			);
			expect(error.context.itemIndex).toBe(0);
			expect(apiRequests(sandbox)).toEqual([]);
		});
	});

	describe('update', () => {
		it('sends only the fields that were added', async () => {
			await sandbox.seed({
				contacts: [{ contactId: 'ct_1', phone: '+14155550100', firstName: 'Ana', email: 'a@x.io' }],
			});
			await sandbox.clearRequests();
			const output = await run(sandbox, {
				resource: 'contact',
				operation: 'update',
				contactId: 'ct_1',
				updateFields: { firstName: 'Anna', metadataJson: '{"vip": true}' },
			});

			expect(
				apiRequests(sandbox).map((request) => [request.method, request.path, request.body]),
			).toEqual([['PUT', '/api/v1/contacts/ct_1', { firstName: 'Anna', metadata: { vip: true } }]]);
			expect(output[0].json).toMatchObject({
				contactId: 'ct_1',
				phone: '+14155550100',
				firstName: 'Anna',
				email: 'a@x.io',
				metadata: { vip: true },
			});
			expect(output[0].pairedItem).toEqual({ item: 0 });
		});

		it('checks a new phone number and refuses an empty update, without a request', async () => {
			const badPhone = await failure(
				run(sandbox, {
					resource: 'contact',
					operation: 'update',
					contactId: 'ct_1',
					updateFields: { phone: '12' },
				}),
			);
			expect(badPhone.message).toBe(
				'Phone must be a phone number in E.164 format, such as "+14155551234", but got "12"',
			);
			const nothing = await failure(
				run(sandbox, {
					resource: 'contact',
					operation: 'update',
					contactId: 'ct_1',
					updateFields: {},
				}),
			);
			expect(nothing.message).toBe('Nothing to update: add at least one field under Update Fields');
			expect(apiRequests(sandbox)).toEqual([]);
		});

		it('an unknown contact is a 404 error', async () => {
			const error = await failure(
				run(sandbox, {
					resource: 'contact',
					operation: 'update',
					contactId: 'ct_nope',
					updateFields: { lastName: 'X' },
				}),
			);
			expect(error.httpCode).toBe('404');
			expect(error.description).toBe('Contact not found | PUT /api/v1/contacts/ct_nope');
		});
	});

	describe('delete', () => {
		it('deletes by contact ID', async () => {
			await sandbox.seed({ contacts: [{ contactId: 'ct_9', phone: '+14155550109' }] });
			await sandbox.clearRequests();
			const output = await run(sandbox, {
				resource: 'contact',
				operation: 'delete',
				contactId: 'ct_9',
			});
			expect(apiRequests(sandbox).map((request) => `${request.method} ${request.path}`)).toEqual([
				'DELETE /api/v1/contacts/ct_9',
			]);
			expect(output).toEqual([
				{ json: { contactId: 'ct_9', deleted: true }, pairedItem: { item: 0 } },
			]);
			expect(await contacts()).toEqual([]);
		});
	});

	describe('getAll', () => {
		it('outputs one item per contact, up to Limit', async () => {
			await sandbox.seed({ contacts: 120 });
			await sandbox.clearRequests();
			const all = await contacts();

			const limited = await run(sandbox, { resource: 'contact', operation: 'getAll' });
			expect(limited.map((item) => item.json.contactId)).toEqual(
				all.slice(0, 50).map((contact) => contact.contactId),
			);
			expect(limited[0]).toEqual({ json: all[0], pairedItem: { item: 0 } });
			expect(apiRequests(sandbox).map((request) => request.query)).toEqual([
				{ page: '1', limit: '50' },
			]);
		});
	});
});
