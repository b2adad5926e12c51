// @ts-check
'use strict';
/**
 * The HTTP side of the e2e harness: a small HTTP(S) client that accepts n8n's self-signed
 * certificate for its own requests only, a poller, and free ports.
 */

const net = require('node:net');
const http = require('node:http');
const https = require('node:https');

/**
 * @typedef {{ status: number, headers: http.IncomingHttpHeaders, text: string, body: any }} HttpResponse
 * @typedef {{
 *   method?: string,
 *   headers?: Record<string, string>,
 *   body?: unknown,
 *   timeoutMs?: number,
 * }} RequestOptions
 * @typedef {{ timeoutMs?: number, intervalMs?: number, description?: string }} WaitOptions
 */

/** Accepts n8n's self-signed certificate for the harness's own requests only. */
const insecureAgent = new https.Agent({ rejectUnauthorized: false, keepAlive: true });
const plainAgent = new http.Agent({ keepAlive: true });

/** @param {number} ms */
function sleep(ms) {
	return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Polls fn until it returns a value other than undefined/false/null. Errors thrown by fn are
 * retried (the last one is reported on timeout) unless they carry `fatal: true`.
 * @template T
 * @param {() => Promise<T | undefined | null | false> | T | undefined | null | false} fn
 * @param {WaitOptions} [opts]
 * @returns {Promise<T>}
 */
async function waitFor(
	fn,
	{ timeoutMs = 30_000, intervalMs = 250, description = 'condition' } = {},
) {
	const deadline = Date.now() + timeoutMs;
	/** @type {unknown} */
	let lastError;
	for (;;) {
		try {
			const value = await fn();
			if (value !== undefined && value !== null && value !== false) return /** @type {T} */ (value);
			lastError = undefined;
		} catch (err) {
			// An error marked `fatal` ends the wait at once; others are retried until the deadline.
			if (err && /** @type {{ fatal?: boolean }} */ (err).fatal) throw err;
			lastError = err;
		}
		if (Date.now() >= deadline) {
			const why = lastError instanceof Error ? `: ${lastError.message}` : '';
			const err = new Error(`timed out after ${timeoutMs} ms waiting for ${description}${why}`);
			if (lastError instanceof Error) err.cause = lastError;
			throw err;
		}
		await sleep(intervalMs);
	}
}

/**
 * A minimal HTTP(S) client. JSON bodies are sent and parsed automatically; self-signed
 * certificates are accepted (for this request only).
 * @param {string} url
 * @param {RequestOptions} [opts]
 * @returns {Promise<HttpResponse>}
 */
function request(url, { method = 'GET', headers = {}, body, timeoutMs = 60_000 } = {}) {
	const u = new URL(url);
	const isHttps = u.protocol === 'https:';
	/** @type {Buffer | undefined} */
	let payload;
	/** @type {Record<string, string | number>} */
	const hdrs = { accept: 'application/json', ...headers };
	if (body !== undefined) {
		if (Buffer.isBuffer(body) || typeof body === 'string') {
			payload = Buffer.from(body);
		} else {
			payload = Buffer.from(JSON.stringify(body));
			if (!Object.keys(hdrs).some((h) => h.toLowerCase() === 'content-type')) {
				hdrs['content-type'] = 'application/json';
			}
		}
		hdrs['content-length'] = payload.length;
	}
	return new Promise((resolve, reject) => {
		const req = (isHttps ? https : http).request(
			u,
			{ method, headers: hdrs, agent: isHttps ? insecureAgent : plainAgent, timeout: timeoutMs },
			(res) => {
				/** @type {Buffer[]} */
				const chunks = [];
				res.on('data', (c) => chunks.push(c));
				res.on('error', reject);
				res.on('end', () => {
					const text = Buffer.concat(chunks).toString('utf8');
					let parsed = text;
					if (/json/.test(String(res.headers['content-type'] ?? ''))) {
						try {
							parsed = JSON.parse(text);
						} catch {
							// keep text
						}
					}
					resolve({ status: res.statusCode ?? 0, headers: res.headers, text, body: parsed });
				});
			},
		);
		req.on('timeout', () =>
			req.destroy(new Error(`${method} ${url} timed out after ${timeoutMs} ms`)),
		);
		req.on('error', reject);
		req.end(payload);
	});
}

/** @returns {Promise<number>} a port that was free a moment ago */
function freePort() {
	return new Promise((resolve, reject) => {
		const srv = net.createServer();
		srv.unref();
		srv.on('error', reject);
		srv.listen(0, () => {
			const addr = srv.address();
			const port = typeof addr === 'object' && addr ? addr.port : 0;
			srv.close(() => resolve(port));
		});
	});
}

/** @returns {Promise<[number, number]>} two distinct free ports */
async function twoFreePorts() {
	for (;;) {
		const a = await freePort();
		const b = await freePort();
		if (a !== b) return [a, b];
	}
}

module.exports = { request, waitFor, sleep, freePort, twoFreePorts };
