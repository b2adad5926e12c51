import type { IWebhookFunctions } from 'n8n-workflow';

import { observeRegistration, type TriggerState } from './processState';
import {
	deleteRemote,
	describeTrigger,
	findOutdated,
	registerWebhook,
	selectedEvents,
	webhookUrlOf,
} from './registration';
import {
	readSavedMemory,
	saveAfterRequest,
	type Registration,
	type StoredNodeData,
} from './storedState';

/** A signature failure makes this process ask VoxPria at most this often... */
export const STALE_CHECK_INTERVAL_MS = 60_000;
/**
 * ...and a foreign registration for our URL must still be there this much later before it is
 * replaced: while a workflow is being activated in another process, VoxPria already has the new
 * registration a moment before n8n has saved it.
 */
export const STALE_CONFIRM_MS = 10_000;

/**
 * Heals a trigger whose saved registration is outdated, without the user. In n8n's queue mode a
 * request that began in one webhook process before the workflow was re-published can write the old
 * registration back over the new one; no process then holds the secret VoxPria signs with, and
 * every delivery fails its signature check. When VoxPria confirms it (our registration is gone, and
 * what is registered for our URL stays so for STALE_CONFIRM_MS), the trigger removes what it cannot
 * verify and registers again. Deliveries VoxPria sent to the replaced registration are lost; the
 * README says how many that can be.
 */
export async function healIfOutdated(
	context: IWebhookFunctions,
	state: TriggerState,
	stored: StoredNodeData,
	known: Registration | undefined,
	now: number,
): Promise<void> {
	if (context.getMode() === 'manual') return;
	const interval = state.suspect ? STALE_CONFIRM_MS : STALE_CHECK_INTERVAL_MS;
	if (now - state.lastStaleCheckAt < interval) return;
	state.lastStaleCheckAt = now;
	try {
		const url = webhookUrlOf(context);
		const foreign = await findOutdated(context, known, url);
		if (!foreign) {
			state.suspect = undefined;
			return;
		}
		const ids = foreign
			.map((webhook) => webhook.webhookId)
			.sort()
			.join(', ');
		if (state.suspect?.webhookIds !== ids) {
			state.suspect = { webhookIds: ids, since: now };
			context.logger.warn(
				`VoxPria Trigger's saved registration ${known?.webhookId ?? '(none)'} is not registered at VoxPria${ids ? ` (VoxPria has ${ids} for this URL)` : ''}; it re-registers if that is still so in ${STALE_CONFIRM_MS / 1000} s ${describeTrigger(context)}`,
			);
			return;
		}
		if (now - state.suspect.since < STALE_CONFIRM_MS) return;
		for (const webhook of foreign) await deleteRemote(context, webhook.webhookId);
		const registration = await registerWebhook(context, url, selectedEvents(context));
		observeRegistration(state, registration);
		state.suspect = undefined;
		saveAfterRequest(stored, () => ({
			registration: observeRegistration(state),
			savedMemory: state.memory ? state.memory.toSaved() : readSavedMemory(stored),
		}));
		context.logger.warn(
			`VoxPria Trigger re-registered as ${registration.webhookId}, replacing ${ids || 'nothing'}, because its saved registration was outdated ${describeTrigger(context)}`,
		);
	} catch (error) {
		context.logger.warn(
			`VoxPria Trigger could not check its registration at VoxPria after a signature failure: ${(error as Error).message} ${describeTrigger(context)}`,
		);
	}
}
