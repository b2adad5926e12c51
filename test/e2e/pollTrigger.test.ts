/* eslint-disable @n8n/community-nodes/no-restricted-globals, no-console -- dev-only code, held to eslint.dev.config.mjs instead (CONTRIBUTING.md) */
/**
 * Issue 22, item 2: the VoxPria Poll Trigger in a real n8n against the sandbox. n8n refuses poll
 * intervals under a minute ("The polling interval is too short") but polls once at every
 * activation and start, so the test makes polls by publishing again and by restarting: the first
 * poll emits none of the calls the sandbox already holds; calls that end afterwards run the
 * workflow once each, completed and failed alike; a poll with nothing new emits nothing; a call
 * that ended while n8n restarted runs once after the restart, and nothing earlier runs again.
 * Run: npm run build && npx jest test/e2e/pollTrigger.test.ts --selectProjects e2e --runInBand
 */
import {
	type Execution,
	nodeOutput,
	POLL_TRIGGER_NODE,
	pollsSeen,
	pollWorkflow,
	type Stack,
	STACK_TIMEOUT,
	startStack,
	useStartedStack,
	waitForExecutions,
} from './stack';

const NODE = POLL_TRIGGER_NODE;

/** Every call the workflow's executions emitted, in order, with repeats. */
function emitted(executions: Execution[]): string[] {
	return executions
		.slice()
		.reverse()
		.flatMap((execution) => nodeOutput(execution, NODE).map((item) => String(item.callId)));
}

describe('VoxPria Poll Trigger in a real n8n', () => {
	let stack: Stack;
	let workflowId = '';
	useStartedStack(
		() => startStack({ sandbox: { callStepMs: 300 } }),
		(started) => (stack = started),
		STACK_TIMEOUT,
	);

	const startCall = async (toNumber: string): Promise<string> => {
		const res = await fetch(`${stack.sandbox.url}/api/v1/calls`, {
			method: 'POST',
			headers: {
				authorization: `Bearer ${stack.sandbox.apiKey}`,
				'content-type': 'application/json',
			},
			body: JSON.stringify({ agentId: 'agt_sales', toNumber }),
		});
		expect(res.status).toBe(201);
		const body = (await res.json()) as { callId?: string; data?: { callId: string } };
		return body.callId ?? (body.data?.callId as string);
	};
	const polls = () => pollsSeen(stack);
	/** Waits for the poll n8n makes at activation or start (one more listing of calls). */
	const untilPolled = async (before: number) =>
		stack.n8n.waitFor(async () => polls() > before, {
			timeoutMs: 90_000,
			description: 'a poll of GET /api/v1/calls',
		});
	const republish = async () => {
		const before = polls();
		await stack.n8n.deactivate(workflowId);
		await stack.n8n.waitForUnpublished(workflowId);
		await stack.n8n.activate(workflowId);
		await stack.n8n.waitForPublished(workflowId);
		await untilPolled(before);
	};
	const untilEnded = (callIds: string[]) =>
		stack.n8n.waitFor(
			async () =>
				(await stack.sandbox.state()).calls.filter(
					(call: { callId: string; completedAt?: string | null }) =>
						callIds.includes(call.callId) && call.completedAt,
				).length === callIds.length,
			{ timeoutMs: 30_000, description: 'the calls to end in the sandbox' },
		);
	const settled = () => waitForExecutions(stack, workflowId, () => true);

	it(
		'emits nothing old on its first poll, then each call that ends exactly once (completed and failed)',
		async () => {
			// Calls that ended before the workflow was switched on.
			await untilEnded([await startCall('+14155550102'), await startCall('+14155550001')]);
			const created = await stack.n8n.createWorkflow(
				pollWorkflow(stack, 'VoxPria e2e poll trigger'),
			);
			workflowId = created.id;
			const before = polls();
			await stack.n8n.activate(workflowId);
			await stack.n8n.waitForPublished(workflowId);
			await untilPolled(before);
			await new Promise((resolve) => setTimeout(resolve, 3_000));
			expect(await stack.n8n.executions({ workflowId })).toHaveLength(0);

			// +1415555010x completes in the sandbox, +1415555000x does not (no answer, busy, failed).
			const ended = [await startCall('+14155550100'), await startCall('+14155550003')];
			await untilEnded(ended);
			await republish();
			const executions = await waitForExecutions(
				stack,
				workflowId,
				(list) => ended.every((callId) => emitted(list).includes(callId)),
				{ timeoutMs: 60_000, description: 'both calls emitted' },
			);
			expect(executions.every((execution) => execution.status === 'success')).toBe(true);
			// A poll with nothing new.
			await republish();
			await new Promise((resolve) => setTimeout(resolve, 3_000));
			const after = await settled();
			expect(emitted(after).sort()).toEqual([...ended].sort());
			const statuses = after.flatMap((execution) =>
				nodeOutput(execution, NODE).map((item) => item.status),
			);
			console.log(`poll trigger: emitted ${JSON.stringify(emitted(after))}, statuses ${statuses}`);
			expect(statuses).toContain('completed');
		},
		5 * 60_000,
	);

	it(
		'after a restart of n8n: a call that ended while it restarted runs once, nothing earlier again',
		async () => {
			const before = emitted(await settled());
			// It ends within a second, while n8n restarts (about 13 s).
			const whileDown = await startCall('+14155550104');
			await stack.n8n.restart();
			await waitForExecutions(stack, workflowId, (list) => emitted(list).includes(whileDown), {
				timeoutMs: 120_000,
				description: 'the call that ended during the restart',
			});
			// And once more: nothing new, nothing again.
			await republish();
			await new Promise((resolve) => setTimeout(resolve, 3_000));
			const all = emitted(await settled());
			expect(all.slice().sort()).toEqual([...before, whileDown].sort());
			expect(new Set(all).size).toBe(all.length);
		},
		5 * 60_000,
	);
});
