// @ts-check
'use strict';

/*
 * The engine: the sandbox's state (records, paging, faults, request and delivery logs, timers),
 * request handling, the call lifecycle, and the admin operations startSandbox hands out. The
 * API handlers (api.js), faults (faults.js), deliveries (deliveries.js) and seeding (seed.js)
 * are functions of the engine, `sb`.
 */

const http = require('http');
const { once } = require('events');
const { URL } = require('url');
const {
	MAX_API_BODY_BYTES,
	MAX_ADMIN_BODY_BYTES,
	DEFAULT_CAP,
	SEED_CREDITS,
	LIVE_CALL_DURATION_S,
	SEED_AGENTS,
} = require('./constants');
const { HttpError, parseJson, readBody, sendJson, failure, urlHost } = require('./http');
const { requireObject, intOption } = require('./validate');
const {
	isoNow,
	finalStatusFor,
	eventForFinal,
	creditsFor,
	finishCall,
	publicCall,
	makeAgent,
} = require('./records');
const { matchRoute } = require('./routes');
const { makeFault, takeFault, applyFault } = require('./faults');
const { isSigningForm } = require('./signedForms');
const { broadcast, deliver, emit } = require('./deliveries');
const { seed } = require('./seed');
const { recordingName, serveRecording } = require('./recordings');

/** @typedef {import('./types').Settings} Settings */
/** @typedef {import('./types').Db} Db */
/** @typedef {import('./types').Call} Call */
/** @typedef {import('./types').Paging} Paging */
/** @typedef {import('./types').Fault} Fault */
/** @typedef {import('./types').FaultSpec} FaultSpec */
/** @typedef {import('./types').LogEntry} LogEntry */
/** @typedef {import('./types').Delivery} Delivery */
/** @typedef {import('./types').Ctx} Ctx */
/** @typedef {import('./types').Counts} Counts */
/** @typedef {import('./types').SeedSpec} SeedSpec */
/** @typedef {import('./types').DeliverSpec} DeliverSpec */
/** @typedef {import('./types').DeliverResult} DeliverResult */
/** @typedef {import('./types').EmitSpec} EmitSpec */
/** @typedef {import('./types').PagingSpec} PagingSpec */
/** @typedef {import('./faults').ActiveFault} ActiveFault */

/** @template T @param {T} value @returns {T} */
const jsonCopy = (value) => JSON.parse(JSON.stringify(value));

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
		/** @type {ActiveFault[]} */
		this.faults = [];
		/** @type {LogEntry[]} */
		this.requestLog = [];
		/** @type {Delivery[]} */
		this.deliveryLog = [];
		this.generated = { calls: 0, contacts: 0 };
		this.webhooksCreated = 0;
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
			body: raw.tooLarge ? null : raw.json ? (ctx.body ?? null) : raw.text,
			status: null,
			at: isoNow(),
		};
		this.requestLog.push(entry);
		/** @param {number} status @param {unknown} payload @param {Record<string, string>} [headers] */
		const reply = (status, payload, headers) => {
			entry.status = status;
			sendJson(res, status, payload, headers);
		};

		const fault = takeFault(this.faults, ctx.method, ctx.path);
		if (fault && (await applyFault(this, fault, ctx.req, res, entry))) return;
		if (raw.tooLarge) {
			return reply(413, failure('Request body too large (limit 1 MB)'), { Connection: 'close' });
		}
		const recording = recordingName(ctx.path) !== undefined;
		if (!recording && ctx.path !== '/api/v1' && !ctx.path.startsWith('/api/v1/')) {
			return reply(404, failure('Not found'));
		}
		if (!this.authorised(ctx.req)) return reply(401, failure('Invalid API key'));
		if (recording) return serveRecording(this, ctx, res, entry);
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
				broadcast(this, 'call.started', publicCall(call), true);
			},
			() => {
				finishCall(call, finalStatusFor(call.toNumber), LIVE_CALL_DURATION_S, isoNow(), this.url);
				this.db.credits = Math.max(0, this.db.credits - creditsFor(call));
				broadcast(this, eventForFinal(call.status), publicCall(call), true);
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

	// --- admin operations (also the methods of the object startSandbox returns) --------------

	/**
	 * Ends a call now (a seeded one that is still queued, ringing or in progress, for tests of
	 * calls that end long after they were created), with the events a real ending sends.
	 * @param {string} callId @param {{status?: string, completedAt?: string}} [spec]
	 */
	finishCall(callId, spec = {}) {
		const call = this.db.calls.find((c) => c.callId === callId);
		if (!call) throw new HttpError(404, 'Call not found');
		const s = requireObject(spec ?? {});
		const status = s.status ?? finalStatusFor(call.toNumber);
		if (!['completed', 'failed', 'no_answer', 'busy'].includes(status)) {
			throw new HttpError(400, 'status must be completed, failed, no_answer or busy');
		}
		const completedAt = s.completedAt ?? isoNow();
		if (typeof completedAt !== 'string' || Number.isNaN(Date.parse(completedAt))) {
			throw new HttpError(400, 'completedAt must be an ISO date');
		}
		call.startedAt ??= call.createdAt;
		finishCall(call, status, LIVE_CALL_DURATION_S, completedAt, this.url);
		broadcast(this, eventForFinal(call.status), publicCall(call), true);
		return publicCall(call);
	}

	/** @param {FaultSpec} spec @returns {Fault} */
	addFault(spec) {
		const active = makeFault(spec);
		this.faults.push(active);
		return { ...active.fault };
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

	/** The signing of the next new webhook: the option's form, or the next of its forms. */
	nextSigning() {
		const forms = [this.options.signing].flat();
		return forms[this.webhooksCreated++ % forms.length];
	}

	/**
	 * How a webhook's deliveries are signed from now on (signedForms.js).
	 * @param {string} webhookId @param {unknown} signing
	 */
	setSigning(webhookId, signing) {
		const webhook = this.db.webhooks.find((w) => w.webhookId === webhookId);
		if (!webhook) throw new HttpError(404, 'Webhook not found');
		if (!isSigningForm(signing))
			throw new HttpError(400, 'signing must be raw, node, python, timestamped or both');
		webhook.signing = signing;
		return { webhookId, signing };
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
		return seed(this, spec);
	}

	/** @param {DeliverSpec} spec @returns {Promise<{results: DeliverResult[]}>} */
	deliver(spec) {
		return deliver(this, spec);
	}

	/** @param {EmitSpec} spec @returns {Promise<{deliveries: string[]}>} */
	emit(spec) {
		return emit(this, spec);
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
		this.webhooksCreated = 0;
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

module.exports = { Engine };
