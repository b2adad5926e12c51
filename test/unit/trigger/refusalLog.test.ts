import { RefusalLog, SUMMARY_INTERVAL_MS } from '../../../nodes/VoxPriaTrigger/refusalLog';

const facts = {
	workflow: '"Calls to CRM" (wf-1)',
	node: 'VoxPria Trigger',
	event: 'call.completed',
	from: '203.0.113.7',
};
const forged = {
	reason: 'invalid signature',
	detail: 'signature does not match the body',
	status: 401,
};
const unsigned = {
	reason: 'invalid signature',
	detail: 'missing X-Voxpria-Signature header',
	status: 401,
};
const replay = {
	reason: 'duplicate',
	detail: 'this delivery already started an execution',
	status: 200,
};
const T0 = Date.UTC(2026, 10, 29, 12);

describe('RefusalLog', () => {
	it('writes the first refusal of each kind in full, with the workflow, node, event and sender', () => {
		const log = new RefusalLog();
		expect(log.note(forged, facts, T0)).toEqual([
			'VoxPria Trigger refused a delivery (HTTP 401): invalid signature: signature does not match the body [workflow "Calls to CRM" (wf-1), node "VoxPria Trigger", event call.completed, from 203.0.113.7]',
		]);
		expect(log.note(replay, facts, T0 + 1)).toHaveLength(1);
	});

	it('counts the rest of the minute and writes one summary line once the minute is over', () => {
		const log = new RefusalLog();
		log.note(forged, facts, T0);
		for (let n = 0; n < 9_999; n++)
			expect(log.note(n % 3 ? forged : unsigned, facts, T0 + n)).toEqual([]);
		log.note(replay, facts, T0 + 10_000);
		log.note(replay, facts, T0 + 10_001);
		const lines = log.due(T0 + SUMMARY_INTERVAL_MS);
		expect(lines).toEqual([
			'VoxPria Trigger refused 10000 more deliveries since the last line: invalid signature × 9999, duplicate × 1 [workflow "Calls to CRM" (wf-1), node "VoxPria Trigger"]',
		]);
		// A new minute: the first of each kind is written in full again.
		expect(log.note(forged, facts, T0 + SUMMARY_INTERVAL_MS + 1)).toHaveLength(1);
	});

	it('bounds the lines: 10,000 refusals over five minutes give a dozen lines', () => {
		const log = new RefusalLog();
		let lines = 0;
		for (let n = 0; n < 10_000; n++) {
			const at = T0 + Math.floor((n * 5 * SUMMARY_INTERVAL_MS) / 10_000);
			lines += log.note(n % 2 ? forged : replay, facts, at).length;
		}
		lines += log.flush().length;
		expect(lines).toBeLessThanOrEqual(16);
	});

	it('flushes what is counted, for deactivation', () => {
		const log = new RefusalLog();
		log.note(forged, facts, T0);
		log.note(forged, facts, T0 + 1);
		expect(log.flush()).toEqual([
			expect.stringContaining('refused 1 more delivery since the last line: invalid signature × 1'),
		]);
		expect(log.flush()).toEqual([]);
	});
});
