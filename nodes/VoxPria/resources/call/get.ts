import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';
import { updateDisplayOptions } from 'n8n-workflow';

import { pathFor, voxPriaRequest } from '../../../shared/transport';
import { requireText } from '../../shared/validate';

const properties: INodeProperties[] = [
	{
		displayName: 'Call ID',
		name: 'callId',
		type: 'string',
		required: true,
		default: '',
		placeholder: 'e.g. call_xyz789',
		description:
			'The ID VoxPria gave the call when it was started (callId). The output has its status, duration, outcome, transcript and recording URL.',
	},
];

const displayOptions = { show: { resource: ['call'], operation: ['get'] } };

export const description = updateDisplayOptions(displayOptions, properties);

export async function execute(this: IExecuteFunctions, itemIndex: number): Promise<IDataObject> {
	const callId = requireText(
		this.getNode(),
		this.getNodeParameter('callId', itemIndex),
		'Call ID',
		itemIndex,
	);
	return (await voxPriaRequest.call(this, 'GET', pathFor('/calls/:id', callId))) as IDataObject;
}
