/* eslint-disable @n8n/community-nodes/no-hardcoded-secrets, @n8n/community-nodes/no-restricted-globals, @n8n/community-nodes/no-restricted-imports, no-console -- dev-only code, held to eslint.dev.config.mjs instead (CONTRIBUTING.md) */
import { createServer, type ServerResponse } from 'http';
import type { AddressInfo } from 'net';
import type { IBinaryData, IDataObject } from 'n8n-workflow';

import { forgetAllTriggerStates } from '../../../nodes/VoxPriaTrigger/processState';
import { RECORDING_TIMEOUT_MS } from '../../../nodes/VoxPriaTrigger/recordingItem';
import type { Setup } from '../../helpers/n8n';
import { useSandbox, type Sandbox } from '../../helpers/sandbox';
import { type Receiver, StaticDataStore, startReceiver } from '../../helpers/webhookReceiver';
import {
	FRAMES_PER_SECOND,
	recordingBytes,
	startRecordingHost,
	startSandbox,
} from '../../sandbox/server';
import { sign } from '../../sandbox/signing';

const SECRET = 'whsec_0123456789abcdef0123456789abcdef';
const NODE = 'node:VoxPria Trigger';

const bytesOf = (binary: IBinaryData) => Buffer.from(binary.data, 'base64');

const event = (name: string, data: IDataObject): IDataObject => ({
	event: name,
	timestamp: new Date().toISOString(),
	data,
});

/** The trigger's Download Recording option (issue 22): the recording as the item's binary data. */
describe('VoxPria Trigger: Download Recording', () => {
	let sandbox: Sandbox;
	let receiver: Receiver;
	let setup: Setup;
	let store: StaticDataStore;
	let cdn: Awaited<ReturnType<typeof startRecordingHost>>;

	useSandbox((started) => (sandbox = started));
	beforeAll(async () => {
		const harness = await import('../../helpers/n8n');
		receiver = await startReceiver({
			getSetup: () => setup,
			loadHarness: () => harness,
			store: { get: () => store },
		});
		cdn = await startRecordingHost();
	});
	afterAll(async () => {
		await receiver.close();
		await cdn.close();
	});

	const useOption = (downloadRecording: boolean, base = sandbox) => {
		setup = {
			credentials: { apiKey: base.apiKey, baseUrl: base.url },
			parameters: {
				events: ['call.completed', 'call.ended', 'call.failed'],
				options: { downloadRecording },
			},
		};
	};

	beforeEach(() => {
		forgetAllTriggerStates();
		receiver.started.length = 0;
		cdn.reset();
		store = new StaticDataStore({ [NODE]: { webhookId: 'wh_1', secret: SECRET, registeredAt: 1 } });
		useOption(true);
	});

	/** Delivers a signed event; answers n8n's status and how long the answer took. */
	async function deliver(payload: IDataObject, body = JSON.stringify(payload)) {
		const started = performance.now();
		const response = await fetch(receiver.url, {
			method: 'POST',
			headers: { 'content-type': 'application/json', 'x-voxpria-signature': sign(SECRET, body) },
			body,
		});
		await response.text();
		return { status: response.status, ms: performance.now() - started };
	}

	/** A completed call in the sandbox and its call.completed event. */
	async function completedCall(callId: string) {
		await sandbox.seed({ calls: [{ callId }] });
		const call = (sandbox.state().calls as IDataObject[]).find((c) => c.callId === callId)!;
		return event('call.completed', call);
	}

	it('call.completed: the item is the event as signed, with the recording as binary "data"', async () => {
		const payload = await completedCall('call_t1');
		expect((await deliver(payload)).status).toBe(200);
		expect(receiver.started).toHaveLength(1);
		const [item] = receiver.started[0].items;
		expect(item.json).toEqual(payload);
		expect(item.binary!.data).toMatchObject({
			fileName: 'call_t1.mp3',
			mimeType: 'audio/mpeg',
			fileExtension: 'mp3',
		});
		expect(bytesOf(item.binary!.data).equals(recordingBytes('call_t1'))).toBe(true);
		expect(sandbox.requests().map((r) => [r.path, r.headers.authorization])).toEqual([
			['/recordings/call_t1.mp3', `Bearer ${sandbox.apiKey}`],
		]);
	});

	it('call.ended works the same; other events download nothing', async () => {
		const completed = await completedCall('call_t2');
		expect((await deliver({ ...completed, event: 'call.ended' })).status).toBe(200);
		expect(receiver.started[0].items[0].binary!.data.fileName).toBe('call_t2.mp3');
		expect((await deliver({ ...completed, event: 'call.failed' })).status).toBe(200);
		expect(receiver.started[1].items[0]).toEqual({ json: { ...completed, event: 'call.failed' } });
		expect(sandbox.requests()).toHaveLength(1);
	});

	it('off (the default): nothing is downloaded, the item is the event alone', async () => {
		useOption(false);
		const payload = await completedCall('call_t3');
		expect((await deliver(payload)).status).toBe(200);
		expect(receiver.started[0].items).toEqual([{ json: payload }]);
		expect(sandbox.requests()).toEqual([]);
	});

	it('a recording on another host is fetched without the API key', async () => {
		const payload = event('call.completed', {
			callId: 'call_cdn',
			status: 'completed',
			recording: `${cdn.url}/recordings/call_cdn.mp3`,
		});
		expect((await deliver(payload)).status).toBe(200);
		expect(bytesOf(receiver.started[0].items[0].binary!.data)).toEqual(recordingBytes('call_cdn'));
		expect(cdn.seen.map((r) => r.headers.authorization)).toEqual([undefined]);
	});

	describe('a failed download never loses or refuses the delivery', () => {
		it.each([
			[
				'a 404',
				async () => sandbox.addFault({ path: '/recordings/call_f.mp3', status: 404 }),
				(url: string) =>
					`No recording file at ${url}/recordings/call_f.mp3 (HTTP 404): it may have been deleted or its link has expired; get the call again for its current recording URL`,
			],
			[
				'a dropped connection',
				async () => sandbox.addFault({ path: '/recordings/call_f.mp3', destroy: true }),
				(url: string) =>
					`Could not download the recording from ${url}/recordings/call_f.mp3: the connection was reset; try again later`,
			],
		])('%s: 200, one execution, no binary, recordingError says why', async (_, fault, message) => {
			const payload = await completedCall('call_f');
			await fault();
			expect((await deliver(payload)).status).toBe(200);
			expect(receiver.started).toHaveLength(1);
			const [item] = receiver.started[0].items;
			expect(item.binary).toBeUndefined();
			expect(item.json).toEqual({ ...payload, recordingError: message(sandbox.url) });
		});

		it('an event without a recording (call.ended of a failed call)', async () => {
			const payload = event('call.ended', {
				callId: 'call_nr',
				status: 'no_answer',
				recording: null,
			});
			expect((await deliver(payload)).status).toBe(200);
			expect(receiver.started[0].items).toEqual([
				{
					json: {
						...payload,
						recordingError:
							'Call call_nr has no recording (status: no_answer): only calls that took place are recorded',
					},
				},
			]);
		});

		it('an event shape without recording or status (the developers page’s)', async () => {
			const payload = event('call.completed', { id: 'call_dev', summary: 'ok', duration: 3 });
			expect((await deliver(payload)).status).toBe(200);
			expect(receiver.started[0].items[0].json.recordingError).toBe(
				'The call.completed event of call call_dev carries no recording URL',
			);
		});

		it(`a recording slower than ${RECORDING_TIMEOUT_MS / 1000} s: answered in time, without the file`, async () => {
			const payload = await completedCall('call_slow');
			await sandbox.addFault({ path: '/recordings/call_slow.mp3', delayMs: 10_000 });
			const { status, ms } = await deliver(payload);
			expect(status).toBe(200);
			expect(ms).toBeGreaterThanOrEqual(RECORDING_TIMEOUT_MS - 50);
			expect(ms).toBeLessThan(RECORDING_TIMEOUT_MS + 1_500);
			expect(receiver.started[0].items[0].json.recordingError).toBe(
				`Could not download the recording from ${sandbox.url}/recordings/call_slow.mp3: it did not arrive within ${RECORDING_TIMEOUT_MS / 1000} s; try again later`,
			);
		}, 20_000);
	});

	it('a copy that arrives during the download is not run twice (409, then a duplicate)', async () => {
		const payload = await completedCall('call_dup');
		await sandbox.addFault({ path: '/recordings/call_dup.mp3', delayMs: 1_000 });
		const body = JSON.stringify(payload);
		const first = deliver(payload, body);
		await new Promise((resolve) => setTimeout(resolve, 300));
		expect((await deliver(payload, body)).status).toBe(409);
		expect((await first).status).toBe(200);
		expect((await deliver(payload, body)).status).toBe(200); // a duplicate: answered, not run
		expect(receiver.started).toHaveLength(1);
		expect(receiver.started[0].items[0].binary!.data.fileName).toBe('call_dup.mp3');
	});

	it('a recording whose body stalls halfway: answered in time, without the file', async () => {
		const stalled: ServerResponse[] = [];
		const server = createServer((_req, res) => {
			res.writeHead(200, { 'Content-Type': 'audio/mpeg', 'Content-Length': '100000' });
			res.write(Buffer.alloc(1000));
			stalled.push(res);
		});
		await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
		try {
			const { port } = server.address() as AddressInfo;
			const url = `http://127.0.0.1:${port}/stall.mp3`;
			const payload = event('call.completed', { callId: 'c', status: 'completed', recording: url });
			const { status, ms } = await deliver(payload);
			expect(status).toBe(200);
			expect(ms).toBeLessThan(RECORDING_TIMEOUT_MS + 1_500);
			expect(receiver.started[0].items[0].binary).toBeUndefined();
			expect(receiver.started[0].items[0].json.recordingError).toBe(
				`Could not download the recording from ${url}: it did not arrive within ${RECORDING_TIMEOUT_MS / 1000} s; try again later`,
			);
		} finally {
			server.closeAllConnections();
			await new Promise((resolve) => server.close(resolve));
		}
	}, 20_000);

	/**
	 * How much the option delays the 200 against the sandbox on this machine: the median of 15
	 * deliveries each, off and on, with the sandbox's small recording (3.4 kB) and with one the
	 * size of the sandbox's 127 s call at 128 kbit/s (about 2 MB). Printed for docs/ and README.
	 */
	it('measured: the delay the download adds to the answer', async () => {
		const big = await startSandbox({ recordingFrames: 127 * FRAMES_PER_SECOND });
		try {
			const median = (values: number[]) => values.sort((a, b) => a - b)[values.length >> 1];
			const measure = async (base: Sandbox, on: boolean, label: string) => {
				useOption(on, base);
				const times: number[] = [];
				for (let i = 0; i < 15; i++) {
					const callId = `call_m_${label}_${i}`;
					await base.seed({ calls: [{ callId }] });
					const call = (base.state().calls as IDataObject[]).find((c) => c.callId === callId)!;
					const { status, ms } = await deliver(event('call.completed', call));
					expect(status).toBe(200);
					times.push(ms);
				}
				return median(times);
			};
			const off = await measure(sandbox, false, 'off');
			const small = await measure(sandbox, true, 'small');
			const large = await measure(big, true, 'large');
			const size = recordingBytes('x', 127 * FRAMES_PER_SECOND).length;
			console.log(
				`Download Recording, median answer time of 15 deliveries: off ${off.toFixed(1)} ms; ` +
					`on, 3.4 kB recording ${small.toFixed(1)} ms; on, ${(size / 1e6).toFixed(2)} MB recording ${large.toFixed(1)} ms`,
			);
			expect(receiver.started.every((s) => s.items.length === 1)).toBe(true);
			expect(small).toBeLessThan(RECORDING_TIMEOUT_MS);
			expect(large).toBeLessThan(RECORDING_TIMEOUT_MS);
		} finally {
			await big.close();
		}
	}, 60_000);
});
