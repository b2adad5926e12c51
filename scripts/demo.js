#!/usr/bin/env node
// @ts-check
'use strict';
/*
 * `npm run demo`: a real n8n 2.40.7 with this package installed, wired to a local VoxPria sandbox,
 * with the example workflows imported and active, and VoxPria activity every 30 s so that
 * executions keep arriving. Runs until Ctrl-C, then stops n8n and the sandbox.
 *
 *   node scripts/demo.js [--https] [--fresh]
 *
 * The first run installs Node 24 and n8n into the e2e cache (3 to 4 minutes, once per machine).
 * n8n's data lives in <cache>/demo and is kept between runs; --fresh starts over.
 */

const fs = require('node:fs');
const net = require('node:net');
const path = require('node:path');
const { execFileSync } = require('node:child_process');

const { ensureRuntime, cacheRoot } = require('../test/e2e/lib/runtime');
const { startN8n, OWNER } = require('../test/e2e/lib/n8n');
const { isAlive } = require('../test/e2e/lib/pid');
const { startSandbox } = require('../test/sandbox/server');
const { exampleNames, importExample } = require('../test/e2e/examples');

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
const LEADS = ['Ada Lovelace', 'Grace Hopper', 'Alan Turing', 'Katherine Johnson', 'Edsger Dijkstra'];
const FINAL = ['completed', 'failed', 'no_answer', 'busy'];

const USAGE = `Usage: npm run demo [-- [--https] [--fresh]]

  --https   serve n8n over HTTPS with a self-signed certificate (the browser warns once);
            the default is plain HTTP on localhost
  --fresh   forget the previous demo's n8n data (workflows, credentials, executions) first
  --help    this text`;

/** @param {string} line */
const say = (line = '') => process.stdout.write(`${line}\n`);
const clock = () => new Date().toTimeString().slice(0, 8);
/** @param {string} line */
const event = (line) => say(`  ${clock()}  ${line}`);

/** @param {string[]} argv */
function parseArgs(argv) {
	const args = { https: false, fresh: false, help: false };
	for (const arg of argv) {
		if (arg === '--https') args.https = true;
		else if (arg === '--fresh') args.fresh = true;
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

// --- ports ----------------------------------------------------------------------------------

/** @param {number} port @param {string} host */
function canListen(port, host) {
	return new Promise((resolve) => {
		const server = net.createServer();
		server.once('error', (/** @type {NodeJS.ErrnoException} */ err) => resolve(err.code === 'EADDRNOTAVAIL'));
		server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(true)));
	});
}

/** @param {number} port free on both loopback addresses (IPv6 may be missing: that counts as free) */
async function isFree(port) {
	return (await canListen(port, '127.0.0.1')) && (await canListen(port, '::1'));
}

/**
 * Forwards localhost:<port> to n8n's own port, byte for byte (TLS included), so that n8n can be
 * reached on the port users know while the harness starts it on a free one of its own choosing.
 * @param {number} port @param {number} target
 */
async function forward(port, target) {
	/** @type {Set<net.Socket>} */
	const sockets = new Set();
	const onConnection = (/** @type {net.Socket} */ client) => {
		const upstream = net.connect({ port: target, host: '127.0.0.1' });
		for (const socket of [client, upstream]) {
			sockets.add(socket);
			socket.on('close', () => sockets.delete(socket));
			socket.on('error', () => {
				client.destroy();
				upstream.destroy();
			});
		}
		client.pipe(upstream).pipe(client);
	};
	/** @type {net.Server[]} */
	const servers = [];
	for (const host of ['127.0.0.1', '::1']) {
		const server = net.createServer(onConnection);
		const ok = await new Promise((resolve, reject) => {
			server.once('error', (/** @type {NodeJS.ErrnoException} */ err) =>
				err.code === 'EADDRNOTAVAIL' && host === '::1' ? resolve(false) : reject(err),
			);
			server.listen({ port, host, exclusive: true }, () => resolve(true));
		});
		if (ok) servers.push(server);
	}
	return {
		close: () => {
			for (const socket of sockets) socket.destroy();
			return Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
		},
	};
}

// --- n8n's public API with a stored key -----------------------------------------------------

/**
 * @param {Awaited<ReturnType<typeof startN8n>>} n8n
 * @param {string} apiKey
 */
function publicApi(n8n, apiKey) {
	/** @param {string} method @param {string} p path below /api/v1 @param {unknown} [body] */
	return async (method, p, body) => {
		const res = await n8n.request(`${n8n.url}/api/v1${p}`, { method, headers: { 'x-n8n-api-key': apiKey }, body });
		if (res.status < 200 || res.status >= 300) {
			throw Object.assign(new Error(`${method} /api/v1${p}: HTTP ${res.status} ${res.text.slice(0, 300)}`), {
				status: res.status,
			});
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
		const created = await n8n.rest('POST', '/api-keys', { label: `voxpria-demo-${Date.now()}`, expiresAt: null, scopes });
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
	return { webhooks, calls: calls.filter((/** @type {{status: string}} */ c) => FINAL.includes(c.status)), contacts, credits };
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
		return url.hostname === 'localhost' ? { ...webhook, url: new URL(url.pathname, base).href } : webhook;
	});
	await sandbox.seed({ webhooks, calls: memory.calls ?? [], contacts: memory.contacts ?? [], credits: memory.credits });
}

// --- main -------------------------------------------------------------------------------------

/** @type {Array<() => Promise<unknown> | void>} what to undo at the end, in reverse order */
const cleanup = [];
let stopping = false;

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
		say('Stopped: n8n and the sandbox are gone.');
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
	for (const signal of /** @type {NodeJS.Signals[]} */ (['SIGINT', 'SIGTERM', 'SIGHUP'])) {
		process.on(signal, () => void stop(0));
	}
	const t0 = Date.now();
	const protocol = args.https ? 'https' : 'http';
	const demoDir = path.join(cacheRoot(), 'demo');
	const file = files(demoDir);

	say('VoxPria demo: a real n8n 2.40.7 with n8n-nodes-voxpria, wired to a local VoxPria sandbox.\n');
	fs.mkdirSync(demoDir, { recursive: true });
	takeLock(file.pid);
	cleanup.push(() => fs.rmSync(file.pid, { force: true }));
	if (args.fresh || (fs.existsSync(file.database) && !fs.existsSync(file.state))) {
		if (!args.fresh) say('The previous demo did not finish setting up: starting over.');
		for (const entry of fs.readdirSync(demoDir)) {
			if (entry !== 'demo.pid') fs.rmSync(path.join(demoDir, entry), { recursive: true, force: true });
		}
	}
	/** @type {DemoState | undefined} */
	const previous = readJson(file.state);

	say('1/4  Node 24 and n8n 2.40.7 (the first run installs them into a cache: 3 to 4 minutes, once)');
	const runtime = await ensureRuntime({ log: (line) => say(`     ${line}`) });
	say('2/4  Building the package (npm run build)');
	execFileSync('npm', ['run', 'build', '--silent'], { cwd: REPO, stdio: ['ignore', 'ignore', 'inherit'] });

	say('3/4  Starting the VoxPria sandbox and n8n');
	const sandbox = await startSandbox({ port: SANDBOX_PORT }).catch((err) => {
		if (err.code !== 'EADDRINUSE') throw err;
		return startSandbox({ port: 0 });
	});
	cleanup.push(() => sandbox.close());

	const fixedPort = (await isFree(N8N_PORT)) ? N8N_PORT : undefined;
	const publicUrl = fixedPort ? `${protocol}://localhost:${fixedPort}` : undefined;
	const n8n = await startN8n({
		runtime,
		https: args.https,
		userFolder: demoDir,
		log: (line) => say(`     ${line}`),
		env: {
			// This machine only: the owner's password is printed below.
			N8N_LISTEN_ADDRESS: '127.0.0.1',
			...(args.https ? {} : { N8N_SECURE_COOKIE: 'false' }),
			...(publicUrl ? { WEBHOOK_URL: `${publicUrl}/`, N8N_EDITOR_BASE_URL: `${publicUrl}/` } : {}),
		},
	});
	cleanup.push(() => n8n.stop({ keep: true }));
	if (fixedPort && n8n.port !== fixedPort) {
		const proxy = await forward(fixedPort, n8n.port).catch((err) => {
			throw new Error(`port ${fixedPort} was taken while n8n started (${err.message}); run the demo again`);
		});
		cleanup.push(() => proxy.close());
	}
	const url = publicUrl ?? n8n.url;
	const base = `${url}/`;

	say('4/4  Owner, credential and example workflows');
	/** @type {DemoState} */
	let state;
	if (!previous) {
		await n8n.setupOwner();
		const credential = await n8n.createCredential({
			name: CREDENTIAL_NAME,
			type: 'voxPriaApi',
			data: { apiKey: sandbox.apiKey, baseUrl: sandbox.url },
		});
		for (const name of exampleNames()) {
			// Plain http (the default here) needs the trigger's "Allow HTTP URL"; with https it is unused.
			const imported = await importExample(n8n, name, { credential, allowHttp: true });
			say(`     imported and activated "${imported.name}"`);
		}
		state = { apiKey: /** @type {string} */ (n8n.apiKey), credentialId: credential.id, sandboxUrl: sandbox.url };
		writeJson(file.state, state);
	} else {
		state = previous;
		await restoreSandbox(sandbox, readJson(file.sandbox), base);
		say('     kept from the last run: your workflows, credentials and executions');
	}
	const api = await workingApi(n8n, state, () => writeJson(file.state, state));
	if (!api) {
		say("     the demo cannot use n8n's API any more (the owner's password or the demo's API key was changed):");
		say('     executions are not listed here; npm run demo -- --fresh starts over');
	}
	if (api && state.sandboxUrl !== sandbox.url) {
		// Port 4010 was taken this time: point the demo's credential at where the sandbox is now.
		await api('PATCH', `/credentials/${state.credentialId}`, {
			data: { apiKey: sandbox.apiKey, baseUrl: sandbox.url },
		}).then(
			() => {
				state.sandboxUrl = sandbox.url;
				writeJson(file.state, state);
			},
			(err) => say(`     could not point "${CREDENTIAL_NAME}" at ${sandbox.url}: ${err.message}`),
		);
	}
	// Saved on every tick too, so that even a killed demo leaves its registrations behind.
	const saveSandbox = async () => writeJson(file.sandbox, await sandboxMemory(sandbox));
	cleanup.push(saveSandbox);

	printBanner({ url, sandbox, https: args.https, seconds: Math.round((Date.now() - t0) / 1000), demoDir });

	// --- activity ---------------------------------------------------------------------------
	const sandboxHeaders = { authorization: `Bearer ${sandbox.apiKey}` };
	let tick = 0;
	let lastCampaignAt = new Date(t0).toISOString();
	const placeCall = async () => {
		const call = CALLS[tick % CALLS.length];
		const res = await n8n.request(`${sandbox.url}/api/v1/calls`, {
			method: 'POST',
			headers: sandboxHeaders,
			body: { agentId: AGENT_ID, toNumber: call.toNumber, variables: { firstName: call.firstName } },
		});
		event(`sandbox  call ${res.body?.data?.callId ?? `failed: HTTP ${res.status}`} to ${call.toNumber} (${call.outcome})`);
	};
	const postLead = async () => {
		const n = Math.floor(tick / LEAD_EVERY);
		const name = LEADS[n % LEADS.length];
		const lead = {
			name,
			phone: `+1415555${2000 + (n % 8000)}`,
			email: `${name.split(' ')[0].toLowerCase()}@example.com`,
		};
		const res = await n8n.request(`${url}/webhook/new-lead`, { method: 'POST', body: lead });
		event(`n8n      new lead ${name} ${lead.phone} posted to /webhook/new-lead (HTTP ${res.status})`);
	};
	const finishCampaign = async () => {
		const n = Math.floor(tick / CAMPAIGN_EVERY) + 1;
		const data = { campaignId: `cmp_demo_${n}`, name: `Demo campaign ${n}`, startedAt: lastCampaignAt };
		lastCampaignAt = new Date().toISOString();
		await sandbox.emit({ event: 'campaign.finished', data });
		event(`sandbox  campaign.finished for ${data.campaignId} (calls since ${data.startedAt.slice(11, 19)})`);
	};
	const round = async () => {
		try {
			await placeCall();
			if (tick % LEAD_EVERY === 0) await postLead();
			// Let this round's calls end first, so the report counts them.
			if (tick % CAMPAIGN_EVERY === 0) setTimeout(() => void finishCampaign().catch(report), 8000).unref();
			await saveSandbox();
		} catch (err) {
			report(err);
		}
		tick++;
	};
	const report = (/** @type {unknown} */ err) => event(`error    ${/** @type {Error} */ (err).message}`);
	const timer = setInterval(() => void round(), TICK_MS);
	cleanup.push(() => clearInterval(timer));

	// --- what n8n ran -----------------------------------------------------------------------
	if (api) {
		/** @type {Map<string, string>} */
		const workflowNames = new Map();
		/** @returns {Promise<Array<{id: string, workflowId: string, status: string, stoppedAt: string | null}>>} */
		const recentExecutions = async (/** @type {number} */ limit) => (await api('GET', `/executions?limit=${limit}`)).data;
		// Executions of earlier runs are not news; each new one is reported once it has finished.
		const seen = new Set((await recentExecutions(250)).map((execution) => execution.id));
		const watch = async () => {
			for (const execution of (await recentExecutions(50)).reverse()) {
				if (seen.has(execution.id) || !execution.stoppedAt) continue;
				seen.add(execution.id);
				if (!workflowNames.has(execution.workflowId)) {
					workflowNames.set(execution.workflowId, (await api('GET', `/workflows/${execution.workflowId}`)).name);
				}
				event(`n8n      execution ${execution.id} of "${workflowNames.get(execution.workflowId)}": ${execution.status}`);
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
 * @param {{ url: string, sandbox: { url: string, apiKey: string }, https: boolean, seconds: number, demoDir: string }} o
 */
function printBanner({ url, sandbox, https, seconds, demoDir }) {
	const json = `-H 'Content-Type: application/json'`;
	const k = https ? ' -k' : '';
	const taken = (/** @type {string} */ where, /** @type {number} */ port) =>
		new URL(where).port === String(port) ? '' : `   (port ${port} is taken)`;
	const home = process.env.HOME && demoDir.startsWith(process.env.HOME) ? `~${demoDir.slice(process.env.HOME.length)}` : demoDir;
	say(`
Ready in ${seconds} s.

  n8n       ${url}${taken(url, N8N_PORT)}
            log in as ${OWNER.email}, password ${OWNER.password}
  sandbox   ${sandbox.url}   (a local stand-in for VoxPria's API)${taken(sandbox.url, SANDBOX_PORT)}
            API key ${sandbox.apiKey}
${
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

What happens: every 30 s the sandbox places a call (every other one gets no answer, is busy or fails)
and sends n8n signed call.completed / call.failed events; every 2 minutes a new lead is posted to n8n;
every 5 minutes a campaign finishes. Each line below is one of those, or one run in n8n.

Try it yourself:
  curl -s${k} ${json} -d '{"name":"Ada Lovelace","phone":"+14155550123","email":"ada@example.com"}' ${url}/webhook/new-lead
  curl -s -H 'Authorization: Bearer ${sandbox.apiKey}' ${json} -d '{"agentId":"${AGENT_ID}","toNumber":"+14155550100"}' ${sandbox.url}/api/v1/calls
  curl -s ${json} -d '{"event":"campaign.finished","data":{"campaignId":"cmp_mine"}}' ${sandbox.url}/__admin/emit
${
	https
		? ''
		: `
n8n serves plain HTTP here, so the demo's VoxPria Triggers have Options → Allow HTTP URL on (VoxPria
itself delivers only to HTTPS). A VoxPria Trigger you add needs it too, or run: npm run demo -- --https
`
}
Your n8n data is kept in ${home} for the next run (npm run demo -- --fresh starts over).
Ctrl-C stops n8n and the sandbox.
`);
}

main().catch((err) => {
	process.stderr.write(`\nThe demo could not start: ${err instanceof Error ? err.message : err}\n`);
	void stop(1);
});
