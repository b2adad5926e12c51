// @ts-check
'use strict';
/**
 * Reads the example workflows in examples/ and imports them into a running n8n (a handle from
 * lib/n8n.js), the way a user would after File → Import: with their own VoxPria credential
 * selected in every VoxPria node. Used by `npm run demo` (scripts/demo.js), `npm run screenshot`
 * and examples.test.ts.
 */

const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const { TRIGGER_TYPE } = require('../helpers/nodeTypes');

const EXAMPLES_DIR = path.join(__dirname, '..', '..', 'examples');
/** The credential reference the example files carry, to be replaced on import. */
const PLACEHOLDER_ID = 'REPLACE_ME';

/**
 * @typedef {{ id?: string, name: string, type: string, typeVersion: number, webhookId?: string,
 *   parameters: Record<string, any>, credentials?: Record<string, { id: string, name: string }> }} WorkflowNode
 * @typedef {{ name: string, nodes: WorkflowNode[], connections: Record<string, unknown>,
 *   settings?: Record<string, unknown>, pinData?: Record<string, unknown> }} Workflow
 */

/** @returns {string[]} the example names (file names without .json), sorted */
function exampleNames() {
	return fs
		.readdirSync(EXAMPLES_DIR)
		.filter((file) => file.endsWith('.json'))
		.map((file) => file.slice(0, -'.json'.length))
		.sort();
}

/**
 * An example workflow with its VoxPria credential references pointing at `credential`.
 * @param {string} name e.g. 'call-completed-summary'
 * @param {{ credential: { id: string, name: string }, allowHttp?: boolean }} opts
 *  `allowHttp` turns on the trigger's "Allow HTTP URL" option, for an n8n served over plain http.
 * @returns {Workflow}
 */
function loadExample(name, { credential, allowHttp = false }) {
	/** @type {Workflow} */
	const workflow = JSON.parse(fs.readFileSync(path.join(EXAMPLES_DIR, `${name}.json`), 'utf8'));
	for (const node of workflow.nodes) {
		for (const [type, ref] of Object.entries(node.credentials ?? {})) {
			if (type !== 'voxPriaApi') continue;
			if (ref.id !== PLACEHOLDER_ID) {
				throw new Error(
					`examples/${name}.json: node "${node.name}" should reference credential id ${PLACEHOLDER_ID}`,
				);
			}
			/** @type {NonNullable<WorkflowNode['credentials']>} */ (node.credentials)[type] = {
				id: credential.id,
				name: credential.name,
			};
		}
		// The editor gives every webhook-bearing node it imports without a webhookId a fresh one,
		// so the example files carry none: importing one twice must not give two nodes one URL.
		if (node.type === TRIGGER_TYPE || node.type === 'n8n-nodes-base.webhook') {
			node.webhookId ??= crypto.randomUUID();
		}
		if (allowHttp && node.type === TRIGGER_TYPE) {
			node.parameters.options = { ...node.parameters.options, allowHttp: true };
		}
	}
	return workflow;
}

/**
 * Imports an example through n8n's public API and, unless `activate` is false, activates it and
 * waits until n8n has published it (its triggers registered).
 * @param {any} n8n a handle from startN8n() with an API key (setupOwner() done)
 * @param {string} name
 * @param {{ credential: { id: string, name: string }, allowHttp?: boolean, activate?: boolean }} opts
 * @returns {Promise<{ id: string, name: string, workflow: Workflow }>}
 */
async function importExample(n8n, name, { activate = true, ...opts }) {
	const workflow = loadExample(name, opts);
	const created = await n8n.createWorkflow(workflow);
	if (activate) {
		await n8n.activate(created.id);
		await n8n.waitForPublished(created.id);
	}
	return { id: created.id, name: created.name, workflow };
}

module.exports = { exampleNames, loadExample, importExample, EXAMPLES_DIR, PLACEHOLDER_ID };
