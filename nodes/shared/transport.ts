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

import { API_PREFIX, assertSafeBaseUrl, isLoopback, normalizeBaseUrl, webAddress } from './baseUrl';
import {
	apiError,
	describeStatus,
	downloadStatusError,
	downloadUnreachable,
	keyOverHttpError,
	messageFromBody,
	notWebAddressError,
	unreachableError,
} from './errors';
import { assertPathOfIds } from './ids';
import { header, rateLimitWaitMs } from './rateLimit';

/** Every VoxPria HTTP request of this package, from both nodes, goes through this file. */

export type VoxPriaContext =
	| IExecuteFunctions
	| IHookFunctions
	| ILoadOptionsFunctions
	| IPollFunctions
	| IWebhookFunctions;

export { API_PREFIX, DEFAULT_BASE_URL, normalizeBaseUrl } from './baseUrl';
export { pathFor } from './ids';
export { MAX_RATE_LIMIT_WAIT_MS, RESET_EPOCH_THRESHOLD, rateLimitWaitMs } from './rateLimit';

const REQUEST_TIMEOUT_MS = 30_000;

const MAX_RATE_LIMIT_RETRIES = 3;

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

/** Redirects a download follows (VoxPria's own answers are never followed: send() above). */
export const MAX_DOWNLOAD_REDIRECTS = 5;
const DOWNLOAD_TIMEOUT_MS = 120_000;

export interface DownloadOptions {
	/** Send the API key to the URL's host even when it is not the credential's Base URL. */
	sendKeyToOtherHosts?: boolean;
	/** The whole download, body included, is given up after this many ms (the trigger's budget). */
	timeoutMs?: number;
}

/** A stream, as n8n's prepareBinaryData takes it (n8n Cloud allows no import of 'stream'). */
type Readable = Exclude<Parameters<IExecuteFunctions['helpers']['prepareBinaryData']>[0], Buffer>;

export interface DownloadedFile {
	/** The file, as it arrives. */
	body: Readable;
	/** Where it came from, after redirects. */
	url: URL;
	headers: IDataObject;
	/** Gives the download up (a body that is not to be read). */
	discard: () => void;
	/** The error to throw when the body breaks off while it is read (or its time runs out). */
	failure: (error: unknown) => Error;
}

/**
 * Downloads a file (a call recording) as a stream. The API key goes only to the credential's Base
 * URL origin (and to other hosts when `sendKeyToOtherHosts`, over https or to this machine only),
 * never along a redirect to another origin: n8n follows no redirect here; a same-origin redirect
 * keeps the key, one to another origin is followed without it.
 */
export async function downloadFile(
	this: IExecuteFunctions | IWebhookFunctions,
	address: string,
	{ sendKeyToOtherHosts = false, timeoutMs }: DownloadOptions = {},
): Promise<DownloadedFile> {
	const node = this.getNode();
	const { baseUrl, apiKey } = await readCredentials.call(this);
	const redact = redactor(apiKey);
	const apiOrigin = new URL(baseUrl).origin;
	const signal = timeoutMs === undefined ? undefined : AbortSignal.timeout(timeoutMs);
	const limitMs = timeoutMs ?? DOWNLOAD_TIMEOUT_MS;
	let url = webAddress(address) as URL;
	if (!url) throw notWebAddressError(node, redact(address));
	let keyed = url.origin === apiOrigin || sendKeyToOtherHosts;
	let from: URL | undefined;
	for (let hop = 0; ; hop++) {
		if (keyed && url.protocol !== 'https:' && !isLoopback(url.hostname)) {
			throw keyOverHttpError(node, url);
		}
		const options: IHttpRequestOptions = {
			method: 'GET',
			url: url.href,
			encoding: 'stream',
			headers: { Accept: 'audio/*, application/octet-stream;q=0.9, */*;q=0.5' },
			timeout: limitMs,
			abortSignal: signal,
			returnFullResponse: true,
			ignoreHttpStatusErrors: true,
			disableFollowRedirect: true,
			sendCredentialsOnCrossOriginRedirect: false,
		};
		let response: IN8nHttpFullResponse;
		try {
			response = (
				keyed
					? await this.helpers.httpRequestWithAuthentication.call(this, 'voxPriaApi', options)
					: await this.helpers.httpRequest(options)
			) as IN8nHttpFullResponse;
		} catch (error) {
			throw downloadUnreachable(node, error, url, redact, limitMs, signal?.aborted);
		}
		const { statusCode: status } = response;
		const [body, headers] = [response.body as Readable, (response.headers ?? {}) as IDataObject];
		const discard = () => body?.destroy?.();
		const failure = (error: unknown) =>
			downloadUnreachable(node, error, url, redact, limitMs, signal?.aborted);
		if (status >= 200 && status < 300) return { body, url, headers, discard, failure };
		discard();
		const location = status >= 300 && status < 400 ? header(headers, 'location') : undefined;
		const next: URL | undefined = location === undefined ? undefined : webAddress(location, url);
		if (location !== undefined && !next) throw notWebAddressError(node, redact(location), url);
		if (!next || hop >= MAX_DOWNLOAD_REDIRECTS) {
			throw downloadStatusError(node, status, { url, keyed, from, redact });
		}
		keyed = keyed && next.origin === url.origin;
		// The key stays with its origin: a redirect elsewhere is followed without it.
		from = url;
		url = next;
	}
}
