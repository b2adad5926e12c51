// @ts-check
'use strict';

/*
 * VoxPria's webhook signature, written once for the sandbox (which signs as VoxPria does) and for
 * every test that signs a delivery itself: `X-Voxpria-Signature: sha256=<hex>`, the hex
 * HMAC-SHA256 of the exact body bytes with the webhook's secret (a string body is its UTF-8
 * bytes). sandbox.test.ts pins it to RFC 4231's published HMAC-SHA256 vector, so a mistake here
 * cannot hide behind tests that share it.
 */

const crypto = require('crypto');

const SIGNATURE_HEADER = 'X-Voxpria-Signature';

/** @param {string} secret @param {string | Buffer} body @returns {string} */
function sign(secret, body) {
	return `sha256=${crypto.createHmac('sha256', secret).update(body).digest('hex')}`;
}

module.exports = { SIGNATURE_HEADER, sign };
