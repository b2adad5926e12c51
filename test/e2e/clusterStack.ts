/**
 * The e2e stack (stack.ts) on n8n deployed at scale: the VoxPria sandbox (in this process), then
 * PostgreSQL, and in queue mode Redis, HAProxy, webhook processes and workers (lib/cluster.js), an
 * owner, an API key and a `voxPriaApi` credential pointing at the sandbox. A ClusterStack is a
 * Stack (`n8n` is the main process, `webhookBase` the balancer in queue mode), so stack.ts's
 * workflow builders and helpers (triggerWorkflow, activeWorkflow, productionUrl, registrationsFor,
 * webhookWorkflow, postToWebhook, waitForExecutions, ...) work on it unchanged.
 */
import { ensureBuilt, n8nBesideSandbox, type Sandbox, type Stack, useStartedStack } from './stack';

/* eslint-disable @typescript-eslint/no-require-imports */
const { ensureRuntime } = require('./lib/runtime') as typeof import('./lib/runtime');
const { startCluster } = require('./lib/cluster') as typeof import('./lib/cluster');
const { startSandbox } = require('../sandbox/server') as typeof import('../sandbox/server');
/* eslint-enable @typescript-eslint/no-require-imports */

export type Cluster = Awaited<ReturnType<typeof startCluster>>;
export type ClusterMode = 'queue' | 'postgres';

export interface ClusterStack extends Stack {
	mode: ClusterMode;
	/** Every part: main, webhookProcesses, workers, postgres, redis, balancer, logs, restarts. */
	cluster: Cluster;
	n8n: Cluster['main'];
}

export interface ClusterStackOptions {
	/** 'queue' (default): Postgres + Redis, main, webhook processes, workers; 'postgres': one n8n on Postgres. */
	mode?: ClusterMode;
	/** Queue mode: how many `n8n webhook` processes behind the balancer (default 2). */
	webhookProcesses?: number;
	/** Queue mode: how many `n8n worker`s (default 1). */
	workers?: number;
	/** Extra environment for every n8n process. */
	env?: Record<string, string>;
	/** Extra environment for the main process only (e.g. N8N_USE_WORKFLOW_PUBLICATION_SERVICE). */
	mainEnv?: Record<string, string>;
	/** Extra environment for the webhook processes only. */
	webhookEnv?: Record<string, string>;
	/** Extra environment for the workers only. */
	workerEnv?: Record<string, string>;
	/** Options for startSandbox, e.g. { callStepMs: 200, retryBaseMs: 500 }. */
	sandbox?: Parameters<typeof startSandbox>[0];
}

export async function startClusterStack(options: ClusterStackOptions = {}): Promise<ClusterStack> {
	ensureBuilt();
	const runtime = await ensureRuntime();
	const sandbox: Sandbox = await startSandbox({ port: 0, ...options.sandbox });
	const {
		started: cluster,
		credential,
		stop,
	} = await n8nBesideSandbox(
		sandbox,
		() =>
			startCluster({
				runtime,
				mode: options.mode ?? 'queue',
				webhookProcesses: options.webhookProcesses,
				workers: options.workers,
				env: options.env,
				mainEnv: options.mainEnv,
				webhookEnv: options.webhookEnv,
				workerEnv: options.workerEnv,
			}),
		(started) => started.main,
	);
	return {
		mode: cluster.mode,
		cluster,
		n8n: cluster.main,
		sandbox,
		credential,
		webhookBase: cluster.webhookBase,
		stop,
	};
}

/** Starts a cluster stack before a describe block's tests and stops it after them (useStartedStack). */
export function useClusterStack(
	use: (stack: ClusterStack) => void,
	options: ClusterStackOptions = {},
): void {
	useStartedStack(() => startClusterStack(options), use, 180_000);
}
