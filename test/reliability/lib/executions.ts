/* eslint-disable @n8n/community-nodes/no-restricted-globals, no-console -- dev-only code, held to eslint.dev.config.mjs instead (CONTRIBUTING.md) */
/** Counting a workflow's executions in n8n once they have all finished. */
import type { Execution, N8n } from '../../e2e/stack';

export type { Execution };

const RUNNING = new Set(['new', 'running', 'waiting']);

/**
 * Waits until the workflow has at least `expected` executions and none is still running, then
 * keeps watching for `settleMs` so that late extra executions (a doubled delivery) are caught too.
 * Gives up early, without throwing, once nothing has changed for `stallMs` (executions that n8n
 * never finishes, or that never come): the caller's assertions then show what is there.
 * Answers the executions (newest first).
 */
export async function settledExecutions(
	n8n: N8n,
	workflowId: string,
	expected: number,
	{
		timeoutMs = 300_000,
		settleMs = 5_000,
		stallMs = 60_000,
		includeData = false,
	}: { timeoutMs?: number; settleMs?: number; stallMs?: number; includeData?: boolean } = {},
): Promise<Execution[]> {
	const list = async () => (await n8n.executions({ workflowId })) as Execution[];
	const deadline = Date.now() + timeoutMs;
	let lastShape = '';
	let lastChange = Date.now();
	for (;;) {
		const executions = await list();
		const running = executions.filter((execution) => RUNNING.has(execution.status)).length;
		if (executions.length >= expected && running === 0) break;
		const shape = `${executions.length}/${running}`;
		if (shape !== lastShape) {
			lastShape = shape;
			lastChange = Date.now();
		}
		if (Date.now() - lastChange > stallMs || Date.now() > deadline) {
			console.warn(
				`gave up waiting for ${expected} finished executions of ${workflowId}: ${executions.length} executions, ${running} not finished, ${JSON.stringify(countBy(executions, (e) => e.status))}`,
			);
			break;
		}
		await new Promise((resolve) => setTimeout(resolve, 1_000));
	}
	await new Promise((resolve) => setTimeout(resolve, settleMs));
	return includeData
		? ((await n8n.executions({ workflowId, includeData: true })) as Execution[])
		: list();
}

/** The JSON the trigger node output in one execution (the delivery's payload). */
export function triggerOutput(
	execution: Execution,
	nodeName = 'VoxPria Trigger',
): Record<string, unknown> | undefined {
	const runData = (
		execution.data as {
			resultData?: {
				runData?: Record<
					string,
					Array<{ data?: { main?: Array<Array<{ json: Record<string, unknown> }>> } }>
				>;
			};
		}
	)?.resultData?.runData?.[nodeName];
	return runData?.[0]?.data?.main?.[0]?.[0]?.json;
}

export function countBy<T>(items: readonly T[], key: (item: T) => string): Record<string, number> {
	const counts: Record<string, number> = {};
	for (const item of items) {
		const k = key(item);
		counts[k] = (counts[k] ?? 0) + 1;
	}
	return counts;
}

/** How often n8n logged the errors that lose work under load (sqlite write lock, static data, pings). */
export function overloadSignsIn(log: string): Record<string, number> {
	const count = (pattern: RegExp) => (log.match(pattern) ?? []).length;
	return {
		'sqlite write lock timeouts': count(
			/LockAcquireTimeoutError: Timeout waiting for lock SqliteWriteConnectionMutex/g,
		),
		'static data not saved': count(
			/There was a problem saving the workflow with id "[^"]+" to save changed Data/g,
		),
		// n8n pings its database every few seconds; while pings fail it answers every request 503.
		'database pings failed': count(/Database ping failed/g),
	};
}
