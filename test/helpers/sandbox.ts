/** The VoxPria sandbox in unit tests: one per test file, emptied before each test. */
import { startSandbox } from '../sandbox/server';

export type Sandbox = Awaited<ReturnType<typeof startSandbox>>;

/**
 * Starts a sandbox before a file's tests and closes it after them. Before each test its state and
 * request log are emptied, so that no test sees another's webhooks, calls or requests. The sandbox
 * is handed to `use` once started, so that the tests keep a plain variable.
 */
export function useSandbox(
	use: (sandbox: Sandbox) => void,
	options: Parameters<typeof startSandbox>[0] = { port: 0 },
): void {
	let sandbox: Sandbox | undefined;
	beforeAll(async () => {
		sandbox = await startSandbox(options);
		use(sandbox);
	});
	afterAll(async () => {
		await sandbox?.close();
	});
	beforeEach(async () => {
		await sandbox!.reset();
		await sandbox!.clearRequests();
	});
}

/**
 * The fault VoxPria's rate limit gives: 429 with its X-RateLimit-* headers, the reset as epoch
 * seconds, for the next request that matches.
 */
export function rateLimitFault(
	request: { method?: string; path: string },
	resetAt: number,
	error = 'Rate limit exceeded',
) {
	return {
		...request,
		status: 429,
		headers: {
			'X-RateLimit-Limit': '1000',
			'X-RateLimit-Remaining': '0',
			'X-RateLimit-Reset': String(resetAt),
		},
		body: { success: false, error },
	};
}

/**
 * Makes the second request that matches get `answer`; the ones around it are served. Faults apply
 * in order: the first only delays its request by 1 ms, then lets it through.
 */
export async function failSecondRequest(
	sandbox: Sandbox,
	request: { method: string; path: string },
	answer: { status: number; body: unknown },
): Promise<void> {
	await sandbox.addFault({ ...request, delayMs: 1 });
	await sandbox.addFault({ ...request, ...answer });
}
