#!/usr/bin/env node
// @ts-check
'use strict';
/*
 * `npm run demo`: a real n8n 2.40.7 with this package installed, wired to a local VoxPria sandbox,
 * with the example workflows imported and active, and VoxPria activity every 30 s so that
 * executions keep arriving. Runs until Ctrl-C, then stops n8n and the sandbox.
 *
 *   node scripts/demo.js [--https] [--fresh] [--queue]
 *
 * The first run installs Node 24 and n8n into the e2e cache (3 to 4 minutes, once per machine).
 * n8n's data lives in <cache>/demo and is kept between runs; --fresh starts over.
 * --queue runs the same demo on n8n's queue mode instead (scripts/demo-queue.js): PostgreSQL,
 * Redis, main, two webhook processes behind an HTTPS balancer, a worker; nothing is kept.
 */

const fs = require('node:fs');
const path = require('node:path');
const { execFileSync } = require('node:child_process');

const { ensureRuntime, cacheRoot } = require('../test/e2e/lib/runtime');
const { startN8n, OWNER } = require('../test/e2e/lib/n8n');
const { isAlive } = require('../test/e2e/lib/pid');
const { startSandbox } = require('../test/sandbox/server');
const { exampleNames, importExample } = require('../test/e2e/examples');
const { isFree, forward } = require('./demo-ports');
const { missingServerPackages, startQueueDeployment } = require('./demo-queue');

const REPO = path.join(__dirname, '..');
const N8N_PORT = 5678;
const SANDBOX_PORT = 4010;
const TICK_MS = 30_000;
/** Every LEAD_EVERY-th tick also posts a new lead; every CAMPAIGN_EVERY-th a campaign finishes. */
const LEAD_EVERY = 4;
const CAMPAIGN_EVERY = 10;
const CREDENTIAL_NAME = 'VoxPria account';
const AGENT_ID = 'agt_sales';
/** The sandbox decides a call's outcome by the number's last four digits: 0001, 0002, 0003 end badly. */
const CALLS = [
	{ toNumber: '+14155550100', outcome: 'completes', firstName: 'Ana' },
	{ toNumber: '+14155550002', outcome: 'gets no answer', firstName: 'Bruno' },
	{ toNumber: '+14155550104', outcome: 'completes', firstName: 'Chloé' },
	{ toNumber: '+14155550003', outcome: 'is busy', firstName: 'Dmitri' },
	{ toNumber: '+14155550106', outcome: 'completes', firstName: 'Émile' },
	{ toNumber: '+14155550001', outcome: 'fails', firstName: 'Fatima' },
];
const LEADS = [
	'Ada Lovelace',
	'Grace Hopper',
	'Alan Turing',
	'Katherine Johnson',
	'Edsger Dijkstra',
];
const FINAL = ['completed', 'failed', 'no_answer', 'busy'];

const USAGE = `Usage: npm run demo [-- [--https] [--fresh] [--queue]]

  --https   serve n8n over HTTPS with a self-signed certificate (the browser warns once);
            the default is plain HTTP on localhost
  --fresh   forget the previous demo's n8n data (workflows, credentials, executions) first
  --queue   run n8n the way it is scaled in production, each part its own process: PostgreSQL
            and Redis (throw-away instances), a main process for the editor and activation, two
            n8n webhook processes behind an HTTPS load balancer (HAProxy; the URL the triggers
            register), and a worker that runs every execution. Needs Debian's postgresql,
            redis-server and haproxy packages; starts in 1 to 3 minutes (2 cores), from an empty
            database each time (nothing is kept, so --fresh changes nothing)
  --help    this text`;

/** @param {string} line */
const say = (line = '') => process.stdout.write(`${line}\n`);

/** The signing forms the sandbox gives the demo's triggers in turn (test/sandbox/signedForms.js). */
const DEMO_SIGNING = ['python', 'timestamped', 'raw', 'both', 'node'];
const SIGNING_DESCRIPTIONS = {
	raw: 'X-Voxpria-Signature over the bytes',
	node: 'X-Voxpria-Signature over JSON.stringify, the body pretty-printed',
	python: "X-Voxpria-Signature over Python's json.dumps",
	timestamped: 'X-Webhook-Signature: t=…,v1=… over "<t>.<body>"',
	both: 'both headers',
};
const clock = () => new Date().toTimeString().slice(0, 8);
/** @param {string} line */
const event = (line) => say(`  ${clock()}  ${line}`);

/** @param {string[]} argv */
function parseArgs(argv) {
	const args = { https: false, fresh: false, queue: false, help: false };
	for (const arg of argv) {
		if (arg === '--https') args.https = true;
		else if (arg === '--fresh') args.fresh = true;
		else if (arg === '--queue') args.queue = true;
		else if (arg === '--help' || arg === '-h') args.help = true;
		else throw new Error(`unknown option ${arg}`);
	}
	return args;
}

// --- the demo folder ------------------------------------------------------------------------

/**
 * @typedef {{ apiKey: string, credentialId: string, sandboxUrl: string }} DemoState
 */

/** @param {string} dir */
const files = (dir) => ({
	state: path.join(dir, 'demo.json'),
	sandbox: path.join(dir, 'sandbox.json'),
	pid: path.join(dir, 'demo.pid'),
	database: path.join(dir, '.n8n', 'database.sqlite'),
});

/** @param {string} file */
function readJson(file) {
	try {
		return JSON.parse(fs.readFileSync(file, 'utf8'));
	} catch {
		return undefined;
	}
}

/** @param {string} file @param {unknown} value */
function writeJson(file, value) {
	fs.writeFileSync(`${file}.tmp`, JSON.stringify(value, null, 2), { mode: 0o600 });
	fs.renameSync(`${file}.tmp`, file);
}

/** One demo per folder: n8n's SQLite database cannot be shared by two n8n processes. */
function takeLock(/** @type {string} */ pidFile) {
	const other = Number(fs.existsSync(pidFile) ? fs.readFileSync(pidFile, 'utf8') : 0);
	if (other > 0 && other !== process.pid && isAlive(other)) {
		throw new Error(`another demo is running (process ${other}); stop it with Ctrl-C first`);
	}
	fs.writeFileSync(pidFile, `${process.pid}\n`);
}

// --- n8n's public API with a stored key -----------------------------------------------------

/**
 * @param {Awaited<ReturnType<typeof startN8n>>} n8n
 * @param {string} apiKey
 */
function publicApi(n8n, apiKey) {
	/** @param {string} method @param {string} p path below /api/v1 @param {unknown} [body] */
	return async (method, p, body) => {
		const res = await n8n.request(`${n8n.url}/api/v1${p}`, {
			method,
			headers: { 'x-n8n-api-key': apiKey },
			body,
		});
		if (res.status < 200 || res.status >= 300) {
			throw Object.assign(
				new Error(`${method} /api/v1${p}: HTTP ${res.status} ${res.text.slice(0, 300)}`),
				{
					status: res.status,
				},
			);
		}
		return res.body;
	};
}

/**
 * The public API with the demo's stored key; a new key (logged in as the demo's owner) if the user
 * deleted it. Undefined if that fails too, e.g. because the owner's password was changed.
 * @param {Awaited<ReturnType<typeof startN8n>>} n8n
 * @param {DemoState} state
 * @param {() => void} save
 */
async function workingApi(n8n, state, save) {
	try {
		await publicApi(n8n, state.apiKey)('GET', '/workflows?limit=1');
		return publicApi(n8n, state.apiKey);
	} catch (err) {
		if (/** @type {{status?: number}} */ (err).status !== 401) throw err;
	}
	try {
		await n8n.login();
		const scopes = await n8n.rest('GET', '/api-keys/scopes');
		const created = await n8n.rest('POST', '/api-keys', {
			label: `voxpria-demo-${Date.now()}`,
			expiresAt: null,
			scopes,
		});
		state.apiKey = created.rawApiKey;
		save();
		return publicApi(n8n, state.apiKey);
	} catch {
		return undefined;
	}
}

// --- the sandbox's memory between runs ------------------------------------------------------

/**
 * What the sandbox held when the demo stopped: webhook registrations (with their secrets, which the
 * triggers in n8n's database still hold), finished calls, contacts and credits. Real VoxPria keeps
 * these too; without them the triggers of an earlier run would never hear from the sandbox again.
 * @param {Awaited<ReturnType<typeof startSandbox>>} sandbox
 */
async function sandboxMemory(sandbox) {
	const { webhooks, calls, contacts, credits } = await sandbox.state();
	return {
		webhooks,
		calls: calls.filter((/** @type {{status: string}} */ c) => FINAL.includes(c.status)),
		contacts,
		credits,
	};
}

/**
 * @param {Awaited<ReturnType<typeof startSandbox>>} sandbox
 * @param {any} memory
 * @param {string} base n8n's webhook base now, e.g. http://localhost:5678/
 */
async function restoreSandbox(sandbox, memory, base) {
	if (!memory) return;
	// n8n may be on another address than last time: registrations follow it.
	const webhooks = (memory.webhooks ?? []).map((/** @type {{url: string}} */ webhook) => {
		const url = new URL(webhook.url);
		return url.hostname === 'localhost'
			? { ...webhook, url: new URL(url.pathname, base).href }
			: webhook;
	});
	await sandbox.seed({
		webhooks,
		calls: memory.calls ?? [],
		contacts: memory.contacts ?? [],
		credits: memory.credits,
	});
}

// --- single-process n8n (the default) --------------------------------------------------------

/**
 * The demo's own folder, kept between runs: n8n's SQLite database and the demo's state. Taken for
 * this demo alone; emptied first with --fresh or when the last demo did not finish setting up.
 * @param {boolean} fresh
 */
function openDemoFolder(fresh) {
	const demoDir = path.join(cacheRoot(), 'demo');
	const file = files(demoDir);
	fs.mkdirSync(demoDir, { recursive: true });
	takeLock(file.pid);
	cleanup.push(() => fs.rmSync(file.pid, { force: true }));
	if (fresh || (fs.existsSync(file.database) && !fs.existsSync(file.state))) {
		if (!fresh) say('The previous demo did not finish setting up: starting over.');
		for (const entry of fs.readdirSync(demoDir)) {
			if (entry !== 'demo.pid')
				fs.rmSync(path.join(demoDir, entry), { recursive: true, force: true });
		}
	}
	/** @type {DemoState | undefined} */
	const previous = readJson(file.state);
	return { demoDir, file, previous };
}

/**
 * One n8n process on SQLite in the demo's folder, on port 5678 if it is free.
 * @param {{ runtime: Awaited<ReturnType<typeof ensureRuntime>>, https: boolean, userFolder: string,
 *   log: (line: string) => void }} o
 */
async function startSingleN8n({ runtime, https, userFolder, log }) {
	const fixedPort = (await isFree(N8N_PORT)) ? N8N_PORT : undefined;
	const publicUrl = fixedPort ? `${https ? 'https' : 'http'}://localhost:${fixedPort}` : undefined;
	const n8n = await startN8n({
		runtime,
		https,
		userFolder,
		log,
		env: {
			// This machine only: the owner's password is printed below.
			N8N_LISTEN_ADDRESS: '127.0.0.1',
			...(https ? {} : { N8N_SECURE_COOKIE: 'false' }),
			...(publicUrl ? { WEBHOOK_URL: `${publicUrl}/`, N8N_EDITOR_BASE_URL: `${publicUrl}/` } : {}),
		},
	});
	cleanup.push(() => n8n.stop({ keep: true }));
	if (fixedPort && n8n.port !== fixedPort) {
		const proxy = await forward(fixedPort, n8n.port).catch((err) => {
			throw new Error(
				`port ${fixedPort} was taken while n8n started (${err.message}); run the demo again`,
			);
		});
		cleanup.push(() => proxy.close());
	}
	return { n8n, url: publicUrl ?? n8n.url };
}

// --- main -------------------------------------------------------------------------------------

/** @type {Array<() => Promise<unknown> | void>} what to undo at the end, in reverse order */
const cleanup = [];
let stopping = false;
let stoppedLine = 'Stopped: n8n and the sandbox are gone.';

/** Undoes everything the demo started, then exits. A second Ctrl-C exits at once. */
async function stop(/** @type {number} */ code) {
	if (stopping) process.exit(1);
	stopping = true;
	if (cleanup.length > 0) {
		say('\nStopping ...');
		for (const step of cleanup.reverse()) {
			try {
				await step();
			} catch (err) {
				process.stderr.write(`  while stopping: ${/** @type {Error} */ (err).message}\n`);
			}
		}
		say(stoppedLine);
	}
	process.exit(code);
}

async function main() {
	/** @type {ReturnType<typeof parseArgs>} */
	let args;
	try {
		args = parseArgs(process.argv.slice(2));
	} catch (err) {
		process.stderr.write(`${/** @type {Error} */ (err).message}\n\n${USAGE}\n`);
		process.exitCode = 2;
		return;
	}
	if (args.help) {
		say(USAGE);
		return;
	}
	if (args.queue) {
		const missing = missingServerPackages();
		if (missing.length > 0) {
			process.stderr.write(
				`npm run demo -- --queue needs PostgreSQL, Redis and HAProxy from Debian's packages; this machine lacks ${missing.join(', ')}.\n` +
					`Install them (as root), then run the demo again:\n\n` +
					`  apt-get update && apt-get install -y --no-install-recommends ${missing.join(' ')}\n`,
			);
			process.exitCode = 1;
			return;
		}
	}
	for (const signal of /** @type {NodeJS.Signals[]} */ (['SIGINT', 'SIGTERM', 'SIGHUP'])) {
		process.on(signal, () => void stop(0));
	}
	const t0 = Date.now();
	const log = (/** @type {string} */ line) => say(`     ${line}`);

	say(
		args.queue
			? 'VoxPria demo: n8n 2.40.7 in queue mode (PostgreSQL, Redis, main, 2 webhook processes behind\nan HTTPS balancer, a worker) with n8n-nodes-voxpria, wired to a local VoxPria sandbox.\n'
			: 'VoxPria demo: a real n8n 2.40.7 with n8n-nodes-voxpria, wired to a local VoxPria sandbox.\n',
	);
	// Queue mode keeps nothing: its database is a throw-away Postgres.
	const kept = args.queue ? undefined : openDemoFolder(args.fresh);

	say(
		'1/4  Node 24 and n8n 2.40.7 (the first run installs them into a cache: 3 to 4 minutes, once)',
	);
	const runtime = await ensureRuntime({ log });
	say('2/4  Building the package (npm run build)');
	execFileSync('npm', ['run', 'build', '--silent'], {
		cwd: REPO,
		stdio: ['ignore', 'ignore', 'inherit'],
	});

	say(
		args.queue
			? '3/4  Starting the VoxPria sandbox, PostgreSQL, Redis, HAProxy and the n8n processes (1 to 3 minutes)'
			: '3/4  Starting the VoxPria sandbox and n8n',
	);
	// Each trigger's deliveries signed in another of the forms VoxPria's pages describe.
	const sandbox = await startSandbox({ port: SANDBOX_PORT, signing: DEMO_SIGNING }).catch((err) => {
		if (err.code !== 'EADDRINUSE') throw err;
		return startSandbox({ port: 0, signing: DEMO_SIGNING });
	});
	cleanup.push(() => sandbox.close());

	/** @type {Awaited<ReturnType<typeof startQueueDeployment>> | undefined} */
	let queue;
	/** @type {Awaited<ReturnType<typeof startN8n>>} */
	let n8n;
	/** The editor's URL, and the base of production webhook URLs (with a trailing slash). */
	let url;
	let webhookBase;
	if (kept) {
		({ n8n, url } = await startSingleN8n({
			runtime,
			https: args.https,
			userFolder: kept.demoDir,
			log,
		}));
		webhookBase = `${url}/`;
	} else {
		const started = await startQueueDeployment({ runtime, https: args.https, log });
		cleanup.push(started.stop);
		stoppedLine =
			'Stopped: the n8n processes, PostgreSQL, Redis, HAProxy and the sandbox are gone.';
		({ main: n8n, editorUrl: url, webhookBase } = started);
		queue = started;
	}

	say('4/4  Owner, credential and example workflows');
	/** @type {DemoState} */
	let state;
	const saveState = () => kept && writeJson(kept.file.state, state);
	if (!kept?.previous) {
		await n8n.setupOwner();
		const credential = await n8n.createCredential({
			name: CREDENTIAL_NAME,
			type: 'voxPriaApi',
			data: { apiKey: sandbox.apiKey, baseUrl: sandbox.url },
		});
		for (const name of exampleNames()) {
			// Plain http needs the trigger's "Allow HTTP URL"; with https it is unused. Queue mode's
			// triggers register the balancer's https URL, as a user's would.
			const imported = await importExample(n8n, name, { credential, allowHttp: !args.queue });
			say(`     imported and activated "${imported.name}"`);
		}
		state = {
			apiKey: /** @type {string} */ (n8n.apiKey),
			credentialId: credential.id,
			sandboxUrl: sandbox.url,
		};
		saveState();
	} else {
		state = kept.previous;
		await restoreSandbox(sandbox, readJson(kept.file.sandbox), webhookBase);
		say('     kept from the last run: your workflows, credentials and executions');
	}
	const api = await workingApi(n8n, state, saveState);
	if (!api) {
		say(
			"     the demo cannot use n8n's API any more (the owner's password or the demo's API key was changed):",
		);
		say('     executions are not listed here; npm run demo -- --fresh starts over');
	}
	if (api && state.sandboxUrl !== sandbox.url) {
		// Port 4010 was taken this time: point the demo's credential at where the sandbox is now.
		await api('PATCH', `/credentials/${state.credentialId}`, {
			data: { apiKey: sandbox.apiKey, baseUrl: sandbox.url },
		}).then(
			() => {
				state.sandboxUrl = sandbox.url;
				saveState();
			},
			(err) => say(`     could not point "${CREDENTIAL_NAME}" at ${sandbox.url}: ${err.message}`),
		);
	}
	// Saved on every tick too, so that even a killed demo leaves its registrations behind.
	const saveSandbox = async () => {
		if (kept) writeJson(kept.file.sandbox, await sandboxMemory(sandbox));
	};
	cleanup.push(saveSandbox);

	const { webhooks } = await sandbox.state();
	printBanner({
		url,
		webhookBase,
		sandbox,
		signings: webhooks.map(
			(/** @type {{url: string, signing: keyof typeof SIGNING_DESCRIPTIONS}} */ webhook) =>
				`${new URL(webhook.url).pathname}: ${SIGNING_DESCRIPTIONS[webhook.signing] ?? webhook.signing}`,
		),
		https: args.https,
		seconds: Math.round((Date.now() - t0) / 1000),
		demoDir: kept?.demoDir,
		queue,
	});

	// --- activity ---------------------------------------------------------------------------
	const sandboxHeaders = { authorization: `Bearer ${sandbox.apiKey}` };
	let tick = 0;
	let lastCampaignAt = new Date(t0).toISOString();
	const placeCall = async () => {
		const call = CALLS[tick % CALLS.length];
		const res = await n8n.request(`${sandbox.url}/api/v1/calls`, {
			method: 'POST',
			headers: sandboxHeaders,
			body: {
				agentId: AGENT_ID,
				toNumber: call.toNumber,
				variables: { firstName: call.firstName },
			},
		});
		event(
			`sandbox  call ${res.body?.data?.callId ?? `failed: HTTP ${res.status}`} to ${call.toNumber} (${call.outcome})`,
		);
	};
	const postLead = async () => {
		const n = Math.floor(tick / LEAD_EVERY);
		const name = LEADS[n % LEADS.length];
		const lead = {
			name,
			phone: `+1415555${2000 + (n % 8000)}`,
			email: `${name.split(' ')[0].toLowerCase()}@example.com`,
		};
		const res = await n8n.request(`${webhookBase}webhook/new-lead`, { method: 'POST', body: lead });
		event(
			`n8n      new lead ${name} ${lead.phone} posted to /webhook/new-lead (HTTP ${res.status})`,
		);
	};
	const finishCampaign = async () => {
		if (stopping) return; // its 8 s delay ran into Ctrl-C
		const n = Math.floor(tick / CAMPAIGN_EVERY) + 1;
		const data = {
			campaignId: `cmp_demo_${n}`,
			name: `Demo campaign ${n}`,
			startedAt: lastCampaignAt,
		};
		lastCampaignAt = new Date().toISOString();
		await sandbox.emit({ event: 'campaign.finished', data });
		event(
			`sandbox  campaign.finished for ${data.campaignId} (calls since ${data.startedAt.slice(11, 19)})`,
		);
	};
	const round = async () => {
		try {
			await placeCall();
			if (tick % LEAD_EVERY === 0) await postLead();
			// Let this round's calls end first, so the report counts them.
			if (tick % CAMPAIGN_EVERY === 0)
				setTimeout(() => void finishCampaign().catch(report), 8000).unref();
			await saveSandbox();
		} catch (err) {
			report(err);
		}
		tick++;
	};
	const report = (/** @type {unknown} */ err) =>
		event(`error    ${/** @type {Error} */ (err).message}`);
	const timer = setInterval(() => void round(), TICK_MS);
	cleanup.push(() => clearInterval(timer));

	// --- what n8n ran -----------------------------------------------------------------------
	if (api) {
		/** @type {Map<string, string>} */
		const workflowNames = new Map();
		/** @returns {Promise<Array<{id: string, workflowId: string, status: string, stoppedAt: string | null}>>} */
		const recentExecutions = async (/** @type {number} */ limit) =>
			(await api('GET', `/executions?limit=${limit}`)).data;
		// Executions of earlier runs are not news; each new one is reported once it has finished.
		const seen = new Set((await recentExecutions(250)).map((execution) => execution.id));
		/** In queue mode: which webhook process queued an execution, and which worker ran it. */
		const where = (/** @type {string} */ id) => {
			if (!queue) return '';
			const { queuedBy, ranOn } = queue.whereItRan(id);
			return `   (${queuedBy ? `queued by ${queuedBy}` : 'queued by ?'}, ran on ${ranOn ?? '?'})`;
		};
		const watch = async () => {
			for (const execution of (await recentExecutions(50)).reverse()) {
				if (seen.has(execution.id) || !execution.stoppedAt) continue;
				seen.add(execution.id);
				if (!workflowNames.has(execution.workflowId)) {
					workflowNames.set(
						execution.workflowId,
						(await api('GET', `/workflows/${execution.workflowId}`)).name,
					);
				}
				event(
					`n8n      execution ${execution.id} of "${workflowNames.get(execution.workflowId)}": ${execution.status}${where(execution.id)}`,
				);
			}
		};
		const watcher = setInterval(
			() =>
				void watch().catch((err) => {
					if (err.status !== 401) return; // n8n busy or restarting: try again next time
					clearInterval(watcher);
					event("n8n      the demo's API key was deleted: see the executions in n8n from now on");
				}),
			2000,
		);
		cleanup.push(() => clearInterval(watcher));
	}

	await round();
}

/**
 * @param {{ url: string, webhookBase: string, sandbox: { url: string, apiKey: string },
 *   signings: string[], https: boolean, seconds: number, demoDir?: string,
 *   queue?: Awaited<ReturnType<typeof startQueueDeployment>> }} o
 */
function printBanner({ url, webhookBase, sandbox, signings, https, seconds, demoDir, queue }) {
	const json = `-H 'Content-Type: application/json'`;
	const k = https || queue ? ' -k' : '';
	const taken = (/** @type {string} */ where, /** @type {number} */ port) =>
		new URL(where).port === String(port) ? '' : `   (port ${port} is taken)`;
	const home = (/** @type {string} */ p) =>
		process.env.HOME && p.startsWith(process.env.HOME) ? `~${p.slice(process.env.HOME.length)}` : p;
	say(`
Ready in ${seconds} s.

  n8n       ${url}${taken(url, N8N_PORT)}${queue ? '   (the editor, served by the main process)' : ''}
            log in as ${OWNER.email}, password ${OWNER.password}
  sandbox   ${sandbox.url}   (a local stand-in for VoxPria's API)${taken(sandbox.url, SANDBOX_PORT)}
            API key ${sandbox.apiKey}
${queue ? queueBanner(queue) : ''}${
		https
			? `
  n8n uses a self-signed certificate: your browser warns once (Advanced → Proceed to localhost).`
			: ''
	}
What to look at in n8n (Overview):
  • "VoxPria: summary of each completed call"  VoxPria Trigger (call.completed) → Call summary
  • "VoxPria: call each new lead"              Webhook /webhook/new-lead → save contact → call and wait → Outcome
  • "VoxPria: report when a campaign finishes" VoxPria Trigger (campaign.finished) → calls → counts by status
  Open one and its Executions tab to see each run's data. The credential "${CREDENTIAL_NAME}" points at the sandbox.
  The sandbox signs each trigger's deliveries in another of the ways VoxPria's pages describe:
${signings.map((/** @type {string} */ line) => `    ${line}`).join('\n')}

What happens: every 30 s the sandbox places a call (every other one gets no answer, is busy or fails)
and sends n8n signed call.completed / call.failed events; every 2 minutes a new lead is posted to n8n;
every 5 minutes a campaign finishes. Each line below is one of those, or one run in n8n${
		queue ? ',\nwith the webhook process that queued it and the worker that ran it' : ''
	}.

Try it yourself:
  curl -s${k} ${json} -d '{"name":"Ada Lovelace","phone":"+14155550123","email":"ada@example.com"}' ${webhookBase}webhook/new-lead
  curl -s -H 'Authorization: Bearer ${sandbox.apiKey}' ${json} -d '{"agentId":"${AGENT_ID}","toNumber":"+14155550100"}' ${sandbox.url}/api/v1/calls
  curl -s ${json} -d '{"event":"campaign.finished","data":{"campaignId":"cmp_mine"}}' ${sandbox.url}/__admin/emit
${
	https || queue
		? ''
		: `
n8n serves plain HTTP here, so the demo's VoxPria Triggers have Options → Allow HTTP URL on (VoxPria
itself delivers only to HTTPS). A VoxPria Trigger you add needs it too, or run: npm run demo -- --https
`
}${
		queue
			? `
Nothing is kept: the database, Redis and the logs above go when the demo stops.
Ctrl-C stops every process above and the sandbox.
`
			: `
Your n8n data is kept in ${home(/** @type {string} */ (demoDir))} for the next run (npm run demo -- --fresh starts over).
Ctrl-C stops n8n and the sandbox.
`
	}`);
}

/**
 * What runs where in queue mode, and how to see that the worker runs the executions.
 * @param {Awaited<ReturnType<typeof startQueueDeployment>>} queue
 */
function queueBanner(queue) {
	const { processes, postgres, redis, webhookBase, workerLogs, webhookLogs } = queue;
	const pad = (/** @type {string} */ text, /** @type {number} */ width) => text.padEnd(width);
	const rows = processes
		.map(
			(p) =>
				`  ${pad(p.role, 10)}${pad(p.what, 18)}pid ${pad(String(p.pid ?? '-'), 8)}${p.listens}\n` +
				`  ${pad('', 28)}log ${p.log}`,
		)
		.join('\n');
	return `
  balancer  ${webhookBase}   (WEBHOOK_URL: VoxPria and /webhook/new-lead deliveries arrive here,
            round-robin to the two webhook processes; the triggers registered ${webhookBase}webhook/…)

n8n in queue mode, each part its own process on this machine:
${rows}

  Postgres  psql postgresql://${postgres.user}:${postgres.password}@127.0.0.1:${postgres.port}/${postgres.database}
  Redis     redis-cli -p ${redis.port} keys 'bull:*'

  Main serves the editor and API and registers the triggers with VoxPria; it takes no production
  webhooks (N8N_DISABLE_PRODUCTION_MAIN_PROCESS). A webhook process checks each delivery and queues
  it in Redis ("Enqueued execution"); the worker runs it ("Worker started execution"). See it:
    tail -f ${workerLogs.join(' ')} | grep --line-buffered 'Worker started execution'
    grep 'Enqueued execution' ${webhookLogs.join(' ')}
  Test URLs (/webhook-test/…, "Listen for test event") are served by main only, and this balancer
  sends everything to the webhook processes: use the active workflows and their executions here.
`;
}

main().catch((err) => {
	process.stderr.write(`\nThe demo could not start: ${err instanceof Error ? err.message : err}\n`);
	void stop(1);
});
