import type {
	IDataObject,
	IExecuteFunctions,
	IHookFunctions,
	IHttpRequestMethods,
	IHttpRequestOptions,
	ILoadOptionsFunctions,
	IN8nHttpFullResponse,
} from 'n8n-workflow';
import { sleep } from 'n8n-workflow';

import { apiError, describeStatus, messageFromBody, unreachableError } from './errors';

/** Every VoxPria HTTP request of this package, from both nodes, goes through this file. */

export type VoxPriaContext = IExecuteFunctions | IHookFunctions | ILoadOptionsFunctions;

export const DEFAULT_BASE_URL = 'https://app.voxpria.com';
export const API_PREFIX = '/api/v1';
const REQUEST_TIMEOUT_MS = 30_000;

/** A wait longer than this inside an execution or an activation would look like a hang. */
export const MAX_RATE_LIMIT_WAIT_MS = 60_000;
const MAX_RATE_LIMIT_RETRIES = 3;
/** Used when a 429 carries no reset time: 1 s, 2 s, 4 s. */
const FALLBACK_BACKOFF_MS = 1_000;

export interface RequestOptions {
	qs?: IDataObject;
	body?: IDataObject;
}

/** Accepts "https://host", "https://host/" and "https://host/api/v1/". */
export function normalizeBaseUrl(baseUrl: unknown): string {
	const text =
		typeof baseUrl === 'string' && baseUrl.trim() !== '' ? baseUrl.trim() : DEFAULT_BASE_URL;
	return text.replace(/\/+$/, '').replace(/\/api\/v1$/, '');
}

async function getBaseUrl(this: VoxPriaContext): Promise<string> {
	const credentials = await this.getCredentials<{ baseUrl?: string }>('voxPriaApi');
	return normalizeBaseUrl(credentials.baseUrl);
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
	else if (Number.isFinite(retryAfter) && retryAfter >= 0)
		resetAt = new Date(now + retryAfter * 1000);

	if (resetAt === undefined) return { waitMs: FALLBACK_BACKOFF_MS * 2 ** attempt };
	// The reset second is inclusive on most servers: wait until it has passed.
	const waitMs = Math.max(0, resetAt.getTime() - now) + 250;
	return waitMs <= MAX_RATE_LIMIT_WAIT_MS ? { waitMs, resetAt } : { resetAt };
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
	const node = this.getNode();
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
			throw unreachableError(node, error, { baseUrl, label, timeoutMs: REQUEST_TIMEOUT_MS });
		}

		const status = response.statusCode;
		const headers = response.headers as IDataObject | undefined;
		const responseBody = response.body as unknown;

		if (status >= 200 && status < 300) {
			if (responseBody && typeof responseBody === 'object' && 'success' in responseBody) {
				const envelope = responseBody as IDataObject;
				if (envelope.success === false) {
					throw apiError(
						node,
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
			throw apiError(
				node,
				429,
				`VoxPria rate limit reached (HTTP 429). ${when}`,
				`VoxPria allows 1,000 API requests per hour and 100 new calls per minute. ${voxPriaMessage ?? ''}`.trim(),
				resetAt ? { resetAt: resetAt.toISOString() } : {},
			);
		}

		throw apiError(
			node,
			status,
			describeStatus(status, path, baseUrl),
			[voxPriaMessage, label].filter(Boolean).join(' | '),
		);
	}
}
