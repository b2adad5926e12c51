import type {
	IDataObject,
	IExecuteFunctions,
	IHookFunctions,
	IHttpRequestMethods,
	IHttpRequestOptions,
	ILoadOptionsFunctions,
	IN8nHttpFullResponse,
	IPollFunctions,
	IWebhookFunctions,
} from 'n8n-workflow';
import { sleep } from 'n8n-workflow';

import { API_PREFIX, assertSafeBaseUrl, normalizeBaseUrl } from './baseUrl';
import { apiError, describeStatus, messageFromBody, unreachableError } from './errors';
import { assertPathOfIds } from './ids';

/** Every VoxPria HTTP request of this package, from both nodes, goes through this file. */

export type VoxPriaContext =
	| IExecuteFunctions
	| IHookFunctions
	| ILoadOptionsFunctions
	| IPollFunctions
	| IWebhookFunctions;

export { API_PREFIX, DEFAULT_BASE_URL, normalizeBaseUrl } from './baseUrl';
export { pathFor } from './ids';

const REQUEST_TIMEOUT_MS = 30_000;

/** A wait longer than this inside an execution or an activation would look like a hang. */
export const MAX_RATE_LIMIT_WAIT_MS = 60_000;
const MAX_RATE_LIMIT_RETRIES = 3;
/** Used when a 429 carries no reset time: 1 s, 2 s, 4 s. */
const FALLBACK_BACKOFF_MS = 1_000;

/**
 * A numeric X-RateLimit-Reset below this is seconds from now, from here on epoch seconds. No epoch
 * time this small (September 2001) is a current reset, and no wait this long (31 years) is meant.
 */
export const RESET_EPOCH_THRESHOLD = 1_000_000_000;

export interface RequestOptions {
	qs?: IDataObject;
	body?: IDataObject;
	/** Epoch ms: a 429 is not waited out past this (listAll's overall deadline). */
	deadline?: number;
}

async function readCredentials(this: VoxPriaContext) {
	const credentials = await this.getCredentials<{ baseUrl?: string; apiKey?: string }>(
		'voxPriaApi',
	);
	const baseUrl = normalizeBaseUrl(credentials.baseUrl);
	assertSafeBaseUrl(this.getNode(), baseUrl);
	return { baseUrl, apiKey: typeof credentials.apiKey === 'string' ? credentials.apiKey : '' };
}

/** Hides the API key in text from the network: an answer or a redirect may repeat it. */
function redactor(apiKey: string): (text: string) => string {
	return apiKey.length < 4 ? (text) => text : (text) => text.split(apiKey).join('[redacted]');
}

function header(headers: IDataObject | undefined, name: string): string | undefined {
	const value = headers?.[name.toLowerCase()] ?? headers?.[name];
	if (Array.isArray(value)) return String(value[0]);
	return value === undefined || value === null ? undefined : String(value);
}

/**
 * How long to wait before retrying a 429, or undefined when the wait is too long.
 * X-RateLimit-Reset is epoch seconds, or seconds from now when small (RESET_EPOCH_THRESHOLD);
 * Retry-After (seconds) is honoured as well.
 */
export function rateLimitWaitMs(
	headers: IDataObject | undefined,
	attempt: number,
	now = Date.now(),
): { waitMs?: number; resetAt?: Date } {
	const reset = Number(header(headers, 'x-ratelimit-reset'));
	const retryAfter = Number(header(headers, 'retry-after'));
	let resetAt: Date | undefined;
	if (Number.isFinite(reset) && reset > 0) {
		resetAt = new Date(reset < RESET_EPOCH_THRESHOLD ? now + reset * 1000 : reset * 1000);
	} else if (Number.isFinite(retryAfter) && retryAfter >= 0)
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
	options: RequestOptions = {},
): Promise<T> {
	// Before the credential is even read: an ID like ".." must not change the URL.
	assertPathOfIds(this.getNode(), path);
	const { baseUrl, apiKey } = await readCredentials.call(this);
	return (await send.call(this, baseUrl, redactor(apiKey), method, path, options)) as T;
}

async function send<T>(
	this: VoxPriaContext,
	baseUrl: string,
	redact: (text: string) => string,
	method: IHttpRequestMethods,
	path: string,
	{ qs, body, deadline }: RequestOptions,
): Promise<T> {
	const node = this.getNode();
	const options: IHttpRequestOptions = {
		method,
		url: `${baseUrl}${API_PREFIX}${path}`,
		qs,
		body,
		json: true,
		timeout: REQUEST_TIMEOUT_MS,
		returnFullResponse: true,
		ignoreHttpStatusErrors: true,
		// n8n would follow a redirect and send the Authorization header to wherever it points.
		disableFollowRedirect: true,
		sendCredentialsOnCrossOriginRedirect: false,
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
			throw unreachableError(node, error, {
				baseUrl,
				label,
				timeoutMs: REQUEST_TIMEOUT_MS,
				redact,
			});
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
						`VoxPria reported a failure: ${redact(messageFromBody(envelope) ?? 'no reason given')}`,
						label,
					);
				}
				return envelope.data as T;
			}
			return responseBody as T;
		}

		const reason = messageFromBody(responseBody);
		const voxPriaMessage = reason === undefined ? undefined : redact(reason);
		if (status === 429) {
			const { waitMs, resetAt } = rateLimitWaitMs(headers, attempt);
			const inTime = deadline === undefined || Date.now() + (waitMs ?? 0) < deadline;
			if (waitMs !== undefined && inTime && attempt < MAX_RATE_LIMIT_RETRIES) {
				await sleep(waitMs);
				continue;
			}
			const when = resetAt
				? `the limit resets at ${resetAt.toISOString()}; try again after that`
				: 'try again in a few minutes';
			throw apiError(
				node,
				429,
				`VoxPria rate limit reached (HTTP 429): ${when}`,
				`VoxPria allows 1,000 API requests per hour and 100 new calls per minute. ${voxPriaMessage ?? ''}`.trim(),
				resetAt ? { resetAt: resetAt.toISOString() } : {},
			);
		}

		const redirect = status >= 300 && status < 400 ? header(headers, 'location') : undefined;
		const location = redirect === undefined ? undefined : redact(redirect);
		throw apiError(
			node,
			status,
			describeStatus(status, path, baseUrl, voxPriaMessage),
			[location && `The answer pointed to ${location.slice(0, 300)}`, voxPriaMessage, label]
				.filter(Boolean)
				.join(' | '),
		);
	}
}
