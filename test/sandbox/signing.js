// @ts-check
'use strict';

/*
 * VoxPria's webhook signatures, written once for the sandbox (which signs as VoxPria does) and for
 * every test that signs a delivery itself. VoxPria's pages describe two headers:
 *
 * - `X-Voxpria-Signature: sha256=<hex>` (Webhooks API page): the hex HMAC-SHA256 of the signed
 *   text with the webhook's secret (a string is its UTF-8 bytes). The text is the body itself, or
 *   what the page's samples re-serialise the body to: JSON.stringify (Node.js) or json.dumps
 *   (Python).
 * - `X-Webhook-Signature: t=<unix seconds>,v1=<hex>` (developers/webhooks page): the HMAC of
 *   `<t>.<body>`, the convention of this header's shape.
 *
 * sandbox.test.ts pins both to published or hand-computed HMAC-SHA256 values, so a mistake here
 * cannot hide behind tests that share it.
 */

const crypto = require('crypto');

const SIGNATURE_HEADER = 'X-Voxpria-Signature';
const TIMESTAMPED_HEADER = 'X-Webhook-Signature';

/** @param {string} secret @param {string | Buffer} text */
function hmacHex(secret, text) {
	return crypto.createHmac('sha256', secret).update(text).digest('hex');
}

/** X-Voxpria-Signature's value. @param {string} secret @param {string | Buffer} body @returns {string} */
function sign(secret, body) {
	return `sha256=${hmacHex(secret, body)}`;
}

/**
 * X-Webhook-Signature's value, over `<t>.<body>`; `t` defaults to now (unix seconds).
 * @param {string} secret @param {string | Buffer} body @param {string} [t]
 * @returns {string}
 */
function signTimestamped(secret, body, t = String(Math.floor(Date.now() / 1000))) {
	const mac = crypto.createHmac('sha256', secret).update(`${t}.`).update(body).digest('hex');
	return `t=${t},v1=${mac}`;
}

module.exports = { SIGNATURE_HEADER, TIMESTAMPED_HEADER, sign, signTimestamped, hmacHex };
