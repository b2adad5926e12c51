// @ts-check
'use strict';
/**
 * 4. Bounded state: the trigger's static data and the duplicate lookup after 1k, 10k and 100k
 * distinct deliveries through checkDelivery, against a lookup in a memory holding nothing else.
 */

const path = require('node:path');
const {
	REPO,
	interleave,
	calibrate,
	fmtNs,
	fmtSpread,
	fmtBytes,
	table,
	verdict,
} = require('./lib');
const { callCompleted, signature } = require('./payload');

const SECRET = 'whsec_4f1c2b9a7d3e8f60a1b2c3d4e5f60718';

const WINDOW_MS = 24 * 3600e3;

/** @param {{ quick: boolean, log: (line: string) => void }} o */
async function run({ quick, log }) {
	const { checkDelivery } = require(path.join(REPO, 'dist/nodes/VoxPriaTrigger/checkDelivery'));
	const { DeliveryMemory, deliveryKey, MAX_ENTRIES } = require(
		path.join(REPO, 'dist/nodes/VoxPriaTrigger/deliveryMemory'),
	);
	const { decodeMemory } = require(path.join(REPO, 'dist/nodes/VoxPriaTrigger/savedMemory'));
	const { createHmac } = require('node:crypto');
	// Quick mode stops at 10k: filling 100k takes a few seconds of the smoke run's budget.
	const counts = quick ? [MAX_ENTRIES, 1_000, 10_000] : [MAX_ENTRIES, 1_000, 10_000, 100_000];
	const rounds = quick ? 11 : 31;
	const roundMs = quick ? 2 : 4;
	const now = Date.now();
	// Distinct signed timestamps, 250 ms apart and all inside the replay window: 100k of them
	// span 7 hours and end a minute ago. Not whole seconds, so the memory saves them in ms (the
	// larger of its two forms).
	const startAt = now - 60e3 - (counts[counts.length - 1] + 16 * 256) * 250;

	/** @param {number} seq */
	const delivery = (seq) => {
		const rawBody = callCompleted(1_000, seq, startAt + seq * 250);
		return {
			signatureHeader: signature(SECRET, rawBody),
			rawBody,
			parsedBody: JSON.parse(rawBody.toString('utf8')),
			parsedAsUtf8: true,
		};
	};
	const rulesWith = (/** @type {any} */ memory) => ({
		secrets: [SECRET],
		events: ['call.completed'],
		skipSignatureCheck: false,
		memory,
		windowMs: WINDOW_MS,
		now,
	});
	/** The node's static data as n8n saves it: the registration plus the saved memory. */
	const staticData = (/** @type {any} */ memory) => ({
		webhookId: 'wh_0123456789abcdef',
		secret: SECRET,
		webhookUrl: 'https://n8n.example.com/webhook/0b0e2e00-0000-4000-8000-000000000001/webhook',
		events: ['call.completed'],
		registeredAt: now - 8 * 3600e3,
		seen: memory.toSaved(),
	});
	/** Accepted, then confirmed as n8n's save after recording the execution does. */
	const deliver = (/** @type {any} */ d, /** @type {any} */ rules) => {
		const verdict = checkDelivery(d, rules);
		if (!verdict.accepted)
			throw new Error(
				`a delivery was not accepted: ${verdict.status} ${JSON.stringify(verdict.body)}`,
			);
		rules.memory.confirm(verdict.key);
	};

	const emptyBytes = Buffer.byteLength(JSON.stringify(staticData(new DeliveryMemory())));
	let sink = 0;
	/** Times the lookup of a delivery the memory holds (recall): what a retried delivery costs. */
	const lookup =
		(/** @type {any} */ memory, /** @type {number} */ key, /** @type {number} */ at) =>
		(/** @type {number} */ n) => {
			const t = process.hrtime.bigint();
			for (let i = 0; i < n; i++) sink += memory.recall(key, at) === 'recorded' ? 1 : 2;
			return Number(process.hrtime.bigint() - t);
		};
	const keyOf = (/** @type {any} */ d) =>
		deliveryKey(createHmac('sha256', SECRET).update(d.rawBody).digest());

	const results = [];
	const memory = new DeliveryMemory();
	const rules = rulesWith(memory);
	let delivered = 0;
	for (const count of counts) {
		const t0 = process.hrtime.bigint();
		/** @type {any} */ let newest;
		while (delivered < count) {
			newest = delivery(++delivered);
			deliver(newest, rules);
		}
		const fillMs = Number(process.hrtime.bigint() - t0) / 1e6;
		// VoxPria retries the newest delivery: it must be recognised, and is the key looked up below.
		const again = checkDelivery(newest, rules);
		if (again.accepted || again.body.duplicate !== true)
			throw new Error('the retried delivery was not a duplicate');
		const key = keyOf(newest);
		const at = startAt + delivered * 250;
		// The baseline: the same lookup in a memory that holds only that key.
		const lonely = new DeliveryMemory();
		lonely.remember(key, at);
		lonely.confirm(key);

		const json = JSON.stringify(staticData(memory));
		// A restart (or another process) reads the saved string back: it must hold the same entries.
		const restored = decodeMemory(JSON.parse(json).seen)?.entries.length ?? 0;
		const iterations = calibrate(lookup(lonely, key, at), roundMs);
		const r = interleave({
			rounds,
			iterations,
			a: lookup(memory, key, at),
			b: lookup(lonely, key, at),
		});
		log(
			`state after ${count}: ${memory.size} entries, static data ${fmtBytes(json.length)} (seen ${JSON.parse(json).seen.length} chars), lookup ${fmtNs(r.aNs)} vs ${fmtNs(r.bNs)} (${fmtSpread(r)})`,
		);
		results.push({
			deliveries: count,
			entries: memory.size,
			restoredEntries: restored,
			staticDataBytes: Buffer.byteLength(json),
			seenChars: JSON.parse(json).seen.length,
			fillMs,
			...r,
		});
	}
	// Beyond the bound every new delivery forgets the oldest entry. Sample the lookup across the
	// next eight bounds' worth of new deliveries to see whole eviction cycles.
	const cycle = [];
	const lookupRounds = quick ? 5 : 9;
	for (let step = 0; step < 16; step++) {
		/** @type {any} */ let newest;
		for (let i = 0; i < 256; i++) {
			newest = delivery(++delivered);
			deliver(newest, rules);
		}
		const key = keyOf(newest);
		const at = startAt + delivered * 250;
		const lonely = new DeliveryMemory();
		lonely.remember(key, at);
		lonely.confirm(key);
		const iterations = calibrate(lookup(lonely, key, at), roundMs / 2);
		cycle.push({
			deliveries: delivered,
			...interleave({
				rounds: lookupRounds,
				iterations,
				a: lookup(memory, key, at),
				b: lookup(lonely, key, at),
			}),
		});
	}
	const cycleNs = cycle.map((c) => c.aNs);
	log(
		`lookup over the next ${cycle.length * 256} deliveries: ${fmtNs(Math.min(...cycleNs))} – ${fmtNs(Math.max(...cycleNs))}`,
	);
	// VoxPria's documented timestamps are whole seconds ("2025-02-09T12:00:00Z"): the memory then
	// saves them in its seconds form. A full memory of such deliveries, one a second:
	const wholeSeconds = new DeliveryMemory();
	const secondsRules = rulesWith(wholeSeconds);
	const secondsFrom = Math.floor(now / 1000) * 1000 - 2 * MAX_ENTRIES * 1000;
	for (let i = 0; i < 2 * MAX_ENTRIES; i++) {
		const rawBody = callCompleted(1_000, 1e6 + i, secondsFrom + i * 1000);
		deliver(
			{
				signatureHeader: signature(SECRET, rawBody),
				rawBody,
				parsedBody: JSON.parse(rawBody.toString('utf8')),
				parsedAsUtf8: true,
			},
			secondsRules,
		);
	}
	const secondsJson = JSON.stringify(staticData(wholeSeconds));
	if (sink === 42) log('');
	return {
		rounds,
		roundMs,
		bound: MAX_ENTRIES,
		emptyStaticDataBytes: emptyBytes,
		counts: results,
		cycle,
		wholeSeconds: {
			entries: wholeSeconds.size,
			staticDataBytes: Buffer.byteLength(secondsJson),
			seenChars: JSON.parse(secondsJson).seen.length,
		},
	};
}

/** @param {any} r */
function render(r) {
	const rows = r.counts.map((/** @type {any} */ c) => [
		c.deliveries.toLocaleString('en'),
		c.entries.toLocaleString('en'),
		`${fmtBytes(c.staticDataBytes)} (${c.staticDataBytes.toLocaleString('en')} B; \`seen\` ${c.seenChars.toLocaleString('en')} chars)`,
		fmtNs(c.aNs),
		fmtNs(c.bNs),
		fmtSpread(c),
	]);
	const at = (/** @type {number} */ n) =>
		r.counts.find((/** @type {any} */ c) => c.deliveries === n);
	const beyond = r.counts.filter((/** @type {any} */ c) => c.deliveries >= r.bound);
	// The saved string's length moves by a few characters with the floor and the gaps between
	// timestamps (varints); flat means within 1%.
	const sizes = beyond.map((/** @type {any} */ c) => c.staticDataBytes);
	const flatSize =
		beyond.every((/** @type {any} */ c) => c.entries === r.bound) &&
		Math.max(...sizes) <= 1.01 * Math.min(...sizes);
	const cycleNs = r.cycle.map((/** @type {any} */ c) => c.aNs);
	const cycleRatios = r.cycle.map((/** @type {any} */ c) => c.ratio);
	const growth = at(100_000) && at(10_000) ? at(100_000).aNs / at(10_000).aNs : NaN;
	// Judged on the ratios to the baseline measured beside each lookup: on a shared machine the
	// absolute time of one count against another's moves with the other load (both sides alike).
	const ratiosBeyond = [...beyond.map((/** @type {any} */ c) => c.ratio), ...cycleRatios];
	const flatTime = Math.max(...ratiosBeyond) < 1.5;
	return [
		table(
			[
				'distinct deliveries',
				'entries remembered',
				'static data (JSON)',
				'duplicate lookup (median)',
				'baseline: same lookup, memory of 1 entry',
				'ratio: median (p10–p90)',
			],
			rows,
		),
		'',
		`- Static data of a registration with an empty memory: ${r.emptyStaticDataBytes} B. Bound: ${r.bound.toLocaleString('en')} entries. Size flat beyond the bound (within 1%): ${verdict(flatSize)}.` +
			(r.wholeSeconds
				? ` With whole-second timestamps (VoxPria's documented form), a full memory saves as ${r.wholeSeconds.seenChars.toLocaleString('en')} chars, ${fmtBytes(r.wholeSeconds.staticDataBytes)} (${r.wholeSeconds.staticDataBytes.toLocaleString('en')} B) of static data in all.`
				: ''),
		`- Lookup time flat beyond the bound (every ratio to the baseline below 1.5x: at most ${Math.max(...ratiosBeyond).toFixed(2)}x; absolute time ${Number.isNaN(growth) ? 'no 100k count in quick mode' : `100k vs 10k: ${growth.toFixed(2)}x, the baseline moving alike`}; over the next ${(r.cycle.length * 256).toLocaleString('en')} deliveries after ${r.counts[r.counts.length - 1].deliveries.toLocaleString('en')} it ranged ${fmtNs(Math.min(...cycleNs))}–${fmtNs(Math.max(...cycleNs))}, ${Math.min(...cycleRatios).toFixed(1)}–${Math.max(...cycleRatios).toFixed(1)}x the baseline): ${verdict(flatTime)}` +
			(at(r.bound) && at(10_000)
				? `; ${fmtNs(at(r.bound).aNs)} at the bound, ${fmtNs(at(10_000).aNs)} at 10k.`
				: '.'),
		'',
		`Deliveries of 1 KB with distinct signed timestamps 250 ms apart (milliseconds, the memory's larger saved form) go through checkDelivery (signature, filter, timestamp, memory) one after another into one DeliveryMemory, each confirmed as n8n's save does; the newest is then delivered again (recognised as a duplicate) and its lookup (\`recall(key, timestamp)\`) is timed in ${r.rounds} rounds of 5 interleaved batch pairs (fastest batch of each side) against the same lookup in a memory holding only that key. "static data": JSON of the registration fields (webhookId, secret, webhookUrl, events, registeredAt) and \`seen\`, the memory's saved string (\`toSaved()\`), as n8n writes the node's static data. Decoded again (as another process or a restart reads it), the saved string held ${r.counts.map((/** @type {any} */ c) => c.restoredEntries).join(', ')} entries.`,
	].join('\n');
}

module.exports = { id: 'state', title: '4. Bounded state', run, render };
