import express, { type NextFunction, type Request, type Response } from 'express';
import type { Server } from 'http';
import type { AddressInfo } from 'net';
import type { IDataObject, INodeExecutionData, IWebhookResponseData } from 'n8n-workflow';
import { jsonParse } from 'n8n-workflow';
import { gunzipSync } from 'zlib';

import type { Setup } from '../../helpers/n8n';
import { sign } from '../../sandbox/signing';

const SECRET = 'whsec_0123456789abcdef0123456789abcdef';
/** n8n's own answer once it has recorded the execution (the trigger asks for no data). */
const STARTED = '';

/** What n8n's body parser does before a webhook node runs: keep the raw bytes, parse JSON. */
function n8nBodyParser(req: Request, res: Response, next: NextFunction) {
	const chunks: Buffer[] = [];
	req.on('data', (chunk: Buffer) => chunks.push(chunk));
	req.on('end', () => {
		let raw = Buffer.concat(chunks);
		if (req.headers['content-encoding'] === 'gzip') raw = gunzipSync(raw);
		(req as Request & { rawBody: Buffer }).rawBody = raw;
		req.body = {};
		if (raw.length && (req.headers['content-type'] ?? '').split(';')[0] === 'application/json') {
			try {
				req.body = jsonParse(raw.toString('utf8'));
			} catch {
				res.status(422).json({ message: 'Failed to parse request body' });
				return;
			}
		}
		next();
	});
}

type Started = { at: number; items: INodeExecutionData[] };

/**
 * A real HTTP server whose route runs the trigger's webhook() in a real n8n-core WebhookContext,
 * then does what n8n does with the result: when it has workflow data, n8n records an execution
 * and answers an empty 200 (the trigger's webhook asks for `responseData: 'noData'`), or 500 when
 * it cannot record one.
 */
async function startReceiver(getSetup: () => Setup, loadHarness: () => typeof import('../../helpers/n8n')) {
	const started: Started[] = [];
	const control = { failNextStarts: 0 };
	const app = express();
	app.post('/webhook/hook-0000-1111/webhook', n8nBodyParser, async (req, res) => {
		const result: IWebhookResponseData = await loadHarness().runWebhook(getSetup(), req, res);
		if (result.noWebhookResponse) return;
		if (control.failNextStarts > 0) {
			control.failNextStarts--;
			res.status(500).json({ code: 0, message: 'Workflow could not be started!' });
			return;
		}
		if (result.workflowData) started.push({ at: Date.now(), items: result.workflowData[0] });
		res.status(200).end();
	});
	const server: Server = await new Promise((resolve) => {
		const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
	});
	const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhook/hook-0000-1111/webhook`;
	return { url, started, control, close: () => new Promise((resolve) => server.close(resolve)) };
}

function payload(overrides: IDataObject = {}): IDataObject {
	return {
		event: 'call.completed',
		timestamp: '2025-02-09T12:00:00Z',
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
	let harness: typeof import('../../helpers/n8n');
	let receiver: Awaited<ReturnType<typeof startReceiver>>;

	async function deliver(body: string | Buffer, headers: Record<string, string> = {}) {
		const response = await fetch(receiver.url, {
			method: 'POST',
			headers: { 'content-type': 'application/json', ...headers },
			body,
		});
		const text = await response.text();
		return { status: response.status, body: (text ? JSON.parse(text) : '') as IDataObject };
	}
	const signed = (object: unknown) => {
		const body = JSON.stringify(object);
		return deliver(body, { 'x-voxpria-signature': sign(SECRET, body) });
	};

	beforeAll(async () => {
		harness = await import('../../helpers/n8n');
		receiver = await startReceiver(() => setup, () => harness);
	});
	afterAll(async () => {
		await receiver.close();
	});
	beforeEach(() => {
		receiver.started.length = 0;
		setup = {
			credentials: { apiKey: 'agl_sk_unused', baseUrl: 'http://127.0.0.1:9' },
			parameters: { events: ['call.completed', 'call.failed'], options: {} },
			staticData: { 'node:VoxPria Trigger': { webhookId: `wh_${Math.random()}`, secret: SECRET } },
		};
	});

	it('accepts a signed delivery: 200 at once, and one item that is the payload as it arrived', async () => {
		const event = payload();
		const answer = await signed(event);
		expect(answer).toEqual({ status: 200, body: STARTED });
		expect(receiver.started).toHaveLength(1);
		expect(receiver.started[0].items).toEqual([{ json: event }]);
	});

	it('accepts a body signed in the re-serialised form VoxPria’s sample uses', async () => {
		const event = payload();
		const answer = await deliver(JSON.stringify(event, null, 2), { 'x-voxpria-signature': sign(SECRET, JSON.stringify(event)) });
		expect(answer.status).toBe(200);
		expect(receiver.started).toHaveLength(1);
	});

	describe('rejects with 401 and starts nothing', () => {
		const body = JSON.stringify(payload());
		it.each([
			['no signature header', {}, 'Invalid signature: missing X-Voxpria-Signature header'],
			['a wrong prefix', { 'x-voxpria-signature': sign(SECRET, body).replace('sha256=', 'sha1=') }, 'Invalid signature: X-Voxpria-Signature must start with sha256='],
			['a wrong length', { 'x-voxpria-signature': sign(SECRET, body).slice(0, 40) }, 'Invalid signature: X-Voxpria-Signature must hold 64 hexadecimal characters'],
			['non-hex characters', { 'x-voxpria-signature': `sha256=${'g'.repeat(64)}` }, 'Invalid signature: X-Voxpria-Signature must hold 64 hexadecimal characters'],
			['a wrong value', { 'x-voxpria-signature': `sha256=${'a'.repeat(64)}` }, 'Invalid signature: signature does not match the body'],
			['another secret', { 'x-voxpria-signature': sign('whsec_forged', body) }, 'Invalid signature: signature does not match the body'],
		])('%s', async (_label, headers, message) => {
			const answer = await deliver(body, headers as Record<string, string>);
			expect(answer).toEqual({ status: 401, body: { error: message } });
			expect(receiver.started).toHaveLength(0);
			expect(JSON.stringify(answer.body)).not.toContain(SECRET);
			expect(JSON.stringify(answer.body)).not.toContain(sign(SECRET, body).slice(7));
		});

		it('a tampered body with a valid signature of the original', async () => {
			const original = payload();
			const header = sign(SECRET, JSON.stringify(original));
			const tampered = JSON.stringify({ ...original, data: { ...(original.data as IDataObject), duration: 9999 } });
			expect((await deliver(tampered, { 'x-voxpria-signature': header })).status).toBe(401);
			expect(receiver.started).toHaveLength(0);
		});

		it('any delivery when the node holds no secret (never activated)', async () => {
			setup.staticData = {};
			const answer = await signed(payload());
			expect(answer.status).toBe(401);
			expect(answer.body.error).toMatch(/deactivate and activate/);
			expect(receiver.started).toHaveLength(0);
		});
	});

	it('answers 200 to a signed event that is not selected, and starts nothing', async () => {
		const answer = await signed(payload({ event: 'campaign.paused' }));
		expect(answer).toEqual({ status: 200, body: { received: true, ignored: 'event campaign.paused is not selected' } });
		expect(receiver.started).toHaveLength(0);
	});

	it('starts on an event added under Additional Events', async () => {
		setup.parameters = { events: ['call.completed'], options: { additionalEvents: 'call.transferred' } };
		expect((await signed(payload({ event: 'call.transferred' }))).status).toBe(200);
		expect(receiver.started).toHaveLength(1);
	});

	describe('duplicates', () => {
		it('starts once when the same delivery arrives again', async () => {
			const event = payload();
			expect(await signed(event)).toEqual({ status: 200, body: STARTED });
			expect(await signed(event)).toEqual({ status: 200, body: { received: true, duplicate: true } });
			expect(await signed(event)).toEqual({ status: 200, body: { received: true, duplicate: true } });
			expect(receiver.started).toHaveLength(1);
		});

		it('starts once when 10 copies arrive at the same moment', async () => {
			const event = payload();
			const answers = await Promise.all(Array.from({ length: 10 }, () => signed(event)));
			expect(answers.every((answer) => answer.status === 200)).toBe(true);
			expect(answers.filter((answer) => answer.body.duplicate === true)).toHaveLength(9);
			expect(receiver.started).toHaveLength(1);
		});

		it('starts for each distinct event, even with equal data and another timestamp', async () => {
			const event = payload();
			await signed(event);
			await signed({ ...event, timestamp: '2025-02-09T12:00:01Z' });
			expect(receiver.started).toHaveLength(2);
		});

		it('lets a retry in when n8n could not start the workflow (answered 5xx) the first time', async () => {
			const event = payload();
			receiver.control.failNextStarts = 1;
			expect((await signed(event)).status).toBe(500);
			expect(receiver.started).toHaveLength(0);
			expect(await signed(event)).toEqual({ status: 200, body: STARTED });
			expect(await signed(event)).toEqual({ status: 200, body: { received: true, duplicate: true } });
			expect(receiver.started).toHaveLength(1);
		});

		it('starts every copy when Ignore Duplicates is off', async () => {
			setup.parameters = { events: ['call.completed'], options: { ignoreDuplicates: false } };
			const event = payload();
			await signed(event);
			await signed(event);
			expect(receiver.started).toHaveLength(2);
		});

		it('keeps the memory in static data, where n8n persists it', async () => {
			const event = payload();
			await signed(event);
			const saved = JSON.parse(JSON.stringify(setup.staticData));
			expect(saved['node:VoxPria Trigger'].seen).toHaveLength(1);
			expect(saved['node:VoxPria Trigger'].seen[0]).toMatch(/^[A-Za-z0-9_-]{16}\.[0-9a-z]+$/);
		});

		it('recognises a duplicate after a restart, from the saved static data', async () => {
			const event = payload();
			await signed(event);
			// n8n saves static data as JSON and the process starts afresh.
			setup.staticData = JSON.parse(JSON.stringify(setup.staticData));
			jest.resetModules();
			harness = await import('../../helpers/n8n');
			expect(await signed(event)).toEqual({ status: 200, body: { received: true, duplicate: true } });
			expect(await signed(payload())).toEqual({ status: 200, body: STARTED });
			expect(receiver.started).toHaveLength(2);
		});
	});

	it('adds the request headers under "headers" when Include Headers is on', async () => {
		setup.parameters = { events: ['call.completed'], options: { includeHeaders: true } };
		const event = payload();
		await signed(event);
		const json = receiver.started[0].items[0].json;
		expect(json.event).toBe('call.completed');
		expect((json.headers as IDataObject)['x-voxpria-signature']).toBe(sign(SECRET, JSON.stringify(event)));
		expect((json.headers as IDataObject)['content-type']).toBe('application/json');
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
			['empty', '', 'application/json', /^The body is empty/],
			['not JSON', 'event=call.completed', 'text/plain', /^The body is not JSON/],
			['a JSON array', '[{"event":"call.completed"}]', 'application/json', /^The body is not a JSON object/],
			['a JSON string', '"call.completed"', 'text/plain', /^The body is not a JSON object/],
			['an object without event', '{"data":{"callId":"x"}}', 'application/json', /^The body has no "event" name/],
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

	it('accepts unsigned deliveries only with Skip Signature Check', async () => {
		setup.parameters = { events: ['call.completed'], options: { skipSignatureCheck: true } };
		const body = JSON.stringify(payload());
		expect((await deliver(body)).status).toBe(200);
		expect((await deliver(body)).body).toEqual({ received: true, duplicate: true });
		expect(receiver.started).toHaveLength(1);
	});
});
