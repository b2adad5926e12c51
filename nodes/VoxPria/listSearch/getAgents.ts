import type { IDataObject, ILoadOptionsFunctions, INodeListSearchResult } from 'n8n-workflow';

import { listAll } from '../../shared/paging';

/**
 * Backs the Agent picker. VoxPria's agent list has no search parameter, so the list is read
 * whole (agents are few) and filtered here by name or ID, case-insensitively.
 */
export async function getAgents(
	this: ILoadOptionsFunctions,
	filter?: string,
): Promise<INodeListSearchResult> {
	const agents = await listAll.call(this, '/agents', { idField: 'agentId' });
	const needle = (filter ?? '').trim().toLowerCase();
	const results = agents
		.map((agent: IDataObject) => {
			const id = String(agent.agentId ?? agent.id ?? '');
			const name = typeof agent.name === 'string' && agent.name !== '' ? agent.name : id;
			const inactive = agent.status !== undefined && agent.status !== 'active';
			return { id, name, label: inactive ? `${name} (${String(agent.status)})` : name };
		})
		.filter(
			({ id, name }) =>
				id !== '' &&
				(needle === '' || name.toLowerCase().includes(needle) || id.toLowerCase().includes(needle)),
		)
		.sort((a, b) => a.name.localeCompare(b.name))
		.map(({ id, label }) => ({ name: label, value: id }));
	return { results };
}
