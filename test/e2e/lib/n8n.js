// @ts-check
'use strict';
/**
 * Starts a real n8n (from ensureRuntime()) on free ports, HTTPS with a self-signed certificate,
 * with this package installed as a community package, and drives it over its REST and public APIs.
 *
 * The work is split three ways: http.js (request, waitFor, free ports), process.js (one n8n
 * process: spawn, process group, watchdog, readiness) and api.js (owner, public API, cookie REST,
 * publication status). startN8n() puts a process and its API client into one handle.
 */

const { startN8nProcess } = require('./process');
const { createApiClient, OWNER } = require('./api');
const { request, waitFor, freePort } = require('./http');

/**
 * Starts n8n (see startN8nProcess for the options; `command` defaults to 'start') and answers a
 * handle with the process and an API client for it. The client is only of use with 'start':
 * webhook processes and workers serve no REST API.
 * @param {import('./process').N8nProcessOptions} opts
 */
async function startN8n(opts) {
	const proc = await startN8nProcess(opts);
	const client = createApiClient({ baseUrl: () => proc.url });
	return {
		...client,
		get apiKey() {
			return client.apiKey;
		},
		get cookie() {
			return client.cookie;
		},
		command: proc.command,
		get url() {
			return proc.url;
		},
		/** Base for production webhook URLs, with a trailing slash: `${webhookBase}webhook/<path>`. */
		get webhookBase() {
			return proc.webhookBase;
		},
		get port() {
			return proc.port;
		},
		get pid() {
			return proc.pid;
		},
		userFolder: proc.userFolder,
		logFile: proc.logFile,
		logText: proc.logText,
		logMark: proc.logMark,
		request,
		waitFor,
		stop: proc.stop,

		/**
		 * Stops and starts n8n again with the same user folder and ports, and logs in again.
		 * @param {{ env?: Record<string, string> }} [o] extra env for this and later starts
		 */
		restart: async (o = {}) => {
			await proc.restart(o);
			if (client.apiKey) await client.login();
		},
	};
}

module.exports = { startN8n, startN8nProcess, createApiClient, waitFor, request, freePort, OWNER };
