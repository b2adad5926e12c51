import { createHash } from 'crypto';
import type { IDataObject } from 'n8n-workflow';

import { deliveryKey, type DeliveryKey, type DeliveryMemory } from './deliveryMemory';
import { type SignedRequest, verifySignature } from './verifySignature';

export interface Delivery extends SignedRequest {
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
	/** A signature that matched no secret we hold: maybe our secret is outdated. */
	secretMismatch?: boolean;
	/** When a signed delivery was signed (ms), if it says (republishGuard.ts). */
	signedAt?: number;
	headers?: Record<string, string>;
}

export interface Accepted {
	accepted: true;
	/** Exactly the JSON VoxPria signed. */
	payload: IDataObject;
	/** What the duplicate memory recorded it as (pending until n8n records the execution). */
	key: DeliveryKey;
	/** When it was signed (ms): its `t` or its `timestamp`; undefined when it carries neither. */
	signedAt?: number;
	/** What the memory dates it by: the signed time, or the time it arrived for an undated one. */
	at: number;
}

export type Verdict = Accepted | Refused;

/** VoxPria's clock may run this far ahead of n8n's. */
export const FUTURE_SKEW_MS = 5 * 60_000;
/** When a copy of a delivery still being recorded should come again. */
export const PENDING_RETRY_AFTER_S = 5;

const SHAPE = 'a VoxPria delivery is a JSON object with "event" and "data"';
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
 * event filter, signed time, then the duplicate memory (which it updates). Pure apart from the
 * memory. The answer codes (README, "What each answer means"): 200 only for what ran or will never
 * need to run; 409 for a copy of a delivery still being recorded, so that VoxPria comes back; 4xx
 * for what can never run.
 */
export function checkDelivery(delivery: Delivery, rules: DeliveryRules): Verdict {
	let digest: Buffer;
	let signedText: string | undefined;
	let headerSignedAt: number | undefined;
	if (rules.skipSignatureCheck) {
		digest = createHash('sha256').update(delivery.rawBody).digest();
	} else {
		if (rules.secrets.length === 0) {
			return refuse(
				401,
				'no signing secret',
				'this trigger holds no registration; deactivate and activate the workflow to register again',
				false,
			);
		}
		const check = verifySignature(delivery, rules.secrets);
		if (!check.valid) {
			const refused = refuse(401, 'invalid signature', check.reason, false);
			refused.body = { error: `Invalid signature: ${check.reason}` };
			refused.secretMismatch = check.wellFormed;
			return refused;
		}
		({ digest, signed: signedText, signedAt: headerSignedAt } = check);
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

	const bodyAt = readTimestamp(payload.timestamp);
	// Without a signature a time proves nothing: then only exact copies are caught.
	const signedAt = signed ? (headerSignedAt ?? bodyAt) : undefined;
	if (signedAt !== undefined && signedAt > rules.now + FUTURE_SKEW_MS) {
		return refuse(
			400,
			'timestamp in the future',
			`it is dated ${new Date(signedAt).toISOString()}, more than 5 minutes ahead of this server's clock; check the clock of the n8n server`,
			signed,
		);
	}
	if (signedAt !== undefined && signedAt < rules.now - rules.windowMs) {
		return refuse(
			400,
			'older than the replay window',
			`it is dated ${new Date(signedAt).toISOString()}, more than ${hours(rules.windowMs)} ago (Options → Replay Window)`,
			signed,
		);
	}

	const key = deliveryKey(digest);
	// A body timestamp is the same in every copy; X-Webhook-Signature's t may be renewed on each
	// retry, and an undated delivery has only the time it arrived: those match on the key alone.
	const at = headerSignedAt ?? bodyAt ?? rules.now;
	const keyOnly = headerSignedAt !== undefined || bodyAt === undefined;
	const memory = rules.memory;
	if (memory) {
		memory.expire(rules.now - rules.windowMs);
		switch (memory.recall(key, at, keyOnly)) {
			case 'recorded':
				return {
					...refuse(200, 'duplicate', 'this delivery already started an execution', signed),
					body: { received: true, duplicate: true },
					signedAt,
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
					signedAt,
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
	return { accepted: true, payload, key, signedAt, at };
}
