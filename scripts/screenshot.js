#!/usr/bin/env node
// @ts-check
'use strict';
/*
 * `npm run screenshot`: the pictures in docs/, taken from a real n8n 2.40.7 with this package
 * installed, driven by Chromium through playwright-core.
 *
 *   docs/screenshot.png  the "VoxPria: summary of each completed call" example open in the editor,
 *                        with the VoxPria Trigger's panel: credential, events, the list of options,
 *                        and a real call.completed event received with "Test this trigger"
 *   docs/node-panel.png  the node panel of a new workflow after searching "VoxPria": its triggers and
 *                        the first of its actions
 *
 * Needs a Chromium: `apt-get install chromium` (Debian/Ubuntu), or set CHROMIUM to its path.
 */

const fs = require('node:fs');
const path = require('node:path');
const { execFileSync } = require('node:child_process');

const { ensureRuntime } = require('../test/e2e/lib/runtime');
const { startN8n } = require('../test/e2e/lib/n8n');
const { startSandbox } = require('../test/sandbox/server');
const { importExample } = require('../test/e2e/examples');

const REPO = path.join(__dirname, '..');
const OUT = path.join(REPO, 'docs');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const VIEWPORT = { width: 1440, height: 900 };

/** @param {string} line */
const say = (line) => process.stdout.write(`${line}\n`);

async function main() {
	if (!fs.existsSync(CHROMIUM)) {
		throw new Error(
			`no Chromium at ${CHROMIUM}: install it (apt-get install chromium) or set CHROMIUM`,
		);
	}
	// Loaded here so that a missing dev dependency gives a plain message.
	const { chromium } = require('playwright-core');

	say('Building the package and starting n8n with the VoxPria sandbox ...');
	execFileSync('npm', ['run', 'build', '--silent'], {
		cwd: REPO,
		stdio: ['ignore', 'ignore', 'inherit'],
	});
	const runtime = await ensureRuntime();
	const sandbox = await startSandbox({ port: 0 });
	/** @type {Awaited<ReturnType<typeof startN8n>> | undefined} */
	let n8n;
	/** @type {import('playwright-core').Browser | undefined} */
	let browser;
	try {
		n8n = await startN8n({ runtime });
		const { owner } = await n8n.setupOwner();
		const credential = await n8n.createCredential({
			name: 'VoxPria account',
			type: 'voxPriaApi',
			data: { apiKey: sandbox.apiKey, baseUrl: sandbox.url },
		});
		const workflow = await importExample(n8n, 'call-completed-summary', { credential });

		browser = await chromium.launch({
			executablePath: CHROMIUM,
			args: [
				'--headless',
				'--no-sandbox',
				'--disable-gpu',
				'--disable-quic',
				'--no-first-run',
				'--disable-background-networking',
				'--disable-component-update',
				'--disable-sync',
			],
		});
		const context = await browser.newContext({ viewport: VIEWPORT, ignoreHTTPSErrors: true });
		const page = await context.newPage();
		page.setDefaultTimeout(30_000);
		const byTestId = (/** @type {string} */ id) => page.locator(`[data-test-id="${id}"]`);

		// Sign in as a user would.
		await page.goto(`${n8n.url}/signin`);
		await page.fill('#emailOrLdapLoginId', owner.email);
		await page.fill('#password', owner.password);
		await byTestId('form-submit-button').click();
		await page.waitForURL((url) => !url.pathname.startsWith('/signin'));

		// The example workflow, and the trigger's panel.
		await page.goto(`${n8n.url}/workflow/${workflow.id}`);
		const trigger = page.locator('[data-test-id="canvas-node"][data-node-name="VoxPria Trigger"]');
		await trigger.waitFor();
		await trigger.dblclick();
		await byTestId('ndv').waitFor();

		// "Test this trigger": the node registers n8n's test URL with the sandbox; then a real call
		// completes and its event arrives in the output pane.
		const registered = async () => (await sandbox.state()).webhooks.length;
		const before = await registered();
		await byTestId('ndv').getByRole('button', { name: 'Test this trigger' }).click();
		await n8n.waitFor(async () => (await registered()) > before, {
			description: 'the test webhook to be registered',
		});
		const call = await n8n.request(`${sandbox.url}/api/v1/calls`, {
			method: 'POST',
			headers: { authorization: `Bearer ${sandbox.apiKey}` },
			body: { agentId: 'agt_sales', toNumber: '+14155550100', variables: { firstName: 'Ana' } },
		});
		const callId = call.body.data.callId;
		await byTestId('output-panel').getByText(callId).first().waitFor();
		await byTestId('collection-parameter-add').click();
		await page.getByText('Skip Signature Check').waitFor();
		// n8n's toast ("Node executed successfully") would sit over the output.
		await page
			.locator('.el-notification')
			.first()
			.waitFor({ state: 'hidden', timeout: 15_000 })
			.catch(() => {});
		await page.waitForTimeout(500); // the dropdown's opening animation
		// n8n's hint to pin the trigger's output (shown after a test event) would cover the output's header.
		await page
			.locator('.n8n-tooltip', { hasText: /pin this output/i })
			.evaluateAll((tips) => tips.forEach((tip) => tip.setAttribute('style', 'display: none')));
		const screenshot = path.join(OUT, 'screenshot.png');
		await page.screenshot({ path: screenshot });
		say(`wrote ${path.relative(REPO, screenshot)}`);

		// The node panel in a new workflow (a new tab: the test run left unsaved changes behind),
		// after searching "VoxPria".
		const fresh = await context.newPage();
		await fresh.goto(`${n8n.url}/workflow/new`);
		await fresh.locator('[data-test-id="canvas-add-button"]').click();
		await fresh.locator('[data-test-id="node-creator-search-bar"]').fill('VoxPria');
		await fresh
			.locator('[data-test-id="item-iterator-item"]', { hasText: 'VoxPria' })
			.first()
			.click();
		await fresh.getByText('On call completed').waitFor();
		await fresh.getByText(/^Actions \(\d+\)$/).click(); // listed below the triggers
		await fresh.getByText('Get many agents').waitFor();
		await fresh.waitForTimeout(500);
		const nodePanel = path.join(OUT, 'node-panel.png');
		await fresh.screenshot({ path: nodePanel });
		say(`wrote ${path.relative(REPO, nodePanel)}`);
	} finally {
		await browser?.close();
		await n8n?.stop();
		await sandbox.close();
	}
}

main().catch((err) => {
	process.stderr.write(`${err instanceof Error ? err.stack : err}\n`);
	process.exitCode = 1;
});
