import type { IHookFunctions, IWebhookFunctions } from 'n8n-workflow';

import { DeliveryMemory } from './deliveryMemory';
import { RefusalLog } from './refusalLog';
import type { Registration } from './storedState';

/**
 * What one n8n process knows about one trigger node, beyond what a request loads from the
 * database: the newest registration it has seen (so that a request holding an older one cannot
 * write it back), the duplicate memory (where a check-and-record is atomic, because no await
 * separates them), the refusal log, and when it last asked VoxPria about a stale registration.
 *
 * In queue mode each webhook process has its own; they meet in the static data that every
 * request loads and every save writes.
 */
export interface TriggerState {
	/** The newest registration seen, or when it was removed (deactivation). */
	known?: Registration | { removedAt: number };
	/**
	 * One memory across re-registrations: keys are signature digests, so entries made under an
	 * old secret match only deliveries signed with it, and age out like any other.
	 */
	memory?: DeliveryMemory;
	refusals: RefusalLog;
	/** When this process last listed VoxPria's webhooks after a signature failure. */
	lastStaleCheckAt: number;
	/** A registration for our URL that we hold no secret for, and since when we have seen it. */
	suspect?: { webhookIds: string; since: number };
	usedAt: number;
	/** The youngest delivery seen lately, how long after it was signed (republishGuard.ts). */
	youngest?: { ageMs: number; at: number };
	/** The last question to VoxPria whether a registration is still there (republishGuard.ts). */
	registrationCheck?: { webhookId: string; at: number; present: Promise<boolean> };
	/** The newest signed time of a delivery with a valid signature seen here (republishGuard.ts). */
	newestSignedAt?: number;
	/** The listings this process may still make to confirm a registration (republishGuard.ts). */
	askBucket?: { tokens: number; at: number };
	/** A registration VoxPria no longer holds: requests that loaded it must not save it back. */
	retiredWebhookId?: string;
	/**
	 * The registration this process made at activation. The process that activates is the one
	 * that re-publishes, so it learns of a newer registration first-hand (republishGuard.ts).
	 */
	registeredHere?: string;
	/**
	 * Per other process whose save a request loaded (lateCopies.ts): the newest of its saves
	 * loaded here, and when it was loaded.
	 */
	othersSaves?: Map<string, { savedAt: number; loadedAt: number }>;
}

/** Bounds the map: a webhook process never sees the activation hooks that would clear it. */
export const MAX_TRIGGERS = 500;
export const IDLE_MS = 24 * 60 * 60 * 1000;

const states = new Map<string, TriggerState>();

/** Test and production registrations of one node are different registrations. */
export function triggerScope(context: IHookFunctions | IWebhookFunctions): string {
	const kind = context.getMode() === 'manual' ? 'test' : 'live';
	return `${context.getWorkflow().id ?? ''}:${context.getNode().id}:${kind}`;
}

export function triggerState(scope: string, now = Date.now()): TriggerState {
	let state = states.get(scope);
	if (state) {
		// Re-inserting keeps the map in least-recently-used order.
		states.delete(scope);
	} else {
		state = { refusals: new RefusalLog(), lastStaleCheckAt: 0, usedAt: now };
	}
	state.usedAt = now;
	states.set(scope, state);
	for (const [oldScope, old] of states) {
		if (states.size <= MAX_TRIGGERS && now - old.usedAt < IDLE_MS) break;
		states.delete(oldScope);
	}
	return state;
}

export function triggerStateCount(): number {
	return states.size;
}

function knownAt(known: TriggerState['known']): number {
	if (!known) return -1;
	return 'removedAt' in known ? known.removedAt : known.registeredAt;
}

/**
 * Takes note of a registration (loaded with a request, or just made) and answers the newest one
 * this process knows, undefined if the newest news is that it was removed.
 */
export function observeRegistration(
	state: TriggerState,
	news?: Registration | { removedAt: number },
): Registration | undefined {
	// Ties go to the news: a registration made in the same millisecond as a removal is the newer.
	if (news && knownAt(news) >= knownAt(state.known)) state.known = news;
	const known = state.known;
	return known && !('removedAt' in known) ? known : undefined;
}

/** The trigger's memory, with what the request loaded from the database merged in. */
export function memoryWith(state: TriggerState, savedMemory: unknown): DeliveryMemory {
	state.memory ??= new DeliveryMemory();
	if (savedMemory !== undefined) state.memory.merge(savedMemory);
	return state.memory;
}

/** For tests: start from nothing. */
export function forgetAllTriggerStates(): void {
	states.clear();
}
