import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';
import { NodeOperationError, updateDisplayOptions } from 'n8n-workflow';

import { eventList, WEBHOOK_EVENTS } from '../../../shared/events';
import { voxPriaRequest } from '../../../shared/transport';
import { requireText } from '../../shared/validate';

const EVENT_OPTIONS = [...WEBHOOK_EVENTS].sort((a, b) => a.name.localeCompare(b.name));

const properties: INodeProperties[] = [
	{
		displayName:
			'The output holds the signing secret (whsec_...), which VoxPria shows only this once. Store it, for example in a credential, to verify the X-Voxpria-Signature header of each delivery.',
		name: 'secretNotice',
		type: 'notice',
		default: '',
	},
	{
		displayName: 'URL',
		name: 'url',
		type: 'string',
		required: true,
		default: '',
		placeholder: 'e.g. https://example.com/voxpria-events',
		description: 'The HTTPS address VoxPria will POST events to. VoxPria only accepts HTTPS URLs.',
		hint: 'To receive VoxPria events in n8n, use the VoxPria Trigger node instead: it registers and verifies its own webhook',
	},
	{
		displayName: 'Events',
		name: 'events',
		type: 'multiOptions',
		required: true,
		default: ['call.completed'],
		options: EVENT_OPTIONS,
		description: 'The VoxPria events to send to the URL',
	},
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		options: [
			{
				displayName: 'Additional Events',
				name: 'additionalEvents',
				type: 'string',
				default: '',
				placeholder: 'e.g. call.answered, credit.low',
				description:
					'Comma-separated event names to subscribe to besides the ones above, for events VoxPria adds later',
			},
		],
	},
];

const displayOptions = { show: { resource: ['webhook'], operation: ['create'] } };

export const description = updateDisplayOptions(displayOptions, properties);

export async function execute(this: IExecuteFunctions, itemIndex: number): Promise<IDataObject> {
	const node = this.getNode();
	const url = requireText(node, this.getNodeParameter('url', itemIndex), 'URL', itemIndex);
	let protocol: string;
	try {
		protocol = new URL(url).protocol;
	} catch {
		protocol = '';
	}
	if (protocol !== 'https:' && protocol !== 'http:') {
		throw new NodeOperationError(node, `URL "${url}" is not a web address`, {
			itemIndex,
			description:
				'Give the full address including https://, for example https://example.com/voxpria-events.',
		});
	}
	const options = this.getNodeParameter('options', itemIndex, {}) as IDataObject;
	const events = eventList(
		this.getNodeParameter('events', itemIndex, []),
		options.additionalEvents,
	);
	if (events.length === 0) {
		throw new NodeOperationError(node, 'Choose at least one event for the webhook', { itemIndex });
	}
	return (await voxPriaRequest.call(this, 'POST', '/webhooks', {
		body: { url, events, active: true },
	})) as IDataObject;
}
