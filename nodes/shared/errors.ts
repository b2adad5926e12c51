import type { IDataObject, INode, JsonObject } from 'n8n-workflow';
import { NodeApiError, NodeOperationError } from 'n8n-workflow';

import { API_PREFIX, DEFAULT_BASE_URL } from './baseUrl';
import { idFieldFor } from './ids';

/** Turns what VoxPria or the network answered into errors whose message says what to fix. */

/** The scope a VoxPria key needs for a path: /webhooks/abc needs "webhooks". */
function scopeOf(path: string): string {
	return path.split('/').filter(Boolean)[0] ?? 'required';
}

/** Deeper than this, an error body is not looked into: a hostile body must not overflow the stack. */
const MAX_MESSAGE_DEPTH = 5;

/** VoxPria's error body is not documented; take the message from wherever it is. */
export function messageFromBody(body: unknown, depth = 0): string | undefined {
	if (depth > MAX_MESSAGE_DEPTH) return undefined;
	if (typeof body === 'string') {
		const text = body.trim();
		if (text === '') return undefined;
		try {
			return messageFromBody(JSON.parse(text), depth + 1);
		} catch {
			// An HTML error page from a proxy says nothing useful beyond its first line.
			return text.startsWith('<') ? undefined : text.slice(0, 300);
		}
	}
	if (!body || typeof body !== 'object') return undefined;
	const record = body as IDataObject;
	for (const key of ['error', 'message', 'detail']) {
		const value = record[key];
		if (typeof value === 'string' && value !== '') return value.slice(0, 300);
		if (value && typeof value === 'object') {
			const nested = messageFromBody(value, depth + 1);
			if (nested) return nested;
		}
	}
	return undefined;
}

const CHECK_BASE_URL = 'check the Base URL in the VoxPria credential';

/** The ID field a 404 on this path is about (`/agents/agt_1/flow` → Agent ID), if any. */
function idFieldOf(path: string): string | undefined {
	const [collection, id] = path.split('/').filter(Boolean);
	if (!id || (collection === 'contacts' && id === 'bulk')) return undefined;
	return idFieldFor(collection);
}

/**
 * The message for a non-2xx answer (429 aside). It names the fix itself: n8n shows only the
 * message of a trigger's activation error, not its description.
 */
export function describeStatus(
	status: number,
	path: string,
	baseUrl: string,
	voxPriaMessage?: string,
): string {
	if (status === 401 || status === 403) {
		return `VoxPria rejected the API key (HTTP ${status}): check the API key in the VoxPria credential; it needs the ${scopeOf(path)} scope`;
	}
	if (status === 404) {
		const field = idFieldOf(path);
		return field
			? `VoxPria found nothing at ${path} (HTTP 404): check the ${field}`
			: `VoxPria found nothing at ${baseUrl}${API_PREFIX}${path} (HTTP 404): ${CHECK_BASE_URL}`;
	}
	if (status >= 500)
		return `VoxPria had a server error (HTTP ${status}); try again in a few minutes`;
	if (status >= 300 && status < 400) {
		return `VoxPria answered with a redirect (HTTP ${status}), which this node does not follow: ${CHECK_BASE_URL} (normally ${DEFAULT_BASE_URL})`;
	}
	return `VoxPria refused the request (HTTP ${status})${voxPriaMessage ? `: ${voxPriaMessage}` : ''}`;
}

export function apiError(
	node: INode,
	status: number,
	message: string,
	description: string | undefined,
	extra: JsonObject = {},
): NodeApiError {
	// Built from plain values only: the HTTP client's own error carries the Authorization header.
	// No `code` field either: NodeApiError would swap our message for a generic one.
	return new NodeApiError(
		node,
		{
			message,
			...(status ? { status } : {}),
			...(description ? { description } : {}),
			...extra,
		} as JsonObject,
		{ message, description, httpCode: status ? String(status) : undefined },
	);
}

const TRY_LATER = `try again in a few minutes, or ${CHECK_BASE_URL}`;

/** Node's codes for a request that got no answer, and what each means for the user. */
const NETWORK_CODES: Record<string, (timeoutSeconds: number) => string> = {
	ECONNREFUSED: () => 'the connection was refused',
	ENOTFOUND: () => 'the host name does not resolve',
	EAI_AGAIN: () => 'the host name does not resolve',
	ECONNRESET: () => `the connection was reset; ${TRY_LATER}`,
	ECONNABORTED: (seconds) => `it did not answer within ${seconds} s; ${TRY_LATER}`,
	ETIMEDOUT: (seconds) => `it did not answer within ${seconds} s; ${TRY_LATER}`,
	EHOSTUNREACH: () => 'the host is unreachable',
	CERT_HAS_EXPIRED: () => 'its TLS certificate has expired',
	DEPTH_ZERO_SELF_SIGNED_CERT: () => 'its TLS certificate is self-signed',
	SELF_SIGNED_CERT_IN_CHAIN: () => 'its TLS certificate is self-signed',
	ERR_TLS_CERT_ALTNAME_INVALID: () => 'its TLS certificate does not match the host name',
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

/** The error for a request that got no HTTP answer at all: refused, unresolved, timed out, bad TLS. */
export function unreachableError(
	node: INode,
	error: unknown,
	{
		baseUrl,
		label,
		timeoutMs,
		redact = (text) => text,
	}: { baseUrl: string; label: string; timeoutMs: number; redact?: (text: string) => string },
): NodeApiError {
	const code = networkCode(error);
	const reason = code
		? NETWORK_CODES[code](timeoutMs / 1000)
		: redact(String((error as Error)?.message ?? 'unknown error'));
	// The reasons that mean "wait and retry" carry their own fix; the others are about the address.
	const fix = reason.includes(CHECK_BASE_URL) ? '' : `; ${CHECK_BASE_URL}`;
	return apiError(
		node,
		0,
		`Could not reach VoxPria at ${baseUrl}: ${reason}${fix}`,
		`Check the Base URL in the VoxPria credential and that n8n can reach that host. Request: ${label}${code ? ` (${code})` : ''}`,
	);
}

/**
 * The error to throw for an input item: VoxPria's NodeApiError (message, HTTP status) and our
 * NodeOperationErrors pass through with the item index added; anything else is wrapped.
 */
export function asNodeError(
	node: INode,
	error: unknown,
	itemIndex?: number,
): NodeApiError | NodeOperationError {
	const nodeError =
		error instanceof NodeApiError || error instanceof NodeOperationError
			? error
			: new NodeOperationError(node, error instanceof Error ? error : String(error), { itemIndex });
	if (itemIndex !== undefined && nodeError.context.itemIndex === undefined) {
		nodeError.context.itemIndex = itemIndex;
	}
	return nodeError;
}

// --- downloads (call recordings) -------------------------------------------------------------

/** A URL as messages show it: no query (a signed link's token) and no user or password. */
export function shownUrl(url: URL): string {
	return `${url.origin}${url.pathname}`;
}

const FRESH_URL = 'get the call again for its current recording URL';

export function notWebAddressError(node: INode, address: string, from?: URL): NodeOperationError {
	const shown = address.slice(0, 200);
	return new NodeOperationError(
		node,
		from
			? `The recording at ${shownUrl(from)} redirected to "${shown}", which is not an http(s) address: ${FRESH_URL}`
			: `The recording URL "${shown}" is not an http(s) address: give the call's recording URL (https://…), or choose By Call ID`,
	);
}

export function keyOverHttpError(node: INode, url: URL): NodeOperationError {
	return new NodeOperationError(
		node,
		`The recording URL ${shownUrl(url)} uses http://, which would send the API key unencrypted: nothing was sent. Turn off Send API Key to Other Hosts, or use an https:// recording URL`,
	);
}

/** The error for a download answered with a status other than 2xx (or too many redirects). */
export function downloadStatusError(
	node: INode,
	status: number,
	{
		url,
		keyed,
		from,
		redact,
	}: { url: URL; keyed: boolean; from?: URL; redact: (t: string) => string },
): NodeApiError {
	const where = redact(shownUrl(url));
	const via = from ? ` (a redirect from ${redact(shownUrl(from))} pointed there)` : '';
	let message: string;
	if (status === 404 || status === 410) {
		message = `No recording file at ${where} (HTTP ${status})${via}: it may have been deleted or its link has expired; ${FRESH_URL}`;
	} else if ((status === 401 || status === 403) && keyed) {
		message = `VoxPria refused the recording download (HTTP ${status}): check the API key in the VoxPria credential; it needs the calls scope`;
	} else if (status === 401 || status === 403) {
		message = `${url.host} refused the recording download (HTTP ${status})${via}. The API key is not sent to hosts other than the credential's Base URL: if this host needs it, turn on Send API Key to Other Hosts; a signed link may have expired: ${FRESH_URL}`;
	} else if (status >= 300 && status < 400) {
		message = `The recording download was redirected too many times (HTTP ${status} at ${where}): ${FRESH_URL}`;
	} else if (status >= 500) {
		message = `The recording host ${url.host} had a server error (HTTP ${status}); try again in a few minutes`;
	} else {
		message = `The recording download from ${where} was refused (HTTP ${status})${via}; check the recording URL`;
	}
	return apiError(node, status, message, `GET ${where}`);
}

/** The error for a download that got no answer, or stopped (`aborted`: its time ran out). */
export function downloadUnreachable(
	node: INode,
	error: unknown,
	url: URL,
	redact: (text: string) => string,
	timeoutMs: number,
	aborted = false,
): NodeApiError {
	const code = aborted ? undefined : networkCode(error);
	const reason = aborted
		? `it did not arrive within ${timeoutMs / 1000} s`
		: code
			? NETWORK_CODES[code](timeoutMs / 1000).replace(`; ${TRY_LATER}`, '')
			: redact(String((error as Error)?.message ?? 'unknown error'));
	return apiError(
		node,
		0,
		`Could not download the recording from ${redact(shownUrl(url))}: ${reason}; try again later`,
		code ? `GET ${redact(shownUrl(url))} (${code})` : undefined,
	);
}
