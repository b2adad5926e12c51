import type { IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import { requireText } from './validate';

/** Fields that several operations share; each operation file sets where they show. */

/** The agent picker: choose from VoxPria's agents by name, or paste an agent ID. */
export function agentLocator(description: string): INodeProperties {
	return {
		displayName: 'Agent',
		name: 'agentId',
		type: 'resourceLocator',
		default: { mode: 'list', value: '' },
		required: true,
		description,
		modes: [
			{
				displayName: 'From List',
				name: 'list',
				type: 'list',
				placeholder: 'Select an agent...',
				typeOptions: {
					searchListMethod: 'getAgents',
					searchable: true,
				},
			},
			{
				displayName: 'By ID',
				name: 'id',
				type: 'string',
				placeholder: 'e.g. agt_sales',
				validation: [
					{
						type: 'regex',
						properties: {
							regex: '^\\S+$',
							errorMessage: 'An agent ID has no spaces',
						},
					},
				],
			},
		],
	};
}

/** `returnAll` and `limit`, following n8n's conventions. */
export const returnAllAndLimit: INodeProperties[] = [
	{
		displayName: 'Return All',
		name: 'returnAll',
		type: 'boolean',
		default: false,
		description: 'Whether to return all results or only up to a given limit',
	},
	{
		displayName: 'Limit',
		name: 'limit',
		type: 'number',
		default: 50,
		typeOptions: { minValue: 1 },
		description: 'Max number of results to return',
		displayOptions: { show: { returnAll: [false] } },
	},
];

/** The agent ID from the Agent resource locator (either mode), or from a plain string. */
export function readAgentId(context: IExecuteFunctions, itemIndex: number): string {
	const value = context.getNodeParameter('agentId', itemIndex, '', { extractValue: true });
	return requireText(context.getNode(), value, 'Agent', itemIndex);
}
