import type { INodeProperties } from 'n8n-workflow';

import type { BulkOperation, ItemOperation } from '../../shared/operation';
import * as create from './create';
import * as createMany from './createMany';
import * as deleteContact from './delete';
import * as getAll from './getAll';
import * as update from './update';

export const contactOperations: Record<string, ItemOperation> = {
	create: create.execute,
	delete: deleteContact.execute,
	getAll: getAll.execute,
	update: update.execute,
};

/** Operations that take all input items at once. */
export const contactBulkOperations: Record<string, BulkOperation> = {
	createMany: createMany.execute,
};

export const contactDescription: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show: { resource: ['contact'] } },
		options: [
			{
				name: 'Create',
				value: 'create',
				description: 'Add one person (phone number, name, email, metadata) to the VoxPria contacts',
				action: 'Create a contact',
			},
			{
				name: 'Create Many (Bulk Import)',
				value: 'createMany',
				description:
					'Import the contacts of all input items in one go (10,000 per request) and get one summary item with errors mapped to input items',
				action: 'Import many contacts',
			},
			{
				name: 'Delete',
				value: 'delete',
				description: 'Remove a contact by its contact ID',
				action: 'Delete a contact',
			},
			{
				name: 'Get Many',
				value: 'getAll',
				description: 'List the contacts stored in VoxPria',
				action: 'Get many contacts',
			},
			{
				name: 'Update',
				value: 'update',
				description: "Change some of a contact's fields; the others keep their values",
				action: 'Update a contact',
			},
		],
		default: 'create',
	},
	...create.description,
	...createMany.description,
	...deleteContact.description,
	...getAll.description,
	...update.description,
];
