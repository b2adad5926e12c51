import type { INodeProperties } from 'n8n-workflow';

import type { ItemOperation } from '../../shared/operation';
import * as get from './get';
import * as getAll from './getAll';
import * as getFlow from './getFlow';

export const agentOperations: Record<string, ItemOperation> = {
	get: get.execute,
	getAll: getAll.execute,
	getFlow: getFlow.execute,
};

export const agentDescription: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show: { resource: ['agent'] } },
		options: [
			{
				name: 'Get',
				value: 'get',
				description:
					'Get one AI voice agent: name, language, voice, status, configuration and call statistics',
				action: 'Get an agent',
			},
			{
				name: 'Get Flow',
				value: 'getFlow',
				description: "Get an agent's conversation flow: its nodes, edges and version",
				action: 'Get the flow of an agent',
			},
			{
				name: 'Get Many',
				value: 'getAll',
				description: 'List the AI voice agents in the VoxPria account, with their IDs',
				action: 'Get many agents',
			},
		],
		default: 'getAll',
	},
	...get.description,
	...getFlow.description,
	...getAll.description,
];
