import type { IDataObject, IHookFunctions, IWebhookFunctions } from 'n8n-workflow';
import { sleep } from 'n8n-workflow';

import { PROCESS_ID } from './lateCopies';

/**
 * What the trigger keeps in the workflow's static data (n8n's database), per node:
 * the registration VoxPria issued (webhookId, secret, the URL and events it was made for, when)
 * and the saved duplicate memory (`seen`, see deliveryMemory.ts).
 */
export interface Registration {
	webhookId: string;
	secret: string;
	webhookUrl: string;
	events: string[];
	/** ms; 0 for registrations made by 0.1.0, which did not record it. */
	registeredAt: number;
}

const REGISTRATION_FIELDS = [
	'webhookId',
	'secret',
	'webhookUrl',
	'events',
	'registeredAt',
] as const;
const MEMORY_FIELD = 'seen';
/** Which n8n process saved last, and when by its clock (lateCopies.ts). */
const WRITER_FIELD = 'savedBy';
const SAVED_AT_FIELD = 'savedAt';

/** Who wrote the static data a request loaded. */
export interface Writer {
	processId: string;
	/** ms; 0 when the save did not record it (before 0.2.0). */
	savedAt: number;
}

export type StoredNodeData = IDataObject;

export function storedNodeData(context: IHookFunctions | IWebhookFunctions): StoredNodeData {
	return context.getWorkflowStaticData('node');
}

export function readRegistration(stored: StoredNodeData): Registration | undefined {
	const { webhookId, secret, webhookUrl, events, registeredAt } = stored;
	if (
		typeof webhookId !== 'string' ||
		webhookId === '' ||
		typeof secret !== 'string' ||
		secret === ''
	) {
		return undefined;
	}
	return {
		webhookId,
		secret,
		webhookUrl: typeof webhookUrl === 'string' ? webhookUrl : '',
		events: Array.isArray(events) ? events.map(String) : [],
		registeredAt:
			typeof registeredAt === 'number' && Number.isFinite(registeredAt) ? registeredAt : 0,
	};
}

export function readSavedMemory(stored: StoredNodeData): unknown {
	return stored[MEMORY_FIELD];
}

export function readWriter(stored: StoredNodeData): Writer | undefined {
	const processId = stored[WRITER_FIELD];
	const savedAt = stored[SAVED_AT_FIELD];
	if (typeof processId !== 'string') return undefined;
	return { processId, savedAt: typeof savedAt === 'number' ? savedAt : 0 };
}

/** Writes a registration (or none) and the saved memory into `target`, dropping what it replaces. */
function applyTo(
	target: IDataObject,
	registration: Registration | undefined,
	savedMemory: unknown,
): void {
	for (const field of [...REGISTRATION_FIELDS, MEMORY_FIELD]) delete target[field];
	if (registration) Object.assign(target, registration);
	if (savedMemory !== undefined) target[MEMORY_FIELD] = savedMemory as IDataObject[string];
}

/** For create() and delete(): n8n saves the node's static data after they return. */
export function storeRegistration(
	stored: StoredNodeData,
	registration: Registration | undefined,
): void {
	applyTo(stored, registration, stored[MEMORY_FIELD]);
}

/**
 * Makes n8n save this node's static data after the current request, with content decided when n8n
 * saves it rather than now.
 *
 * n8n loads a request's static data when the request arrives and writes the whole object back
 * after it (last writer wins). A request that arrived before the workflow was re-published would
 * write back the registration it loaded, over the one the re-publish created, and every later
 * delivery would fail its signature check. Deciding at save time lets `build` use the newest
 * registration this process knows. The hook is n8n's serialisation (`JSON.stringify` of the static
 * data, which calls `toJSON`); `onSave` learns that the save happened.
 */
export function saveAfterRequest(
	stored: StoredNodeData,
	build: () => { registration: Registration | undefined; savedMemory: unknown },
	onSave?: () => void,
): void {
	Object.defineProperty(stored, 'toJSON', {
		configurable: true,
		enumerable: false,
		writable: true,
		value: () => {
			const { registration, savedMemory } = build();
			const plain: IDataObject = {};
			for (const key of Object.keys(stored)) plain[key] = stored[key];
			applyTo(plain, registration, savedMemory);
			plain[WRITER_FIELD] = PROCESS_ID;
			plain[SAVED_AT_FIELD] = Date.now();
			onSave?.();
			return plain;
		},
	});
	markChanged(stored);
}

/** Any write through n8n's static-data proxy sets its "changed" mark; this one changes nothing. */
function markChanged(stored: StoredNodeData): void {
	Reflect.set(stored, MEMORY_FIELD, stored[MEMORY_FIELD]);
}

const MARK_DELAYS_MS = [0, 0, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1_000, 2_000, 5_000, 10_000];

/** How long n8n may take to record an execution: about 19 s, the sum of MARK_DELAYS_MS. */
export const RECORDING_DEADLINE_MS = MARK_DELAYS_MS.reduce((sum, delay) => sum + delay, 0);

/**
 * For an accepted delivery: n8n saves static data once it has recorded the execution, but
 * recording it first builds a second workflow object around this same static data, which clears
 * n8n's "changed" mark (n8n 2.40.7, WorkflowRunner.establishContextForPersistence). That happens
 * within the same turn of the event loop as webhook() returning, so marking again on the next
 * turns, until `finished`, gets the memory saved. Resolves when finished, or after
 * RECORDING_DEADLINE_MS.
 */
export async function keepMarkedUntilSaved(
	stored: StoredNodeData | undefined,
	finished: () => boolean,
): Promise<void> {
	for (const delay of MARK_DELAYS_MS) {
		await sleep(delay);
		if (finished()) return;
		// Without static data to save, this only waits out the deadline.
		if (stored) markChanged(stored);
	}
}
