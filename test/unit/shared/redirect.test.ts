/* eslint-disable @n8n/community-nodes/no-restricted-imports -- dev-only code, held to eslint.dev.config.mjs instead (CONTRIBUTING.md) */
import { createServer, type IncomingMessage, type Server } from 'http';
import type { AddressInfo } from 'net';
import { networkInterfaces } from 'os';

import { runAction } from '../../helpers/n8n';
import { apiRequests, failure, items, run, useSandbox, type Sandbox } from '../action/setup';

/** A plain HTTP server that records every request it gets and answers 200 `{}`. */
async function startRecorder(host = '127.0.0.1') {
	const seen: IncomingMessage[] = [];
	const server: Server = createServer((req, res) => {
		seen.push(req);
		res.writeHead(200, { 'content-type': 'application/json' }).end('{"success":true,"data":{}}');
	});
	await new Promise<void>((resolve) => server.listen(0, host, resolve));
	const { port } = server.address() as AddressInfo;
	return {
		url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
		seen,
		close: () =>
			new Promise<void>((resolve) => {
				server.close(() => resolve());
				server.closeAllConnections();
			}),
	};
}

const balance = { resource: 'credit', operation: 'getBalance' };
const redirectMessage = (status: number) =>
	`VoxPria answered with a redirect (HTTP ${status}), which this node does not follow: check the Base URL in the VoxPria credential (normally https://app.voxpria.com)`;

/**
 * nodes/shared/transport.ts: a redirect from the API is never followed, so the API key is never
 * sent to another host; a plain-http Base URL is refused unless it is this machine.
 */
describe('transport: redirects', () => {
	let sandbox: Sandbox;
	let elsewhere: Awaited<ReturnType<typeof startRecorder>>;

	useSandbox((started) => (sandbox = started));
	beforeAll(async () => {
		// Another origin: same host, another port.
		elsewhere = await startRecorder();
	});
	afterAll(() => elsewhere.close());
	beforeEach(() => {
		elsewhere.seen.length = 0;
	});

	it.each([301, 302, 303, 307, 308])(
		'a %i to another origin is not followed: the other server gets nothing, the node says what to fix',
		async (status) => {
			await sandbox.addFault({
				path: '/api/v1/credits',
				status,
				headers: { Location: `${elsewhere.url}/api/v1/credits` },
			});
			const outcome = run(sandbox, balance);
			await outcome.catch(() => undefined);
			// 0.1.0: n8n followed the redirect and this server got `Authorization: Bearer <key>`.
			expect(elsewhere.seen.map((req) => req.headers.authorization)).toEqual([]);
			const error = await failure(outcome);
			expect(error.constructor.name).toBe('NodeApiError');
			expect(error.httpCode).toBe(String(status));
			expect(error.message).toBe(redirectMessage(status));
			expect(error.description).toBe(
				`The answer pointed to ${elsewhere.url}/api/v1/credits | GET /api/v1/credits`,
			);
			expect(error.context.itemIndex).toBe(0);
			expect(apiRequests(sandbox)).toHaveLength(1);
		},
	);

	it('a 307 on a DELETE is not followed either, and with Continue On Fail each item says so', async () => {
		await sandbox.addFault({
			method: 'DELETE',
			path: '/api/v1/webhooks/wh_1',
			count: 2,
			status: 307,
			headers: { Location: `${elsewhere.url}/api/v1/webhooks/wh_1` },
		});
		const [output] = await runAction(
			{
				credentials: { apiKey: sandbox.apiKey, baseUrl: sandbox.url },
				parameters: { resource: 'webhook', operation: 'delete', webhookId: 'wh_1' },
			},
			items(2),
			{ continueOnFail: true },
		);
		expect(output).toEqual([
			{ json: { error: redirectMessage(307) }, pairedItem: { item: 0 } },
			{ json: { error: redirectMessage(307) }, pairedItem: { item: 1 } },
		]);
		expect(elsewhere.seen).toEqual([]);
	});

	it('the API key never appears in the redirect error', async () => {
		await sandbox.addFault({
			path: '/api/v1/credits',
			status: 302,
			headers: { Location: `${elsewhere.url}/?key=${sandbox.apiKey}` },
		});
		const error = await failure(run(sandbox, balance));
		expect(JSON.stringify({ ...error, message: error.message })).not.toContain(sandbox.apiKey);
		expect(elsewhere.seen).toEqual([]);
	});
});

/** The first IPv4 address of this machine that is not loopback: a real non-loopback host. */
function nonLoopbackAddress(): string {
	const address = Object.values(networkInterfaces())
		.flat()
		.find((entry) => entry && entry.family === 'IPv4' && !entry.internal)?.address;
	if (!address) throw new Error('this test needs a network interface besides loopback');
	return address;
}

describe('transport: plain-http Base URL', () => {
	let remote: Awaited<ReturnType<typeof startRecorder>>;

	beforeAll(async () => {
		remote = await startRecorder(nonLoopbackAddress());
	});
	afterAll(() => remote.close());

	it('is refused for a host that is not this machine, before any request', async () => {
		const error = await failure(
			runAction({
				credentials: { apiKey: 'agl_sk_secret_1', baseUrl: remote.url },
				parameters: balance,
			}),
		);
		expect(error.constructor.name).toBe('NodeOperationError');
		expect(error.message).toBe(
			`The Base URL ${remote.url} uses http://, which would send the API key unencrypted: change it to https:// in the VoxPria credential (http:// is only allowed for localhost)`,
		);
		expect(error.context.itemIndex).toBe(0);
		expect(remote.seen).toEqual([]);
	});

	it.each(['http://127.0.0.1', 'http://127.8.9.10', 'http://localhost', 'http://[::1]'])(
		'is allowed for the loopback host %s',
		async (base) => {
			const local = await startRecorder(base === 'http://[::1]' ? '::1' : '127.0.0.1');
			try {
				const { port } = new URL(local.url);
				// 127.8.9.10 is loopback too, but nothing listens there: only the refusal matters.
				const baseUrl = `${base}:${port}`;
				const outcome = await runAction({
					credentials: { apiKey: 'agl_sk_local', baseUrl },
					parameters: balance,
				}).catch((error: Error) => error);
				if (base === 'http://127.8.9.10') {
					expect((outcome as Error).message).toMatch(/^Could not reach VoxPria/);
				} else {
					expect(outcome).toEqual([[{ json: {}, pairedItem: { item: 0 } }]]);
					expect(local.seen).toHaveLength(1);
				}
			} finally {
				await local.close();
			}
		},
	);
});
