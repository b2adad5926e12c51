/**
 * The stack every real-n8n test file starts once: the VoxPria sandbox (in this process), a real
 * n8n 2.40.7 over HTTPS with this package installed, an owner, an API key and a `voxPriaApi`
 * credential pointing at the sandbox. Plus builders for the workflows the tests activate.
 */
import { execFileSync } from 'child_process';
import { existsSync } from 'fs';
import { join } from 'path';

/* eslint-disable @typescript-eslint/no-require-imports */
const { ensureRuntime } = require('./lib/runtime') as typeof import('./lib/runtime');
const { startN8n } = require('./lib/n8n') as typeof import('./lib/n8n');
const { startSandbox } = require('../sandbox/server') as typeof import('../sandbox/server');
/* eslint-enable @typescript-eslint/no-require-imports */

export type N8n = Awaited<ReturnType<typeof startN8n>>;
export type Sandbox = Awaited<ReturnType<typeof startSandbox>>;

export const REPO = join(__dirname, '..', '..');
export const TRIGGER_TYPE = 'n8n-nodes-voxpria.voxPriaTrigger';
export const ACTION_TYPE = 'n8n-nodes-voxpria.voxPria';

/** Generous: a cold machine installs n8n first (about 3 minutes). */
export const STACK_TIMEOUT = 15 * 60_000;

export interface Stack {
	n8n: N8n;
	sandbox: Sandbox;
	credential: { id: string; name: string };
	stop(): Promise<void>;
}

export interface StackOptions {
	/** Extra environment for n8n, e.g. { N8N_USE_WORKFLOW_PUBLICATION_SERVICE: 'false' }. */
	n8nEnv?: Record<string, string>;
	/** Options for startSandbox, e.g. { callStepMs: 200, retryBaseMs: 500 }. */
	sandbox?: Parameters<typeof startSandbox>[0];
}

export async function startStack(options: StackOptions = {}): Promise<Stack> {
	if (!existsSync(join(REPO, 'dist', 'nodes', 'VoxPriaTrigger', 'VoxPriaTrigger.node.js'))) {
		execFileSync('npm', ['run', 'build', '--silent'], { cwd: REPO, stdio: 'inherit' });
	}
	const runtime = await ensureRuntime();
	const sandbox = await startSandbox({ port: 0, ...options.sandbox });
	let n8n: N8n | undefined;
	try {
		n8n = await startN8n({ runtime, env: options.n8nEnv });
		await n8n.setupOwner();
		const credential = await n8n.createCredential({
			name: 'VoxPria sandbox',
			type: 'voxPriaApi',
			data: { apiKey: sandbox.apiKey, baseUrl: sandbox.url },
		});
		const started = n8n;
		return {
			n8n: started,
			sandbox,
			credential: { id: credential.id, name: credential.name },
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

let counter = 0;
/** A fresh id for a trigger node's webhook, so each workflow gets its own URL. */
export function newWebhookId(): string {
	counter++;
	const hex = `${Date.now().toString(16)}${counter.toString(16).padStart(4, '0')}`.padStart(12, '0').slice(-12);
	return `0b0e2e00-0000-4000-8000-${hex}`;
}

export interface TriggerWorkflowOptions {
	name?: string;
	events?: string[];
	options?: Record<string, unknown>;
	webhookId?: string;
	/** Nodes after the trigger, connected in a chain from it. */
	then?: Array<Record<string, unknown>>;
}

/** A workflow with a VoxPria Trigger (and optionally nodes after it), ready for the public API. */
export function triggerWorkflow(stack: Stack, options: TriggerWorkflowOptions = {}) {
	const trigger = {
		id: 'trigger',
		name: 'VoxPria Trigger',
		type: TRIGGER_TYPE,
		typeVersion: 1,
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
	return { name: options.name ?? `VoxPria e2e ${trigger.webhookId}`, nodes, connections, settings: {} };
}

/** The production URL n8n gives a trigger node with this webhook id. */
export function productionUrl(stack: Stack, webhookId: string): string {
	return `${stack.n8n.webhookBase}webhook/${webhookId}/webhook`;
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
	return (webhooks as Array<{ webhookId: string; url: string; events: string[]; active: boolean; secret: string }>).filter(
		(webhook) => webhook.url === url,
	);
}
