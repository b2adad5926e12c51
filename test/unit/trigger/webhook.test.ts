/* eslint-disable @n8n/community-nodes/no-hardcoded-secrets, @n8n/community-nodes/no-restricted-globals, @n8n/community-nodes/no-restricted-imports -- dev-only code, held to eslint.dev.config.mjs instead (CONTRIBUTING.md) */
import { request as httpRequest } from 'http';
import { gzipSync } from 'zlib';
import { Logger } from '@n8n/backend-common';
import { Container } from '@n8n/di';
import type { IDataObject } from 'n8n-workflow';

import { MAX_ENTRIES } from '../../../nodes/VoxPriaTrigger/deliveryMemory';
import { decodeMemory } from '../../../nodes/VoxPriaTrigger/savedMemory';
import { forgetAllTriggerStates } from '../../../nodes/VoxPriaTrigger/processState';
import { MAX_BODY_BYTES } from '../../../nodes/VoxPriaTrigger/requestBody';
import { RECORDING_DEADLINE_MS } from '../../../nodes/VoxPriaTrigger/storedState';
import type { Setup } from '../../helpers/n8n';
import { sign } from '../../sandbox/signing';
import { type Receiver, StaticDataStore, startReceiver } from '../../helpers/webhookReceiver';

const SECRET = 'whsec_0123456789abcdef0123456789abcdef';
const NODE = 'node:VoxPria Trigger';
/** n8n's own answer once it has recorded the execution (the trigger asks for no data). */
const STARTED = '';

function payload(overrides: IDataObject = {}): IDataObject {
	return {
		event: 'call.completed',
		timestamp: new Date().toISOString(),
		data: {
			callId: `call_${Math.random().toString(36).slice(2)}`,
			status: 'completed',
			duration: 127,
			toNumber: '+14155551234',
			recording: 'https://cdn.voxpria.com/rec/1.mp3',
			transcript: 'Agent: Hello! Customer: Hi.',
		},
		...overrides,
	};
}

describe('VoxPria Trigger deliveries', () => {
	let setup: Setup;
	let store: StaticDataStore;
	let receiver: Receiver;

	async function deliver(body: string | Buffer, headers: Record<string, string> = {}) {
		const response = await fetch(receiver.url, {
			method: 'POST',
			headers: { 'content-type': 'application/json', ...headers },
			body,
		});
		const text = await response.text();
		return {
			status: response.status,
			body: (text ? JSON.parse(text) : '') as IDataObject,
			retryAfter: response.headers.get('retry-after'),
		};
	}
	/** Sends a signed body and hangs up after `ms`, before any answer. */
	const sendAndLeave = (body: string, ms: number) =>
		new Promise<void>((resolve) => {
			const request = httpRequest(receiver.url, {
				method: 'POST',
				headers: { 'content-type': 'application/json', 'x-voxpria-signature': sign(SECRET, body) },
			});
			request.on('error', () => resolve());
			request.end(body);
			setTimeout(() => {
				request.destroy();
				resolve();
			}, ms);
		});
	const signed = (object: unknown, secret = SECRET) => {
		const body = JSON.stringify(object);
		return deliver(body, { 'x-voxpria-signature': sign(secret, body) });
	};

	beforeAll(async () => {
		const harness = await import('../../helpers/n8n');
		receiver = await startReceiver({
			getSetup: () => setup,
			loadHarness: () => harness,
			store: { get: () => store },
		});
	});
	afterAll(async () => {
		await receiver.close();
	});
	beforeEach(() => {
		forgetAllTriggerStates();
		receiver.started.length = 0;
		receiver.control.failNextRecordings = 0;
		receiver.control.recordDelayMs = 0;
		setup = {
			credentials: { apiKey: 'agl_sk_unused', baseUrl: 'http://127.0.0.1:9' },
			parameters: { events: ['call.completed', 'call.failed'], options: {} },
		};
		store = new StaticDataStore({ [NODE]: { webhookId: 'wh_1', secret: SECRET, registeredAt: 1 } });
	});

	it('accepts a signed delivery: an empty 200 once recorded, and one item that is the payload', async () => {
		const event = payload();
		expect((await signed(event)).status).toBe(200);
		expect(receiver.started).toHaveLength(1);
		expect(receiver.started[0].items).toEqual([{ json: event }]);
	});

	it('outputs a body with a top-level "json" field as it is, not as an n8n item', async () => {
		const event = payload({ json: { note: 'VoxPria field' }, pairedItem: 3 });
		expect((await signed(event)).status).toBe(200);
		expect(receiver.started[0].items).toEqual([{ json: event }]);
	});

	it('reads the signed bytes as UTF-8 whatever charset the (unsigned) content type names', async () => {
		const event = payload({ data: { callId: 'call_utf8', transcript: 'Olá, José — ça va? 👋' } });
		const body = JSON.stringify(event);
		const answer = await deliver(body, {
			'x-voxpria-signature': sign(SECRET, body),
			'content-type': 'application/json; charset=latin1',
		});
		expect(answer.status).toBe(200);
		expect(receiver.started[0].items[0].json).toEqual(event);
	});

	it('accepts a body signed in the re-serialised form VoxPria’s sample uses, and outputs what was signed', async () => {
		const event = payload();
		const answer = await deliver(JSON.stringify(event, null, 2), {
			'x-voxpria-signature': sign(SECRET, JSON.stringify(event)),
		});
		expect(answer.status).toBe(200);
		expect(receiver.started[0].items[0].json).toEqual(event);
	});

	describe('rejects with 401 and starts nothing', () => {
		const body = JSON.stringify(payload());
		it.each([
			[
				'no signature header',
				{},
				'Invalid signature: no X-Voxpria-Signature or X-Webhook-Signature header',
			],
			[
				'a wrong prefix',
				{ 'x-voxpria-signature': sign(SECRET, body).replace('sha256=', 'sha1=') },
				'Invalid signature: X-Voxpria-Signature must be sha256=<64 hexadecimal characters>',
			],
			[
				'a wrong length',
				{ 'x-voxpria-signature': sign(SECRET, body).slice(0, 40) },
				'Invalid signature: X-Voxpria-Signature must be sha256=<64 hexadecimal characters>',
			],
			[
				'non-hex characters',
				{ 'x-voxpria-signature': `sha256=${'g'.repeat(64)}` },
				'Invalid signature: X-Voxpria-Signature must be sha256=<64 hexadecimal characters>',
			],
			[
				'a wrong value',
				{ 'x-voxpria-signature': `sha256=${'a'.repeat(64)}` },
				'Invalid signature: X-Voxpria-Signature (sha256) does not match the body',
			],
			[
				'another secret',
				{ 'x-voxpria-signature': sign('whsec_forged', body) },
				'Invalid signature: X-Voxpria-Signature (sha256) does not match the body',
			],
		])('%s', async (_label, headers, message) => {
			const before = store.text;
			const answer = await deliver(body, headers as Record<string, string>);
			expect(answer.status).toBe(401);
			expect(answer.body).toEqual({ error: message });
			expect(receiver.started).toHaveLength(0);
			expect(JSON.stringify(answer.body)).not.toContain(SECRET);
			expect(JSON.stringify(answer.body)).not.toContain(sign(SECRET, body).slice(7));
			// A forged request never costs a database write.
			expect(store.text).toBe(before);
		});

		it('a tampered body with a valid signature of the original', async () => {
			const original = payload();
			const header = sign(SECRET, JSON.stringify(original));
			const tampered = JSON.stringify({
				...original,
				data: { ...(original.data as IDataObject), duration: 9999 },
			});
			expect((await deliver(tampered, { 'x-voxpria-signature': header })).status).toBe(401);
			expect(receiver.started).toHaveLength(0);
		});

		it('any delivery when the node holds no secret (never activated)', async () => {
			store = new StaticDataStore({});
			const answer = await signed(payload());
			expect(answer.status).toBe(401);
			expect(answer.body.error).toMatch(/deactivate and activate/);
			expect(receiver.started).toHaveLength(0);
		});
	});

	it('answers 200 to a signed event that is not selected, and starts nothing', async () => {
		const answer = await signed(payload({ event: 'campaign.paused' }));
		expect(answer.status).toBe(200);
		expect(answer.body).toEqual({
			received: true,
			ignored: 'event campaign.paused is not selected',
		});
		expect(receiver.started).toHaveLength(0);
	});

	it('starts on an event added under Additional Events', async () => {
		setup.parameters = {
			events: ['call.completed'],
			options: { additionalEvents: 'call.transferred' },
		};
		expect((await signed(payload({ event: 'call.transferred' }))).status).toBe(200);
		expect(receiver.started).toHaveLength(1);
	});

	describe('the signed timestamp', () => {
		const ago = (ms: number) => new Date(Date.now() - ms).toISOString();

		it.each([
			[
				'10 minutes in the future',
				{ timestamp: ago(-10 * 60_000) },
				/^timestamp in the future: .*check the clock of the n8n server/,
			],
			[
				'25 hours old',
				{ timestamp: ago(25 * 3_600_000) },
				/^older than the replay window: .*more than 24 h ago/,
			],
		])('refuses a delivery whose timestamp is %s with 400', async (_label, overrides, message) => {
			const answer = await signed(payload(overrides));
			expect(answer.status).toBe(400);
			expect(String(answer.body.error)).toMatch(message);
			expect(receiver.started).toHaveLength(0);
		});

		it.each([
			['missing', { timestamp: undefined }],
			['unreadable', { timestamp: 'yesterday' }],
			['without a zone', { timestamp: '2026-11-29T12:00:00' }],
		])(
			'runs a delivery whose timestamp is %s once (credit.low has none): a copy is a duplicate',
			async (_label, overrides) => {
				const event = payload({ event: 'call.completed', ...overrides });
				expect((await signed(event)).status).toBe(200);
				expect(receiver.started[0].items).toEqual([{ json: event }]);
				expect((await signed(event)).body).toEqual({ received: true, duplicate: true });
				expect(receiver.started).toHaveLength(1);
			},
		);

		it('accepts 4 minutes of clock skew, and an old delivery inside a longer Replay Window', async () => {
			expect((await signed(payload({ timestamp: ago(-4 * 60_000) }))).status).toBe(200);
			setup.parameters = { events: ['call.completed'], options: { replayWindowHours: 48 } };
			expect((await signed(payload({ timestamp: ago(25 * 3_600_000) }))).status).toBe(200);
			expect(receiver.started).toHaveLength(2);
		});

		it('accepts epoch seconds and offsets other than Z', async () => {
			expect((await signed(payload({ timestamp: Math.floor(Date.now() / 1000) }))).status).toBe(
				200,
			);
			const offset = new Date(Date.now() + 2 * 3_600_000).toISOString().replace('Z', '+02:00');
			expect((await signed(payload({ timestamp: offset }))).status).toBe(200);
		});
	});

	describe('duplicates', () => {
		it('starts once when the same delivery arrives again', async () => {
			const event = payload();
			expect((await signed(event)).status).toBe(200);
			for (let copy = 0; copy < 2; copy++) {
				const answer = await signed(event);
				expect(answer.status).toBe(200);
				expect(answer.body).toEqual({ received: true, duplicate: true });
			}
			expect(receiver.started).toHaveLength(1);
		});

		it('answers a copy of a delivery still being recorded with 409 and Retry-After, never 200', async () => {
			receiver.control.recordDelayMs = 300;
			const event = payload();
			const first = signed(event);
			await new Promise((resolve) => setTimeout(resolve, 100));
			const copy = await signed(event);
			expect(copy.status).toBe(409);
			expect(copy.retryAfter).toBe('5');
			expect((await first).status).toBe(200);
			expect((await signed(event)).body).toEqual({ received: true, duplicate: true });
			expect(receiver.started).toHaveLength(1);
		});

		it('runs a copy that comes back after the first copy could not be recorded', async () => {
			receiver.control.recordDelayMs = 300;
			receiver.control.failNextRecordings = 1;
			const event = payload();
			const first = signed(event);
			await new Promise((resolve) => setTimeout(resolve, 100));
			expect((await signed(event)).status).toBe(409);
			expect((await first).status).toBe(500);
			expect((await signed(event)).status).toBe(200);
			expect(receiver.started).toHaveLength(1);
		});

		it('starts once when 10 copies arrive at the same moment', async () => {
			const event = payload();
			const answers = await Promise.all(Array.from({ length: 10 }, () => signed(event)));
			expect(
				answers.filter((answer) => answer.status === 200 && (answer.body as unknown) === STARTED),
			).toHaveLength(1);
			expect(answers.every((answer) => [200, 409].includes(answer.status))).toBe(true);
			expect(receiver.started).toHaveLength(1);
		});

		it('starts for each distinct event, even with equal data and another timestamp', async () => {
			const event = payload();
			await signed(event);
			await signed({ ...event, timestamp: new Date(Date.now() - 1000).toISOString() });
			expect(receiver.started).toHaveLength(2);
		});

		it('forgets a delivery n8n could not record (5xx), so that VoxPria’s retry runs it', async () => {
			const event = payload();
			receiver.control.failNextRecordings = 1;
			expect((await signed(event)).status).toBe(500);
			expect(receiver.started).toHaveLength(0);
			expect((await signed(event)).status).toBe(200);
			expect((await signed(event)).body).toEqual({ received: true, duplicate: true });
			expect(receiver.started).toHaveLength(1);
		});

		it('keeps a delivery whose client left pending until n8n records it, and forgets it if n8n never does', async () => {
			receiver.control.recordDelayMs = 300;
			receiver.control.failNextRecordings = 1;
			const event = payload();
			await sendAndLeave(JSON.stringify(event), 100);
			// Only "close" fired; n8n failed to record it without a word: a copy waits...
			await new Promise((resolve) => setTimeout(resolve, 400));
			expect((await signed(event)).status).toBe(409);
			// ...until the deadline for n8n's save has passed; then VoxPria's retry runs it.
			await new Promise((resolve) => setTimeout(resolve, RECORDING_DEADLINE_MS));
			expect((await signed(event)).status).toBe(200);
			expect(receiver.started).toHaveLength(1);
		}, 60_000);

		it('keeps a recorded delivery when the client left after n8n recorded it: the retry is a duplicate', async () => {
			receiver.control.recordDelayMs = 300;
			const event = payload();
			await sendAndLeave(JSON.stringify(event), 100);
			await new Promise((resolve) => setTimeout(resolve, 400));
			expect(receiver.started).toHaveLength(1);
			expect((await signed(event)).body).toEqual({ received: true, duplicate: true });
			expect(receiver.started).toHaveLength(1);
		});

		it('starts every copy when Ignore Duplicates is off', async () => {
			setup.parameters = { events: ['call.completed'], options: { ignoreDuplicates: false } };
			const event = payload();
			await signed(event);
			await signed(event);
			expect(receiver.started).toHaveLength(2);
		});

		it('saves the memory with the execution, where n8n persists it, in about 10 characters a delivery', async () => {
			await signed(payload());
			await signed(payload());
			const saved = decodeMemory(store.node().seen);
			expect(saved?.entries).toHaveLength(2);
			expect(store.node()).toMatchObject({ webhookId: 'wh_1', secret: SECRET });
			expect(String(store.node().seen).length).toBeLessThan(40);
		});

		it('recognises a duplicate after a restart, from the saved static data', async () => {
			const event = payload();
			await signed(event);
			forgetAllTriggerStates(); // a new n8n process: only the database remains
			expect((await signed(event)).body).toEqual({ received: true, duplicate: true });
			expect((await signed(payload())).status).toBe(200);
			expect(receiver.started).toHaveLength(2);
		});

		it(`never runs a copy of a delivery it had to forget once ${MAX_ENTRIES} newer ones came; runs a new one dated like the last forgotten`, async () => {
			setup.parameters = { events: ['call.completed'], options: {} };
			const oldest = payload({ timestamp: new Date(Date.now() - 3_600_000).toISOString() });
			const second = payload({ timestamp: new Date(Date.now() - 3_500_000).toISOString() });
			expect((await signed(oldest)).status).toBe(200);
			expect((await signed(second)).status).toBe(200);
			const start = Date.now() - 3_000_000;
			for (let n = 0; n < MAX_ENTRIES; n += 50) {
				await Promise.all(
					Array.from({ length: 50 }, (_, i) =>
						signed(payload({ timestamp: new Date(start + (n + i) * 1000).toISOString() })),
					),
				);
			}
			expect(receiver.started).toHaveLength(MAX_ENTRIES + 2);
			await new Promise((resolve) => setTimeout(resolve, 1000));
			// Older than every delivery it holds: it may have run, so it is refused.
			const replay = await signed(oldest);
			expect(replay.status).toBe(400);
			expect(String(replay.body.error)).toMatch(/^older than the duplicate memory/);
			// Dated like the floor: the trigger still knows it ran.
			expect((await signed(second)).body).toEqual({ received: true, duplicate: true });
			// A first delivery with that very timestamp (VoxPria dates to the second) runs.
			expect((await signed({ ...second, data: { callId: 'call_same_second' } })).status).toBe(200);
			expect(receiver.started).toHaveLength(MAX_ENTRIES + 3);
		}, 60_000);
	});

	describe('Include Headers', () => {
		it('adds the request headers under "headers", with signature and credentials redacted', async () => {
			setup.parameters = { events: ['call.completed'], options: { includeHeaders: true } };
			const event = payload();
			const body = JSON.stringify(event);
			await deliver(body, {
				'x-voxpria-signature': sign(SECRET, body),
				authorization: 'Bearer proxy-token',
				cookie: 'session=abc',
				'proxy-authorization': 'Basic eA==',
				'x-request-id': 'req-1',
			});
			const json = receiver.started[0].items[0].json;
			expect(json.event).toBe('call.completed');
			expect(json.headers).toMatchObject({
				'x-voxpria-signature': '[redacted]',
				authorization: '[redacted]',
				cookie: '[redacted]',
				'proxy-authorization': '[redacted]',
				'x-request-id': 'req-1',
				'content-type': 'application/json',
			});
			expect(JSON.stringify(json)).not.toContain(sign(SECRET, body).slice(7));
		});

		it('leaves a "headers" field of the delivery intact and puts the request headers under "requestHeaders"', async () => {
			setup.parameters = { events: ['call.completed'], options: { includeHeaders: true } };
			const event = payload({ headers: { from: 'VoxPria' } });
			await signed(event);
			const json = receiver.started[0].items[0].json;
			expect(json.headers).toEqual({ from: 'VoxPria' });
			expect((json.requestHeaders as IDataObject)['content-type']).toBe('application/json');
		});
	});

	it('passes unicode through unchanged: accents, emoji, U+2028 and U+2029', async () => {
		const transcript = 'Agent: Olá, José! Ça va? 👋🏽\u2028Customer: Sí — 谢谢\u2029End';
		const event = payload({ data: { callId: 'call_unicode', transcript } });
		expect((await signed(event)).status).toBe(200);
		expect((receiver.started[0].items[0].json.data as IDataObject).transcript).toBe(transcript);
	});

	it('accepts a 1 MB transcript', async () => {
		const transcript = 'Lorem ipsum dolor sit amet. '.repeat(40_000);
		const event = payload({ data: { callId: 'call_big', transcript } });
		expect((await signed(event)).status).toBe(200);
		expect((receiver.started[0].items[0].json.data as IDataObject).transcript).toBe(transcript);
	});

	describe('answers malformed signed bodies with 400 and starts nothing', () => {
		const sendSigned = (body: string, contentType = 'application/json') =>
			deliver(body, { 'x-voxpria-signature': sign(SECRET, body), 'content-type': contentType });

		it.each([
			['empty', '', 'application/json', /^not a delivery: The body is empty/],
			['not JSON', 'event=call.completed', 'text/plain', /^not a delivery: The body is not JSON/],
			[
				'a JSON array',
				'[{"event":"call.completed"}]',
				'application/json',
				/^not a delivery: The body is not a JSON object/,
			],
			[
				'a JSON string',
				'"call.completed"',
				'text/plain',
				/^not a delivery: The body is not a JSON object/,
			],
			[
				'an object without event',
				'{"data":{"callId":"x"}}',
				'application/json',
				/^not a delivery: The body has no "event" name/,
			],
		])('%s', async (_label, body, contentType, message) => {
			const answer = await sendSigned(body, contentType);
			expect(answer.status).toBe(400);
			expect(answer.body.error).toMatch(message);
			expect(receiver.started).toHaveLength(0);
		});

		it('a JSON delivery sent as text/plain is still read', async () => {
			const body = JSON.stringify(payload());
			const answer = await sendSigned(body, 'text/plain');
			expect(answer.status).toBe(200);
			expect(receiver.started[0].items[0].json).toEqual(JSON.parse(body));
		});
	});

	describe('version 1.1: bodies n8n leaves unread (content types it does not parse) are read by the trigger', () => {
		beforeEach(() => {
			setup.typeVersion = 1.1;
		});
		const sendAs = (body: Buffer | string, headers: Record<string, string>) =>
			fetch(receiver.url, { method: 'POST', headers, body }).then(async (response) => ({
				status: response.status,
				text: await response.text(),
			}));

		it.each([['application/octet-stream'], ['application/vnd.voxpria+json'], ['']])(
			'a signed delivery sent as "%s" runs once, with the signed payload',
			async (contentType) => {
				const event = payload({ data: { callId: `call_${contentType || 'none'}` } });
				const body = JSON.stringify(event);
				const headers = { 'x-voxpria-signature': sign(SECRET, body), 'content-type': contentType };
				expect(await sendAs(body, headers)).toEqual({ status: 200, text: '' });
				expect(receiver.started).toHaveLength(1);
				expect(receiver.started[0].items[0].json).toEqual(event);
				// Sent again: a duplicate, as for JSON.
				expect((await sendAs(body, headers)).status).toBe(200);
				expect(receiver.started).toHaveLength(1);
			},
		);

		it('refuses what it cannot read with a clear answer and starts nothing: a body over n8n’s 16 MiB limit (413), a compressed body (415)', async () => {
			const big = Buffer.alloc(MAX_BODY_BYTES + 1, 0x20);
			const tooBig = await sendAs(big, {
				'content-type': 'application/octet-stream',
				'x-voxpria-signature': sign(SECRET, big),
			});
			expect(tooBig.status).toBe(413);
			expect(JSON.parse(tooBig.text).error).toBe('body too large: the body is larger than 16 MiB');
			const body = JSON.stringify(payload());
			const zipped = await sendAs(gzipSync(body), {
				'content-type': 'application/octet-stream',
				'content-encoding': 'gzip',
				'x-voxpria-signature': sign(SECRET, body),
			});
			expect(zipped.status).toBe(415);
			expect(JSON.parse(zipped.text).error).toMatch(
				/^unsupported encoding: the body is encoded as "gzip"/,
			);
			expect(receiver.started).toHaveLength(0);
		});

		it('JSON is still read by n8n (the same answers as version 1)', async () => {
			const event = payload();
			expect((await signed(event)).status).toBe(200);
			expect(receiver.started[0].items).toEqual([{ json: event }]);
		});
	});

	it('puts refused deliveries into n8n’s log: why, which workflow and node, which event, from where; never the secret, the signature or the body', async () => {
		const warn = jest.spyOn(Container.get(Logger), 'warn');
		try {
			const event = payload({ data: { callId: 'call_logged', transcript: 'private words' } });
			const body = JSON.stringify(event);
			await deliver(body, { 'x-voxpria-signature': sign('whsec_forged', body) });
			await deliver(body);
			await signed(event);
			await signed(event);
			const lines = warn.mock.calls.map(([line]) => String(line));
			expect(lines).toEqual([
				'VoxPria Trigger refused a delivery (HTTP 401): invalid signature: X-Voxpria-Signature (sha256) does not match the body [workflow "Test workflow" (wf-1), node "VoxPria Trigger", event call.completed, from 127.0.0.1]',
				// A well-formed signature that matches nothing makes the trigger ask VoxPria whether its
				// registration is outdated (at most once a minute); VoxPria is unreachable in this test.
				'VoxPria Trigger could not check its registration at VoxPria after a signature failure: Could not reach VoxPria at http://127.0.0.1:9: the connection was refused; check the Base URL in the VoxPria credential [workflow "Test workflow" (wf-1), node "VoxPria Trigger"]',
				// The unsigned delivery is counted under "invalid signature", for the minute's summary.
				'VoxPria Trigger refused a delivery (HTTP 200): duplicate: this delivery already started an execution [workflow "Test workflow" (wf-1), node "VoxPria Trigger", event call.completed, from 127.0.0.1]',
			]);
			const text = lines.join('\n');
			for (const secret of [
				SECRET,
				sign(SECRET, body).slice(7),
				sign('whsec_forged', body).slice(7),
				'private words',
			]) {
				expect(text).not.toContain(secret);
			}
		} finally {
			warn.mockRestore();
		}
	});

	it('accepts unsigned deliveries (with or without a timestamp) only with Skip Signature Check', async () => {
		setup.parameters = { events: ['call.completed'], options: { skipSignatureCheck: true } };
		const body = JSON.stringify(payload({ timestamp: undefined }));
		expect((await deliver(body)).status).toBe(200);
		expect((await deliver(body)).body).toEqual({ received: true, duplicate: true });
		expect(receiver.started).toHaveLength(1);
	});
});
