/* eslint-disable no-console -- dev-only code, held to eslint.dev.config.mjs instead (CONTRIBUTING.md) */
/**
 * Issue 10, item 4 on n8n's default setup (one process, SQLite): re-publishing with a delivery in
 * flight leaves the trigger working, with no heal needed (the trigger decides what it saves when
 * n8n saves it, so a request that began before the re-publish cannot write the old registration
 * back).
 */
import { STACK_TIMEOUT, type Stack, startStack } from '../e2e/stack';
import { describeRepublish, type RepublishFigures } from './republish';

describe('SQLite, one n8n process', () => {
	let stack: Stack;
	const figures: RepublishFigures[] = [];
	beforeAll(async () => {
		stack = await startStack();
	}, STACK_TIMEOUT);
	afterAll(async () => {
		console.log(`re-publish figures: ${JSON.stringify(figures)}`);
		await stack?.stop();
	}, 120_000);

	describeRepublish(() => stack, 'sqlite', figures);
});
