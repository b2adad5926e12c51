import type { IWebhookFunctions } from 'n8n-workflow';

import type { TriggerState } from './processState';
import { describeTrigger, isRegistered } from './registration';
import type { Registration } from './storedState';

/**
 * In n8n's queue mode a request that loaded the static data before the workflow was re-published
 * writes the old registration back when it saves (n8n saves static data whole), and the secret of
 * the new one is then lost: every later delivery would fail its signature check until the trigger
 * heals (outdatedRegistration.ts). A webhook process cannot see the database or the main process,
 * so such a request must find out from VoxPria before it saves: if VoxPria no longer holds the
 * registration the request loaded, it does not save at all.
 *
 * Asking costs a VoxPria request, so only requests that may have been in flight across a
 * re-publish ask: those this process knows no newer registration for, older by IN_FLIGHT_MS or
 * more than the youngest delivery it saw lately (measured: a re-publish in queue mode takes about
 * 1.5 s; deliveries under load reach webhook() within about 0.5 s), or undated. The baseline
 * absorbs a steady clock offset, and is learnt only from requests that did not have to ask: the
 * first request a process sees may itself be the one in flight. Answers are shared for
 * CHECK_REUSE_MS.
 */
export const IN_FLIGHT_MS = 1_000;
export const CHECK_REUSE_MS = 10_000;
/** How long the youngest delivery's age stays the baseline. */
const BASELINE_MS = 10 * 60_000;

/** Whether this request may save what it loaded (with what it adds) back to the database. */
export async function mayWriteBack(
	context: IWebhookFunctions,
	state: TriggerState,
	loaded: Registration | undefined,
	newest: Registration | undefined,
	signedAt: number | undefined,
	now: number,
): Promise<boolean> {
	// A newer registration known here is what the save writes; none loaded, nothing to lose; test
	// registrations are made and removed by this process.
	if (!loaded || newest?.webhookId !== loaded.webhookId || context.getMode() === 'manual')
		return true;
	if (state.registeredHere === loaded.webhookId) return true;
	if (state.retiredWebhookId === loaded.webhookId) return false;
	const age = signedAt === undefined ? Infinity : now - signedAt;
	const youngest =
		state.youngest && now - state.youngest.at < BASELINE_MS ? state.youngest : undefined;
	if (age <= (youngest?.ageMs ?? 0) + IN_FLIGHT_MS) {
		if (!youngest || age <= youngest.ageMs) state.youngest = { ageMs: age, at: now };
		return true;
	}

	let check = state.registrationCheck;
	if (!check || check.webhookId !== loaded.webhookId || now - check.at > CHECK_REUSE_MS) {
		const webhookId = loaded.webhookId;
		const present = isRegistered(context, webhookId).then(
			(registered) => {
				if (!registered) state.retiredWebhookId = webhookId;
				return registered;
			},
			(error: Error) => {
				// Unknown: not saving is safe; the delivery still runs and reaches the saved memory with
				// this process's next save.
				context.logger.warn(
					`VoxPria Trigger could not ask VoxPria whether its registration is still current, so requests that may predate a re-publish do not save for ${CHECK_REUSE_MS / 1000} s: ${error.message} ${describeTrigger(context)}`,
				);
				return false;
			},
		);
		check = { webhookId, at: now, present };
		state.registrationCheck = check;
	}
	return await check.present;
}
