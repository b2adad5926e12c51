/* eslint-disable @n8n/community-nodes/no-hardcoded-secrets, @n8n/community-nodes/no-restricted-imports -- dev-only code, held to eslint.dev.config.mjs instead (CONTRIBUTING.md) */
/**
 * The VoxPria action node inside a real n8n 2.40.7, against the VoxPria sandbox: list operations
 * run through a real workflow, and the node as an AI Agent tool (listed, wired, and called by an
 * agent whose chat model is a local stand-in for OpenAI's API).
 *
 * n8n's credential test (right key OK, wrong key "Invalid API key…") is covered by harness.test.ts.
 */
import * as http from 'http';
import type { AddressInfo } from 'net';
import { networkInterfaces } from 'os';

import { recordingBytes } from '../sandbox/server';
import {
	actionNode,
	executionError,
	type Execution,
	nodeOutput,
	postToWebhook,
	type Stack,
	startStack,
	STACK_TIMEOUT,
	waitForExecutions,
	webhookWorkflow,
} from './stack';

const TOOL_TYPE = 'n8n-nodes-voxpria.voxPriaTool';
const AGENT_TYPE = '@n8n/n8n-nodes-langchain.agent';
const AGENT_VERSION = 3.1; // the AI Agent's default version in n8n 2.40.7
const CHAT_MODEL_TYPE = '@n8n/n8n-nodes-langchain.lmChatOpenAi';

let paths = 0;
const uniquePath = (label: string) => `e2e-${label}-${Date.now().toString(36)}-${++paths}`;

/**
 * A stand-in for OpenAI's chat completions API that drives an agent through one tool call: while
 * the conversation holds no tool result it calls the first tool it was offered (arguments
 * filled from the tool's JSON schema), then answers with the tool's result.
 */
async function startFakeChatModel() {
	// eslint-disable-next-line @typescript-eslint/no-explicit-any
	const requests: any[] = [];
	const server = http.createServer((req, res) => {
		const chunks: Buffer[] = [];
		req.on('data', (chunk: Buffer) => chunks.push(chunk));
		req.on('end', () => {
			let body: Record<string, any> = {}; // eslint-disable-line @typescript-eslint/no-explicit-any
			try {
				body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
			} catch {
				// keep {}
			}
			requests.push({ method: req.method, url: req.url, body });
			if (req.method !== 'POST' || !/\/chat\/completions$/.test(req.url ?? '')) {
				res.writeHead(404, { 'content-type': 'application/json' });
				res.end(JSON.stringify({ error: { message: `fake model: no ${req.method} ${req.url}` } }));
				return;
			}
			const messages = (body.messages ?? []) as Array<{ role: string; content: unknown }>;
			const toolResult = messages.find((m) => m.role === 'tool');
			const tool = (body.tools ?? [])[0]?.function;
			let message: Record<string, unknown>;
			if (!toolResult && tool) {
				const properties = (tool.parameters?.properties ?? {}) as Record<string, { type?: string }>;
				const args = Object.fromEntries(
					Object.entries(properties).map(([name, schema]) => [
						name,
						schema.type === 'number' ? 1 : 'credit balance',
					]),
				);
				message = {
					role: 'assistant',
					content: null,
					tool_calls: [
						{
							id: 'call_fake_1',
							type: 'function',
							function: { name: tool.name, arguments: JSON.stringify(args) },
						},
					],
				};
			} else {
				const content =
					typeof toolResult?.content === 'string'
						? toolResult.content
						: JSON.stringify(toolResult?.content ?? null);
				message = { role: 'assistant', content: `Tool said: ${content}` };
			}
			const finish = message.tool_calls ? 'tool_calls' : 'stop';
			const id = `chatcmpl-fake-${requests.length}`;
			const created = Math.floor(Date.now() / 1000);
			if (body.stream) {
				res.writeHead(200, { 'content-type': 'text/event-stream' });
				const delta = message.tool_calls
					? {
							role: 'assistant',
							tool_calls: (message.tool_calls as object[]).map((c, index) => ({ index, ...c })),
						}
					: { role: 'assistant', content: message.content };
				const chunk = (choice: object) =>
					`data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model: body.model, choices: [choice] })}\n\n`;
				res.write(chunk({ index: 0, delta, finish_reason: null }));
				res.write(chunk({ index: 0, delta: {}, finish_reason: finish }));
				res.end('data: [DONE]\n\n');
				return;
			}
			res.writeHead(200, { 'content-type': 'application/json' });
			res.end(
				JSON.stringify({
					id,
					object: 'chat.completion',
					created,
					model: body.model,
					choices: [{ index: 0, message, finish_reason: finish }],
					usage: { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 },
				}),
			);
		});
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const { port } = server.address() as AddressInfo;
	return {
		url: `http://127.0.0.1:${port}/v1`,
		requests,
		close: () =>
			new Promise<void>((resolve) => {
				server.close(() => resolve());
				server.closeAllConnections();
			}),
	};
}

describe('VoxPria action node in a real n8n', () => {
	let stack: Stack;
	let model: Awaited<ReturnType<typeof startFakeChatModel>> | undefined;

	beforeAll(async () => {
		stack = await startStack();
		model = await startFakeChatModel();
	}, STACK_TIMEOUT);
	afterAll(async () => {
		await stack?.stop();
		await model?.close();
	}, 60_000);

	/** Creates, activates and runs a Webhook-started workflow once; answers its finished execution. */
	async function runOnce(
		label: string,
		nodes: Array<Record<string, unknown>>,
		connections?: Record<string, unknown>,
	) {
		const path = uniquePath(label);
		const workflow = webhookWorkflow(`VoxPria e2e: ${label}`, path, nodes);
		if (connections) Object.assign(workflow.connections, connections);
		const created = await stack.n8n.createWorkflow(workflow);
		await stack.n8n.activate(created.id);
		await stack.n8n.waitForPublished(created.id);
		const res = await postToWebhook(stack, path, { from: 'e2e' });
		expect(res.status).toBe(200);
		const [execution] = await waitForExecutions(stack, created.id, (list) => list.length >= 1, {
			timeoutMs: 90_000,
		});
		await stack.n8n.deactivate(created.id);
		return execution as Execution;
	}

	it('10. webhook Get Many (Return All) returns every webhook VoxPria holds, once each, without secrets', async () => {
		stack.sandbox.seed({
			webhooks: Array.from({ length: 7 }, (_, index) => ({
				url: `https://hooks.example.com/e2e/${index}`,
				events: index % 2 ? ['call.completed'] : ['call.started', 'call.failed'],
			})),
		});
		// A server that caps pages below what the node asks for: Return All must page through.
		stack.sandbox.setPaging({ mode: 'cap', cap: 3 });
		stack.sandbox.clearRequests();
		try {
			const execution = await runOnce('webhooks', [
				actionNode(stack, 'VoxPria', { resource: 'webhook', operation: 'getAll', returnAll: true }),
			]);
			expect(executionError(execution)).toBeUndefined();
			expect(execution.status).toBe('success');

			const held = stack.sandbox.state().webhooks as Array<{
				webhookId: string;
				url: string;
				events: string[];
				secret: string;
			}>;
			expect(held).toHaveLength(7);
			const output = nodeOutput(execution, 'VoxPria');
			expect(output.map((w) => w.webhookId).sort()).toEqual(held.map((w) => w.webhookId).sort());
			for (const webhook of held) {
				expect(output.find((w) => w.webhookId === webhook.webhookId)).toMatchObject({
					url: webhook.url,
					events: webhook.events,
					active: true,
				});
			}
			for (const item of output) expect(item).not.toHaveProperty('secret');
			const text = JSON.stringify(execution);
			for (const webhook of held) expect(text).not.toContain(webhook.secret);

			// It did page: 3 + 3 + 1.
			const pages = stack.sandbox
				.requests()
				.filter((r) => r.method === 'GET' && r.path === '/api/v1/webhooks');
			expect(pages.length).toBeGreaterThanOrEqual(3);
		} finally {
			stack.sandbox.setPaging({ mode: 'honour' });
		}
	}, 180_000);

	it('credit Get Balance returns the balance VoxPria holds', async () => {
		stack.sandbox.seed({ credits: 4321.5 });
		const execution = await runOnce('credits', [
			actionNode(stack, 'VoxPria', { resource: 'credit', operation: 'getBalance' }),
		]);
		expect(executionError(execution)).toBeUndefined();
		expect(nodeOutput(execution, 'VoxPria')).toEqual([{ balance: 4321.5, currency: 'credits' }]);
	}, 120_000);

	it('Call → Download Recording by call ID: the execution holds the recording as binary data (name, MIME type, size)', async () => {
		stack.sandbox.seed({ calls: [{ callId: 'call_e2e_rec' }] });
		stack.sandbox.clearRequests();
		const execution = await runOnce('recording', [
			actionNode(stack, 'VoxPria', {
				resource: 'call',
				operation: 'downloadRecording',
				recordingSource: 'callId',
				callId: 'call_e2e_rec',
			}),
		]);
		expect(executionError(execution)).toBeUndefined();
		expect(execution.status).toBe('success');
		const [item] = execution.data.resultData.runData.VoxPria[0].data.main[0];
		expect(item.json).toMatchObject({ callId: 'call_e2e_rec', status: 'completed' });
		const expected = recordingBytes('call_e2e_rec');
		expect(item.binary.data).toMatchObject({
			fileName: 'call_e2e_rec.mp3',
			fileExtension: 'mp3',
			mimeType: 'audio/mpeg',
			fileType: 'audio',
			bytes: expected.length,
			fileSize: `${(expected.length / 1000).toFixed(1)} kB`,
		});
		// n8n stored the file itself (its binary data store), not base64 in the execution.
		expect(String(item.binary.data.id ?? item.binary.data.data)).not.toBe('');
		expect(
			stack.sandbox.requests().map((r) => [r.path, r.status, r.headers.authorization]),
		).toEqual([
			['/api/v1/calls/call_e2e_rec', 200, `Bearer ${stack.sandbox.apiKey}`],
			['/recordings/call_e2e_rec.mp3', 200, `Bearer ${stack.sandbox.apiKey}`],
		]);
	}, 120_000);

	it('11. n8n lists the node as an AI Agent tool, and a workflow wires it to an AI Agent', async () => {
		const types = await stack.n8n.nodeTypes();
		const tool = types.find((t) => t.name === TOOL_TYPE);
		expect(tool).toBeDefined();
		expect(tool).toMatchObject({ displayName: 'VoxPria Tool', inputs: [], outputs: ['ai_tool'] });
		expect(tool.credentials).toEqual([expect.objectContaining({ name: 'voxPriaApi' })]);
		expect(tool.properties.map((p: { name: string }) => p.name)).toEqual(
			expect.arrayContaining(['descriptionType', 'toolDescription', 'resource', 'operation']),
		);
		const agent = types.find(
			(t) => t.name === AGENT_TYPE && [t.version].flat().includes(AGENT_VERSION),
		);
		expect(agent).toBeDefined();

		// The editor marks a node as unknown ("install this node") when its type and version are not
		// in this list; the tool variant is there like n8n's own tool variants (e.g. Slack's).
		expect([tool.version].flat()).toContain(1);
		// Listed under AI → Tools in the node panel, as n8n lists the tool variants of its own nodes.
		expect(tool.codex).toMatchObject({
			categories: ['AI'],
			subcategories: { AI: ['Tools'], Tools: ['Other Tools'] },
		});
		// (POST /rest/node-types answers 400 "Unrecognized node type" for every synthetic tool
		// variant in n8n 2.40.7, n8n's own included, so it says nothing here.)

		const created = await stack.n8n.createWorkflow(
			agentWorkflow('wired only', uniquePath('agent-wired')),
		);
		const stored = await stack.n8n.getWorkflow(created.id);
		expect(stored.nodes.find((n: { name: string }) => n.name === 'VoxPria Tool')).toMatchObject({
			type: TOOL_TYPE,
			typeVersion: 1,
		});
		expect(stored.connections['VoxPria Tool']).toEqual({
			ai_tool: [[{ node: 'AI Agent', type: 'ai_tool', index: 0 }]],
		});
	}, 120_000);

	/** Webhook → AI Agent, with a chat model (the fake) and the VoxPria tool (Credit → Get Balance). */
	function agentWorkflow(
		name: string,
		path: string,
		modelCredential?: { id: string; name: string },
	) {
		const workflow = webhookWorkflow(`VoxPria e2e: ${name}`, path, [
			{
				id: 'agent',
				name: 'AI Agent',
				type: AGENT_TYPE,
				typeVersion: AGENT_VERSION,
				position: [240, 0],
				parameters: {
					promptType: 'define',
					text: 'How many VoxPria credits are left?',
					options: {},
				},
			},
			{
				id: 'model',
				name: 'Chat Model',
				type: CHAT_MODEL_TYPE,
				typeVersion: 1.2,
				position: [160, 200],
				parameters: { model: { __rl: true, mode: 'id', value: 'gpt-fake' }, options: {} },
				...(modelCredential ? { credentials: { openAiApi: modelCredential } } : {}),
			},
			{
				id: 'tool',
				name: 'VoxPria Tool',
				type: TOOL_TYPE,
				typeVersion: 1,
				position: [320, 200],
				parameters: { resource: 'credit', operation: 'getBalance' },
				credentials: { voxPriaApi: stack.credential },
			},
		]);
		// webhookWorkflow chains every node on `main`; sub-nodes connect to the agent instead.
		workflow.connections = {
			Webhook: { main: [[{ node: 'AI Agent', type: 'main', index: 0 }]] },
			'Chat Model': {
				ai_languageModel: [[{ node: 'AI Agent', type: 'ai_languageModel', index: 0 }]],
			},
			'VoxPria Tool': { ai_tool: [[{ node: 'AI Agent', type: 'ai_tool', index: 0 }]] },
		};
		return workflow;
	}

	it('11b. an AI Agent calls the VoxPria tool and gets the balance', async () => {
		const openAi = await stack.n8n.createCredential({
			name: 'Fake OpenAI',
			type: 'openAiApi',
			data: { apiKey: 'sk-fake-e2e', url: model!.url, header: false },
		});
		stack.sandbox.seed({ credits: 777 });
		stack.sandbox.clearRequests();
		const path = uniquePath('agent');
		const created = await stack.n8n.createWorkflow(
			agentWorkflow('agent', path, { id: openAi.id, name: openAi.name }),
		);
		await stack.n8n.activate(created.id);
		await stack.n8n.waitForPublished(created.id);
		expect((await postToWebhook(stack, path, {})).status).toBe(200);
		const [execution] = await waitForExecutions(stack, created.id, (list) => list.length >= 1, {
			timeoutMs: 90_000,
		});
		expect(executionError(execution)).toBeUndefined();
		expect(execution.status).toBe('success');

		// The model was offered the tool, with the node's description of the operation.
		const offered = model!.requests.find((r) => r.body?.tools)?.body.tools;
		expect(offered).toEqual([
			expect.objectContaining({
				type: 'function',
				function: expect.objectContaining({
					name: 'VoxPria_Tool',
					description: 'Get the credit balance in VoxPria',
				}),
			}),
		]);
		const toolMessage = model!.requests
			.flatMap((r) => r.body?.messages ?? [])
			.find((m) => m.role === 'tool');
		expect(JSON.parse(toolMessage.content)).toEqual([{ balance: 777, currency: 'credits' }]);
		// The tool really ran against VoxPria, and its answer reached the model and the output.
		expect(stack.sandbox.requests().filter((r) => r.path === '/api/v1/credits')).toHaveLength(1);
		expect(JSON.stringify(execution.data.resultData.runData['VoxPria Tool'])).toContain('777');
		const [answer] = nodeOutput(execution, 'AI Agent');
		expect(answer.output).toContain('777');
		await stack.n8n.deactivate(created.id);
	}, 180_000);

	/** A plain HTTP server that records every request (method, url, authorization) and answers 200. */
	async function startRecorder(
		host = '127.0.0.1',
		answer = '{"success":true,"data":{"balance":1}}',
	) {
		const seen: Array<{ method?: string; url?: string; authorization?: string }> = [];
		const server = http.createServer((req, res) => {
			seen.push({ method: req.method, url: req.url, authorization: req.headers.authorization });
			res.writeHead(200, {
				'content-type': answer.startsWith('<') ? 'text/html' : 'application/json',
			});
			res.end(answer);
		});
		await new Promise<void>((resolve) => server.listen(0, host, resolve));
		const { port } = server.address() as AddressInfo;
		return {
			url: `http://${host}:${port}`,
			seen,
			close: () =>
				new Promise<void>((resolve) => {
					server.close(() => resolve());
					server.closeAllConnections();
				}),
		};
	}

	it('#11.7 a 307 from VoxPria to another origin is not followed: the key is not sent there, the execution says what to fix', async () => {
		const elsewhere = await startRecorder();
		try {
			stack.sandbox.clearRequests();
			stack.sandbox.addFault({
				path: '/api/v1/credits',
				status: 307,
				headers: { Location: `${elsewhere.url}/api/v1/credits` },
			});
			const execution = await runOnce('redirect', [
				actionNode(stack, 'VoxPria', { resource: 'credit', operation: 'getBalance' }),
			]);
			// 0.1.0: n8n followed the redirect and this server got `Authorization: Bearer <key>`.
			expect(elsewhere.seen).toEqual([]);
			expect(execution.status).toBe('error');
			expect(executionError(execution)).toBe(
				'VoxPria answered with a redirect (HTTP 307), which this node does not follow: check the Base URL in the VoxPria credential (normally https://app.voxpria.com)',
			);
			expect(elsewhere.seen).toEqual([]);
			expect(stack.sandbox.requests().filter((r) => r.path === '/api/v1/credits')).toHaveLength(1);
		} finally {
			stack.sandbox.clearFaults();
			await elsewhere.close();
		}
	}, 120_000);

	it('#11.7 an http:// Base URL on another host is refused before any request', async () => {
		const address = Object.values(networkInterfaces())
			.flat()
			.find((entry) => entry && entry.family === 'IPv4' && !entry.internal)?.address;
		if (!address) throw new Error('this test needs a network interface besides loopback');
		const remote = await startRecorder(address);
		try {
			const credential = await stack.n8n.createCredential({
				name: 'VoxPria over plain http',
				type: 'voxPriaApi',
				data: { apiKey: 'agl_sk_plain_http_e2e', baseUrl: remote.url },
			});
			const node = {
				...actionNode(stack, 'VoxPria', { resource: 'credit', operation: 'getBalance' }),
				credentials: { voxPriaApi: { id: credential.id, name: credential.name } },
			};
			const execution = await runOnce('plain-http', [node]);
			expect(executionError(execution)).toBe(
				`The Base URL ${remote.url} uses http://, which would send the API key unencrypted: change it to https:// in the VoxPria credential (http:// is only allowed for localhost)`,
			);
			expect(remote.seen).toEqual([]);
		} finally {
			await remote.close();
		}
	}, 120_000);

	it('#11.8 Webhook → Delete with the ID ".." is refused before any request (0.1.0 sent DELETE /api/v1)', async () => {
		stack.sandbox.clearRequests();
		const execution = await runOnce('dot-id', [
			actionNode(stack, 'VoxPria', { resource: 'webhook', operation: 'delete', webhookId: '..' }),
		]);
		expect(execution.status).toBe('error');
		expect(executionError(execution)).toBe(
			'Webhook ID ".." is not a VoxPria ID: IDs have only letters, digits and _ - . : and do not start with a dot',
		);
		expect(stack.sandbox.requests()).toEqual([]);
	}, 120_000);

	it('#11.8 with Continue On Fail, a crafted ID from an expression becomes an error item', async () => {
		stack.sandbox.clearRequests();
		const node = {
			...actionNode(stack, 'VoxPria', {
				resource: 'contact',
				operation: 'delete',
				contactId: '={{ "../../credits" }}',
			}),
			onError: 'continueRegularOutput',
		};
		const execution = await runOnce('dot-id-item', [node]);
		expect(nodeOutput(execution, 'VoxPria')).toEqual([
			{
				error:
					'Contact ID "../../credits" is not a VoxPria ID: IDs have only letters, digits and _ - . : and do not start with a dot',
			},
		]);
		expect(stack.sandbox.requests()).toEqual([]);
	}, 120_000);

	it('#11.11 the credential test: a web page at the Base URL is not "connected"; a redirect is not followed', async () => {
		const page = await startRecorder(
			'127.0.0.1',
			'<!doctype html><html><body>Welcome</body></html>',
		);
		const elsewhere = await startRecorder();
		try {
			const asPage = await stack.n8n.testCredential({
				type: 'voxPriaApi',
				data: { apiKey: stack.sandbox.apiKey, baseUrl: page.url },
			});
			expect(asPage).toEqual(
				expect.objectContaining({
					status: 'Error',
					message:
						'The Base URL answered, but not like the VoxPria API (no credit balance in the answer). Check the Base URL (normally https://app.voxpria.com).',
				}),
			);
			expect(page.seen.map((r) => r.url)).toEqual(['/api/v1/credits']);

			stack.sandbox.addFault({
				path: '/api/v1/credits',
				status: 307,
				headers: { Location: `${elsewhere.url}/api/v1/credits` },
			});
			const moved = await stack.n8n.testCredential({
				type: 'voxPriaApi',
				data: { apiKey: stack.sandbox.apiKey, baseUrl: stack.sandbox.url },
			});
			expect(moved).toEqual(
				expect.objectContaining({
					status: 'Error',
					message:
						'The Base URL answered with a redirect, which is not followed so that the API key is not sent elsewhere. Check the Base URL (normally https://app.voxpria.com).',
				}),
			);
			expect(elsewhere.seen).toEqual([]);

			// The real VoxPria answer still passes.
			const ok = await stack.n8n.testCredential({
				type: 'voxPriaApi',
				data: { apiKey: stack.sandbox.apiKey, baseUrl: `${stack.sandbox.url}/api/v1/` },
			});
			expect(ok).toEqual(expect.objectContaining({ status: 'OK' }));
		} finally {
			await page.close();
			await elsewhere.close();
		}
	}, 60_000);

	it('the VoxPria API key appears in no execution data and not in n8n’s log', async () => {
		const executions = await stack.n8n.executions({ includeData: true });
		expect(executions.length).toBeGreaterThanOrEqual(3);
		const data = JSON.stringify(executions);
		expect(data).toContain('4321.5'); // the check sees the node outputs
		expect(data).not.toContain(stack.sandbox.apiKey);
		expect(stack.n8n.logText()).not.toContain(stack.sandbox.apiKey);
	}, 60_000);
});
