import type { IDataObject, IWebhookFunctions, IWebhookResponseData } from 'n8n-workflow';

import { checkDelivery, type DeliveryRules, type Refused } from './checkDelivery';
import { deliveryItem } from './deliveryOutput';
import { rememberUntilRecorded, saveNewestKnown } from './deliveryPersistence';
import { mayBeLateCopy, noteWriter, ranElsewhere } from './lateCopies';
import { healIfOutdated } from './outdatedRegistration';
import { attachRecording } from './recordingItem';
import { memoryWith, observeRegistration, triggerScope, triggerState } from './processState';
import { requestFacts, writeLines } from './refusalLog';
import { selectedEvents } from './registration';
import { mayWriteBack, noteSignedDelivery } from './republishGuard';
import { readRawBody } from './requestBody';
import { readRegistration, readSavedMemory, readWriter, storedNodeData } from './storedState';
import { VOXPRIA_HEADER, WEBHOOK_HEADER } from './verifySignature';

export const DEFAULT_REPLAY_WINDOW_HOURS = 24;

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

function replayWindowMs(options: IDataObject): number {
	const hours = Number(options.replayWindowHours ?? DEFAULT_REPLAY_WINDOW_HOURS);
	return (Number.isFinite(hours) && hours > 0 ? hours : DEFAULT_REPLAY_WINDOW_HOURS) * 3_600_000;
}

/**
 * webhook() of the trigger: what to answer to one delivery, and the workflow data when it runs.
 * The rules are in checkDelivery.ts; this puts n8n's request, the trigger's saved state and this
 * process's memory together, answers what does not run, and arranges the saves.
 */
export async function receiveDelivery(context: IWebhookFunctions): Promise<IWebhookResponseData> {
	const request = context.getRequestObject();
	const raw = await readRawBody(request);
	const now = Date.now();
	const options = context.getNodeParameter('options', {}) as IDataObject;
	const headers = context.getHeaderData() as IDataObject;
	const stored = storedNodeData(context);
	const state = triggerState(triggerScope(context), now);
	const loaded = readRegistration(stored);
	const newest = observeRegistration(state, loaded);
	noteWriter(state, readWriter(stored), now);
	const memory =
		options.ignoreDuplicates === false ? undefined : memoryWith(state, readSavedMemory(stored));
	const parsedBody = context.getBodyData();

	const rules: DeliveryRules = {
		// The registration this request loaded, and a newer one this process knows of.
		secrets: [
			...new Set([loaded?.secret, newest?.secret].filter((secret): secret is string => !!secret)),
		],
		events: selectedEvents(context),
		skipSignatureCheck: options.skipSignatureCheck === true,
		memory,
		windowMs: replayWindowMs(options),
		now,
	};
	const verdict = Buffer.isBuffer(raw)
		? checkDelivery(
				{
					voxpriaHeader: headers[VOXPRIA_HEADER],
					webhookHeader: headers[WEBHOOK_HEADER],
					rawBody: raw,
					parsedBody,
					parsedAsUtf8: parsedAsUtf8(headers['content-type']),
				},
				rules,
			)
		: raw;
	if (verdict.accepted || verdict.signed) noteSignedDelivery(state, verdict.signedAt);
	writeLines(context.logger, state.refusals.due(now));
	const mayWrite = (patient = true) =>
		mayWriteBack(context, state, loaded, newest, verdict.signedAt, now, patient);

	const answer = async (refused: Refused): Promise<IWebhookResponseData> => {
		if (refused.reason) {
			const facts = requestFacts(context, parsedBody);
			writeLines(context.logger, state.refusals.note(refused as Required<Refused>, facts, now));
		}
		if (refused.secretMismatch) await healIfOutdated(context, state, stored, newest, now);
		else if (refused.signed && (await mayWrite(false)))
			saveNewestKnown(stored, state, loaded, memory);
		// Nothing to run: answer here, so n8n records no execution.
		const response = context.getResponseObject();
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
	const item = deliveryItem(verdict.payload, options.includeHeaders === true ? headers : undefined);
	// Before the answer (at most RECORDING_TIMEOUT_MS; never fails): a copy meanwhile is pending.
	if (options.downloadRecording === true) await attachRecording(context, item);
	if (memory) rememberUntilRecorded(context, stored, state, memory, verdict.key, await mayWrite());
	else saveNewestKnown(stored, state, loaded, undefined);
	// n8n answers (an empty 200) once the execution is recorded, before it runs.
	return { workflowData: [[item]] };
}
