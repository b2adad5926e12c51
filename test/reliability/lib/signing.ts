/** Signed VoxPria deliveries, built the way VoxPria builds them (HMAC-SHA256 over the exact bytes). */
import { SIGNATURE_HEADER, sign } from '../../sandbox/signing';

export { SIGNATURE_HEADER, sign };

/**
 * A call.completed (or other) delivery body, distinct per callId, dated now unless `timestamp` is
 * given (`null`: no timestamp field at all).
 */
export function deliveryBody(
	callId: string,
	event = 'call.completed',
	extra: Record<string, unknown> = {},
	timestamp: unknown = new Date().toISOString(),
): string {
	return JSON.stringify({
		event,
		...(timestamp === null ? {} : { timestamp }),
		data: { callId, status: 'completed', duration: 127, toNumber: '+14155551234', ...extra },
	});
}

/** A call.completed payload dated now, for the sandbox to sign and deliver (with its retries). */
export function callCompletedPayload(callId: string) {
	return { event: 'call.completed', timestamp: new Date().toISOString(), data: { callId } };
}

/** Headers of a validly signed JSON delivery. */
export function signedHeaders(
	secret: string,
	body: string | Buffer,
	headerName = SIGNATURE_HEADER,
): Record<string, string> {
	return {
		'content-type': 'application/json',
		'user-agent': 'VoxPria-Webhooks/1.0 (reliability)',
		[headerName]: sign(secret, body),
	};
}
