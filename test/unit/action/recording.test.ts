import type { IBinaryData, IDataObject } from 'n8n-workflow';

import { recordingBytes, startRecordingHost } from '../../sandbox/server';
import { apiRequests, failure, items, run, useSandbox, type Sandbox } from './setup';

type RecordingHost = Awaited<ReturnType<typeof startRecordingHost>>;

const byCallId = (callId: string, extra: IDataObject = {}): IDataObject => ({
	resource: 'call',
	operation: 'downloadRecording',
	recordingSource: 'callId',
	callId,
	...extra,
});

const byUrl = (recordingUrl: string, extra: IDataObject = {}): IDataObject => ({
	resource: 'call',
	operation: 'downloadRecording',
	recordingSource: 'url',
	recordingUrl,
	...extra,
});

const sendKey = { downloadOptions: { sendKeyToOtherHosts: true } };

/** The bytes n8n stored for a binary field (the in-memory mode keeps them as base64). */
const bytesOf = (binary: IBinaryData) => Buffer.from(binary.data, 'base64');

/** Call Download Recording (issue 22): a call's recording as n8n binary data. */
describe('VoxPria node: Call → Download Recording', () => {
	let sandbox: Sandbox;
	let cdn: RecordingHost;

	useSandbox((started) => (sandbox = started));
	beforeAll(async () => {
		cdn = await startRecordingHost();
	});
	afterAll(() => cdn.close());
	beforeEach(() => cdn.reset());

	const seedCompleted = (...callIds: string[]) =>
		sandbox.seed({ calls: callIds.map((callId) => ({ callId })) });

	describe('by call ID', () => {
		it("outputs the call's fields and its recording as a file: bytes, name, MIME type", async () => {
			await seedCompleted('call_rec1');
			const [item, ...rest] = await run(sandbox, byCallId('call_rec1'));
			expect(rest).toEqual([]);
			expect(item.json).toMatchObject({
				callId: 'call_rec1',
				status: 'completed',
				recording: `${sandbox.url}/recordings/call_rec1.mp3`,
			});
			const file = item.binary!.data;
			expect(file).toMatchObject({
				fileName: 'call_rec1.mp3',
				fileExtension: 'mp3',
				mimeType: 'audio/mpeg',
				fileType: 'audio',
				bytes: recordingBytes('call_rec1').length,
			});
			expect(bytesOf(file).equals(recordingBytes('call_rec1'))).toBe(true);
			expect(item.pairedItem).toEqual({ item: 0 });
			// The recording is on the Base URL's origin: the key goes with both requests.
			expect(apiRequests(sandbox).map((r) => [r.path, r.headers.authorization, r.status])).toEqual([
				['/api/v1/calls/call_rec1', `Bearer ${sandbox.apiKey}`, 200],
				['/recordings/call_rec1.mp3', `Bearer ${sandbox.apiKey}`, 200],
			]);
		});

		it('puts the file in the field named by Put Output File in Field', async () => {
			await seedCompleted('call_rec2');
			const [item] = await run(sandbox, byCallId('call_rec2', { binaryPropertyName: 'audio' }));
			expect(Object.keys(item.binary!)).toEqual(['audio']);
			expect(item.binary!.audio.fileName).toBe('call_rec2.mp3');
		});

		it.each([
			[
				'in_progress',
				'Call call_live has no recording yet (status: in_progress). Wait until the call has ended: use the VoxPria Trigger on Call Completed, or Start with Wait for Call to End, then download it',
			],
			[
				'busy',
				'Call call_live has no recording (status: busy): only calls that took place are recorded',
			],
		])('a call with status %s: a clear error, and no download', async (status, message) => {
			await sandbox.seed({ calls: [{ callId: 'call_live', status }] });
			const error = await failure(run(sandbox, byCallId('call_live')));
			expect(error.constructor.name).toBe('NodeOperationError');
			expect(error.message).toBe(message);
			expect(error.context.itemIndex).toBe(0);
			expect(apiRequests(sandbox).map((r) => r.path)).toEqual(['/api/v1/calls/call_live']);
		});

		it('a completed call whose recording is not attached yet says so', async () => {
			await sandbox.addFault({
				path: '/api/v1/calls/call_norec',
				status: 200,
				body: {
					success: true,
					data: { callId: 'call_norec', status: 'completed', recording: null },
				},
			});
			const error = await failure(run(sandbox, byCallId('call_norec')));
			expect(error.message).toBe(
				'Call call_norec has no recording (status: completed): VoxPria has not attached one yet, or the call was not recorded; try again in a few minutes',
			);
		});

		it('404 and 403 on the file are clear errors', async () => {
			await seedCompleted('call_gone');
			await sandbox.addFault({ path: '/recordings/call_gone.mp3', status: 404 });
			const gone = await failure(run(sandbox, byCallId('call_gone')));
			expect(gone.constructor.name).toBe('NodeApiError');
			expect(gone.httpCode).toBe('404');
			expect(gone.message).toBe(
				`No recording file at ${sandbox.url}/recordings/call_gone.mp3 (HTTP 404): it may have been deleted or its link has expired; get the call again for its current recording URL`,
			);
			await sandbox.addFault({ path: '/recordings/call_gone.mp3', status: 403 });
			const refused = await failure(run(sandbox, byCallId('call_gone')));
			expect(refused.message).toBe(
				'VoxPria refused the recording download (HTTP 403): check the API key in the VoxPria credential; it needs the calls scope',
			);
		});
	});

	describe('by recording URL', () => {
		it('on the Base URL: downloads with the key; the output json is the URL', async () => {
			await seedCompleted('call_url1');
			const url = `${sandbox.url}/recordings/call_url1.mp3`;
			const [item] = await run(sandbox, byUrl(url));
			expect(item.json).toEqual({ recordingUrl: url });
			expect(item.binary!.data).toMatchObject({
				fileName: 'call_url1.mp3',
				mimeType: 'audio/mpeg',
			});
			expect(bytesOf(item.binary!.data).equals(recordingBytes('call_url1'))).toBe(true);
			expect(apiRequests(sandbox)[0].headers.authorization).toBe(`Bearer ${sandbox.apiKey}`);
		});

		it('on another host: the key is not sent by default', async () => {
			const [item] = await run(sandbox, byUrl(`${cdn.url}/recordings/call_cdn.mp3?sig=abc`));
			expect(bytesOf(item.binary!.data).equals(recordingBytes('call_cdn'))).toBe(true);
			expect(item.binary!.data.fileName).toBe('call_cdn.mp3');
			expect(cdn.seen).toHaveLength(1);
			expect(cdn.seen[0].headers.authorization).toBeUndefined();
			expect(cdn.seen[0].headers['x-api-key']).toBeUndefined();
			expect(JSON.stringify(cdn.seen[0].headers)).not.toContain(sandbox.apiKey);
			expect(apiRequests(sandbox)).toEqual([]);
		});

		it('on another host with Send API Key to Other Hosts: the key is sent', async () => {
			await run(sandbox, byUrl(`${cdn.url}/recordings/call_cdn.mp3`, sendKey));
			expect(cdn.seen.map((r) => r.headers.authorization)).toEqual([`Bearer ${sandbox.apiKey}`]);
		});

		it('Send API Key to Other Hosts never sends it over plain http to another machine', async () => {
			const error = await failure(
				run(sandbox, byUrl('http://recordings.example.com/a.mp3', sendKey)),
			);
			expect(error.message).toBe(
				'The recording URL http://recordings.example.com/a.mp3 uses http://, which would send the API key unencrypted: nothing was sent. Turn off Send API Key to Other Hosts, or use an https:// recording URL',
			);
		});

		it('another host that refuses without the key says how to fix it', async () => {
			cdn.answer('/recordings/private.mp3', { status: 403, body: 'Forbidden' });
			const error = await failure(run(sandbox, byUrl(`${cdn.url}/recordings/private.mp3`)));
			expect(error.message).toBe(
				`${new URL(cdn.url).host} refused the recording download (HTTP 403). The API key is not sent to hosts other than the credential's Base URL: if this host needs it, turn on Send API Key to Other Hosts; a signed link may have expired: get the call again for its current recording URL`,
			);
		});

		it.each(['ftp://example.com/a.mp3', 'not a url', 'javascript:alert(1)'])(
			'%s is refused before anything is sent',
			async (url) => {
				const error = await failure(run(sandbox, byUrl(url)));
				expect(error.message).toBe(
					`The recording URL "${url}" is not an http(s) address: give the call's recording URL (https://…), or choose By Call ID`,
				);
				expect(apiRequests(sandbox)).toEqual([]);
			},
		);

		it('no Content-Disposition and no useful Content-Type: the name and type come from the URL', async () => {
			cdn.answer('/files/rec-42.wav', {
				status: 200,
				headers: { 'Content-Type': 'application/octet-stream' },
				body: 'RIFF....WAVE',
			});
			cdn.answer('/files/raw', { status: 200, body: 'ID3...' });
			const [wav] = await run(sandbox, byUrl(`${cdn.url}/files/rec-42.wav`));
			expect(wav.binary!.data).toMatchObject({ fileName: 'rec-42.wav', mimeType: 'audio/wav' });
			const [raw] = await run(sandbox, byUrl(`${cdn.url}/files/raw`));
			expect(raw.binary!.data).toMatchObject({ fileName: 'raw.mp3', mimeType: 'audio/mpeg' });
		});

		it('a web page instead of audio (a login page) is an error, not a file', async () => {
			cdn.answer('/recordings/login.mp3', {
				status: 200,
				headers: { 'Content-Type': 'text/html; charset=utf-8' },
				body: '<html>Please log in</html>',
			});
			const error = await failure(run(sandbox, byUrl(`${cdn.url}/recordings/login.mp3`)));
			expect(error.message).toBe(
				`${cdn.url}/recordings/login.mp3 answered with text/html, not an audio file: check the recording URL. A web page there usually means the host wants a login (see Send API Key to Other Hosts)`,
			);
		});
	});

	describe('redirects', () => {
		it('a same-origin redirect is followed with the key', async () => {
			await seedCompleted('call_moved');
			await sandbox.addFault({
				path: '/recordings/old.mp3',
				status: 302,
				headers: { Location: '/recordings/call_moved.mp3' },
			});
			const [item] = await run(sandbox, byUrl(`${sandbox.url}/recordings/old.mp3`));
			expect(item.binary!.data.fileName).toBe('call_moved.mp3');
			expect(apiRequests(sandbox).map((r) => [r.path, r.headers.authorization])).toEqual([
				['/recordings/old.mp3', `Bearer ${sandbox.apiKey}`],
				['/recordings/call_moved.mp3', `Bearer ${sandbox.apiKey}`],
			]);
		});

		it.each([301, 302, 303, 307, 308])(
			'a %i to another host is followed without the key',
			async (status) => {
				await seedCompleted('call_cdn');
				await sandbox.addFault({
					path: '/recordings/call_cdn.mp3',
					status,
					headers: { Location: `${cdn.url}/recordings/call_cdn.mp3?token=signed` },
				});
				const [item] = await run(sandbox, byCallId('call_cdn'));
				expect(bytesOf(item.binary!.data).equals(recordingBytes('call_cdn'))).toBe(true);
				expect(apiRequests(sandbox).at(-1)!.headers.authorization).toBe(`Bearer ${sandbox.apiKey}`);
				expect(cdn.seen).toHaveLength(1);
				expect(cdn.seen[0].headers.authorization).toBeUndefined();
				expect(JSON.stringify(cdn.seen[0].headers)).not.toContain(sandbox.apiKey);
			},
		);

		it('even with Send API Key to Other Hosts, a redirect does not carry the key elsewhere', async () => {
			await seedCompleted('call_cdn');
			await sandbox.addFault({
				path: '/recordings/call_cdn.mp3',
				status: 302,
				headers: { Location: `${cdn.url}/recordings/call_cdn.mp3` },
			});
			await run(sandbox, byCallId('call_cdn', sendKey));
			expect(cdn.seen[0].headers.authorization).toBeUndefined();
		});

		it('a redirect to another host that refuses: the error names both, never the key', async () => {
			await seedCompleted('call_x');
			cdn.answer('/denied.mp3', { status: 403 });
			await sandbox.addFault({
				path: '/recordings/call_x.mp3',
				status: 302,
				headers: { Location: `${cdn.url}/denied.mp3?key=${sandbox.apiKey}` },
			});
			const error = await failure(run(sandbox, byCallId('call_x')));
			expect(error.message).toBe(
				`${new URL(cdn.url).host} refused the recording download (HTTP 403) (a redirect from ${sandbox.url}/recordings/call_x.mp3 pointed there). The API key is not sent to hosts other than the credential's Base URL: if this host needs it, turn on Send API Key to Other Hosts; a signed link may have expired: get the call again for its current recording URL`,
			);
			expect(JSON.stringify({ ...error, message: error.message })).not.toContain(sandbox.apiKey);
			expect(cdn.seen[0].headers.authorization).toBeUndefined();
		});

		it('a redirect loop ends with a clear error', async () => {
			cdn.answer('/loop.mp3', { status: 302, headers: { Location: '/loop.mp3' } });
			const error = await failure(run(sandbox, byUrl(`${cdn.url}/loop.mp3`)));
			expect(error.message).toBe(
				`The recording download was redirected too many times (HTTP 302 at ${cdn.url}/loop.mp3): get the call again for its current recording URL`,
			);
			expect(cdn.seen).toHaveLength(6);
		});
	});

	describe('several items, Continue On Fail', () => {
		const fromItems = byCallId('={{ $json.callId }}');

		it('each item gets its own recording, paired with it', async () => {
			await seedCompleted('call_a', 'call_b', 'call_c');
			const output = await run(sandbox, fromItems, [
				{ json: { callId: 'call_a' } },
				{ json: { callId: 'call_b' } },
				{ json: { callId: 'call_c' } },
			]);
			expect(
				output.map((item) => [item.pairedItem, item.json.callId, item.binary!.data.fileName]),
			).toEqual([
				[{ item: 0 }, 'call_a', 'call_a.mp3'],
				[{ item: 1 }, 'call_b', 'call_b.mp3'],
				[{ item: 2 }, 'call_c', 'call_c.mp3'],
			]);
			expect(bytesOf(output[1].binary!.data).equals(recordingBytes('call_b'))).toBe(true);
		});

		it('with Continue On Fail, a call without recording is an error item with its pairing', async () => {
			await seedCompleted('call_a', 'call_c');
			await sandbox.seed({ calls: [{ callId: 'call_b', status: 'ringing' }] });
			const output = await run(
				sandbox,
				fromItems,
				[
					{ json: { callId: 'call_a' } },
					{ json: { callId: 'call_b' } },
					{ json: { callId: 'call_c' } },
				],
				{ continueOnFail: true },
			);
			expect(output).toHaveLength(3);
			expect(output[0].binary!.data.fileName).toBe('call_a.mp3');
			expect(output[1]).toEqual({
				json: {
					error:
						'Call call_b has no recording yet (status: ringing). Wait until the call has ended: use the VoxPria Trigger on Call Completed, or Start with Wait for Call to End, then download it',
				},
				pairedItem: { item: 1 },
			});
			expect(output[2]).toMatchObject({ pairedItem: { item: 2 }, json: { callId: 'call_c' } });
			expect(output[2].binary!.data.fileName).toBe('call_c.mp3');
		});

		it('without it, the failing item stops the run with its index', async () => {
			const error = await failure(run(sandbox, fromItems, [{ json: { callId: 'call_nope' } }]));
			expect(error.message).toBe(
				'VoxPria found nothing at /calls/call_nope (HTTP 404): check the Call ID',
			);
			const twoItems = await failure(run(sandbox, byUrl('ftp://x/y.mp3'), items(2)));
			expect(twoItems.context.itemIndex).toBe(0);
		});
	});

	it('the API key appears in no output', async () => {
		await seedCompleted('call_k');
		const output = await run(sandbox, byCallId('call_k'));
		expect(JSON.stringify(output)).not.toContain(sandbox.apiKey);
	});
});
