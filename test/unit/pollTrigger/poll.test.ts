import { NodeApiError } from 'n8n-workflow';

import {
	call,
	callRequests,
	poller,
	rateLimitFault,
	seedInOrder,
	useSandbox,
	type Sandbox,
} from './setup';

const HOUR = 3_600_000;

describe('VoxPria Poll Trigger: which calls it emits, and when', () => {
	let sandbox: Sandbox;
	useSandbox((started) => (sandbox = started));

	it('emits nothing on the first poll, only calls that end afterwards, each once', async () => {
		sandbox.seed({ calls: [call('completed', HOUR), call('failed', 60_000), call('busy')] });
		const trigger = poller(sandbox);

		expect(await trigger.poll()).toEqual([]);
		// A short first page may be VoxPria's page-size cap: the first poll asks once more at that size.
		expect(callRequests(sandbox)).toEqual([
			'GET /api/v1/calls?page=1&limit=100',
			'GET /api/v1/calls?page=2&limit=3',
		]);
		sandbox.clearRequests();
		expect(await trigger.poll()).toEqual([]);
		expect(callRequests(sandbox)).toEqual(['GET /api/v1/calls?page=1&limit=100']);

		const [completed, noAnswer, running] = seedInOrder(sandbox, [
			call('completed'),
			call('no_answer'),
			call('queued'),
		]);
		expect(await trigger.poll()).toEqual([completed, noAnswer]);
		expect(await trigger.poll()).toEqual([]);
		sandbox.finishCall(running, { status: 'completed' });
		expect(await trigger.poll()).toEqual([running]);
		expect(await trigger.poll()).toEqual([]);
	});

	it('with Include Calls From Before Activation, the first poll emits the calls that had ended', async () => {
		const [old, failed] = seedInOrder(sandbox, [
			call('completed'),
			call('failed'),
			call('ringing'),
		]);
		const trigger = poller(sandbox, { options: { includeExisting: true } });
		expect(await trigger.poll()).toEqual([old, failed]);
		expect(await trigger.poll()).toEqual([]);
	});

	it('Trigger On and Agent ID choose which ended calls start the workflow', async () => {
		const failedOnly = poller(sandbox, { triggerOn: ['failed'] });
		const salesOnly = poller(sandbox, { options: { agentId: ' agt_sales ' } });
		await failedOnly.poll();
		await salesOnly.poll();
		const [, failed, busy, support] = seedInOrder(sandbox, [
			call('completed', 0, { agentId: 'agt_sales' }),
			call('failed', 0, { agentId: 'agt_sales' }),
			call('busy', 0, { agentId: 'agt_sales' }),
			call('completed', 0, { agentId: 'agt_support' }),
		]);
		expect(await failedOnly.poll()).toEqual([failed, busy]);
		const sales = await salesOnly.poll();
		expect(sales).toHaveLength(3);
		expect(sales).not.toContain(support);
	});

	it('emits a call created long ago when it ends now, even far down the list', async () => {
		// Created three days ago and still running when the trigger starts watching.
		const longRunning = call('in_progress', 72 * HOUR);
		sandbox.seed({ calls: [longRunning] });
		const trigger = poller(sandbox);
		expect(await trigger.poll()).toEqual([]);
		// 450 newer calls, one every 10 s up to now, push it down to page 5 of the list.
		const newer = Array.from({ length: 450 }, (_, i) => call('completed', (450 - i) * 10_000));
		sandbox.seed({ calls: newer });
		// Five requests a poll at most: four pages and a look at the call being watched, then the rest.
		sandbox.clearRequests();
		const firstBatch = await trigger.poll();
		expect(callRequests(sandbox)).toHaveLength(5);
		const secondBatch = await trigger.poll();
		expect([...firstBatch, ...secondBatch].sort()).toEqual(newer.map((c) => c.callId).sort());
		expect(firstBatch).toHaveLength(400);

		sandbox.finishCall(longRunning.callId as string, { status: 'no_answer' });
		sandbox.clearRequests();
		expect(await trigger.poll()).toEqual([longRunning.callId]);
		// Found by asking for it, not by reading the whole list again.
		expect(callRequests(sandbox)).toEqual([
			'GET /api/v1/calls?page=1&limit=100',
			`GET /api/v1/calls/${longRunning.callId}`,
		]);
		expect(await trigger.poll()).toEqual([]);
	});

	it('a call that ended within seconds of the last poll, with an earlier timestamp, is not skipped', async () => {
		const trigger = poller(sandbox);
		seedInOrder(sandbox, [call('completed')]);
		await trigger.poll();
		// Listed with a createdAt a minute before the newest one the trigger has seen.
		const late = call('completed', 60_000);
		sandbox.seed({ calls: [late] });
		expect(await trigger.poll()).toEqual([late.callId]);
		expect(await trigger.poll()).toEqual([]);
	});

	it('restarts from the static data n8n saved: no call twice, none missed', async () => {
		const trigger = poller(sandbox);
		await trigger.poll();
		const [first] = seedInOrder(sandbox, [call('completed'), call('queued')]);
		expect(await trigger.poll()).toEqual([first]);
		// n8n saves static data when a poll emits; a poll that emits nothing is not saved.
		const savedAtEmit = trigger.saved();
		const [second] = seedInOrder(sandbox, [call('queued')]);
		expect(await trigger.poll()).toEqual([]);
		const running = Object.keys(
			(trigger.saved()['node:VoxPria Poll Trigger'] as { pollCursor: { pending: object } })
				.pollCursor.pending,
		);
		expect(running).toHaveLength(2);

		trigger.restartFrom(savedAtEmit);
		const state = sandbox.state();
		for (const c of state.calls) if (c.status === 'queued') sandbox.finishCall(c.callId);
		const third = seedInOrder(sandbox, [call('failed')]);
		const afterRestart = await trigger.poll();
		expect(afterRestart.sort()).toEqual([...running, ...third].sort());
		expect(afterRestart).toContain(second);
		expect(afterRestart).not.toContain(first);

		trigger.restartFrom(trigger.saved());
		expect(await trigger.poll()).toEqual([]);
	});

	it('a manual run shows the most recent ended call and leaves the saved position alone', async () => {
		const trigger = poller(sandbox, { triggerOn: ['failed'] });
		await expect(trigger.manual()).rejects.toThrow(
			"No ended call of the chosen kinds among VoxPria's 100 most recent calls",
		);
		await trigger.poll();
		const before = trigger.saved();
		const [failed] = seedInOrder(sandbox, [call('failed'), call('completed'), call('queued')]);
		const shown = await trigger.manual();
		expect(shown.map((c) => c.callId)).toEqual([failed]);
		expect(trigger.saved()).toEqual(before);
		// The scheduled poll still emits it: the manual run did not use it up.
		expect(await trigger.poll()).toEqual([failed]);
	});

	it('waits out a short 429 and carries on', async () => {
		const trigger = poller(sandbox);
		sandbox.seed({ calls: [call('completed', HOUR)] });
		await trigger.poll();
		const [id] = seedInOrder(sandbox, [call('completed')]);
		sandbox.clearRequests();
		sandbox.addFault(
			rateLimitFault({ method: 'GET', path: '/api/v1/calls' }, Math.ceil(Date.now() / 1000) + 1),
		);
		expect(await trigger.poll()).toEqual([id]);
		// The 429'd request is sent again; after it the scan goes on as usual.
		expect(callRequests(sandbox).slice(0, 2)).toEqual([
			'GET /api/v1/calls?page=1&limit=100',
			'GET /api/v1/calls?page=1&limit=100',
		]);
	});

	it('a 429 that lasts fails the poll with a clear error and keeps the position: nothing is lost', async () => {
		const trigger = poller(sandbox);
		await trigger.poll();
		const before = trigger.saved();
		const ids = seedInOrder(sandbox, [call('completed'), call('failed')]);
		const resetAt = Math.ceil(Date.now() / 1000) + 3600;
		sandbox.addFault({ ...rateLimitFault({ method: 'GET', path: '/api/v1/calls' }, resetAt) });
		const error = await trigger.poll().catch((caught: unknown) => caught);
		expect(error).toBeInstanceOf(NodeApiError);
		expect((error as NodeApiError).message).toBe(
			`VoxPria rate limit reached (HTTP 429): the limit resets at ${new Date(resetAt * 1000).toISOString()}; try again after that. The trigger kept its position: the next check reads the same calls again, so none is missed.`,
		);
		expect((error as NodeApiError).httpCode).toBe('429');
		expect(trigger.saved()).toEqual(before);
		expect(await trigger.poll()).toEqual(ids);
	});

	it('two polls at once (a slow VoxPria) do not both emit the same calls', async () => {
		const trigger = poller(sandbox);
		await trigger.poll();
		const ids = seedInOrder(sandbox, [call('completed')]);
		sandbox.addFault({ method: 'GET', path: '/api/v1/calls', delayMs: 300 });
		const [a, b] = await Promise.all([trigger.poll(), trigger.poll()]);
		expect([...a, ...b]).toEqual(ids);
	});
});
