// @ts-check
'use strict';

/** VoxPria's documented API (/api/v1). Each handler returns the `data` of a success answer or throws HttpError. */

const { MAX_BULK_CONTACTS } = require('./constants');
const { HttpError } = require('./http');
const { isSigningForm } = require('./signedForms');
const { isObject, requireObject, requirePhone } = require('./validate');
const {
	isoNow,
	newId,
	newSecret,
	creditsFor,
	newCall,
	publicCall,
	publicContact,
	publicWebhook,
	publicAgent,
	agentStats,
	contactFields,
	makeContact,
	newestFirst,
	paginate,
} = require('./records');

/** @typedef {import('./types').Engine} Engine */
/** @typedef {import('./types').Handler} Handler */
/** @typedef {import('./types').Webhook} Webhook */
/** @typedef {import('./types').Contact} Contact */

/**
 * Removes the one record that matches, or answers 404 with `notFound`.
 * @template T @param {T[]} list @param {(record: T) => boolean} match @param {string} notFound
 */
function removeOne(list, match, notFound) {
	const index = list.findIndex(match);
	if (index < 0) throw new HttpError(404, notFound);
	list.splice(index, 1);
}

/** @type {Handler} */
function createWebhook(sb, ctx) {
	const body = requireObject(ctx.body ?? {});
	const url = body.url;
	if (typeof url !== 'string' || url.trim() === '') throw new HttpError(400, 'url is required');
	/** @type {URL} */
	let parsed;
	try {
		parsed = new URL(url);
	} catch {
		throw new HttpError(400, 'url must be a valid URL');
	}
	if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
		throw new HttpError(400, 'url must be an http(s) URL');
	}
	if (sb.options.requireHttps && parsed.protocol !== 'https:') {
		throw new HttpError(400, 'Webhook URL must use HTTPS');
	}
	const events = body.events;
	if (
		!Array.isArray(events) ||
		events.length === 0 ||
		!events.every((e) => typeof e === 'string' && e.trim() !== '')
	) {
		throw new HttpError(400, 'events must be a non-empty array of event names');
	}
	if (body.active !== undefined && typeof body.active !== 'boolean') {
		throw new HttpError(400, 'active must be a boolean');
	}
	// A sandbox extension, for tests: how this webhook's deliveries are signed (signedForms.js).
	const signing = body.signing ?? sb.nextSigning();
	if (!isSigningForm(signing))
		throw new HttpError(400, 'signing must be raw, node, python, timestamped or both');
	/** @type {Webhook} */
	const webhook = {
		webhookId: newId('wh'),
		url,
		events: [...events],
		active: body.active ?? true,
		secret: newSecret(),
		createdAt: isoNow(),
		signing,
	};
	sb.db.webhooks.push(webhook);
	// VoxPria's answer: the secret, once; `signing` is the sandbox's own (see /__admin/state).
	const answer = { ...webhook, events: [...webhook.events], signing: undefined };
	return JSON.parse(JSON.stringify(answer));
}

/** @type {Handler} */
const listWebhooks = (sb, ctx) => paginate(sb.db.webhooks.map(publicWebhook), ctx.query, sb.paging);

/** @type {Handler} */
function deleteWebhook(sb, ctx) {
	removeOne(sb.db.webhooks, (w) => w.webhookId === ctx.params.id, 'Webhook not found');
	return { webhookId: ctx.params.id, deleted: true };
}

/** @type {Handler} */
function createCall(sb, ctx) {
	const body = requireObject(ctx.body ?? {});
	if (typeof body.agentId !== 'string' || body.agentId === '') {
		throw new HttpError(400, 'agentId is required');
	}
	const toNumber = requirePhone(body.toNumber, 'toNumber');
	if (body.variables !== undefined && body.variables !== null && !isObject(body.variables)) {
		throw new HttpError(400, 'variables must be an object');
	}
	if (!sb.db.agents.some((a) => a.agentId === body.agentId)) {
		throw new HttpError(404, 'Agent not found');
	}
	const call = newCall({ agentId: body.agentId, toNumber, variables: body.variables ?? {} });
	sb.db.calls.push(call);
	sb.runCall(call);
	const { callId, status, agentId, createdAt } = call;
	return { callId, status, toNumber, agentId, createdAt };
}

/** @type {Handler} */
function getCall(sb, ctx) {
	const call = sb.db.calls.find((c) => c.callId === ctx.params.id);
	if (!call) throw new HttpError(404, 'Call not found');
	return publicCall(call);
}

/** @type {Handler} */
const listCalls = (sb, ctx) =>
	paginate(newestFirst(sb.db.calls).map(publicCall), ctx.query, sb.paging);

/** @type {Handler} */
function createContact(sb, ctx) {
	const contact = makeContact(contactFields(requireObject(ctx.body ?? {}), false));
	sb.db.contacts.push(contact);
	return publicContact(contact);
}

/** @type {Handler} */
function bulkContacts(sb, ctx) {
	const body = requireObject(ctx.body ?? {});
	if (!Array.isArray(body.contacts)) throw new HttpError(400, 'contacts must be an array');
	if (body.contacts.length > MAX_BULK_CONTACTS) {
		throw new HttpError(400, `Too many contacts: at most ${MAX_BULK_CONTACTS} per batch`);
	}
	const known = new Set(sb.db.contacts.map((c) => c.phone));
	let imported = 0;
	let skipped = 0;
	/** @type {Array<{index: number, phone: unknown, error: string}>} */
	const errors = [];
	body.contacts.forEach((/** @type {unknown} */ item, /** @type {number} */ index) => {
		/** @type {Partial<Contact>} */
		let fields;
		try {
			if (!isObject(item)) throw new HttpError(400, 'contact must be an object');
			fields = contactFields(item, false);
		} catch (err) {
			const phone = isObject(item) && item.phone !== undefined ? item.phone : null;
			errors.push({ index, phone, error: err instanceof Error ? err.message : String(err) });
			return;
		}
		if (known.has(/** @type {string} */ (fields.phone))) {
			skipped++;
			return;
		}
		known.add(/** @type {string} */ (fields.phone));
		sb.db.contacts.push(makeContact(fields));
		imported++;
	});
	return { imported, skipped, errors };
}

/** @type {Handler} */
const listContacts = (sb, ctx) => paginate(sb.db.contacts.map(publicContact), ctx.query, sb.paging);

/** @type {Handler} */
function updateContact(sb, ctx) {
	const contact = sb.db.contacts.find((c) => c.contactId === ctx.params.id);
	if (!contact) throw new HttpError(404, 'Contact not found');
	Object.assign(contact, contactFields(requireObject(ctx.body ?? {}), true));
	return publicContact(contact);
}

/** @type {Handler} */
function deleteContact(sb, ctx) {
	removeOne(sb.db.contacts, (c) => c.contactId === ctx.params.id, 'Contact not found');
	return { contactId: ctx.params.id, deleted: true };
}

/** @param {Engine} sb @param {string} id */
function findAgent(sb, id) {
	const agent = sb.db.agents.find((a) => a.agentId === id);
	if (!agent) throw new HttpError(404, 'Agent not found');
	return agent;
}

/** @type {Handler} */
const listAgents = (sb, ctx) => paginate(sb.db.agents.map(publicAgent), ctx.query, sb.paging);

/** @type {Handler} */
function getAgent(sb, ctx) {
	const agent = findAgent(sb, ctx.params.id);
	return {
		...publicAgent(agent),
		configuration: agent.configuration,
		stats: agentStats(agent, sb.db.calls),
	};
}

/** @type {Handler} */
function getAgentFlow(sb, ctx) {
	const agent = findAgent(sb, ctx.params.id);
	return { agentId: agent.agentId, flow: agent.flow };
}

/** @type {Handler} */
const getCredits = (sb) => ({ balance: sb.db.credits, currency: 'credits' });

/**
 * @param {unknown} value @param {string} name @param {boolean} endOfDay
 * @returns {number | null} epoch ms, null when absent
 */
function dateParam(value, name, endOfDay) {
	if (value === undefined || value === '') return null;
	const ms = Date.parse(String(value));
	if (Number.isNaN(ms)) throw new HttpError(400, `${name} must be a date (ISO 8601)`);
	// A bare date as endDate means "through that day", not "up to its first millisecond".
	return endOfDay && /^\d{4}-\d{2}-\d{2}$/.test(String(value)) ? ms + 86400000 - 1 : ms;
}

/** @type {Handler} */
function getUsage(sb, ctx) {
	const end = dateParam(ctx.query.endDate, 'endDate', true) ?? Date.now();
	const start = dateParam(ctx.query.startDate, 'startDate', false) ?? end - 30 * 86400000;
	if (start > end) throw new HttpError(400, 'startDate must not be after endDate');
	const calls = sb.db.calls.filter((c) => {
		const t = Date.parse(c.createdAt);
		return t >= start && t <= end;
	});
	const seconds = calls.reduce((sum, c) => sum + (c.duration ?? 0), 0);
	return {
		startDate: ctx.query.startDate || new Date(start).toISOString(),
		endDate: ctx.query.endDate || new Date(end).toISOString(),
		totalCalls: calls.length,
		totalMinutes: Math.round((seconds / 60) * 100) / 100,
		creditsUsed: calls.reduce((sum, c) => sum + creditsFor(c), 0),
	};
}

module.exports = {
	createWebhook,
	listWebhooks,
	deleteWebhook,
	createCall,
	getCall,
	listCalls,
	createContact,
	bulkContacts,
	listContacts,
	updateContact,
	deleteContact,
	listAgents,
	getAgent,
	getAgentFlow,
	getCredits,
	getUsage,
};
