/**
 * What the scale-out suites share: sending signed deliveries straight to one n8n process (or
 * through the balancer), a delivery whose body arrives slowly, the secret VoxPria currently holds
 * for a trigger's URL, and counting executions by the delivery each one ran.
 */
import * as http from 'http';
import * as https from 'https';

import type { ClusterStack } from '../e2e/clusterStack';
import { type Execution, registrationsFor, type Stack } from '../e2e/stack';
import { countBy, settledExecutions, triggerOutput } from '../reliability/lib/executions';
import { deliveryBody, signedHeaders } from '../reliability/lib/signing';

export { deliveryBody, signedHeaders };

export interface Answer {
	status: number | null;
	body: string;
	error?: string;
	/** Which webhook process answered, as the balancer says (X-Served-By). */
	servedBy?: string;
}

const agents = {
	http: new http.Agent({ keepAlive: true, maxSockets: 40 }),
	https: new https.Agent({ keepAlive: true, maxSockets: 40, rejectUnauthorized: false }),
};

/** POSTs a body to an http(s) URL (n8n's self-signed certificate accepted), never throws. */
export function post(
	url: string,
	body: string,
	headers: Record<string, string>,
	timeoutMs = 120_000,
): Promise<Answer> {
	const secure = url.startsWith('https:');
	const send = secure ? https.request : http.request;
	return new Promise((resolve) => {
		const request = send(
			url,
			{
				method: 'POST',
				headers: { ...headers, 'content-length': Buffer.byteLength(body) },
				agent: secure ? agents.https : agents.http,
				timeout: timeoutMs,
			},
			(response) => {
				const chunks: Buffer[] = [];
				response.on('data', (chunk: Buffer) => chunks.push(chunk));
				response.on('end', () =>
					resolve({
						status: response.statusCode ?? null,
						body: Buffer.concat(chunks).toString('utf8'),
						servedBy: response.headers['x-served-by'] as string | undefined,
					}),
				);
			},
		);
		request.on('timeout', () => request.destroy(new Error('timeout')));
		request.on('error', (error: NodeJS.ErrnoException) =>
			resolve({ status: null, body: '', error: error.code ?? error.message }),
		);
		request.end(body);
	});
}

/**
 * Sends the headers and half the body, runs `meanwhile`, then the rest: n8n loads the workflow's
 * static data when the headers arrive, so the request holds what was saved before `meanwhile`.
 */
export function postSlowly(
	url: string,
	body: string,
	headers: Record<string, string>,
	meanwhile: () => Promise<void>,
): Promise<Answer> {
	const bytes = Buffer.from(body);
	const secure = url.startsWith('https:');
	const send = secure ? https.request : http.request;
	return new Promise((resolve, reject) => {
		const request = send(url, {
			method: 'POST',
			headers: { ...headers, 'content-length': bytes.length },
			rejectUnauthorized: false,
			timeout: 300_000,
		} as https.RequestOptions);
		request.on('response', (response) => {
			const chunks: Buffer[] = [];
			response.on('data', (chunk: Buffer) => chunks.push(chunk));
			response.on('end', () =>
				resolve({
					status: response.statusCode ?? null,
					body: Buffer.concat(chunks).toString('utf8'),
				}),
			);
		});
		request.on('error', (error: NodeJS.ErrnoException) =>
			resolve({ status: null, body: '', error: error.code ?? error.message }),
		);
		request.write(bytes.subarray(0, bytes.length >> 1));
		// Give n8n time to receive the headers and load the static data.
		void new Promise((wait) => setTimeout(wait, 500))
			.then(meanwhile)
			.then(() => request.end(bytes.subarray(bytes.length >> 1)), reject);
	});
}

/** The trigger's URL on one process: same path as the registered URL, that process's address. */
export function urlOn(processUrl: string, registeredUrl: string): string {
	return new URL(new URL(registeredUrl).pathname, processUrl).toString();
}

/** The secret of the one registration VoxPria holds for `url` (throws if there is not exactly one). */
export async function currentSecret(stack: Stack, url: string): Promise<string> {
	const registrations = await registrationsFor(stack, url);
	if (registrations.length !== 1) {
		throw new Error(`expected one registration for ${url}, found ${registrations.length}`);
	}
	return registrations[0].secret;
}

/** A signed delivery for `callId`, with the headers VoxPria sends. */
export function signed(secret: string, callId: string, extra: Record<string, unknown> = {}) {
	const body = deliveryBody(callId, 'call.completed', extra);
	return { body, headers: signedHeaders(secret, body) };
}

/** How many executions a workflow has so far (to wait for `executionCount + n` later). */
export async function executionCount(stack: Stack, workflowId: string): Promise<number> {
	return ((await stack.n8n.executions({ workflowId })) as Execution[]).length;
}

/** How many executions ran each callId, once the workflow has `expected` and all have finished. */
export async function runsByCallId(
	stack: Stack,
	workflowId: string,
	expected: number,
	options: Parameters<typeof settledExecutions>[3] = {},
): Promise<{ executions: Execution[]; runs: Record<string, number> }> {
	const executions = await settledExecutions(stack.n8n, workflowId, expected, {
		...options,
		includeData: true,
	});
	const runs = countBy(executions, (execution) =>
		String((triggerOutput(execution)?.data as { callId?: string })?.callId),
	);
	return { executions, runs };
}

/** The webhook processes' direct URLs (queue mode), or the one n8n's URL. */
export function processUrls(stack: ClusterStack | Stack): string[] {
	const cluster = (stack as ClusterStack).cluster;
	if (cluster?.webhookProcesses?.length)
		return cluster.webhookProcesses.map((process) => process.url);
	return [stack.webhookBase];
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
