import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';
import { NodeOperationError, updateDisplayOptions } from 'n8n-workflow';

import { pathFor, voxPriaRequest } from '../../../shared/transport';
import { assertE164, parseJsonObject, requireText } from '../../shared/validate';

const properties: INodeProperties[] = [
	{
		displayName: 'Contact ID',
		name: 'contactId',
		type: 'string',
		required: true,
		default: '',
		placeholder: 'e.g. ct_abc123',
		description: 'The ID of the contact to change (contactId)',
	},
	{
		displayName: 'Update Fields',
		name: 'updateFields',
		type: 'collection',
		placeholder: 'Add Field',
		default: {},
		description: 'Only the fields added here are changed; the others keep their values',
		options: [
			{
				displayName: 'Email',
				name: 'email',
				type: 'string',
				default: '',
				placeholder: 'e.g. nathan@example.com',
			},
			{
				displayName: 'First Name',
				name: 'firstName',
				type: 'string',
				default: '',
			},
			{
				displayName: 'Last Name',
				name: 'lastName',
				type: 'string',
				default: '',
			},
			{
				displayName: 'Metadata (JSON)',
				name: 'metadataJson',
				type: 'json',
				default: '{}',
				description:
					'Extra data stored with the contact, as a JSON object; replaces the stored metadata',
			},
			{
				displayName: 'Phone',
				name: 'phone',
				type: 'string',
				default: '',
				placeholder: 'e.g. +14155551234',
				description: 'The new phone number in E.164 format, e.g. +14155551234',
			},
		],
	},
];

const displayOptions = { show: { resource: ['contact'], operation: ['update'] } };

export const description = updateDisplayOptions(displayOptions, properties);

export async function execute(this: IExecuteFunctions, itemIndex: number): Promise<IDataObject> {
	const node = this.getNode();
	const contactId = requireText(
		node,
		this.getNodeParameter('contactId', itemIndex),
		'Contact ID',
		itemIndex,
	);
	const fields = this.getNodeParameter('updateFields', itemIndex, {}) as IDataObject;
	const body: IDataObject = {};
	for (const key of ['firstName', 'lastName', 'email'] as const) {
		if (fields[key] !== undefined) body[key] = String(fields[key]).trim();
	}
	if (fields.phone !== undefined) body.phone = assertE164(node, fields.phone, 'Phone', itemIndex);
	if (fields.metadataJson !== undefined) {
		body.metadata = parseJsonObject(node, fields.metadataJson, 'Metadata (JSON)', itemIndex);
	}
	if (Object.keys(body).length === 0) {
		throw new NodeOperationError(
			node,
			'Nothing to update: add at least one field under Update Fields',
			{
				itemIndex,
			},
		);
	}
	return (await voxPriaRequest.call(this, 'PUT', pathFor('/contacts/:id', contactId), {
		body,
	})) as IDataObject;
}
