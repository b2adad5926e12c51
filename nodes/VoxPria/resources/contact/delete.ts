import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';
import { updateDisplayOptions } from 'n8n-workflow';

import { pathFor, voxPriaRequest } from '../../../shared/transport';
import { requireText } from '../../shared/validate';

const properties: INodeProperties[] = [
	{
		displayName: 'Contact ID',
		name: 'contactId',
		type: 'string',
		required: true,
		default: '',
		placeholder: 'e.g. ct_abc123',
		description: 'The ID of the contact to delete (contactId)',
	},
];

const displayOptions = { show: { resource: ['contact'], operation: ['delete'] } };

export const description = updateDisplayOptions(displayOptions, properties);

export async function execute(this: IExecuteFunctions, itemIndex: number): Promise<IDataObject> {
	const contactId = requireText(
		this.getNode(),
		this.getNodeParameter('contactId', itemIndex),
		'Contact ID',
		itemIndex,
	);
	const data = await voxPriaRequest.call(this, 'DELETE', pathFor('/contacts/:id', contactId));
	return {
		contactId,
		deleted: true,
		...(data && typeof data === 'object' ? (data as IDataObject) : {}),
	};
}
