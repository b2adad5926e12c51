import type { ILoadOptionsFunctions } from 'n8n-workflow';

import { loadOptionsContext } from '../../helpers/n8n';
import { VoxPria } from '../../../nodes/VoxPria/VoxPria.node';
import { SEED_AGENTS } from '../../sandbox/server';
import { apiRequests, failure, run, setupFor, useSandbox, type Sandbox } from './setup';

const byId = (value: string) => ({ __rl: true, mode: 'id', value });
const fromList = (value: string) => ({
	__rl: true,
	mode: 'list',
	value,
	cachedResultName: 'Sales Qualifier',
});

describe('VoxPria node: agent resource', () => {
	let sandbox: Sandbox;

	useSandbox((started) => (sandbox = started));

	it('getAll outputs one item per agent', async () => {
		const output = await run(sandbox, { resource: 'agent', operation: 'getAll', returnAll: true });
		expect(output.map((item) => item.json.agentId)).toEqual([
			'agt_sales',
			'agt_support',
			'agt_reminders',
		]);
		// The list's fields, as the sandbox seeds them: no configuration or flow.
		expect(output[0]).toEqual({ json: SEED_AGENTS[0], pairedItem: { item: 0 } });
		const [first] = apiRequests(sandbox);
		expect(first).toMatchObject({
			method: 'GET',
			path: '/api/v1/agents',
			query: { page: '1', limit: '1000' },
		});
		expect(first.headers.authorization).toBe(`Bearer ${sandbox.apiKey}`);
	});

	it('get outputs the agent with configuration and stats, for an ID from the list or typed in', async () => {
		const output = await run(
			sandbox,
			{ resource: 'agent', operation: 'get', agentId: fromList('agt_sales') },
			[{ json: {} }, { json: {} }],
		);
		expect(output).toHaveLength(2);
		expect(output[0].json).toMatchObject({ agentId: 'agt_sales', name: 'Sales Qualifier' });
		expect(output[0].json.configuration).toEqual(expect.objectContaining({ model: 'gpt-4o-mini' }));
		expect(output[0].json.stats).toBeDefined();
		expect(output.map((item) => item.pairedItem)).toEqual([{ item: 0 }, { item: 1 }]);

		await run(sandbox, { resource: 'agent', operation: 'get', agentId: byId('agt_support') });
		expect(apiRequests(sandbox).map((request) => `${request.method} ${request.path}`)).toEqual([
			'GET /api/v1/agents/agt_sales',
			'GET /api/v1/agents/agt_sales',
			'GET /api/v1/agents/agt_support',
		]);
	});

	it('getFlow outputs the flow', async () => {
		const output = await run(sandbox, {
			resource: 'agent',
			operation: 'getFlow',
			agentId: byId('agt_support'),
		});
		const flow = output[0].json.flow as { nodes: unknown[]; edges: unknown[]; version: number };
		expect(output[0].json.agentId).toBe('agt_support');
		expect(Array.isArray(flow.nodes) && flow.nodes.length > 0).toBe(true);
		expect(Array.isArray(flow.edges)).toBe(true);
		expect(typeof flow.version).toBe('number');
		expect(output[0].pairedItem).toEqual({ item: 0 });
		expect(apiRequests(sandbox).map((request) => `${request.method} ${request.path}`)).toEqual([
			'GET /api/v1/agents/agt_support/flow',
		]);
	});

	it('an unknown agent is a 404 error naming the path', async () => {
		const error = await failure(
			run(sandbox, { resource: 'agent', operation: 'get', agentId: byId('agt_nope') }),
		);
		expect(error.httpCode).toBe('404');
		expect(error.message).toBe(
			'VoxPria found nothing at /agents/agt_nope (HTTP 404): check the Agent ID',
		);
		expect(error.description).toBe('Agent not found | GET /api/v1/agents/agt_nope');
		expect(error.context.itemIndex).toBe(0);
	});

	describe('agent list search', () => {
		const search = (filter?: string) => {
			const context = loadOptionsContext(setupFor(sandbox, {}));
			return new VoxPria().methods.listSearch.getAgents.call(
				context as unknown as ILoadOptionsFunctions,
				filter,
			);
		};

		it('lists all agents by name, marking inactive ones', async () => {
			expect(await search()).toEqual({
				results: [
					{ name: 'Appointment Reminders (inactive)', value: 'agt_reminders' },
					{ name: 'Sales Qualifier', value: 'agt_sales' },
					{ name: 'Support Assistant', value: 'agt_support' },
				],
			});
			expect(apiRequests(sandbox)[0].headers.authorization).toBe(`Bearer ${sandbox.apiKey}`);
		});

		it('filters by name, case-insensitively', async () => {
			expect(await search('SUPP')).toEqual({
				results: [{ name: 'Support Assistant', value: 'agt_support' }],
			});
			expect(await search('zzz')).toEqual({ results: [] });
		});

		it('finds every agent when VoxPria pages the list', async () => {
			await sandbox.seed({
				agents: Array.from({ length: 30 }, (_, n) => ({
					agentId: `agt_x${n}`,
					name: `Extra ${n}`,
				})),
			});
			await sandbox.setPaging({ mode: 'cap', cap: 7 });
			const { results } = await search('extra');
			expect(results).toHaveLength(30);
			expect(new Set(results.map((result) => result.value)).size).toBe(30);
		});
	});
});
