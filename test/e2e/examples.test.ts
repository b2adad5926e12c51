/* eslint-disable @n8n/community-nodes/no-restricted-globals -- dev-only code, held to eslint.dev.config.mjs instead (CONTRIBUTING.md) */
/**
 * The example workflows in examples/ inside a real n8n 2.40.7: each one imports with node types
 * and versions n8n knows, activates, and does its job once against the VoxPria sandbox.
 */
import {
	type Execution,
	executionError,
	nodeOutput,
	pollsSeen,
	postToWebhook,
	type Stack,
	startStack,
	STACK_TIMEOUT,
	waitForExecutions,
} from './stack';

/* eslint-disable @typescript-eslint/no-require-imports */
const { exampleNames, importExample, loadExample } =
	require('./examples') as typeof import('./examples');
const { TRANSCRIPT, recordingBytes } =
	require('../sandbox/server') as typeof import('../sandbox/server');
/* eslint-enable @typescript-eslint/no-require-imports */

interface SandboxCall {
	callId: string;
	status: string;
	toNumber: string;
	agentId: string;
	variables: Record<string, unknown>;
	createdAt: string;
}

describe('example workflows in a real n8n', () => {
	let stack: Stack;
	const ids: Record<string, string> = {};

	beforeAll(async () => {
		stack = await startStack({ sandbox: { callStepMs: 300 } });
		for (const name of exampleNames()) {
			ids[name] = (await importExample(stack.n8n, name, { credential: stack.credential })).id;
		}
	}, STACK_TIMEOUT);
	afterAll(async () => {
		await stack?.stop();
	}, 60_000);

	/** Starts a call through the sandbox's API, as VoxPria's dashboard or a campaign would. */
	async function placeCall(toNumber: string): Promise<string> {
		const res = await stack.n8n.request(`${stack.sandbox.url}/api/v1/calls`, {
			method: 'POST',
			headers: { authorization: `Bearer ${stack.sandbox.apiKey}` },
			body: { agentId: 'agt_sales', toNumber, variables: {} },
		});
		expect(res.status).toBe(201);
		return res.body.data.callId;
	}

	async function sandboxCalls(): Promise<SandboxCall[]> {
		return (await stack.sandbox.state()).calls as SandboxCall[];
	}

	/** The one new successful execution after `before` executions, with its error if it failed. */
	async function nextExecution(workflowId: string, before: number): Promise<Execution> {
		const list = await waitForExecutions(stack, workflowId, (l) => l.length > before, {
			timeoutMs: 60_000,
		});
		expect(list).toHaveLength(before + 1);
		const [newest] = list;
		expect({ status: newest.status, error: executionError(newest) }).toEqual({
			status: 'success',
			error: undefined,
		});
		return newest;
	}

	it('use only node types and versions this n8n has, and reference the credential to replace', async () => {
		const known = new Map<string, number[]>();
		for (const type of await stack.n8n.nodeTypes()) {
			known.set(type.name, [...(known.get(type.name) ?? []), ...[type.version].flat()]);
		}
		for (const name of exampleNames()) {
			const workflow = loadExample(name, { credential: { id: 'x', name: 'x' } });
			for (const node of workflow.nodes) {
				expect({ node: node.name, versions: known.get(node.type) }).toEqual({
					node: node.name,
					versions: expect.arrayContaining([node.typeVersion]),
				});
			}
		}
		expect(exampleNames()).toEqual([
			'call-completed-summary',
			'call-recording-to-drive',
			'campaign-finished-report',
			'ended-calls-log-polling',
			'new-lead-call',
		]);
	});

	const zeroReport = (campaignId: string, callsSince: string) => ({
		campaignId,
		callsSince,
		totalCalls: 0,
		completed: 0,
		failed: 0,
		noAnswer: 0,
		busy: 0,
		stillRunning: 0,
	});

	it('campaign-finished-report: an account without calls gets a report of zeros', async () => {
		expect(await sandboxCalls()).toEqual([]);
		const startedAt = new Date(Date.now() - 60_000).toISOString();
		await stack.sandbox.emit({
			event: 'campaign.finished',
			data: { campaignId: 'cmp_no_calls', startedAt },
		});
		const [report] = nodeOutput(await nextExecution(ids['campaign-finished-report'], 0), 'Report');
		expect(report).toEqual(zeroReport('cmp_no_calls', startedAt));
	}, 120_000);

	it('call-completed-summary: a completed call gives a summary with its call ID, duration, transcript and recording', async () => {
		const workflowId = ids['call-completed-summary'];
		// A failed call is not a call.completed event: it starts nothing.
		await placeCall('+14155550001');
		const callId = await placeCall('+14155550100');
		const execution = await nextExecution(workflowId, 0);
		const [summary] = nodeOutput(execution, 'Call summary');
		expect(summary).toEqual({
			callId,
			toNumber: '+14155550100',
			durationSeconds: 127,
			duration: '2:07',
			transcript: TRANSCRIPT,
			recordingUrl: `${stack.sandbox.url}/recordings/${callId}.mp3`,
			completedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
		});
		// The failed call has ended by now and still started nothing.
		await stack.n8n.waitFor(async () =>
			(await sandboxCalls()).every(
				(c) => c.status !== 'queued' && c.status !== 'ringing' && c.status !== 'in_progress',
			),
		);
		expect(await stack.n8n.executions({ workflowId })).toHaveLength(1);
	}, 120_000);

	it('new-lead-call: a lead posted to the webhook becomes a contact and a call, and the outcome is the finished call', async () => {
		const workflowId = ids['new-lead-call'];
		const res = await postToWebhook(stack, 'new-lead', {
			name: 'Ada King Lovelace',
			phone: '+14155550142',
			email: 'ada@example.com',
		});
		expect(res.status).toBe(200);
		const execution = await nextExecution(workflowId, 0);
		const [outcome] = nodeOutput(execution, 'Outcome');
		expect(outcome).toEqual({
			name: 'Ada King Lovelace',
			contactId: expect.stringMatching(/^ct_/),
			callId: expect.stringMatching(/^call_/),
			status: 'completed',
			durationSeconds: 127,
			transcript: TRANSCRIPT,
		});

		const state = await stack.sandbox.state();
		const contact = (state.contacts as Array<Record<string, unknown>>).find(
			(c) => c.contactId === outcome.contactId,
		);
		expect(contact).toMatchObject({
			phone: '+14155550142',
			firstName: 'Ada',
			lastName: 'King Lovelace',
			email: 'ada@example.com',
			metadata: { source: 'new-lead webhook' },
		});
		const call = (await sandboxCalls()).find((c) => c.callId === outcome.callId);
		expect(call).toMatchObject({
			agentId: 'agt_sales',
			toNumber: '+14155550142',
			variables: { firstName: 'Ada' },
		});
	}, 120_000);

	it('campaign-finished-report: counts by status the calls since the campaign started (or of the last 24 hours), and zero when none', async () => {
		const workflowId = ids['campaign-finished-report'];
		// A call from before the campaign, which the report must leave out.
		await stack.sandbox.seed({
			calls: [{ status: 'busy', createdAt: new Date(Date.now() - 3 * 86_400_000).toISOString() }],
		});
		const startedAt = new Date(Date.now() - 1000).toISOString();
		await placeCall('+14155550002'); // no answer
		await placeCall('+14155550003'); // busy
		await placeCall('+14155550104'); // completed
		await stack.n8n.waitFor(
			async () =>
				(await sandboxCalls()).every((c) =>
					['completed', 'failed', 'no_answer', 'busy'].includes(c.status),
				),
			{
				description: 'the campaign calls to end',
			},
		);
		const inCampaign = (await sandboxCalls()).filter((c) => c.createdAt >= startedAt);
		const count = (status: string) => inCampaign.filter((c) => c.status === status).length;
		expect(inCampaign).toHaveLength(3);

		await stack.sandbox.emit({
			event: 'campaign.finished',
			data: { campaignId: 'cmp_e2e', startedAt },
		});
		const [report] = nodeOutput(await nextExecution(workflowId, 1), 'Report');
		expect(report).toEqual({
			campaignId: 'cmp_e2e',
			callsSince: startedAt,
			totalCalls: 3,
			completed: count('completed'),
			failed: count('failed'),
			noAnswer: count('no_answer'),
			busy: count('busy'),
			stillRunning: 0,
		});
		expect(report.completed + report.failed + report.noAnswer + report.busy).toBe(
			report.totalCalls,
		);

		// Without a start time, the last 24 hours count: every call but the seeded old one.
		await stack.sandbox.emit({ event: 'campaign.finished', data: { campaignId: 'cmp_no_start' } });
		const [recent] = nodeOutput(await nextExecution(workflowId, 2), 'Report');
		const all = await sandboxCalls();
		expect(recent).toMatchObject({ campaignId: 'cmp_no_start', totalCalls: all.length - 1 });

		// A campaign with no calls since it started still gets a report, of zeros.
		const future = new Date(Date.now() + 3_600_000).toISOString();
		await stack.sandbox.emit({
			event: 'campaign.finished',
			data: { campaignId: 'cmp_empty', startedAt: future },
		});
		const [empty] = nodeOutput(await nextExecution(workflowId, 3), 'Report');
		expect(empty).toEqual(zeroReport('cmp_empty', future));
	}, 120_000);
	it('call-recording-to-drive: a completed call comes with its recording as a file (name, MIME type, size), ready for the Drive upload', async () => {
		const workflowId = ids['call-recording-to-drive'];
		const callId = await placeCall('+14155550107');
		const mine = (list: Execution[]) =>
			list.filter((e) => nodeOutput(e, 'Recording file')[0]?.callId === callId);
		const [execution] = mine(
			await waitForExecutions(stack, workflowId, (list) => mine(list).length >= 1, {
				timeoutMs: 60_000,
			}),
		);
		expect({ status: execution.status, error: executionError(execution) }).toEqual({
			status: 'success',
			error: undefined,
		});
		expect(nodeOutput(execution, 'Recording file')).toEqual([
			{
				event: 'call.completed',
				callId,
				fileName: `${callId}.mp3`,
				mimeType: 'audio/mpeg',
				bytes: recordingBytes(callId).length,
				recordingError: '',
			},
		]);
		// The file itself goes on to the (disabled until set up) Google Drive node.
		const [item] = execution.data.resultData.runData['Recording file'][0].data.main[0];
		expect(item.binary.data).toMatchObject({
			fileName: `${callId}.mp3`,
			mimeType: 'audio/mpeg',
			bytes: recordingBytes(callId).length,
		});
		// Stored by n8n's binary data store (filesystem mode), under this execution.
		expect(item.binary.data.id).toMatch(
			new RegExp(`^filesystem-v2:workflows/${workflowId}/executions/${execution.id}/binary_data/`),
		);
	}, 120_000);

	it('ended-calls-log-polling: each call that ends is logged once by the next poll, failed ones marked for follow-up', async () => {
		const workflowId = ids['ended-calls-log-polling'];
		const polls = () => pollsSeen(stack);
		// n8n refuses poll intervals under a minute but polls at every activation: publishing again is
		// the test's "next poll".
		const poll = async () => {
			const before = polls();
			await stack.n8n.deactivate(workflowId);
			await stack.n8n.waitForUnpublished(workflowId);
			await stack.n8n.activate(workflowId);
			await stack.n8n.waitForPublished(workflowId);
			await stack.n8n.waitFor(async () => polls() > before, {
				timeoutMs: 90_000,
				description: 'a poll of GET /api/v1/calls',
			});
			await new Promise((resolve) => setTimeout(resolve, 2_000));
			return waitForExecutions(stack, workflowId, () => true);
		};
		const untilEnded = (callIds: string[]) =>
			stack.n8n.waitFor(
				async () =>
					(await sandboxCalls()).filter(
						(c) =>
							callIds.includes(c.callId) &&
							!['queued', 'ringing', 'in_progress'].includes(c.status),
					).length === callIds.length,
				{ description: 'the calls to end' },
			);
		// Calls the earlier tests made ended after this workflow's first poll: this poll logs them.
		const before = (await poll()).length;

		const completed = await placeCall('+14155550105');
		const busy = await placeCall('+14155550003');
		await untilEnded([completed, busy]);
		const after = await poll();
		expect(after).toHaveLength(before + 1);
		expect(after[0].status).toBe('success');
		const log = nodeOutput(after[0], 'Call log');
		expect(log.map((entry) => entry.callId).sort()).toEqual([completed, busy].sort());
		expect(log.find((entry) => entry.callId === completed)).toEqual({
			callId: completed,
			toNumber: '+14155550105',
			status: 'completed',
			followUp: false,
			durationSeconds: 127,
			endedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
		});
		expect(log.find((entry) => entry.callId === busy)).toMatchObject({
			status: 'busy',
			followUp: true,
		});

		// Nothing new: the next poll starts nothing.
		expect(await poll()).toHaveLength(before + 1);
	}, 300_000);
});
