import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';
import { updateDisplayOptions } from 'n8n-workflow';

import { listAll } from '../../../shared/paging';
import { returnAllAndLimit } from '../../shared/fields';

const displayOptions = { show: { resource: ['agent'], operation: ['getAll'] } };

export const description = updateDisplayOptions(displayOptions, returnAllAndLimit);

export async function execute(this: IExecuteFunctions, itemIndex: number): Promise<IDataObject[]> {
	const returnAll = this.getNodeParameter('returnAll', itemIndex, false) as boolean;
	const max = returnAll ? undefined : (this.getNodeParameter('limit', itemIndex, 50) as number);
	return await listAll.call(this, '/agents', { idField: 'agentId', max });
}
