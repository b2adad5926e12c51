import type { INodeProperties } from 'n8n-workflow';

import type { ItemOperation } from '../../shared/operation';
import * as create from './create';
import * as deleteWebhook from './delete';
import * as getAll from './getAll';

export const webhookOperations: Record<string, ItemOperation> = {
	create: create.execute,
	delete: deleteWebhook.execute,
	getAll: getAll.execute,
};

export const webhookDescription: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show: { resource: ['webhook'] } },
		options: [
			{
				name: 'Create',
				value: 'create',
				description:
					'Register a URL that VoxPria sends call and campaign events to; the output includes the signing secret, shown only once',
				action: 'Create a webhook',
			},
			{
				name: 'Delete',
				value: 'delete',
				description: 'Remove a webhook so VoxPria stops sending events to its URL',
				action: 'Delete a webhook',
			},
			{
				name: 'Get Many',
				value: 'getAll',
				description: 'List the webhooks registered with VoxPria (without their secrets)',
				action: 'Get many webhooks',
			},
		],
		default: 'create',
	},
	...create.description,
	...deleteWebhook.description,
	...getAll.description,
];
