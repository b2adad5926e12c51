import type { IDataObject, INode, JsonObject } from 'n8n-workflow';
import { NodeApiError, NodeOperationError } from 'n8n-workflow';

/** Turns what VoxPria or the network answered into errors whose message says what to fix. */

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

export function describeStatus(status: number, path: string, baseUrl: string): string {
	if (status === 401 || status === 403) {
		return `VoxPria rejected the API key (check the credential; keys need the ${scopeOf(path)} scope)`;
	}
	if (status === 404) return `VoxPria found nothing at ${path} (HTTP 404)`;
	if (status === 429) return 'VoxPria rate limit reached (HTTP 429)';
	if (status >= 500)
		return `VoxPria had a server error (HTTP ${status}); try again in a few minutes`;
	if (status >= 300 && status < 400) {
		return `VoxPria answered with a redirect (HTTP ${status}); check that the Base URL ${baseUrl} is the API address`;
	}
	return `VoxPria refused the request (HTTP ${status})`;
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

/** Node's codes for a request that got no answer, and what each means for the user. */
const NETWORK_CODES: Record<string, (timeoutSeconds: number) => string> = {
	ECONNREFUSED: () => 'the connection was refused',
	ENOTFOUND: () => 'the host name does not resolve',
	EAI_AGAIN: () => 'the host name does not resolve',
	ECONNRESET: () => 'the connection was reset',
	ECONNABORTED: (seconds) => `it did not answer within ${seconds} s`,
	ETIMEDOUT: (seconds) => `it did not answer within ${seconds} s`,
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
	{ baseUrl, label, timeoutMs }: { baseUrl: string; label: string; timeoutMs: number },
): NodeApiError {
	const code = networkCode(error);
	const reason = code
		? NETWORK_CODES[code](timeoutMs / 1000)
		: ((error as Error)?.message ?? 'unknown error');
	return apiError(
		node,
		0,
		`Could not reach VoxPria at ${baseUrl}: ${reason}`,
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
