// @ts-check
'use strict';

/** Limits, fixed data and the documented event names the sandbox shares across its modules. */

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

const FINAL_STATUSES = ['completed', 'failed', 'no_answer', 'busy'];

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

module.exports = {
	E164,
	MAX_API_BODY_BYTES,
	MAX_ADMIN_BODY_BYTES,
	MAX_BULK_CONTACTS,
	MAX_RETRIES,
	DELIVERY_TIMEOUT_MS,
	DEFAULT_CAP,
	SEED_CREDITS,
	LIVE_CALL_DURATION_S,
	USER_AGENT,
	DOCUMENTED_EVENTS,
	TRANSCRIPT,
	FINAL_STATUSES,
	SEED_AGENTS,
};
