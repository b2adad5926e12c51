import { listAll, MAX_RECORDS } from '../../../nodes/shared/paging';
import { hookContext, loadOptionsContext } from '../../helpers/n8n';
import { rateLimitFault } from '../../helpers/sandbox';
import { startSandbox } from '../../sandbox/server';
import { apiRequests, failure, run, type Sandbox } from '../action/setup';

type Mode = 'honour' | 'cap' | 'ignore';

/**
 * nodes/shared/paging.ts. VoxPria documents page/limit but no paging metadata and no page-size
 * cap, so lists must work whether the server honours paging, caps the page size, or ignores paging.
 */
describe('VoxPria node: paging through lists', () => {
	let sandbox: Sandbox;
	let ids: string[];

	const getContacts = (parameters: Record<string, unknown>) =>
		run(sandbox, { resource: 'contact', operation: 'getAll', ...parameters });
	const pages = () =>
		apiRequests(sandbox).map((request) => [
			Number(request.query.page),
			Number(request.query.limit),
		]);
	/** A fresh sandbox holding `count` generated contacts, whose ids land in `ids`. */
	const startWithContacts = async (count: number) => {
		await sandbox.reset();
		await sandbox.seed({ contacts: count });
		ids = ((await sandbox.state()).contacts as Array<{ contactId: string }>).map(
			(contact) => contact.contactId,
		);
	};

	beforeAll(async () => {
		sandbox = await startSandbox({ port: 0 });
	});
	afterAll(async () => {
		await sandbox.close();
	});

	describe('2,500 contacts', () => {
		beforeAll(() => startWithContacts(2_500));
		beforeEach(async () => {
			await sandbox.clearRequests();
		});

		it.each<[string, Mode, number | undefined, number[][]]>([
			[
				'honours page and limit',
				'honour',
				undefined,
				[
					[1, 1000],
					[2, 1000],
					[3, 1000],
				],
			],
			[
				'caps the page size at 250',
				'cap',
				250,
				[[1, 1000], ...Array.from({ length: 10 }, (_, index) => [index + 2, 250])],
			],
			['ignores paging and sends everything', 'ignore', undefined, [[1, 1000]]],
		])(
			'Return All when the server %s: every contact exactly once, in order',
			async (_, mode, cap, expected) => {
				await sandbox.setPaging({ mode, cap });
				const output = await getContacts({ returnAll: true });
				expect(output.map((item) => item.json.contactId)).toEqual(ids);
				expect(pages()).toEqual(expected);
			},
		);

		it.each<[string, Mode, number | undefined, number[][]]>([
			['honours page and limit', 'honour', undefined, [[1, 120]]],
			[
				'caps the page size at 50',
				'cap',
				50,
				[
					[1, 120],
					[2, 50],
					[3, 50],
				],
			],
			['ignores paging', 'ignore', undefined, [[1, 120]]],
		])('Limit 120 when the server %s: the first 120 contacts', async (_, mode, cap, expected) => {
			await sandbox.setPaging({ mode, cap });
			const output = await getContacts({ limit: 120 });
			expect(output.map((item) => item.json.contactId)).toEqual(ids.slice(0, 120));
			expect(output.every((item) => JSON.stringify(item.pairedItem) === '{"item":0}')).toBe(true);
			expect(pages()).toEqual(expected);
		});
	});

	describe('a list shorter than one page', () => {
		beforeAll(() => startWithContacts(30));
		beforeEach(async () => {
			await sandbox.clearRequests();
		});

		it.each<[Mode, number[][]]>([
			// A short first page may be a cap: ask once more at that size, which comes back empty…
			[
				'honour',
				[
					[1, 1000],
					[2, 30],
				],
			],
			// …or the same records again when the server ignores paging: nothing new, so the list ends.
			[
				'ignore',
				[
					[1, 1000],
					[2, 30],
				],
			],
		])('Return All in %s mode returns each record once and stops', async (mode, expected) => {
			await sandbox.setPaging({ mode });
			const output = await getContacts({ returnAll: true });
			expect(output.map((item) => item.json.contactId)).toEqual(ids);
			expect(pages()).toEqual(expected);
		});

		it('Limit larger than the list returns the whole list', async () => {
			await sandbox.setPaging({ mode: 'cap', cap: 7 });
			const output = await getContacts({ limit: 500 });
			expect(output.map((item) => item.json.contactId)).toEqual(ids);
			expect(pages()).toEqual([
				[1, 500],
				[2, 7],
				[3, 7],
				[4, 7],
				[5, 7],
			]);
		});
	});

	it('Get Many Calls with a status filter pages on until Limit matching calls are found', async () => {
		await sandbox.reset();
		await sandbox.seed({
			calls: Array.from({ length: 60 }, (_, n) => ({
				callId: `call_${String(n).padStart(2, '0')}`,
				// Newest first in the list: only the 5 oldest calls failed.
				status: n < 5 ? 'failed' : 'completed',
				createdAt: new Date(Date.UTC(2025, 1, 1, 9, n)).toISOString(),
			})),
		});
		await sandbox.setPaging({ mode: 'cap', cap: 20 });
		await sandbox.clearRequests();
		const output = await run(sandbox, {
			resource: 'call',
			operation: 'getAll',
			limit: 3,
			filters: { status: ['failed'] },
		});
		expect(output.map((item) => item.json.callId)).toEqual(['call_04', 'call_03', 'call_02']);
		expect(pages()).toEqual([
			[1, 1000],
			[2, 20],
			[3, 20],
		]);
	});
});

/**
 * listAll is bounded: a record cap and an overall deadline, each an error that says what to do.
 * The tests lower both bounds through listAll's options; the node's own defaults are checked once
 * with a list that really is longer than the cap.
 */
describe('listAll: bounds on a list that never ends', () => {
	let sandbox: Sandbox;

	beforeAll(async () => {
		sandbox = await startSandbox({ port: 0 });
	});
	afterAll(async () => {
		await sandbox.close();
	});
	beforeEach(async () => {
		await sandbox.reset();
		await sandbox.clearRequests();
	});

	const credentials = () => ({ apiKey: sandbox.apiKey, baseUrl: sandbox.url });

	it(`Return All over more than ${MAX_RECORDS.toLocaleString('en-US')} contacts stops with an error that says to set a Limit`, async () => {
		await sandbox.seed({ contacts: MAX_RECORDS + 1 });
		await sandbox.setPaging({ mode: 'ignore' });
		const error = await failure(
			run(sandbox, { resource: 'contact', operation: 'getAll', returnAll: true }),
		);
		expect(error.constructor.name).toBe('NodeApiError');
		expect(error.message).toBe(
			"VoxPria's list at /api/v1/contacts has more than 50,000 records, more than the node reads at once: turn off Return All and set a Limit (at most 50,000)",
		);
		expect(error.context.itemIndex).toBe(0);
	}, 60_000);

	it('a list still going at the deadline stops with an error that says to set a Limit', async () => {
		await sandbox.seed({ contacts: 50 });
		await sandbox.setPaging({ mode: 'cap', cap: 5 });
		// Every page takes 150 ms; the deadline is 400 ms: the third page is not asked for.
		await sandbox.addFault({ path: '/api/v1/contacts', count: 100, delayMs: 150 });
		const context = loadOptionsContext({ credentials: credentials() });
		const started = Date.now();
		const error = await failure(
			listAll.call(context, '/contacts', { idField: 'contactId', deadlineMs: 400 }),
		);
		expect(Date.now() - started).toBeLessThan(1_500);
		expect(error.constructor.name).toBe('NodeApiError');
		expect(error.message).toBe(
			'Listing /api/v1/contacts took longer than 0.4 s, so the node stopped: turn off Return All and set a Limit (at most 50,000)',
		);
		expect(apiRequests(sandbox).length).toBeLessThanOrEqual(4);
	});

	it('does not wait out a rate limit that resets after the deadline', async () => {
		await sandbox.addFault(
			rateLimitFault({ path: '/api/v1/agents' }, Math.floor(Date.now() / 1000) + 5),
		);
		const context = loadOptionsContext({ credentials: credentials() });
		const started = Date.now();
		const error = await failure(
			listAll.call(context, '/agents', { idField: 'agentId', deadlineMs: 1_000 }),
		);
		expect(Date.now() - started).toBeLessThan(1_000);
		expect(error.message).toMatch(/^VoxPria rate limit reached \(HTTP 429\): the limit resets at /);
		expect(apiRequests(sandbox)).toHaveLength(1);
	});

	it('at activation, too many webhooks is an error that says to delete unused webhooks in VoxPria', async () => {
		await sandbox.seed({
			webhooks: Array.from({ length: 12 }, (_, index) => ({
				url: `https://hooks.example.com/${index}`,
				events: ['call.completed'],
			})),
		});
		const { context } = hookContext({ credentials: credentials() });
		const error = await failure(
			listAll.call(context, '/webhooks', { idField: 'webhookId', maxRecords: 10 }),
		);
		expect(error.message).toBe(
			'The VoxPria account has more than 10 webhooks, more than n8n reads at once: delete the webhooks you no longer use in VoxPria, then try again',
		);
	});
});
