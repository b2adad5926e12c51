/* eslint-disable @n8n/community-nodes/require-node-api-error, no-console -- dev-only code, held to eslint.dev.config.mjs instead (CONTRIBUTING.md) */
/**
 * What every reliability file starts: the shared e2e stack (sandbox + real n8n + credential), plus
 * an API proxy in front of the sandbox (see apiProxy.ts) with a second credential going through it,
 * and a SecretWatch. Workflows built from `stack` use the proxied credential.
 */
import {
	activeWorkflow,
	productionUrl,
	registrationsFor,
	type Stack,
	type StackOptions,
	startStack,
	triggerWorkflow,
	useStartedStack,
} from '../../e2e/stack';
import { ApiProxy } from './apiProxy';
import { SecretWatch } from './secrets';

export interface ReliabilityStack extends Stack {
	proxy: ApiProxy;
	watch: SecretWatch;
	/** The credential that talks to the sandbox directly (the shared stack's). */
	directCredential: { id: string; name: string };
}

export async function startReliabilityStack(options: StackOptions = {}): Promise<ReliabilityStack> {
	const base = await startStack(options);
	let proxy: ApiProxy | undefined;
	try {
		proxy = await ApiProxy.start(base.sandbox.url);
		const proxied = await base.n8n.createCredential({
			name: 'VoxPria sandbox (through the recording proxy)',
			type: 'voxPriaApi',
			data: { apiKey: base.sandbox.apiKey, baseUrl: proxy.url },
		});
		const watch = new SecretWatch(base.sandbox, proxy).start();
		const started = proxy;
		return {
			...base,
			credential: { id: proxied.id, name: proxied.name },
			directCredential: base.credential,
			proxy: started,
			watch,
			async stop() {
				watch.stop();
				await started.close();
				await base.stop();
			},
		};
	} catch (error) {
		await proxy?.close();
		await base.stop();
		throw error;
	}
}

/** The registration the sandbox holds for a trigger's URL; fails unless there is exactly one. */
export async function onlyRegistration(stack: Stack, url: string) {
	const registrations = await registrationsFor(stack, url);
	if (registrations.length !== 1) {
		throw new Error(`expected exactly one registration for ${url}, found ${registrations.length}`);
	}
	return registrations[0];
}

/** Starts the stack before a file's tests and stops it after them (useStartedStack). */
export function useReliabilityStack(
	use: (stack: ReliabilityStack) => void,
	options: StackOptions = {},
): void {
	useStartedStack(() => startReliabilityStack(options), use, 120_000);
}

/**
 * A trigger workflow with its own URL, activated and published, and the one registration the
 * sandbox holds for that URL.
 */
export async function liveTrigger(stack: ReliabilityStack, name: string) {
	const workflow = triggerWorkflow(stack, { name });
	const { id } = await activeWorkflow(stack, workflow);
	const url = productionUrl(stack, workflow.nodes[0].webhookId as string);
	return { id, url, registration: await onlyRegistration(stack, url) };
}

/**
 * Waits until n8n serves the trigger's production URL: an unsigned delivery then gets the trigger's
 * 401, not n8n's 404 (n8n's routes come up a moment after the workflow is published).
 */
export async function untilTriggerAnswers(stack: ReliabilityStack, url: string): Promise<void> {
	await stack.n8n.waitFor(
		async () => (await stack.n8n.request(url, { method: 'POST', body: {} })).status === 401,
		{ timeoutMs: 60_000, description: 'the trigger to be live' },
	);
}

/**
 * The last test of every reliability file: neither the API key nor any webhook secret ever issued
 * appears in any execution's data, in n8n's log, or in any message the tests saw (`seen`, read
 * when the test runs, plus what the SecretWatch saw itself).
 */
export function itLeavesNoSecret(
	getStack: () => ReliabilityStack,
	timeoutMs: number,
	seen: readonly string[] = [],
): void {
	it(
		'leaves no secret in execution data, in n8n’s log or in any message seen',
		async () => {
			const stack = getStack();
			for (const message of seen) stack.watch.saw(message);
			const leaks = await stack.watch.leaks(stack.n8n);
			console.log(await stack.watch.summary(stack.n8n));
			expect(leaks).toEqual([]);
		},
		timeoutMs,
	);
}
