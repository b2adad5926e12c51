// @ts-check
'use strict';
/** Realistic VoxPria deliveries: call.completed events signed as VoxPria signs them. */

const { TRANSCRIPT } = require('../test/sandbox/server');
const { sign } = require('../test/sandbox/signing');

let lastAt = 0;
/**
 * A current time for a signed `timestamp`, one ms after the previous one at least: the trigger
 * refuses deliveries older than its replay window (and below its duplicate memory's floor), and
 * no two deliveries built here share a timestamp.
 */
function nextTimestamp() {
	lastAt = Math.max(Date.now(), lastAt + 1);
	return lastAt;
}

/**
 * The bytes of one call.completed delivery of about `bytes` bytes (the transcript fills it), as
 * VoxPria sends them: JSON.stringify of {event, timestamp, data}. `seq` makes each one distinct;
 * `at` (ms) is its signed timestamp, by default the current time (distinct per delivery).
 * @param {number} bytes @param {number} seq @param {number} [at]
 */
function callCompleted(bytes, seq, at = nextTimestamp()) {
	const payload = {
		event: 'call.completed',
		timestamp: new Date(at).toISOString(),
		data: {
			callId: `call_${seq.toString(36).padStart(10, '0')}`,
			status: 'completed',
			duration: 30 + (seq % 300),
			toNumber: `+1415556${String(seq % 10_000).padStart(4, '0')}`,
			agentId: 'agt_sales',
			recording: `https://app.voxpria.com/recordings/call_${seq}.mp3`,
			transcript: '',
			outcome: 'successful',
			variables: { seq, firstName: 'Léa', campaign: 'spring-renewals' },
		},
	};
	const empty = Buffer.byteLength(JSON.stringify(payload));
	// The sandbox's transcript (accents, emoji, U+2028 line separators) repeated, then ASCII to size.
	const line = `${TRANSCRIPT}\u2028`;
	const lineBytes = Buffer.byteLength(JSON.stringify(line)) - 2;
	const lines = Math.max(0, Math.floor((bytes - empty) / lineBytes));
	const transcript =
		line.repeat(lines) + ' '.repeat(Math.max(0, bytes - empty - lines * lineBytes));
	payload.data.transcript = transcript;
	return Buffer.from(JSON.stringify(payload));
}

let seq = 0;
/**
 * A distinct signed call.completed delivery of about `bytes` bytes with a current timestamp: the
 * trigger's duplicate memory would answer repeats without a run.
 * @param {string} secret @param {number} bytes
 */
function signedDelivery(secret, bytes) {
	const body = callCompleted(bytes, ++seq);
	return { body, signature: sign(secret, body) };
}

module.exports = { callCompleted, nextTimestamp, signature: sign, signedDelivery };
