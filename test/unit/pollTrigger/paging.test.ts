import { call, callRequests, poller, useSandbox, type Sandbox } from './setup';
import { MAX_REQUESTS_PER_POLL } from '../../../nodes/VoxPriaPollTrigger/pollCalls';

/** Calls created one every `stepMs` up to now, oldest first. */
const spread = (count: number, status = 'completed', stepMs = 10_000) =>
	Array.from({ length: count }, (_, i) => call(status, (count - i) * stepMs));

describe('VoxPria Poll Trigger: however VoxPria pages its call list', () => {
	let sandbox: Sandbox;
	useSandbox((started) => (sandbox = started));

	async function pollUntilQuiet(trigger: ReturnType<typeof poller>, maxPolls = 20) {
		const emitted: string[] = [];
		for (let i = 0; i < maxPolls; i++) {
			sandbox.clearRequests();
			const batch = await trigger.poll();
			expect(callRequests(sandbox).length).toBeLessThanOrEqual(MAX_REQUESTS_PER_POLL);
			if (batch.length === 0) return emitted;
			emitted.push(...batch);
		}
		throw new Error('still emitting');
	}

	it.each([
		['honours page and limit', { mode: 'honour' }],
		['caps the page size at 25', { mode: 'cap', cap: 25 }],
		['caps the page size at 7', { mode: 'cap', cap: 7 }],
		['ignores paging and sends every call', { mode: 'ignore' }],
	] as const)(
		'a server that %s: every ended call once, never more than 5 requests a poll',
		async (_, paging) => {
			sandbox.setPaging(paging);
			sandbox.seed({ calls: spread(30, 'failed', 3_600_000) });
			const trigger = poller(sandbox);
			expect(await pollUntilQuiet(trigger)).toEqual([]);

			const batch = [...spread(140), call('queued')];
			sandbox.seed({ calls: batch });
			const emitted = await pollUntilQuiet(trigger);
			expect(emitted.sort()).toEqual(
				batch
					.slice(0, 140)
					.map((c) => c.callId)
					.sort(),
			);

			const running = batch[140].callId as string;
			sandbox.finishCall(running, { status: 'busy' });
			expect(await pollUntilQuiet(trigger)).toEqual([running]);
		},
	);

	it('a burst bigger than one poll reads is finished by the next polls, with no gap', async () => {
		sandbox.setPaging({ mode: 'cap', cap: 25 });
		const trigger = poller(sandbox);
		await trigger.poll();
		const burst = spread(300, 'completed', 1_000);
		sandbox.seed({ calls: burst });
		const first = await trigger.poll();
		expect(first).toHaveLength(MAX_REQUESTS_PER_POLL * 25);
		// Calls keep coming while the trigger catches up.
		const later = spread(40, 'no_answer', 100);
		sandbox.seed({ calls: later });
		const rest = await pollUntilQuiet(trigger);
		expect([...first, ...rest].sort()).toEqual([...burst, ...later].map((c) => c.callId).sort());
	});

	it('a list in another order than newest first is read to its end, and still emits each call once', async () => {
		// The sandbox lists newest first; reversing its answers models a server that lists oldest first.
		const trigger = poller(sandbox);
		sandbox.seed({ calls: spread(10, 'completed', 3_600_000) });
		await trigger.poll();
		const fresh = spread(5, 'failed', 1_000);
		sandbox.seed({ calls: fresh });
		const all = (sandbox.state().calls as Array<{ callId: string; createdAt: string }>)
			.slice()
			.sort((a, b) => a.createdAt.localeCompare(b.createdAt));
		sandbox.addFault({
			method: 'GET',
			path: '/api/v1/calls',
			count: 5,
			status: 200,
			body: { success: true, data: all },
		});
		expect((await trigger.poll()).sort()).toEqual(fresh.map((c) => c.callId).sort());
		sandbox.clearFaults();
		expect(await trigger.poll()).toEqual([]);
	});
});
