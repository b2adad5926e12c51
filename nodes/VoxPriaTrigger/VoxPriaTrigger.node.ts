import type {
	IDataObject,
	IHookFunctions,
	INodeType,
	INodeTypeDescription,
	IWebhookFunctions,
	IWebhookResponseData,
} from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { checkDelivery } from './checkDelivery';
import { DEFAULT_REPLAY_WINDOW_HOURS, triggerDescription } from './description';
import { deliveryItem } from './deliveryOutput';
import { rememberUntilRecorded, saveNewestKnown } from './deliveryPersistence';
import { healIfOutdated } from './outdatedRegistration';
import { memoryWith, observeRegistration, triggerScope, triggerState } from './processState';
import { requestFacts, writeLines } from './refusalLog';
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
import { readRegistration, readSavedMemory, storedNodeData, storeRegistration } from './storedState';
import { SIGNATURE_HEADER } from './verifySignature';

/** Whether n8n decoded the body as UTF-8: it uses the content type's charset, which is not signed. */
function parsedAsUtf8(contentType: unknown): boolean {
	const charset = /;\s*charset="?([^";]+)/i.exec(String(contentType ?? ''))?.[1];
	return !charset || /^utf-?8$/i.test(charset.trim());
}

export class VoxPriaTrigger implements INodeType {
	description: INodeTypeDescription = triggerDescription;

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
				const ids = [...new Set([loaded?.webhookId, newest?.webhookId].filter((id): id is string => !!id))];
				// Static data lost: find what this URL may still have at VoxPria.
				if (ids.length === 0) ids.push(...(await removeRegistrationsFor(this, webhookUrlOf(this))));
				else for (const webhookId of ids) await deleteRemote(this, webhookId);
				storeRegistration(stored, undefined);
				observeRegistration(state, { removedAt: Date.now() });
				writeLines(this.logger, state.refusals.flush());
				if (ids.length > 0) {
					this.logger.info(`VoxPria Trigger removed webhook ${ids.join(', ')} ${describeTrigger(this)}`);
				}
				return true;
			},
		},
	};

	async webhook(this: IWebhookFunctions): Promise<IWebhookResponseData> {
		const now = Date.now();
		const options = this.getNodeParameter('options', {}) as IDataObject;
		const request = this.getRequestObject();
		const headers = this.getHeaderData() as IDataObject;
		const stored = storedNodeData(this);
		const state = triggerState(triggerScope(this), now);
		const loaded = readRegistration(stored);
		const newest = observeRegistration(state, loaded);
		const memory =
			options.ignoreDuplicates === false ? undefined : memoryWith(state, readSavedMemory(stored));
		const windowHours = Number(options.replayWindowHours ?? DEFAULT_REPLAY_WINDOW_HOURS);
		const parsedBody = this.getBodyData();

		const verdict = checkDelivery(
			{
				signatureHeader: headers[SIGNATURE_HEADER],
				rawBody: request.rawBody as Buffer | undefined,
				parsedBody,
				parsedAsUtf8: parsedAsUtf8(headers['content-type']),
			},
			{
				// The registration this request loaded, and a newer one this process knows of.
				secrets: [...new Set([loaded?.secret, newest?.secret].filter((secret): secret is string => !!secret))],
				events: selectedEvents(this),
				skipSignatureCheck: options.skipSignatureCheck === true,
				memory,
				windowMs: (Number.isFinite(windowHours) && windowHours > 0 ? windowHours : DEFAULT_REPLAY_WINDOW_HOURS) * 3_600_000,
				now,
			},
		);
		writeLines(this.logger, state.refusals.due(now));

		if (!verdict.accepted) {
			if (verdict.reason) {
				writeLines(this.logger, state.refusals.note(verdict as Required<typeof verdict>, requestFacts(this, parsedBody), now));
			}
			if (verdict.secretMismatch) await healIfOutdated(this, state, stored, newest, now);
			else if (verdict.signed) saveNewestKnown(stored, state, loaded, memory);
			// Nothing to run: answer here, so n8n records no execution.
			const response = this.getResponseObject();
			for (const [name, value] of Object.entries(verdict.headers ?? {})) response.setHeader(name, value);
			response.status(verdict.status).json(verdict.body);
			return { noWebhookResponse: true };
		}

		if (memory) rememberUntilRecorded(this, stored, state, memory, verdict.key);
		else saveNewestKnown(stored, state, loaded, undefined);
		// n8n answers (an empty 200) once the execution is recorded, before it runs.
		const item = deliveryItem(verdict.payload, options.includeHeaders === true ? headers : undefined);
		return { workflowData: [[item]] };
	}
}
