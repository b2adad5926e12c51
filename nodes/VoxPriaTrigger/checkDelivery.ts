import { createHash } from 'crypto';
import type { IDataObject } from 'n8n-workflow';

import { deliveryKey, type DeliveryMemory } from './deliveryMemory';
import { verifySignature } from './verifySignature';

export interface Delivery {
	signatureHeader: unknown;
	/** The exact bytes n8n received. */
	rawBody: Buffer | undefined;
	/** What n8n's body parser made of them. */
	parsedBody: unknown;
}

export interface DeliveryRules {
	/** Undefined when the node holds no registration. */
	secret: string | undefined;
	events: string[];
	skipSignatureCheck: boolean;
	/** Undefined when duplicates are not to be ignored. */
	memory: DeliveryMemory | undefined;
}

export type Verdict =
	/** Accepted: `key` is what the duplicate memory recorded for it. */
	| { status: 200; body: IDataObject; payload: IDataObject; key: string }
	| { status: 200 | 400 | 401; body: IDataObject; payload?: undefined };

const SHAPE = 'a VoxPria delivery is a JSON object with "event", "timestamp" and "data"';

/** The delivery as an object with an event name, or the reason it is not one. */
function readPayload(parsed: unknown, rawBody: Buffer | undefined): IDataObject | string {
	let body = parsed;
	const parsedNothing = !body || typeof body !== 'object' || Object.keys(body).length === 0;
	// n8n parses JSON only for a JSON content type; VoxPria's deliveries are JSON whatever they say.
	if (parsedNothing && rawBody?.length) {
		try {
			body = JSON.parse(rawBody.toString('utf8'));
		} catch {
			return `The body is not JSON: ${SHAPE}`;
		}
	}
	if (!rawBody?.length && parsedNothing) return `The body is empty: ${SHAPE}`;
	if (!body || typeof body !== 'object' || Array.isArray(body)) return `The body is not a JSON object: ${SHAPE}`;
	if (typeof (body as IDataObject).event !== 'string') return `The body has no "event" name: ${SHAPE}`;
	return body as IDataObject;
}

/**
 * Decides what to answer to one delivery, and whether it starts the workflow: signature,
 * shape, event filter, then duplicate memory (which it updates). Pure apart from the memory.
 */
export function checkDelivery(delivery: Delivery, rules: DeliveryRules): Verdict {
	let digest: Buffer;
	if (rules.skipSignatureCheck) {
		digest = createHash('sha256')
			.update(delivery.rawBody ?? '')
			.digest();
	} else {
		if (!rules.secret) {
			return {
				status: 401,
				body: { error: 'This trigger holds no signing secret: deactivate and activate the workflow to register again' },
			};
		}
		const check = verifySignature(delivery.signatureHeader, delivery.rawBody, delivery.parsedBody, rules.secret);
		if (!check.valid) return { status: 401, body: { error: `Invalid signature: ${check.reason}` } };
		digest = check.digest;
	}

	const payload = readPayload(delivery.parsedBody, delivery.rawBody);
	if (typeof payload === 'string') return { status: 400, body: { error: payload } };

	const event = payload.event as string;
	if (!rules.events.includes(event)) {
		// 200 so that VoxPria does not retry an event this workflow does not want.
		return { status: 200, body: { received: true, ignored: `event ${event} is not selected` } };
	}
	const key = deliveryKey(digest);
	if (rules.memory && !rules.memory.remember(key)) {
		return { status: 200, body: { received: true, duplicate: true } };
	}
	return { status: 200, body: { received: true }, payload, key };
}
