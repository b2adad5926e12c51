/* eslint-disable @n8n/community-nodes/no-hardcoded-secrets, no-console -- dev-only code, held to eslint.dev.config.mjs instead (CONTRIBUTING.md) */
/**
 * Reliability (issue 13, part 2): refused deliveries leave a trace in n8n's own log, bounded, and
 * without secrets, in a real n8n at its default log level (info, text format: the message alone).
 *
 *  - Activation and deactivation write `VoxPria Trigger registered webhook <id> for <url> (...)` and
 *    `VoxPria Trigger removed webhook <id>` with the workflow and node, never the secret.
 *  - Each refused delivery counts under a reason (invalid signature, duplicate, older than the
 *    replay window, ...). The first of each reason in a minute gets its own line, with the workflow,
 *    node, event and remote address; the others of that minute are counted and written as one
 *    summary line by the first request after the minute (n8n nodes may not start timers), or at
 *    deactivation.
 *  - Forged (in either signature header), unsigned, replayed, mis-dated and malformed deliveries
 *    give exactly the expected lines, naming the header and scheme seen; an undated one runs;
 *    10,000 forged ones (plus replays) give a bounded number, and the counts on the lines add up to
 *    exactly the number refused, per reason.
 *  - Neither the webhook secret, nor the API key, nor any signature sent, nor any body appears.
 *  - Levels: after a restart with N8N_LOG_FORMAT=json, each line's level: registration lines
 *    info, refusal lines warn.
 *
 * Sizes: FLOOD = 10,000 forged deliveries (CI); VOXPRIA_RELIABILITY_FULL=1: 50,000.
 *
 * n8n runs here with N8N_EXPRESSION_ENGINE=legacy. n8n 2.40.7's default engine ("vm") builds an
 * isolate for each production webhook request of any node but its own Webhook node: about 90 ms of
 * CPU per refused request on these 2-core machines, 9 ms with the legacy engine (measured, trigger
 * and Webhook node alike). What is tested here is what the trigger writes for each refusal, which
 * does not depend on the engine (its parameters hold no expressions); at the default engine's
 * 20 requests a second the flood took 10 minutes of CI. hostile.test.ts runs under the legacy engine for the same reason.
 * Run: npx jest test/reliability/logging.test.ts --selectProjects e2e
 */
import { STALE_CHECK_INTERVAL_MS, SUMMARY_INTERVAL_MS } from './lib/builtTrigger';
import { DeliveryClient, inPool, sendUntilServed, sleep, untilLive } from './lib/client';
import { countBy } from './lib/executions';
import { createHmac } from 'crypto';

import { deliveryBody, sign, signedHeaders } from './lib/signing';
import { FULL, minutes, size } from './lib/sizes';
import {
	itLeavesNoSecret,
	liveTrigger,
	type ReliabilityStack,
	useReliabilityStack,
} from './lib/stack';

const FLOOD = size(10_000, 50_000);
/** Replays of an accepted delivery mixed into the flood: every 20th request. */
const REPLAY_EVERY = 20;
const CONCURRENCY = 20;
const WORKFLOW = 'reliability: refusal log';
const NODE = 'VoxPria Trigger';
const OTHER_SECRET = 'whsec_11111111111111111111111111111111';
/** Put into every body sent: no body may reach the log. */
const BODY_MARKER = 'body-marker-7f3a9c';

const DUPLICATE = '200 {"received":true,"duplicate":true}';
/** A request the trigger made to list VoxPria's webhooks (a look at its registration). */
const isListing = (r: { method: string; path: string }) =>
	r.method === 'GET' && r.path === '/api/v1/webhooks';

/** The trigger's lines in a piece of n8n's log. */
const triggerLines = (text: string) =>
	text.split('\n').filter((line) => line.startsWith('VoxPria Trigger'));
const FIRST_LINE =
	/^VoxPria Trigger refused a delivery \(HTTP (\d{3})\): ([a-z ]+): (.*) \[workflow "([^"]*)" \(([^)]+)\), node "([^"]+)"(?:, event ([^,\]]+))?(?:, from ([0-9a-fA-F:.]+))?\]$/;
const SUMMARY_LINE =
	/^VoxPria Trigger refused (\d+) more deliver(?:y|ies) since the last line: (.*) \[workflow "([^"]*)" \(([^)]+)\), node "([^"]+)"\]$/;

interface Tally {
	firstLines: Record<string, number>;
	summarised: Record<string, number>;
	summaryLines: number;
	other: string[];
}

/** Reads the refusal lines: per reason, how many had a line of their own and how many were summarised. */
function tallyRefusals(lines: string[], workflowId: string): Tally {
	const tally: Tally = { firstLines: {}, summarised: {}, summaryLines: 0, other: [] };
	for (const line of lines) {
		const first = FIRST_LINE.exec(line);
		const summary = SUMMARY_LINE.exec(line);
		if (first && first[4] === WORKFLOW && first[5] === workflowId && first[6] === NODE) {
			tally.firstLines[first[2]] = (tally.firstLines[first[2]] ?? 0) + 1;
		} else if (
			summary &&
			summary[3] === WORKFLOW &&
			summary[4] === workflowId &&
			summary[5] === NODE
		) {
			tally.summaryLines++;
			let total = 0;
			for (const part of summary[2].split(', ')) {
				const [, reason, count] = /^([a-z ]+) × (\d+)$/.exec(part) ?? [];
				if (!reason) throw new Error(`unreadable summary part "${part}" in: ${line}`);
				tally.summarised[reason] = (tally.summarised[reason] ?? 0) + Number(count);
				total += Number(count);
			}
			if (total !== Number(summary[1]))
				throw new Error(
					`summary total ${summary[1]} is not the sum of its parts (${total}): ${line}`,
				);
		} else {
			tally.other.push(line);
		}
	}
	return tally;
}

/** Per reason: lines of its own + counted in summaries. */
function loggedPerReason(tally: Tally): Record<string, number> {
	const all: Record<string, number> = {};
	for (const [reason, count] of [
		...Object.entries(tally.firstLines),
		...Object.entries(tally.summarised),
	])
		all[reason] = (all[reason] ?? 0) + count;
	return all;
}

describe(`refusal log: what n8n's log says about refused deliveries (flood of ${FLOOD}${FULL ? ', full' : ''})`, () => {
	let stack: ReliabilityStack;
	const client = new DeliveryClient({ maxSockets: CONCURRENCY });
	let workflowId = '';
	let url = '';
	let webhookId = '';
	let secret = '';
	/** Every signature sent with a request in this file (valid or not): none may reach the log. */
	const signatures = new Set<string>();
	/** n8n's "Database is not ready!" answers (an overloaded machine), sent again as VoxPria would. */
	const unavailable = { count: 0 };
	/** The accepted delivery the replays repeat. */
	let accepted: { headers: Record<string, string>; body: string } | undefined;

	useReliabilityStack((started) => (stack = started), {
		n8nEnv: { N8N_EXPRESSION_ENGINE: 'legacy' },
	});
	afterAll(() => client.close());

	const send = async (body: string, headers: Record<string, string>) => {
		const signature = headers['X-Voxpria-Signature'] ?? headers['x-voxpria-signature'];
		if (signature) signatures.add(signature.replace(/^sha256=/, ''));
		const webhookSignature = headers['X-Webhook-Signature'];
		if (webhookSignature) signatures.add(webhookSignature.replace(/^.*v1=/, ''));
		const answer = await sendUntilServed(
			() => client.send(url, { body, headers, timeoutMs: 60_000 }),
			unavailable,
		);
		stack.watch.saw(answer.body);
		return `${answer.status ?? answer.error} ${answer.body}`;
	};
	const signed = (body: string) => send(body, signedHeaders(secret, body));
	const forged = (body: string) => send(body, signedHeaders(OTHER_SECRET, body));
	const unsigned = (body: string) => send(body, { 'content-type': 'application/json' });
	const body = (label: string, timestamp?: unknown) =>
		deliveryBody(
			`call_log_${label}`,
			'call.completed',
			{ transcript: BODY_MARKER },
			timestamp === undefined ? new Date().toISOString() : timestamp,
		);

	it(
		'logs the registration at activation (info), with the webhook id and URL, never the secret',
		async () => {
			const mark = stack.n8n.logMark();
			const trigger = await liveTrigger(stack, WORKFLOW);
			({ id: workflowId, url } = trigger);
			({ webhookId, secret } = trigger.registration);
			await untilLive(client, url); // one unsigned request, refused: counted below
			const lines = triggerLines(stack.n8n.logText(mark));
			expect(lines.filter((line) => !line.startsWith('VoxPria Trigger refused'))).toEqual([
				`VoxPria Trigger registered webhook ${webhookId} for ${url} (call.completed) [workflow "${WORKFLOW}" (${workflowId}), node "${NODE}"]`,
			]);
			expect(stack.n8n.logText(mark)).not.toContain(secret);
		},
		minutes(3),
	);

	let phaseMark = 0;
	/** What was refused since phaseMark, per reason, by the answers the senders got. */
	const refusedSent: Record<string, number> = {};
	const refusedAs = (reason: string, count = 1) =>
		(refusedSent[reason] = (refusedSent[reason] ?? 0) + count);

	it(
		'writes one line for the first refusal of each reason in a minute: forged, unsigned, replayed, mis-dated, not a delivery',
		async () => {
			// The liveness probe opened the trigger's first minute: wait for it to end, so that this
			// minute starts with these requests (and that probe's line is not counted here).
			await sleep(SUMMARY_INTERVAL_MS + 1_000);
			phaseMark = stack.n8n.logMark();
			const valid = body('accepted');
			accepted = { headers: signedHeaders(secret, valid), body: valid };
			const answers: Array<[string, string, string | RegExp]> = [];
			const expectAnswer = async (
				what: string,
				answer: Promise<string>,
				expected: string | RegExp,
			) => answers.push([what, await answer, expected]);

			await expectAnswer(
				'forged 1',
				forged(body('forged_1')),
				'401 {"error":"Invalid signature: X-Voxpria-Signature (sha256) does not match the body"}',
			);
			await expectAnswer(
				'unsigned 1',
				unsigned(body('unsigned_1')),
				'401 {"error":"Invalid signature: no X-Voxpria-Signature or X-Webhook-Signature header"}',
			);
			await expectAnswer(
				'forged 2',
				forged(body('forged_2')),
				'401 {"error":"Invalid signature: X-Voxpria-Signature (sha256) does not match the body"}',
			);
			await expectAnswer('valid', signed(valid), '200 ');
			await expectAnswer('replay 1', signed(valid), DUPLICATE);
			await expectAnswer(
				'25 h old',
				signed(body('old', new Date(Date.now() - 25 * 3_600_000).toISOString())),
				/^400 \{"error":"older than the replay window: /,
			);
			await expectAnswer('replay 2', signed(valid), DUPLICATE);
			await expectAnswer(
				'10 minutes ahead',
				signed(body('future', new Date(Date.now() + 10 * 60_000).toISOString())),
				/^400 \{"error":"timestamp in the future: /,
			);
			// Genuine (VoxPria's credit.low has no timestamp): it runs, and leaves no line.
			await expectAnswer('no timestamp', signed(body('undated', null)), '200 ');
			await expectAnswer(
				'forged X-Webhook-Signature',
				send(body('forged_t'), webhookSignedHeaders(OTHER_SECRET, body('forged_t'))),
				'401 {"error":"Invalid signature: X-Webhook-Signature (t, v1) does not match the body"}',
			);
			await expectAnswer(
				'not a delivery',
				signed(`{"data":{"transcript":"${BODY_MARKER}"}}`),
				/^400 \{"error":"not a delivery: /,
			);
			await expectAnswer(
				'unsigned 2',
				unsigned(body('unsigned_2')),
				'401 {"error":"Invalid signature: no X-Voxpria-Signature or X-Webhook-Signature header"}',
			);
			await expectAnswer('replay 3', signed(valid), DUPLICATE);
			await expectAnswer(
				'30 h old',
				signed(body('older', new Date(Date.now() - 30 * 3_600_000).toISOString())),
				/^400 \{"error":"older than the replay window: /,
			);
			for (const [what, answer, expected] of answers) {
				if (typeof expected === 'string') expect([what, answer]).toEqual([what, expected]);
				else expect([what, answer]).toEqual([what, expect.stringMatching(expected)]);
			}
			// forged 1 and 2, forged X-Webhook, unsigned 1 and 2 (the liveness probe's line fell in the
			// minute before).
			refusedAs('invalid signature', 5);
			refusedAs('duplicate', 3);
			refusedAs('older than the replay window', 2);
			refusedAs('timestamp in the future');
			refusedAs('not a delivery');

			// The trigger writes synchronously while answering: the lines are there by now.
			await sleep(1_000);
			const lines = triggerLines(stack.n8n.logText(phaseMark));
			const where = `[workflow "${WORKFLOW}" (${workflowId}), node "${NODE}", event call.completed, from `;
			console.log(`first minute:\n${lines.join('\n')}`);
			expect(lines).toHaveLength(5);
			const [signature, duplicate, window, future, notDelivery] = lines;
			expect(signature).toMatch(
				new RegExp(
					`^VoxPria Trigger refused a delivery \\(HTTP 401\\): invalid signature: X-Voxpria-Signature \\(sha256\\) does not match the body ${escape(where)}[0-9a-fA-F:.]+\\]$`,
				),
			);
			expect(duplicate).toMatch(
				new RegExp(
					`^VoxPria Trigger refused a delivery \\(HTTP 200\\): duplicate: this delivery already started an execution ${escape(where)}[0-9a-fA-F:.]+\\]$`,
				),
			);
			expect(window).toMatch(
				new RegExp(
					`^VoxPria Trigger refused a delivery \\(HTTP 400\\): older than the replay window: it is dated \\S+, more than 24 h ago \\(Options → Replay Window\\) ${escape(where)}`,
				),
			);
			expect(future).toMatch(
				new RegExp(
					`^VoxPria Trigger refused a delivery \\(HTTP 400\\): timestamp in the future: it is dated \\S+, more than 5 minutes ahead of this server's clock; check the clock of the n8n server ${escape(where)}`,
				),
			);
			// No event name in a body that has none.
			expect(notDelivery).toMatch(
				new RegExp(
					`^VoxPria Trigger refused a delivery \\(HTTP 400\\): not a delivery: The body has no "event" name: .* \\[workflow "${escape(WORKFLOW)}" \\(${workflowId}\\), node "${NODE}", from [0-9a-fA-F:.]+\\]$`,
				),
			);
			// The rest of this minute (4 signature failures, 2 duplicates, 1 old) is counted, not written yet.
			expect(tallyRefusals(lines, workflowId)).toEqual({
				firstLines: {
					'invalid signature': 1,
					duplicate: 1,
					'older than the replay window': 1,
					'timestamp in the future': 1,
					'not a delivery': 1,
				},
				summarised: {},
				summaryLines: 0,
				other: [],
			});
		},
		minutes(4),
	);

	it(
		`keeps ${FLOOD} forged deliveries (and replays among them) to a few lines a minute, whose counts add up to every refusal`,
		async () => {
			if (!accepted) throw new Error('needs the previous test');
			const replay = accepted;
			// Start when a look at VoxPria is due again (the forged requests above made one), so
			// that the flood shows the looks it causes: at least one, then at most one a minute.
			const listingsBefore = (await stack.sandbox.requests()).filter(isListing);
			const lastLook = Date.parse(listingsBefore.at(-1)?.at ?? '') || 0;
			await sleep(Math.max(0, lastLook + STALE_CHECK_INTERVAL_MS + 1_000 - Date.now()));
			const apiMark = (await stack.sandbox.requests()).length;
			const tasks: Array<'forged' | 'replay'> = [];
			for (let index = 0; index < FLOOD; index++) {
				tasks.push('forged');
				if ((index + 1) % (REPLAY_EVERY - 1) === 0) tasks.push('replay');
			}
			const started = Date.now();
			const sent = await inPool(tasks, CONCURRENCY, async (kind, index) => {
				if (kind === 'replay') return { kind, answer: await send(replay.body, replay.headers) };
				// Each forged one different, as an attacker guessing would send them.
				return {
					kind,
					answer: await forged(
						deliveryBody(`call_flood_${index}`, 'call.completed', { transcript: BODY_MARKER }),
					),
				};
			});
			const seconds = (Date.now() - started) / 1000;
			console.log(
				`flood (n8n's "Database is not ready!" answers sent again so far: ${unavailable.count}): ${sent.length} requests in ${seconds.toFixed(1)} s = ${(sent.length / seconds).toFixed(0)} req/s; answers ${JSON.stringify(countBy(sent, (a) => `${a.kind}: ${a.answer}`))}`,
			);
			const forgedAnswers = sent.filter((a) => a.kind === 'forged');
			const replayAnswers = sent.filter((a) => a.kind === 'replay');
			expect(forgedAnswers).toHaveLength(FLOOD);
			expect(
				forgedAnswers.filter(
					(a) =>
						a.answer !==
						'401 {"error":"Invalid signature: X-Voxpria-Signature (sha256) does not match the body"}',
				),
			).toEqual([]);
			expect(replayAnswers.filter((a) => a.answer !== DUPLICATE)).toEqual([]);
			refusedAs('invalid signature', forgedAnswers.length);
			refusedAs('duplicate', replayAnswers.length);

			// The last minute's summary is written by the first request after it: one more, a minute on.
			const floodEnded = Date.now();
			await sleep(SUMMARY_INTERVAL_MS + 1_000);
			expect(await signed(body('flush'))).toBe('200 ');
			await sleep(1_000);

			const lines = triggerLines(stack.n8n.logText(phaseMark));
			const tally = tallyRefusals(lines, workflowId);
			const minutesCovered = (Date.now() - started) / SUMMARY_INTERVAL_MS;
			console.log(
				`log since the first minute: ${lines.length} trigger lines over ${minutesCovered.toFixed(1)} minutes for ${Object.values(refusedSent).reduce((a, b) => a + b, 0)} refusals; own lines ${JSON.stringify(tally.firstLines)}, summary lines ${tally.summaryLines} counting ${JSON.stringify(tally.summarised)}\n${lines.filter((line) => SUMMARY_LINE.test(line)).join('\n')}`,
			);
			expect(tally.other).toEqual([]);
			// Every refusal is accounted for, per reason: a line of its own or a count in a summary.
			expect(loggedPerReason(tally)).toEqual(refusedSent);
			// Bounded: per minute begun, at most one line per reason seen plus one summary line.
			const reasons = Object.keys(refusedSent).length;
			const periods = Math.ceil(minutesCovered) + 1;
			expect(lines.length).toBeLessThanOrEqual(periods * (reasons + 1));
			expect(tally.summaryLines).toBeLessThanOrEqual(periods);
			// A forged signature makes the trigger ask VoxPria whether its registration is outdated, at
			// most once a minute. Each look is one listing, which starts at page 1 (a short first page
			// makes the listing ask for page 2 too: paging.ts), so looks are counted by their page 1.
			const listings = (await stack.sandbox.requests()).slice(apiMark).filter(isListing);
			const lookups = listings.filter((r) => String(r.query?.page ?? '1') === '1');
			console.log(
				`GET /webhooks during the flood: ${lookups.length} looks (${listings.length} requests) in ${((floodEnded - started) / 60_000).toFixed(1)} minutes`,
			);
			expect(lookups.length).toBeGreaterThanOrEqual(1);
			expect(lookups.length).toBeLessThanOrEqual(
				Math.ceil((floodEnded - started) / STALE_CHECK_INTERVAL_MS) + 1,
			);
		},
		minutes(40),
	);

	it(
		'never logs the secret, the API key, a signature or a body',
		async () => {
			const log = stack.n8n.logText();
			expect(log).toContain('VoxPria Trigger refused'); // it looks where the lines are
			const found = [
				secret,
				secret.replace(/^whsec_/, ''),
				stack.sandbox.apiKey,
				BODY_MARKER,
			].filter((needle) => log.includes(needle));
			expect(found.map((needle) => needle.slice(0, 12))).toEqual([]);
			expect(signatures.size).toBeGreaterThan(FLOOD);
			const hex = new Set((log.match(/[0-9a-fA-F]{64}/g) ?? []).map((h) => h.toLowerCase()));
			expect([...hex].filter((h) => signatures.has(h))).toEqual([]);
			// And not the valid signature over the accepted body (the replayed one).
			expect(log).not.toContain(sign(secret, accepted?.body ?? '').slice(7));
		},
		minutes(2),
	);

	it(
		'writes what is still counted, and the removal (info), at deactivation',
		async () => {
			// A new minute began with the flush request: one forged gets a line, the next two are counted.
			const mark = stack.n8n.logMark();
			for (let index = 0; index < 3; index++)
				expect(await forged(body(`before_deactivation_${index}`))).toMatch(/^401 /);
			await stack.n8n.deactivate(workflowId);
			await stack.n8n.waitForUnpublished(workflowId);
			await stack.n8n.waitFor(
				async () =>
					triggerLines(stack.n8n.logText(mark)).some((line) =>
						line.startsWith('VoxPria Trigger removed'),
					),
				{
					timeoutMs: 60_000,
					description: 'the removal line',
				},
			);
			const lines = triggerLines(stack.n8n.logText(mark));
			console.log(`deactivation:\n${lines.join('\n')}`);
			expect(lines).toEqual([
				expect.stringMatching(
					/^VoxPria Trigger refused a delivery \(HTTP 401\): invalid signature: X-Voxpria-Signature \(sha256\) does not match the body /,
				),
				`VoxPria Trigger refused 2 more deliveries since the last line: invalid signature × 2 [workflow "${WORKFLOW}" (${workflowId}), node "${NODE}"]`,
				`VoxPria Trigger removed webhook ${webhookId} [workflow "${WORKFLOW}" (${workflowId}), node "${NODE}"]`,
			]);
		},
		minutes(3),
	);

	it(
		'logs registration changes at info and refusals at warn (n8n restarted with N8N_LOG_FORMAT=json to show the levels)',
		async () => {
			// At N8N_LOG_LEVEL=warn n8n would not even print its own "ready" line (info), which the
			// harness waits for; the JSON format names each line's level instead.
			await stack.n8n.restart({ env: { N8N_LOG_FORMAT: 'json' } });
			const mark = stack.n8n.logMark();
			const trigger = await liveTrigger(stack, `${WORKFLOW} (json)`);
			await untilLive(client, trigger.url);
			const jsonBody = body('json');
			const answer = await client.send(trigger.url, {
				body: jsonBody,
				headers: signedHeaders(OTHER_SECRET, jsonBody),
			});
			expect(answer.status).toBe(401);
			await stack.n8n.deactivate(trigger.id);
			await stack.n8n.waitForUnpublished(trigger.id);
			const jsonLines = () =>
				stack.n8n
					.logText(mark)
					.split('\n')
					.flatMap((line) => {
						try {
							return [JSON.parse(line) as { level: string; message: string }];
						} catch {
							return []; // not one of the logger's lines
						}
					})
					.filter(
						(entry) =>
							typeof entry.message === 'string' && entry.message.startsWith('VoxPria Trigger'),
					)
					.map((entry) => `${entry.level} ${entry.message.replace(/ \[workflow .*$/, '')}`);
			await stack.n8n.waitFor(() => jsonLines().some((line) => line.includes('removed webhook')), {
				timeoutMs: 60_000,
				description: 'the removal line',
			});
			console.log(`with levels:\n${jsonLines().join('\n')}`);
			// The liveness probe (unsigned) gets the minute's line; the forged one is counted and written
			// at deactivation.
			expect(jsonLines()).toEqual([
				`info VoxPria Trigger registered webhook ${trigger.registration.webhookId} for ${trigger.url} (call.completed)`,
				'warn VoxPria Trigger refused a delivery (HTTP 401): invalid signature: no X-Voxpria-Signature or X-Webhook-Signature header',
				'warn VoxPria Trigger refused 1 more delivery since the last line: invalid signature × 1',
				`info VoxPria Trigger removed webhook ${trigger.registration.webhookId}`,
			]);
		},
		minutes(5),
	);

	itLeavesNoSecret(() => stack, minutes(3));
});

/** VoxPria's developers-page form: `t=<unix seconds>,v1=<hex>` over `<t>.<body>`. */
function webhookSignedHeaders(secret: string, body: string): Record<string, string> {
	const t = Math.floor(Date.now() / 1000);
	const hex = createHmac('sha256', secret).update(`${t}.${body}`).digest('hex');
	return { 'content-type': 'application/json', 'X-Webhook-Signature': `t=${t},v1=${hex}` };
}

function escape(text: string): string {
	return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
