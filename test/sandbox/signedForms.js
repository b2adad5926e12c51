// @ts-check
'use strict';

/*
 * The ways VoxPria's pages say a delivery is signed, one name each, so that the sandbox can deliver
 * in every one (a webhook's `signing`, default "raw"):
 *
 * - "raw": X-Voxpria-Signature over the exact body (Webhooks API page).
 * - "node": X-Voxpria-Signature over JSON.stringify of the payload, the body sent pretty-printed
 *   (what the page's Node.js sample verifies, with bytes that differ from it).
 * - "python": X-Voxpria-Signature over Python's json.dumps of the payload, the body sent as
 *   compact JSON (what the page's Python sample verifies).
 * - "timestamped": X-Webhook-Signature: t=<now>,v1=<HMAC of "<t>.<body>"> (developers/webhooks
 *   page), signed again at every attempt, as senders with this header do.
 * - "both": both headers.
 */

const { SIGNATURE_HEADER, TIMESTAMPED_HEADER, sign, signTimestamped } = require('./signing');

const SIGNING_FORMS = /** @type {const} */ (['raw', 'node', 'python', 'timestamped', 'both']);

/** @typedef {typeof SIGNING_FORMS[number]} SigningForm */

/** @param {unknown} value @returns {value is SigningForm} */
const isSigningForm = (value) => SIGNING_FORMS.includes(/** @type {SigningForm} */ (value));

/**
 * json.dumps of a JSON value, as Python writes it: ", " and ": ", non-ASCII escaped. Numbers are
 * what VoxPria sends (integers, and decimals like 12.5), which Python writes as JavaScript does.
 * @param {unknown} value @returns {string}
 */
function pythonDumps(value) {
	if (value === null || typeof value === 'boolean') return String(value);
	if (typeof value === 'number') {
		if (Number.isInteger(value) ? Math.abs(value) >= 1e16 : Math.abs(value) < 1e-4)
			throw new Error(`the sandbox's Python form does not cover the number ${value}`);
		return String(value);
	}
	if (typeof value === 'string') {
		return JSON.stringify(value).replace(
			/[\u007f-\uffff]/g,
			(c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
		);
	}
	if (Array.isArray(value)) return `[${value.map(pythonDumps).join(', ')}]`;
	if (typeof value === 'object') {
		const entries = Object.entries(/** @type {Record<string, unknown>} */ (value));
		return `{${entries.map(([key, item]) => `${pythonDumps(key)}: ${pythonDumps(item)}`).join(', ')}}`;
	}
	throw new Error(`not a JSON value: ${typeof value}`);
}

/**
 * The bytes to send for a payload (or the bytes given), and the signature headers for one attempt
 * (a function, since "timestamped" signs each attempt anew). `secret` null: no signature header.
 * @param {SigningForm} form @param {string | null} secret
 * @param {{ payload: unknown } | { body: string }} content
 * @returns {{ body: string, signatureHeaders: () => Record<string, string> }}
 */
function signedForm(form, secret, content) {
	if ('body' in content && (form === 'node' || form === 'python'))
		throw new Error(`signing "${form}" re-serialises a payload: give payload, not body`);
	const compact = 'body' in content ? content.body : JSON.stringify(content.payload);
	const payload = 'payload' in content ? content.payload : undefined;
	const body = form === 'node' ? JSON.stringify(payload, null, 2) : compact;
	const signed = form === 'node' ? compact : form === 'python' ? pythonDumps(payload) : body;
	return {
		body,
		signatureHeaders: () => {
			if (secret === null) return {};
			/** @type {Record<string, string>} */
			const headers = {};
			if (form !== 'timestamped') headers[SIGNATURE_HEADER] = sign(secret, signed);
			if (form === 'timestamped' || form === 'both')
				headers[TIMESTAMPED_HEADER] = signTimestamped(secret, body);
			return headers;
		},
	};
}

module.exports = { SIGNING_FORMS, isSigningForm, pythonDumps, signedForm };
