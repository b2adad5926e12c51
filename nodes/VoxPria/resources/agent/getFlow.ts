import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import { agentLocator } from '../../shared/fields';
import { voxPriaRequest } from '../../../shared/transport';
import { readAgentId } from '../../shared/validate';

export const description: INodeProperties[] = [
	agentLocator('agent', 'getFlow', 'The agent whose conversation flow (nodes, edges, version) to get'),
];

export async function execute(this: IExecuteFunctions, itemIndex: number): Promise<IDataObject> {
	const agentId = readAgentId(this, itemIndex);
	return (await voxPriaRequest.call(
		this,
		'GET',
		`/agents/${encodeURIComponent(agentId)}/flow`,
	)) as IDataObject;
}
