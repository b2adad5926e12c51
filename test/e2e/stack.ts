/* eslint-disable @n8n/community-nodes/no-dangerous-functions, @n8n/community-nodes/no-restricted-globals, @n8n/community-nodes/no-restricted-imports, @n8n/community-nodes/require-node-api-error -- dev-only code, held to eslint.dev.config.mjs instead (CONTRIBUTING.md) */
/**
 * The stack every real-n8n test file starts once: the VoxPria sandbox (in this process), a real
 * n8n 2.40.7 over HTTPS with this package installed, an owner, an API key and a `voxPriaApi`
 * credential pointing at the sandbox. Plus builders for the workflows the tests activate.
 */
import { execFileSync } from 'child_process';
import { existsSync } from 'fs';
import { join } from 'path';

import {
	ACTION_TYPE,
	POLL_TRIGGER_TYPE,
	TRIGGER_TYPE,
	TRIGGER_VERSION,
} from '../helpers/nodeTypes';

/* eslint-disable @typescript-eslint/no-require-imports */
const { ensureRuntime } = require('./lib/runtime') as typeof import('./lib/runtime');
const { startN8n } = require('./lib/n8n') as typeof import('./lib/n8n');
const { startSandbox } = require('../sandbox/server') as typeof import('../sandbox/server');
/* eslint-enable @typescript-eslint/no-require-imports */

export type N8n = Awaited<ReturnType<typeof startN8n>>;
export type Sandbox = Awaited<ReturnType<typeof startSandbox>>;

export const REPO = join(__dirname, '..', '..');

/** Generous: a cold machine installs n8n first (about 3 minutes). */
export const STACK_TIMEOUT = 15 * 60_000;

export interface Stack {
	n8n: N8n;
	sandbox: Sandbox;
	credential: { id: string; name: string };
	/**
	 * Base of the production webhook URLs, with a trailing slash: n8n itself here, the load balancer
	 * in front of the webhook processes in queue mode (clusterStack.ts).
	 */
	webhookBase: string;
	stop(): Promise<void>;
}

export interface StackOptions {
	/** Extra environment for n8n, e.g. { N8N_USE_WORKFLOW_PUBLICATION_SERVICE: 'false' }. */
	n8nEnv?: Record<string, string>;
	/** Options for startSandbox, e.g. { callStepMs: 200, retryBaseMs: 500 }. */
	sandbox?: Parameters<typeof startSandbox>[0];
}

/** Builds dist/ if it is missing (the e2e files install the packed build into n8n). */
export function ensureBuilt(): void {
	if (!existsSync(join(REPO, 'dist', 'nodes', 'VoxPriaTrigger', 'VoxPriaTrigger.node.js'))) {
		execFileSync('npm', ['run', 'build', '--silent'], { cwd: REPO, stdio: 'inherit' });
	}
}

/** Sets up n8n's owner (login, API key) and a `voxPriaApi` credential pointing at the sandbox. */
export async function ownerWithCredential(
	n8n: N8n,
	sandbox: Sandbox,
): Promise<Stack['credential']> {
	await n8n.setupOwner();
	const credential = await n8n.createCredential({
		name: 'VoxPria sandbox',
		type: 'voxPriaApi',
		data: { apiKey: sandbox.apiKey, baseUrl: sandbox.url },
	});
	return { id: credential.id, name: credential.name };
}

/**
 * Starts n8n (one process, or a cluster whose main process `mainOf` names) beside a started
 * sandbox and sets up its owner and credential. stop() stops n8n, then closes the sandbox; if
 * anything fails on the way, both are stopped before the error is thrown again, so that no
 * process or port outlives a failed start.
 */
export async function n8nBesideSandbox<Started extends { stop(): Promise<void> }>(
	sandbox: Sandbox,
	start: () => Promise<Started>,
	mainOf: (started: Started) => N8n,
): Promise<{ started: Started; credential: Stack['credential']; stop(): Promise<void> }> {
	let n8n: Started | undefined;
	try {
		n8n = await start();
		const credential = await ownerWithCredential(mainOf(n8n), sandbox);
		const started = n8n;
		return {
			started,
			credential,
			async stop() {
				await started.stop();
				await sandbox.close();
			},
		};
	} catch (error) {
		await n8n?.stop();
		await sandbox.close();
		throw error;
	}
}

export async function startStack(options: StackOptions = {}): Promise<Stack> {
	ensureBuilt();
	const runtime = await ensureRuntime();
	const sandbox = await startSandbox({ port: 0, ...options.sandbox });
	const { started, credential, stop } = await n8nBesideSandbox(
		sandbox,
		() => startN8n({ runtime, env: options.n8nEnv }),
		(n8n) => n8n,
	);
	return { n8n: started, sandbox, credential, webhookBase: started.webhookBase, stop };
}

/**
 * Starts a stack before a file's (or describe block's) tests and stops it after them, handing it to
 * `use` once started (as useSandbox does for the unit tests), so that the tests keep a plain
 * variable.
 */
export function useStartedStack<S extends { stop(): Promise<void> }>(
	start: () => Promise<S>,
	use: (stack: S) => void,
	stopTimeoutMs: number,
): void {
	let stack: S | undefined;
	beforeAll(async () => {
		stack = await start();
		use(stack);
	}, STACK_TIMEOUT);
	afterAll(async () => {
		await stack?.stop();
	}, stopTimeoutMs);
}

let counter = 0;
/** A fresh id for a trigger node's webhook, so each workflow gets its own URL. */
export function newWebhookId(): string {
	counter++;
	const hex = `${Date.now().toString(16)}${counter.toString(16).padStart(4, '0')}`
		.padStart(12, '0')
		.slice(-12);
	return `0b0e2e00-0000-4000-8000-${hex}`;
}

export interface TriggerWorkflowOptions {
	name?: string;
	events?: string[];
	options?: Record<string, unknown>;
	webhookId?: string;
	/** Default: the version a new node gets; 1 for a workflow saved before 1.1 existed. */
	typeVersion?: number;
	/** Nodes after the trigger, connected in a chain from it. */
	then?: Array<Record<string, unknown>>;
}

/** A workflow with a VoxPria Trigger (and optionally nodes after it), ready for the public API. */
export function triggerWorkflow(stack: Stack, options: TriggerWorkflowOptions = {}) {
	const trigger = {
		id: 'trigger',
		name: 'VoxPria Trigger',
		type: TRIGGER_TYPE,
		typeVersion: options.typeVersion ?? TRIGGER_VERSION,
		position: [0, 0],
		webhookId: options.webhookId ?? newWebhookId(),
		parameters: { events: options.events ?? ['call.completed'], options: options.options ?? {} },
		credentials: { voxPriaApi: stack.credential },
	};
	const nodes: Array<Record<string, unknown>> = [trigger, ...(options.then ?? [])];
	const connections: Record<string, unknown> = {};
	for (let index = 0; index < nodes.length - 1; index++) {
		connections[nodes[index].name as string] = {
			main: [[{ node: nodes[index + 1].name, type: 'main', index: 0 }]],
		};
	}
	// executionOrder v1 is what the editor gives every new workflow (see webhookWorkflow below).
	return {
		name: options.name ?? `VoxPria e2e ${trigger.webhookId}`,
		nodes,
		connections,
		settings: { executionOrder: 'v1' },
	};
}

/** The production URL n8n gives a trigger node with this webhook id. */
export function productionUrl(stack: Stack, webhookId: string): string {
	return `${stack.webhookBase}webhook/${webhookId}/webhook`;
}

/** Creates and activates a workflow, waiting until n8n has published it. */
export async function activeWorkflow(stack: Stack, workflow: ReturnType<typeof triggerWorkflow>) {
	const created = await stack.n8n.createWorkflow(workflow);
	await stack.n8n.activate(created.id);
	await stack.n8n.waitForPublished(created.id);
	return created as { id: string };
}

/** The webhooks the sandbox holds for a URL. */
export async function registrationsFor(stack: Stack, url: string) {
	const { webhooks } = await stack.sandbox.state();
	return (
		webhooks as Array<{
			webhookId: string;
			url: string;
			events: string[];
			active: boolean;
			secret: string;
		}>
	).filter((webhook) => webhook.url === url);
}

// --- Executions and workflows started by a built-in Webhook node (trigger and action e2e tests) ---

/** An execution as the public API answers it (`data` only with includeData=true). */
export interface Execution {
	id: string;
	workflowId: string;
	status: string;
	finished: boolean;
	mode: string;
	startedAt: string;
	stoppedAt: string | null;
	// eslint-disable-next-line @typescript-eslint/no-explicit-any
	data?: any;
}

export const POLL_TRIGGER_NODE = 'VoxPria Poll Trigger';

/** A workflow of one VoxPria Poll Trigger for completed and failed calls. */
export function pollWorkflow(stack: Stack, name: string, mode = 'everyMinute') {
	return {
		name,
		nodes: [
			{
				id: 'poll',
				name: POLL_TRIGGER_NODE,
				type: POLL_TRIGGER_TYPE,
				typeVersion: 1,
				position: [0, 0],
				parameters: {
					pollTimes: { item: [{ mode }] },
					triggerOn: ['completed', 'failed'],
					options: {},
				},
				credentials: { voxPriaApi: stack.credential },
			},
		],
		connections: {},
		settings: { executionOrder: 'v1' },
	};
}

/** How many times the sandbox was asked for its call list: each poll of the Poll Trigger asks. */
export function pollsSeen(stack: Stack): number {
	return stack.sandbox
		.requests()
		.filter(
			(request: { method: string; path: string }) =>
				request.method === 'GET' && request.path === '/api/v1/calls',
		).length;
}

/** The JSON of the items a node output in an execution (its first run, first output). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function nodeOutput(execution: Execution, nodeName: string): Array<Record<string, any>> {
	const runs = execution.data?.resultData?.runData?.[nodeName];
	const items = (runs?.[0]?.data?.main?.[0] ?? []) as Array<{ json: Record<string, unknown> }>;
	return items.map((item) => item.json);
}

/** The error message a failed execution reports, if any. */
export function executionError(execution: Execution): string | undefined {
	return execution.data?.resultData?.error?.message;
}

/**
 * Polls a workflow's executions (with data) until every one has finished and `until` holds for
 * the list; answers the list, newest first.
 */
export async function waitForExecutions(
	stack: Stack,
	workflowId: string,
	until: (executions: Execution[]) => boolean,
	{ timeoutMs = 60_000, description = `executions of workflow ${workflowId}` } = {},
): Promise<Execution[]> {
	return stack.n8n.waitFor(
		async () => {
			const list = (await stack.n8n.executions({ workflowId, includeData: true })) as Execution[];
			const settled = list.every((execution) => execution.stoppedAt || execution.finished);
			return settled && until(list) ? list : false;
		},
		{ timeoutMs, intervalMs: 500, description },
	);
}

/** A workflow started by a built-in Webhook node (POST `path`, answers at once), then `then` in a chain. */
export function webhookWorkflow(
	name: string,
	path: string,
	then: Array<Record<string, unknown>> = [],
) {
	const start = {
		id: 'start',
		name: 'Webhook',
		type: 'n8n-nodes-base.webhook',
		typeVersion: 2,
		position: [0, 0],
		webhookId: newWebhookId(),
		parameters: { httpMethod: 'POST', path, responseMode: 'onReceived', options: {} },
	};
	const nodes: Array<Record<string, unknown>> = [start, ...then];
	const connections: Record<string, unknown> = {};
	for (let index = 0; index < nodes.length - 1; index++) {
		connections[nodes[index].name as string] = {
			main: [[{ node: nodes[index + 1].name, type: 'main', index: 0 }]],
		};
	}
	// executionOrder v1 is what the editor gives every new workflow. Without it n8n runs the legacy
	// order, in which an AI Agent resumes before its tool nodes have run and the model receives an
	// empty tool result.
	return { name, nodes, connections, settings: { executionOrder: 'v1' } };
}

/** A VoxPria action node with the stack's credential, for webhookWorkflow's `then`. */
export function actionNode(stack: Stack, name: string, parameters: Record<string, unknown>) {
	return {
		id: name.toLowerCase().replace(/[^a-z0-9]+/g, '-'),
		name,
		type: ACTION_TYPE,
		typeVersion: 1,
		position: [240, 0],
		parameters,
		credentials: { voxPriaApi: stack.credential },
	};
}

/** POSTs to a built-in Webhook node's production URL, waiting out the 404s until n8n serves it. */
export async function postToWebhook(stack: Stack, path: string, body: unknown) {
	const url = `${stack.webhookBase}webhook/${path}`;
	return stack.n8n.waitFor(
		async () => {
			const res = await stack.n8n.request(url, { method: 'POST', body });
			return res.status === 404 ? false : res;
		},
		{ timeoutMs: 30_000, description: `${url} to be live` },
	);
}

// --- An n8n outage of a chosen length (reliability tests) ---

/**
 * Stops n8n, runs `whileDown` while nothing listens on n8n's port, then starts n8n again with the
 * same user folder and ports (so the registered webhook URL stays right), and waits until it is
 * ready. The handle's `restart()` alone has only a few seconds of gap; here the new n8n process is
 * held before it loads (a `--require` hook that waits while a gate file exists) until `whileDown`
 * has finished. The hook stays in n8n's environment for later restarts, where it does nothing.
 * Note: n8n's /healthz answers a few seconds before its webhook routes do (404 meanwhile).
 */
export async function restartAfterOutage<T>(
	n8n: N8n,
	whileDown: () => Promise<T>,
	{ maxDownMs = 150_000 }: { maxDownMs?: number } = {},
): Promise<{
	result: T;
	/** port closed until n8n ready again */ downMs: number;
	restartMs: number;
}> {
	const { writeFileSync, rmSync } = await import('fs');
	const net = await import('net');
	const gate = join(n8n.userFolder, 'voxpria-start-gate');
	const hook = join(n8n.userFolder, 'voxpria-start-gate.js');
	writeFileSync(
		hook,
		`// Written by test/e2e/stack.ts restartAfterOutage(): holds n8n's main process (not its task
// runner) before it loads, while the gate file exists.
const fs = require('fs');
const gate = process.env.VOXPRIA_E2E_START_GATE;
if (gate && process.argv.slice(2).includes('start')) {
	const deadline = Date.now() + ${maxDownMs};
	const cell = new Int32Array(new SharedArrayBuffer(4));
	while (fs.existsSync(gate) && Date.now() < deadline) Atomics.wait(cell, 0, 0, 100);
}
`,
	);
	writeFileSync(gate, '');
	const portOpen = () =>
		new Promise<boolean>((resolve) => {
			const socket = net.connect(n8n.port, '127.0.0.1');
			socket.once('connect', () => {
				socket.destroy();
				resolve(true);
			});
			socket.once('error', () => resolve(false));
		});

	const t0 = Date.now();
	const restarting = n8n.restart({
		env: { NODE_OPTIONS: `--require ${hook}`, VOXPRIA_E2E_START_GATE: gate },
	});
	let restartError: unknown;
	restarting.catch((error) => {
		restartError = error;
	});
	try {
		await n8n.waitFor(
			async () => {
				if (restartError) throw Object.assign(new Error(String(restartError)), { fatal: true });
				return !(await portOpen());
			},
			{ timeoutMs: 60_000, intervalMs: 100, description: `n8n on port ${n8n.port} to stop` },
		);
		const down = Date.now();
		const result = await whileDown();
		rmSync(gate, { force: true });
		await restarting;
		return { result, downMs: Date.now() - down, restartMs: Date.now() - t0 };
	} finally {
		rmSync(gate, { force: true });
		await restarting.catch(() => undefined);
	}
}
