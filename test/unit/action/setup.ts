/** Shared pieces of the action node's tests: a sandbox per test file and its request log. */
import type { IDataObject, INode, INodeExecutionData } from 'n8n-workflow';

import { runAction, type Setup } from '../../helpers/n8n';
import type { Sandbox } from '../../helpers/sandbox';

export interface LoggedRequest {
	method: string;
	path: string;
	query: Record<string, string>;
	headers: Record<string, string>;
	body: unknown;
	status: number;
}

export { useSandbox, type Sandbox } from '../../helpers/sandbox';

/** What VoxPria received, without the admin calls. */
export function apiRequests(sandbox: Sandbox): LoggedRequest[] {
	return sandbox.requests() as unknown as LoggedRequest[];
}

export function setupFor(
	sandbox: Sandbox,
	parameters: IDataObject,
	apiKey = sandbox.apiKey,
): Setup {
	return { credentials: { apiKey, baseUrl: sandbox.url }, parameters };
}

/** Runs the node and returns its single output. */
export async function run(
	sandbox: Sandbox,
	parameters: IDataObject,
	items: INodeExecutionData[] = [{ json: {} }],
	nodeSettings: Partial<INode> = {},
): Promise<INodeExecutionData[]> {
	const [output] = await runAction(setupFor(sandbox, parameters), items, nodeSettings);
	return output;
}

/** The rejection of a run, for assertions on its message, description and item index. */
export async function failure(promise: Promise<unknown>) {
	const error = await promise.then(
		() => undefined,
		(caught: unknown) => caught,
	);
	if (!error) throw new Error('expected the run to fail, but it succeeded');
	return error as Error & {
		description?: string;
		httpCode?: string | null;
		context: IDataObject;
		constructor: { name: string };
	};
}

export const items = (count: number): INodeExecutionData[] =>
	Array.from({ length: count }, (_, index) => ({ json: { index } }));

/** Create Contact with each input item's phone, for tests where one item of several fails. */
export const createContact: IDataObject = {
	resource: 'contact',
	operation: 'create',
	phone: '={{ $json.phone }}',
};

/** `count` input items, each with its own valid phone number. */
export const phones = (count: number): INodeExecutionData[] =>
	Array.from({ length: count }, (_, index) => ({ json: { phone: `+1415555010${index}` } }));

/** The second POST /contacts answers 500 with a nested message; the ones around it succeed. */
export async function failSecondContact(sandbox: Sandbox): Promise<void> {
	await sandbox.addFault({ method: 'POST', path: '/api/v1/contacts', delayMs: 1 });
	await sandbox.addFault({
		method: 'POST',
		path: '/api/v1/contacts',
		status: 500,
		body: { error: { message: 'Database unavailable' } },
	});
}
