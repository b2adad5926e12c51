import type { INodeProperties } from 'n8n-workflow';

import type { ItemOperation } from '../../shared/operation';
import * as create from './create';
import * as downloadRecording from './downloadRecording';
import * as get from './get';
import * as getAll from './getAll';

export const callOperations: Record<string, ItemOperation> = {
	create: create.execute,
	downloadRecording: downloadRecording.execute,
	get: get.execute,
	getAll: getAll.execute,
};

export const callDescription: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show: { resource: ['call'] } },
		options: [
			{
				name: 'Download Recording',
				value: 'downloadRecording',
				description:
					"Download a finished call's recording (by call ID or recording URL) as a file for the next nodes",
				action: 'Download a call recording',
			},
			{
				name: 'Get',
				value: 'get',
				description:
					'Get one call by its call ID: status, duration, outcome, transcript and recording',
				action: 'Get a call',
			},
			{
				name: 'Get Many',
				value: 'getAll',
				description: 'List calls, newest first, optionally only those with given statuses',
				action: 'Get many calls',
			},
			{
				name: 'Start',
				value: 'create',
				description:
					'Have an AI voice agent phone a number now. This places a real phone call and uses credits. Can wait for the call to end.',
				action: 'Start a call',
			},
		],
		default: 'create',
	},
	...create.description,
	...get.description,
	...getAll.description,
	...downloadRecording.description,
];
