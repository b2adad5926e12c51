// @ts-check
'use strict';

/*
 * Seeding for tests and the demo (`POST /__admin/seed`): records given as objects are stored as
 * given (filling in what is missing), numbers generate that many records.
 */

const { DOCUMENTED_EVENTS, FINAL_STATUSES, LIVE_CALL_DURATION_S } = require('./constants');
const { HttpError } = require('./http');
const { requireObject, intOption, listOf } = require('./validate');
const {
	isoNow,
	newId,
	newSecret,
	finalStatusFor,
	finishCall,
	newCall,
	makeAgent,
	makeContact,
} = require('./records');

/** @typedef {import('./types').Engine} Engine */
/** @typedef {import('./types').SeedSpec} SeedSpec */
/** @typedef {import('./types').Counts} Counts */
/** @typedef {import('./types').Webhook} Webhook */
/** @typedef {import('./types').Call} Call */

const FIRST_NAMES = ['Ana', 'Bruno', 'Chloé', 'Dmitri', 'Émile', 'Fatima', 'Günther', 'Hana'];
const LAST_NAMES = ['Silva', 'Moreau', 'Novák', 'Okafor', 'Søndergaard', 'Tanaka', 'Ibáñez'];

/** @param {number} n @param {number} width */
const pad = (n, width) => String(n).padStart(width, '0');

/** @param {Engine} sb @param {SeedSpec} spec @returns {Counts} */
function seed(sb, spec) {
	const s = requireObject(spec);
	// Agents first, so generated calls can use them.
	for (const a of listOf(s.agents, 'agents')) sb.db.agents.push(makeAgent(a));
	for (const w of listOf(s.webhooks, 'webhooks')) sb.db.webhooks.push(seedWebhook(w));
	if (typeof s.calls === 'number') generateCalls(sb, intOption(s.calls, 'calls', 0, 0));
	else for (const c of listOf(s.calls, 'calls')) sb.db.calls.push(seedCall(c, sb.url));
	if (typeof s.contacts === 'number') generateContacts(sb, intOption(s.contacts, 'contacts', 0, 0));
	else for (const c of listOf(s.contacts, 'contacts')) sb.db.contacts.push(makeContact(c));
	if (s.credits !== undefined) {
		if (typeof s.credits !== 'number' || !Number.isFinite(s.credits)) {
			throw new HttpError(400, 'credits must be a number');
		}
		sb.db.credits = s.credits;
	}
	return sb.counts();
}

/**
 * Finished calls, one minute apart and all in the past, numbered so the last-four-digits rule
 * gives a mix of outcomes (…0001 failed, …0002 no_answer, …0003 busy).
 * @param {Engine} sb
 * @param {number} n
 */
function generateCalls(sb, n) {
	const now = Date.now();
	const agents = sb.db.agents.map((a) => a.agentId);
	for (let i = 0; i < n; i++) {
		const seq = ++sb.generated.calls;
		const created = now - (n - i) * 60000;
		const call = newCall({
			agentId: agents.length ? agents[seq % agents.length] : 'agt_sales',
			toNumber: `+1415556${pad(seq, 4)}`,
			variables: { seq },
		});
		call.createdAt = new Date(created).toISOString();
		call.startedAt = new Date(created + 5000).toISOString();
		const duration = 30 + ((seq * 37) % 300);
		finishCall(
			call,
			finalStatusFor(call.toNumber),
			duration,
			new Date(created + 5000 + duration * 1000).toISOString(),
			sb.url,
		);
		sb.db.calls.push(call);
	}
}

/** @param {Engine} sb @param {number} n */
function generateContacts(sb, n) {
	const known = new Set(sb.db.contacts.map((c) => c.phone));
	for (let made = 0; made < n; ) {
		const seq = ++sb.generated.contacts;
		const phone = `+4420794${pad(seq, 5)}`;
		if (known.has(phone)) continue;
		known.add(phone);
		sb.db.contacts.push(
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
		signing: w.signing ?? 'raw',
	};
}

/**
 * Seeded calls are stored as given and never run their lifecycle. Missing fields describe a
 * finished call (completed unless another status is given), created now.
 * @param {Partial<Call>} c @param {string} sandboxUrl @returns {Call}
 */
function seedCall(c, sandboxUrl) {
	/** @type {Call} */
	const call = {
		...newCall({ agentId: 'agt_sales', toNumber: '+14155551234' }),
		status: 'completed',
		...c,
	};
	if (!FINAL_STATUSES.includes(call.status)) return call;
	const finished = { ...call };
	finishCall(finished, call.status, c.duration ?? LIVE_CALL_DURATION_S, call.createdAt, sandboxUrl);
	return { ...finished, startedAt: call.createdAt, ...c };
}

module.exports = { seed };
