import type { IDataObject, IPollFunctions } from 'n8n-workflow';

import { readPage, recordKey } from '../shared/paging';
import { voxPriaRequest } from '../shared/transport';

import { createdMs } from './callStatus';

/** The poll asks for this many calls a page; a server that gives fewer is followed. */
export const POLL_PAGE_SIZE = 100;

export interface ScanRequest {
	startPage: number;
	pageSize: number;
	/** Calls created before this are below what this scan must read. */
	until: number;
	maxRequests: number;
	/** Epoch ms: a 429 is not waited out past this. */
	deadline: number;
}

export interface ScanResult {
	/** Each call once, in the order VoxPria listed them. */
	calls: IDataObject[];
	requests: number;
	/** False when the requests ran out before the scan reached `until` or the end of the list. */
	done: boolean;
	nextPage: number;
	pageSize: number;
}

/**
 * Whether a page shows that the list has gone below `until`. Only a page listed newest first can
 * say so: in any other order an older call on this page says nothing about the next one.
 */
export function reachesBelow(records: IDataObject[], until: number): boolean {
	const times = records.map(createdMs);
	for (let i = 1; i < times.length; i++) if (times[i] > times[i - 1]) return false;
	return times.length > 0 && times[times.length - 1] < until;
}

/**
 * Reads `GET /calls` from `startPage` on, newest first as VoxPria answers, until the list goes
 * below `until`, ends, or the requests run out. VoxPria documents no paging metadata or page-size
 * cap, so the end is what the answers show: an empty page, a page with nothing new (a server that
 * ignores `page`), more calls than asked (one that ignores `limit`), or a short page after the
 * first (on the first, a short page may be the server's cap: the next page is asked at that size).
 */
export async function scanCalls(this: IPollFunctions, request: ScanRequest): Promise<ScanResult> {
	const keys = new Set<string>();
	const calls: IDataObject[] = [];
	let { pageSize } = request;
	let page = request.startPage;
	let requests = 0;

	while (requests < request.maxRequests) {
		const data = await voxPriaRequest.call(this, 'GET', '/calls', {
			qs: { page, limit: pageSize },
			deadline: request.deadline,
		});
		requests++;
		const { records } = readPage(data);
		let fresh = 0;
		for (const record of records) {
			const key = recordKey(record, 'callId');
			if (keys.has(key)) continue;
			keys.add(key);
			calls.push(record);
			fresh++;
		}
		const ended =
			records.length === 0 ||
			fresh === 0 ||
			records.length > pageSize ||
			reachesBelow(records, request.until);
		if (ended) return { calls, requests, done: true, nextPage: page + 1, pageSize };
		if (records.length < pageSize) {
			if (page > 1) return { calls, requests, done: true, nextPage: page + 1, pageSize };
			pageSize = records.length;
		}
		page++;
	}
	return { calls, requests, done: false, nextPage: page, pageSize };
}
