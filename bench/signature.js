// @ts-check
'use strict';
/**
 * 1. The trigger's whole per-delivery check (checkDelivery: signature, shape, event filter,
 * duplicate lookup) against a bare HMAC-SHA256 of the same bytes, the physical limit.
 */

const { createHmac } = require('node:crypto');
const path = require('node:path');
const { REPO, interleave, calibrate, fmtNs, fmtSpread, table, verdict, fmtBytes } = require('./lib');
const { callCompleted, signature } = require('./payload');

const SECRET = 'whsec_4f1c2b9a7d3e8f60a1b2c3d4e5f60718';
const GOAL = 1.5;

/** @param {{ quick: boolean, log: (line: string) => void }} o */
async function run({ quick, log }) {
	const { checkDelivery } = require(path.join(REPO, 'dist/nodes/VoxPriaTrigger/checkDelivery'));
	const { DeliveryMemory, MEMORY_MAX_ENTRIES } = require(path.join(REPO, 'dist/nodes/VoxPriaTrigger/deliveryMemory'));
	const sizes = [
		// More distinct deliveries than the memory's bound: each check is a new delivery that
		// evicts the oldest, the steady state of a busy trigger.
		{ label: '1 KB', bytes: 1_000, pool: 2_048 },
		{ label: '10 KB', bytes: 10_000, pool: 2_048 },
		// 2,048 MB of bodies would not fit: four, re-delivered, looked up as duplicates in a full memory.
		{ label: '1 MB', bytes: 1_000_000, pool: 4 },
	];
	const rounds = quick ? 11 : 41;
	const roundMs = quick ? 3 : 5;
	const results = [];
	let sink = 0;
	for (const size of sizes) {
		// Distinct deliveries, each with what n8n hands the node: the raw bytes and its parsed body.
		const deliveries = Array.from({ length: size.pool }, (_, i) => {
			const rawBody = callCompleted(size.bytes, i);
			return { signatureHeader: signature(SECRET, rawBody), rawBody, parsedBody: JSON.parse(rawBody.toString('utf8')) };
		});
		const memory = new DeliveryMemory();
		// A memory that has been full for a while, as on a trigger that has run for some time.
		for (let i = 0; i < 3 * MEMORY_MAX_ENTRIES; i++) memory.remember(`warm-${i}`);
		const rules = { secret: SECRET, events: ['call.completed'], skipSignatureCheck: false, memory };
		// Sanity: the first pass is accepted, and a repeat of the newest is a duplicate.
		for (const d of deliveries) {
			const v = checkDelivery(d, rules);
			if (v.status !== 200 || !v.payload) throw new Error(`delivery rejected: ${JSON.stringify(v.body)}`);
		}
		const again = checkDelivery(deliveries[deliveries.length - 1], rules);
		if (again.body.duplicate !== true) throw new Error('a repeated delivery was not recognised as a duplicate');

		let next = 0;
		/** @param {number} n */
		const full = (n) => {
			const t = process.hrtime.bigint();
			for (let i = 0; i < n; i++) {
				sink += checkDelivery(deliveries[next], rules).status;
				next = (next + 1) % deliveries.length;
			}
			return Number(process.hrtime.bigint() - t);
		};
		/** @param {number} n */
		const bare = (n) => {
			const t = process.hrtime.bigint();
			for (let i = 0; i < n; i++) {
				sink += createHmac('sha256', SECRET).update(deliveries[next].rawBody).digest()[0];
				next = (next + 1) % deliveries.length;
			}
			return Number(process.hrtime.bigint() - t);
		};
		calibrate(full, 20);
		const iterations = calibrate(bare, roundMs);
		const r = interleave({ rounds, iterations, a: full, b: bare });
		log(`signature ${size.label}: check ${fmtNs(r.aNs)}, bare HMAC ${fmtNs(r.bNs)}, ratio ${fmtSpread(r)}`);
		results.push({ ...r, size: size.label, bodyBytes: deliveries[0].rawBody.length, iterations });
	}
	if (sink === 42) log('');
	return { rounds, roundMs, goal: GOAL, sizes: results };
}

/** @param {any} r */
function render(r) {
	const rows = r.sizes.map((/** @type {any} */ s) => [
		`${s.size} (${fmtBytes(s.bodyBytes)})`,
		fmtNs(s.aNs),
		fmtNs(s.bNs),
		fmtSpread(s),
		s.size === '1 KB' ? 'no goal' : verdict(s.ratio <= r.goal),
	]);
	return [
		table(['payload', 'checkDelivery (median per op)', 'bare HMAC-SHA256 (median per op)', 'ratio of rounds: median (p10–p90)', `goal ≤ ${r.goal}x`], rows),
		'',
		`${r.rounds} rounds; each round alternates 5 batches of the check with 5 batches of bare HMAC over the same bytes (about ${r.roundMs} ms each) and keeps each side’s fastest batch; ratio = check / HMAC within a round. ` +
			'The check receives the body already parsed by n8n (JSON.parse is n8n’s cost); it verifies the signature over the raw bytes, reads the event, filters it and looks the delivery up in the duplicate memory and records it. The memory is full (its 2,000-entry bound, reached long before); at 1 KB and 10 KB a pool of 2,048 distinct deliveries is cycled, so every check is a new delivery that evicts the oldest entry; at 1 MB four deliveries are cycled (duplicates after the first pass).',
	].join('\n');
}

module.exports = { id: 'signature', title: '1. Signature check vs the physical limit', run, render };
