import type { INodeProperties } from 'n8n-workflow';

import type { ItemOperation } from '../../shared/operation';
import * as getBalance from './getBalance';
import * as getUsage from './getUsage';

export const creditOperations: Record<string, ItemOperation> = {
	getBalance: getBalance.execute,
	getUsage: getUsage.execute,
};

export const creditDescription: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show: { resource: ['credit'] } },
		options: [
			{
				name: 'Get Balance',
				value: 'getBalance',
				description: 'Get how many credits the VoxPria account has left for calls',
				action: 'Get the credit balance',
			},
			{
				name: 'Get Usage',
				value: 'getUsage',
				description: 'Get the calls, minutes and credits used between two dates',
				action: 'Get credit usage',
			},
		],
		default: 'getBalance',
	},
	...getBalance.description,
	...getUsage.description,
];
