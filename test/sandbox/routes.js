// @ts-check
'use strict';

/*
 * The one route table: VoxPria API under /api/v1 (Bearer auth, {success, data} envelope), and
 * the admin API under /__admin (no auth, bare JSON), whose handlers are the engine's methods.
 */

const api = require('./api');

/** @typedef {import('./types').Handler} Handler */

/**
 * @typedef {object} Route
 * @property {string} method
 * @property {RegExp} pattern
 * @property {string[]} keys
 * @property {Handler} handler
 * @property {number} status
 */

/**
 * @param {string} method @param {string} path with :params @param {Handler} handler
 * @param {number} [status] @returns {Route}
 */
function route(method, path, handler, status = 200) {
	/** @type {string[]} */
	const keys = [];
	const source = path.replace(/:(\w+)/g, (_, key) => {
		keys.push(key);
		return '([^/]+)';
	});
	return { method, pattern: new RegExp(`^${source}$`), keys, handler, status };
}

const ROUTES = [
	route('POST', '/api/v1/webhooks', api.createWebhook, 201),
	route('GET', '/api/v1/webhooks', api.listWebhooks),
	route('DELETE', '/api/v1/webhooks/:id', api.deleteWebhook),
	route('POST', '/api/v1/calls', api.createCall, 201),
	route('GET', '/api/v1/calls', api.listCalls),
	route('GET', '/api/v1/calls/:id', api.getCall),
	route('POST', '/api/v1/contacts', api.createContact, 201),
	route('POST', '/api/v1/contacts/bulk', api.bulkContacts),
	route('GET', '/api/v1/contacts', api.listContacts),
	route('PUT', '/api/v1/contacts/:id', api.updateContact),
	route('DELETE', '/api/v1/contacts/:id', api.deleteContact),
	route('GET', '/api/v1/agents', api.listAgents),
	route('GET', '/api/v1/agents/:id', api.getAgent),
	route('GET', '/api/v1/agents/:id/flow', api.getAgentFlow),
	route('GET', '/api/v1/credits', api.getCredits),
	route('GET', '/api/v1/credits/usage', api.getUsage),

	route('POST', '/__admin/faults', (sb, ctx) => sb.addFault(ctx.body)),
	route('DELETE', '/__admin/faults', (sb) => sb.clearFaults()),
	route('POST', '/__admin/paging', (sb, ctx) => sb.setPaging(ctx.body)),
	route('POST', '/__admin/webhooks/:id/signing', (sb, ctx) =>
		sb.setSigning(ctx.params.id, ctx.body?.signing),
	),
	route('POST', '/__admin/calls/:id/finish', (sb, ctx) =>
		sb.finishCall(ctx.params.id, ctx.body ?? {}),
	),
	route('GET', '/__admin/state', (sb) => sb.state()),
	route('GET', '/__admin/requests', (sb) => sb.requests()),
	route('DELETE', '/__admin/requests', (sb) => sb.clearRequests()),
	route('POST', '/__admin/seed', (sb, ctx) => sb.seed(ctx.body ?? {})),
	route('POST', '/__admin/deliver', (sb, ctx) => sb.deliver(ctx.body ?? {})),
	route('POST', '/__admin/emit', (sb, ctx) => sb.emit(ctx.body)),
	route('GET', '/__admin/deliveries', (sb) => sb.deliveries()),
	route('POST', '/__admin/reset', (sb) => sb.reset()),
];

/** @param {string} method @param {string} path */
function matchRoute(method, path) {
	const normalised = path.length > 1 ? path.replace(/\/+$/, '') : path;
	for (const r of ROUTES) {
		if (r.method !== method) continue;
		const m = r.pattern.exec(normalised);
		if (!m) continue;
		/** @type {Record<string, string>} */
		const params = {};
		try {
			r.keys.forEach((key, i) => (params[key] = decodeURIComponent(m[i + 1])));
		} catch {
			return null;
		}
		return { route: r, params };
	}
	return null;
}

module.exports = { matchRoute };
