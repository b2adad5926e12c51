// @ts-check
'use strict';
/**
 * The benches' workflows in a real n8n: the two credentials, the VoxPria Trigger and n8n's Webhook
 * node as the benches configure them, and activation that waits until the webhook is live.
 */

const { randomUUID } = require('node:crypto');
const { TRIGGER_TYPE, TRIGGER_VERSION } = require('../test/helpers/nodeTypes');

/** The Header Auth credential of the baseline Webhook node; every request carries it. */
const TOKEN_HEADER = 'x-bench-token';
const TOKEN = 'bench-9f8e7d6c5b4a';

/**
 * The VoxPria credential (to the sandbox) and the baseline's Header Auth credential.
 * @param {any} n8n @param {any} sandbox
 */
async function createCredentials(n8n, sandbox) {
	const voxpria = await n8n.createCredential({
		name: 'VoxPria sandbox',
		type: 'voxPriaApi',
		data: { apiKey: sandbox.apiKey, baseUrl: sandbox.url },
	});
	const headerAuth = await n8n.createCredential({
		name: 'Bench header',
		type: 'httpHeaderAuth',
		data: { name: TOKEN_HEADER, value: TOKEN },
	});
	return { voxpria, headerAuth };
}

/**
 * A VoxPria Trigger for call.completed, and the path of its production URL after `webhook/`.
 * @param {{ id: string, name: string }} voxpria @param {Record<string, unknown>} [options]
 */
function triggerNode(voxpria, options = {}) {
	const webhookId = randomUUID();
	return {
		node: {
			id: randomUUID(),
			name: 'VoxPria Trigger',
			type: TRIGGER_TYPE,
			typeVersion: TRIGGER_VERSION,
			position: [0, 0],
			webhookId,
			parameters: { events: ['call.completed'], options },
			credentials: { voxPriaApi: { id: voxpria.id, name: voxpria.name } },
		},
		urlPath: `${webhookId}/webhook`,
	};
}

/**
 * n8n's Webhook node at `urlPath`, answering once the execution is recorded (as the trigger does);
 * with the Header Auth credential when one is given.
 * @param {string} urlPath @param {{ id: string, name: string }} [headerAuth]
 */
function webhookNode(urlPath, headerAuth) {
	return {
		id: randomUUID(),
		name: 'Webhook',
		type: 'n8n-nodes-base.webhook',
		typeVersion: 2.1,
		position: [0, 0],
		webhookId: randomUUID(),
		parameters: {
			httpMethod: 'POST',
			path: urlPath,
			authentication: headerAuth ? 'headerAuth' : 'none',
			responseMode: 'onReceived',
			options: {},
		},
		...(headerAuth
			? { credentials: { httpHeaderAuth: { id: headerAuth.id, name: headerAuth.name } } }
			: {}),
	};
}

/**
 * Creates a workflow of `nodes`, each connected to the next, activates it, and waits until every
 * base in `liveBases` serves `webhook/<urlPath>`. Answers the workflow's id.
 * @param {any} n8n @param {string} name @param {any[]} nodes @param {string} urlPath
 * @param {string[]} liveBases
 */
async function activateWorkflow(n8n, name, nodes, urlPath, liveBases) {
	/** @type {Record<string, unknown>} */
	const connections = {};
	for (let i = 0; i < nodes.length - 1; i++)
		connections[nodes[i].name] = { main: [[{ node: nodes[i + 1].name, type: 'main', index: 0 }]] };
	const created = await n8n.createWorkflow({
		name,
		nodes,
		connections,
		settings: { executionOrder: 'v1' },
	});
	await n8n.activate(created.id);
	await n8n.waitForPublished(created.id);
	// The webhook goes live a moment after publication; a GET then says it wants POST.
	for (const base of liveBases) {
		const url = `${base}webhook/${urlPath}`;
		await n8n.waitFor(
			async () =>
				/not registered for GET requests/.test((await n8n.request(url, { method: 'GET' })).text),
			{ timeoutMs: 90_000, description: `${url} to be registered` },
		);
	}
	return String(created.id);
}

/**
 * The secret of the one registration the sandbox holds for `url`.
 * @param {any} sandbox @param {string} url
 */
async function registrationSecret(sandbox, url) {
	const mine = (await sandbox.state()).webhooks.filter((/** @type {any} */ w) => w.url === url);
	if (mine.length !== 1)
		throw new Error(`expected one registration for ${url}, found ${mine.length}`);
	return /** @type {string} */ (mine[0].secret);
}

module.exports = {
	TOKEN_HEADER,
	TOKEN,
	createCredentials,
	triggerNode,
	webhookNode,
	activateWorkflow,
	registrationSecret,
};
