import { randomBytes } from 'crypto';
import { sleep } from 'n8n-workflow';

import type { DeliveryKey, DeliveryMemory } from './deliveryMemory';
import type { TriggerState } from './processState';
import type { Writer } from './storedState';

/**
 * In n8n's queue mode, several webhook processes save the trigger's static data, each writing the
 * whole object: a save made from an older view drops deliveries another process saved a moment
 * before (last writer wins; n8n offers no atomic update). The other process's memory still has
 * them, and every request merges what it loads, so each process learns them within a few requests;
 * but a copy of such a delivery that reaches the process that has not learned it yet would run a
 * second time.
 *
 * VoxPria sends events in the order they happen; a copy (a retry) comes later, after newer events.
 * So when this process has seen another process's save lately, a delivery new to it that is dated
 * well before the newest delivery it knows waits a moment for the requests that keep arriving to
 * tell it whether another process already ran it. Fresh deliveries never wait.
 *
 * The wait ends as soon as the answer is known. A save by another process holds every delivery
 * that process has recorded; a copy arrives after its original was recorded and answered. So once
 * this process has loaded, from every other process saving lately, a save stamped after the copy
 * arrived, a delivery missing from all of them ran nowhere else. Under load (when originals, too,
 * reach n8n late) such saves come every few hundred milliseconds; the full wait is for a quiet
 * moment. The stamps are the processes' clocks: run them synchronised (NTP), as any cluster is.
 */

/** Written with every save, so that a process can tell another process's save from its own. */
export const PROCESS_ID = randomBytes(6).toString('base64url');

/** Another process's save seen this recently means other processes are saving too. */
const OTHERS_RECENT_MS = 10 * 60_000;
/** Dated this much before the newest delivery known is "late". */
const LATE_MS = 1_000;
export const LATE_WAIT_MS = 3_000;
const POLL_MS = 50;

/** Takes note of who wrote the static data a request loaded. */
export function noteWriter(state: TriggerState, writer: Writer | undefined, now: number): void {
	if (!writer || writer.processId === PROCESS_ID) return;
	const saves = (state.othersSaves ??= new Map());
	const known = saves.get(writer.processId);
	saves.set(writer.processId, {
		savedAt: Math.max(known?.savedAt ?? 0, writer.savedAt),
		loadedAt: now,
	});
	// Processes that stopped saving (restarted ones have a new id) are forgotten.
	for (const [processId, seen] of saves) {
		if (now - seen.loadedAt > OTHERS_RECENT_MS) saves.delete(processId);
	}
}

/** A delivery new to this process that may be a copy another process ran (see above). */
export function mayBeLateCopy(
	state: TriggerState,
	memory: DeliveryMemory,
	at: number,
	now: number,
): boolean {
	const othersSavingLately = [...(state.othersSaves?.values() ?? [])].some(
		(seen) => now - seen.loadedAt <= OTHERS_RECENT_MS,
	);
	return othersSavingLately && at < memory.newest - LATE_MS;
}

/** Whether every other process saving lately has saved since `since`, as loaded here. */
function othersSavedSince(state: TriggerState, since: number): boolean {
	for (const seen of state.othersSaves?.values() ?? []) {
		if (seen.savedAt <= since) return false;
	}
	return true;
}

/**
 * Waits up to LATE_WAIT_MS for other requests of this process to load saves that tell whether
 * another process ran the delivery that arrived at `arrivedAt`. Answers true when one did.
 */
export async function ranElsewhere(
	state: TriggerState,
	memory: DeliveryMemory,
	key: DeliveryKey,
	at: number,
	arrivedAt: number,
): Promise<boolean> {
	for (let waited = 0; waited < LATE_WAIT_MS; waited += POLL_MS) {
		await sleep(POLL_MS);
		if (memory.recall(key, at) === 'recorded') return true;
		if (othersSavedSince(state, arrivedAt)) return false;
	}
	return false;
}
