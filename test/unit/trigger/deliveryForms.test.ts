/* eslint-disable @n8n/community-nodes/no-restricted-globals, @n8n/community-nodes/no-restricted-imports -- dev-only code, held to eslint.dev.config.mjs instead (CONTRIBUTING.md) */
/**
 * Every delivery VoxPria's pages describe, through the trigger's webhook() in a real n8n-core
 * context behind a real HTTP server (helpers/webhookReceiver.ts), with the trigger's registration
 * held by the VoxPria sandbox: both signature headers and each form, undated deliveries, the
 * events of every page, and a request that loaded the registration before a re-publish.
 */
import { request as httpRequest } from 'http';
import type { IDataObject } from 'n8n-workflow';

import { forgetAllTriggerStates } from '../../../nodes/VoxPriaTrigger/processState';
import type { Setup } from '../../helpers/n8n';
import { type Sandbox, useSandbox } from '../../helpers/sandbox';
import { type Receiver, StaticDataStore, startReceiver } from '../../helpers/webhookReceiver';
import { pythonDumps } from '../../helpers/python';
import { hmacHex, sign, signTimestamped } from '../../sandbox/signing';

const NODE = 'node:VoxPria Trigger';

/** The developers/webhooks page's credit.low: no timestamp. */
const CREDIT_LOW =
	'{"event":"credit.low","data":{"currentBalance":12.50,"threshold":15.00,"currency":"USD"}}';

describe('VoxPria Trigger: every delivery form VoxPria documents', () => {
	let sandbox: Sandbox;
	let setup: Setup;
	let store: StaticDataStore;
	let receiver: Receiver;
	let secret: string;
	let webhookId: string;

	useSandbox((started) => (sandbox = started));

	async function register(): Promise<{ webhookId: string; secret: string }> {
		const response = await fetch(`${sandbox.url}/api/v1/webhooks`, {
			method: 'POST',
			headers: { authorization: `Bearer ${sandbox.apiKey}`, 'content-type': 'application/json' },
			body: JSON.stringify({ url: receiver.url, events: ['call.completed'], active: true }),
		});
		return ((await response.json()) as { data: { webhookId: string; secret: string } }).data;
	}
	async function deliver(body: string, headers: Record<string, string>) {
		const response = await fetch(receiver.url, {
			method: 'POST',
			headers: { 'content-type': 'application/json', ...headers },
			body,
		});
		const text = await response.text();
		return { status: response.status, body: (text ? JSON.parse(text) : '') as IDataObject };
	}
	const event = (extra: IDataObject = {}) =>
		JSON.stringify({
			event: 'call.completed',
			timestamp: new Date().toISOString(),
			data: { callId: `call_${Math.random().toString(36).slice(2)}`, summary: 'Olá — 👋' },
			...extra,
		});

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
	beforeEach(async () => {
		forgetAllTriggerStates();
		receiver.started.length = 0;
		({ webhookId, secret } = await register());
		setup = {
			credentials: { apiKey: sandbox.apiKey, baseUrl: sandbox.url },
			parameters: {
				events: [
					'call.completed',
					'call.answered',
					'call.ended',
					'campaign.completed',
					'credit.low',
				],
				options: {},
			},
		};
		store = new StaticDataStore({ [NODE]: { webhookId, secret, registeredAt: 1 } });
	});

	const forms: Array<
		[string, (body: string) => { body: string; headers: Record<string, string> }]
	> = [
		[
			'X-Voxpria-Signature over the exact bytes',
			(body) => ({ body, headers: { 'x-voxpria-signature': sign(secret, body) } }),
		],
		[
			'X-Voxpria-Signature over JSON.stringify, sent pretty-printed',
			(body) => ({
				body: JSON.stringify(JSON.parse(body), null, 2),
				headers: { 'x-voxpria-signature': sign(secret, JSON.stringify(JSON.parse(body))) },
			}),
		],
		[
			"X-Voxpria-Signature over Python's json.dumps, sent compact",
			(body) => ({
				body,
				headers: { 'x-voxpria-signature': sign(secret, pythonDumps([body])[0]) },
			}),
		],
		[
			'X-Webhook-Signature over "<t>.<body>"',
			(body) => ({ body, headers: { 'x-webhook-signature': signTimestamped(secret, body) } }),
		],
		[
			'X-Webhook-Signature over the body alone',
			(body) => ({
				body,
				headers: {
					'x-webhook-signature': `t=${Math.floor(Date.now() / 1000)},v1=${hmacHex(secret, body)}`,
				},
			}),
		],
		[
			'both headers, X-Voxpria-Signature made with another secret',
			(body) => ({
				body,
				headers: {
					'x-voxpria-signature': sign('whsec_other', body),
					'x-webhook-signature': signTimestamped(secret, body),
				},
			}),
		],
	];

	it.each(forms)(
		'%s: runs once, outputs the payload; a copy is a duplicate',
		async (_label, form) => {
			const original = event();
			const { body, headers } = form(original);
			expect(await deliver(body, headers)).toEqual({ status: 200, body: '' });
			expect(receiver.started).toHaveLength(1);
			expect(receiver.started[0].items).toEqual([{ json: JSON.parse(original) }]);
			expect((await deliver(body, headers)).body).toEqual({ received: true, duplicate: true });
			expect(receiver.started).toHaveLength(1);
		},
	);

	it('X-Webhook-Signature: a retry signed again with a new t is a duplicate; t is the signed time', async () => {
		const body = event({ timestamp: undefined });
		const now = Math.floor(Date.now() / 1000);
		expect(
			(await deliver(body, { 'x-webhook-signature': signTimestamped(secret, body) })).status,
		).toBe(200);
		const resigned = signTimestamped(secret, body, String(now + 30));
		expect((await deliver(body, { 'x-webhook-signature': resigned })).body).toEqual({
			received: true,
			duplicate: true,
		});
		const stale = await deliver(event(), {
			'x-webhook-signature': signTimestamped(secret, event(), String(now - 25 * 3600)),
		});
		expect(stale.status).toBe(401); // signed over another body
		const oldBody = event();
		const old = await deliver(oldBody, {
			'x-webhook-signature': signTimestamped(secret, oldBody, String(now - 25 * 3600)),
		});
		expect(old.status).toBe(400);
		expect(String(old.body.error)).toMatch(/^older than the replay window/);
		// The body's own timestamp does not count when t signs the time.
		const retried = event({ timestamp: new Date(Date.now() - 48 * 3_600_000).toISOString() });
		expect(
			(await deliver(retried, { 'x-webhook-signature': signTimestamped(secret, retried) })).status,
		).toBe(200);
		expect(receiver.started).toHaveLength(2);
	});

	it("credit.low as documented (no timestamp), signed in Python's form: runs once, a copy never again, also after a restart", async () => {
		const [python] = pythonDumps([CREDIT_LOW]);
		expect(python).toBe(
			'{"event": "credit.low", "data": {"currentBalance": 12.5, "threshold": 15.0, "currency": "USD"}}',
		);
		const headers = { 'x-voxpria-signature': sign(secret, python) };
		expect(await deliver(CREDIT_LOW, headers)).toEqual({ status: 200, body: '' });
		expect(receiver.started[0].items[0].json).toEqual({
			event: 'credit.low',
			data: { currentBalance: 12.5, threshold: 15, currency: 'USD' },
		});
		expect((await deliver(CREDIT_LOW, headers)).body).toEqual({ received: true, duplicate: true });
		forgetAllTriggerStates(); // a new n8n process: only the database remains
		expect((await deliver(CREDIT_LOW, headers)).body).toEqual({ received: true, duplicate: true });
		expect(receiver.started).toHaveLength(1);
	});

	it.each([
		['call.answered', { callId: 'call_1' }],
		['call.ended', { callId: 'call_2', status: 'no_answer' }],
		['call.completed', { id: 'call_3', phoneNumber: '+14155551234', duration: 90, summary: 'ok' }],
		[
			'campaign.completed',
			{ id: 'cmp_1', name: 'Renewals', stats: { totalContacts: 10, answered: 7, voicemails: 2 } },
		],
	])('passes %s through as it came (the shapes of VoxPria’s other pages)', async (name, data) => {
		const body = JSON.stringify({ event: name, timestamp: new Date().toISOString(), data });
		expect((await deliver(body, { 'x-voxpria-signature': sign(secret, body) })).status).toBe(200);
		expect(receiver.started[0].items[0].json).toEqual(JSON.parse(body));
	});

	it('answers a forged X-Webhook-Signature with 401 naming the header and scheme, and saves nothing', async () => {
		const before = store.text;
		const body = event();
		const answer = await deliver(body, {
			'x-webhook-signature': signTimestamped('whsec_other', body),
		});
		expect(answer).toEqual({
			status: 401,
			body: { error: 'Invalid signature: X-Webhook-Signature (t, v1) does not match the body' },
		});
		expect(store.text).toBe(before);
		expect(receiver.started).toHaveLength(0);
	});

	it('a delivery that loaded the registration before a re-publish runs, and does not write the old registration back', async () => {
		// The request's headers arrive: n8n loads the static data with the old registration.
		const body = event({ timestamp: new Date(Date.now() - 5_000).toISOString() });
		const bytes = Buffer.from(body);
		const answered = new Promise<number>((resolve, reject) => {
			const request = httpRequest(receiver.url, {
				method: 'POST',
				headers: {
					'content-type': 'application/json',
					'content-length': String(bytes.length),
					'x-voxpria-signature': sign(secret, body),
				},
			});
			request.on('response', (response) => {
				response.resume();
				resolve(response.statusCode ?? 0);
			});
			request.on('error', reject);
			request.write(bytes.subarray(0, 10));
			// Meanwhile the workflow is re-published: VoxPria's registration replaced, n8n's main
			// process saves the new one.
			void (async () => {
				await new Promise((resolve) => setTimeout(resolve, 200));
				await fetch(`${sandbox.url}/api/v1/webhooks/${webhookId}`, {
					method: 'DELETE',
					headers: { authorization: `Bearer ${sandbox.apiKey}` },
				});
				const renewed = await register();
				store = new StaticDataStore({ [NODE]: { ...renewed, registeredAt: Date.now() } });
				request.end(bytes.subarray(10));
				secret = renewed.secret;
			})();
		});
		expect(await answered).toBe(200);
		expect(receiver.started).toHaveLength(1);
		expect(store.node().secret).toBe(secret);
		// The very next delivery, signed with the new secret, runs.
		const next = event();
		expect((await deliver(next, { 'x-voxpria-signature': sign(secret, next) })).status).toBe(200);
		expect(receiver.started).toHaveLength(2);
	});
});
