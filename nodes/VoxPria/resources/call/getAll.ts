import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';
import { updateDisplayOptions } from 'n8n-workflow';

import { listAll } from '../../../shared/paging';
import { returnAllAndLimit } from '../../shared/fields';
import { CALL_STATUS_OPTIONS } from './statuses';

const properties: INodeProperties[] = [
	...returnAllAndLimit,
	{
		displayName: 'Filters',
		name: 'filters',
		type: 'collection',
		placeholder: 'Add Filter',
		default: {},
		options: [
			{
				displayName: 'Status',
				name: 'status',
				type: 'multiOptions',
				options: CALL_STATUS_OPTIONS,
				default: [],
				description:
					'Only return calls with one of these statuses. VoxPria cannot filter by status, so the node reads the call list and keeps the matching calls; Limit counts matching calls.',
			},
		],
	},
];

const displayOptions = { show: { resource: ['call'], operation: ['getAll'] } };

export const description = updateDisplayOptions(displayOptions, properties);

export async function execute(this: IExecuteFunctions, itemIndex: number): Promise<IDataObject[]> {
	const returnAll = this.getNodeParameter('returnAll', itemIndex, false) as boolean;
	const max = returnAll ? undefined : (this.getNodeParameter('limit', itemIndex, 50) as number);
	const filters = this.getNodeParameter('filters', itemIndex, {}) as IDataObject;
	const statuses = Array.isArray(filters.status) ? (filters.status as string[]) : [];
	const filter =
		statuses.length > 0
			? (call: IDataObject) => statuses.includes(call.status as string)
			: undefined;
	return await listAll.call(this, '/calls', { idField: 'callId', max, filter });
}
