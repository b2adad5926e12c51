import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import { showFor } from '../../shared/fields';
import { voxPriaRequest } from '../../../shared/transport';
import { requireText } from '../../shared/validate';

export const description: INodeProperties[] = [
	{
		displayName: 'Contact ID',
		name: 'contactId',
		type: 'string',
		required: true,
		default: '',
		placeholder: 'e.g. ct_abc123',
		description: 'The ID of the contact to delete (contactId)',
		displayOptions: showFor('contact', 'delete'),
	},
];

export async function execute(this: IExecuteFunctions, itemIndex: number): Promise<IDataObject> {
	const contactId = requireText(
		this.getNode(),
		this.getNodeParameter('contactId', itemIndex),
		'Contact ID',
		itemIndex,
	);
	const data = await voxPriaRequest.call(this, 'DELETE', `/contacts/${encodeURIComponent(contactId)}`);
	return { contactId, deleted: true, ...(data && typeof data === 'object' ? (data as IDataObject) : {}) };
}
