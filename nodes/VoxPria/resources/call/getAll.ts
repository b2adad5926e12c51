import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import { returnAllAndLimit, showFor } from '../../shared/fields';
import { listAll } from '../../../shared/paging';
import { CALL_STATUS_OPTIONS } from './statuses';

export const description: INodeProperties[] = [
	...returnAllAndLimit('call', 'getAll'),
	{
		displayName: 'Filters',
		name: 'filters',
		type: 'collection',
		placeholder: 'Add Filter',
		default: {},
		displayOptions: showFor('call', 'getAll'),
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
