/**
 * The VoxPria Trigger: its description (which n8n's linter wants in this file) and the entry
 * points n8n calls: the webhook lifecycle at activation and deactivation (lifecycle.ts) and
 * webhook() for each delivery (receiveDelivery.ts).
 */
import type {
	IHookFunctions,
	INodeType,
	INodeTypeDescription,
	IWebhookFunctions,
	IWebhookResponseData,
} from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';

import { WEBHOOK_EVENTS } from '../shared/events';

import { MAX_ENTRIES } from './deliveryMemory';
import { checkRegistration, createRegistration, deleteRegistration } from './lifecycle';
import { DEFAULT_REPLAY_WINDOW_HOURS, receiveDelivery } from './receiveDelivery';
import { RECORDING_TIMEOUT_MS } from './recordingItem';

export class VoxPriaTrigger implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'VoxPria Trigger',
		name: 'voxPriaTrigger',
		icon: { light: 'file:../../icons/voxpria.svg', dark: 'file:../../icons/voxpria.dark.svg' },
		group: ['trigger'],
		// 1.1: n8n evaluates no expression per request for it (requestBody.ts); otherwise the same.
		version: [1, 1.1],
		defaultVersion: 1.1,
		subtitle: '={{$parameter["events"].join(", ")}}',
		description: 'Starts the workflow when VoxPria reports a call or campaign event',
		defaults: {
			name: 'VoxPria Trigger',
		},
		inputs: [],
		outputs: [NodeConnectionTypes.Main],
		credentials: [
			{
				name: 'voxPriaApi',
				required: true,
			},
		],
		webhooks: [
			{
				name: 'default',
				httpMethod: 'POST',
				responseMode: 'onReceived',
				// An empty 200 once the execution is recorded: VoxPria only reads the status.
				responseData: 'noData',
				path: 'webhook',
			},
		],
		properties: [
			{
				displayName:
					'When the workflow is activated, this node registers its own webhook with VoxPria and removes it when the workflow is deactivated. Every delivery is checked against the secret VoxPria issues.',
				name: 'registrationNotice',
				type: 'notice',
				default: '',
			},
			{
				displayName: 'Events',
				name: 'events',
				type: 'multiOptions',
				required: true,
				default: ['call.completed'],
				options: WEBHOOK_EVENTS,
				description: 'The VoxPria events that start this workflow',
			},
			{
				displayName:
					'Signature checking is off: anyone who learns this webhook URL can start this workflow with made-up data. Turn it back on unless you are debugging.',
				name: 'unsafeNotice',
				type: 'notice',
				default: '',
				displayOptions: {
					show: {
						'/options.skipSignatureCheck': [true],
					},
				},
			},
			{
				displayName: 'Options',
				name: 'options',
				type: 'collection',
				placeholder: 'Add option',
				default: {},
				options: [
					{
						displayName: 'Additional Events',
						name: 'additionalEvents',
						type: 'string',
						default: '',
						placeholder: 'e.g. call.transferred, campaign.resumed',
						description:
							'Comma-separated names of further events to subscribe to, for events VoxPria adds after this node was released',
					},
					{
						displayName: 'Allow HTTP URL',
						name: 'allowHttp',
						type: 'boolean',
						default: false,
						description:
							"Whether to register n8n's webhook URL even when it is not HTTPS. VoxPria delivers only to HTTPS: use this with a local sandbox only.",
					},
					{
						displayName: 'Download Recording',
						name: 'downloadRecording',
						type: 'boolean',
						default: false,
						description: `Whether to attach the call's recording to Call Completed and Call Ended events, as the binary field "data". The answer to VoxPria waits for it, ${RECORDING_TIMEOUT_MS / 1000} s at most; a recording that fails or takes longer comes without the file and with a "recordingError" field.`,
					},
					{
						displayName: 'Ignore Duplicates',
						name: 'ignoreDuplicates',
						type: 'boolean',
						default: true,
						description:
							'Whether to start the workflow only once when VoxPria delivers the same event again (it retries deliveries)',
						hint: `The node remembers the last ${MAX_ENTRIES.toLocaleString('en')} deliveries within the replay window. A copy of a delivery it had to forget is refused, never run twice.`,
					},
					{
						displayName: 'Include Headers',
						name: 'includeHeaders',
						type: 'boolean',
						default: false,
						description:
							'Whether to add the request headers to the output under "headers". Signature, authorization and cookie headers show as [redacted].',
					},
					{
						displayName: 'Replay Window (Hours)',
						name: 'replayWindowHours',
						type: 'number',
						typeOptions: { minValue: 1, maxValue: 720 },
						default: DEFAULT_REPLAY_WINDOW_HOURS,
						description:
							'Deliveries whose signed timestamp is older than this are refused. It must cover the time VoxPria keeps retrying a delivery.',
					},
					{
						displayName: 'Skip Signature Check',
						name: 'skipSignatureCheck',
						type: 'boolean',
						default: false,
						description:
							'Whether to accept deliveries without checking their signature and timestamp. Unsafe: only for debugging.',
					},
				],
			},
		],
	};

	webhookMethods = {
		default: {
			async checkExists(this: IHookFunctions): Promise<boolean> {
				return await checkRegistration(this);
			},
			async create(this: IHookFunctions): Promise<boolean> {
				return await createRegistration(this);
			},
			async delete(this: IHookFunctions): Promise<boolean> {
				return await deleteRegistration(this);
			},
		},
	};

	async webhook(this: IWebhookFunctions): Promise<IWebhookResponseData> {
		return await receiveDelivery(this);
	}
}
