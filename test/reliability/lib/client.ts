/* eslint-disable @n8n/community-nodes/no-restricted-globals, @n8n/community-nodes/no-restricted-imports -- dev-only code, held to eslint.dev.config.mjs instead (CONTRIBUTING.md) */
/**
 * An HTTPS client for sending deliveries straight to n8n's production webhook URL: accepts n8n's
 * self-signed certificate (for its own requests only) and keeps connections alive, as a sender
 * under load would.
 */
import * as http from 'http';
import * as https from 'https';

export interface Answer {
	/** null when the request failed without an HTTP answer (reset, timeout). */
	status: number | null;
	body: string;
	/** The network error, if any. */
	error?: string;
	ms: number;
}

export interface Sending {
	method?: string;
	body?: Buffer | string;
	/** An array value sends the header once per element (duplicated headers). */
	headers?: http.OutgoingHttpHeaders;
	timeoutMs?: number;
}

export class DeliveryClient {
	private readonly agent: https.Agent;

	constructor({
		keepAlive = true,
		maxSockets = 20,
	}: { keepAlive?: boolean; maxSockets?: number } = {}) {
		this.agent = new https.Agent({ keepAlive, maxSockets, rejectUnauthorized: false });
	}

	send(
		url: string,
		{ method = 'POST', body, headers = {}, timeoutMs = 120_000 }: Sending = {},
	): Promise<Answer> {
		const started = Date.now();
		const bytes = body === undefined ? undefined : Buffer.isBuffer(body) ? body : Buffer.from(body);
		const hasLength = Object.keys(headers).some((name) => name.toLowerCase() === 'content-length');
		const allHeaders: http.OutgoingHttpHeaders = {
			...headers,
			...(bytes && !hasLength ? { 'content-length': bytes.length } : {}),
		};
		return new Promise((resolve) => {
			let settled = false;
			const finish = (answer: Omit<Answer, 'ms'>) => {
				if (settled) return;
				settled = true;
				resolve({ ...answer, ms: Date.now() - started });
			};
			const req = https.request(
				url,
				{ method, headers: allHeaders, agent: this.agent, timeout: timeoutMs },
				(res) => {
					const chunks: Buffer[] = [];
					res.on('data', (chunk: Buffer) => chunks.push(chunk));
					res.on('end', () =>
						finish({
							status: res.statusCode ?? null,
							body: Buffer.concat(chunks).toString('utf8'),
						}),
					);
					res.on('error', (error) =>
						finish({
							status: res.statusCode ?? null,
							body: Buffer.concat(chunks).toString('utf8'),
							error: error.message,
						}),
					);
				},
			);
			req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
			req.on('error', (error: NodeJS.ErrnoException) =>
				finish({ status: null, body: '', error: error.code ?? error.message }),
			);
			req.end(bytes);
		});
	}

	close(): void {
		this.agent.destroy();
	}
}

/** Runs fn over items with at most `concurrency` in flight; results in item order. */
export async function inPool<T, R>(
	items: readonly T[],
	concurrency: number,
	fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
	const results = new Array<R>(items.length);
	let next = 0;
	const worker = async () => {
		for (;;) {
			const index = next++;
			if (index >= items.length) return;
			results[index] = await fn(items[index], index);
		}
	};
	await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
	return results;
}

export function sleep(ms: number): Promise<void> {
	return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Waits until n8n serves the trigger's production URL: after a start or an activation n8n answers
 * 404 for a few seconds. An unsigned POST gets 401 from the trigger once it is live (and starts
 * nothing).
 */
export async function untilLive(
	client: DeliveryClient,
	url: string,
	timeoutMs = 60_000,
): Promise<number> {
	const started = Date.now();
	for (;;) {
		const answer = await client.send(url, {
			body: '{}',
			headers: { 'content-type': 'application/json' },
			timeoutMs: 10_000,
		});
		if (answer.status !== null && answer.status !== 404) return Date.now() - started;
		if (Date.now() - started > timeoutMs)
			throw new Error(
				`${url} not live after ${timeoutMs} ms (last: ${answer.status ?? answer.error})`,
			);
		await sleep(250);
	}
}

/**
 * n8n's own answer while its database pings fail (an overloaded machine): every request gets it,
 * before any workflow or trigger sees the request. VoxPria retries it like any non-2xx.
 */
export const isDatabaseNotReady = (answer: Answer) =>
	answer.status === 503 && answer.body.includes('Database is not ready!');

/**
 * Sends again, as VoxPria would, while n8n answers "Database is not ready!" (up to `tries` times,
 * 2 s apart); `retried` counts those answers, for the figures.
 */
export async function sendUntilServed(
	send: () => Promise<Answer>,
	retried: { count: number },
	{ tries = 30, waitMs = 2_000 } = {},
): Promise<Answer> {
	for (let attempt = 1; ; attempt++) {
		const answer = await send();
		if (!isDatabaseNotReady(answer) || attempt >= tries) return answer;
		retried.count++;
		await sleep(waitMs);
	}
}
