import type { IWebhookFunctions } from 'n8n-workflow';
import { sleep } from 'n8n-workflow';

import type { TriggerState } from './processState';
import { describeTrigger, isRegistered } from './registration';
import type { Registration } from './storedState';

/**
 * In n8n's queue mode a request that loaded the static data before the workflow was re-published
 * writes the old registration back when it saves (n8n saves static data whole), and the secret of
 * the new one is then lost: every later delivery would fail its signature check until the trigger
 * heals (outdatedRegistration.ts). A webhook process cannot see the database or the main process,
 * and n8n does not say when a request's static data was loaded, so the delivery's age stands in.
 *
 * A request that may have been in flight across a re-publish (older by IN_FLIGHT_MS or more than
 * the youngest delivery this process saw lately, or undated) saves only once it knows the save is
 * safe: when this process has seen a delivery signed after the request reached the trigger (that
 * one's request loaded the static data later, so either the registration was still current then,
 * or this process now knows the newer one and the save writes that), or when VoxPria, asked after
 * the request arrived, still holds the registration it loaded. Under load the first comes within
 * milliseconds; in a quiet moment the request waits EVIDENCE_WAIT_MS, then asks (one listing of
 * the webhooks, shared by the requests that wait for it; ASK_BURST at once, then one a minute, well
 * within VoxPria's 1,000 an hour). A request that can do neither does not save, and its delivery
 * reaches the saved memory with this process's next save. A copy that starts nothing neither
 * waits nor asks: a replayed delivery must cost VoxPria's API nothing. Measured: a publish in
 * queue mode takes about 0.4 s, so the tolerance of a second this had before let a publish through.
 */
export const IN_FLIGHT_MS = 250;
export const EVIDENCE_WAIT_MS = 1_000;
/** Listings a process may make for this: ASK_BURST at once, then one per ASK_REFILL_MS. */
export const ASK_BURST = 10;
export const ASK_REFILL_MS = 60_000;
const POLL_MS = 50;
/**
 * How long the youngest delivery's age stays the baseline. Short, so that under load (when every
 * request waits its turn in n8n) the baseline follows the ages of the moment.
 */
const BASELINE_MS = 10_000;

/** Takes note of a delivery with a valid signature (only those may count as evidence above). */
export function noteSignedDelivery(state: TriggerState, signedAt: number | undefined): void {
	if (signedAt !== undefined) state.newestSignedAt = Math.max(state.newestSignedAt ?? 0, signedAt);
}

/** Whether this request may save what it loaded (with what it adds) back to the database. */
export async function mayWriteBack(
	context: IWebhookFunctions,
	state: TriggerState,
	loaded: Registration | undefined,
	newest: Registration | undefined,
	signedAt: number | undefined,
	now: number,
	/** False for a delivery that starts nothing (a copy): it does not wait, nor ask. */
	patient = true,
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
	// The baseline absorbs a steady offset between VoxPria's clock and this one. It is decided on
	// before this request's age is learnt: the first request a process sees may be the one in flight.
	const inFlight = age > (youngest?.ageMs ?? 0) + IN_FLIGHT_MS;
	if (Number.isFinite(age) && (!youngest || age <= youngest.ageMs))
		state.youngest = { ageMs: age, at: now };
	if (!inFlight) return true;
	if (!patient) return false;

	// Signed after this request arrived, in this server's time (VoxPria's clock may run ahead).
	const offset = Math.min(state.youngest?.ageMs ?? 0, 0);
	const signedSince = () => (state.newestSignedAt ?? -Infinity) + offset > now;
	for (let waited = 0; waited < EVIDENCE_WAIT_MS; waited += POLL_MS) {
		if (signedSince()) return true;
		await sleep(POLL_MS);
	}
	if (signedSince()) return true;
	if (state.retiredWebhookId === loaded.webhookId) return false;
	return await askVoxPria(context, state, loaded.webhookId, now);
}

/** Whether VoxPria holds the registration, asked after `since` (an ask under way may be shared). */
async function askVoxPria(
	context: IWebhookFunctions,
	state: TriggerState,
	webhookId: string,
	since: number,
): Promise<boolean> {
	const check = state.registrationCheck;
	if (check && check.webhookId === webhookId && check.at >= since) return await check.present;
	// A bounded number of listings: beyond them the delivery reaches the saved memory later.
	const at = Date.now();
	if (!takeAskToken(state, at)) return false;
	const present = isRegistered(context, webhookId).then(
		(registered) => {
			if (!registered) state.retiredWebhookId = webhookId;
			return registered;
		},
		(error: Error) => {
			// Unknown: not saving is safe; the delivery still runs and reaches the saved memory with
			// this process's next save.
			context.logger.warn(
				`VoxPria Trigger could not ask VoxPria whether its registration is still current, so a delivery that may predate a re-publish was not saved yet: ${error.message} ${describeTrigger(context)}`,
			);
			return false;
		},
	);
	state.registrationCheck = { webhookId, at, present };
	return await present;
}

function takeAskToken(state: TriggerState, now: number): boolean {
	const bucket = state.askBucket ?? { tokens: ASK_BURST, at: now };
	bucket.tokens = Math.min(ASK_BURST, bucket.tokens + (now - bucket.at) / ASK_REFILL_MS);
	bucket.at = now;
	state.askBucket = bucket;
	if (bucket.tokens < 1) return false;
	bucket.tokens -= 1;
	return true;
}
