// @ts-check
'use strict';
/**
 * 4. Bounded state: the trigger's static data and the duplicate lookup after 1k, 10k and 100k
 * distinct deliveries through checkDelivery, against a lookup in a memory holding nothing else.
 */

const path = require('node:path');
const { REPO, interleave, calibrate, fmtNs, fmtSpread, fmtBytes, table, verdict } = require('./lib');
const { callCompleted, signature } = require('./payload');

const SECRET = 'whsec_4f1c2b9a7d3e8f60a1b2c3d4e5f60718';

/** @param {{ quick: boolean, log: (line: string) => void }} o */
async function run({ quick, log }) {
	const { checkDelivery } = require(path.join(REPO, 'dist/nodes/VoxPriaTrigger/checkDelivery'));
	const { DeliveryMemory, deliveryKey, MEMORY_MAX_ENTRIES } = require(path.join(REPO, 'dist/nodes/VoxPriaTrigger/deliveryMemory'));
	const { createHmac } = require('node:crypto');
	// Quick mode stops at 10k: filling 100k takes a few seconds of the smoke run's budget.
	const counts = quick ? [1_000, 2_000, 10_000] : [1_000, 2_000, 10_000, 100_000];
	const rounds = quick ? 11 : 31;
	const roundMs = quick ? 2 : 4;

	/** @param {number} seq */
	const delivery = (seq) => {
		const rawBody = callCompleted(1_000, seq);
		return { signatureHeader: signature(SECRET, rawBody), rawBody, parsedBody: JSON.parse(rawBody.toString('utf8')) };
	};
	const rulesWith = (/** @type {any} */ memory) => ({ secret: SECRET, events: ['call.completed'], skipSignatureCheck: false, memory });
	/** The node's static data as n8n saves it: the registration plus the memory. */
	const staticData = (/** @type {any} */ memory) => ({
		webhookId: 'wh_0123456789abcdef',
		secret: SECRET,
		webhookUrl: 'https://n8n.example.com/webhook/0b0e2e00-0000-4000-8000-000000000001/webhook',
		events: ['call.completed'],
		seen: memory,
	});

	const emptyBytes = Buffer.byteLength(JSON.stringify(staticData(new DeliveryMemory())));
	let sink = 0;
	/** Times `remember` of a key the memory already holds: a duplicate lookup. */
	const lookup = (/** @type {any} */ memory, /** @type {string} */ key) => (/** @type {number} */ n) => {
		const t = process.hrtime.bigint();
		for (let i = 0; i < n; i++) sink += memory.remember(key) ? 1 : 2;
		return Number(process.hrtime.bigint() - t);
	};

	const results = [];
	const memory = new DeliveryMemory();
	const rules = rulesWith(memory);
	let delivered = 0;
	for (const count of counts) {
		const t0 = process.hrtime.bigint();
		/** @type {any} */ let newest;
		while (delivered < count) {
			newest = delivery(++delivered);
			const verdict = checkDelivery(newest, rules);
			if (!verdict.payload) throw new Error(`delivery ${delivered} was not accepted: ${JSON.stringify(verdict.body)}`);
		}
		const fillMs = Number(process.hrtime.bigint() - t0) / 1e6;
		// VoxPria retries the newest delivery: it must be recognised, and is the key looked up below.
		if (checkDelivery(newest, rules).body.duplicate !== true) throw new Error('the retried delivery was not a duplicate');
		const key = deliveryKey(createHmac('sha256', SECRET).update(newest.rawBody).digest());
		// The baseline: the same lookup in a memory that holds only that key.
		const lonely = new DeliveryMemory();
		lonely.remember(key);

		const json = JSON.stringify(staticData(memory));
		// A restart rebuilds the memory from the saved copy: it must hold the same entries.
		const restored = new DeliveryMemory(JSON.parse(json).seen);
		const iterations = calibrate(lookup(lonely, key), roundMs);
		const r = interleave({ rounds, iterations, a: lookup(memory, key), b: lookup(lonely, key) });
		log(`state after ${count}: ${memory.size} entries, static data ${fmtBytes(json.length)}, lookup ${fmtNs(r.aNs)} vs ${fmtNs(r.bNs)} (${fmtSpread(r)})`);
		results.push({ deliveries: count, entries: memory.size, restoredEntries: restored.size, staticDataBytes: Buffer.byteLength(json), fillMs, ...r });
	}
	// Beyond the bound every new delivery forgets the oldest entry. Sample the lookup across the
	// next two bounds' worth of new deliveries to see a whole eviction cycle.
	const cycle = [];
	const lookupRounds = quick ? 5 : 9;
	for (let step = 0; step < 16; step++) {
		/** @type {any} */ let newest;
		for (let i = 0; i < 256; i++) {
			newest = delivery(++delivered);
			checkDelivery(newest, rules);
		}
		const key = deliveryKey(createHmac('sha256', SECRET).update(newest.rawBody).digest());
		const lonely = new DeliveryMemory();
		lonely.remember(key);
		const iterations = calibrate(lookup(lonely, key), roundMs / 2);
		cycle.push({ deliveries: delivered, ...interleave({ rounds: lookupRounds, iterations, a: lookup(memory, key), b: lookup(lonely, key) }) });
	}
	const cycleNs = cycle.map((c) => c.aNs);
	log(`lookup over the next ${cycle.length * 256} deliveries: ${fmtNs(Math.min(...cycleNs))} – ${fmtNs(Math.max(...cycleNs))}`);
	if (sink === 42) log('');
	return { rounds, roundMs, bound: MEMORY_MAX_ENTRIES, emptyStaticDataBytes: emptyBytes, counts: results, cycle };
}

/** @param {any} r */
function render(r) {
	const rows = r.counts.map((/** @type {any} */ c) => [
		c.deliveries.toLocaleString('en'),
		c.entries.toLocaleString('en'),
		`${fmtBytes(c.staticDataBytes)} (${c.staticDataBytes.toLocaleString('en')} B)`,
		fmtNs(c.aNs),
		fmtNs(c.bNs),
		fmtSpread(c),
	]);
	const at = (/** @type {number} */ n) => r.counts.find((/** @type {any} */ c) => c.deliveries === n);
	const beyond = r.counts.filter((/** @type {any} */ c) => c.deliveries >= r.bound);
	const flatSize = beyond.every((/** @type {any} */ c) => c.staticDataBytes === beyond[0].staticDataBytes && c.entries === r.bound);
	const cycleNs = r.cycle.map((/** @type {any} */ c) => c.aNs);
	const cycleRatios = r.cycle.map((/** @type {any} */ c) => c.ratio);
	const growth = at(100_000) && at(10_000) ? at(100_000).aNs / at(10_000).aNs : NaN;
	const flatTime = (Number.isNaN(growth) || growth < 1.5) && Math.max(...cycleNs) < 2 * Math.max(at(10_000)?.aNs ?? 0, at(100_000)?.aNs ?? 0);
	return [
		table(['distinct deliveries', 'entries remembered', 'static data (JSON)', 'duplicate lookup (median)', 'baseline: same lookup, memory of 1 entry', 'ratio: median (p10–p90)'], rows),
		'',
		`- Static data of a registration with an empty memory: ${r.emptyStaticDataBytes} B. Bound: ${r.bound.toLocaleString('en')} entries. Size flat beyond the bound: ${verdict(flatSize)}.`,
		`- Lookup time flat beyond the bound (${Number.isNaN(growth) ? 'no 100k count in quick mode' : `100k vs 10k: ${growth.toFixed(2)}x`}; over the next ${(r.cycle.length * 256).toLocaleString('en')} deliveries after ${r.counts[r.counts.length - 1].deliveries.toLocaleString('en')} it ranged ${fmtNs(Math.min(...cycleNs))}–${fmtNs(Math.max(...cycleNs))}, ${Math.min(...cycleRatios).toFixed(1)}–${Math.max(...cycleRatios).toFixed(1)}x the baseline): ${verdict(flatTime)}` +
			(at(2_000) && at(10_000) ? `; ${fmtNs(at(2_000).aNs)} at the bound, ${fmtNs(at(10_000).aNs)} at 10k.` : '.'),
		'',
		`Deliveries of 1 KB go through checkDelivery (signature, filter, memory) one after another into one DeliveryMemory; the newest is then delivered again (recognised as a duplicate) and its lookup (\`remember\` of a key already held, which first evicts expired entries) is timed in ${r.rounds} rounds of 5 interleaved batch pairs (fastest batch of each side) against the same lookup in a memory holding only that key. A memory rebuilt from the saved JSON (as after a restart) held ${r.counts.map((/** @type {any} */ c) => c.restoredEntries).join(', ')} entries.`,
	].join('\n');
}

module.exports = { id: 'state', title: '4. Bounded state', run, render };
