// @ts-check
'use strict';

/*
 * VoxPria sandbox: a local server that behaves like VoxPria's documented API, plus an admin API
 * that lets tests inject faults, switch paging behaviour and send signed webhook deliveries.
 * README.md next to this file is the contract; keep the two in step.
 *
 * Node core modules only, so `node test/sandbox/cli.js` runs without a build and jest can
 * `require` it directly.
 */

const http = require('http');
const https = require('https');
const crypto = require('crypto');
const { once } = require('events');
const { URL } = require('url');

const E164 = /^\+[1-9]\d{6,14}$/;
const MAX_API_BODY_BYTES = 1024 * 1024;
// Admin seeding can carry large arrays; this limit only stops a runaway client.
const MAX_ADMIN_BODY_BYTES = 64 * 1024 * 1024;
const MAX_BULK_CONTACTS = 10000;
const MAX_RETRIES = 5;
// A receiver that never answers must not hold a delivery (or close()) forever.
const DELIVERY_TIMEOUT_MS = 10000;
const DEFAULT_CAP = 25;
const SEED_CREDITS = 1000;
const LIVE_CALL_DURATION_S = 127;
const USER_AGENT = 'VoxPria-Webhooks/1.0 (sandbox)';
const DOCUMENTED_EVENTS = [
	'call.started',
	'call.completed',
	'call.failed',
	'campaign.started',
	'campaign.finished',
	'campaign.paused',
];

/**
 * Multi-byte UTF-8 (accents, emoji) and U+2028 catch receivers that hash a re-encoded or
 * re-serialised body instead of the exact bytes that were signed.
 */
const TRANSCRIPT =
	'Agent: Bonjour, ici Léa de VoxPria 👋\u2028' +
	'Client: Très bien, merci ! Ça marche pour jeudi.\u2028' +
	'Agent: Parfait — à bientôt 🎉';

// ---------------------------------------------------------------------------------------------
// Types

/**
 * @typedef {object} SandboxOptions
 * @property {number} [port] 0 picks a free port
 * @property {string} [host]
 * @property {string} [apiKey] the one key that is accepted
 * @property {number} [callStepMs] time between call status steps
 * @property {number} [retryBaseMs] first retry delay; doubles each retry
 * @property {boolean} [seed] start with three agents and a credit balance
 * @property {boolean} [requireHttps] reject http:// webhook URLs with 400
 * @property {boolean} [log] one line per request and delivery on stderr
 */

/** @typedef {Required<SandboxOptions>} Settings */

/**
 * @typedef {object} Webhook
 * @property {string} webhookId
 * @property {string} url
 * @property {string[]} events
 * @property {boolean} active
 * @property {string} secret
 * @property {string} createdAt
 */

/**
 * @typedef {object} Call
 * @property {string} callId
 * @property {string} agentId
 * @property {string} toNumber
 * @property {string} status queued, ringing, in_progress, completed, failed, no_answer or busy
 * @property {number | null} duration seconds
 * @property {string | null} recording
 * @property {string | null} transcript
 * @property {string | null} outcome
 * @property {Record<string, unknown>} variables
 * @property {string | null} startedAt
 * @property {string | null} completedAt
 * @property {string} createdAt
 */

/**
 * @typedef {object} Contact
 * @property {string} contactId
 * @property {string} phone
 * @property {string | null} firstName
 * @property {string | null} lastName
 * @property {string | null} email
 * @property {Record<string, unknown> | null} metadata
 * @property {string} createdAt
 */

/**
 * @typedef {object} Flow
 * @property {Array<Record<string, unknown>>} nodes
 * @property {Array<Record<string, unknown>>} edges
 * @property {number} version
 */

/**
 * @typedef {object} Agent
 * @property {string} agentId
 * @property {string} name
 * @property {string} description
 * @property {string} language
 * @property {string} voice
 * @property {string} status
 * @property {string} createdAt
 * @property {Record<string, unknown>} configuration
 * @property {Flow} flow
 */

/**
 * @typedef {object} Db
 * @property {Webhook[]} webhooks
 * @property {Call[]} calls insertion order
 * @property {Contact[]} contacts
 * @property {Agent[]} agents
 * @property {number} credits
 */

/**
 * @typedef {object} Paging
 * @property {'honour' | 'cap' | 'ignore'} mode
 * @property {number} cap
 */

/**
 * @typedef {object} FaultSpec
 * @property {string} path exact request path, or a regex source wrapped in slashes ("/^\\/api/")
 * @property {string} [method] case-insensitive; any method when absent
 * @property {number} [count] how many matching requests get the fault (default 1)
 * @property {number} [status] answer with this status instead of serving the request
 * @property {Record<string, string | number>} [headers]
 * @property {unknown} [body] a string is sent as is, anything else JSON-encoded
 * @property {number} [delayMs] wait first; without status the request is then served normally
 * @property {boolean} [destroy] close the socket without answering
 * @property {boolean} [afterHandler] with destroy: serve the request first (its effects happen),
 *   then close the socket instead of answering, like an answer lost on the way back
 */

/**
 * @typedef {object} Fault
 * @property {string} id
 * @property {string | null} method
 * @property {string} path
 * @property {number} count matching requests still to be hit
 * @property {number | null} status
 * @property {Record<string, string>} headers
 * @property {unknown} body
 * @property {number} delayMs
 * @property {boolean} destroy
 * @property {boolean} afterHandler
 */

/**
 * @typedef {object} LogEntry
 * @property {string} method
 * @property {string} path without the query string
 * @property {Record<string, string>} query
 * @property {http.IncomingHttpHeaders} headers lower-case names, as received
 * @property {unknown} body parsed JSON; the raw text if it was not JSON; null if empty
 * @property {number | null} status null when the socket was destroyed by a fault
 * @property {string} at
 */

/**
 * @typedef {object} Attempt
 * @property {number | null} status null on a network error
 * @property {string | null} error
 * @property {string} at
 * @property {number} ms
 */

/**
 * @typedef {object} Delivery
 * @property {string} id
 * @property {string | null} webhookId null for an admin delivery to a bare url
 * @property {string} url
 * @property {string} event
 * @property {string} body the exact bytes sent
 * @property {Attempt[]} attempts
 * @property {boolean} done no further attempt will be made
 * @property {boolean} ok the last attempt got a 2xx
 */

/**
 * @typedef {object} PostResult
 * @property {number | null} status
 * @property {string} body
 * @property {string | null} error
 * @property {string} at
 * @property {number} ms
 */

/**
 * @typedef {object} DeliverResult
 * @property {string} deliveryId see deliveries(); retries, if asked for, show up there
 * @property {number | null} status
 * @property {string} body
 * @property {number} ms
 * @property {string} [error]
 */

/**
 * @typedef {object} DeliverSpec
 * @property {string} [webhookId] take url and secret from a registered webhook
 * @property {string} [url]
 * @property {string} [secret]
 * @property {string} [event] default call.completed
 * @property {unknown} [data]
 * @property {unknown} [payload] replaces the generated {event, timestamp, data}
 * @property {string} [body] replaces the bytes sent (and signed)
 * @property {string} [signature] 'valid' (default), 'forged', 'missing' or a literal header value
 * @property {'exact' | 'pretty'} [form]
 * @property {Record<string, string>} [headers]
 * @property {number} [copies]
 * @property {boolean} [concurrent]
 * @property {boolean} [retry]
 */

/**
 * @typedef {object} EmitSpec
 * @property {string} event
 * @property {unknown} [data]
 * @property {boolean} [retry] default true
 */

/**
 * @typedef {object} SeedSpec
 * @property {number | Array<Partial<Call>>} [calls]
 * @property {number | Array<Partial<Contact>>} [contacts]
 * @property {Array<Partial<Agent>>} [agents]
 * @property {Array<Partial<Webhook>>} [webhooks]
 * @property {number} [credits] the balance
 */

/**
 * @typedef {object} PagingSpec
 * @property {string} mode honour, cap or ignore
 * @property {number} [cap]
 */

/**
 * @typedef {object} Counts
 * @property {number} webhooks
 * @property {number} calls
 * @property {number} contacts
 * @property {number} agents
 * @property {number} credits the balance
 */

/**
 * @typedef {object} Ctx
 * @property {http.IncomingMessage} req
 * @property {string} method upper case
 * @property {string} path
 * @property {Record<string, string>} query
 * @property {Record<string, string>} params
 * @property {any} body parsed JSON, undefined when empty
 */

/** @typedef {(sb: Engine, ctx: Ctx) => unknown} Handler */

// ---------------------------------------------------------------------------------------------
// Small helpers

class HttpError extends Error {
	/** @param {number} status @param {string} message */
	constructor(status, message) {
		super(message);
		this.status = status;
	}
}

const isoNow = () => new Date().toISOString();

/** @param {string} prefix */
const newId = (prefix) => `${prefix}_${crypto.randomBytes(8).toString('hex')}`;

const newSecret = () => `whsec_${crypto.randomBytes(16).toString('hex')}`;

/** @param {string} secret @param {string} text */
const sign = (secret, text) =>
	'sha256=' + crypto.createHmac('sha256', secret).update(text, 'utf8').digest('hex');

/** @template T @param {T} value @returns {T} */
const jsonCopy = (value) => JSON.parse(JSON.stringify(value));

/** @param {number} n @param {number} width */
const pad = (n, width) => String(n).padStart(width, '0');

/** @param {unknown} value @returns {value is Record<string, any>} */
function isObject(value) {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** @param {unknown} body @returns {Record<string, any>} */
function requireObject(body) {
	if (!isObject(body)) throw new HttpError(400, 'Body must be a JSON object');
	return body;
}

/** @param {unknown} value @param {string} field @returns {string} */
function requirePhone(value, field) {
	if (typeof value !== 'string' || !E164.test(value)) {
		throw new HttpError(400, `${field} must be an E.164 phone number (e.g. +14155551234)`);
	}
	return value;
}

/** @param {unknown} value @param {number} fallback */
function positiveInt(value, fallback) {
	const n = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : NaN;
	return n >= 1 ? n : fallback;
}

/**
 * @param {unknown} value @param {string} name @param {number} min @param {number} fallback
 * @returns {number}
 */
function intOption(value, name, min, fallback) {
	if (value === undefined) return fallback;
	if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
		throw new HttpError(400, `${name} must be an integer >= ${min}`);
	}
	return value;
}

/** @param {string} text @returns {{ok: true, value: any} | {ok: false}} */
function parseJson(text) {
	if (text === '') return { ok: true, value: undefined };
	try {
		return { ok: true, value: JSON.parse(text) };
	} catch {
		return { ok: false };
	}
}

/**
 * Reads the whole body even past the limit, so the client gets its 413 instead of a reset.
 * @param {http.IncomingMessage} req @param {number} limit
 * @returns {Promise<{text: string, tooLarge: boolean}>}
 */
function readBody(req, limit) {
	return new Promise((resolve, reject) => {
		/** @type {Buffer[]} */
		const chunks = [];
		let size = 0;
		req.on('data', (/** @type {Buffer} */ chunk) => {
			size += chunk.length;
			if (size <= limit) chunks.push(chunk);
		});
		req.on('end', () =>
			resolve({ text: Buffer.concat(chunks).toString('utf8'), tooLarge: size > limit }),
		);
		req.on('error', reject);
	});
}

/**
 * @param {http.ServerResponse} res @param {number} status @param {string} text
 * @param {Record<string, string>} headers
 */
function writeRaw(res, status, text, headers) {
	if (res.headersSent || res.destroyed) return;
	res.writeHead(status, { 'Content-Length': String(Buffer.byteLength(text)), ...headers });
	res.end(text);
}

/**
 * @param {http.ServerResponse} res @param {number} status @param {unknown} payload
 * @param {Record<string, string>} [headers]
 */
function sendJson(res, status, payload, headers = {}) {
	writeRaw(res, status, JSON.stringify(payload), {
		'Content-Type': 'application/json; charset=utf-8',
		...headers,
	});
}

/** @param {string} message */
const failure = (message) => ({ success: false, error: message });

/** @param {string} host */
function urlHost(host) {
	if (host === '0.0.0.0' || host === '::' || host === '') return '127.0.0.1';
	return host.includes(':') ? `[${host}]` : host;
}

// ---------------------------------------------------------------------------------------------
// Records: views and generators

/** @param {string} toNumber */
function finalStatusFor(toNumber) {
	switch (toNumber.slice(-4)) {
		case '0001':
			return 'failed';
		case '0002':
			return 'no_answer';
		case '0003':
			return 'busy';
		default:
			return 'completed';
	}
}

/** @param {string} status */
const eventForFinal = (status) => (status === 'completed' ? 'call.completed' : 'call.failed');

/** @param {Call} call */
const creditsFor = (call) =>
	call.status === 'completed' && call.duration ? Math.ceil(call.duration / 60) : 0;

const FINAL_STATUSES = ['completed', 'failed', 'no_answer', 'busy'];

/**
 * Sets the final status and the fields that go with it.
 * @param {Call} call @param {string} status @param {number} durationS @param {string} completedAt
 */
function finishCall(call, status, durationS, completedAt) {
	const completed = status === 'completed';
	call.status = status;
	call.completedAt = completedAt;
	call.duration = completed ? durationS : 0;
	call.recording = completed ? `https://app.voxpria.com/recordings/${call.callId}.mp3` : null;
	call.transcript = completed ? TRANSCRIPT : null;
	call.outcome = completed ? 'successful' : status;
}

/** @param {{agentId: string, toNumber: string, variables?: Record<string, unknown>}} fields @returns {Call} */
function newCall({ agentId, toNumber, variables = {} }) {
	return {
		callId: newId('call'),
		agentId,
		toNumber,
		status: 'queued',
		duration: null,
		recording: null,
		transcript: null,
		outcome: null,
		variables,
		startedAt: null,
		completedAt: null,
		createdAt: isoNow(),
	};
}

/** @param {Call} call */
const publicCall = (call) => ({
	callId: call.callId,
	agentId: call.agentId,
	toNumber: call.toNumber,
	status: call.status,
	duration: call.duration,
	recording: call.recording,
	transcript: call.transcript,
	outcome: call.outcome,
	variables: call.variables,
	startedAt: call.startedAt,
	completedAt: call.completedAt,
	createdAt: call.createdAt,
});

/** @param {Contact} c */
const publicContact = (c) => ({
	contactId: c.contactId,
	phone: c.phone,
	firstName: c.firstName,
	lastName: c.lastName,
	email: c.email,
	metadata: c.metadata,
	createdAt: c.createdAt,
});

/** @param {Webhook} w */
const publicWebhook = (w) => ({
	webhookId: w.webhookId,
	url: w.url,
	events: w.events,
	active: w.active,
	createdAt: w.createdAt,
});

/** @param {Agent} a */
const publicAgent = (a) => ({
	agentId: a.agentId,
	name: a.name,
	description: a.description,
	language: a.language,
	voice: a.voice,
	status: a.status,
	createdAt: a.createdAt,
});

/** @param {Agent} agent @param {Call[]} calls */
function agentStats(agent, calls) {
	const mine = calls.filter((c) => c.agentId === agent.agentId);
	const completed = mine.filter((c) => c.status === 'completed');
	const finished = mine.filter((c) => c.completedAt !== null);
	const seconds = completed.reduce((sum, c) => sum + (c.duration ?? 0), 0);
	return {
		totalCalls: mine.length,
		completedCalls: completed.length,
		failedCalls: finished.length - completed.length,
		averageDuration: completed.length ? Math.round(seconds / completed.length) : 0,
		successRate: finished.length ? Math.round((completed.length / finished.length) * 100) / 100 : 0,
	};
}

/** @param {string} greeting @returns {Flow} */
function simpleFlow(greeting) {
	return {
		nodes: [
			{ id: 'start', type: 'start', data: { message: greeting } },
			{ id: 'qualify', type: 'question', data: { question: 'Is now a good time to talk?' } },
			{ id: 'book', type: 'action', data: { action: 'book_appointment' } },
			{ id: 'end', type: 'end', data: { message: 'Thank you, goodbye.' } },
		],
		edges: [
			{ id: 'e1', source: 'start', target: 'qualify' },
			{ id: 'e2', source: 'qualify', target: 'book', condition: 'yes' },
			{ id: 'e3', source: 'qualify', target: 'end', condition: 'no' },
			{ id: 'e4', source: 'book', target: 'end' },
		],
		version: 3,
	};
}

/** @param {Partial<Agent>} fields @returns {Agent} */
function makeAgent(fields) {
	const name = fields.name ?? 'Sandbox Agent';
	const greeting = `Hello, this is ${name} from VoxPria.`;
	return {
		agentId: fields.agentId ?? newId('agt'),
		name,
		description: fields.description ?? 'Agent added by the sandbox seed',
		language: fields.language ?? 'en-US',
		voice: fields.voice ?? 'aria',
		status: fields.status ?? 'active',
		createdAt: fields.createdAt ?? isoNow(),
		configuration: fields.configuration ?? {
			model: 'gpt-4o-mini',
			temperature: 0.4,
			firstMessage: greeting,
			maxDurationSeconds: 600,
			voicemailDetection: true,
		},
		flow: fields.flow ?? simpleFlow(greeting),
	};
}

// Fixed ids so the demo, docs and tests can name them without listing first.
const SEED_AGENTS = [
	{
		agentId: 'agt_sales',
		name: 'Sales Qualifier',
		description: 'Qualifies inbound leads and books demos',
		language: 'en-US',
		voice: 'aria',
		status: 'active',
		createdAt: '2025-01-15T09:00:00.000Z',
	},
	{
		agentId: 'agt_support',
		name: 'Support Assistant',
		description: 'Answers questions about orders and returns',
		language: 'fr-FR',
		voice: 'lea',
		status: 'active',
		createdAt: '2025-01-16T09:00:00.000Z',
	},
	{
		agentId: 'agt_reminders',
		name: 'Appointment Reminders',
		description: 'Confirms, moves or cancels appointments',
		language: 'es-ES',
		voice: 'lucia',
		status: 'inactive',
		createdAt: '2025-01-17T09:00:00.000Z',
	},
];

const FIRST_NAMES = ['Ana', 'Bruno', 'Chloé', 'Dmitri', 'Émile', 'Fatima', 'Günther', 'Hana'];
const LAST_NAMES = ['Silva', 'Moreau', 'Novák', 'Okafor', 'Søndergaard', 'Tanaka', 'Ibáñez'];

/**
 * @param {Record<string, any>} input @param {boolean} partial
 * @returns {Partial<Contact>}
 */
function contactFields(input, partial) {
	/** @type {Partial<Contact>} */
	const out = {};
	if (!partial || input.phone !== undefined) out.phone = requirePhone(input.phone, 'phone');
	for (const key of /** @type {const} */ (['firstName', 'lastName', 'email'])) {
		if (input[key] === undefined) continue;
		if (input[key] !== null && typeof input[key] !== 'string') {
			throw new HttpError(400, `${key} must be a string`);
		}
		out[key] = input[key];
	}
	if (input.metadata !== undefined) {
		if (input.metadata !== null && !isObject(input.metadata)) {
			throw new HttpError(400, 'metadata must be an object');
		}
		out.metadata = input.metadata;
	}
	return out;
}

/** @param {Partial<Contact>} fields @returns {Contact} */
function makeContact(fields) {
	return {
		contactId: fields.contactId ?? newId('ct'),
		phone: fields.phone ?? '',
		firstName: fields.firstName ?? null,
		lastName: fields.lastName ?? null,
		email: fields.email ?? null,
		metadata: fields.metadata ?? null,
		createdAt: fields.createdAt ?? isoNow(),
	};
}

/** @param {Call[]} calls newest first; ties keep the later insertion first */
const newestFirst = (calls) =>
	calls
		.slice()
		.reverse()
		.sort((a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt));

/**
 * @template T @param {T[]} list @param {Record<string, string>} query @param {Paging} paging
 * @returns {T[]}
 */
function paginate(list, query, paging) {
	if (paging.mode === 'ignore') return list.slice();
	const page = positiveInt(query.page, 1);
	const limit = positiveInt(query.limit, 50);
	const size = paging.mode === 'cap' ? Math.min(limit, paging.cap) : limit;
	return list.slice((page - 1) * size, page * size);
}

/** @param {string} pattern @returns {(path: string) => boolean} */
function pathMatcher(pattern) {
	if (pattern.length > 2 && pattern.startsWith('/') && pattern.endsWith('/')) {
		/** @type {RegExp} */
		let re;
		try {
			re = new RegExp(pattern.slice(1, -1));
		} catch {
			throw new HttpError(400, `path is not a valid regex: ${pattern}`);
		}
		// An exact path that happens to end in "/" still matches itself.
		return (path) => path === pattern || re.test(path);
	}
	return (path) => path === pattern;
}

/** @param {unknown} body @returns {{text: string, type: string | null}} */
function faultBody(body) {
	if (body === null || body === undefined) return { text: '', type: null };
	if (typeof body === 'string') return { text: body, type: 'text/plain; charset=utf-8' };
	return { text: JSON.stringify(body), type: 'application/json; charset=utf-8' };
}

// ---------------------------------------------------------------------------------------------
// VoxPria API handlers. Each returns the `data` of a success answer or throws HttpError.

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
	/** @type {Webhook} */
	const webhook = {
		webhookId: newId('wh'),
		url,
		events: [...events],
		active: body.active ?? true,
		secret: newSecret(),
		createdAt: isoNow(),
	};
	sb.db.webhooks.push(webhook);
	return { ...webhook, events: [...webhook.events] };
}

/** @type {Handler} */
const listWebhooks = (sb, ctx) => paginate(sb.db.webhooks.map(publicWebhook), ctx.query, sb.paging);

/** @type {Handler} */
function deleteWebhook(sb, ctx) {
	const index = sb.db.webhooks.findIndex((w) => w.webhookId === ctx.params.id);
	if (index < 0) throw new HttpError(404, 'Webhook not found');
	sb.db.webhooks.splice(index, 1);
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
const listContacts = (sb, ctx) =>
	paginate(sb.db.contacts.map(publicContact), ctx.query, sb.paging);

/** @type {Handler} */
function updateContact(sb, ctx) {
	const contact = sb.db.contacts.find((c) => c.contactId === ctx.params.id);
	if (!contact) throw new HttpError(404, 'Contact not found');
	Object.assign(contact, contactFields(requireObject(ctx.body ?? {}), true));
	return publicContact(contact);
}

/** @type {Handler} */
function deleteContact(sb, ctx) {
	const index = sb.db.contacts.findIndex((c) => c.contactId === ctx.params.id);
	if (index < 0) throw new HttpError(404, 'Contact not found');
	sb.db.contacts.splice(index, 1);
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

// ---------------------------------------------------------------------------------------------
// The one route table: VoxPria API under /api/v1 (Bearer auth, {success, data} envelope), and
// the admin API under /__admin (no auth, bare JSON).

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
	route('POST', '/api/v1/webhooks', createWebhook, 201),
	route('GET', '/api/v1/webhooks', listWebhooks),
	route('DELETE', '/api/v1/webhooks/:id', deleteWebhook),
	route('POST', '/api/v1/calls', createCall, 201),
	route('GET', '/api/v1/calls', listCalls),
	route('GET', '/api/v1/calls/:id', getCall),
	route('POST', '/api/v1/contacts', createContact, 201),
	route('POST', '/api/v1/contacts/bulk', bulkContacts),
	route('GET', '/api/v1/contacts', listContacts),
	route('PUT', '/api/v1/contacts/:id', updateContact),
	route('DELETE', '/api/v1/contacts/:id', deleteContact),
	route('GET', '/api/v1/agents', listAgents),
	route('GET', '/api/v1/agents/:id', getAgent),
	route('GET', '/api/v1/agents/:id/flow', getAgentFlow),
	route('GET', '/api/v1/credits', getCredits),
	route('GET', '/api/v1/credits/usage', getUsage),

	route('POST', '/__admin/faults', (sb, ctx) => sb.addFault(ctx.body)),
	route('DELETE', '/__admin/faults', (sb) => sb.clearFaults()),
	route('POST', '/__admin/paging', (sb, ctx) => sb.setPaging(ctx.body)),
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

// ---------------------------------------------------------------------------------------------
// The engine: state, request handling, call lifecycle and deliveries.

class Engine {
	/** @param {Settings} options */
	constructor(options) {
		this.options = options;
		this.server = http.createServer((req, res) => {
			this.handle(req, res).catch((err) => {
				this.logLine(`internal error: ${err instanceof Error ? err.stack : err}`);
				sendJson(res, 500, failure('Internal sandbox error'));
			});
		});
		this.url = '';
		this.closed = false;
		/** @type {Promise<void> | null} */
		this.closing = null;
		// Bumped by reset() and close(): deliveries from an older epoch stop recording and retrying.
		this.epoch = 0;
		/** Call steps and delivery retries: cancelled by reset() and close(). */
		this.timers = new Set(/** @type {NodeJS.Timeout[]} */ ([]));
		/** Fault delays belong to requests in flight: only close() cancels them. */
		this.requestTimers = new Set(/** @type {NodeJS.Timeout[]} */ ([]));
		this.outgoing = new Set(/** @type {http.ClientRequest[]} */ ([]));
		this.db = this.startDb();
		/** @type {Paging} */
		this.paging = { mode: 'honour', cap: DEFAULT_CAP };
		/** @type {Array<{fault: Fault, matches: (path: string) => boolean}>} */
		this.faults = [];
		/** @type {LogEntry[]} */
		this.requestLog = [];
		/** @type {Delivery[]} */
		this.deliveryLog = [];
		this.generated = { calls: 0, contacts: 0 };
	}

	/** @returns {Db} */
	startDb() {
		const seed = this.options.seed;
		return {
			webhooks: [],
			calls: [],
			contacts: [],
			agents: seed ? SEED_AGENTS.map(makeAgent) : [],
			credits: seed ? SEED_CREDITS : 0,
		};
	}

	async listen() {
		this.server.listen(this.options.port, this.options.host);
		await once(this.server, 'listening');
		const address = this.server.address();
		const port = typeof address === 'object' && address ? address.port : this.options.port;
		this.url = `http://${urlHost(this.options.host)}:${port}`;
	}

	/** @param {string} line */
	logLine(line) {
		if (this.options.log) process.stderr.write(`[voxpria-sandbox] ${line}\n`);
	}

	// --- requests ------------------------------------------------------------------------------

	/** @param {http.IncomingMessage} req @param {http.ServerResponse} res */
	async handle(req, res) {
		const started = Date.now();
		const method = (req.method ?? 'GET').toUpperCase();
		const rawUrl = req.url ?? '/';
		const url = new URL(rawUrl.startsWith('/') ? `http://sandbox.invalid${rawUrl}` : rawUrl);
		const admin = url.pathname === '/__admin' || url.pathname.startsWith('/__admin/');
		res.on('close', () => {
			const outcome = res.writableFinished ? res.statusCode : 'socket destroyed';
			this.logLine(`${method} ${url.pathname} -> ${outcome} (${Date.now() - started} ms)`);
		});

		const raw = await readBody(req, admin ? MAX_ADMIN_BODY_BYTES : MAX_API_BODY_BYTES);
		if (this.closed) return;
		const parsed = parseJson(raw.text);
		/** @type {Ctx} */
		const ctx = {
			req,
			method,
			path: url.pathname,
			query: Object.fromEntries(url.searchParams),
			params: {},
			body: parsed.ok ? parsed.value : undefined,
		};
		if (admin) return this.handleAdmin(ctx, res, raw.tooLarge, parsed.ok);
		return this.handleApi(ctx, res, { ...raw, json: parsed.ok });
	}

	/**
	 * Order matters: faults come before the size check and auth, so a test can make any request
	 * fail; auth comes before routing, so a wrong key never learns which routes exist.
	 * @param {Ctx} ctx @param {http.ServerResponse} res
	 * @param {{text: string, tooLarge: boolean, json: boolean}} raw
	 */
	async handleApi(ctx, res, raw) {
		/** @type {LogEntry} */
		const entry = {
			method: ctx.method,
			path: ctx.path,
			query: ctx.query,
			headers: { ...ctx.req.headers },
			body: raw.tooLarge ? null : raw.json ? ctx.body ?? null : raw.text,
			status: null,
			at: isoNow(),
		};
		this.requestLog.push(entry);
		/** @param {number} status @param {unknown} payload @param {Record<string, string>} [headers] */
		const reply = (status, payload, headers) => {
			entry.status = status;
			sendJson(res, status, payload, headers);
		};

		const fault = this.takeFault(ctx.method, ctx.path);
		if (fault && (await this.applyFault(fault, ctx.req, res, entry))) return;
		if (raw.tooLarge) {
			return reply(413, failure('Request body too large (limit 1 MB)'), { Connection: 'close' });
		}
		if (ctx.path !== '/api/v1' && !ctx.path.startsWith('/api/v1/')) {
			return reply(404, failure('Not found'));
		}
		if (!this.authorised(ctx.req)) return reply(401, failure('Invalid API key'));
		if (!raw.json) return reply(400, failure('Invalid JSON body'));

		const match = matchRoute(ctx.method, ctx.path);
		if (!match) return reply(404, failure('Not found'));
		try {
			const data = await match.route.handler(this, { ...ctx, params: match.params });
			reply(match.route.status, { success: true, data });
		} catch (err) {
			if (!(err instanceof HttpError)) throw err;
			reply(err.status, failure(err.message));
		}
	}

	/**
	 * @param {Ctx} ctx @param {http.ServerResponse} res @param {boolean} tooLarge
	 * @param {boolean} json
	 */
	async handleAdmin(ctx, res, tooLarge, json) {
		if (tooLarge) return sendJson(res, 413, { error: 'Request body too large' });
		if (!json) return sendJson(res, 400, { error: 'Invalid JSON body' });
		const match = matchRoute(ctx.method, ctx.path);
		if (!match) return sendJson(res, 404, { error: 'Not found' });
		try {
			sendJson(res, 200, await match.route.handler(this, { ...ctx, params: match.params }));
		} catch (err) {
			if (!(err instanceof HttpError)) throw err;
			sendJson(res, err.status, { error: err.message });
		}
	}

	/** @param {http.IncomingMessage} req */
	authorised(req) {
		const bearer = /^Bearer\s+(.+)$/i.exec(String(req.headers.authorization ?? '').trim());
		const candidates = [bearer?.[1].trim(), String(req.headers['x-api-key'] ?? '').trim()];
		return candidates.includes(this.options.apiKey);
	}

	/** @param {string} method @param {string} path @returns {Fault | null} */
	takeFault(method, path) {
		const index = this.faults.findIndex(
			({ fault, matches }) => (fault.method === null || fault.method === method) && matches(path),
		);
		if (index < 0) return null;
		const { fault } = this.faults[index];
		fault.count--;
		if (fault.count <= 0) this.faults.splice(index, 1);
		return { ...fault };
	}

	/**
	 * @param {Fault} fault @param {http.IncomingMessage} req @param {http.ServerResponse} res
	 * @param {LogEntry} entry
	 * @returns {Promise<boolean>} whether the fault answered (or killed) the request
	 */
	async applyFault(fault, req, res, entry) {
		if (fault.delayMs > 0) await this.sleep(fault.delayMs);
		if (this.closed) return true;
		if (fault.destroy && fault.afterHandler) {
			// Let the handler run, but drop its answer on the floor.
			res.writeHead = /** @type {any} */ (() => res);
			res.end = /** @type {any} */ (() => {
				req.socket.destroy();
				return res;
			});
			return false;
		}
		if (fault.destroy) {
			req.socket.destroy();
			return true;
		}
		if (fault.status === null) return false;
		const { text, type } = faultBody(fault.body);
		entry.status = fault.status;
		writeRaw(res, fault.status, text, { ...(type ? { 'Content-Type': type } : {}), ...fault.headers });
		return true;
	}

	/** @param {number} ms @returns {Promise<void>} */
	sleep(ms) {
		return new Promise((resolve) => {
			const timer = setTimeout(() => {
				this.requestTimers.delete(timer);
				resolve();
			}, ms);
			this.requestTimers.add(timer);
		});
	}

	/** @param {() => void} fn @param {number} ms */
	schedule(fn, ms) {
		const timer = setTimeout(() => {
			this.timers.delete(timer);
			fn();
		}, ms);
		this.timers.add(timer);
	}

	/** Stops call steps, retries and deliveries in flight. */
	cancelWork() {
		this.epoch++;
		for (const timer of this.timers) clearTimeout(timer);
		this.timers.clear();
		for (const req of this.outgoing) req.destroy();
		this.outgoing.clear();
	}

	// --- calls ---------------------------------------------------------------------------------

	/** @param {Call} call */
	runCall(call) {
		const steps = [
			() => {
				call.status = 'ringing';
			},
			() => {
				call.status = 'in_progress';
				call.startedAt = isoNow();
				this.broadcast('call.started', publicCall(call), true);
			},
			() => {
				finishCall(call, finalStatusFor(call.toNumber), LIVE_CALL_DURATION_S, isoNow());
				this.db.credits = Math.max(0, this.db.credits - creditsFor(call));
				this.broadcast(eventForFinal(call.status), publicCall(call), true);
			},
		];
		/** @param {number} i */
		const step = (i) =>
			this.schedule(() => {
				steps[i]();
				if (i + 1 < steps.length) step(i + 1);
			}, this.options.callStepMs);
		step(0);
	}

	// --- deliveries ----------------------------------------------------------------------------

	/**
	 * Sends the event to every active webhook subscribed to it.
	 * @param {string} event @param {unknown} data @param {boolean} retry
	 */
	broadcast(event, data, retry) {
		const body = JSON.stringify({ event, timestamp: isoNow(), data });
		return this.db.webhooks
			.filter((w) => w.active && w.events.includes(event))
			.map((w) =>
				this.startDelivery({
					webhookId: w.webhookId,
					url: w.url,
					event,
					body,
					headers: deliveryHeaders(sign(w.secret, body)),
					retry,
				}),
			);
	}

	/**
	 * Makes the first attempt at once; retries (if any) run on timers.
	 * @param {{webhookId: string | null, url: string, event: string, body: string,
	 *   headers: Record<string, string>, retry: boolean}} spec
	 * @returns {{record: Delivery, first: Promise<PostResult>}}
	 */
	startDelivery(spec) {
		/** @type {Delivery} */
		const record = {
			id: newId('dlv'),
			webhookId: spec.webhookId,
			url: spec.url,
			event: spec.event,
			body: spec.body,
			attempts: [],
			done: false,
			ok: false,
		};
		this.deliveryLog.push(record);
		const epoch = this.epoch;
		const attempt = async () => {
			const result = await this.post(spec.url, spec.body, spec.headers);
			if (epoch !== this.epoch) return result;
			const { status, error, at, ms } = result;
			record.attempts.push({ status, error, at, ms });
			record.ok = status !== null && status >= 200 && status < 300;
			const retriesSoFar = record.attempts.length - 1;
			this.logLine(
				`delivery ${record.event} -> ${spec.url}: ${status ?? error} (attempt ${retriesSoFar + 1})`,
			);
			if (record.ok || !spec.retry || retriesSoFar >= MAX_RETRIES) record.done = true;
			else this.schedule(() => void attempt(), this.options.retryBaseMs * 2 ** retriesSoFar);
			return result;
		};
		return { record, first: attempt() };
	}

	/**
	 * One POST, never rejecting. A fresh connection each time (agent: false): nothing lingers in
	 * a keep-alive pool to hold close() up, and each copy of a concurrent delivery really is
	 * concurrent.
	 * @param {string} target @param {string} body @param {Record<string, string>} headers
	 * @returns {Promise<PostResult>}
	 */
	post(target, body, headers) {
		const at = isoNow();
		const t0 = Date.now();
		return new Promise((resolve) => {
			/** @type {http.ClientRequest | null} */
			let pending = null;
			/** @param {{status: number | null, body: string, error: string | null}} r */
			const finish = (r) => {
				if (pending) this.outgoing.delete(pending);
				pending = null;
				resolve({ ...r, at, ms: Date.now() - t0 });
			};
			try {
				const url = new URL(target);
				if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('not an http(s) URL');
				const bytes = Buffer.from(body, 'utf8');
				const options = {
					method: 'POST',
					agent: false,
					rejectUnauthorized: false,
					timeout: DELIVERY_TIMEOUT_MS,
					headers: { ...headers, 'Content-Length': String(bytes.length) },
				};
				const req = (url.protocol === 'https:' ? https : http).request(url, options);
				pending = req;
				this.outgoing.add(req);
				req.on('response', (res) => {
					/** @type {Buffer[]} */
					const chunks = [];
					const status = res.statusCode ?? null;
					res.on('data', (/** @type {Buffer} */ c) => chunks.push(c));
					res.on('end', () => finish({ status, body: Buffer.concat(chunks).toString(), error: null }));
					res.on('error', (err) => finish({ status, body: '', error: err.message }));
				});
				req.on('timeout', () => req.destroy(new Error(`no answer within ${DELIVERY_TIMEOUT_MS} ms`)));
				req.on('error', (err) => finish({ status: null, body: '', error: err.message }));
				req.end(bytes);
			} catch (err) {
				finish({ status: null, body: '', error: err instanceof Error ? err.message : String(err) });
			}
		});
	}

	// --- admin operations (also the methods of the object startSandbox returns) --------------

	/** @param {FaultSpec} spec @returns {Fault} */
	addFault(spec) {
		const s = requireObject(spec);
		if (typeof s.path !== 'string' || s.path === '') throw new HttpError(400, 'path is required');
		const matches = pathMatcher(s.path);
		if (s.method !== undefined && (typeof s.method !== 'string' || s.method === '')) {
			throw new HttpError(400, 'method must be a string');
		}
		if (s.status !== undefined && (!Number.isInteger(s.status) || s.status < 200 || s.status > 599)) {
			throw new HttpError(400, 'status must be an integer from 200 to 599');
		}
		if (s.headers !== undefined && !isObject(s.headers)) {
			throw new HttpError(400, 'headers must be an object');
		}
		if (s.destroy !== undefined && typeof s.destroy !== 'boolean') {
			throw new HttpError(400, 'destroy must be a boolean');
		}
		/** @type {Fault} */
		const fault = {
			id: newId('flt'),
			method: s.method ? s.method.toUpperCase() : null,
			path: s.path,
			count: intOption(s.count, 'count', 1, 1),
			status: s.status ?? null,
			headers: Object.fromEntries(Object.entries(s.headers ?? {}).map(([k, v]) => [k, String(v)])),
			body: s.body === undefined ? null : s.body,
			delayMs: intOption(s.delayMs, 'delayMs', 0, 0),
			destroy: s.destroy === true,
			afterHandler: s.afterHandler === true,
		};
		this.faults.push({ fault, matches });
		return { ...fault };
	}

	/** @returns {{cleared: number}} */
	clearFaults() {
		const cleared = this.faults.length;
		this.faults = [];
		return { cleared };
	}

	/** @param {PagingSpec} spec @returns {Paging} */
	setPaging(spec) {
		const s = requireObject(spec);
		const mode = s.mode === 'honor' ? 'honour' : s.mode;
		if (mode !== 'honour' && mode !== 'cap' && mode !== 'ignore') {
			throw new HttpError(400, 'mode must be "honour", "cap" or "ignore"');
		}
		this.paging = { mode, cap: intOption(s.cap, 'cap', 1, DEFAULT_CAP) };
		return { ...this.paging };
	}

	state() {
		return jsonCopy({
			...this.db,
			paging: this.paging,
			faults: this.faults.map((f) => f.fault),
		});
	}

	/** @returns {LogEntry[]} */
	requests() {
		return jsonCopy(this.requestLog);
	}

	/** @returns {{cleared: number}} */
	clearRequests() {
		const cleared = this.requestLog.length;
		this.requestLog = [];
		return { cleared };
	}

	/** @returns {Delivery[]} */
	deliveries() {
		return jsonCopy(this.deliveryLog);
	}

	/** @returns {Counts} */
	counts() {
		const { webhooks, calls, contacts, agents, credits } = this.db;
		return {
			webhooks: webhooks.length,
			calls: calls.length,
			contacts: contacts.length,
			agents: agents.length,
			credits,
		};
	}

	/** @param {SeedSpec} spec @returns {Counts} */
	seed(spec) {
		const s = requireObject(spec);
		// Agents first, so generated calls can use them.
		for (const a of listOf(s.agents, 'agents')) this.db.agents.push(makeAgent(a));
		for (const w of listOf(s.webhooks, 'webhooks')) this.db.webhooks.push(seedWebhook(w));
		if (typeof s.calls === 'number') this.generateCalls(intOption(s.calls, 'calls', 0, 0));
		else for (const c of listOf(s.calls, 'calls')) this.db.calls.push(seedCall(c));
		if (typeof s.contacts === 'number') this.generateContacts(intOption(s.contacts, 'contacts', 0, 0));
		else for (const c of listOf(s.contacts, 'contacts')) this.db.contacts.push(makeContact(c));
		if (s.credits !== undefined) {
			if (typeof s.credits !== 'number' || !Number.isFinite(s.credits)) {
				throw new HttpError(400, 'credits must be a number');
			}
			this.db.credits = s.credits;
		}
		return this.counts();
	}

	/**
	 * Finished calls, one minute apart and all in the past, numbered so the last-four-digits rule
	 * gives a mix of outcomes (…0001 failed, …0002 no_answer, …0003 busy).
	 * @param {number} n
	 */
	generateCalls(n) {
		const now = Date.now();
		const agents = this.db.agents.map((a) => a.agentId);
		for (let i = 0; i < n; i++) {
			const seq = ++this.generated.calls;
			const created = now - (n - i) * 60000;
			const call = newCall({
				agentId: agents.length ? agents[seq % agents.length] : 'agt_sales',
				toNumber: `+1415556${pad(seq, 4)}`,
				variables: { seq },
			});
			call.createdAt = new Date(created).toISOString();
			call.startedAt = new Date(created + 5000).toISOString();
			const duration = 30 + ((seq * 37) % 300);
			finishCall(call, finalStatusFor(call.toNumber), duration, new Date(created + 5000 + duration * 1000).toISOString());
			this.db.calls.push(call);
		}
	}

	/** @param {number} n */
	generateContacts(n) {
		const known = new Set(this.db.contacts.map((c) => c.phone));
		for (let made = 0; made < n; ) {
			const seq = ++this.generated.contacts;
			const phone = `+4420794${pad(seq, 5)}`;
			if (known.has(phone)) continue;
			known.add(phone);
			this.db.contacts.push(
				makeContact({
					phone,
					firstName: FIRST_NAMES[seq % FIRST_NAMES.length],
					lastName: LAST_NAMES[seq % LAST_NAMES.length],
					email: `contact${seq}@example.com`,
					metadata: { source: 'seed', seq },
				}),
			);
			made++;
		}
	}

	/** @param {DeliverSpec} spec @returns {Promise<{results: DeliverResult[]}>} */
	async deliver(spec) {
		const s = requireObject(spec);
		const target = this.deliveryTarget(s);
		const payload =
			s.payload !== undefined
				? s.payload
				: { event: s.event ?? 'call.completed', timestamp: isoNow(), data: s.data ?? sampleCallData() };
		const event =
			s.event ?? (isObject(payload) && typeof payload.event === 'string' ? payload.event : 'call.completed');
		if (s.body !== undefined && typeof s.body !== 'string') throw new HttpError(400, 'body must be a string');
		if (s.form !== undefined && s.form !== 'exact' && s.form !== 'pretty') {
			throw new HttpError(400, 'form must be "exact" or "pretty"');
		}
		const compact = JSON.stringify(payload);
		const signed = s.body ?? compact;
		const body = s.body ?? (s.form === 'pretty' ? JSON.stringify(payload, null, 2) : compact);
		const signature = signatureValue(s.signature ?? 'valid', target.secret, signed);
		if (s.headers !== undefined && !isObject(s.headers)) throw new HttpError(400, 'headers must be an object');
		const headers = { ...deliveryHeaders(signature), ...(s.headers ?? {}) };
		const copies = intOption(s.copies, 'copies', 1, 1);
		const one = () =>
			this.startDelivery({ webhookId: target.webhookId, url: target.url, event, body, headers, retry: s.retry === true });

		/** @type {Array<{record: Delivery, result: PostResult}>} */
		let sent = [];
		if (s.concurrent === true) {
			// Start every copy before awaiting any, so they are on the wire at the same moment.
			const started = Array.from({ length: copies }, one);
			sent = await Promise.all(started.map(async (d) => ({ record: d.record, result: await d.first })));
		} else {
			for (let i = 0; i < copies; i++) {
				const d = one();
				sent.push({ record: d.record, result: await d.first });
			}
		}
		return { results: sent.map(({ record, result }) => deliverResult(record, result)) };
	}

	/**
	 * @param {Record<string, any>} s
	 * @returns {{webhookId: string | null, url: string, secret: string | null}}
	 */
	deliveryTarget(s) {
		if (s.webhookId !== undefined) {
			const webhook = this.db.webhooks.find((w) => w.webhookId === s.webhookId);
			if (!webhook) throw new HttpError(404, 'Webhook not found');
			// url or secret given alongside override the webhook's: handy for "wrong secret" tests.
			return {
				webhookId: webhook.webhookId,
				url: typeof s.url === 'string' ? s.url : webhook.url,
				secret: typeof s.secret === 'string' ? s.secret : webhook.secret,
			};
		}
		if (typeof s.url !== 'string' || s.url === '') throw new HttpError(400, 'give webhookId, or url and secret');
		return { webhookId: null, url: s.url, secret: typeof s.secret === 'string' ? s.secret : null };
	}

	/**
	 * Waits for the first attempt of each delivery, so a test can look at its receiver as soon as
	 * this resolves; retries carry on in the background.
	 * @param {EmitSpec} spec @returns {Promise<{deliveries: string[]}>}
	 */
	async emit(spec) {
		const s = requireObject(spec);
		if (typeof s.event !== 'string' || s.event === '') throw new HttpError(400, 'event is required');
		const started = this.broadcast(s.event, s.data ?? {}, s.retry !== false);
		await Promise.all(started.map((d) => d.first));
		return { deliveries: started.map((d) => d.record.id) };
	}

	/** @returns {Counts} */
	reset() {
		this.cancelWork();
		this.db = this.startDb();
		this.paging = { mode: 'honour', cap: DEFAULT_CAP };
		this.faults = [];
		this.requestLog = [];
		this.deliveryLog = [];
		this.generated = { calls: 0, contacts: 0 };
		return this.counts();
	}

	/** @returns {Promise<void>} */
	close() {
		if (this.closing) return this.closing;
		this.closed = true;
		this.cancelWork();
		for (const timer of this.requestTimers) clearTimeout(timer);
		this.requestTimers.clear();
		this.closing = new Promise((resolve) => {
			this.server.close(() => resolve());
			// Idle keep-alive sockets from clients would otherwise hold server.close() open.
			this.server.closeAllConnections();
		});
		return this.closing;
	}
}

/** @param {string | null} signature */
function deliveryHeaders(signature) {
	/** @type {Record<string, string>} */
	const headers = { 'Content-Type': 'application/json', 'User-Agent': USER_AGENT };
	if (signature !== null) headers['X-Voxpria-Signature'] = signature;
	return headers;
}

/**
 * @param {unknown} mode @param {string | null} secret @param {string} signed
 * @returns {string | null} the header value; null for no header
 */
function signatureValue(mode, secret, signed) {
	if (typeof mode !== 'string') throw new HttpError(400, 'signature must be a string');
	switch (mode) {
		case 'valid':
			if (secret === null) throw new HttpError(400, 'a valid signature needs webhookId or secret');
			return sign(secret, signed);
		case 'forged':
			// Well-formed, so receivers must compare the digest rather than reject the format.
			return sign(newSecret(), signed);
		case 'missing':
			return null;
		default:
			return mode;
	}
}

/** @param {Delivery} record @param {PostResult} result @returns {DeliverResult} */
function deliverResult(record, result) {
	/** @type {DeliverResult} */
	const out = { deliveryId: record.id, status: result.status, body: result.body, ms: result.ms };
	if (result.error !== null) out.error = result.error;
	return out;
}

/** The documented call.completed example, with a transcript that tests byte-exact signing. */
function sampleCallData() {
	return {
		callId: newId('call'),
		status: 'completed',
		duration: LIVE_CALL_DURATION_S,
		toNumber: '+14155551234',
		agentId: 'agt_sales',
		recording: 'https://app.voxpria.com/recordings/sample.mp3',
		transcript: TRANSCRIPT,
		outcome: 'successful',
	};
}

/**
 * @template T @param {T[] | undefined} value @param {string} name @returns {T[]}
 */
function listOf(value, name) {
	if (value === undefined) return [];
	if (!Array.isArray(value) || !value.every(isObject)) {
		throw new HttpError(400, `${name} must be an array of objects`);
	}
	return value;
}

/** @param {Partial<Webhook>} w @returns {Webhook} */
function seedWebhook(w) {
	if (typeof w.url !== 'string') throw new HttpError(400, 'each seeded webhook needs a url');
	return {
		webhookId: w.webhookId ?? newId('wh'),
		url: w.url,
		events: w.events ?? [...DOCUMENTED_EVENTS],
		active: w.active ?? true,
		secret: w.secret ?? newSecret(),
		createdAt: w.createdAt ?? isoNow(),
	};
}

/**
 * Seeded calls are stored as given and never run their lifecycle. Missing fields describe a
 * finished call (completed unless another status is given), created now.
 * @param {Partial<Call>} c @returns {Call}
 */
function seedCall(c) {
	/** @type {Call} */
	const call = {
		...newCall({ agentId: 'agt_sales', toNumber: '+14155551234' }),
		status: 'completed',
		...c,
	};
	if (!FINAL_STATUSES.includes(call.status)) return call;
	const finished = { ...call };
	finishCall(finished, call.status, c.duration ?? LIVE_CALL_DURATION_S, call.createdAt);
	return { ...finished, startedAt: call.createdAt, ...c };
}

// ---------------------------------------------------------------------------------------------

/**
 * @param {SandboxOptions} [options]
 * @returns {Settings}
 */
function settings(options = {}) {
	return {
		port: options.port ?? 0,
		host: options.host ?? '127.0.0.1',
		apiKey: options.apiKey ?? 'agl_sk_sandbox_key',
		callStepMs: options.callStepMs ?? 400,
		retryBaseMs: options.retryBaseMs ?? 1000,
		seed: options.seed ?? true,
		requireHttps: options.requireHttps ?? false,
		log: options.log ?? false,
	};
}

/**
 * Starts a sandbox; see README.md for the options and the API.
 * @param {SandboxOptions} [options]
 */
async function startSandbox(options) {
	const engine = new Engine(settings(options));
	await engine.listen();
	return {
		/** The credential's Base URL, e.g. http://127.0.0.1:4010 */
		url: engine.url,
		apiKey: engine.options.apiKey,
		close: engine.close.bind(engine),
		addFault: engine.addFault.bind(engine),
		clearFaults: engine.clearFaults.bind(engine),
		setPaging: engine.setPaging.bind(engine),
		state: engine.state.bind(engine),
		requests: engine.requests.bind(engine),
		clearRequests: engine.clearRequests.bind(engine),
		seed: engine.seed.bind(engine),
		deliver: engine.deliver.bind(engine),
		emit: engine.emit.bind(engine),
		deliveries: engine.deliveries.bind(engine),
		reset: engine.reset.bind(engine),
	};
}

module.exports = { startSandbox, SEED_AGENTS, TRANSCRIPT };
