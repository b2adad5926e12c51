import type { IDataObject } from 'n8n-workflow';

/**
 * What the poll trigger keeps between polls, in the workflow's static data for this node. n8n
 * saves static data when a poll returns calls and at activation and deactivation, not after a
 * poll that returns nothing; so everything here must stay correct if n8n restarts from an older
 * copy: an older copy only makes the next poll read again what it already read.
 */
export interface PollState {
	/** createdAt (epoch ms) of the newest call the last finished scan saw; unset before the first poll. */
	newestCreated?: number;
	/** A scan that ran out of requests: the next poll continues it at `nextPage`. */
	scan?: ScanPosition;
	/** Ended calls already handled (emitted, or not of the statuses asked for): callId → createdAt. */
	seen: Record<string, number>;
	/** Calls seen before they ended, to emit when they do: callId → [createdAt, last checked]. */
	pending: Record<string, [number, number]>;
}

export interface ScanPosition {
	nextPage: number;
	/** The page size the scan asks for (VoxPria may give fewer than the package asks). */
	pageSize: number;
	/** The scan ends at calls created before this. */
	until: number;
	/** The newest createdAt seen so far in this scan. */
	top: number;
}

/** Calls created this long before the newest one seen are read again by the next scan. */
export const OVERLAP_MS = 2 * 60_000;
/** Handled calls are forgotten once they are this far below what any scan reads again. */
const SEEN_KEPT_MS = 10 * 60_000;
/** Hard bounds on the saved state: n8n rewrites the whole static data on every save. */
export const MAX_SEEN = 5_000;
export const MAX_PENDING = 1_000;
/** A call still not ended this long after it was created is no longer watched. */
export const PENDING_MAX_AGE_MS = 7 * 24 * 3_600_000;

const KEY = 'pollCursor';

const isNumber = (value: unknown): value is number =>
	typeof value === 'number' && Number.isFinite(value);

function numbers(value: unknown): Record<string, number> {
	const out: Record<string, number> = {};
	if (value && typeof value === 'object') {
		for (const [id, at] of Object.entries(value)) if (isNumber(at)) out[id] = at;
	}
	return out;
}

function pairs(value: unknown): Record<string, [number, number]> {
	const out: Record<string, [number, number]> = {};
	if (value && typeof value === 'object') {
		for (const [id, pair] of Object.entries(value)) {
			if (Array.isArray(pair) && isNumber(pair[0]) && isNumber(pair[1]))
				out[id] = [pair[0], pair[1]];
		}
	}
	return out;
}

function scanPosition(value: unknown): ScanPosition | undefined {
	const scan = value as Partial<ScanPosition> | undefined;
	if (!scan || typeof scan !== 'object') return undefined;
	const { nextPage, pageSize, until, top } = scan;
	if (!isNumber(nextPage) || !isNumber(pageSize) || !isNumber(until) || !isNumber(top)) {
		return undefined;
	}
	return { nextPage, pageSize, until, top };
}

/** A copy of the saved state (a fresh one before the first poll), safe to change. */
export function readState(staticData: IDataObject): PollState {
	const saved = (staticData[KEY] ?? {}) as IDataObject;
	const state: PollState = { seen: numbers(saved.seen), pending: pairs(saved.pending) };
	if (isNumber(saved.newestCreated)) state.newestCreated = saved.newestCreated;
	const scan = scanPosition(saved.scan);
	if (scan) state.scan = scan;
	return state;
}

export function writeState(staticData: IDataObject, state: PollState): void {
	// Assigning a new object marks n8n's static data as changed, so that it is saved.
	staticData[KEY] = JSON.parse(JSON.stringify(state)) as IDataObject;
}

/** Keeps the entries a later scan can still meet, within the hard bounds. */
export function pruneState(state: PollState): void {
	if (state.newestCreated === undefined) return;
	const reread = Math.min(state.newestCreated - OVERLAP_MS, state.scan?.until ?? Infinity);
	const seenFloor = reread - SEEN_KEPT_MS;
	state.seen = newest(
		Object.entries(state.seen).filter(([, created]) => created >= seenFloor),
		MAX_SEEN,
		(created) => created,
	);
	const pendingFloor = state.newestCreated - PENDING_MAX_AGE_MS;
	state.pending = newest(
		Object.entries(state.pending).filter(([, [created]]) => created >= pendingFloor),
		MAX_PENDING,
		([created]) => created,
	);
}

function newest<T>(
	entries: Array<[string, T]>,
	max: number,
	createdOf: (value: T) => number,
): Record<string, T> {
	const kept =
		entries.length <= max
			? entries
			: entries.sort((a, b) => createdOf(b[1]) - createdOf(a[1])).slice(0, max);
	return Object.fromEntries(kept);
}
