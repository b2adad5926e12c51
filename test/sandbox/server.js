// @ts-check
'use strict';

/*
 * VoxPria sandbox: a local server that behaves like VoxPria's documented API, plus an admin API
 * that lets tests inject faults, switch paging behaviour and send signed webhook deliveries.
 * README.md next to this file is the contract; keep the two in step.
 *
 * Node core modules only, so `node test/sandbox/cli.js` runs without a build and jest can
 * `require` it directly.
 *
 * This file starts one; the rest lives beside it: engine.js (state, request handling, call
 * lifecycle, admin operations), routes.js (the route table), api.js (VoxPria API handlers),
 * faults.js, deliveries.js (signing, sending, retries), seed.js, records.js (records and their
 * public views), validate.js, http.js (request and answer plumbing), constants.js, types.js.
 */

const { Engine } = require('./engine');
const { SEED_AGENTS, TRANSCRIPT } = require('./constants');
const { FRAMES_PER_SECOND, recordingBytes, startRecordingHost } = require('./recordings');

/** @typedef {import('./types').SandboxOptions} SandboxOptions */
/** @typedef {import('./types').Settings} Settings */

/**
 * @param {SandboxOptions} [options]
 * @returns {Settings}
 */
function settings(options = {}) {
	return {
		port: options.port ?? 0,
		host: options.host ?? '127.0.0.1',
		apiKey: options.apiKey ?? 'agl_sk_sandbox_key',
		callStepMs: options.callStepMs ?? 400,
		retryBaseMs: options.retryBaseMs ?? 1000,
		seed: options.seed ?? true,
		requireHttps: options.requireHttps ?? false,
		log: options.log ?? false,
		signing: options.signing ?? 'raw',
		recordingFrames: options.recordingFrames ?? 8,
	};
}

/**
 * Starts a sandbox; see README.md for the options and the API.
 * @param {SandboxOptions} [options]
 */
async function startSandbox(options) {
	const engine = new Engine(settings(options));
	await engine.listen();
	return {
		/** The credential's Base URL, e.g. http://127.0.0.1:4010 */
		url: engine.url,
		apiKey: engine.options.apiKey,
		close: engine.close.bind(engine),
		addFault: engine.addFault.bind(engine),
		clearFaults: engine.clearFaults.bind(engine),
		setPaging: engine.setPaging.bind(engine),
		setSigning: engine.setSigning.bind(engine),
		finishCall: engine.finishCall.bind(engine),
		state: engine.state.bind(engine),
		requests: engine.requests.bind(engine),
		clearRequests: engine.clearRequests.bind(engine),
		seed: engine.seed.bind(engine),
		deliver: engine.deliver.bind(engine),
		emit: engine.emit.bind(engine),
		deliveries: engine.deliveries.bind(engine),
		reset: engine.reset.bind(engine),
	};
}

module.exports = {
	startSandbox,
	startRecordingHost,
	recordingBytes,
	FRAMES_PER_SECOND,
	SEED_AGENTS,
	TRANSCRIPT,
};
