import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import { returnAllAndLimit } from '../../shared/fields';
import { listAll } from '../../../shared/paging';

export const description: INodeProperties[] = [...returnAllAndLimit('agent', 'getAll')];

export async function execute(this: IExecuteFunctions, itemIndex: number): Promise<IDataObject[]> {
	const returnAll = this.getNodeParameter('returnAll', itemIndex, false) as boolean;
	const max = returnAll ? undefined : (this.getNodeParameter('limit', itemIndex, 50) as number);
	return await listAll.call(this, '/agents', { idField: 'agentId', max });
}
