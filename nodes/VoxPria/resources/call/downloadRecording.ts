import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';
import { updateDisplayOptions } from 'n8n-workflow';

import { downloadRecording, recordingUrlOf } from '../../../shared/recording';
import { pathFor, voxPriaRequest } from '../../../shared/transport';
import { ItemWithBinary } from '../../shared/operation';
import { requireText } from '../../shared/validate';

const properties: INodeProperties[] = [
	{
		displayName: 'Recording Source',
		name: 'recordingSource',
		type: 'options',
		noDataExpression: true,
		options: [
			{
				name: 'By Call ID',
				value: 'callId',
				description:
					"Get the call from VoxPria and download its recording (the call's fields come along)",
			},
			{
				name: 'By Recording URL',
				value: 'url',
				description:
					"Download a recording URL you already have, such as a call event's data.recording",
			},
		],
		default: 'callId',
	},
	{
		displayName: 'Call ID',
		name: 'callId',
		type: 'string',
		required: true,
		default: '',
		placeholder: 'e.g. call_xyz789',
		description:
			'The ID VoxPria gave the call (callId). The call must have ended: only a finished call has a recording.',
		displayOptions: { show: { recordingSource: ['callId'] } },
	},
	{
		displayName: 'Recording URL',
		name: 'recordingUrl',
		type: 'string',
		required: true,
		default: '',
		placeholder: 'e.g. https://app.voxpria.com/recordings/call_xyz789.mp3',
		description:
			"The call's recording URL, such as the data.recording field of a VoxPria Trigger's call event",
		displayOptions: { show: { recordingSource: ['url'] } },
	},
	{
		displayName: 'Put Output File in Field',
		name: 'binaryPropertyName',
		type: 'string',
		required: true,
		default: 'data',
		hint: 'The name of the output binary field to put the file in',
	},
	{
		displayName: 'Options',
		name: 'downloadOptions',
		type: 'collection',
		placeholder: 'Add option',
		default: {},
		options: [
			{
				displayName: 'Send API Key to Other Hosts',
				name: 'sendKeyToOtherHosts',
				type: 'boolean',
				default: false,
				description:
					"Whether to send the API key with the download when the recording is on another host than the credential's Base URL (only over HTTPS). Leave it off unless that host is VoxPria's and refuses the download without the key.",
			},
		],
	},
];

const displayOptions = { show: { resource: ['call'], operation: ['downloadRecording'] } };

export const description = updateDisplayOptions(displayOptions, properties);

export async function execute(this: IExecuteFunctions, itemIndex: number): Promise<ItemWithBinary> {
	const node = this.getNode();
	const source = this.getNodeParameter('recordingSource', itemIndex) as string;
	const field = requireText(
		node,
		this.getNodeParameter('binaryPropertyName', itemIndex),
		'Put Output File in Field',
		itemIndex,
	);
	const options = this.getNodeParameter('downloadOptions', itemIndex, {}) as IDataObject;
	const download = { sendKeyToOtherHosts: options.sendKeyToOtherHosts === true };

	if (source === 'url') {
		const recordingUrl = requireText(
			node,
			this.getNodeParameter('recordingUrl', itemIndex),
			'Recording URL',
			itemIndex,
		);
		const file = await downloadRecording(this, recordingUrl, '', download);
		return new ItemWithBinary({ recordingUrl }, { [field]: file });
	}

	const callId = requireText(
		node,
		this.getNodeParameter('callId', itemIndex),
		'Call ID',
		itemIndex,
	);
	const call = (await voxPriaRequest.call(
		this,
		'GET',
		pathFor('/calls/:id', callId),
	)) as IDataObject;
	const url = recordingUrlOf(node, { callId, ...call }, itemIndex);
	const file = await downloadRecording(this, url, String(call.callId ?? callId), download);
	return new ItemWithBinary(call, { [field]: file });
}
