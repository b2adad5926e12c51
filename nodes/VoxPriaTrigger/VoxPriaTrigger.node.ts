/**
 * The VoxPria Trigger: its description (which n8n's linter wants in this file), the webhook
 * lifecycle n8n runs at activation and deactivation, and webhook() for each delivery. Over 250
 * lines because of the description; the work is done in the modules beside it: registration.ts
 * (VoxPria side), checkDelivery.ts (what to answer), deliveryMemory.ts and deliveryPersistence.ts
 * (duplicates), storedState.ts and processState.ts (what is kept where), refusalLog.ts.
 */
import type {
	IDataObject,
	IHookFunctions,
	INodeType,
	INodeTypeDescription,
	IWebhookFunctions,
	IWebhookResponseData,
} from 'n8n-workflow';
import { NodeConnectionTypes, NodeOperationError } from 'n8n-workflow';

import { WEBHOOK_EVENTS } from '../shared/events';

import { checkDelivery, type DeliveryRules, type Refused } from './checkDelivery';
import { MAX_ENTRIES } from './deliveryMemory';
import { deliveryItem } from './deliveryOutput';
import { rememberUntilRecorded, saveNewestKnown } from './deliveryPersistence';
import { mayBeLateCopy, noteWriter, ranElsewhere } from './lateCopies';
import { healIfOutdated } from './outdatedRegistration';
import { memoryWith, observeRegistration, triggerScope, triggerState } from './processState';
import { requestFacts, writeLines } from './refusalLog';
import { readRawBody } from './requestBody';
import {
	assertDeliverable,
	deleteRemote,
	describeTrigger,
	registerWebhook,
	removeRegistrationsFor,
	removeStaleRegistrations,
	selectedEvents,
	webhookUrlOf,
} from './registration';
import {
	readRegistration,
	readSavedMemory,
	readWriter,
	storedNodeData,
	storeRegistration,
} from './storedState';
import { SIGNATURE_HEADER } from './verifySignature';

const DEFAULT_REPLAY_WINDOW_HOURS = 24;

/** A copy another webhook process had run, found out by waiting (lateCopies.ts). */
const LATE_DUPLICATE: Refused = {
	accepted: false,
	status: 200,
	body: { received: true, duplicate: true },
	reason: 'duplicate',
	detail: 'another n8n process already started an execution for this delivery',
	signed: true,
};

/** Whether n8n decoded the body as UTF-8: it uses the content type's charset, which is not signed. */
function parsedAsUtf8(contentType: unknown): boolean {
	const charset = /;\s*charset="?([^";]+)/i.exec(String(contentType ?? ''))?.[1];
	return !charset || /^utf-?8$/i.test(charset.trim());
}

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
				const stored = storedNodeData(this);
				const state = triggerState(triggerScope(this));
				const registration = observeRegistration(state, readRegistration(stored));
				const { current, removed } = await removeStaleRegistrations(
					this,
					registration,
					webhookUrlOf(this),
					selectedEvents(this),
				);
				if (removed.length > 0) {
					this.logger.info(
						`VoxPria Trigger removed outdated registrations ${removed.join(', ')} before registering again ${describeTrigger(this)}`,
					);
				}
				if (current) {
					storeRegistration(stored, registration);
					return true;
				}
				storeRegistration(stored, undefined);
				observeRegistration(state, { removedAt: Date.now() });
				return false;
			},

			async create(this: IHookFunctions): Promise<boolean> {
				const url = webhookUrlOf(this);
				assertDeliverable(this, url);
				const events = selectedEvents(this);
				if (events.length === 0) {
					throw new NodeOperationError(this.getNode(), 'Select at least one event to subscribe to');
				}
				const registration = await registerWebhook(this, url, events);
				storeRegistration(storedNodeData(this), registration);
				observeRegistration(triggerState(triggerScope(this)), registration);
				this.logger.info(
					`VoxPria Trigger registered webhook ${registration.webhookId} for ${url} (${events.join(', ')}) ${describeTrigger(this)}`,
				);
				return true;
			},

			async delete(this: IHookFunctions): Promise<boolean> {
				const stored = storedNodeData(this);
				const state = triggerState(triggerScope(this));
				const loaded = readRegistration(stored);
				const newest = observeRegistration(state, loaded);
				const ids = [
					...new Set([loaded?.webhookId, newest?.webhookId].filter((id): id is string => !!id)),
				];
				// Static data lost: find what this URL may still have at VoxPria.
				if (ids.length === 0) ids.push(...(await removeRegistrationsFor(this, webhookUrlOf(this))));
				else for (const webhookId of ids) await deleteRemote(this, webhookId);
				storeRegistration(stored, undefined);
				observeRegistration(state, { removedAt: Date.now() });
				writeLines(this.logger, state.refusals.flush());
				if (ids.length > 0) {
					this.logger.info(
						`VoxPria Trigger removed webhook ${ids.join(', ')} ${describeTrigger(this)}`,
					);
				}
				return true;
			},
		},
	};

	async webhook(this: IWebhookFunctions): Promise<IWebhookResponseData> {
		const request = this.getRequestObject();
		const raw = await readRawBody(request);
		const now = Date.now();
		const options = this.getNodeParameter('options', {}) as IDataObject;
		const headers = this.getHeaderData() as IDataObject;
		const stored = storedNodeData(this);
		const state = triggerState(triggerScope(this), now);
		const loaded = readRegistration(stored);
		const newest = observeRegistration(state, loaded);
		noteWriter(state, readWriter(stored), now);
		const memory =
			options.ignoreDuplicates === false ? undefined : memoryWith(state, readSavedMemory(stored));
		const windowHours = Number(options.replayWindowHours ?? DEFAULT_REPLAY_WINDOW_HOURS);
		const parsedBody = this.getBodyData();

		const rules: DeliveryRules = {
			// The registration this request loaded, and a newer one this process knows of.
			secrets: [
				...new Set([loaded?.secret, newest?.secret].filter((secret): secret is string => !!secret)),
			],
			events: selectedEvents(this),
			skipSignatureCheck: options.skipSignatureCheck === true,
			memory,
			windowMs:
				(Number.isFinite(windowHours) && windowHours > 0
					? windowHours
					: DEFAULT_REPLAY_WINDOW_HOURS) * 3_600_000,
			now,
		};
		const verdict = Buffer.isBuffer(raw)
			? checkDelivery(
					{
						signatureHeader: headers[SIGNATURE_HEADER],
						rawBody: raw,
						parsedBody,
						parsedAsUtf8: parsedAsUtf8(headers['content-type']),
					},
					rules,
				)
			: raw;
		writeLines(this.logger, state.refusals.due(now));

		const answer = async (refused: Refused): Promise<IWebhookResponseData> => {
			if (refused.reason) {
				const facts = requestFacts(this, parsedBody);
				writeLines(this.logger, state.refusals.note(refused as Required<Refused>, facts, now));
			}
			if (refused.secretMismatch) await healIfOutdated(this, state, stored, newest, now);
			else if (refused.signed) saveNewestKnown(stored, state, loaded, memory);
			// Nothing to run: answer here, so n8n records no execution.
			const response = this.getResponseObject();
			for (const [name, value] of Object.entries(refused.headers ?? {})) {
				response.setHeader(name, value);
			}
			response.status(refused.status).json(refused.body);
			return { noWebhookResponse: true };
		};
		if (!verdict.accepted) return await answer(verdict);

		if (memory && mayBeLateCopy(state, memory, verdict.at, now)) {
			if (await ranElsewhere(state, memory, verdict.key, verdict.at, now)) {
				return await answer(LATE_DUPLICATE);
			}
		}
		if (memory) rememberUntilRecorded(this, stored, state, memory, verdict.key);
		else saveNewestKnown(stored, state, loaded, undefined);
		// n8n answers (an empty 200) once the execution is recorded, before it runs.
		const item = deliveryItem(
			verdict.payload,
			options.includeHeaders === true ? headers : undefined,
		);
		return { workflowData: [[item]] };
	}
}
