/**
 * What every reliability file starts: the shared e2e stack (sandbox + real n8n + credential), plus
 * an API proxy in front of the sandbox (see apiProxy.ts) with a second credential going through it,
 * and a SecretWatch. Workflows built from `stack` use the proxied credential.
 */
import { registrationsFor, type Stack, type StackOptions, startStack } from '../../e2e/stack';
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
