/* eslint-disable @n8n/community-nodes/no-restricted-globals, @n8n/community-nodes/no-restricted-imports -- dev-only code, held to eslint.dev.config.mjs instead (CONTRIBUTING.md) */
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

/**
 * Starts a POST (n8n's self-signed certificate accepted) whose answer, or network error, resolves
 * the promise; never rejects. `send` writes the body.
 */
function startPost(
	url: string,
	headers: Record<string, string>,
	length: number,
	timeoutMs: number,
	send: (request: http.ClientRequest) => void,
): Promise<Answer> {
	const secure = url.startsWith('https:');
	const request = (secure ? https.request : http.request)(url, {
		method: 'POST',
		headers: { ...headers, 'content-length': length },
		agent: secure ? agents.https : agents.http,
		timeout: timeoutMs,
	});
	return new Promise((resolve) => {
		request.on('response', (response) => {
			const chunks: Buffer[] = [];
			response.on('data', (chunk: Buffer) => chunks.push(chunk));
			response.on('end', () =>
				resolve({
					status: response.statusCode ?? null,
					body: Buffer.concat(chunks).toString('utf8'),
					servedBy: response.headers['x-served-by'] as string | undefined,
				}),
			);
		});
		request.on('timeout', () => request.destroy(new Error('timeout')));
		request.on('error', (error: NodeJS.ErrnoException) =>
			resolve({ status: null, body: '', error: error.code ?? error.message }),
		);
		send(request);
	});
}

/** POSTs a body to an http(s) URL, never throws. */
export function post(
	url: string,
	body: string,
	headers: Record<string, string>,
	timeoutMs = 120_000,
): Promise<Answer> {
	return startPost(url, headers, Buffer.byteLength(body), timeoutMs, (request) =>
		request.end(body),
	);
}

/**
 * Sends the headers and half the body, runs `meanwhile`, then the rest: n8n loads the workflow's
 * static data when the headers arrive, so the request holds what was saved before `meanwhile`.
 */
export async function postSlowly(
	url: string,
	body: string,
	headers: Record<string, string>,
	meanwhile: () => Promise<void>,
): Promise<Answer> {
	const bytes = Buffer.from(body);
	let failure: unknown;
	const answer = await startPost(url, headers, bytes.length, 300_000, (request) => {
		request.write(bytes.subarray(0, bytes.length >> 1));
		// Give n8n time to receive the headers and load the static data.
		void sleep(500)
			.then(meanwhile)
			.then(
				() => request.end(bytes.subarray(bytes.length >> 1)),
				(error: unknown) => {
					failure = error;
					request.destroy();
				},
			);
	});
	if (failure) throw failure;
	return answer;
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
