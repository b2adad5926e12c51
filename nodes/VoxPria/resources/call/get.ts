import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import { showFor } from '../../shared/fields';
import { voxPriaRequest } from '../../../shared/transport';
import { requireText } from '../../shared/validate';

export const description: INodeProperties[] = [
	{
		displayName: 'Call ID',
		name: 'callId',
		type: 'string',
		required: true,
		default: '',
		placeholder: 'e.g. call_xyz789',
		description:
			'The ID VoxPria gave the call when it was started (callId). The output has its status, duration, outcome, transcript and recording URL.',
		displayOptions: showFor('call', 'get'),
	},
];

export async function execute(this: IExecuteFunctions, itemIndex: number): Promise<IDataObject> {
	const callId = requireText(
		this.getNode(),
		this.getNodeParameter('callId', itemIndex),
		'Call ID',
		itemIndex,
	);
	return (await voxPriaRequest.call(this, 'GET', `/calls/${encodeURIComponent(callId)}`)) as IDataObject;
}
