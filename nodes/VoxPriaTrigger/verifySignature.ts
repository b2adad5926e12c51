import { createHmac, timingSafeEqual } from 'crypto';

/** Node lower-cases incoming header names. */
export const SIGNATURE_HEADER = 'x-voxpria-signature';
const PREFIX = 'sha256=';
const HEX_DIGEST = /^[0-9a-fA-F]{64}$/;

export type SignatureCheck =
	| { valid: true; digest: Buffer }
	| { valid: false; reason: string };

/** JSON.stringify of a parsed object; undefined for anything else, or a body nested too deeply to serialise. */
function compactJson(parsedBody: unknown): string | undefined {
	if (parsedBody === null || typeof parsedBody !== 'object') return undefined;
	try {
		return JSON.stringify(parsedBody);
	} catch {
		// A RangeError from thousands of nesting levels: no VoxPria delivery looks like that.
		return undefined;
	}
}

function hmac(secret: string, data: Buffer | string): Buffer {
	return createHmac('sha256', secret).update(data).digest();
}

/**
 * Checks `X-Voxpria-Signature: sha256=<hex>` against HMAC-SHA256(secret) over the exact raw
 * body, and, failing that, over `JSON.stringify` of the parsed body, the form VoxPria's own
 * sample code signs. Never throws; the reason is safe to send back (it holds no secret and no
 * expected value). The digest that matched identifies the delivery for duplicate detection.
 */
export function verifySignature(
	header: unknown,
	rawBody: Buffer | undefined,
	parsedBody: unknown,
	secret: string,
): SignatureCheck {
	if (header === undefined || header === '') {
		return { valid: false, reason: 'missing X-Voxpria-Signature header' };
	}
	// Node joins repeated headers into an array or a comma list: either is ambiguous.
	if (typeof header !== 'string' || header.includes(',')) {
		return { valid: false, reason: 'more than one X-Voxpria-Signature header' };
	}
	const value = header.trim();
	if (!value.startsWith(PREFIX)) {
		return { valid: false, reason: 'X-Voxpria-Signature must start with sha256=' };
	}
	const hex = value.slice(PREFIX.length);
	if (!HEX_DIGEST.test(hex)) {
		return { valid: false, reason: 'X-Voxpria-Signature must hold 64 hexadecimal characters' };
	}
	const given = Buffer.from(hex, 'hex');

	const raw = rawBody ?? Buffer.alloc(0);
	const overRaw = hmac(secret, raw);
	if (timingSafeEqual(given, overRaw)) return { valid: true, digest: overRaw };

	const reserialised = compactJson(parsedBody);
	if (reserialised !== undefined) {
		if (Buffer.byteLength(reserialised) !== raw.length || !raw.equals(Buffer.from(reserialised))) {
			const overParsed = hmac(secret, reserialised);
			if (timingSafeEqual(given, overParsed)) return { valid: true, digest: overParsed };
		}
	}
	return { valid: false, reason: 'signature does not match the body' };
}
