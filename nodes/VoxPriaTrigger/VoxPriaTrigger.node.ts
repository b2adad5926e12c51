import type {
	IDataObject,
	JsonObject,
	IHookFunctions,
	INodeType,
	INodeTypeDescription,
	IWebhookFunctions,
	IWebhookResponseData,
} from 'n8n-workflow';
import { NodeApiError, NodeConnectionTypes, NodeOperationError, sleep } from 'n8n-workflow';

import { eventList, WEBHOOK_EVENTS } from '../shared/events';
import { listAll } from '../shared/paging';
import { voxPriaRequest } from '../shared/transport';
import { checkDelivery } from './checkDelivery';
import { forgetMemory, memoryFor } from './deliveryMemory';
import { SIGNATURE_HEADER } from './verifySignature';

/** What the node keeps about its registration in the workflow's static data. */
interface Registration {
	webhookId?: string;
	secret?: string;
	webhookUrl?: string;
	events?: string[];
	/** Recent deliveries, see deliveryMemory.ts. */
	seen?: unknown;
}

interface RemoteWebhook {
	webhookId: string;
	url?: string;
	events?: string[];
	active?: boolean;
}

function registrationOf(context: IHookFunctions | IWebhookFunctions): Registration & IDataObject {
	return context.getWorkflowStaticData('node') as Registration & IDataObject;
}

function forgetRegistration(context: IHookFunctions, registration: Registration & IDataObject): void {
	if (registration.webhookId) forgetMemory(memoryScope(context, registration.webhookId));
	for (const key of ['webhookId', 'secret', 'webhookUrl', 'events', 'seen']) {
		delete registration[key];
	}
}

function memoryScope(context: IHookFunctions | IWebhookFunctions, webhookId: string): string {
	return `${context.getWorkflow().id ?? ''}:${context.getNode().id}:${webhookId}`;
}

function selectedEvents(context: IHookFunctions | IWebhookFunctions): string[] {
	const options = context.getNodeParameter('options', {}) as IDataObject;
	return eventList(context.getNodeParameter('events', []), options.additionalEvents);
}

function sameEvents(a: unknown, b: string[]): boolean {
	const left = eventList(a);
	return left.length === b.length && left.every((event, index) => event === b[index]);
}

function webhookUrlOf(context: IHookFunctions): string {
	const url = context.getNodeWebhookUrl('default');
	if (!url) throw new NodeOperationError(context.getNode(), 'n8n did not provide a webhook URL for this node');
	return url;
}

/** VoxPria delivers only to HTTPS; say so before VoxPria does, with the fix. */
function assertDeliverable(context: IHookFunctions, url: string): void {
	const { allowHttp } = context.getNodeParameter('options', {}) as IDataObject;
	if (url.startsWith('https://') || allowHttp === true) return;
	throw new NodeOperationError(
		context.getNode(),
		`VoxPria only delivers webhooks to HTTPS URLs, and n8n's webhook URL for this node is ${url}`,
		{
			description:
				"Set n8n's WEBHOOK_URL environment variable to the public https:// address that reaches this n8n (for example through a reverse proxy or a tunnel such as ngrok or Cloudflare Tunnel), then activate again. For local testing only, turn on Options → Allow HTTP URL.",
		},
	);
}

async function deleteRemote(this: IHookFunctions, webhookId: string): Promise<void> {
	try {
		await voxPriaRequest.call(this, 'DELETE', `/webhooks/${encodeURIComponent(webhookId)}`);
	} catch (error) {
		// Already gone is what we wanted.
		if (error instanceof NodeApiError && error.httpCode === '404') return;
		throw new NodeApiError(this.getNode(), error as JsonObject);
	}
}

/** Removes every registration that points at this node's URL; none of them has a secret we know. */
async function removeRegistrationsFor(this: IHookFunctions, url: string, keep?: string): Promise<void> {
	const webhooks = (await listAll.call(this, '/webhooks', { idField: 'webhookId' })) as unknown as RemoteWebhook[];
	for (const webhook of webhooks) {
		if (webhook.url === url && webhook.webhookId !== keep) await deleteRemote.call(this, webhook.webhookId);
	}
}

export class VoxPriaTrigger implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'VoxPria Trigger',
		name: 'voxPriaTrigger',
		icon: { light: 'file:../../icons/voxpria.svg', dark: 'file:../../icons/voxpria.dark.svg' },
		group: ['trigger'],
		version: 1,
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
					'When the workflow is activated, this node registers its own webhook with VoxPria and removes it again when the workflow is deactivated. Every delivery is checked against the signing secret VoxPria issues for that registration.',
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
							"Whether to register n8n's webhook URL even when it is not HTTPS. VoxPria delivers only to HTTPS, so use this for local testing against a sandbox only.",
					},
					{
						displayName: 'Ignore Duplicates',
						name: 'ignoreDuplicates',
						type: 'boolean',
						default: true,
						description:
							'Whether to start the workflow only once when VoxPria delivers the same event again (it retries deliveries). The last 2,000 deliveries of the last 24 hours are remembered.',
					},
					{
						displayName: 'Include Headers',
						name: 'includeHeaders',
						type: 'boolean',
						default: false,
						description: 'Whether to add the HTTP request headers of the delivery to the output under "headers"',
					},
					{
						displayName: 'Skip Signature Check',
						name: 'skipSignatureCheck',
						type: 'boolean',
						default: false,
						description:
							'Whether to accept deliveries without checking their X-Voxpria-Signature. Unsafe: only for debugging.',
					},
				],
			},
		],
	};

	webhookMethods = {
		default: {
			async checkExists(this: IHookFunctions): Promise<boolean> {
				const registration = registrationOf(this);
				const url = webhookUrlOf(this);
				const events = selectedEvents(this);
				const webhooks = (await listAll.call(this, '/webhooks', {
					idField: 'webhookId',
				})) as unknown as RemoteWebhook[];

				const mine = webhooks.find((webhook) => webhook.webhookId === registration.webhookId);
				const forThisUrl = webhooks.filter((webhook) => webhook.url === url);
				const current =
					mine !== undefined &&
					typeof registration.secret === 'string' &&
					registration.secret !== '' &&
					mine.url === url &&
					mine.active !== false &&
					sameEvents(mine.events, events) &&
					forThisUrl.length === 1;
				if (current) return true;

				// Gone, stale, or registered by an earlier run that lost its secret: remove it all
				// so that create() leaves exactly one registration for this URL.
				const stale = new Set(forThisUrl.map((webhook) => webhook.webhookId));
				if (mine) stale.add(mine.webhookId);
				for (const webhookId of stale) await deleteRemote.call(this, webhookId);
				forgetRegistration(this, registration);
				return false;
			},

			async create(this: IHookFunctions): Promise<boolean> {
				const registration = registrationOf(this);
				const url = webhookUrlOf(this);
				assertDeliverable(this, url);
				const events = selectedEvents(this);
				if (events.length === 0) {
					throw new NodeOperationError(this.getNode(), 'Select at least one event to subscribe to');
				}

				let created: IDataObject;
				try {
					created = (await voxPriaRequest.call(this, 'POST', '/webhooks', {
						body: { url, events, active: true },
					})) as IDataObject;
				} catch (error) {
					const failure = new NodeApiError(this.getNode(), error as JsonObject);
					// A timeout or a server error may still have registered the URL at VoxPria.
					if (!failure.httpCode || Number(failure.httpCode) >= 500) {
						try {
							await removeRegistrationsFor.call(this, url);
						} catch (cleanupError) {
							failure.description = `${failure.description ?? ''} A registration for ${url} may remain at VoxPria (${(cleanupError as Error).message}); the next activation removes it.`.trim();
						}
					}
					throw failure;
				}

				const webhookId = typeof created?.webhookId === 'string' ? created.webhookId : undefined;
				const secret = typeof created?.secret === 'string' ? created.secret : undefined;
				if (!webhookId || !secret) {
					if (webhookId) await deleteRemote.call(this, webhookId);
					throw new NodeOperationError(
						this.getNode(),
						`VoxPria's answer to registering the webhook lacks ${webhookId ? 'the signing secret' : 'the webhook ID'}, so deliveries could not be verified; nothing was kept registered`,
						{
							description:
								'This is unexpected from VoxPria. Try activating again; if it keeps happening, contact VoxPria support.',
						},
					);
				}

				forgetRegistration(this, registration);
				Object.assign(registration, { webhookId, secret, webhookUrl: url, events });
				return true;
			},

			async delete(this: IHookFunctions): Promise<boolean> {
				const registration = registrationOf(this);
				if (registration.webhookId) {
					await deleteRemote.call(this, registration.webhookId);
				} else {
					// Static data was lost: find what this URL may still have at VoxPria.
					await removeRegistrationsFor.call(this, webhookUrlOf(this));
				}
				forgetRegistration(this, registration);
				return true;
			},
		},
	};

	async webhook(this: IWebhookFunctions): Promise<IWebhookResponseData> {
		const options = this.getNodeParameter('options', {}) as IDataObject;
		const registration = registrationOf(this);
		const headers = this.getHeaderData();
		const memory =
			options.ignoreDuplicates === false
				? undefined
				: memoryFor(memoryScope(this, registration.webhookId ?? ''), registration.seen);

		const verdict = checkDelivery(
			{
				signatureHeader: headers[SIGNATURE_HEADER],
				rawBody: this.getRequestObject().rawBody as Buffer | undefined,
				parsedBody: this.getBodyData(),
			},
			{
				secret: registration.secret,
				events: selectedEvents(this),
				skipSignatureCheck: options.skipSignatureCheck === true,
				memory,
			},
		);

		if (!verdict.payload) {
			// Nothing to run: answer here, so n8n records no execution.
			this.getResponseObject().status(verdict.status).json(verdict.body);
			return { noWebhookResponse: true };
		}

		if (memory) {
			const { key } = verdict;
			// A reference, not a copy: n8n serialises it when it saves static data (deliveryMemory.ts).
			registration.seen = memory;
			// n8n saves static data after it has recorded the execution and before it answers, but
			// recording it first rebuilds the workflow around this same static data and clears n8n's
			// "changed" mark. Setting it again after that (the next macrotask) gets the memory saved.
			void sleep(0).then(() => {
				registration.seen = memory;
			});
			// If n8n could not record the execution it answers 5xx and VoxPria retries: let that retry in.
			const response = this.getResponseObject();
			response.once('finish', () => {
				if (response.statusCode >= 500) memory.forget(key);
			});
		}
		// n8n answers (an empty 200) once the execution is recorded, before it runs.
		const json = options.includeHeaders === true ? { ...verdict.payload, headers: headers as IDataObject } : verdict.payload;
		return { workflowData: [this.helpers.returnJsonArray(json)] };
	}
}
