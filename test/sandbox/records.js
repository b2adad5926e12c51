// @ts-check
'use strict';

/*
 * The records the sandbox keeps (calls, contacts, webhooks, agents): ids, the call outcome rules,
 * the public views the API answers with, builders, and paging.
 */

const crypto = require('crypto');
const { TRANSCRIPT } = require('./constants');
const { HttpError } = require('./http');
const { isObject, requirePhone, positiveInt } = require('./validate');

/** @typedef {import('./types').Call} Call */
/** @typedef {import('./types').Contact} Contact */
/** @typedef {import('./types').Webhook} Webhook */
/** @typedef {import('./types').Agent} Agent */
/** @typedef {import('./types').Flow} Flow */
/** @typedef {import('./types').Paging} Paging */

const isoNow = () => new Date().toISOString();

/** @param {string} prefix */
const newId = (prefix) => `${prefix}_${crypto.randomBytes(8).toString('hex')}`;

const newSecret = () => `whsec_${crypto.randomBytes(16).toString('hex')}`;

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

/**
 * Sets the final status and the fields that go with it. A completed call's recording is served by
 * the sandbox itself, at `<sandbox>/recordings/<callId>.mp3` (recordings.js).
 * @param {Call} call @param {string} status @param {number} durationS @param {string} completedAt
 * @param {string} sandboxUrl
 */
function finishCall(call, status, durationS, completedAt, sandboxUrl) {
	const completed = status === 'completed';
	call.status = status;
	call.completedAt = completedAt;
	call.duration = completed ? durationS : 0;
	call.recording = completed ? `${sandboxUrl}/recordings/${call.callId}.mp3` : null;
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

module.exports = {
	isoNow,
	newId,
	newSecret,
	finalStatusFor,
	eventForFinal,
	creditsFor,
	finishCall,
	newCall,
	publicCall,
	publicContact,
	publicWebhook,
	publicAgent,
	agentStats,
	makeAgent,
	contactFields,
	makeContact,
	newestFirst,
	paginate,
};
