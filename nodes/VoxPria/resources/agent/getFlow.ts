import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';
import { updateDisplayOptions } from 'n8n-workflow';

import { pathFor, voxPriaRequest } from '../../../shared/transport';
import { agentLocator, readAgentId } from '../../shared/fields';

const properties: INodeProperties[] = [
	agentLocator('The agent whose conversation flow (nodes, edges, version) to get'),
];

const displayOptions = { show: { resource: ['agent'], operation: ['getFlow'] } };

export const description = updateDisplayOptions(displayOptions, properties);

export async function execute(this: IExecuteFunctions, itemIndex: number): Promise<IDataObject> {
	const agentId = readAgentId(this, itemIndex);
	return (await voxPriaRequest.call(
		this,
		'GET',
		pathFor('/agents/:id/flow', agentId),
	)) as IDataObject;
}
