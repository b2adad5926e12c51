import type { IDataObject } from 'n8n-workflow';
import { NodeApiError } from 'n8n-workflow';

import { API_PREFIX, voxPriaRequest, type VoxPriaContext } from './transport';

/** Lists ask for this many records a page; a server that caps lower is detected and followed. */
export const PAGE_SIZE = 1_000;
/** A list that has not ended after this many pages is treated as a server fault, not paged forever. */
export const MAX_PAGES = 10_000;
/**
 * More records than this are not read into memory: a list this long is a job for Limit, not for
 * Return All (a call with its transcript is a few KB, so this is already some 100 MB at worst).
 */
export const MAX_RECORDS = 50_000;
/**
 * A list still going after this long is stopped: inside an execution or an activation a longer
 * wait looks like a hang. Checked before each page, so one slow page can add its 30 s timeout.
 */
export const LIST_DEADLINE_MS = 120_000;

type Page = { records: IDataObject[]; total?: number; hasMore?: boolean };

/** A list answer is an array, or an object holding one (`{ calls: [...], total }`). */
export function readPage(data: unknown): Page {
	if (Array.isArray(data)) return { records: data as IDataObject[] };
	if (data && typeof data === 'object') {
		const record = data as IDataObject;
		const list = Object.values(record).find(Array.isArray) as IDataObject[] | undefined;
		const total = typeof record.total === 'number' ? record.total : undefined;
		const hasMore =
			typeof record.hasMore === 'boolean'
				? record.hasMore
				: typeof record.has_more === 'boolean'
					? record.has_more
					: undefined;
		return { records: list ?? [], total, hasMore };
	}
	return { records: [] };
}

/** What identifies a record across pages; a record without an ID is identified by its content. */
export function recordKey(record: IDataObject, idField: string): string {
	const id = record[idField] ?? record.id;
	return id === undefined || id === null ? JSON.stringify(record) : String(id);
}

export interface ListOptions {
	/** The field that identifies a record (`callId`); records are de-duplicated on it. */
	idField: string;
	qs?: IDataObject;
	/** Stop once this many records (that pass `filter`) have been collected. */
	max?: number;
	/**
	 * A client-side filter for what the API cannot filter itself. Paging still walks the
	 * whole list; only matching records are returned and counted towards `max`.
	 */
	filter?: (record: IDataObject) => boolean;
	/** Overrides MAX_RECORDS (records read, matching or not). */
	maxRecords?: number;
	/** Overrides LIST_DEADLINE_MS. */
	deadlineMs?: number;
	/** What the user should do when the list is too long; by default it depends on who lists. */
	advice?: string;
}

function duration(ms: number): string {
	const minutes = ms / 60_000;
	if (!Number.isInteger(minutes)) return `${ms / 1000} s`;
	return minutes === 1 ? '1 minute' : `${minutes} minutes`;
}

/**
 * The errors for a list that is too long, in the terms of whoever lists: the action node (which has
 * Return All and Limit), an activation or webhook call listing the account's webhooks, or a list
 * search.
 */
function tooLong(context: VoxPriaContext, path: string, maxRecords: number, advice?: string) {
	const inNode = 'getInputData' in context;
	const accountWebhooks = !inNode && path === '/webhooks';
	const cap = maxRecords.toLocaleString('en-US');
	const todo =
		advice ??
		(inNode
			? `turn off Return All and set a Limit (at most ${cap})`
			: accountWebhooks
				? 'delete the webhooks you no longer use in VoxPria, then try again'
				: 'enter the ID instead of choosing from the list');
	const error = (message: string, description: string) =>
		new NodeApiError(context.getNode(), { message }, { message, description });
	return {
		records: () =>
			error(
				accountWebhooks
					? `The VoxPria account has more than ${cap} webhooks, more than n8n reads at once: ${todo}`
					: `VoxPria's list at ${API_PREFIX}${path} has more than ${cap} records, more than ${inNode ? 'the node' : 'n8n'} reads at once: ${todo}`,
				`Stopped after reading ${cap} records from ${API_PREFIX}${path}.`,
			),
		deadline: (deadlineMs: number, read: number) =>
			error(
				`Listing ${API_PREFIX}${path} took longer than ${duration(deadlineMs)}, so ${inNode ? 'the node' : 'n8n'} stopped: ${todo}`,
				`${read} records were read before the deadline.`,
			),
		pages: () =>
			error(
				`Stopped listing ${API_PREFIX}${path} after ${MAX_PAGES.toLocaleString('en-US')} pages: ${todo}`,
				'VoxPria kept returning new records on every page.',
			),
	};
}

/**
 * Pages through a VoxPria list and returns each record once.
 * VoxPria documents `page`/`limit` but no paging metadata or page-size cap, so this
 * works whether the server honours paging, caps the page size, or ignores paging.
 */
export async function listAll(
	this: VoxPriaContext,
	path: string,
	{
		idField,
		qs = {},
		max,
		filter,
		maxRecords = MAX_RECORDS,
		deadlineMs = LIST_DEADLINE_MS,
		advice,
	}: ListOptions,
): Promise<IDataObject[]> {
	const deadline = Date.now() + deadlineMs;
	const tooLongError = tooLong(this, path, maxRecords, advice);
	const seen = new Set<string>();
	const records: IDataObject[] = [];
	const wanted = max ?? Number.POSITIVE_INFINITY;
	// With a filter, a page of `max` records may hold fewer matches: ask for full pages.
	let limit = filter ? PAGE_SIZE : Math.min(PAGE_SIZE, wanted);
	let page = 1;

	for (; page <= MAX_PAGES; page++) {
		if (page > 1 && Date.now() >= deadline) {
			throw tooLongError.deadline(deadlineMs, seen.size);
		}
		const data = await voxPriaRequest.call(this, 'GET', path, {
			qs: { ...qs, page, limit },
			deadline,
		});
		const { records: batch, total, hasMore } = readPage(data);

		let fresh = 0;
		for (const record of batch) {
			const key = recordKey(record, idField);
			if (seen.has(key)) continue;
			if (seen.size >= maxRecords) {
				throw tooLongError.records();
			}
			seen.add(key);
			fresh++;
			if (filter && !filter(record)) continue;
			records.push(record);
			if (records.length >= wanted) return records;
		}

		// An empty page, or one with nothing new (a server that ignores `page`), ends the list.
		if (batch.length === 0 || fresh === 0) return records;
		// More than asked means the server ignores `limit` and sent everything at once.
		if (batch.length > limit) return records;
		if (hasMore === false || (total !== undefined && seen.size >= total)) return records;
		if (batch.length < limit) {
			// A short page is either the last one or the server's page-size cap. Ask again at
			// that size: page 2 of size n starts at record n under either reading.
			if (page > 1) return records;
			limit = batch.length;
		}
	}
	throw tooLongError.pages();
}
