import { createHash } from 'crypto';
import type { IDataObject } from 'n8n-workflow';

import { deliveryKey, type DeliveryKey, type DeliveryMemory } from './deliveryMemory';
import { verifySignature } from './verifySignature';

export interface Delivery {
	signatureHeader: unknown;
	/** The exact bytes n8n received. */
	rawBody: Buffer | undefined;
	/** What n8n's body parser made of them. */
	parsedBody: unknown;
	/** Whether n8n decoded the bytes as UTF-8 (its content type named no other charset). */
	parsedAsUtf8: boolean;
}

export interface DeliveryRules {
	/** The secrets of the registrations this delivery may belong to; empty when there is none. */
	secrets: string[];
	events: string[];
	skipSignatureCheck: boolean;
	/** Undefined when duplicates are not to be ignored. */
	memory: DeliveryMemory | undefined;
	/** Signed timestamps older than this many ms are refused. */
	windowMs: number;
	now: number;
}

/** A delivery that is not run, and why; `reason` is the name it is counted under in the log. */
export interface Refused {
	accepted: false;
	status: number;
	body: IDataObject;
	reason?: string;
	detail?: string;
	/** The signature was valid: VoxPria (or someone replaying it) sent this. */
	signed: boolean;
	/** A sha256 signature that matched no secret we hold: maybe our secret is outdated. */
	secretMismatch?: boolean;
	headers?: Record<string, string>;
}

export interface Accepted {
	accepted: true;
	/** Exactly the JSON VoxPria signed. */
	payload: IDataObject;
	/** What the duplicate memory recorded it as (pending until n8n records the execution). */
	key: DeliveryKey;
	/** Its signed timestamp (ms); the time it arrived for an unsigned one. */
	at: number;
}

export type Verdict = Accepted | Refused;

/** VoxPria's clock may run this far ahead of n8n's. */
export const FUTURE_SKEW_MS = 5 * 60_000;
/** When a copy of a delivery still being recorded should come again. */
export const PENDING_RETRY_AFTER_S = 5;

const SHAPE = 'a VoxPria delivery is a JSON object with "event", "timestamp" and "data"';
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/i;

export function refuse(status: number, reason: string, detail: string, signed: boolean): Refused {
	return {
		accepted: false,
		status,
		body: { error: `${reason}: ${detail}` },
		reason,
		detail,
		signed,
	};
}

/** JSON.parse of UTF-8 text without a byte-order mark, or undefined. */
function parseUtf8(bytes: Buffer | string): unknown {
	const text = typeof bytes === 'string' ? bytes : bytes.toString('utf8');
	try {
		return JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
	} catch {
		return undefined;
	}
}

/**
 * The delivery as VoxPria signed it, or the reason it is not one. n8n's own parse is used when it
 * read the signed bytes as UTF-8; otherwise (another charset, which is not signed, or a content
 * type n8n does not parse as JSON) the signed bytes are parsed as UTF-8 here.
 */
function readPayload(delivery: Delivery, signedText: string | undefined): IDataObject | string {
	const { rawBody, parsedBody } = delivery;
	let body: unknown;
	if (signedText !== undefined) body = parseUtf8(signedText);
	else if (
		delivery.parsedAsUtf8 &&
		parsedBody &&
		typeof parsedBody === 'object' &&
		!Array.isArray(parsedBody) &&
		Object.keys(parsedBody).length > 0
	) {
		body = parsedBody;
	} else if (rawBody?.length) {
		body = parseUtf8(rawBody);
		if (body === undefined) return `The body is not JSON: ${SHAPE}`;
	} else return `The body is empty: ${SHAPE}`;
	if (!body || typeof body !== 'object' || Array.isArray(body))
		return `The body is not a JSON object: ${SHAPE}`;
	if (typeof (body as IDataObject).event !== 'string')
		return `The body has no "event" name: ${SHAPE}`;
	return body as IDataObject;
}

/** The signed timestamp in ms: an ISO 8601 instant with a zone, or epoch seconds or ms. */
export function readTimestamp(value: unknown): number | undefined {
	if (typeof value === 'number' && Number.isFinite(value) && value > 0) {
		return value < 1e11 ? value * 1000 : value;
	}
	if (typeof value !== 'string' || !ISO_INSTANT.test(value.trim())) return undefined;
	const at = Date.parse(value.trim());
	return Number.isFinite(at) ? at : undefined;
}

function hours(ms: number): string {
	const value = ms / 3_600_000;
	return `${Number.isInteger(value) ? value : value.toFixed(1)} h`;
}

/**
 * Decides what to answer to one delivery, and whether it starts the workflow: signature, shape,
 * event filter, signed timestamp, then the duplicate memory (which it updates). Pure apart from the
 * memory. The answer codes (README, "What each answer means"): 200 only for what ran or will never
 * need to run; 409 for a copy of a delivery still being recorded, so that VoxPria comes back; 4xx
 * for what can never run.
 */
export function checkDelivery(delivery: Delivery, rules: DeliveryRules): Verdict {
	let digest: Buffer | undefined;
	let signedText: string | undefined;
	if (rules.skipSignatureCheck) {
		digest = createHash('sha256')
			.update(delivery.rawBody ?? '')
			.digest();
	} else {
		if (rules.secrets.length === 0) {
			return refuse(
				401,
				'no signing secret',
				'this trigger holds no registration; deactivate and activate the workflow to register again',
				false,
			);
		}
		let reason = '';
		let wellFormed = false;
		for (const secret of rules.secrets) {
			const check = verifySignature(
				delivery.signatureHeader,
				delivery.rawBody,
				delivery.parsedBody,
				secret,
			);
			if (check.valid) {
				digest = check.digest;
				signedText = check.signed;
				break;
			}
			reason = check.reason;
			wellFormed = check.wellFormed;
			if (!wellFormed) break;
		}
		if (!digest) {
			const refused = refuse(401, 'invalid signature', reason, false);
			refused.body = { error: `Invalid signature: ${reason}` };
			refused.secretMismatch = wellFormed;
			return refused;
		}
	}
	const signed = !rules.skipSignatureCheck;

	const payload = readPayload(delivery, signedText);
	if (typeof payload === 'string') return refuse(400, 'not a delivery', payload, signed);

	const event = payload.event as string;
	if (!rules.events.includes(event)) {
		// 200 so that VoxPria does not retry an event this workflow does not want.
		return {
			accepted: false,
			status: 200,
			body: { received: true, ignored: `event ${event} is not selected` },
			signed,
		};
	}

	let at = readTimestamp(payload.timestamp);
	const undated = at === undefined;
	if (rules.skipSignatureCheck) {
		// Without a signature the timestamp proves nothing: only duplicates are caught.
		at ??= rules.now;
	} else if (at === undefined) {
		const detail =
			payload.timestamp === undefined
				? 'the body has no "timestamp"'
				: 'its "timestamp" is not an ISO 8601 time with a zone';
		return refuse(400, 'no readable timestamp', detail, signed);
	} else if (at > rules.now + FUTURE_SKEW_MS) {
		return refuse(
			400,
			'timestamp in the future',
			`it is dated ${new Date(at).toISOString()}, more than 5 minutes ahead of this server's clock; check the clock of the n8n server`,
			signed,
		);
	} else if (at < rules.now - rules.windowMs) {
		return refuse(
			400,
			'older than the replay window',
			`it is dated ${new Date(at).toISOString()}, more than ${hours(rules.windowMs)} ago (Options → Replay Window)`,
			signed,
		);
	}

	const key = deliveryKey(digest);
	const memory = rules.memory;
	if (memory) {
		memory.expire(rules.now - rules.windowMs);
		switch (memory.recall(key, at, undated)) {
			case 'recorded':
				return {
					...refuse(200, 'duplicate', 'this delivery already started an execution', signed),
					body: { received: true, duplicate: true },
				};
			case 'pending':
				return {
					...refuse(
						409,
						'duplicate in progress',
						'a copy of this delivery is still being recorded; retry later',
						signed,
					),
					headers: { 'Retry-After': String(PENDING_RETRY_AFTER_S) },
				};
			case 'belowFloor':
				return refuse(
					400,
					'older than the duplicate memory',
					`it is dated ${new Date(at).toISOString()}, at or before the oldest delivery the trigger had to forget (${new Date(memory.floor).toISOString()}), so it may have run already`,
					signed,
				);
			case 'new':
				memory.remember(key, at);
		}
	}
	return { accepted: true, payload, key, at };
}
