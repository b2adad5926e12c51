/* eslint-disable @n8n/community-nodes/no-restricted-globals, @n8n/community-nodes/no-restricted-imports -- dev-only code, held to eslint.dev.config.mjs instead (CONTRIBUTING.md) */
/**
 * The trigger across n8n processes that share one database, as in n8n's queue mode (several
 * webhook processes, a main process running the lifecycle), and a re-publish while a delivery is
 * still arriving. Each "process" is its own module registry (jest.isolateModules): its own copy of
 * the node's module-level state, with real n8n-core contexts, a real HTTP receiver that loads and
 * saves static data the way n8n does (test/helpers/webhookReceiver.ts) and the VoxPria sandbox.
 */
import { request as httpRequest } from 'http';
import type { IDataObject } from 'n8n-workflow';

import { decodeMemory } from '../../../nodes/VoxPriaTrigger/savedMemory';
import type { Setup } from '../../helpers/n8n';
import { useSandbox, type Sandbox } from '../../helpers/sandbox';
import { type Receiver, StaticDataStore, startReceiver } from '../../helpers/webhookReceiver';
import { sign } from '../../sandbox/signing';

type Harness = typeof import('../../helpers/n8n');
type ProcessStateModule = typeof import('../../../nodes/VoxPriaTrigger/processState');

/** The trigger's answer to a copy of a delivery it has already started. */
const DUPLICATE = { received: true, duplicate: true };

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function newProcess(): { harness: Harness; state: ProcessStateModule } {
	let harness!: Harness;
	let state!: ProcessStateModule;
	jest.isolateModules(() => {
		/* eslint-disable @typescript-eslint/no-require-imports */
		harness = require('../../helpers/n8n');
		state = require('../../../nodes/VoxPriaTrigger/processState');
		/* eslint-enable @typescript-eslint/no-require-imports */
	});
	return { harness, state };
}

/**
 * Dated 2 s ahead: however long the slow delivery takes, the trigger cannot tell it was in flight
 * across the re-publish, and writes the old registration back (what the heal tests start from).
 */
const aheadPayload = () => payload({ timestamp: new Date(Date.now() + 2_000).toISOString() });

function payload(overrides: IDataObject = {}): IDataObject {
	return {
		event: 'call.completed',
		timestamp: new Date().toISOString(),
		data: { callId: `call_${Math.random().toString(36).slice(2)}`, status: 'completed' },
		...overrides,
	};
}

async function deliver(url: string, object: unknown, secret: string) {
	const body = JSON.stringify(object);
	const response = await fetch(url, {
		method: 'POST',
		headers: { 'content-type': 'application/json', 'x-voxpria-signature': sign(secret, body) },
		body,
	});
	const text = await response.text();
	return { status: response.status, body: (text ? JSON.parse(text) : '') as IDataObject };
}

/** Sends the headers and half the body, then waits for `meanwhile` before sending the rest. */
async function deliverSlowly(
	url: string,
	object: unknown,
	secret: string,
	meanwhile: () => Promise<void>,
) {
	const body = Buffer.from(JSON.stringify(object));
	return new Promise<number>((resolve, reject) => {
		const request = httpRequest(url, {
			method: 'POST',
			headers: {
				'content-type': 'application/json',
				'content-length': String(body.length),
				'x-voxpria-signature': sign(secret, body),
			},
		});
		request.on('response', (response) => {
			response.resume();
			response.on('end', () => resolve(response.statusCode ?? 0));
		});
		request.on('error', reject);
		request.write(body.subarray(0, body.length >> 1));
		void sleep(100)
			.then(meanwhile)
			.then(() => request.end(body.subarray(body.length >> 1)), reject);
	});
}

describe('VoxPria Trigger across n8n processes sharing one database', () => {
	let sandbox: Sandbox;
	let store: StaticDataStore;
	let setup: Setup;
	const receivers: Receiver[] = [];

	useSandbox((started) => (sandbox = started));

	async function receiverIn(process: { harness: Harness }) {
		const receiver = await startReceiver({
			getSetup: () => setup,
			loadHarness: () => process.harness,
			store: { get: () => store },
		});
		receivers.push(receiver);
		return receiver;
	}

	/** Runs a lifecycle method the way n8n's main process does: load, run, save. */
	async function lifecycle(
		process: { harness: Harness },
		method: 'checkExists' | 'create' | 'delete',
	) {
		const staticData = store.load();
		const result = await process.harness.triggerLifecycle({ ...setup, staticData })[method]();
		store.saveIfChanged(staticData);
		return result;
	}
	async function activate(main: { harness: Harness }) {
		if (!(await lifecycle(main, 'checkExists'))) await lifecycle(main, 'create');
	}
	/** A main process that has run the lifecycle, and two webhook processes with their receivers. */
	async function activeWithTwoWebhookProcesses() {
		const main = newProcess();
		const [one, two] = [await receiverIn(newProcess()), await receiverIn(newProcess())];
		await activate(main);
		return { main, one, two };
	}
	const currentSecret = () => String(store.node().secret);
	const registrations = async () =>
		(
			(await sandbox.state()).webhooks as Array<{ webhookId: string; url: string; secret: string }>
		).filter((webhook) => webhook.url.endsWith('/webhook/hook-0000-1111/webhook'));

	beforeEach(() => {
		store = new StaticDataStore();
		setup = {
			credentials: { apiKey: sandbox.apiKey, baseUrl: sandbox.url },
			parameters: { events: ['call.completed'], options: {} },
		};
	});
	afterEach(async () => {
		await Promise.all(receivers.splice(0).map((receiver) => receiver.close()));
	});

	it('starts nothing for a copy that reaches the other webhook process 1 s and 10 s later', async () => {
		const { one, two } = await activeWithTwoWebhookProcesses();
		const event = payload();
		expect((await deliver(one.url, event, currentSecret())).status).toBe(200);
		await sleep(1000);
		expect((await deliver(two.url, event, currentSecret())).body).toEqual(DUPLICATE);
		await sleep(9000);
		expect((await deliver(two.url, event, currentSecret())).body).toEqual(DUPLICATE);
		expect(one.started.length + two.started.length).toBe(1);
	}, 30_000);

	it('a save made from an older view drops the other process’s delivery; the next signed request there puts it back', async () => {
		const { one, two } = await activeWithTwoWebhookProcesses();
		const secret = currentSecret();
		const [first, second] = [payload(), payload()];
		// Process two loads static data, then process one saves `first`, then two saves `second`:
		// n8n writes the whole object, so the database now lacks `first`.
		const status = await deliverSlowly(two.url, second, secret, async () => {
			expect((await deliver(one.url, first, secret)).status).toBe(200);
		});
		expect(status).toBe(200);
		const keys = () => decodeMemory(store.node().seen)?.entries.length;
		expect(keys()).toBe(1);
		// A copy of `second` reaches process one: a duplicate, and one sees the database lacks `first`.
		expect((await deliver(one.url, second, secret)).body).toEqual(DUPLICATE);
		expect(keys()).toBe(2);
		// So a copy of `first` that reaches process two is recognised.
		expect((await deliver(two.url, first, secret)).body).toEqual(DUPLICATE);
		expect(one.started.length + two.started.length).toBe(2);
	}, 30_000);

	it('a late copy at a process whose database view lost the delivery waits, learns it from the next saves, and starts nothing', async () => {
		const { one, two } = await activeWithTwoWebhookProcesses();
		const secret = currentSecret();
		// Both processes handle fresh deliveries, so each has seen the other's saves.
		for (let n = 0; n < 4; n++) await deliver([one, two][n % 2].url, payload(), secret);
		// Its own millisecond, so that the saved memory shows whether it is there.
		const first = payload({ timestamp: new Date(Date.now() - 50).toISOString() });
		// Process two loads static data, process one saves `first`, process two saves over it.
		const slow = await deliverSlowly(two.url, payload(), secret, async () => {
			expect((await deliver(one.url, first, secret)).status).toBe(200);
		});
		expect(slow).toBe(200);
		expect(
			decodeMemory(store.node().seen)?.entries.some(
				([, at]) => at === Date.parse(String(first.timestamp)),
			),
		).toBe(false);
		// Newer events keep coming to process two; then a copy of `first` reaches it: dated well
		// before the newest it knows, and new to it...
		await sleep(1_500);
		expect((await deliver(two.url, payload(), secret)).status).toBe(200);
		const copy = deliver(two.url, first, secret);
		// ...while deliveries keep coming: one saves again (with `first`), two loads that save.
		await sleep(300);
		await deliver(one.url, payload(), secret);
		await deliver(two.url, payload(), secret);
		expect((await copy).body).toEqual(DUPLICATE);
		const runs = [...one.started, ...two.started].filter(
			(run) =>
				(run.items[0].json.data as IDataObject).callId === (first.data as IDataObject).callId,
		);
		expect(runs).toHaveLength(1);
	}, 30_000);

	it('a late delivery that no process ran waits only until the other process has saved since it arrived, then runs', async () => {
		const { one, two } = await activeWithTwoWebhookProcesses();
		const secret = currentSecret();
		for (let n = 0; n < 4; n++) await deliver([one, two][n % 2].url, payload(), secret);
		// Under load, originals too reach n8n late: this one is dated 2 s before the newest known.
		expect((await deliver(two.url, payload(), secret)).status).toBe(200);
		const late = payload({ timestamp: new Date(Date.now() - 2_000).toISOString() });
		const started = Date.now();
		const answer = deliver(two.url, late, secret);
		// Process one saves after it arrived, and a request to two loads that save: `late` is not in it.
		await sleep(200);
		await deliver(one.url, payload(), secret);
		await deliver(two.url, payload(), secret);
		expect((await answer).status).toBe(200);
		const waited = Date.now() - started;
		// It did not sit out the full wait (LATE_WAIT_MS, 3 s), kept for quiet moments.
		expect(waited).toBeLessThan(1_500);
		const runs = [...one.started, ...two.started].filter(
			(run) => (run.items[0].json.data as IDataObject).callId === (late.data as IDataObject).callId,
		);
		expect(runs).toHaveLength(1);
	}, 30_000);

	it('a delivery still arriving while the workflow is re-published (one process) leaves the new registration saved', async () => {
		const n8n = newProcess(); // one process: the lifecycle and the webhook share it
		const receiver = await receiverIn(n8n);
		await activate(n8n);
		const oldSecret = currentSecret();
		const status = await deliverSlowly(receiver.url, payload(), oldSecret, async () => {
			await lifecycle(n8n, 'delete');
			// A parameter changed and the workflow was published again: the lifecycle runs anew.
			setup.parameters = { events: ['call.completed', 'call.failed'], options: {} };
			await activate(n8n);
		});
		expect(status).toBe(200);
		const newSecret = currentSecret();
		expect(newSecret).not.toBe(oldSecret);
		expect((await registrations()).map((webhook) => webhook.secret)).toEqual([newSecret]);
		expect((await deliver(receiver.url, payload(), newSecret)).status).toBe(200);
		expect(receiver.started).toHaveLength(2);
	}, 30_000);

	it('queue mode: an old registration written back by one process is put right by a process that knows the new one', async () => {
		const { main, one, two } = await activeWithTwoWebhookProcesses();
		const oldSecret = currentSecret();
		let newSecret = '';
		const status = await deliverSlowly(one.url, aheadPayload(), oldSecret, async () => {
			await lifecycle(main, 'delete');
			await activate(main);
			newSecret = currentSecret();
			// Process two handles a delivery under the new registration before process one saves.
			expect((await deliver(two.url, payload(), newSecret)).status).toBe(200);
		});
		expect(status).toBe(200);
		// Process one, which began before the re-publish, wrote the old registration back.
		expect(currentSecret()).toBe(oldSecret);
		// The next delivery reaches process two, which knows better, and puts the new one back.
		expect((await deliver(two.url, payload(), newSecret)).status).toBe(200);
		expect(currentSecret()).toBe(newSecret);
		expect((await deliver(one.url, payload(), newSecret)).status).toBe(200);
	}, 30_000);

	it('queue mode: when no process knows the new registration, the trigger re-registers once VoxPria confirms it', async () => {
		const main = newProcess();
		const one = await receiverIn(newProcess());
		await activate(main);
		const oldSecret = currentSecret();
		const status = await deliverSlowly(one.url, aheadPayload(), oldSecret, async () => {
			await lifecycle(main, 'delete');
			await activate(main);
		});
		expect(status).toBe(200);
		expect(currentSecret()).toBe(oldSecret); // written back: nobody holds the new secret now
		const [lost] = await registrations();
		// Deliveries VoxPria signs with the registration nobody knows are refused until the heal...
		expect((await deliver(one.url, payload(), lost.secret)).status).toBe(401);
		await sleep(10_500);
		expect((await deliver(one.url, payload(), lost.secret)).status).toBe(401);
		// ...which replaced it with a registration whose secret the trigger holds.
		const healed = await registrations();
		expect(healed).toHaveLength(1);
		expect(healed[0].webhookId).not.toBe(lost.webhookId);
		expect(currentSecret()).toBe(healed[0].secret);
		expect((await deliver(one.url, payload(), healed[0].secret)).status).toBe(200);
		expect(one.started).toHaveLength(2);
	}, 40_000);

	// A publish in n8n's queue mode completes in about 0.4 s (measured in test/scale/queue.test.ts).
	const PUBLISH_MS = 400;
	/** Looks at VoxPria's webhooks: each starts at page 1 (paging.ts may ask for page 2 too). */
	const listings = () =>
		(sandbox.requests() as Array<{ method: string; path: string; query?: IDataObject }>).filter(
			(request) =>
				request.method === 'GET' &&
				request.path === '/api/v1/webhooks' &&
				String(request.query?.page ?? '1') === '1',
		).length;

	it('queue mode: a delivery in flight across a 0.4 s re-publish asks VoxPria, does not write the old registration back, and the next delivery with the new secret runs at once', async () => {
		const main = newProcess();
		const one = await receiverIn(newProcess());
		await activate(main);
		// A delivery as usual first: the process learns how young deliveries are.
		expect((await deliver(one.url, payload(), currentSecret())).status).toBe(200);
		const oldSecret = currentSecret();
		let listed = 0;
		const status = await deliverSlowly(one.url, payload(), oldSecret, async () => {
			await lifecycle(main, 'delete');
			await activate(main);
			await sleep(PUBLISH_MS);
			listed = listings();
		});
		expect(status).toBe(200);
		// Nothing newer came meanwhile, so it asked VoxPria once, and did not save.
		expect(listings()).toBe(listed + 1);
		const [current] = await registrations();
		expect(currentSecret()).toBe(current.secret);
		expect(currentSecret()).not.toBe(oldSecret);
		expect((await deliver(one.url, payload(), current.secret)).status).toBe(200);
		expect(one.started).toHaveLength(3);
		// The delivery that did not save is in the saved memory since the next save.
		expect(decodeMemory(store.node().seen)?.entries).toHaveLength(3);
	}, 30_000);

	it('queue mode: a slow delivery saves, without asking VoxPria, once a delivery signed after it arrived is seen', async () => {
		const main = newProcess();
		const one = await receiverIn(newProcess());
		await activate(main);
		const secret = currentSecret();
		expect((await deliver(one.url, payload(), secret)).status).toBe(200);
		const listed = listings();
		const started = Date.now();
		let answeredAt = 0;
		const slow = deliverSlowly(one.url, payload(), secret, async () => {
			await sleep(PUBLISH_MS);
		}).then((code) => {
			answeredAt = Date.now();
			return code;
		});
		await sleep(100 + PUBLISH_MS + 100); // the slow one is waiting by now
		expect((await deliver(one.url, payload(), secret)).status).toBe(200);
		expect(await slow).toBe(200);
		expect(answeredAt - started).toBeLessThan(100 + PUBLISH_MS + 700);
		expect(listings()).toBe(listed);
		expect(decodeMemory(store.node().seen)?.entries).toHaveLength(3);
		expect(one.started).toHaveLength(3);
	}, 30_000);

	it('never writes to the database for forged requests, however many', async () => {
		const main = newProcess();
		const one = await receiverIn(newProcess());
		await activate(main);
		const writes = store.writes;
		const saved = store.text;
		for (let n = 0; n < 50; n++)
			expect((await deliver(one.url, payload(), 'whsec_forged')).status).toBe(401);
		expect(store.writes).toBe(writes);
		expect(store.text).toBe(saved);
	}, 30_000);
});
