#!/usr/bin/env node
// @ts-check
'use strict';

/*
 * Runs the VoxPria sandbox on its own (`npm run sandbox`), e.g. to point a local n8n at it.
 *
 *   node test/sandbox/cli.js [--port 4010] [--host 127.0.0.1] [--key agl_sk_...] [--step-ms 400]
 *                            [--retry-ms 1000] [--require-https] [--no-seed] [--log]
 */

const { startSandbox } = require('./server');

const USAGE = `Usage: node test/sandbox/cli.js [options]

  --port <n>         port to listen on (default 4010; 0 picks a free one)
  --host <addr>      address to bind (default 127.0.0.1; 0.0.0.0 to reach it from a container)
  --key <key>        the accepted API key (default agl_sk_sandbox_key)
  --step-ms <n>      time between call status steps (default 400)
  --retry-ms <n>     first retry delay of a failed delivery (default 1000)
  --require-https    reject http:// webhook URLs, as VoxPria's dashboard does
  --no-seed          start without agents and credits
  --log              one line per request and delivery on stderr
  --help             this text`;

/**
 * @param {string[]} argv
 * @returns {{help: boolean, options: import('./server').SandboxOptions}}
 */
function parseArgs(argv) {
	/** @type {import('./server').SandboxOptions} */
	const options = { port: 4010 };
	let help = false;
	for (let i = 0; i < argv.length; i++) {
		const flag = argv[i];
		const value = () => {
			const next = argv[++i];
			if (next === undefined) throw new Error(`${flag} needs a value`);
			return next;
		};
		const number = () => {
			const n = Number(value());
			if (!Number.isInteger(n) || n < 0) throw new Error(`${flag} needs a whole number`);
			return n;
		};
		switch (flag) {
			case '--port':
				options.port = number();
				break;
			case '--host':
				options.host = value();
				break;
			case '--key':
				options.apiKey = value();
				break;
			case '--step-ms':
				options.callStepMs = number();
				break;
			case '--retry-ms':
				options.retryBaseMs = number();
				break;
			case '--require-https':
				options.requireHttps = true;
				break;
			case '--no-seed':
				options.seed = false;
				break;
			case '--log':
				options.log = true;
				break;
			case '--help':
			case '-h':
				help = true;
				break;
			default:
				throw new Error(`unknown option ${flag}`);
		}
	}
	return { help, options };
}

/** @param {string} url @param {string} key */
function banner(url, key) {
	const auth = `-H "Authorization: Bearer ${key}"`;
	const json = `-H "Content-Type: application/json"`;
	return `VoxPria sandbox running

  Base URL: ${url}
  API key:  ${key}

Try:
  curl -s ${auth} ${url}/api/v1/credits
  curl -s ${auth} ${url}/api/v1/agents
  curl -s ${auth} ${json} -d '{"url":"http://127.0.0.1:5678/webhook/voxpria","events":["call.completed","campaign.finished"],"active":true}' ${url}/api/v1/webhooks
  curl -s ${auth} ${json} -d '{"agentId":"agt_sales","toNumber":"+14155551234","variables":{"name":"Ada"}}' ${url}/api/v1/calls
  curl -s ${auth} "${url}/api/v1/calls?page=1&limit=50"

Admin (no auth):
  curl -s ${json} -d '{"event":"campaign.finished","data":{"campaignId":"cmp_1"}}' ${url}/__admin/emit
  curl -s ${json} -d '{"path":"/api/v1/credits","status":429,"headers":{"Retry-After":"2"},"body":{"success":false,"error":"Rate limit exceeded"}}' ${url}/__admin/faults
  curl -s ${url}/__admin/state
  curl -s -X POST ${url}/__admin/reset

Numbers ending 0001 fail, 0002 get no answer, 0003 are busy; any other number completes.
Ctrl-C stops the sandbox.
`;
}

async function main() {
	/** @type {ReturnType<typeof parseArgs>} */
	let args;
	try {
		args = parseArgs(process.argv.slice(2));
	} catch (err) {
		process.stderr.write(`${err instanceof Error ? err.message : err}\n\n${USAGE}\n`);
		process.exitCode = 2;
		return;
	}
	if (args.help) {
		process.stdout.write(`${USAGE}\n`);
		return;
	}
	const sandbox = await startSandbox(args.options);
	process.stdout.write(banner(sandbox.url, sandbox.apiKey));

	let stopping = false;
	const stop = async () => {
		// A second Ctrl-C while closing means "now".
		if (stopping) process.exit(1);
		stopping = true;
		await sandbox.close();
		process.stdout.write('VoxPria sandbox stopped\n');
		process.exit(0);
	};
	process.on('SIGINT', () => void stop());
	process.on('SIGTERM', () => void stop());
}

main().catch((err) => {
	process.stderr.write(`${err instanceof Error ? err.stack : err}\n`);
	process.exit(1);
});
