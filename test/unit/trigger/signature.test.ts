/* eslint-disable @n8n/community-nodes/no-hardcoded-secrets -- dev-only code, held to eslint.dev.config.mjs instead (CONTRIBUTING.md) */
import { createHmac } from 'crypto';
import fc from 'fast-check';

import { pythonJsonText } from '../../../nodes/VoxPriaTrigger/pythonJson';
import {
	MAX_RESERIALISED_BYTES,
	type SignedRequest,
	verifySignature,
} from '../../../nodes/VoxPriaTrigger/verifySignature';
import { pythonDumps } from '../../helpers/python';
import { sign, signTimestamped } from '../../sandbox/signing';

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

function check(
	headers: { voxpria?: unknown; webhook?: unknown },
	body: string | Buffer,
	parsedBody?: unknown,
	secrets = [SECRET],
) {
	const request: SignedRequest = {
		voxpriaHeader: headers.voxpria,
		webhookHeader: headers.webhook,
		rawBody: Buffer.isBuffer(body) ? body : Buffer.from(body),
		parsedBody,
	};
	return verifySignature(request, secrets);
}

const hmacHex = (secret: string, text: string | Buffer) =>
	createHmac('sha256', secret).update(text).digest('hex');

describe('verifySignature: X-Voxpria-Signature (sha256=)', () => {
	it('accepts the HMAC-SHA256 of the exact raw body', () => {
		const result = check({ voxpria: sign(SECRET, compact) }, compact, payload);
		expect(result.valid).toBe(true);
		expect(result.valid && result.digest.toString('hex')).toBe(sign(SECRET, compact).slice(7));
	});

	it('accepts a known vector computed independently', () => {
		// HMAC-SHA256("key", "The quick brown fox jumps over the lazy dog"), a well-known value.
		const body = 'The quick brown fox jumps over the lazy dog';
		const hex = 'f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8';
		expect(check({ voxpria: `sha256=${hex}` }, body, undefined, ['key']).valid).toBe(true);
		expect(check({ voxpria: `sha256=${hex.toUpperCase()}` }, body, undefined, ['key']).valid).toBe(
			true,
		);
	});

	it("accepts a signature over JSON.stringify of the parsed body, the Node.js sample's form", () => {
		// The body arrived pretty-printed, but was signed in its compact form.
		expect(check({ voxpria: sign(SECRET, compact) }, pretty, payload).valid).toBe(true);
	});

	it("accepts a signature over Python's json.dumps of the body, the Python sample's form", () => {
		const [dumped] = pythonDumps([compact]);
		// The form has ", " and ": " and escapes the accent, the emoji and U+2028.
		expect(dumped).toContain('"event": "call.completed", "timestamp"');
		expect(dumped).toContain('Ol\\u00e1! \\ud83d\\udc4b\\u2028Bye');
		for (const body of [compact, pretty]) {
			const result = check({ voxpria: sign(SECRET, dumped) }, body, payload);
			expect(result.valid).toBe(true);
			// The identity of the delivery is the same for every copy: the HMAC of what was signed.
			expect(result.valid && result.digest.toString('hex')).toBe(hmacHex(SECRET, dumped));
		}
	});

	it('keeps what Python keeps and JavaScript does not: floats written 12.0, big integers, key order', () => {
		const body =
			'{"event":"credit.low","data":{"currentBalance":12.0,"threshold":15.00,"id":12345678901234567890,"2":"b","1":"a"}}';
		const [dumped] = pythonDumps([body]);
		expect(dumped).toBe(
			'{"event": "credit.low", "data": {"currentBalance": 12.0, "threshold": 15.0, "id": 12345678901234567890, "2": "b", "1": "a"}}',
		);
		expect(check({ voxpria: sign(SECRET, dumped) }, body, JSON.parse(body)).valid).toBe(true);
	});

	it('rejects a signature made with another secret, naming the header and scheme', () => {
		expect(check({ voxpria: sign('whsec_other', compact) }, compact, payload)).toEqual({
			valid: false,
			reason: 'X-Voxpria-Signature (sha256) does not match the body',
			wellFormed: true,
		});
	});

	it('accepts a signature made with any of the secrets it is given', () => {
		const result = check({ voxpria: sign(SECRET, compact) }, compact, payload, [
			'whsec_old',
			SECRET,
		]);
		expect(result.valid).toBe(true);
	});

	it('rejects every form when the body differs from what was signed', () => {
		const tampered = { ...payload, data: { ...payload.data, duration: 128 } };
		const text = JSON.stringify(tampered);
		const [dumped] = pythonDumps([compact]);
		for (const signed of [compact, dumped]) {
			expect(check({ voxpria: sign(SECRET, signed) }, text, tampered).valid).toBe(false);
		}
	});

	const malformed = 'X-Voxpria-Signature must be sha256=<64 hexadecimal characters>';
	it.each([
		['missing', undefined, 'no X-Voxpria-Signature or X-Webhook-Signature header'],
		['empty', '', 'no X-Voxpria-Signature or X-Webhook-Signature header'],
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
		['without prefix', sign(SECRET, compact).slice(7), malformed],
		['with another scheme', `sha1=${'a'.repeat(40)}`, malformed],
		['with an upper-case prefix', `SHA256=${sign(SECRET, compact).slice(7)}`, malformed],
		['too short', sign(SECRET, compact).slice(0, -2), malformed],
		['too long', `${sign(SECRET, compact)}00`, malformed],
		['not hex', `sha256=${'z'.repeat(64)}`, malformed],
		[
			'base64 instead of hex',
			`sha256=${createHmac('sha256', SECRET).update(compact).digest('base64')}`,
			malformed,
		],
		[
			'the other header’s form',
			`t=1,v1=${sign(SECRET, compact).slice(7)}`,
			'more than one X-Voxpria-Signature header',
		],
		[
			'wrong value',
			`sha256=${'0'.repeat(64)}`,
			'X-Voxpria-Signature (sha256) does not match the body',
		],
	])('rejects a header that is %s', (_label, header, reason) => {
		expect(check({ voxpria: header }, compact, payload)).toEqual({
			valid: false,
			reason,
			// Only a well-formed signature that does not match may mean our secret is outdated.
			wellFormed: reason.endsWith('does not match the body'),
		});
	});

	it('answers, without throwing, for a body nested too deeply to serialise again', () => {
		let deep: unknown = {};
		for (let level = 0; level < 20_000; level++) deep = { a: deep };
		expect(() => JSON.stringify(deep)).toThrow(RangeError);
		const body = '{"a":'.repeat(20_000) + '{}' + '}'.repeat(20_000);
		expect(check({ voxpria: `sha256=${'a'.repeat(64)}` }, body, deep)).toEqual({
			valid: false,
			reason: 'X-Voxpria-Signature (sha256) does not match the body',
			wellFormed: true,
		});
	});

	it('tries the re-serialised forms only up to their size bound, and says which text was signed', () => {
		const big = {
			...payload,
			data: { ...payload.data, transcript: 'x'.repeat(MAX_RESERIALISED_BYTES) },
		};
		const prettyBig = JSON.stringify(big, null, 2);
		expect(check({ voxpria: sign(SECRET, JSON.stringify(big)) }, prettyBig, big).valid).toBe(false);
		const result = check({ voxpria: sign(SECRET, compact) }, pretty, payload);
		expect(result.valid && result.signed).toBe(compact);
		// -0 and 1e999 re-serialise as 0 and null: such a body matches, and the signed text is what counts.
		const odd = '{"event":"call.completed","n":-0,"m":1e999}';
		const oddSigned = JSON.stringify(JSON.parse(odd));
		const oddResult = check({ voxpria: sign(SECRET, oddSigned) }, odd, JSON.parse(odd));
		expect(oddResult.valid && oddResult.signed).toBe('{"event":"call.completed","n":0,"m":null}');
	});

	it('accepts a signed empty body only if the signature is over the empty body', () => {
		expect(check({ voxpria: sign(SECRET, '') }, '', {}).valid).toBe(true);
		expect(check({ voxpria: sign(SECRET, '{}') }, '', undefined).valid).toBe(false);
	});
});

describe('verifySignature: X-Webhook-Signature (t=, v1=)', () => {
	const t = '1739102400';

	it('accepts v1 over "<t>.<body>" and reports t as the signed time', () => {
		const result = check({ webhook: signTimestamped(SECRET, compact, t) }, compact, payload);
		expect(result.valid).toBe(true);
		expect(result.valid && result.signedAt).toBe(Number(t) * 1000);
	});

	it('accepts a known vector computed independently', () => {
		// HMAC-SHA256("key", "1.The quick brown fox jumps over the lazy dog"), by hand above.
		const body = 'The quick brown fox jumps over the lazy dog';
		const header = `t=1,v1=${hmacHex('key', `1.${body}`)}`;
		expect(check({ webhook: header }, body, undefined, ['key']).valid).toBe(true);
	});

	it('accepts v1 over the body alone, when the sender leaves t out of the signed text', () => {
		const header = `t=${t},v1=${hmacHex(SECRET, compact)}`;
		expect(check({ webhook: header }, compact, payload).valid).toBe(true);
	});

	it('accepts any of several v1 values (a key being rotated), and skips v0', () => {
		const right = hmacHex(SECRET, `${t}.${compact}`);
		const header = `t=${t}, v0=${'1'.repeat(64)}, v1=${hmacHex('whsec_old', `${t}.${compact}`)},v1=${right}`;
		expect(check({ webhook: header }, compact, payload).valid).toBe(true);
	});

	it('identifies a delivery by its body, so that a retry signed again with a new t is the same delivery', () => {
		const first = check({ webhook: signTimestamped(SECRET, compact, t) }, compact, payload);
		const retry = check(
			{ webhook: signTimestamped(SECRET, compact, '1739102460') },
			compact,
			payload,
		);
		expect(first.valid && retry.valid).toBe(true);
		expect(first.valid && retry.valid && first.digest.equals(retry.digest)).toBe(true);
	});

	it('rejects a t that was changed after signing', () => {
		const header = signTimestamped(SECRET, compact, t).replace(`t=${t}`, 't=1739102401');
		expect(check({ webhook: header }, compact, payload)).toEqual({
			valid: false,
			reason: 'X-Webhook-Signature (t, v1) does not match the body',
			wellFormed: true,
		});
	});

	const malformed = 'X-Webhook-Signature must be t=<unix seconds>,v1=<64 hexadecimal characters>';
	it.each([
		['without t', `v1=${'a'.repeat(64)}`, malformed],
		['with a t that is not a number', `t=yesterday,v1=${'a'.repeat(64)}`, malformed],
		['without v1', `t=${t},v0=${'a'.repeat(64)}`, malformed],
		['with a v1 that is not hex', `t=${t},v1=${'z'.repeat(64)}`, malformed],
		[
			'repeated (two t)',
			`t=${t},v1=${'a'.repeat(64)}, t=${t},v1=${'b'.repeat(64)}`,
			'more than one X-Webhook-Signature header',
		],
	])('rejects a header that is %s', (_label, header, reason) => {
		expect(check({ webhook: header }, compact, payload)).toEqual({
			valid: false,
			reason,
			wellFormed: false,
		});
	});
});

describe('verifySignature: both headers', () => {
	const t = '1739102400';
	const rightVoxpria = sign(SECRET, compact);
	const rightWebhook = signTimestamped(SECRET, compact, t);

	it.each([
		['a wrong X-Voxpria-Signature', { voxpria: `sha256=${'0'.repeat(64)}`, webhook: rightWebhook }],
		['a malformed X-Voxpria-Signature', { voxpria: 'sha256=nope', webhook: rightWebhook }],
		[
			'a wrong X-Webhook-Signature',
			{ voxpria: rightVoxpria, webhook: `t=${t},v1=${'0'.repeat(64)}` },
		],
		['a malformed X-Webhook-Signature', { voxpria: rightVoxpria, webhook: 'v1=nope' }],
	])('accepts a delivery with one right header beside %s', (_label, headers) => {
		expect(check(headers, compact, payload).valid).toBe(true);
	});

	it('names both headers when neither matches, and never a secret or a signature', () => {
		const result = check(
			{ voxpria: `sha256=${'0'.repeat(64)}`, webhook: `t=${t},v1=${'1'.repeat(64)}` },
			compact,
			payload,
		);
		expect(result).toEqual({
			valid: false,
			reason:
				'neither X-Voxpria-Signature (sha256) nor X-Webhook-Signature (t, v1) matches the body',
			wellFormed: true,
		});
		const expected = [
			sign(SECRET, compact).slice(7),
			hmacHex(SECRET, `${t}.${compact}`),
			hmacHex(SECRET, pythonDumps([compact])[0]),
		];
		for (const headers of [
			{},
			{ voxpria: 'sha256=' },
			{ voxpria: `sha256=${'1'.repeat(64)}` },
			{ webhook: 'nonsense' },
			{ voxpria: 'nonsense', webhook: `t=${t},v1=${'2'.repeat(64)}` },
		]) {
			const text = JSON.stringify(check(headers, compact, payload));
			expect(text).not.toContain(SECRET);
			for (const value of expected) expect(text).not.toContain(value);
		}
	});
});

describe("pythonJsonText: Python's json.dumps(json.loads(text)), checked against Python itself", () => {
	it('matches Python for hand-picked edge cases', () => {
		const texts = [
			'{}',
			'[]',
			'{"a":[]}',
			' { "a" : 1 , "b" : [ true , false , null ] } ',
			'{"n":[0,-0,1,-1,12.0,12.50,1E2,1e-5,1.5e-7,0.0001,1e15,1e16,1e21,123456789012345678.0,-0.0,1e400,-1e400,5e-324]}',
			'{"s":"plain","q":"\\"quoted\\" \\\\ \\/ \\b\\f\\n\\r\\t","u":"\\u00E9 é \\u0041 \\ud83d\\ude00 😀 \\u2028 \\u007f \u007f"}',
			'{"lone":"\\ud800x","ctrl":"\\u0001\\u001f"}',
			'\ufeff{"bom":true}',
			'{"2":"b","1":"a","b":1,"a":2}',
		];
		const ours = texts.map((text) => pythonJsonText(text));
		expect(ours).toEqual(pythonDumps(texts.map((text) => text.replace(/^\ufeff/, ''))));
	});

	it('matches Python for arbitrary JSON values', () => {
		const value = fc.jsonValue({ maxDepth: 4 });
		const texts = fc
			.sample(fc.oneof(fc.dictionary(fc.string(), value), fc.array(value)), 400)
			.map((item) => JSON.stringify(item));
		expect(texts.map((text) => pythonJsonText(text))).toEqual(pythonDumps(texts));
	});

	it('answers undefined for what is not an object or array', () => {
		for (const text of ['', '1', '"x"', 'true', '{', '{"a":1}}', 'nonsense', '{"a":"\\q"}']) {
			expect(pythonJsonText(text)).toBeUndefined();
		}
		// Whatever a sender puts in a body, building the form never throws.
		fc.assert(
			fc.property(fc.string({ unit: 'binary' }), (text) => {
				pythonJsonText(`{"a":${text}}`);
				pythonJsonText(text);
				return true;
			}),
			{ numRuns: 2_000 },
		);
	});
});

describe('property: no one-byte change is ever accepted', () => {
	const secretArb = fc.string({ minLength: 1, maxLength: 64 });
	const bodyArb = fc.uint8Array({ minLength: 1, maxLength: 2048 });

	it('accepts every untouched body and signature, in both headers', () => {
		fc.assert(
			fc.property(bodyArb, secretArb, fc.nat(), (bytes, secret, t) => {
				const body = Buffer.from(bytes);
				return (
					check({ voxpria: sign(secret, body) }, body, undefined, [secret]).valid &&
					check({ webhook: signTimestamped(secret, body, String(t)) }, body, undefined, [secret])
						.valid
				);
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
					const headers = {
						voxpria: sign(secret, body),
						webhook: signTimestamped(secret, body, '1739102400'),
					};
					const mutated = Buffer.from(body);
					const index = at % mutated.length;
					mutated[index] = (mutated[index] + delta) % 256;
					return !check(headers, mutated, undefined, [secret]).valid;
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
					return (
						!check({ voxpria: `sha256=${hex.join('')}` }, body, undefined, [secret]).valid &&
						!check({ webhook: `t=1,v1=${hex.join('')}` }, body, undefined, [secret]).valid
					);
				},
			),
			{ numRuns: 500 },
		);
	});

	it('rejects a JSON body with one character changed, in raw and both re-serialised forms', () => {
		const jsonArb = fc.dictionary(
			fc.string({ maxLength: 12 }),
			fc.oneof(fc.string(), fc.integer(), fc.boolean()),
			{ minKeys: 1 },
		);
		fc.assert(
			fc.property(jsonArb, secretArb, fc.nat(), (object, secret, at) => {
				const text = JSON.stringify(object);
				const signedForms = [text, pythonJsonText(text) as string];
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
				return signedForms.every(
					(signed) =>
						!check({ voxpria: sign(secret, signed) }, mutatedText, parsed, [secret]).valid,
				);
			}),
			{ numRuns: 500 },
		);
	});
});
