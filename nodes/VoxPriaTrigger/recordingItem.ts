import type { IDataObject, INodeExecutionData, IWebhookFunctions } from 'n8n-workflow';

import { downloadRecording, recordingUrlOf } from '../shared/recording';

/** The trigger's Download Recording option: the call's recording as the item's binary `data`. */

/** The events whose data is a call that has ended, with its recording URL. */
export const RECORDING_EVENTS = ['call.completed', 'call.ended'];

/**
 * How long the download may delay n8n's answer to VoxPria, at most. VoxPria documents no timeout
 * but asks for a quick 200; a recording that takes longer comes without the file.
 */
export const RECORDING_TIMEOUT_MS = 4_000;

export const BINARY_FIELD = 'data';

/**
 * Downloads the recording of a call event into `item` (binary `data`). Never throws: a delivery
 * must not be lost or refused because its recording could not be fetched, so a failure leaves
 * the item without binary data and with `recordingError` saying why.
 */
export async function attachRecording(
	context: IWebhookFunctions,
	item: INodeExecutionData,
): Promise<void> {
	const { event, data } = item.json;
	if (!RECORDING_EVENTS.includes(String(event))) return;
	const call = (
		data && typeof data === 'object' && !Array.isArray(data) ? data : {}
	) as IDataObject;
	const callId = String(call.callId ?? call.id ?? '');
	try {
		if (typeof call.recording !== 'string' && call.status === undefined) {
			throw new Error(
				`The ${String(event)} event of call ${callId || '?'} carries no recording URL`,
			);
		}
		const url = recordingUrlOf(context.getNode(), call);
		const file = await downloadRecording(context, url, callId, { timeoutMs: RECORDING_TIMEOUT_MS });
		item.binary = { [BINARY_FIELD]: file };
	} catch (error) {
		const message = error instanceof Error ? error.message : String(error);
		item.json = { ...item.json, recordingError: message };
		context.logger.warn(
			`VoxPria Trigger: the recording of call ${callId} was not attached: ${message}`,
		);
	}
}
