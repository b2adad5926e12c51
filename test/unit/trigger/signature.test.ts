import { createHmac } from 'crypto';
import fc from 'fast-check';

import {
	MAX_RESERIALISED_BYTES,
	verifySignature,
} from '../../../nodes/VoxPriaTrigger/verifySignature';
import { sign } from '../../sandbox/signing';

const SECRET = 'whsec_3f9a1c0b7d2e4f6a8b1c3d5e7f9a0b2c';

const payload = {
	event: 'call.completed',
	timestamp: '2025-02-09T12:00:00Z',
	data: {
		callId: 'call_xyz789',
		status: 'completed',
		duration: 127,
		transcript: 'Olá! 👋\u2028Bye',
	},
};
const compact = JSON.stringify(payload);
const pretty = JSON.stringify(payload, null, 2);

describe('verifySignature', () => {
	it('accepts the HMAC-SHA256 of the exact raw body', () => {
		const result = verifySignature(sign(SECRET, compact), Buffer.from(compact), payload, SECRET);
		expect(result.valid).toBe(true);
		expect(result.valid && result.digest.toString('hex')).toBe(sign(SECRET, compact).slice(7));
	});

	it('accepts a known vector computed independently', () => {
		// HMAC-SHA256("key", "The quick brown fox jumps over the lazy dog"), RFC 4231-style well-known value.
		const body = 'The quick brown fox jumps over the lazy dog';
		const header = 'sha256=f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8';
		expect(verifySignature(header, Buffer.from(body), undefined, 'key').valid).toBe(true);
		expect(
			verifySignature(
				header.toUpperCase().replace('SHA256=', 'sha256='),
				Buffer.from(body),
				undefined,
				'key',
			).valid,
		).toBe(true);
	});

	it("accepts a signature over JSON.stringify of the parsed body, VoxPria's sample form", () => {
		// The body arrived pretty-printed, but was signed in its compact form.
		const result = verifySignature(sign(SECRET, compact), Buffer.from(pretty), payload, SECRET);
		expect(result.valid).toBe(true);
	});

	it('rejects a signature made with another secret', () => {
		const result = verifySignature(
			sign('whsec_other', compact),
			Buffer.from(compact),
			payload,
			SECRET,
		);
		expect(result).toEqual({
			valid: false,
			reason: 'signature does not match the body',
			wellFormed: true,
		});
	});

	it('rejects the re-serialised form when the parsed body differs from what was signed', () => {
		const tampered = { ...payload, data: { ...payload.data, duration: 128 } };
		const result = verifySignature(
			sign(SECRET, compact),
			Buffer.from(JSON.stringify(tampered)),
			tampered,
			SECRET,
		);
		expect(result.valid).toBe(false);
	});

	it.each([
		['missing', undefined, 'missing X-Voxpria-Signature header'],
		['empty', '', 'missing X-Voxpria-Signature header'],
		[
			'repeated (array)',
			[sign(SECRET, compact), sign(SECRET, compact)],
			'more than one X-Voxpria-Signature header',
		],
		[
			'repeated (comma list)',
			`${sign(SECRET, compact)}, ${sign(SECRET, compact)}`,
			'more than one X-Voxpria-Signature header',
		],
		[
			'without prefix',
			sign(SECRET, compact).slice(7),
			'X-Voxpria-Signature must start with sha256=',
		],
		[
			'with another scheme',
			`sha1=${'a'.repeat(40)}`,
			'X-Voxpria-Signature must start with sha256=',
		],
		[
			'with an upper-case prefix',
			`SHA256=${sign(SECRET, compact).slice(7)}`,
			'X-Voxpria-Signature must start with sha256=',
		],
		[
			'too short',
			sign(SECRET, compact).slice(0, -2),
			'X-Voxpria-Signature must hold 64 hexadecimal characters',
		],
		[
			'too long',
			`${sign(SECRET, compact)}00`,
			'X-Voxpria-Signature must hold 64 hexadecimal characters',
		],
		[
			'not hex',
			`sha256=${'z'.repeat(64)}`,
			'X-Voxpria-Signature must hold 64 hexadecimal characters',
		],
		[
			'base64 instead of hex',
			`sha256=${createHmac('sha256', SECRET).update(compact).digest('base64')}`,
			'X-Voxpria-Signature must hold 64 hexadecimal characters',
		],
		[
			'a Stripe-style header',
			`t=1,v1=${sign(SECRET, compact).slice(7)}`,
			'more than one X-Voxpria-Signature header',
		],
		['wrong value', `sha256=${'0'.repeat(64)}`, 'signature does not match the body'],
	])('rejects a header that is %s', (_label, header, reason) => {
		expect(verifySignature(header, Buffer.from(compact), payload, SECRET)).toEqual({
			valid: false,
			reason,
			// Only a sha256 signature that does not match may mean our secret is outdated.
			wellFormed: reason === 'signature does not match the body',
		});
	});

	it('never puts the secret or the expected signature in its reason', () => {
		const expected = sign(SECRET, compact).slice(7);
		for (const header of [undefined, 'sha256=', `sha256=${'1'.repeat(64)}`, 'nonsense']) {
			const result = verifySignature(header, Buffer.from(compact), payload, SECRET);
			expect(result.valid).toBe(false);
			const text = JSON.stringify(result);
			expect(text).not.toContain(SECRET);
			expect(text).not.toContain(expected);
		}
	});

	it('answers, without throwing, for a body nested too deeply to serialise again', () => {
		let deep: unknown = {};
		for (let level = 0; level < 20_000; level++) deep = { a: deep };
		expect(() => JSON.stringify(deep)).toThrow(RangeError);
		expect(verifySignature(`sha256=${'a'.repeat(64)}`, Buffer.from('{}'), deep, SECRET)).toEqual({
			valid: false,
			reason: 'signature does not match the body',
			wellFormed: true,
		});
	});

	it('tries the re-serialised form only up to its size bound, and says which text was signed', () => {
		const big = {
			...payload,
			data: { ...payload.data, transcript: 'x'.repeat(MAX_RESERIALISED_BYTES) },
		};
		const prettyBig = JSON.stringify(big, null, 2);
		expect(
			verifySignature(sign(SECRET, JSON.stringify(big)), Buffer.from(prettyBig), big, SECRET).valid,
		).toBe(false);
		const result = verifySignature(sign(SECRET, compact), Buffer.from(pretty), payload, SECRET);
		expect(result.valid && result.signed).toBe(compact);
		// -0 and 1e999 re-serialise as 0 and null: such a body matches, and the signed text is what counts.
		const odd = '{"event":"call.completed","n":-0,"m":1e999}';
		const oddSigned = JSON.stringify(JSON.parse(odd));
		const oddResult = verifySignature(
			sign(SECRET, oddSigned),
			Buffer.from(odd),
			JSON.parse(odd),
			SECRET,
		);
		expect(oddResult.valid && oddResult.signed).toBe('{"event":"call.completed","n":0,"m":null}');
	});

	it('rejects a signed empty body only if the signature is not over the empty body', () => {
		expect(verifySignature(sign(SECRET, ''), Buffer.alloc(0), {}, SECRET).valid).toBe(true);
		expect(verifySignature(sign(SECRET, '{}'), undefined, undefined, SECRET).valid).toBe(false);
	});

	describe('property: no one-byte change is ever accepted', () => {
		const secretArb = fc.string({ minLength: 1, maxLength: 64 });
		const bodyArb = fc.uint8Array({ minLength: 1, maxLength: 2048 });

		it('accepts every untouched body and signature', () => {
			fc.assert(
				fc.property(bodyArb, secretArb, (bytes, secret) => {
					const body = Buffer.from(bytes);
					return verifySignature(sign(secret, body), body, undefined, secret).valid;
				}),
				{ numRuns: 300 },
			);
		});

		it('rejects a body with one byte changed', () => {
			fc.assert(
				fc.property(
					bodyArb,
					secretArb,
					fc.nat(),
					fc.integer({ min: 1, max: 255 }),
					(bytes, secret, at, delta) => {
						const body = Buffer.from(bytes);
						const header = sign(secret, body);
						const mutated = Buffer.from(body);
						const index = at % mutated.length;
						mutated[index] = (mutated[index] + delta) % 256;
						return !verifySignature(header, mutated, undefined, secret).valid;
					},
				),
				{ numRuns: 500 },
			);
		});

		it('rejects a signature with one hex digit changed', () => {
			fc.assert(
				fc.property(
					bodyArb,
					secretArb,
					fc.integer({ min: 0, max: 63 }),
					fc.integer({ min: 1, max: 15 }),
					(bytes, secret, at, delta) => {
						const body = Buffer.from(bytes);
						const hex = sign(secret, body).slice(7).split('');
						hex[at] = ((parseInt(hex[at], 16) + delta) % 16).toString(16);
						return !verifySignature(`sha256=${hex.join('')}`, body, undefined, secret).valid;
					},
				),
				{ numRuns: 500 },
			);
		});

		it('rejects a JSON body with one character changed, in raw and re-serialised form', () => {
			const jsonArb = fc.dictionary(
				fc.string({ maxLength: 12 }),
				fc.oneof(fc.string(), fc.integer(), fc.boolean()),
				{ minKeys: 1 },
			);
			fc.assert(
				fc.property(jsonArb, secretArb, fc.nat(), (object, secret, at) => {
					const text = JSON.stringify(object);
					const header = sign(secret, text);
					const index = at % text.length;
					const mutatedText =
						text.slice(0, index) +
						String.fromCharCode(text.charCodeAt(index) ^ 1) +
						text.slice(index + 1);
					let parsed: unknown;
					try {
						parsed = JSON.parse(mutatedText);
					} catch {
						parsed = undefined;
					}
					// A flip that leaves the same JSON value (e.g. inside an escape) is not a change.
					if (parsed !== undefined && JSON.stringify(parsed) === text) return true;
					return !verifySignature(header, Buffer.from(mutatedText), parsed, secret).valid;
				}),
				{ numRuns: 500 },
			);
		});
	});
});
