import type { IDataObject } from 'n8n-workflow';

/** What "Trigger On" offers, and the final statuses each choice stands for. */
export const TRIGGER_ON: Record<string, string[]> = {
	completed: ['completed'],
	failed: ['failed', 'no_answer', 'busy'],
};

/** VoxPria's documented final statuses. Anything else may still change, so it is watched. */
const FINAL = new Set(['completed', 'failed', 'no_answer', 'busy']);

export function isFinal(call: IDataObject): boolean {
	return typeof call.status === 'string' && FINAL.has(call.status);
}

/** The statuses the user asked for; an empty choice means both, never "nothing at all". */
export function wantedStatuses(triggerOn: string[]): Set<string> {
	const chosen = triggerOn.length > 0 ? triggerOn : Object.keys(TRIGGER_ON);
	return new Set(chosen.flatMap((choice) => TRIGGER_ON[choice] ?? []));
}

/** createdAt in epoch ms; a call without a readable one counts as the oldest (0: JSON keeps it, unlike -Infinity). */
export function createdMs(call: IDataObject): number {
	const ms = Date.parse(String(call.createdAt ?? ''));
	return Number.isFinite(ms) ? ms : 0;
}

export function callIdOf(call: IDataObject): string | undefined {
	const id = call.callId ?? call.id;
	return typeof id === 'string' && id !== '' ? id : undefined;
}
