import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';
import { NodeOperationError, sleep, updateDisplayOptions } from 'n8n-workflow';

import { asNodeError } from '../../../shared/errors';
import { pathFor, voxPriaRequest } from '../../../shared/transport';
import { agentLocator, readAgentId } from '../../shared/fields';
import { withOutputFields } from '../../shared/operation';
import { assertE164, pairsToObject, parseJsonObject } from '../../shared/validate';
import { isFinalStatus } from './statuses';

const whenWaiting = { show: { waitForCompletion: [true] } };

/** Longest wait allowed; longer waits belong to the VoxPria Trigger (call.completed / call.failed). */
export const MAX_WAIT_SECONDS = 3600;

const properties: INodeProperties[] = [
	{
		displayName:
			'Starting a call dials a real phone number and uses VoxPria credits. Each input item starts one call.',
		name: 'costNotice',
		type: 'notice',
		default: '',
	},
	agentLocator(
		'The AI voice agent that makes the call. Pick one from the list or give its agent ID.',
	),
	{
		displayName: 'To Number',
		name: 'toNumber',
		type: 'string',
		required: true,
		default: '',
		placeholder: 'e.g. +14155551234',
		description:
			'The phone number to call, in E.164 format: a plus sign, the country code and the number, with no spaces or dashes. Examples: +14155551234 (US), +442079460958 (UK).',
	},
	{
		displayName: 'Specify Variables',
		name: 'variablesInput',
		type: 'options',
		options: [
			{
				name: 'Using Fields Below',
				value: 'keyValue',
				description: 'Enter variables as name and value pairs',
			},
			{ name: 'Using JSON', value: 'json', description: 'Enter variables as one JSON object' },
		],
		default: 'keyValue',
		description: "How to give the variables that fill placeholders in the agent's script",
	},
	{
		displayName: 'Variables',
		name: 'variables',
		type: 'fixedCollection',
		typeOptions: { multipleValues: true },
		placeholder: 'Add Variable',
		default: {},
		description:
			"Values the agent can use during the call, such as the person's name or an appointment time",
		displayOptions: {
			show: { variablesInput: ['keyValue'] },
		},
		options: [
			{
				name: 'variable',
				displayName: 'Variable',
				values: [
					{
						displayName: 'Name',
						name: 'name',
						type: 'string',
						default: '',
						placeholder: 'e.g. firstName',
					},
					{
						displayName: 'Value',
						name: 'value',
						type: 'string',
						default: '',
						placeholder: 'e.g. Ana',
					},
				],
			},
		],
	},
	{
		displayName: 'Variables (JSON)',
		name: 'variablesJson',
		type: 'json',
		default: '{}',
		description:
			'A JSON object of values the agent can use during the call, e.g. {"firstName": "Ana", "appointment": "Thursday 3 pm"}',
		displayOptions: {
			show: { variablesInput: ['json'] },
		},
	},
	{
		displayName: 'Wait for Completion',
		name: 'waitForCompletion',
		type: 'boolean',
		default: false,
		description:
			'Whether to wait until the call has ended and output the finished call (final status, duration, transcript, recording) instead of the just-queued call',
	},
	{
		displayName: 'Poll Interval (Seconds)',
		name: 'pollInterval',
		type: 'number',
		default: 5,
		typeOptions: { minValue: 1 },
		description:
			'How often to ask VoxPria for the call status while waiting. Each check counts towards the limit of 1,000 API requests per hour.',
		displayOptions: whenWaiting,
	},
	{
		displayName: 'Timeout (Seconds)',
		name: 'timeout',
		type: 'number',
		default: 600,
		typeOptions: { minValue: 1, maxValue: MAX_WAIT_SECONDS },
		description:
			'How long to wait for the call to end, at most 3600. If it is still running then, the node reports an error with the call ID; the call itself goes on.',
		displayOptions: whenWaiting,
	},
];

const displayOptions = { show: { resource: ['call'], operation: ['create'] } };

export const description = updateDisplayOptions(displayOptions, properties);

function readVariables(context: IExecuteFunctions, itemIndex: number): IDataObject {
	const input = context.getNodeParameter('variablesInput', itemIndex, 'keyValue') as string;
	if (input === 'json') {
		return parseJsonObject(
			context.getNode(),
			context.getNodeParameter('variablesJson', itemIndex, '{}'),
			'Variables (JSON)',
			itemIndex,
		);
	}
	const variables = context.getNodeParameter('variables', itemIndex, {}) as IDataObject;
	return pairsToObject(variables.variable);
}

function numberParameter(
	context: IExecuteFunctions,
	name: string,
	itemIndex: number,
	fallback: number,
): number {
	const value = Number(context.getNodeParameter(name, itemIndex, fallback));
	return Number.isFinite(value) ? value : fallback;
}

async function waitForEnd(
	this: IExecuteFunctions,
	started: IDataObject,
	itemIndex: number,
): Promise<IDataObject> {
	const callId = String(started.callId);
	const pollMs = Math.max(1, numberParameter(this, 'pollInterval', itemIndex, 5)) * 1000;
	const timeoutSeconds = Math.min(
		MAX_WAIT_SECONDS,
		Math.max(1, numberParameter(this, 'timeout', itemIndex, 600)),
	);
	const deadline = Date.now() + timeoutSeconds * 1000;
	let call = started;

	while (!isFinalStatus(call.status)) {
		const remaining = deadline - Date.now();
		if (remaining <= 0) {
			throw withOutputFields(
				new NodeOperationError(
					this.getNode(),
					`Call ${callId} is still running after ${timeoutSeconds} s (status: ${String(call.status)})`,
					{
						itemIndex,
						description: `The call was placed and goes on; it was not cancelled. Use Call → Get with call ID ${callId} to check it later, raise Timeout, or use the VoxPria Trigger's call.completed and call.failed events.`,
					},
				),
				{ callId, status: call.status as string },
			);
		}
		await sleep(Math.min(pollMs, remaining));
		try {
			const latest = await voxPriaRequest.call(this, 'GET', pathFor('/calls/:id', callId));
			call = { ...call, ...(latest as IDataObject) };
		} catch (error) {
			// The call exists and costs credits: say so, so nobody starts it a second time by mistake.
			const failure = asNodeError(this.getNode(), error, itemIndex);
			failure.description =
				`Call ${callId} was started; this error came while waiting for it to end. ${failure.description ?? ''}`.trim();
			throw withOutputFields(failure, { callId, status: call.status as string });
		}
	}
	return call;
}

export async function execute(this: IExecuteFunctions, itemIndex: number): Promise<IDataObject> {
	const node = this.getNode();
	// Everything is checked before the request: a call, once placed, cannot be taken back.
	const agentId = readAgentId(this, itemIndex);
	const toNumber = assertE164(
		node,
		this.getNodeParameter('toNumber', itemIndex),
		'To Number',
		itemIndex,
	);
	const variables = readVariables(this, itemIndex);
	const waitForCompletion = this.getNodeParameter('waitForCompletion', itemIndex, false) as boolean;

	const started = (await voxPriaRequest.call(this, 'POST', '/calls', {
		body: { agentId, toNumber, variables },
	})) as IDataObject;

	if (!waitForCompletion) return started;
	return await waitForEnd.call(this, started, itemIndex);
}
