// @ts-check
'use strict';

/** Reading requests and writing answers: the HTTP plumbing every handler shares. */

/** @typedef {import('http').IncomingMessage} IncomingMessage */
/** @typedef {import('http').ServerResponse} ServerResponse */

/** An error a handler throws to answer with this status and message. */
class HttpError extends Error {
	/** @param {number} status @param {string} message */
	constructor(status, message) {
		super(message);
		this.status = status;
	}
}

/** @param {string} text @returns {{ok: true, value: any} | {ok: false}} */
function parseJson(text) {
	if (text === '') return { ok: true, value: undefined };
	try {
		return { ok: true, value: JSON.parse(text) };
	} catch {
		return { ok: false };
	}
}

/**
 * Reads the whole body even past the limit, so the client gets its 413 instead of a reset.
 * @param {IncomingMessage} req @param {number} limit
 * @returns {Promise<{text: string, tooLarge: boolean}>}
 */
function readBody(req, limit) {
	return new Promise((resolve, reject) => {
		/** @type {Buffer[]} */
		const chunks = [];
		let size = 0;
		req.on('data', (/** @type {Buffer} */ chunk) => {
			size += chunk.length;
			if (size <= limit) chunks.push(chunk);
		});
		req.on('end', () =>
			resolve({ text: Buffer.concat(chunks).toString('utf8'), tooLarge: size > limit }),
		);
		req.on('error', reject);
	});
}

/**
 * @param {ServerResponse} res @param {number} status @param {string | Buffer} text
 * @param {Record<string, string>} headers
 */
function writeRaw(res, status, text, headers) {
	if (res.headersSent || res.destroyed) return;
	res.writeHead(status, { 'Content-Length': String(Buffer.byteLength(text)), ...headers });
	res.end(text);
}

/**
 * @param {ServerResponse} res @param {number} status @param {unknown} payload
 * @param {Record<string, string>} [headers]
 */
function sendJson(res, status, payload, headers = {}) {
	writeRaw(res, status, JSON.stringify(payload), {
		'Content-Type': 'application/json; charset=utf-8',
		...headers,
	});
}

/** @param {string} message */
const failure = (message) => ({ success: false, error: message });

/** @param {string} host */
function urlHost(host) {
	if (host === '0.0.0.0' || host === '::' || host === '') return '127.0.0.1';
	return host.includes(':') ? `[${host}]` : host;
}

module.exports = { HttpError, parseJson, readBody, writeRaw, sendJson, failure, urlHost };
