/* eslint-disable @n8n/community-nodes/no-hardcoded-secrets, @n8n/community-nodes/no-restricted-globals, @n8n/community-nodes/no-restricted-imports -- dev-only code, held to eslint.dev.config.mjs instead (CONTRIBUTING.md) */
import * as fs from 'fs';
import * as http from 'http';
import * as https from 'https';
import type { AddressInfo } from 'net';
import * as os from 'os';
import * as path from 'path';

import { ensureCert } from '../e2e/lib/tls';
import { recordingBytes, startRecordingHost, startSandbox } from './server';
import { pythonDumps as pythonsOwnDumps } from '../helpers/python';
import { pythonDumps } from './signedForms';
import { hmacHex, sign, signTimestamped } from './signing';

type Sandbox = Awaited<ReturnType<typeof startSandbox>>;
/** Parsed answers and bodies: their shape is what these tests check. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

const KEY = 'agl_sk_test_key';
const STEP_MS = 60;
const RETRY_MS = 20;

// --- helpers -------------------------------------------------------------------------------------

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls until fn returns something truthy. */
async function until<T>(fn: () => T, what: string, timeoutMs = 3000): Promise<NonNullable<T>> {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const value = fn();
		if (value) return value as NonNullable<T>;
		if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
		await sleep(5);
	}
}

interface Hit {
	headers: http.IncomingHttpHeaders;
	raw: Buffer;
	json: Json;
	at: number;
}

interface Receiver {
	url: string;
	hits: Hit[];
	waitFor(count: number, timeoutMs?: number): Promise<Hit[]>;
}

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
	await Promise.all(cleanups.splice(0).map((close) => close()));
});

function closeServer(server: http.Server): Promise<void> {
	return new Promise((resolve) => {
		server.close(() => resolve());
		server.closeAllConnections();
	});
}

/** A webhook receiver that records the exact bytes it gets and answers `statuses` in turn. */
async function startReceiver(
	options: { statuses?: number[]; delayMs?: number; tls?: { key: string; cert: string } } = {},
): Promise<Receiver> {
	const hits: Hit[] = [];
	const statuses = options.statuses ?? [200];
	const handler = (req: http.IncomingMessage, res: http.ServerResponse) => {
		const chunks: Buffer[] = [];
		req.on('data', (chunk: Buffer) => chunks.push(chunk));
		req.on('end', () => {
			const raw = Buffer.concat(chunks);
			let json: unknown;
			try {
				json = JSON.parse(raw.toString('utf8'));
			} catch {
				json = undefined;
			}
			hits.push({ headers: req.headers, raw, json, at: Date.now() });
			const n = hits.length;
			const status = statuses[Math.min(n - 1, statuses.length - 1)];
			setTimeout(() => {
				res.writeHead(status, { 'Content-Type': 'text/plain' });
				res.end(`answer ${n}`);
			}, options.delayMs ?? 0);
		});
	};
	const server = options.tls
		? https.createServer(options.tls, handler)
		: http.createServer(handler);
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	cleanups.push(() => closeServer(server));
	const { port } = server.address() as AddressInfo;
	return {
		url: `${options.tls ? 'https' : 'http'}://127.0.0.1:${port}/hook`,
		hits,
		async waitFor(count, timeoutMs = 3000) {
			await until(
				() => hits.length >= count,
				`${count} deliveries (got ${hits.length})`,
				timeoutMs,
			);
			return hits;
		},
	};
}

/** A URL nothing listens on. */
async function deadUrl(): Promise<string> {
	const server = http.createServer();
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const { port } = server.address() as AddressInfo;
	await closeServer(server);
	return `http://127.0.0.1:${port}/hook`;
}

interface Answer {
	status: number;
	headers: Headers;
	text: string;
	json: Json;
}

async function request(
	sb: Sandbox,
	method: string,
	urlPath: string,
	body?: unknown,
	headers: Record<string, string> = { Authorization: `Bearer ${sb.apiKey}` },
): Promise<Answer> {
	const res = await fetch(sb.url + urlPath, {
		method,
		headers: body === undefined ? headers : { 'Content-Type': 'application/json', ...headers },
		body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
	});
	const text = await res.text();
	let json: unknown;
	try {
		json = JSON.parse(text);
	} catch {
		json = undefined;
	}
	return { status: res.status, headers: res.headers, text, json };
}

const api = (sb: Sandbox, method: string, urlPath: string, body?: unknown) =>
	request(sb, method, `/api/v1${urlPath}`, body);
const admin = (sb: Sandbox, method: string, urlPath: string, body?: unknown) =>
	request(sb, method, `/__admin${urlPath}`, body, {});

const ids = (answer: Answer, key = 'callId'): string[] =>
	answer.json.data.map((record: Record<string, string>) => record[key]);

async function createWebhook(sb: Sandbox, url: string, events: string[], active = true) {
	const answer = await api(sb, 'POST', '/webhooks', { url, events, active });
	expect(answer.status).toBe(201);
	return answer.json.data as { webhookId: string; secret: string };
}

// --- the shared sandbox ----------------------------------------------------------------------------

let sb: Sandbox;

beforeAll(async () => {
	sb = await startSandbox({ port: 0, apiKey: KEY, callStepMs: STEP_MS, retryBaseMs: RETRY_MS });
});
afterAll(async () => {
	await sb.close();
});
beforeEach(() => {
	sb.reset();
});

describe('auth, errors and the request log', () => {
	test('401 for a missing or wrong key; Bearer and X-API-Key are accepted', async () => {
		const missing = await request(sb, 'GET', '/api/v1/credits', undefined, {});
		expect(missing.status).toBe(401);
		expect(missing.json).toEqual({ success: false, error: 'Invalid API key' });

		const wrongBearer = await request(sb, 'GET', '/api/v1/credits', undefined, {
			Authorization: 'Bearer agl_sk_wrong',
		});
		expect(wrongBearer.status).toBe(401);
		const wrongHeader = await request(sb, 'GET', '/api/v1/credits', undefined, {
			'X-API-Key': 'nope',
		});
		expect(wrongHeader.status).toBe(401);

		const bearer = await request(sb, 'GET', '/api/v1/credits', undefined, {
			Authorization: `Bearer ${KEY}`,
		});
		expect(bearer.status).toBe(200);
		expect(bearer.json).toEqual({ success: true, data: { balance: 1000, currency: 'credits' } });
		const apiKey = await request(sb, 'GET', '/api/v1/credits', undefined, { 'X-API-Key': KEY });
		expect(apiKey.status).toBe(200);
	});

	test('unknown routes under /api/v1 are 404 Not found', async () => {
		for (const [method, urlPath] of [
			['GET', '/nope'],
			['PATCH', '/webhooks/wh_1'],
			['DELETE', '/calls'],
		]) {
			const answer = await api(sb, method, urlPath);
			expect(answer.status).toBe(404);
			expect(answer.json).toEqual({ success: false, error: 'Not found' });
		}
	});

	test('413 for bodies above 1 MB, 400 for bodies that are not JSON', async () => {
		const big = JSON.stringify({ phone: '+14155551234', firstName: 'x'.repeat(1024 * 1024) });
		expect((await api(sb, 'POST', '/contacts', big)).status).toBe(413);
		const justUnder = JSON.stringify({ phone: '+14155551234', firstName: 'x'.repeat(1000 * 1000) });
		expect((await api(sb, 'POST', '/contacts', justUnder)).status).toBe(201);
		const notJson = await api(sb, 'POST', '/contacts', '{"phone": ');
		expect(notJson.status).toBe(400);
		expect(notJson.json.success).toBe(false);
	});

	test('logs every API request with headers, query and status, but not admin calls', async () => {
		await admin(sb, 'GET', '/state');
		await api(sb, 'GET', '/calls?page=2&limit=3');
		await api(sb, 'POST', '/webhooks', { url: 'not a url', events: ['call.completed'] });
		await request(sb, 'GET', '/api/v1/credits', undefined, {});

		const log = sb.requests();
		expect(log).toHaveLength(3);
		expect(log[0]).toMatchObject({
			method: 'GET',
			path: '/api/v1/calls',
			query: { page: '2', limit: '3' },
			body: null,
			status: 200,
		});
		expect(log[0].headers.authorization).toBe(`Bearer ${KEY}`);
		expect(Date.parse(log[0].at)).not.toBeNaN();
		expect(log[1]).toMatchObject({
			method: 'POST',
			path: '/api/v1/webhooks',
			body: { url: 'not a url', events: ['call.completed'] },
			status: 400,
		});
		expect(log[1].headers['content-type']).toBe('application/json');
		expect(log[2]).toMatchObject({ path: '/api/v1/credits', status: 401 });
		expect(log[2].headers.authorization).toBeUndefined();

		expect((await admin(sb, 'GET', '/requests')).json).toHaveLength(3);
		expect(sb.clearRequests()).toEqual({ cleared: 3 });
		expect(sb.requests()).toEqual([]);
	});
});

describe('webhooks API', () => {
	test('create returns a whsec_ secret, list hides it, delete works once', async () => {
		const created = await api(sb, 'POST', '/webhooks', {
			url: 'https://example.com/hook',
			events: ['call.completed', 'call.failed'],
			active: true,
		});
		expect(created.status).toBe(201);
		const hook = created.json.data;
		expect(hook).toEqual({
			webhookId: expect.stringMatching(/^wh_\w+$/),
			url: 'https://example.com/hook',
			events: ['call.completed', 'call.failed'],
			active: true,
			secret: expect.stringMatching(/^whsec_[0-9a-f]{32}$/),
			createdAt: expect.any(String),
		});

		const listed = await api(sb, 'GET', '/webhooks');
		expect(listed.json.data).toHaveLength(1);
		expect(listed.json.data[0]).not.toHaveProperty('secret');
		expect(listed.json.data[0].webhookId).toBe(hook.webhookId);
		expect(sb.state().webhooks[0].secret).toBe(hook.secret);

		const second = await createWebhook(sb, 'https://example.com/other', ['call.started']);
		expect(second.secret).not.toBe(hook.secret);

		const deleted = await api(sb, 'DELETE', `/webhooks/${hook.webhookId}`);
		expect(deleted.status).toBe(200);
		expect(deleted.json.data).toEqual({ webhookId: hook.webhookId, deleted: true });
		const again = await api(sb, 'DELETE', `/webhooks/${hook.webhookId}`);
		expect(again.status).toBe(404);
		expect(again.json).toEqual({ success: false, error: 'Webhook not found' });
		expect(sb.state().webhooks.map((w) => w.webhookId)).toEqual([second.webhookId]);
	});

	test('400 for a missing or invalid url or events', async () => {
		const bad = [
			{ events: ['call.completed'] },
			{ url: 'not a url', events: ['call.completed'] },
			{ url: 'ftp://example.com/x', events: ['call.completed'] },
			{ url: 'https://example.com/x' },
			{ url: 'https://example.com/x', events: [] },
			{ url: 'https://example.com/x', events: 'call.completed' },
			{ url: 'https://example.com/x', events: ['call.completed'], active: 'yes' },
		];
		for (const body of bad) {
			const answer = await api(sb, 'POST', '/webhooks', body);
			expect([answer.status, answer.json.success]).toEqual([400, false]);
		}
		expect(sb.state().webhooks).toEqual([]);
	});

	test('requireHttps rejects http:// webhook URLs', async () => {
		const strict = await startSandbox({ requireHttps: true });
		cleanups.push(() => strict.close());
		const plain = await request(strict, 'POST', '/api/v1/webhooks', {
			url: 'http://example.com/hook',
			events: ['call.completed'],
		});
		expect(plain.status).toBe(400);
		expect(plain.json.error).toMatch(/HTTPS/);
		const secure = await request(strict, 'POST', '/api/v1/webhooks', {
			url: 'https://example.com/hook',
			events: ['call.completed'],
		});
		expect(secure.status).toBe(201);
	});
});

describe('the signature helper', () => {
	it('gives the published HMAC-SHA256 of RFC 4231 test case 2, over the exact bytes', () => {
		const rfc4231 = '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843';
		expect(sign('Jefe', 'what do ya want for nothing?')).toBe(`sha256=${rfc4231}`);
		expect(sign('Jefe', Buffer.from('what do ya want for nothing?'))).toBe(`sha256=${rfc4231}`);
		// A string is signed as its UTF-8 bytes: the same as the Buffer VoxPria sends.
		expect(sign('k', 'Léa 👋\u2028')).toBe(sign('k', Buffer.from('Léa 👋\u2028', 'utf8')));
	});

	it('signs X-Webhook-Signature over "<t>.<body>", the same HMAC as the RFC vector', () => {
		// The RFC's message split as t = "what do ya want for nothing" and body = "?" (no dot in it):
		// "<t>.<body>" is then another message, checked against an HMAC of the joined text.
		expect(signTimestamped('Jefe', '?', 'what do ya want for nothing')).toBe(
			`t=what do ya want for nothing,v1=${hmacHex('Jefe', 'what do ya want for nothing.?')}`,
		);
		expect(hmacHex('Jefe', 'what do ya want for nothing?')).toBe(
			'5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843',
		);
	});

	it("writes Python's json.dumps form exactly as Python does, for the payloads it sends", () => {
		const payloads = [
			{ event: 'credit.low', data: { currentBalance: 12.5, threshold: 15, currency: 'USD' } },
			{
				event: 'call.completed',
				data: { transcript: 'Olá 👋\u2028 "quoted" \\ \u007f', n: [1, -2.25, true, null] },
			},
		];
		expect(payloads.map(pythonDumps)).toEqual(
			pythonsOwnDumps(payloads.map((payload) => JSON.stringify(payload))),
		);
	});
});

describe('signing forms', () => {
	test('each webhook signs as its signing says; the option gives new webhooks their forms in turn', async () => {
		const cycling = await startSandbox({
			signing: ['raw', 'node', 'python', 'timestamped', 'both'],
		});
		cleanups.push(() => cycling.close());
		const receiver = await startReceiver();
		const hooks = [];
		for (let n = 0; n < 5; n++)
			hooks.push(await createWebhook(cycling, receiver.url, ['credit.low']));
		expect(cycling.state().webhooks.map((hook: { signing: string }) => hook.signing)).toEqual([
			'raw',
			'node',
			'python',
			'timestamped',
			'both',
		]);
		const data = { currentBalance: 12.5, threshold: 15, currency: 'USD' };
		await cycling.emit({ event: 'credit.low', data });
		const hits = await receiver.waitFor(5);
		const bySecret = (secret: string) =>
			hits.find(
				(hit) =>
					[
						sign(secret, hit.raw),
						sign(secret, JSON.stringify(hit.json)),
						sign(secret, pythonDumps(hit.json)),
					].includes(String(hit.headers['x-voxpria-signature'])) ||
					String(hit.headers['x-webhook-signature']).endsWith(
						hmacHex(
							secret,
							`${String(hit.headers['x-webhook-signature']).slice(2, 12)}.${hit.raw}`,
						),
					),
			)!;
		const [raw, node, python, timestamped, both] = hooks.map((hook) => bySecret(hook.secret));
		expect(raw.headers['x-voxpria-signature']).toBe(sign(hooks[0].secret, raw.raw));
		expect(node.raw.toString()).toContain('\n  "event": "credit.low"');
		expect(node.headers['x-voxpria-signature']).toBe(
			sign(hooks[1].secret, JSON.stringify(node.json)),
		);
		expect(python.raw.toString()).not.toContain(', ');
		expect(python.headers['x-voxpria-signature']).toBe(
			sign(hooks[2].secret, pythonsOwnDumps([python.raw.toString()])[0]),
		);
		expect(timestamped.headers['x-voxpria-signature']).toBeUndefined();
		const [, t] = /^t=(\d+),v1=[0-9a-f]{64}$/.exec(
			String(timestamped.headers['x-webhook-signature']),
		)!;
		expect(Math.abs(Number(t) - Date.now() / 1000)).toBeLessThan(5);
		expect(timestamped.headers['x-webhook-signature']).toBe(
			signTimestamped(hooks[3].secret, timestamped.raw, t),
		);
		expect(both.headers['x-voxpria-signature']).toBe(sign(hooks[4].secret, both.raw));
		expect(both.headers['x-webhook-signature']).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
	});

	test('signing is set per webhook at creation or later (admin), and deliver can override it', async () => {
		const receiver = await startReceiver();
		const created = await request(sb, 'POST', '/api/v1/webhooks', {
			url: receiver.url,
			events: ['call.completed'],
			signing: 'timestamped',
		});
		expect(created.json.data.signing).toBeUndefined();
		expect(sb.state().webhooks[0].signing).toBe('timestamped');
		const bad = await request(
			sb,
			'POST',
			'/__admin/webhooks/' + created.json.data.webhookId + '/signing',
			{
				signing: 'md5',
			},
		);
		expect(bad.status).toBe(400);
		expect(sb.setSigning(created.json.data.webhookId, 'python')).toEqual({
			webhookId: created.json.data.webhookId,
			signing: 'python',
		});
		await sb.deliver({ webhookId: created.json.data.webhookId });
		await sb.deliver({ webhookId: created.json.data.webhookId, signing: 'timestamped' });
		const [python, timestamped] = await receiver.waitFor(2);
		expect(python.headers['x-voxpria-signature']).toBe(
			sign(created.json.data.secret, pythonsOwnDumps([python.raw.toString()])[0]),
		);
		expect(timestamped.headers['x-webhook-signature']).toMatch(/^t=\d+,v1=/);
	});

	test('a timestamped delivery is signed again, with a new t, at each retry', async () => {
		const retrying = await startSandbox({ retryBaseMs: 1100, signing: 'timestamped' });
		cleanups.push(() => retrying.close());
		const receiver = await startReceiver({ statuses: [503, 200] });
		const hook = await createWebhook(retrying, receiver.url, ['call.completed']);
		await retrying.deliver({ webhookId: hook.webhookId, retry: true });
		const [first, second] = await receiver.waitFor(2);
		expect(first.raw.equals(second.raw)).toBe(true);
		expect(second.headers['x-webhook-signature']).not.toBe(first.headers['x-webhook-signature']);
		expect(second.headers['x-webhook-signature']).toBe(
			signTimestamped(
				hook.secret,
				second.raw,
				String(second.headers['x-webhook-signature']).slice(2, 12),
			),
		);
	});
});

describe('calls and signed deliveries', () => {
	test('a call steps through its statuses and emits signed call events', async () => {
		const receiver = await startReceiver();
		const bystander = await startReceiver();
		const hook = await createWebhook(sb, receiver.url, [
			'call.started',
			'call.completed',
			'call.failed',
		]);
		await createWebhook(sb, bystander.url, ['campaign.finished']);
		await createWebhook(
			sb,
			bystander.url,
			['call.started', 'call.completed', 'call.failed'],
			false,
		);

		const numbers = ['+14155551234', '+14155550001', '+14155550002', '+14155550003'];
		const created = [];
		for (const toNumber of numbers) {
			const answer = await api(sb, 'POST', '/calls', {
				agentId: 'agt_sales',
				toNumber,
				variables: { name: 'Zoë' },
			});
			expect(answer.status).toBe(201);
			expect(answer.json.data).toEqual({
				callId: expect.stringMatching(/^call_\w+$/),
				status: 'queued',
				toNumber,
				agentId: 'agt_sales',
				createdAt: expect.any(String),
			});
			created.push(answer.json.data.callId as string);
		}

		// Watch the first call move, one status per step.
		const seen: string[] = ['queued'];
		for (;;) {
			const { status } = (await api(sb, 'GET', `/calls/${created[0]}`)).json.data;
			if (seen[seen.length - 1] !== status) seen.push(status);
			if (status === 'completed') break;
			await sleep(5);
		}
		expect(seen).toEqual(['queued', 'ringing', 'in_progress', 'completed']);

		const hits = await receiver.waitFor(8);
		for (const hit of hits) {
			expect(hit.headers['content-type']).toBe('application/json');
			expect(hit.headers['x-voxpria-signature']).toBe(sign(hook.secret, hit.raw));
			expect(hit.raw.equals(Buffer.from(JSON.stringify(hit.json)))).toBe(true);
			expect(Date.parse(hit.json.timestamp)).not.toBeNaN();
		}
		const eventsOf = (callId: string) =>
			hits.filter((h) => h.json.data.callId === callId).map((h) => h.json.event);
		expect(eventsOf(created[0])).toEqual(['call.started', 'call.completed']);
		for (const callId of created.slice(1)) {
			expect(eventsOf(callId)).toEqual(['call.started', 'call.failed']);
		}

		const completed = hits.find((h) => h.json.event === 'call.completed')!;
		expect(completed.json.data).toMatchObject({
			callId: created[0],
			status: 'completed',
			duration: 127,
			toNumber: '+14155551234',
			variables: { name: 'Zoë' },
		});
		expect(completed.json.data.transcript).toContain('\u2028');
		expect(completed.raw.includes(Buffer.from([0xe2, 0x80, 0xa8]))).toBe(true);
		const started = hits.find((h) => h.json.event === 'call.started')!;
		expect(started.json.data.status).toBe('in_progress');

		const statuses: string[] = [];
		for (const callId of created) {
			statuses.push((await api(sb, 'GET', `/calls/${callId}`)).json.data.status);
		}
		expect(statuses).toEqual(['completed', 'failed', 'no_answer', 'busy']);

		const call = (await api(sb, 'GET', `/calls/${created[0]}`)).json.data;
		expect(Object.keys(call)).toEqual([
			'callId',
			'agentId',
			'toNumber',
			'status',
			'duration',
			'recording',
			'transcript',
			'outcome',
			'variables',
			'startedAt',
			'completedAt',
			'createdAt',
		]);
		expect(call.recording).toBe(`${sb.url}/recordings/${created[0]}.mp3`);
		expect(call.startedAt).toEqual(expect.any(String));
		expect(call.completedAt).toEqual(expect.any(String));

		// Only the completed call costs credits: ceil(127 s / 60) = 3.
		expect((await api(sb, 'GET', '/credits')).json.data.balance).toBe(997);
		// Unsubscribed and inactive webhooks got nothing.
		expect(bystander.hits).toHaveLength(0);
	});

	test('call validation: strict E.164, known agent, known call', async () => {
		for (const toNumber of [
			'4155551234',
			'+04155551234',
			'+1 415 555 1234',
			'+123456',
			'+1234567890123456',
			12345,
		]) {
			const answer = await api(sb, 'POST', '/calls', { agentId: 'agt_sales', toNumber });
			expect([toNumber, answer.status]).toEqual([toNumber, 400]);
		}
		expect(
			(await api(sb, 'POST', '/calls', { agentId: 'agt_sales', toNumber: '+1234567' })).status,
		).toBe(201);
		expect((await api(sb, 'POST', '/calls', { toNumber: '+14155551234' })).status).toBe(400);
		const unknown = await api(sb, 'POST', '/calls', {
			agentId: 'agt_nope',
			toNumber: '+14155551234',
		});
		expect(unknown.status).toBe(404);
		expect(unknown.json.error).toBe('Agent not found');
		expect((await api(sb, 'GET', '/calls/call_nope')).status).toBe(404);
	});
});

describe('retries', () => {
	test('a receiver answering 500 twice then 200 gets the same signed bytes until it succeeds', async () => {
		const receiver = await startReceiver({ statuses: [500, 500, 200] });
		const hook = await createWebhook(sb, receiver.url, ['campaign.finished']);
		const { deliveries } = await sb.emit({
			event: 'campaign.finished',
			data: { campaignId: 'cmp_1' },
		});
		expect(deliveries).toHaveLength(1);

		const hits = await receiver.waitFor(3);
		for (const hit of hits) {
			expect(hit.raw.equals(hits[0].raw)).toBe(true);
			expect(hit.headers['x-voxpria-signature']).toBe(sign(hook.secret, hit.raw));
		}
		expect(hits[0].json).toEqual({
			event: 'campaign.finished',
			timestamp: expect.any(String),
			data: { campaignId: 'cmp_1' },
		});
		// Backoff doubles: ~RETRY_MS, then ~2 × RETRY_MS.
		expect(hits[1].at - hits[0].at).toBeGreaterThanOrEqual(RETRY_MS - 5);
		expect(hits[2].at - hits[1].at).toBeGreaterThanOrEqual(2 * RETRY_MS - 5);

		const delivery = await until(() => sb.deliveries().find((d) => d.done), 'delivery done');
		expect(delivery).toMatchObject({
			id: deliveries[0],
			webhookId: hook.webhookId,
			url: receiver.url,
			event: 'campaign.finished',
			body: hits[0].raw.toString('utf8'),
			done: true,
			ok: true,
		});
		expect(delivery.attempts.map((a) => a.status)).toEqual([500, 500, 200]);
		await sleep(4 * RETRY_MS);
		expect(receiver.hits).toHaveLength(3);
	});

	test('gives up after 5 retries, and retries network errors too', async () => {
		const receiver = await startReceiver({ statuses: [503] });
		await createWebhook(sb, receiver.url, ['call.completed']);
		await createWebhook(sb, await deadUrl(), ['call.completed']);
		await sb.emit({ event: 'call.completed', data: { callId: 'call_x' } });

		const done = await until(
			() => (sb.deliveries().every((d) => d.done) ? sb.deliveries() : null),
			'deliveries done',
			5000,
		);
		const [toReceiver, toNowhere] = done;
		expect(toReceiver.attempts.map((a) => a.status)).toEqual([503, 503, 503, 503, 503, 503]);
		expect(toReceiver.ok).toBe(false);
		expect(toNowhere.attempts).toHaveLength(6);
		for (const attempt of toNowhere.attempts) {
			expect(attempt.status).toBeNull();
			expect(attempt.error).toEqual(expect.any(String));
		}
		await sleep(2 * RETRY_MS);
		expect(receiver.hits).toHaveLength(6);
	});

	test('admin deliver is not retried unless asked', async () => {
		const receiver = await startReceiver({ statuses: [500, 200] });
		const hook = await createWebhook(sb, receiver.url, ['call.completed']);
		const once = await sb.deliver({ webhookId: hook.webhookId });
		expect(once.results[0]).toMatchObject({ status: 500, body: 'answer 1' });
		await sleep(3 * RETRY_MS);
		expect(receiver.hits).toHaveLength(1);

		const retried = await sb.deliver({ webhookId: hook.webhookId, retry: true });
		expect(retried.results[0].status).toBe(200); // the receiver now answers 200
		const failing = await startReceiver({ statuses: [500, 500, 201] });
		const result = await sb.deliver({ url: failing.url, secret: 'whsec_test', retry: true });
		expect(result.results[0].status).toBe(500);
		await failing.waitFor(3);
		const record = await until(
			() => sb.deliveries().find((d) => d.id === result.results[0].deliveryId && d.done),
			'retried delivery done',
		);
		expect(record.attempts.map((a) => a.status)).toEqual([500, 500, 201]);
	});
});

describe('HTTPS receivers', () => {
	let tls: { key: string; cert: string };
	let dir: string;

	beforeAll(() => {
		dir = fs.mkdtempSync(path.join(os.tmpdir(), 'voxpria-sandbox-'));
		const { keyPem, certPem } = ensureCert({ cacheDir: dir });
		tls = { key: keyPem, cert: certPem };
	});
	afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

	test('deliveries reach an https receiver with a self-signed certificate', async () => {
		const receiver = await startReceiver({ tls });
		expect(receiver.url).toMatch(/^https:/);
		const hook = await createWebhook(sb, receiver.url, ['campaign.started']);
		await sb.emit({ event: 'campaign.started', data: { campaignId: 'cmp_9' } });
		const [hit] = await receiver.waitFor(1);
		expect(hit.json.data).toEqual({ campaignId: 'cmp_9' });
		expect(hit.headers['x-voxpria-signature']).toBe(sign(hook.secret, hit.raw));
		expect(sb.deliveries()[0]).toMatchObject({ done: true, ok: true });
	});
});

describe('admin deliver', () => {
	test('valid, forged, missing and literal signatures', async () => {
		const receiver = await startReceiver();
		const hook = await createWebhook(sb, receiver.url, ['call.completed']);

		const valid = await sb.deliver({ webhookId: hook.webhookId });
		expect(valid.results).toEqual([
			{
				deliveryId: expect.stringMatching(/^dlv_/),
				status: 200,
				body: 'answer 1',
				ms: expect.any(Number),
			},
		]);
		await sb.deliver({ webhookId: hook.webhookId, signature: 'forged' });
		await sb.deliver({ webhookId: hook.webhookId, signature: 'missing' });
		await sb.deliver({ webhookId: hook.webhookId, signature: 'sha256=abc' });
		const [v, forged, missing, literal] = await receiver.waitFor(4);

		expect(v.headers['x-voxpria-signature']).toBe(sign(hook.secret, v.raw));
		expect(v.json).toMatchObject({ event: 'call.completed', data: { status: 'completed' } });
		expect(v.json.data.transcript).toContain('\u2028');
		expect(forged.headers['x-voxpria-signature']).toMatch(/^sha256=[0-9a-f]{64}$/);
		expect(forged.headers['x-voxpria-signature']).not.toBe(sign(hook.secret, forged.raw));
		expect(missing.headers['x-voxpria-signature']).toBeUndefined();
		expect(literal.headers['x-voxpria-signature']).toBe('sha256=abc');
	});

	test('pretty form is signed over the compact form; body, payload and headers override', async () => {
		const receiver = await startReceiver();
		const secret = 'whsec_0123456789abcdef0123456789abcdef';
		await sb.deliver({
			url: receiver.url,
			secret,
			form: 'pretty',
			event: 'call.failed',
			data: { callId: 'c1' },
		});
		await sb.deliver({ url: receiver.url, secret, body: 'not json at all' });
		await sb.deliver({
			url: receiver.url,
			secret,
			payload: { hello: 'wörld' },
			headers: { 'X-Extra': 'yes' },
		});
		const [pretty, raw, custom] = await receiver.waitFor(3);

		expect(pretty.raw.toString()).toContain('\n  "event": "call.failed"');
		expect(pretty.headers['x-voxpria-signature']).not.toBe(sign(secret, pretty.raw));
		expect(pretty.headers['x-voxpria-signature']).toBe(sign(secret, JSON.stringify(pretty.json)));
		expect(pretty.json.data).toEqual({ callId: 'c1' });

		expect(raw.raw.toString()).toBe('not json at all');
		expect(raw.headers['x-voxpria-signature']).toBe(sign(secret, raw.raw));

		expect(custom.raw.toString()).toBe('{"hello":"wörld"}');
		expect(custom.headers['x-voxpria-signature']).toBe(sign(secret, custom.raw));
		expect(custom.headers['x-extra']).toBe('yes');

		expect(sb.deliveries().map((d) => [d.webhookId, d.url, d.event])).toEqual([
			[null, receiver.url, 'call.failed'],
			[null, receiver.url, 'call.completed'],
			[null, receiver.url, 'call.completed'],
		]);
	});

	test('copies: concurrent copies arrive together, sequential ones one after another', async () => {
		const receiver = await startReceiver({ delayMs: 100 });
		const hook = await createWebhook(sb, receiver.url, ['call.completed']);

		const together = await sb.deliver({ webhookId: hook.webhookId, copies: 3, concurrent: true });
		expect(together.results.map((r) => r.status)).toEqual([200, 200, 200]);
		const first = receiver.hits.slice(0, 3);
		expect(first).toHaveLength(3);
		const spread = Math.max(...first.map((h) => h.at)) - Math.min(...first.map((h) => h.at));
		expect(spread).toBeLessThan(60);
		for (const hit of first) {
			expect(hit.raw.equals(first[0].raw)).toBe(true);
			expect(hit.headers['x-voxpria-signature']).toBe(first[0].headers['x-voxpria-signature']);
			expect(hit.headers['x-voxpria-signature']).toBe(sign(hook.secret, hit.raw));
		}

		await sb.deliver({ webhookId: hook.webhookId, copies: 2 });
		const [a, b] = receiver.hits.slice(3);
		expect(b.at - a.at).toBeGreaterThanOrEqual(90);
		expect(a.raw.equals(b.raw)).toBe(true);
		expect(a.raw.equals(first[0].raw)).toBe(false); // a new payload per deliver call
	});

	test('bad requests are refused, over HTTP too', async () => {
		await expect(sb.deliver({})).rejects.toThrow(/webhookId/);
		await expect(sb.deliver({ webhookId: 'wh_nope' })).rejects.toThrow('Webhook not found');
		await expect(sb.deliver({ url: 'http://127.0.0.1:9/x' })).rejects.toThrow(/secret/);
		const overHttp = await admin(sb, 'POST', '/deliver', {});
		expect(overHttp.status).toBe(400);
		expect(overHttp.json.error).toEqual(expect.any(String));
	});

	test('emit over HTTP: campaign.finished reaches every subscribed active webhook', async () => {
		const receiver = await startReceiver();
		const hook = await createWebhook(sb, receiver.url, ['campaign.finished']);
		await createWebhook(sb, receiver.url, ['call.completed']);
		const answer = await admin(sb, 'POST', '/emit', {
			event: 'campaign.finished',
			data: { campaignId: 'cmp_1' },
		});
		expect(answer.status).toBe(200);
		expect(answer.json).toEqual({ deliveries: [expect.stringMatching(/^dlv_/)] });
		// emit waits for the first attempt, so the receiver already has it.
		expect(receiver.hits).toHaveLength(1);
		expect(receiver.hits[0].json).toMatchObject({
			event: 'campaign.finished',
			data: { campaignId: 'cmp_1' },
		});
		expect(receiver.hits[0].headers['x-voxpria-signature']).toBe(
			sign(hook.secret, receiver.hits[0].raw),
		);
		expect((await admin(sb, 'GET', '/deliveries')).json).toHaveLength(1);
	});
});

describe('faults', () => {
	test('the next N requests get the status, headers and body, then service resumes', async () => {
		const fault = sb.addFault({
			path: '/api/v1/credits',
			count: 2,
			status: 429,
			headers: { 'Retry-After': '1', 'X-RateLimit-Remaining': 0 },
			body: { success: false, error: 'Rate limit exceeded' },
		});
		expect(fault).toMatchObject({
			id: expect.any(String),
			path: '/api/v1/credits',
			count: 2,
			status: 429,
		});
		for (let i = 0; i < 2; i++) {
			const limited = await api(sb, 'GET', '/credits');
			expect(limited.status).toBe(429);
			expect(limited.headers.get('retry-after')).toBe('1');
			expect(limited.headers.get('x-ratelimit-remaining')).toBe('0');
			expect(limited.json).toEqual({ success: false, error: 'Rate limit exceeded' });
		}
		expect((await api(sb, 'GET', '/credits')).status).toBe(200);
		expect(sb.requests().map((r) => r.status)).toEqual([429, 429, 200]);
		expect(sb.state().faults).toEqual([]);
	});

	test('faults apply before auth; a string body is sent as is', async () => {
		sb.addFault({ path: '/api/v1/agents', status: 502, body: '<html>Bad gateway</html>' });
		const answer = await request(sb, 'GET', '/api/v1/agents', undefined, {});
		expect(answer.status).toBe(502);
		expect(answer.text).toBe('<html>Bad gateway</html>');
		expect((await request(sb, 'GET', '/api/v1/agents', undefined, {})).status).toBe(401);
	});

	test('method and regex path matching', async () => {
		sb.addFault({
			method: 'post',
			path: '/^\\/api\\/v1\\/webhooks/',
			status: 500,
			body: { error: 'boom' },
		});
		expect((await api(sb, 'GET', '/webhooks')).status).toBe(200);
		const failed = await api(sb, 'POST', '/webhooks', {
			url: 'https://x.example/h',
			events: ['call.failed'],
		});
		expect(failed.status).toBe(500);
		expect(failed.json).toEqual({ error: 'boom' });
		const ok = await api(sb, 'POST', '/webhooks', {
			url: 'https://x.example/h',
			events: ['call.failed'],
		});
		expect(ok.status).toBe(201);
	});

	test('delayMs alone delays then serves; with a status it answers after the delay', async () => {
		sb.addFault({ path: '/api/v1/agents', delayMs: 200 });
		let t0 = Date.now();
		const slow = await api(sb, 'GET', '/agents');
		expect(Date.now() - t0).toBeGreaterThanOrEqual(190);
		expect(slow.status).toBe(200);
		expect(slow.json.data).toHaveLength(3);
		t0 = Date.now();
		await api(sb, 'GET', '/agents');
		expect(Date.now() - t0).toBeLessThan(150);

		sb.addFault({ path: '/api/v1/credits', delayMs: 100, status: 504 });
		t0 = Date.now();
		expect((await api(sb, 'GET', '/credits')).status).toBe(504);
		expect(Date.now() - t0).toBeGreaterThanOrEqual(90);
	});

	test('destroy closes the socket without an answer', async () => {
		sb.addFault({ path: '/api/v1/credits', destroy: true });
		await expect(api(sb, 'GET', '/credits')).rejects.toThrow();
		expect((await api(sb, 'GET', '/credits')).status).toBe(200);
		expect(sb.requests().map((r) => r.status)).toEqual([null, 200]);
	});

	test('over HTTP: add, clear, and validation', async () => {
		const added = await admin(sb, 'POST', '/faults', {
			path: '/api/v1/credits',
			status: 500,
			count: 5,
		});
		expect(added.status).toBe(200);
		expect(added.json).toMatchObject({ path: '/api/v1/credits', status: 500, count: 5 });
		expect((await api(sb, 'GET', '/credits')).status).toBe(500);
		expect((await admin(sb, 'DELETE', '/faults')).json).toEqual({ cleared: 1 });
		expect((await api(sb, 'GET', '/credits')).status).toBe(200);

		expect((await admin(sb, 'POST', '/faults', { status: 500 })).status).toBe(400);
		expect(() => sb.addFault({ path: '/([/' })).toThrow(/regex/);
		expect(() => sb.addFault({ path: '/api/v1/credits', count: 0 })).toThrow(/count/);
	});
});

describe('paging', () => {
	beforeEach(() => {
		expect(sb.seed({ calls: 7 })).toMatchObject({ calls: 7 });
	});

	test('honour: exactly limit records from (page-1)*limit, newest first', async () => {
		const pages: string[][] = [];
		for (let page = 1; page <= 4; page++) {
			pages.push(ids(await api(sb, 'GET', `/calls?page=${page}&limit=3`)));
		}
		expect(pages.map((p) => p.length)).toEqual([3, 3, 1, 0]);
		const all = pages.flat();
		expect(new Set(all).size).toBe(7);
		const newestFirst = [...sb.state().calls]
			.sort((a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt))
			.map((c) => c.callId);
		expect(all).toEqual(newestFirst);
		expect(ids(await api(sb, 'GET', '/calls'))).toEqual(newestFirst);
		expect(ids(await api(sb, 'GET', '/calls?limit=50&page=1'))).toEqual(newestFirst);
	});

	test('cap: page size is min(limit, cap)', async () => {
		expect(sb.setPaging({ mode: 'cap', cap: 2 })).toEqual({ mode: 'cap', cap: 2 });
		const sizes = [];
		for (let page = 1; page <= 5; page++) {
			sizes.push(ids(await api(sb, 'GET', `/calls?page=${page}&limit=3`)).length);
		}
		expect(sizes).toEqual([2, 2, 2, 1, 0]);
		expect(ids(await api(sb, 'GET', '/calls?page=2&limit=1'))).toHaveLength(1);
		const defaults = await admin(sb, 'POST', '/paging', { mode: 'cap' });
		expect(defaults.json).toEqual({ mode: 'cap', cap: 25 });
	});

	test('ignore: every record, every time', async () => {
		sb.setPaging({ mode: 'ignore' });
		expect(ids(await api(sb, 'GET', '/calls?page=2&limit=3'))).toHaveLength(7);
		expect(ids(await api(sb, 'GET', '/calls?page=99&limit=1'))).toHaveLength(7);
		expect(() => sb.setPaging({ mode: 'sometimes' })).toThrow(/mode/);
	});

	test('contacts, webhooks and agents lists are paged too; no paging metadata', async () => {
		sb.seed({
			contacts: 5,
			webhooks: [{ url: 'https://a.example/h' }, { url: 'https://b.example/h' }],
		});
		const contacts = await api(sb, 'GET', '/contacts?page=3&limit=2');
		expect(ids(contacts, 'contactId')).toHaveLength(1);
		expect(Object.keys(contacts.json)).toEqual(['success', 'data']);
		expect(ids(await api(sb, 'GET', '/webhooks?page=2&limit=1'), 'webhookId')).toEqual([
			sb.state().webhooks[1].webhookId,
		]);
		expect(ids(await api(sb, 'GET', '/agents?page=1&limit=2'), 'agentId')).toEqual([
			'agt_sales',
			'agt_support',
		]);
	});
});

describe('contacts', () => {
	test('create, update, list and delete', async () => {
		const created = await api(sb, 'POST', '/contacts', {
			phone: '+442071234567',
			firstName: 'Léa',
			lastName: 'Dupont',
			email: 'lea@example.com',
			metadata: { tier: 'gold' },
		});
		expect(created.status).toBe(201);
		const contact = created.json.data;
		expect(contact).toEqual({
			contactId: expect.stringMatching(/^ct_\w+$/),
			phone: '+442071234567',
			firstName: 'Léa',
			lastName: 'Dupont',
			email: 'lea@example.com',
			metadata: { tier: 'gold' },
			createdAt: expect.any(String),
		});
		expect((await api(sb, 'POST', '/contacts', { phone: '0207 123 4567' })).status).toBe(400);

		const updated = await api(sb, 'PUT', `/contacts/${contact.contactId}`, { firstName: 'Lea' });
		expect(updated.status).toBe(200);
		expect(updated.json.data).toEqual({ ...contact, firstName: 'Lea' });
		expect((await api(sb, 'PUT', `/contacts/${contact.contactId}`, { phone: 'nope' })).status).toBe(
			400,
		);
		expect((await api(sb, 'PUT', '/contacts/ct_nope', { firstName: 'X' })).status).toBe(404);

		expect(ids(await api(sb, 'GET', '/contacts'), 'contactId')).toEqual([contact.contactId]);
		const deleted = await api(sb, 'DELETE', `/contacts/${contact.contactId}`);
		expect(deleted.json.data).toEqual({ contactId: contact.contactId, deleted: true });
		expect((await api(sb, 'DELETE', `/contacts/${contact.contactId}`)).status).toBe(404);
	});

	test('bulk: imported, skipped (present or repeated) and errors with indexes', async () => {
		await api(sb, 'POST', '/contacts', { phone: '+442071234567' });
		const answer = await api(sb, 'POST', '/contacts/bulk', {
			contacts: [
				{ phone: '+442071234568', firstName: 'New' },
				{ phone: '+442071234567' },
				{ phone: '12345' },
				{ phone: '+442071234568' },
				{ firstName: 'No phone' },
				'not an object',
				{ phone: '+33612345678' },
			],
		});
		expect(answer.status).toBe(200);
		expect(answer.json.data).toEqual({
			imported: 2,
			skipped: 2,
			errors: [
				{ index: 2, phone: '12345', error: expect.any(String) },
				{ index: 4, phone: null, error: expect.any(String) },
				{ index: 5, phone: null, error: expect.any(String) },
			],
		});
		expect(sb.state().contacts.map((c) => c.phone)).toEqual([
			'+442071234567',
			'+442071234568',
			'+33612345678',
		]);
	});

	test('bulk: 10,000 contacts are accepted, 10,001 are refused', async () => {
		const batch = (n: number) =>
			Array.from({ length: n }, (_, i) => ({ phone: `+1555${String(i).padStart(7, '0')}` }));
		const tooMany = await api(sb, 'POST', '/contacts/bulk', { contacts: batch(10001) });
		expect(tooMany.status).toBe(400);
		expect(tooMany.json.error).toMatch(/10000/);
		expect(sb.state().contacts).toHaveLength(0);
		const max = await api(sb, 'POST', '/contacts/bulk', { contacts: batch(10000) });
		expect(max.json.data).toEqual({ imported: 10000, skipped: 0, errors: [] });
		expect((await api(sb, 'POST', '/contacts/bulk', {})).status).toBe(400);
	});
});

describe('credits, usage and agents', () => {
	test('credits balance follows seed', async () => {
		expect((await api(sb, 'GET', '/credits')).json.data).toEqual({
			balance: 1000,
			currency: 'credits',
		});
		expect(sb.seed({ credits: 42 })).toMatchObject({ credits: 42 });
		expect((await api(sb, 'GET', '/credits')).json.data.balance).toBe(42);
	});

	test('usage sums the calls in the date range', async () => {
		sb.seed({
			calls: [
				{ createdAt: '2025-02-01T10:00:00.000Z', duration: 60 },
				{ createdAt: '2025-02-05T00:00:00.000Z', status: 'failed' },
				{ createdAt: '2025-02-09T23:00:00.000Z', duration: 125 },
				{ createdAt: '2025-02-10T00:00:01.000Z', duration: 600 },
				{ createdAt: '2025-01-31T23:59:59.000Z', duration: 600 },
			],
		});
		const usage = await api(sb, 'GET', '/credits/usage?startDate=2025-02-01&endDate=2025-02-09');
		expect(usage.json.data).toEqual({
			startDate: '2025-02-01',
			endDate: '2025-02-09',
			totalCalls: 3,
			totalMinutes: 3.08,
			creditsUsed: 4,
		});
		const wider = await api(
			sb,
			'GET',
			'/credits/usage?startDate=2025-01-01T00:00:00Z&endDate=2025-03-01T00:00:00Z',
		);
		expect(wider.json.data.totalCalls).toBe(5);
		expect((await api(sb, 'GET', '/credits/usage?startDate=yesterday')).status).toBe(400);
	});

	test('agents: list, get with configuration and stats, flow', async () => {
		const list = await api(sb, 'GET', '/agents');
		expect(list.json.data.map((a: Json) => a.agentId)).toEqual([
			'agt_sales',
			'agt_support',
			'agt_reminders',
		]);
		for (const agent of list.json.data) {
			expect(Object.keys(agent)).toEqual([
				'agentId',
				'name',
				'description',
				'language',
				'voice',
				'status',
				'createdAt',
			]);
		}

		sb.seed({
			calls: [
				{ agentId: 'agt_support', duration: 100 },
				{ agentId: 'agt_support', status: 'busy' },
			],
		});
		const one = (await api(sb, 'GET', '/agents/agt_support')).json.data;
		expect(one).toMatchObject({ ...list.json.data[1], configuration: expect.any(Object) });
		expect(one.stats).toMatchObject({
			totalCalls: 2,
			completedCalls: 1,
			failedCalls: 1,
			averageDuration: 100,
		});

		const flow = (await api(sb, 'GET', '/agents/agt_sales/flow')).json.data;
		expect(flow.agentId).toBe('agt_sales');
		expect(flow.flow).toEqual({
			nodes: expect.any(Array),
			edges: expect.any(Array),
			version: expect.any(Number),
		});
		expect(flow.flow.nodes.length).toBeGreaterThan(0);

		for (const urlPath of ['/agents/agt_nope', '/agents/agt_nope/flow']) {
			const missing = await api(sb, 'GET', urlPath);
			expect([missing.status, missing.json.error]).toEqual([404, 'Agent not found']);
		}
	});
});

describe('recordings', () => {
	test('a completed call has its recording on the sandbox: a small MP3, with the API key only', async () => {
		sb.seed({ calls: [{ callId: 'call_rec1' }, { callId: 'call_busy', status: 'busy' }] });
		const call = (await api(sb, 'GET', '/calls/call_rec1')).json.data;
		expect(call.recording).toBe(`${sb.url}/recordings/call_rec1.mp3`);
		expect((await api(sb, 'GET', '/calls/call_busy')).json.data.recording).toBeNull();

		const res = await fetch(call.recording, { headers: { Authorization: `Bearer ${KEY}` } });
		expect(res.status).toBe(200);
		expect(res.headers.get('content-type')).toBe('audio/mpeg');
		expect(res.headers.get('content-disposition')).toBe('attachment; filename="call_rec1.mp3"');
		const bytes = Buffer.from(await res.arrayBuffer());
		expect(bytes.equals(recordingBytes('call_rec1'))).toBe(true);
		// An ID3v2.3 tag, then MPEG-1 Layer III frames.
		expect(bytes.subarray(0, 3).toString()).toBe('ID3');
		expect(bytes.includes(Buffer.from([0xff, 0xfb, 0x90, 0x64]))).toBe(true);
		expect(bytes.length).toBe(recordingBytes('call_rec1').length);
		expect(recordingBytes('call_other').equals(bytes)).toBe(false);

		const wrong = await request(sb, 'GET', '/recordings/call_rec1.mp3', undefined, {});
		expect([wrong.status, wrong.json]).toEqual([401, { success: false, error: 'Invalid API key' }]);
		expect((await request(sb, 'GET', '/recordings/call_busy.mp3')).status).toBe(404);
		expect((await request(sb, 'GET', '/recordings/nope.mp3')).json).toEqual({
			success: false,
			error: 'Recording not found',
		});
		expect(sb.requests().map((r) => [r.path, r.status])).toEqual([
			['/api/v1/calls/call_rec1', 200],
			['/api/v1/calls/call_busy', 200],
			['/recordings/call_rec1.mp3', 200],
			['/recordings/call_rec1.mp3', 401],
			['/recordings/call_busy.mp3', 404],
			['/recordings/nope.mp3', 404],
		]);
	});

	test('faults apply to recordings; recordingFrames sets their size', async () => {
		sb.seed({ calls: [{ callId: 'call_rec2' }] });
		sb.addFault({ path: '/recordings/call_rec2.mp3', status: 403, body: 'Forbidden' });
		expect((await request(sb, 'GET', '/recordings/call_rec2.mp3')).status).toBe(403);
		expect((await request(sb, 'GET', '/recordings/call_rec2.mp3')).status).toBe(200);

		const big = await startSandbox({ recordingFrames: 380 });
		cleanups.push(() => big.close());
		big.seed({ calls: [{ callId: 'call_long' }] });
		const res = await fetch(`${big.url}/recordings/call_long.mp3`, {
			headers: { 'X-API-Key': big.apiKey },
		});
		expect(Buffer.from(await res.arrayBuffer()).length).toBe(
			recordingBytes('call_long', 380).length,
		);
	});

	test('a second recording host serves any call without a key, keeps headers, answers as told', async () => {
		const host = await startRecordingHost();
		cleanups.push(() => host.close());
		expect(host.url).not.toBe(sb.url);
		const res = await fetch(`${host.url}/recordings/call_x.mp3`, { headers: { 'X-Test': '1' } });
		expect(res.headers.get('content-type')).toBe('audio/mpeg');
		expect(Buffer.from(await res.arrayBuffer()).equals(recordingBytes('call_x'))).toBe(true);
		host.answer('/recordings/moved.mp3', { status: 302, headers: { Location: '/elsewhere' } });
		const moved = await fetch(`${host.url}/recordings/moved.mp3`, { redirect: 'manual' });
		expect([moved.status, moved.headers.get('location')]).toEqual([302, '/elsewhere']);
		expect(host.seen.map((r) => [r.path, r.headers['x-test']])).toEqual([
			['/recordings/call_x.mp3', '1'],
			['/recordings/moved.mp3', undefined],
		]);
		host.reset();
		expect(host.seen).toEqual([]);
	});
});

describe('state, seed and reset', () => {
	test('reset goes back to the seeded start state and stops pending work', async () => {
		const receiver = await startReceiver();
		await createWebhook(sb, receiver.url, ['call.started', 'call.completed', 'call.failed']);
		await api(sb, 'POST', '/contacts', { phone: '+442071234567' });
		await api(sb, 'POST', '/calls', { agentId: 'agt_sales', toNumber: '+14155551234' });
		sb.addFault({ path: '/api/v1/credits', status: 500, count: 10 });
		sb.setPaging({ mode: 'ignore' });
		sb.seed({ calls: 3, credits: 5 });

		expect(sb.reset()).toEqual({ webhooks: 0, calls: 0, contacts: 0, agents: 3, credits: 1000 });
		const state = sb.state();
		expect(state).toMatchObject({
			webhooks: [],
			calls: [],
			contacts: [],
			credits: 1000,
			paging: { mode: 'honour', cap: 25 },
			faults: [],
		});
		expect(state.agents).toHaveLength(3);
		expect(sb.requests()).toEqual([]);
		expect(sb.deliveries()).toEqual([]);
		expect((await api(sb, 'GET', '/credits')).status).toBe(200);

		// The old call's steps were cancelled: a fresh subscription hears nothing from it.
		await createWebhook(sb, receiver.url, ['call.started', 'call.completed', 'call.failed']);
		await sleep(4 * STEP_MS);
		expect(receiver.hits).toHaveLength(0);
	});

	test('seed and reset over HTTP; state shows secrets', async () => {
		const seeded = await admin(sb, 'POST', '/seed', {
			calls: 2,
			contacts: 3,
			agents: [{ name: 'Extra' }],
			webhooks: [{ url: 'https://h.example/x', events: ['call.completed'] }],
		});
		expect(seeded.json).toEqual({ webhooks: 1, calls: 2, contacts: 3, agents: 4, credits: 1000 });
		const state = (await admin(sb, 'GET', '/state')).json;
		expect(state.webhooks[0].secret).toMatch(/^whsec_/);
		expect(state.agents[3].agentId).toMatch(/^agt_/);
		expect(state.contacts.every((c: Json) => /^ct_/.test(c.contactId))).toBe(true);
		expect(new Set(state.contacts.map((c: Json) => c.phone)).size).toBe(3);
		expect((await admin(sb, 'POST', '/reset')).json).toMatchObject({ calls: 0, agents: 3 });
		expect((await admin(sb, 'GET', '/nope')).status).toBe(404);
	});

	test('seed: false starts empty', async () => {
		const empty = await startSandbox({ seed: false });
		cleanups.push(() => empty.close());
		expect(empty.state()).toMatchObject({ agents: [], credits: 0 });
		expect(empty.apiKey).toBe('agl_sk_sandbox_key');
		expect(empty.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
	});
});

describe('close', () => {
	test('resolves promptly with keep-alive clients, pending retries, call timers and delayed requests', async () => {
		const local = await startSandbox({ callStepMs: 60000, retryBaseMs: 60000 });
		const receiver = await startReceiver({ statuses: [500] });
		await createWebhook(local, receiver.url, ['campaign.paused']);
		await local.emit({ event: 'campaign.paused', data: {} }); // first attempt fails; a retry is pending
		await request(local, 'POST', '/api/v1/calls', {
			agentId: 'agt_sales',
			toNumber: '+14155551234',
		});
		const agent = new http.Agent({ keepAlive: true });
		await new Promise<void>((resolve, reject) => {
			http
				.get(
					`${local.url}/api/v1/credits`,
					{ agent, headers: { 'X-API-Key': local.apiKey } },
					(res) => {
						res.resume();
						res.on('end', resolve);
					},
				)
				.on('error', reject);
		});
		local.addFault({ path: '/api/v1/agents', delayMs: 60000 });
		const stuck = request(local, 'GET', '/api/v1/agents');
		stuck.catch(() => undefined); // asserted below, after close()
		await sleep(20);

		const t0 = Date.now();
		await local.close();
		expect(Date.now() - t0).toBeLessThan(500);
		await expect(stuck).rejects.toThrow();
		await expect(fetch(`${local.url}/api/v1/credits`)).rejects.toThrow();
		agent.destroy();
		expect(receiver.hits).toHaveLength(1);
	});
});
