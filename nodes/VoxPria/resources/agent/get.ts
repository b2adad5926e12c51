import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import { agentLocator } from '../../shared/fields';
import { voxPriaRequest } from '../../../shared/transport';
import { readAgentId } from '../../shared/validate';

export const description: INodeProperties[] = [
	agentLocator('agent', 'get', 'The agent to get, with its configuration and call statistics'),
];

export async function execute(this: IExecuteFunctions, itemIndex: number): Promise<IDataObject> {
	const agentId = readAgentId(this, itemIndex);
	const path = `/agents/${encodeURIComponent(agentId)}`;
	return (await voxPriaRequest.call(this, 'GET', path)) as IDataObject;
}
