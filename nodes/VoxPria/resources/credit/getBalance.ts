import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import { voxPriaRequest } from '../../../shared/transport';

export const description: INodeProperties[] = [];

export async function execute(this: IExecuteFunctions): Promise<IDataObject> {
	return (await voxPriaRequest.call(this, 'GET', '/credits')) as IDataObject;
}
