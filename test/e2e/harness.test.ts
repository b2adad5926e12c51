/* eslint-disable @n8n/community-nodes/no-dangerous-functions, @n8n/community-nodes/no-restricted-globals, @n8n/community-nodes/no-restricted-imports -- dev-only code, held to eslint.dev.config.mjs instead (CONTRIBUTING.md) */
/**
 * Proves the end-to-end harness: a real n8n 2.40.7 (Node 24) over HTTPS, with this package installed
 * the way n8n's Community Nodes installer installs it, driven over its REST and public APIs.
 */
import { execFileSync } from 'child_process';
import { existsSync } from 'fs';
import { join } from 'path';

// Plain CommonJS JavaScript modules (// @ts-check + JSDoc); `require` keeps ts-jest from
// type-checking them as TypeScript sources.
/* eslint-disable @typescript-eslint/no-require-imports */
const { ensureRuntime } = require('./lib/runtime') as typeof import('./lib/runtime');
const { startN8n } = require('./lib/n8n') as typeof import('./lib/n8n');
const { startSandbox } = require('../sandbox/server') as typeof import('../sandbox/server');
/* eslint-enable @typescript-eslint/no-require-imports */

type N8n = Awaited<ReturnType<typeof startN8n>>;
type Sandbox = Awaited<ReturnType<typeof startSandbox>>;

const REPO = join(__dirname, '..', '..');

describe('e2e harness: real n8n 2.40.7 with n8n-nodes-voxpria installed', () => {
	let n8n: N8n | undefined;
	let sandbox: Sandbox | undefined;
	let credentialId = '';

	beforeAll(() => {
		if (!existsSync(join(REPO, 'dist'))) {
			execFileSync('npm', ['run', 'build'], { cwd: REPO, stdio: 'inherit' });
		}
	}, 120_000);

	beforeAll(async () => {
		const runtime = await ensureRuntime();
		sandbox = await startSandbox({ port: 0 });
		n8n = await startN8n({ runtime });
		await n8n.setupOwner();
	}, 15 * 60_000);

	afterAll(async () => {
		await n8n?.stop();
		await sandbox?.close();
	}, 60_000);

	const it8n = (name: string, fn: (n: N8n) => Promise<void>, timeout = 120_000) =>
		it(name, () => fn(n8n!), timeout);

	it8n('serves HTTPS on localhost with a webhook base to match', async (n) => {
		expect(n.url).toMatch(/^https:\/\/localhost:\d+$/);
		expect(n.webhookBase).toBe(`${n.url}/`);
		const res = await n.request(`${n.url}/healthz`);
		expect(res.status).toBe(200);
		expect(n.logText()).toContain('Editor is now accessible via');
	});

	it8n(
		'loads both node types under the package name, the tool variant and the credential type',
		async (n) => {
			const nodes = await n.nodeTypes();
			const names = nodes.map((t) => t.name);
			expect(names).toEqual(
				expect.arrayContaining(['n8n-nodes-voxpria.voxPria', 'n8n-nodes-voxpria.voxPriaTrigger']),
			);
			const action = nodes.find((t) => t.name === 'n8n-nodes-voxpria.voxPria');
			expect(action.usableAsTool).toBe(true);
			// n8n derives an AI-tool variant from every node marked usableAsTool.
			expect(names).toContain('n8n-nodes-voxpria.voxPriaTool');

			const creds = await n.credentialTypes();
			expect(creds.map((c) => c.name)).toContain('voxPriaApi');
			expect(n.logText()).not.toMatch(
				/Failed to load package "n8n-nodes-voxpria"|Skipping package/,
			);
		},
	);

	it8n("n8n's credential test accepts the right key and names a wrong one", async (n) => {
		const sb = sandbox!;
		const good = await n.createCredential({
			name: 'VoxPria sandbox',
			type: 'voxPriaApi',
			data: { apiKey: sb.apiKey, baseUrl: sb.url },
		});
		expect(good.id).toEqual(expect.any(String));
		credentialId = good.id;

		// As the editor does it: the stored credential's id plus the form's data.
		const ok = await n.testCredential({
			id: good.id,
			name: good.name,
			type: 'voxPriaApi',
			data: { apiKey: sb.apiKey, baseUrl: sb.url },
		});
		expect(ok).toEqual(expect.objectContaining({ status: 'OK' }));

		const wrong = await n.testCredential({
			id: good.id,
			name: good.name,
			type: 'voxPriaApi',
			data: { apiKey: 'agl_sk_wrong', baseUrl: sb.url },
		});
		expect(wrong.status).toBe('Error');
		expect(wrong.message).toContain('Invalid API key');

		// Unsaved data (id '') can be tested by the owner too.
		const unsaved = await n.testCredential({
			type: 'voxPriaApi',
			data: { apiKey: 'agl_sk_wrong', baseUrl: sb.url },
		});
		expect(unsaved.status).toBe('Error');

		// And the public API's test of a stored credential agrees.
		const byId = await n.testCredentialById(good.id);
		expect(byId).toEqual(expect.objectContaining({ status: 'OK' }));
	});

	const webhookWorkflow = (name: string, webhookId: string) => ({
		name,
		nodes: [
			{
				id: 'f2c1c3c8-0f5e-4d0a-9f57-2d7c3f4f9a01',
				name: 'Webhook',
				type: 'n8n-nodes-base.webhook',
				typeVersion: 2,
				position: [0, 0],
				webhookId,
				parameters: { httpMethod: 'POST', path: 'probe', options: {} },
			},
		],
		connections: {},
	});
	let probeId = '';

	/** POSTs to the probe webhook, waiting out the 404s of a webhook that is not live yet. */
	const postProbe = (n: N8n, body: unknown) => {
		const url = `${n.webhookBase}webhook/probe`;
		return n.waitFor(
			async () => {
				const r = await n.request(url, { method: 'POST', body });
				return r.status === 404 ? false : r;
			},
			{ timeoutMs: 30_000, description: `${url} to be registered` },
		);
	};

	/** Executions of a workflow once all of them have finished. */
	const settledExecutions = (n: N8n, workflowId: string, count: number) =>
		n.waitFor(
			async () => {
				const list = await n.executions({ workflowId, includeData: true });
				return list.length >= count && list.every((e) => e.finished || e.stoppedAt) ? list : false;
			},
			{ timeoutMs: 30_000, description: `${count} finished execution(s) of ${workflowId}` },
		);

	it8n('runs a built-in Webhook workflow over https and records one execution', async (n) => {
		const wf = await n.createWorkflow(
			webhookWorkflow('harness probe', 'a8f1f0c2-7f0e-4a53-9d3c-8d3c2c3e9b11'),
		);
		probeId = wf.id;
		await n.activate(wf.id);
		const status = await n.waitForPublished(wf.id);
		expect(status.status).toBe('published');

		const res = await postProbe(n, { hello: 'harness' });
		expect(res.status).toBe(200);

		const executions = await settledExecutions(n, wf.id, 1);
		expect(executions).toHaveLength(1);
		expect(executions[0].status).toBe('success');
		expect(JSON.stringify(executions[0].data)).toContain('harness');
	});

	it8n(
		'reports a failed activation through the publication status, after n8n has retried',
		async (n) => {
			const sb = sandbox!;
			// VoxPria refuses to register the trigger's webhook, every time.
			sb.addFault({
				method: 'POST',
				path: '/api/v1/webhooks',
				count: 100,
				status: 500,
				body: { success: false, error: 'boom' },
			});
			const wf = await n.createWorkflow({
				name: 'harness failing trigger',
				nodes: [
					{
						id: '5d1e0f43-9a8e-4a1b-bf0c-1f3b0f6c2a10',
						name: 'VoxPria Trigger',
						type: 'n8n-nodes-voxpria.voxPriaTrigger',
						typeVersion: 1,
						position: [0, 0],
						webhookId: '7b0a3c52-1c2d-4e1f-8a9b-2c3d4e5f6a70',
						parameters: { events: ['call.completed'], options: {} },
						credentials: { voxPriaApi: { id: credentialId, name: 'VoxPria sandbox' } },
					},
				],
				connections: {},
			});
			const answer = await n.activate(wf.id);
			expect(answer.active).toBe(true); // the API says yes at once; the outcome comes later
			const failed = await n.waitForActivationFailure(wf.id);
			expect(failed.status).toBe('failed');
			expect(failed.triggers).toEqual([
				expect.objectContaining({ status: 'failed', errorMessage: expect.any(String) }),
			]);
			// n8n 2.40.7 calls the trigger's create up to 5 times before giving up.
			const attempts = (sb.requests() as Array<{ method: string; path: string }>).filter(
				(r) => r.method === 'POST' && r.path === '/api/v1/webhooks',
			);
			expect(attempts).toHaveLength(5);

			await n.deactivate(wf.id);
			await n.waitForUnpublished(wf.id);
			await n.deleteWorkflow(wf.id);
		},
		120_000,
	);

	it8n('restarts on the same user folder and port with the workflow still live', async (n) => {
		const url = n.url;
		await n.restart();
		expect(n.url).toBe(url);
		expect((await n.publicationStatus(probeId)).status).toBe('published');
		expect((await postProbe(n, { after: 'restart' })).status).toBe(200);
		expect(await settledExecutions(n, probeId, 2)).toHaveLength(2);

		await n.deactivate(probeId);
		expect((await n.waitForUnpublished(probeId)).status).toBe('not_published');
		await n.deleteWorkflow(probeId);
	});
});
