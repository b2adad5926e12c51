/* eslint-disable @n8n/community-nodes/no-hardcoded-secrets, @n8n/community-nodes/no-restricted-imports -- dev-only code, held to eslint.dev.config.mjs instead (CONTRIBUTING.md) */
import { createServer, type IncomingMessage, type Server } from 'http';
import type { AddressInfo } from 'net';

import { VoxPriaApi } from '../../credentials/VoxPriaApi.credentials';
import { normalizeBaseUrl, voxPriaRequest } from '../../nodes/shared/transport';
import { loadOptionsContext, resolveCredentialExpression, testCredential } from '../helpers/n8n';

const GOOD_KEY = 'agl_sk_good_0123456789';

describe('VoxPria API credential', () => {
	let server: Server;
	let elsewhere: Server;
	let baseUrl: string;
	const seen: IncomingMessage[] = [];
	const elsewhereSeen: IncomingMessage[] = [];

	beforeAll(async () => {
		elsewhere = createServer((req, res) => {
			elsewhereSeen.push(req);
			res
				.writeHead(200, { 'content-type': 'application/json' })
				.end('{"success":true,"data":{"balance":1}}');
		});
		await new Promise<void>((resolve) => elsewhere.listen(0, '127.0.0.1', resolve));
		const elsewhereUrl = `http://127.0.0.1:${(elsewhere.address() as AddressInfo).port}`;
		server = createServer((req, res) => {
			seen.push(req);
			// A web page (a single-page app answers every path with its HTML) and another JSON API.
			if (req.url === '/page/api/v1/credits') {
				res
					.writeHead(200, { 'content-type': 'text/html' })
					.end('<!doctype html><html><body>Welcome</body></html>');
				return;
			}
			if (req.url === '/other/api/v1/credits') {
				res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
				return;
			}
			if (req.url === '/moved/api/v1/credits') {
				res.writeHead(307, { location: `${elsewhereUrl}/api/v1/credits` }).end();
				return;
			}
			if (req.url !== '/api/v1/credits') {
				res
					.writeHead(404, { 'content-type': 'application/json' })
					.end('{"success":false,"error":"Not found"}');
				return;
			}
			if (req.headers.authorization !== `Bearer ${GOOD_KEY}`) {
				res
					.writeHead(401, { 'content-type': 'application/json' })
					.end('{"success":false,"error":"Invalid API key"}');
				return;
			}
			res
				.writeHead(200, { 'content-type': 'application/json' })
				.end('{"success":true,"data":{"balance":120}}');
		});
		await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
		baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
	});
	beforeEach(() => {
		seen.length = 0;
		elsewhereSeen.length = 0;
	});
	afterAll(async () => {
		await new Promise((resolve) => server.close(resolve));
		await new Promise((resolve) => elsewhere.close(resolve));
	});

	it('is the voxPriaApi type with a password key field and a base URL defaulting to VoxPria', () => {
		const credential = new VoxPriaApi();
		expect(credential.name).toBe('voxPriaApi');
		expect(credential.displayName).toBe('VoxPria API');
		const apiKey = credential.properties.find((property) => property.name === 'apiKey');
		expect(apiKey?.typeOptions?.password).toBe(true);
		expect(apiKey?.required).toBe(true);
		const base = credential.properties.find((property) => property.name === 'baseUrl');
		expect(base?.default).toBe('https://app.voxpria.com');
	});

	it('sends the key as a Bearer Authorization header on node requests', async () => {
		const context = loadOptionsContext({ credentials: { apiKey: GOOD_KEY, baseUrl } });
		await context.helpers.httpRequestWithAuthentication.call(context, 'voxPriaApi', {
			method: 'GET',
			url: `${baseUrl}/api/v1/credits`,
			json: true,
		});
		expect(seen).toHaveLength(1);
		expect(seen[0].headers.authorization).toBe(`Bearer ${GOOD_KEY}`);
	});

	it.each([
		['without a trailing slash', ''],
		['with a trailing slash', '/'],
		['with several trailing slashes', '////'],
		['ending in /api/v1', '/api/v1'],
		['ending in /api/v1/', '/api/v1/'],
		['with spaces around it', '  '],
	])('tests the key with GET /api/v1/credits at the base URL %s', async (_label, suffix) => {
		const configured = suffix.trim() ? `${baseUrl}${suffix}` : ` ${baseUrl}${suffix}`;
		const result = await testCredential({ apiKey: GOOD_KEY, baseUrl: configured });
		expect(result).toEqual({ status: 'OK', message: 'Connection successful!' });
		// The nodes read the same Base URL the same way.
		const context = loadOptionsContext({ credentials: { apiKey: GOOD_KEY, baseUrl: configured } });
		await expect(voxPriaRequest.call(context, 'GET', '/credits')).resolves.toEqual({
			balance: 120,
		});
		expect(seen.map((req) => [req.method, req.url])).toEqual([
			['GET', '/api/v1/credits'],
			['GET', '/api/v1/credits'],
		]);
		expect(seen.every((req) => req.headers.authorization === `Bearer ${GOOD_KEY}`)).toBe(true);
	});

	it('tells the user the API key is invalid when VoxPria answers 401', async () => {
		const result = await testCredential({ apiKey: 'agl_sk_wrong', baseUrl });
		expect(result.status).toBe('Error');
		expect(result.message).toMatch(/^Invalid API key/);
		expect(seen[0].headers.authorization).toBe('Bearer agl_sk_wrong');
	});

	it('points at the Base URL when there is no VoxPria API there', async () => {
		const result = await testCredential({ apiKey: GOOD_KEY, baseUrl: `${baseUrl}/somewhere-else` });
		expect(result.status).toBe('Error');
		expect(result.message).toMatch(/Check the Base URL/);
	});

	it.each([
		['empty', ''],
		['blank', '   '],
		['missing', undefined],
	])(
		'a %s Base URL means https://app.voxpria.com, in the connection test as in the nodes',
		(_label, configured) => {
			const credential = new VoxPriaApi();
			const tested = resolveCredentialExpression(String(credential.test.request.baseURL), {
				apiKey: GOOD_KEY,
				...(configured === undefined ? {} : { baseUrl: configured }),
			});
			expect(tested).toBe('https://app.voxpria.com');
			expect(normalizeBaseUrl(configured)).toBe('https://app.voxpria.com');
		},
	);

	it('a web page at the Base URL is not "connected": the test says to check the Base URL', async () => {
		const result = await testCredential({ apiKey: GOOD_KEY, baseUrl: `${baseUrl}/page` });
		expect(result).toEqual({
			status: 'Error',
			message:
				'The Base URL answered, but not like the VoxPria API (no credit balance in the answer). Check the Base URL (normally https://app.voxpria.com).',
		});
		expect(seen.map((req) => req.url)).toEqual(['/page/api/v1/credits']);
	});

	it('another JSON API at the Base URL is not "connected" either', async () => {
		const result = await testCredential({ apiKey: GOOD_KEY, baseUrl: `${baseUrl}/other` });
		expect(result.status).toBe('Error');
		expect(result.message).toMatch(/^The Base URL answered, but not like the VoxPria API/);
	});

	it('a redirect is not followed: the key stays here and the test says to check the Base URL', async () => {
		const result = await testCredential({ apiKey: GOOD_KEY, baseUrl: `${baseUrl}/moved` });
		expect(result).toEqual({
			status: 'Error',
			message:
				'The Base URL answered with a redirect, which is not followed so that the API key is not sent elsewhere. Check the Base URL (normally https://app.voxpria.com).',
		});
		expect(elsewhereSeen).toEqual([]);
	});
});
