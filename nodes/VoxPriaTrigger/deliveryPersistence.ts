import type { IWebhookFunctions } from 'n8n-workflow';

import type { DeliveryKey, DeliveryMemory } from './deliveryMemory';
import { observeRegistration, type TriggerState } from './processState';
import {
	keepMarkedUntilSaved,
	readSavedMemory,
	saveAfterRequest,
	type Registration,
	type StoredNodeData,
} from './storedState';

/**
 * Gets an accepted delivery into the saved memory, and only once n8n has recorded its execution.
 *
 * - n8n saves the static data after recording the execution and before answering; the save is
 *   the proof that the execution is recorded, so it turns the delivery from pending to recorded.
 * - Recording first clears n8n's "changed" mark (see keepMarkedUntilSaved): it is set again.
 * - If n8n answers 5xx without a save, it could not record the execution: the delivery is
 *   forgotten, so that VoxPria's retry runs it. A 2xx without a save still means it was recorded.
 * - If the client leaves first (only the response's "close" fires), n8n goes on recording; the
 *   delivery stays pending until the save, or is forgotten when none came by the deadline.
 * - `save` false: this request must not save (republishGuard.ts); the answer alone decides, and
 *   the delivery reaches the saved memory with this process's next save.
 */
export function rememberUntilRecorded(
	context: IWebhookFunctions,
	stored: StoredNodeData,
	state: TriggerState,
	memory: DeliveryMemory,
	key: DeliveryKey,
	save = true,
): void {
	let saved = false;
	let answered = false;
	if (save) {
		saveAfterRequest(
			stored,
			() => ({ registration: observeRegistration(state), savedMemory: memory.toSaved(key) }),
			() => {
				saved = true;
				memory.confirm(key);
			},
		);
	}
	const response = context.getResponseObject();
	response.once('close', () => {
		if (saved || !response.writableFinished) return;
		answered = true;
		if (response.statusCode < 500) memory.confirm(key);
		else memory.forget(key);
	});
	void keepMarkedUntilSaved(save ? stored : undefined, () => saved || answered).then(() => {
		if (!saved && !answered) memory.forget(key);
	});
}

/**
 * For a signed delivery that starts nothing (a duplicate, mostly): saves when the database is
 * behind this process, so that the processes of n8n's queue mode converge. The database is behind
 * when it holds an older registration than the newest this process knows, or lacks recorded
 * deliveries this process holds (another process's save, made from an older view, removed them).
 * Unsigned requests never cause a write.
 */
export function saveNewestKnown(
	stored: StoredNodeData,
	state: TriggerState,
	loaded: Registration | undefined,
	memory: DeliveryMemory | undefined,
): void {
	const newest = observeRegistration(state);
	const registrationBehind = newest !== undefined && newest.webhookId !== loaded?.webhookId;
	const memoryBehind = memory !== undefined && memory.isAheadOf(readSavedMemory(stored));
	if (!registrationBehind && !memoryBehind) return;
	saveAfterRequest(stored, () => ({
		registration: observeRegistration(state),
		savedMemory: memory ? memory.toSaved() : readSavedMemory(stored),
	}));
}
