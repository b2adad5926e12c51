import type { IDataObject, IPollFunctions } from 'n8n-workflow';
import { NodeApiError, NodeOperationError } from 'n8n-workflow';

import { asNodeError } from '../shared/errors';
import { pathFor, voxPriaRequest } from '../shared/transport';

import { callIdOf, createdMs, isFinal } from './callStatus';
import { OVERLAP_MS, pruneState, type PollState } from './pollState';
import { POLL_PAGE_SIZE, scanCalls } from './scanCalls';

/**
 * At most this many VoxPria requests per poll. At n8n's fastest schedule (every minute) that is
 * at most 300 an hour, under a third of VoxPria's 1,000 per hour; a quiet account uses one a poll.
 */
export const MAX_REQUESTS_PER_POLL = 5;
/** A poll that is still waiting out a 429 after this long gives up, so that polls never overlap. */
export const POLL_DEADLINE_MS = 45_000;

export interface PollSettings {
	statuses: Set<string>;
	agentId?: string;
	/** Emit the ended calls the first poll finds (otherwise the first poll only takes note). */
	includeExisting: boolean;
}

export interface PollOutcome {
	state: PollState;
	calls: IDataObject[];
	requests: number;
}

/** Whether an ended call is of the kinds (and the agent) the user chose. */
export function isWanted(call: IDataObject, settings: PollSettings): boolean {
	return (
		settings.statuses.has(call.status as string) &&
		(settings.agentId === undefined || call.agentId === settings.agentId)
	);
}

function endedAt(call: IDataObject): number {
	const ms = Date.parse(String(call.completedAt ?? ''));
	return Number.isFinite(ms) ? ms : createdMs(call);
}

/**
 * One poll: which calls ended since the last one. `state` is not changed; the new state comes
 * back with the calls, so that a poll that fails (a 429 that outlasts the deadline, VoxPria down)
 * leaves the saved position where it was and the next poll reads the same calls again.
 *
 * A call is emitted once, when it is first seen ended, if either it was seen before it ended
 * (`pending`), or it was created at or after the point the scan must read down to. A call that
 * had ended before the trigger first looked is noted and passed over (unless asked for).
 */
export async function pollCalls(
	this: IPollFunctions,
	settings: PollSettings,
	saved: PollState,
	now = Date.now(),
): Promise<PollOutcome> {
	const state: PollState = structuredClone(saved);
	const firstRun = state.newestCreated === undefined && state.scan === undefined;
	const deadline = now + POLL_DEADLINE_MS;
	const scan = state.scan ?? {
		nextPage: 1,
		pageSize: POLL_PAGE_SIZE,
		until: firstRun ? Number.NEGATIVE_INFINITY : (state.newestCreated as number) - OVERLAP_MS,
		top: state.newestCreated ?? 0,
	};
	// One request is kept back for calls being watched that the scan may not reach.
	const reserve = Object.keys(state.pending).length > 0 ? 1 : 0;
	const result = await scanCalls.call(this, {
		startPage: scan.nextPage,
		pageSize: scan.pageSize,
		until: scan.until,
		maxRequests: MAX_REQUESTS_PER_POLL - reserve,
		deadline,
	});

	const ended: IDataObject[] = [];
	const handle = (call: IDataObject, id: string, emit: boolean) => {
		state.seen[id] = createdMs(call);
		delete state.pending[id];
		if (emit && isWanted(call, settings)) ended.push(call);
	};

	const listed = new Set<string>();
	let top = scan.top;
	for (const call of result.calls) {
		const id = callIdOf(call);
		if (id === undefined) continue;
		listed.add(id);
		const created = createdMs(call);
		top = Math.max(top, created);
		if (state.seen[id] !== undefined) continue;
		if (!isFinal(call)) {
			state.pending[id] = [created, now];
		} else if (state.pending[id] !== undefined) {
			handle(call, id, true);
		} else if (firstRun) {
			handle(call, id, settings.includeExisting);
		} else if (created >= scan.until) {
			handle(call, id, true);
		}
		// Otherwise: ended before it came into view, or handled long ago and forgotten.
	}

	// The first poll reads no deeper than its requests allow: older history is not the trigger's.
	if (result.done || firstRun) {
		state.newestCreated = Math.max(top, state.newestCreated ?? 0);
		delete state.scan;
	} else {
		state.scan = { nextPage: result.nextPage, pageSize: result.pageSize, until: scan.until, top };
	}

	let requests = result.requests;
	const unlisted = Object.entries(state.pending)
		.filter(([id]) => !listed.has(id))
		.sort((a, b) => a[1][1] - b[1][1]);
	for (const [id] of unlisted) {
		if (requests >= MAX_REQUESTS_PER_POLL) break;
		requests++;
		const call = await fetchCall.call(this, id, deadline);
		if (call === undefined) delete state.pending[id];
		else if (isFinal(call)) handle(call, id, true);
		else state.pending[id] = [state.pending[id][0], now];
	}

	pruneState(state);
	ended.sort((a, b) => endedAt(a) - endedAt(b));
	return { state, calls: ended, requests };
}

/** One watched call, or undefined when VoxPria no longer has it. */
async function fetchCall(
	this: IPollFunctions,
	id: string,
	deadline: number,
): Promise<IDataObject | undefined> {
	try {
		const call = await voxPriaRequest.call(this, 'GET', pathFor('/calls/:id', id), { deadline });
		return call && typeof call === 'object' ? ({ callId: id, ...call } as IDataObject) : undefined;
	} catch (error) {
		if (error instanceof NodeApiError && String(error.httpCode) === '404') return undefined;
		// An ID VoxPria listed that cannot go into a path is not watched, rather than failing every poll.
		if (error instanceof NodeOperationError) return undefined;
		throw asNodeError(this.getNode(), error);
	}
}
