import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';
import { NodeApiError, updateDisplayOptions } from 'n8n-workflow';

import { asNodeError } from '../../../shared/errors';
import { pathFor, voxPriaRequest } from '../../../shared/transport';
import { requireText } from '../../shared/validate';

const properties: INodeProperties[] = [
	{
		displayName: 'Webhook ID',
		name: 'webhookId',
		type: 'string',
		required: true,
		default: '',
		placeholder: 'e.g. wh_abc123',
		description:
			'The ID of the webhook to delete, as returned by Create or Get Many (webhookId). If VoxPria has no such webhook, the output says alreadyGone: true instead of failing.',
	},
];

const displayOptions = { show: { resource: ['webhook'], operation: ['delete'] } };

export const description = updateDisplayOptions(displayOptions, properties);

export async function execute(this: IExecuteFunctions, itemIndex: number): Promise<IDataObject> {
	const webhookId = requireText(
		this.getNode(),
		this.getNodeParameter('webhookId', itemIndex),
		'Webhook ID',
		itemIndex,
	);
	try {
		const data = await voxPriaRequest.call(this, 'DELETE', pathFor('/webhooks/:id', webhookId));
		const answer = data && typeof data === 'object' ? (data as IDataObject) : {};
		return { webhookId, deleted: true, ...answer };
	} catch (error) {
		// VoxPria documents no delete; a 404 means the webhook is gone already, which is the goal.
		if (error instanceof NodeApiError && error.httpCode === '404') {
			return { webhookId, deleted: false, alreadyGone: true };
		}
		throw asNodeError(this.getNode(), error, itemIndex);
	}
}
