import { createHmac, timingSafeEqual } from 'crypto';

import { pythonJsonText } from './pythonJson';

/**
 * The one place signatures are checked. VoxPria's pages describe two headers (README, "How
 * deliveries are checked"), and a delivery is genuine when either matches:
 *
 * - `X-Voxpria-Signature: sha256=<hex>` (Webhooks API page): HMAC-SHA256 over the exact body, or
 *   over the body re-serialised the way the page's Node.js sample (`JSON.stringify`) or Python
 *   sample (`json.dumps`) re-serialises it before verifying.
 * - `X-Webhook-Signature: t=<unix seconds>,v1=<hex>[,v1=<hex>…]` (developers/webhooks page): over
 *   `<t>.<body>` (the convention of this header's shape), failing that over the body; several v1
 *   values may come while a key is rotated. `t` is then the signed time.
 *
 * Node lower-cases incoming header names.
 */
export const VOXPRIA_HEADER = 'x-voxpria-signature';
export const WEBHOOK_HEADER = 'x-webhook-signature';

const HEX_DIGEST = /^[0-9a-fA-F]{64}$/;
const UNIX_TIME = /^\d{1,13}$/;

/**
 * The re-serialised forms are only tried for bodies up to this size: they cost a serialisation per
 * request, also for forged ones. VoxPria's deliveries are a few kB (a one-hour transcript is about
 * 60 kB), and VoxPria sends the form it signs, so the exact bytes match first anyway.
 */
export const MAX_RESERIALISED_BYTES = 2 * 1024 * 1024;

export interface SignedRequest {
	/** The two headers' values as n8n hands them over (undefined when absent). */
	voxpriaHeader: unknown;
	webhookHeader: unknown;
	/** The exact bytes received. */
	rawBody: Buffer;
	/** What n8n's body parser made of them. */
	parsedBody: unknown;
}

export type SignatureCheck =
	| {
			valid: true;
			/** Identifies the delivery for the duplicate memory; the same for VoxPria's retries. */
			digest: Buffer;
			/** The `t` of X-Webhook-Signature (ms), when that header is what matched. */
			signedAt?: number;
			/** The text signed when it is JSON.stringify's re-serialisation, which is then the payload. */
			signed?: string;
	  }
	| {
			valid: false;
			/** Safe to send back and log: names the headers and schemes seen, never a value. */
			reason: string;
			/** A well-formed signature that matches no secret held: maybe the secret is outdated. */
			wellFormed: boolean;
	  };

type Claim =
	| { header: 'X-Voxpria-Signature'; digests: Buffer[] }
	| { header: 'X-Webhook-Signature'; digests: Buffer[]; t: string }
	| { header: string; problem: string };

function readVoxpriaHeader(value: unknown): Claim | undefined {
	const header = 'X-Voxpria-Signature';
	if (value === undefined || value === '') return undefined;
	// Node joins a repeated header into an array or a comma list: which one counts is ambiguous.
	if (typeof value !== 'string' || value.includes(','))
		return { header, problem: `more than one ${header} header` };
	const [scheme, hex] = value.trim().split(/=(.*)/s);
	if (scheme !== 'sha256' || !HEX_DIGEST.test(hex ?? ''))
		return { header, problem: `${header} must be sha256=<64 hexadecimal characters>` };
	return { header, digests: [Buffer.from(hex, 'hex')] };
}

function readWebhookHeader(value: unknown): Claim | undefined {
	const header = 'X-Webhook-Signature';
	if (value === undefined || value === '') return undefined;
	if (typeof value !== 'string') return { header, problem: `more than one ${header} header` };
	const times: string[] = [];
	const digests: Buffer[] = [];
	for (const part of value.split(',')) {
		const [key, item] = part.trim().split(/=(.*)/s);
		if (key === 't') times.push(item ?? '');
		// v0 and other schemes are skipped, as the convention of this header's shape does.
		else if (key === 'v1' && HEX_DIGEST.test(item ?? '')) digests.push(Buffer.from(item, 'hex'));
	}
	if (times.length > 1) return { header, problem: `more than one ${header} header` };
	if (times.length === 0 || !UNIX_TIME.test(times[0]) || digests.length === 0)
		return { header, problem: `${header} must be t=<unix seconds>,v1=<64 hexadecimal characters>` };
	return { header, digests, t: times[0] };
}

function hmac(secret: string, ...parts: Array<Buffer | string>): Buffer {
	const mac = createHmac('sha256', secret);
	for (const part of parts) mac.update(part);
	return mac.digest();
}

function matchesAny(given: Buffer[], expected: Buffer): boolean {
	let match = false;
	for (const digest of given) if (timingSafeEqual(digest, expected)) match = true;
	return match;
}

/** The texts a signature over the body may cover besides its bytes, each built once. */
class ReserialisedForms {
	private compactForm?: string | null;
	private pythonForm?: string | null;

	constructor(private readonly request: SignedRequest) {}

	private usable(text: string | undefined): string | null {
		const raw = this.request.rawBody;
		if (text === undefined) return null;
		// A form identical to the bytes would only repeat the first HMAC.
		if (Buffer.byteLength(text) === raw.length && raw.equals(Buffer.from(text))) return null;
		return text;
	}

	private get small(): boolean {
		return this.request.rawBody.length <= MAX_RESERIALISED_BYTES;
	}

	/** JSON.stringify of n8n's parse, the form the Node.js sample verifies. */
	compact(): string | null {
		if (this.compactForm === undefined) {
			const parsed = this.request.parsedBody;
			let text: string | undefined;
			if (this.small && parsed !== null && typeof parsed === 'object') {
				try {
					text = JSON.stringify(parsed);
				} catch {
					// A RangeError from thousands of nesting levels: no VoxPria delivery looks like that.
				}
			}
			this.compactForm = this.usable(text);
		}
		return this.compactForm;
	}

	/** json.dumps of Python's parse, the form the Python sample verifies. */
	python(): string | null {
		if (this.pythonForm === undefined) {
			const text = this.small ? pythonJsonText(this.request.rawBody.toString('utf8')) : undefined;
			this.pythonForm = text === this.compact() ? null : this.usable(text);
		}
		return this.pythonForm;
	}
}

function mismatch(claims: Claim[]): string {
	const described = claims.map((claim) =>
		't' in claim ? `${claim.header} (t, v1)` : `${claim.header} (sha256)`,
	);
	return described.length === 1
		? `${described[0]} does not match the body`
		: `neither ${described.join(' nor ')} matches the body`;
}

/**
 * Checks the delivery against each secret (the registration it may belong to). Never throws;
 * constant-time comparisons throughout. A wrong or malformed one of the two headers never makes
 * the other one fail.
 */
export function verifySignature(request: SignedRequest, secrets: string[]): SignatureCheck {
	const claims = [
		readVoxpriaHeader(request.voxpriaHeader),
		readWebhookHeader(request.webhookHeader),
	];
	const present = claims.filter((claim): claim is Claim => claim !== undefined);
	if (present.length === 0) {
		return {
			valid: false,
			reason: 'no X-Voxpria-Signature or X-Webhook-Signature header',
			wellFormed: false,
		};
	}
	const usable = present.filter((claim) => 'digests' in claim);
	if (usable.length === 0) {
		return {
			valid: false,
			reason: present.map((claim) => ('problem' in claim ? claim.problem : '')).join('; '),
			wellFormed: false,
		};
	}

	const raw = request.rawBody;
	const forms = new ReserialisedForms(request);
	for (const secret of secrets) {
		// Also the identity of a delivery signed with X-Webhook-Signature, whose t changes on retries.
		const overRaw = hmac(secret, raw);
		for (const claim of usable) {
			if (!('digests' in claim)) continue;
			if ('t' in claim) {
				const signedAt = Number(claim.t) * (claim.t.length > 11 ? 1 : 1000);
				if (
					matchesAny(claim.digests, overRaw) ||
					matchesAny(claim.digests, hmac(secret, claim.t, '.', raw))
				)
					return { valid: true, digest: overRaw, signedAt };
				continue;
			}
			if (matchesAny(claim.digests, overRaw)) return { valid: true, digest: overRaw };
			const compact = forms.compact();
			if (compact !== null) {
				const digest = hmac(secret, compact);
				// JSON.stringify also turns -0 into 0 and 1e999 into null, so a few bodies other than the
				// signed one match this form: the payload is then the signed text, not the body.
				if (matchesAny(claim.digests, digest)) return { valid: true, digest, signed: compact };
			}
			const python = forms.python();
			if (python !== null) {
				const digest = hmac(secret, python);
				// Equal in meaning to the body (numbers and strings read back the same), so the body stays
				// the payload.
				if (matchesAny(claim.digests, digest)) return { valid: true, digest };
			}
		}
	}
	const problems = present.flatMap((claim) => ('problem' in claim ? [claim.problem] : []));
	return {
		valid: false,
		reason: [mismatch(usable), ...problems].join('; '),
		wellFormed: true,
	};
}
