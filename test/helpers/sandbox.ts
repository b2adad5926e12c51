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
