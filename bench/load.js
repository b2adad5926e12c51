// @ts-check
'use strict';
/** Load against one n8n webhook URL: autocannon, every request a distinct signed delivery. */

// @ts-expect-error autocannon ships no type declarations
const autocannon = require('autocannon');
const { percentile } = require('./lib');

/**
 * Sends deliveries at a fixed number of connections, for `amount` requests or `duration` seconds,
 * each request taking the next delivery from `next()`, with `headers` besides its signature.
 * Counts the trigger's "duplicate" answers (200 without a run) apart, so they cannot pass for speed.
 * @param {string} url
 * @param {{ connections: number, duration?: number, amount?: number, headers: Record<string, string>,
 *   next: () => { body: Buffer, signature: string } }} load
 */
async function fire(url, load) {
	let duplicates = 0;
	/** @type {number[]} */ const latencies = [];
	/** @type {Record<string, number>} */ const statuses = {};
	const started = Date.now();
	const instance = autocannon({
		url,
		method: 'POST',
		connections: load.amount ? Math.min(load.connections, load.amount) : load.connections,
		...(load.amount ? { amount: load.amount } : { duration: load.duration }),
		headers: { 'content-type': 'application/json', ...load.headers },
		requests: [
			{
				setupRequest: (/** @type {any} */ req) => {
					const d = load.next();
					return {
						...req,
						body: d.body,
						headers: { ...req.headers, 'x-voxpria-signature': d.signature },
					};
				},
				onResponse: (/** @type {number} */ status, /** @type {string} */ body) => {
					statuses[status] = (statuses[status] ?? 0) + 1;
					if (/"duplicate"\s*:\s*true/.test(body)) duplicates++;
				},
			},
		],
	});
	let lastAnswerAt = started;
	instance.on(
		'response',
		(
			/** @type {any} */ _client,
			/** @type {number} */ _status,
			/** @type {number} */ _bytes,
			/** @type {number} */ ms,
		) => {
			latencies.push(ms);
			lastAnswerAt = Date.now();
		},
	);
	const result = await instance;
	// autocannon's own duration counts whole seconds of its sampler, and a fixed-amount run also
	// ends on a tick of it (up to 1 s after the last answer): such a run is timed to its last answer.
	const seconds = load.amount
		? (lastAnswerAt - started) / 1000
		: (result.duration ?? (Date.now() - started) / 1000);
	const ok = result['2xx'];
	return {
		ok,
		sent: result.requests.sent,
		non2xx: result.non2xx,
		errors: result.errors + result.timeouts,
		statuses,
		duplicates,
		seconds,
		reqPerSec: ok / seconds,
		latencies,
		p50: percentile(latencies, 50),
		p99: percentile(latencies, 99),
		startedAt: started,
	};
}

module.exports = { fire };
