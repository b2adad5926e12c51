import { createHmac, timingSafeEqual } from 'crypto';

/** Node lower-cases incoming header names. */
export const SIGNATURE_HEADER = 'x-voxpria-signature';
const PREFIX = 'sha256=';
const HEX_DIGEST = /^[0-9a-fA-F]{64}$/;

/**
 * The re-serialised form is only tried for bodies up to this size: it costs a JSON.stringify per
 * request, also for forged ones. VoxPria's deliveries are a few kB (a one-hour transcript is about
 * 60 kB), and VoxPria sends the form it signs, so the exact bytes match first anyway.
 */
export const MAX_RESERIALISED_BYTES = 2 * 1024 * 1024;

export type SignatureCheck =
	/** `signed` is the text the signature covers: undefined when that is the raw body itself. */
	| { valid: true; digest: Buffer; signed?: string }
	/** `wellFormed`: a sha256 signature that simply does not match (wrong or outdated secret). */
	| { valid: false; reason: string; wellFormed: boolean };

/** JSON.stringify of a parsed object; undefined for anything else, or a body nested too deeply to serialise. */
function compactJson(parsedBody: unknown, rawLength: number): string | undefined {
	if (parsedBody === null || typeof parsedBody !== 'object') return undefined;
	if (rawLength > MAX_RESERIALISED_BYTES) return undefined;
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
		return { valid: false, reason: 'missing X-Voxpria-Signature header', wellFormed: false };
	}
	// Node joins repeated headers into an array or a comma list: either is ambiguous.
	if (typeof header !== 'string' || header.includes(',')) {
		return { valid: false, reason: 'more than one X-Voxpria-Signature header', wellFormed: false };
	}
	const value = header.trim();
	if (!value.startsWith(PREFIX)) {
		return {
			valid: false,
			reason: 'X-Voxpria-Signature must start with sha256=',
			wellFormed: false,
		};
	}
	const hex = value.slice(PREFIX.length);
	if (!HEX_DIGEST.test(hex)) {
		return {
			valid: false,
			reason: 'X-Voxpria-Signature must hold 64 hexadecimal characters',
			wellFormed: false,
		};
	}
	const given = Buffer.from(hex, 'hex');

	const raw = rawBody ?? Buffer.alloc(0);
	const overRaw = hmac(secret, raw);
	if (timingSafeEqual(given, overRaw)) return { valid: true, digest: overRaw };

	// JSON.stringify also turns -0 into 0 and 1e999 into null, so a few bodies other than the signed
	// one match this form. Harmless: the trigger outputs the signed text (`signed`), not the body.
	const reserialised = compactJson(parsedBody, raw.length);
	if (reserialised !== undefined) {
		if (Buffer.byteLength(reserialised) !== raw.length || !raw.equals(Buffer.from(reserialised))) {
			const overParsed = hmac(secret, reserialised);
			if (timingSafeEqual(given, overParsed)) {
				return { valid: true, digest: overParsed, signed: reserialised };
			}
		}
	}
	return { valid: false, reason: 'signature does not match the body', wellFormed: true };
}
