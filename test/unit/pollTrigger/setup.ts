/**
 * What the poll trigger's unit tests share: the trigger run in a real n8n PollContext against the
 * sandbox, static data kept the way n8n's database keeps it (a JSON copy per save), and calls
 * seeded with the times the tests need.
 */
import type { IDataObject } from 'n8n-workflow';

import { runPoll, type Setup } from '../../helpers/n8n';
import type { Sandbox } from '../../helpers/sandbox';

export { rateLimitFault, useSandbox, type Sandbox } from '../../helpers/sandbox';

export interface Poller {
	/** One scheduled poll: the ids of the calls it emitted, in order. */
	poll(): Promise<string[]>;
	/** One manual run ("Fetch Test Event"). */
	manual(): Promise<IDataObject[]>;
	/** The static data as n8n last saved it. */
	saved(): IDataObject;
	/** n8n restarts: the next poll starts from the static data as last saved. */
	restartFrom(saved: IDataObject): void;
	setup: Setup;
}

export function poller(sandbox: Sandbox, parameters: IDataObject = {}): Poller {
	const setup: Setup = {
		credentials: { apiKey: sandbox.apiKey, baseUrl: sandbox.url },
		parameters: { triggerOn: ['completed', 'failed'], options: {}, ...parameters },
		staticData: {},
	};
	return {
		setup,
		async poll() {
			const output = await runPoll(setup);
			return (output?.[0] ?? []).map((item) => item.json.callId as string);
		},
		async manual() {
			const output = await runPoll(setup, 'manual');
			return (output?.[0] ?? []).map((item) => item.json);
		},
		saved: () => JSON.parse(JSON.stringify(setup.staticData)) as IDataObject,
		restartFrom(saved) {
			setup.staticData = JSON.parse(JSON.stringify(saved)) as IDataObject;
		},
	};
}

let sequence = 0;
/** A call as VoxPria would list it, created `agoMs` before now (ended then, unless it is running). */
export function call(status: string, agoMs = 0, extra: IDataObject = {}): IDataObject {
	sequence++;
	return {
		callId: `call_t${String(sequence).padStart(6, '0')}`,
		status,
		createdAt: new Date(Date.now() - agoMs).toISOString(),
		...extra,
	};
}

/** Seeds calls, each created 1 ms after the one before it (the last is the newest). */
export function seedInOrder(sandbox: Sandbox, calls: IDataObject[]): string[] {
	const start = Date.now() - calls.length;
	const dated: IDataObject[] = calls.map((c, index) => ({
		...c,
		createdAt: new Date(start + index).toISOString(),
	}));
	sandbox.seed({ calls: dated });
	return dated.map((c) => c.callId as string);
}

/** The API requests the sandbox received, as "GET /api/v1/calls?page=1&limit=100". */
export function callRequests(sandbox: Sandbox): string[] {
	return (sandbox.requests() as Array<{ method: string; path: string; query: IDataObject }>)
		.filter((request) => request.path.startsWith('/api/v1/calls'))
		.map((request) => {
			const query = new URLSearchParams(request.query as Record<string, string>).toString();
			return `${request.method} ${request.path}${query ? `?${query}` : ''}`;
		});
}
