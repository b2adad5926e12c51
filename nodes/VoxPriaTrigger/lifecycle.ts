import type { IHookFunctions } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { observeRegistration, triggerScope, triggerState } from './processState';
import { writeLines } from './refusalLog';
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
import { readRegistration, storedNodeData, storeRegistration } from './storedState';

/**
 * The webhook lifecycle n8n runs at activation (checkExists, then create when needed) and at
 * deactivation (delete). n8n saves the node's static data after each returns.
 */

/** Whether the saved registration is VoxPria's only one for this URL; removes every other. */
export async function checkRegistration(context: IHookFunctions): Promise<boolean> {
	const stored = storedNodeData(context);
	const state = triggerState(triggerScope(context));
	const registration = observeRegistration(state, readRegistration(stored));
	const { current, removed } = await removeStaleRegistrations(
		context,
		registration,
		webhookUrlOf(context),
		selectedEvents(context),
	);
	if (removed.length > 0) {
		context.logger.info(
			`VoxPria Trigger removed outdated registrations ${removed.join(', ')} before registering again ${describeTrigger(context)}`,
		);
	}
	if (current) {
		storeRegistration(stored, registration);
		return true;
	}
	storeRegistration(stored, undefined);
	observeRegistration(state, { removedAt: Date.now() });
	return false;
}

export async function createRegistration(context: IHookFunctions): Promise<boolean> {
	const url = webhookUrlOf(context);
	assertDeliverable(context, url);
	const events = selectedEvents(context);
	if (events.length === 0) {
		throw new NodeOperationError(context.getNode(), 'Select at least one event to subscribe to');
	}
	const registration = await registerWebhook(context, url, events);
	storeRegistration(storedNodeData(context), registration);
	const state = triggerState(triggerScope(context));
	observeRegistration(state, registration);
	state.registeredHere = registration.webhookId;
	context.logger.info(
		`VoxPria Trigger registered webhook ${registration.webhookId} for ${url} (${events.join(', ')}) ${describeTrigger(context)}`,
	);
	return true;
}

export async function deleteRegistration(context: IHookFunctions): Promise<boolean> {
	const stored = storedNodeData(context);
	const state = triggerState(triggerScope(context));
	const loaded = readRegistration(stored);
	const newest = observeRegistration(state, loaded);
	const ids = [
		...new Set([loaded?.webhookId, newest?.webhookId].filter((id): id is string => !!id)),
	];
	// Static data lost: find what this URL may still have at VoxPria.
	if (ids.length === 0) ids.push(...(await removeRegistrationsFor(context, webhookUrlOf(context))));
	else for (const webhookId of ids) await deleteRemote(context, webhookId);
	storeRegistration(stored, undefined);
	observeRegistration(state, { removedAt: Date.now() });
	writeLines(context.logger, state.refusals.flush());
	if (ids.length > 0) {
		context.logger.info(
			`VoxPria Trigger removed webhook ${ids.join(', ')} ${describeTrigger(context)}`,
		);
	}
	return true;
}
