import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';
import { updateDisplayOptions } from 'n8n-workflow';

import { voxPriaRequest } from '../../../shared/transport';
import { assertE164, pairsToObject, parseJsonObject } from '../../shared/validate';
import { contactBody } from './contactBody';

const properties: INodeProperties[] = [
	{
		displayName: 'Phone',
		name: 'phone',
		type: 'string',
		required: true,
		default: '',
		placeholder: 'e.g. +14155551234',
		description:
			"The contact's phone number in E.164 format: a plus sign, the country code and the number, with no spaces. Example: +14155551234.",
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
		displayName: 'Email',
		name: 'email',
		type: 'string',
		default: '',
		placeholder: 'e.g. nathan@example.com',
	},
	{
		displayName: 'Specify Metadata',
		name: 'metadataInput',
		type: 'options',
		options: [
			{
				name: 'Using Fields Below',
				value: 'keyValue',
				description: 'Enter metadata as name and value pairs',
			},
			{ name: 'Using JSON', value: 'json', description: 'Enter metadata as one JSON object' },
		],
		default: 'keyValue',
		description: 'How to give extra data to store with the contact, such as a CRM ID or a source',
	},
	{
		displayName: 'Metadata',
		name: 'metadata',
		type: 'fixedCollection',
		typeOptions: { multipleValues: true },
		placeholder: 'Add Metadata Field',
		default: {},
		description: 'Extra data stored with the contact',
		displayOptions: {
			show: { metadataInput: ['keyValue'] },
		},
		options: [
			{
				name: 'field',
				displayName: 'Field',
				values: [
					{
						displayName: 'Name',
						name: 'name',
						type: 'string',
						default: '',
						placeholder: 'e.g. crmId',
					},
					{
						displayName: 'Value',
						name: 'value',
						type: 'string',
						default: '',
						placeholder: 'e.g. 0012X000013abcd',
					},
				],
			},
		],
	},
	{
		displayName: 'Metadata (JSON)',
		name: 'metadataJson',
		type: 'json',
		default: '{}',
		description:
			'Extra data stored with the contact, as a JSON object, e.g. {"crmId": "0012X000013abcd"}',
		displayOptions: {
			show: { metadataInput: ['json'] },
		},
	},
];

const displayOptions = { show: { resource: ['contact'], operation: ['create'] } };

export const description = updateDisplayOptions(displayOptions, properties);

export async function execute(this: IExecuteFunctions, itemIndex: number): Promise<IDataObject> {
	const node = this.getNode();
	const phone = assertE164(node, this.getNodeParameter('phone', itemIndex), 'Phone', itemIndex);
	const metadataInput = this.getNodeParameter('metadataInput', itemIndex, 'keyValue') as string;
	const metadata =
		metadataInput === 'json'
			? parseJsonObject(
					node,
					this.getNodeParameter('metadataJson', itemIndex, '{}'),
					'Metadata (JSON)',
					itemIndex,
				)
			: pairsToObject((this.getNodeParameter('metadata', itemIndex, {}) as IDataObject).field);
	const body = contactBody({
		phone,
		firstName: this.getNodeParameter('firstName', itemIndex, ''),
		lastName: this.getNodeParameter('lastName', itemIndex, ''),
		email: this.getNodeParameter('email', itemIndex, ''),
		metadata,
	});
	return (await voxPriaRequest.call(this, 'POST', '/contacts', { body })) as IDataObject;
}
