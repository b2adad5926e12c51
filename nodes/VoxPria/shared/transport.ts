import type {
	IDataObject,
	IExecuteFunctions,
	IHookFunctions,
	IHttpRequestMethods,
	IHttpRequestOptions,
	ILoadOptionsFunctions,
	IN8nHttpFullResponse,
	JsonObject,
} from 'n8n-workflow';
import { NodeApiError, sleep } from 'n8n-workflow';

/** Every VoxPria HTTP request of this package goes through this file. */

export type VoxPriaContext = IExecuteFunctions | IHookFunctions | ILoadOptionsFunctions;

export const DEFAULT_BASE_URL = 'https://app.voxpria.com';
const API_PREFIX = '/api/v1';
const REQUEST_TIMEOUT_MS = 30_000;

/** A wait longer than this inside an execution or an activation would look like a hang. */
export const MAX_RATE_LIMIT_WAIT_MS = 60_000;
const MAX_RATE_LIMIT_RETRIES = 3;
/** Used when a 429 carries no reset time: 1 s, 2 s, 4 s. */
const FALLBACK_BACKOFF_MS = 1_000;

/** Lists ask for this many records a page; a server that caps lower is detected and followed. */
export const PAGE_SIZE = 1_000;
/** A list that has not ended after this many pages is treated as a server fault, not paged forever. */
export const MAX_PAGES = 10_000;

export interface RequestOptions {
	qs?: IDataObject;
	body?: IDataObject;
}

/** Accepts "https://host", "https://host/" and "https://host/api/v1/". */
export function normalizeBaseUrl(baseUrl: unknown): string {
	const text = typeof baseUrl === 'string' && baseUrl.trim() !== '' ? baseUrl.trim() : DEFAULT_BASE_URL;
	return text.replace(/\/+$/, '').replace(/\/api\/v1$/, '');
}

async function getBaseUrl(this: VoxPriaContext): Promise<string> {
	const credentials = await this.getCredentials<{ baseUrl?: string }>('voxPriaApi');
	return normalizeBaseUrl(credentials.baseUrl);
}

/** The scope a VoxPria key needs for a path: /webhooks/abc needs "webhooks". */
function scopeOf(path: string): string {
	return path.split('/').filter(Boolean)[0] ?? 'required';
}

/** VoxPria's error body is not documented; take the message from wherever it is. */
export function messageFromBody(body: unknown): string | undefined {
	if (typeof body === 'string') {
		const text = body.trim();
		if (text === '') return undefined;
		try {
			return messageFromBody(JSON.parse(text));
		} catch {
			// An HTML error page from a proxy says nothing useful beyond its first line.
			return text.startsWith('<') ? undefined : text.slice(0, 300);
		}
	}
	if (!body || typeof body !== 'object') return undefined;
	const record = body as IDataObject;
	for (const key of ['error', 'message', 'detail']) {
		const value = record[key];
		if (typeof value === 'string' && value !== '') return value;
		if (value && typeof value === 'object') {
			const nested = messageFromBody(value);
			if (nested) return nested;
		}
	}
	return undefined;
}

function header(headers: IDataObject | undefined, name: string): string | undefined {
	const value = headers?.[name.toLowerCase()] ?? headers?.[name];
	if (Array.isArray(value)) return String(value[0]);
	return value === undefined || value === null ? undefined : String(value);
}

/**
 * How long to wait before retrying a 429, or undefined when the wait is too long.
 * X-RateLimit-Reset is epoch seconds; Retry-After (seconds) is honoured as well.
 */
export function rateLimitWaitMs(
	headers: IDataObject | undefined,
	attempt: number,
	now = Date.now(),
): { waitMs?: number; resetAt?: Date } {
	const reset = Number(header(headers, 'x-ratelimit-reset'));
	const retryAfter = Number(header(headers, 'retry-after'));
	let resetAt: Date | undefined;
	if (Number.isFinite(reset) && reset > 0) resetAt = new Date(reset * 1000);
	else if (Number.isFinite(retryAfter) && retryAfter >= 0) resetAt = new Date(now + retryAfter * 1000);

	if (resetAt === undefined) return { waitMs: FALLBACK_BACKOFF_MS * 2 ** attempt };
	// The reset second is inclusive on most servers: wait until it has passed.
	const waitMs = Math.max(0, resetAt.getTime() - now) + 250;
	return waitMs <= MAX_RATE_LIMIT_WAIT_MS ? { waitMs, resetAt } : { resetAt };
}

function describeStatus(status: number, path: string, baseUrl: string): string {
	if (status === 401 || status === 403) {
		return `VoxPria rejected the API key (check the credential; keys need the ${scopeOf(path)} scope)`;
	}
	if (status === 404) return `VoxPria found nothing at ${path} (HTTP 404)`;
	if (status === 429) return 'VoxPria rate limit reached (HTTP 429)';
	if (status >= 500) return `VoxPria had a server error (HTTP ${status}); try again in a few minutes`;
	if (status >= 300 && status < 400) {
		return `VoxPria answered with a redirect (HTTP ${status}); check that the Base URL ${baseUrl} is the API address`;
	}
	return `VoxPria refused the request (HTTP ${status})`;
}

function apiError(
	this: VoxPriaContext,
	status: number,
	message: string,
	description: string | undefined,
	extra: JsonObject = {},
): NodeApiError {
	// Built from plain values only: the HTTP client's own error carries the Authorization header.
	// No `code` field either: NodeApiError would swap our message for a generic one.
	return new NodeApiError(
		this.getNode(),
		{ message, ...(status ? { status } : {}), ...(description ? { description } : {}), ...extra } as JsonObject,
		{ message, description, httpCode: status ? String(status) : undefined },
	);
}

const NETWORK_CODES: Record<string, string> = {
	ECONNREFUSED: 'the connection was refused',
	ENOTFOUND: 'the host name does not resolve',
	EAI_AGAIN: 'the host name does not resolve',
	ECONNRESET: 'the connection was reset',
	ECONNABORTED: `it did not answer within ${REQUEST_TIMEOUT_MS / 1000} s`,
	ETIMEDOUT: `it did not answer within ${REQUEST_TIMEOUT_MS / 1000} s`,
	EHOSTUNREACH: 'the host is unreachable',
	CERT_HAS_EXPIRED: 'its TLS certificate has expired',
	DEPTH_ZERO_SELF_SIGNED_CERT: 'its TLS certificate is self-signed',
	SELF_SIGNED_CERT_IN_CHAIN: 'its TLS certificate is self-signed',
	ERR_TLS_CERT_ALTNAME_INVALID: 'its TLS certificate does not match the host name',
};

function networkCode(error: unknown): string | undefined {
	let current: unknown = error;
	for (let depth = 0; depth < 5 && current && typeof current === 'object'; depth++) {
		const { code, cause } = current as { code?: unknown; cause?: unknown };
		if (typeof code === 'string' && code in NETWORK_CODES) return code;
		current = cause;
	}
	const text = String((error as Error)?.message ?? '');
	if (/timeout/i.test(text)) return 'ETIMEDOUT';
	return Object.keys(NETWORK_CODES).find((code) => text.includes(code));
}

/**
 * Sends one VoxPria API request and returns the unwrapped `data` of `{ success, data }`.
 * Waits out a 429 when its reset is near; every other failure becomes a NodeApiError
 * whose message says what to fix.
 */
export async function voxPriaRequest<T = unknown>(
	this: VoxPriaContext,
	method: IHttpRequestMethods,
	path: string,
	{ qs, body }: RequestOptions = {},
): Promise<T> {
	const baseUrl = await getBaseUrl.call(this);
	const options: IHttpRequestOptions = {
		method,
		url: `${baseUrl}${API_PREFIX}${path}`,
		qs,
		body,
		json: true,
		timeout: REQUEST_TIMEOUT_MS,
		returnFullResponse: true,
		ignoreHttpStatusErrors: true,
	};
	const label = `${method} ${API_PREFIX}${path}`;

	for (let attempt = 0; ; attempt++) {
		let response: IN8nHttpFullResponse;
		try {
			response = (await this.helpers.httpRequestWithAuthentication.call(
				this,
				'voxPriaApi',
				options,
			)) as IN8nHttpFullResponse;
		} catch (error) {
			const code = networkCode(error);
			const reason = code ? NETWORK_CODES[code] : (error as Error)?.message ?? 'unknown error';
			throw apiError.call(
				this,
				0,
				`Could not reach VoxPria at ${baseUrl}: ${reason}`,
				`Check the Base URL in the VoxPria credential and that n8n can reach that host. Request: ${label}${code ? ` (${code})` : ''}`,
			);
		}

		const status = response.statusCode;
		const headers = response.headers as IDataObject | undefined;
		const responseBody = response.body as unknown;

		if (status >= 200 && status < 300) {
			if (responseBody && typeof responseBody === 'object' && 'success' in responseBody) {
				const envelope = responseBody as IDataObject;
				if (envelope.success === false) {
					throw apiError.call(
						this,
						status,
						`VoxPria reported a failure: ${messageFromBody(envelope) ?? 'no reason given'}`,
						label,
					);
				}
				return envelope.data as T;
			}
			return responseBody as T;
		}

		const voxPriaMessage = messageFromBody(responseBody);
		if (status === 429) {
			const { waitMs, resetAt } = rateLimitWaitMs(headers, attempt);
			if (waitMs !== undefined && attempt < MAX_RATE_LIMIT_RETRIES) {
				await sleep(waitMs);
				continue;
			}
			const when = resetAt
				? `The limit resets at ${resetAt.toISOString()}.`
				: 'VoxPria did not say when the limit resets.';
			throw apiError.call(
				this,
				429,
				`VoxPria rate limit reached (HTTP 429). ${when}`,
				`VoxPria allows 1,000 API requests per hour and 100 new calls per minute. ${voxPriaMessage ?? ''}`.trim(),
				resetAt ? { resetAt: resetAt.toISOString() } : {},
			);
		}

		throw apiError.call(
			this,
			status,
			describeStatus(status, path, baseUrl),
			[voxPriaMessage, label].filter(Boolean).join(' | '),
		);
	}
}

type Page = { records: IDataObject[]; total?: number; hasMore?: boolean };

/** A list answer is an array, or an object holding one (`{ calls: [...], total }`). */
function readPage(data: unknown): Page {
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

function recordKey(record: IDataObject, idField: string): string {
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
}

/**
 * Pages through a VoxPria list and returns each record once.
 * VoxPria documents `page`/`limit` but no paging metadata or page-size cap, so this
 * works whether the server honours paging, caps the page size, or ignores paging.
 */
export async function listAll(
	this: VoxPriaContext,
	path: string,
	{ idField, qs = {}, max, filter }: ListOptions,
): Promise<IDataObject[]> {
	const seen = new Set<string>();
	const records: IDataObject[] = [];
	const wanted = max ?? Number.POSITIVE_INFINITY;
	// With a filter, a page of `max` records may hold fewer matches: ask for full pages.
	let limit = filter ? PAGE_SIZE : Math.min(PAGE_SIZE, wanted);
	let page = 1;

	for (; page <= MAX_PAGES; page++) {
		const data = await voxPriaRequest.call(this, 'GET', path, { qs: { ...qs, page, limit } });
		const { records: batch, total, hasMore } = readPage(data);

		let fresh = 0;
		for (const record of batch) {
			const key = recordKey(record, idField);
			if (seen.has(key)) continue;
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
	throw new NodeApiError(
		this.getNode(),
		{ message: `Stopped listing ${API_PREFIX}${path} after ${MAX_PAGES} pages` },
		{
			message: `Stopped listing ${API_PREFIX}${path} after ${MAX_PAGES} pages`,
			description:
				'VoxPria kept returning new records on every page. Turn off "Return All" and set a Limit, or narrow the list with filters.',
		},
	);
}
