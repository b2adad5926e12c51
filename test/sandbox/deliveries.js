// @ts-check
'use strict';

/*
 * Webhook deliveries, as VoxPria makes them: the body signed with HMAC-SHA256 of the webhook's
 * secret, POSTed with a fresh connection each time, retried on a non-2xx answer or a network
 * error (retryBaseMs, then doubling, MAX_RETRIES times). Each delivery and its attempts are
 * kept in the engine's delivery log.
 */

const http = require('http');
const https = require('https');
const {
	MAX_RETRIES,
	DELIVERY_TIMEOUT_MS,
	LIVE_CALL_DURATION_S,
	USER_AGENT,
	TRANSCRIPT,
} = require('./constants');
const { HttpError } = require('./http');
const { isObject, requireObject, intOption } = require('./validate');
const { isoNow, newId, newSecret } = require('./records');
const { SIGNATURE_HEADER } = require('./signing');
const { isSigningForm, signedForm } = require('./signedForms');

/** How much of each answer the delivery log keeps per attempt. */
const ANSWER_KEPT_CHARS = 500;

/** @typedef {import('./types').Engine} Engine */
/** @typedef {import('./types').Delivery} Delivery */
/** @typedef {import('./types').PostResult} PostResult */
/** @typedef {import('./types').DeliverResult} DeliverResult */
/** @typedef {import('./types').DeliverSpec} DeliverSpec */
/** @typedef {import('./types').EmitSpec} EmitSpec */

/**
 * Sends the event to every active webhook subscribed to it.
 * @param {Engine} sb
 * @param {string} event @param {unknown} data @param {boolean} retry
 */
function broadcast(sb, event, data, retry) {
	const payload = { event, timestamp: isoNow(), data };
	return sb.db.webhooks
		.filter((w) => w.active && w.events.includes(event))
		.map((w) => {
			const { body, signatureHeaders } = signedForm(w.signing, w.secret, { payload });
			return startDelivery(sb, {
				webhookId: w.webhookId,
				url: w.url,
				event,
				body,
				headers: () => ({ ...deliveryHeaders(), ...signatureHeaders() }),
				retry,
			});
		});
}

/**
 * Makes the first attempt at once; retries (if any) run on timers. `headers` is asked anew for
 * each attempt.
 * @param {Engine} sb
 * @param {{webhookId: string | null, url: string, event: string, body: string,
 *   headers: () => Record<string, string>, retry: boolean}} spec
 * @returns {{record: Delivery, first: Promise<PostResult>}}
 */
function startDelivery(sb, spec) {
	/** @type {Delivery} */
	const record = {
		id: newId('dlv'),
		webhookId: spec.webhookId,
		url: spec.url,
		event: spec.event,
		body: spec.body,
		attempts: [],
		done: false,
		ok: false,
	};
	sb.deliveryLog.push(record);
	const epoch = sb.epoch;
	const attempt = async () => {
		const result = await post(sb, spec.url, spec.body, spec.headers());
		if (epoch !== sb.epoch) return result;
		const { status, error, at, ms } = result;
		// The answer's text (cut short) and Retry-After, so tests can tell a retried copy's outcome.
		/** @type {import('./types').Attempt} */
		const entry = { status, error, at, ms, body: result.body.slice(0, ANSWER_KEPT_CHARS) };
		if (result.retryAfter !== undefined) entry.retryAfter = result.retryAfter;
		record.attempts.push(entry);
		record.ok = status !== null && status >= 200 && status < 300;
		const retriesSoFar = record.attempts.length - 1;
		sb.logLine(
			`delivery ${record.event} -> ${spec.url}: ${status ?? error} (attempt ${retriesSoFar + 1})`,
		);
		if (record.ok || !spec.retry || retriesSoFar >= MAX_RETRIES) record.done = true;
		else sb.schedule(() => void attempt(), sb.options.retryBaseMs * 2 ** retriesSoFar);
		return result;
	};
	return { record, first: attempt() };
}

/**
 * One POST, never rejecting. A fresh connection each time (agent: false): nothing lingers in
 * a keep-alive pool to hold close() up, and each copy of a concurrent delivery really is
 * concurrent.
 * @param {Engine} sb
 * @param {string} target @param {string} body @param {Record<string, string>} headers
 * @returns {Promise<PostResult>}
 */
function post(sb, target, body, headers) {
	const at = isoNow();
	const t0 = Date.now();
	return new Promise((resolve) => {
		/** @type {http.ClientRequest | null} */
		let pending = null;
		/** @param {{status: number | null, body: string, error: string | null, retryAfter?: string}} r */
		const finish = (r) => {
			if (pending) sb.outgoing.delete(pending);
			pending = null;
			resolve({ ...r, at, ms: Date.now() - t0 });
		};
		try {
			const url = new URL(target);
			if (url.protocol !== 'http:' && url.protocol !== 'https:')
				throw new Error('not an http(s) URL');
			const bytes = Buffer.from(body, 'utf8');
			const options = {
				method: 'POST',
				agent: false,
				rejectUnauthorized: false,
				timeout: DELIVERY_TIMEOUT_MS,
				headers: { ...headers, 'Content-Length': String(bytes.length) },
			};
			const req = (url.protocol === 'https:' ? https : http).request(url, options);
			pending = req;
			sb.outgoing.add(req);
			req.on('response', (res) => {
				/** @type {Buffer[]} */
				const chunks = [];
				const status = res.statusCode ?? null;
				const retryAfter = res.headers['retry-after'];
				res.on('data', (/** @type {Buffer} */ c) => chunks.push(c));
				res.on('end', () =>
					finish({
						status,
						body: Buffer.concat(chunks).toString(),
						error: null,
						...(retryAfter !== undefined ? { retryAfter } : {}),
					}),
				);
				res.on('error', (err) => finish({ status, body: '', error: err.message }));
			});
			req.on('timeout', () => req.destroy(new Error(`no answer within ${DELIVERY_TIMEOUT_MS} ms`)));
			req.on('error', (err) => finish({ status: null, body: '', error: err.message }));
			req.end(bytes);
		} catch (err) {
			finish({ status: null, body: '', error: err instanceof Error ? err.message : String(err) });
		}
	});
}

/** @param {Engine} sb @param {DeliverSpec} spec @returns {Promise<{results: DeliverResult[]}>} */
async function deliver(sb, spec) {
	const s = requireObject(spec);
	const target = deliveryTarget(sb, s);
	const payload =
		s.payload !== undefined
			? s.payload
			: {
					event: s.event ?? 'call.completed',
					timestamp: isoNow(),
					data: s.data ?? sampleCallData(),
				};
	const event =
		s.event ??
		(isObject(payload) && typeof payload.event === 'string' ? payload.event : 'call.completed');
	if (s.body !== undefined && typeof s.body !== 'string')
		throw new HttpError(400, 'body must be a string');
	if (s.form !== undefined && s.form !== 'exact' && s.form !== 'pretty') {
		throw new HttpError(400, 'form must be "exact" or "pretty"');
	}
	// form "pretty" is the Node.js sample's form; otherwise the webhook's own signing.
	const signing = s.signing ?? (s.form === 'pretty' ? 'node' : target.signing);
	if (!isSigningForm(signing))
		throw new HttpError(400, 'signing must be raw, node, python, timestamped or both');
	const content = s.body !== undefined ? { body: s.body } : { payload };
	const { body, signatureHeaders } = signedFor(
		s.signature ?? 'valid',
		signing,
		target.secret,
		content,
	);
	if (s.headers !== undefined && !isObject(s.headers))
		throw new HttpError(400, 'headers must be an object');
	const headers = () => ({ ...deliveryHeaders(), ...signatureHeaders(), ...(s.headers ?? {}) });
	const copies = intOption(s.copies, 'copies', 1, 1);
	const one = () =>
		startDelivery(sb, {
			webhookId: target.webhookId,
			url: target.url,
			event,
			body,
			headers,
			retry: s.retry === true,
		});

	/** @type {Array<{record: Delivery, result: PostResult}>} */
	let sent = [];
	if (s.concurrent === true) {
		// Start every copy before awaiting any, so they are on the wire at the same moment.
		const started = Array.from({ length: copies }, one);
		sent = await Promise.all(
			started.map(async (d) => ({ record: d.record, result: await d.first })),
		);
	} else {
		for (let i = 0; i < copies; i++) {
			const d = one();
			sent.push({ record: d.record, result: await d.first });
		}
	}
	return { results: sent.map(({ record, result }) => deliverResult(record, result)) };
}

/**
 * @param {Engine} sb
 * @param {Record<string, any>} s
 * @returns {{webhookId: string | null, url: string, secret: string | null, signing: string}}
 */
function deliveryTarget(sb, s) {
	if (s.webhookId !== undefined) {
		const webhook = sb.db.webhooks.find((w) => w.webhookId === s.webhookId);
		if (!webhook) throw new HttpError(404, 'Webhook not found');
		// url or secret given alongside override the webhook's: handy for "wrong secret" tests.
		return {
			webhookId: webhook.webhookId,
			url: typeof s.url === 'string' ? s.url : webhook.url,
			secret: typeof s.secret === 'string' ? s.secret : webhook.secret,
			signing: webhook.signing,
		};
	}
	if (typeof s.url !== 'string' || s.url === '')
		throw new HttpError(400, 'give webhookId, or url and secret');
	const secret = typeof s.secret === 'string' ? s.secret : null;
	return { webhookId: null, url: s.url, secret, signing: 'raw' };
}

/**
 * The body and signature headers for `deliver`'s `signature` mode: "valid", "forged" (well-formed,
 * another secret), "missing" (no header) or a literal X-Voxpria-Signature value.
 * @param {unknown} mode @param {import('./signedForms').SigningForm} signing
 * @param {string | null} secret @param {{ payload: unknown } | { body: string }} content
 */
function signedFor(mode, signing, secret, content) {
	if (typeof mode !== 'string') throw new HttpError(400, 'signature must be a string');
	if (mode === 'valid' && secret === null)
		throw new HttpError(400, 'a valid signature needs webhookId or secret');
	const key = mode === 'valid' ? secret : mode === 'forged' ? newSecret() : null;
	let form;
	try {
		form = signedForm(signing, key, content);
	} catch (error) {
		throw new HttpError(400, error instanceof Error ? error.message : String(error));
	}
	if (mode === 'valid' || mode === 'forged' || mode === 'missing') return form;
	return { body: form.body, signatureHeaders: () => ({ [SIGNATURE_HEADER]: mode }) };
}

/**
 * Waits for the first attempt of each delivery, so a test can look at its receiver as soon as
 * this resolves; retries carry on in the background.
 * @param {Engine} sb
 * @param {EmitSpec} spec @returns {Promise<{deliveries: string[]}>}
 */
async function emit(sb, spec) {
	const s = requireObject(spec);
	if (typeof s.event !== 'string' || s.event === '') throw new HttpError(400, 'event is required');
	const started = broadcast(sb, s.event, s.data ?? {}, s.retry !== false);
	await Promise.all(started.map((d) => d.first));
	return { deliveries: started.map((d) => d.record.id) };
}

/** The headers of every delivery besides its signature. */
function deliveryHeaders() {
	return { 'Content-Type': 'application/json', 'User-Agent': USER_AGENT };
}

/** @param {Delivery} record @param {PostResult} result @returns {DeliverResult} */
function deliverResult(record, result) {
	/** @type {DeliverResult} */
	const out = { deliveryId: record.id, status: result.status, body: result.body, ms: result.ms };
	if (result.error !== null) out.error = result.error;
	if (result.retryAfter !== undefined) out.retryAfter = result.retryAfter;
	return out;
}

/** The documented call.completed example, with a transcript that tests byte-exact signing. */
function sampleCallData() {
	return {
		callId: newId('call'),
		status: 'completed',
		duration: LIVE_CALL_DURATION_S,
		toNumber: '+14155551234',
		agentId: 'agt_sales',
		recording: 'https://app.voxpria.com/recordings/sample.mp3',
		transcript: TRANSCRIPT,
		outcome: 'successful',
	};
}

module.exports = { broadcast, deliver, emit };
