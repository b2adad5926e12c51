// @ts-check
'use strict';

/*
 * Call recordings: the audio file of a completed call, served by the sandbox itself at
 * `<sandbox>/recordings/<callId>.mp3` with the API key (as a recording on VoxPria's own host
 * would need it), and a second server, another origin, that hosts recordings the way a CDN does,
 * for the tests of recordings that live elsewhere.
 */

const crypto = require('crypto');
const http = require('http');
const { once } = require('events');
const { writeRaw, sendJson, failure, urlHost } = require('./http');

/** @typedef {import('./types').Engine} Engine */
/** @typedef {import('./types').Ctx} Ctx */
/** @typedef {import('./types').LogEntry} LogEntry */

const RECORDING_PATH = /^\/recordings\/([^/]+)$/;
const MP3 = 'audio/mpeg';
/** MPEG-1 Layer III, 128 kbit/s, 44.1 kHz, joint stereo, no padding: 417 bytes a frame. */
const FRAME_HEADER = Buffer.from([0xff, 0xfb, 0x90, 0x64]);
const FRAME_BYTES = 417;
/** About 38 such frames make a second of audio. */
const FRAMES_PER_SECOND = 38;

/** @param {number} n */
const synchsafe = (n) =>
	Buffer.from([(n >> 21) & 0x7f, (n >> 14) & 0x7f, (n >> 7) & 0x7f, n & 0x7f]);

/** @param {number} n */
function uint32(n) {
	const buffer = Buffer.alloc(4);
	buffer.writeUInt32BE(n);
	return buffer;
}

/**
 * A deterministic, valid-looking MP3 for a call: an ID3v2.3 tag whose title names the call, then
 * `frames` MPEG frames whose payload is derived from the call ID (the same ID, the same bytes).
 * @param {string} callId @param {number} [frames]
 */
function recordingBytes(callId, frames = 8) {
	const title = Buffer.from(`VoxPria sandbox recording ${callId}`, 'utf8');
	const tit2 = Buffer.concat([
		Buffer.from('TIT2'),
		uint32(title.length + 1),
		Buffer.from([0, 0, 0]), // frame flags, then text encoding ISO-8859-1
		title,
	]);
	const id3 = Buffer.concat([
		Buffer.from('ID3'),
		Buffer.from([3, 0, 0]),
		synchsafe(tit2.length),
		tit2,
	]);
	const payload = FRAME_BYTES - FRAME_HEADER.length;
	/** @type {Buffer[]} */
	const parts = [id3];
	let seed = crypto.createHash('sha256').update(callId).digest();
	for (let i = 0; i < frames; i++) {
		/** @type {Buffer[]} */
		const chunks = [];
		for (let size = 0; size < payload; size += seed.length) {
			seed = crypto.createHash('sha256').update(seed).digest();
			chunks.push(seed);
		}
		parts.push(FRAME_HEADER, Buffer.concat(chunks).subarray(0, payload));
	}
	return Buffer.concat(parts);
}

/** The file name of a recording path (`/recordings/call_1.mp3` → `call_1.mp3`), or undefined. @param {string} path */
function recordingName(path) {
	const match = RECORDING_PATH.exec(path);
	if (!match) return undefined;
	try {
		return decodeURIComponent(match[1]);
	} catch {
		return undefined;
	}
}

/** @param {string} name */
const callIdOf = (name) => name.replace(/\.mp3$/i, '');

/** @param {Buffer} body @param {string} name */
const audioHeaders = (body, name) => ({
	'Content-Type': MP3,
	'Content-Length': String(body.length),
	'Content-Disposition': `attachment; filename="${name}"`,
});

/**
 * `GET /recordings/<callId>.mp3` on the sandbox, after its faults and its API key check: the
 * recording of a call that has one, 404 otherwise.
 * @param {Engine} sb @param {Ctx} ctx @param {import('http').ServerResponse} res @param {LogEntry} entry
 */
function serveRecording(sb, ctx, res, entry) {
	const name = recordingName(ctx.path) ?? '';
	const call = sb.db.calls.find((c) => c.recording === `${sb.url}/recordings/${name}`);
	if ((ctx.method !== 'GET' && ctx.method !== 'HEAD') || !call) {
		entry.status = 404;
		return sendJson(res, 404, failure('Recording not found'));
	}
	const body = recordingBytes(call.callId, sb.options.recordingFrames);
	entry.status = 200;
	if (ctx.method === 'HEAD') {
		res.writeHead(200, audioHeaders(body, name)).end();
		return;
	}
	writeRaw(res, 200, body, audioHeaders(body, name));
}

/**
 * A second recording host (another origin: its own port), as a CDN holding recordings: every
 * `GET /recordings/<callId>.mp3` gets that call's bytes without any key, and each request's
 * headers are kept. `answer(path, {status, headers, body})` makes that path answer otherwise
 * (a redirect, a 403).
 * @param {{host?: string, frames?: number}} [options]
 */
async function startRecordingHost({ host = '127.0.0.1', frames = 8 } = {}) {
	/** @type {{method: string, path: string, headers: import('http').IncomingHttpHeaders}[]} */
	const seen = [];
	/** @type {Map<string, {status: number, headers?: Record<string, string>, body?: string}>} */
	const answers = new Map();
	const server = http.createServer((req, res) => {
		const path = new URL(req.url ?? '/', 'http://recordings.invalid').pathname;
		seen.push({ method: req.method ?? 'GET', path, headers: { ...req.headers } });
		const special = answers.get(path);
		if (special) {
			return writeRaw(res, special.status, special.body ?? '', special.headers ?? {});
		}
		const name = recordingName(path);
		if (!name) return sendJson(res, 404, failure('Not found'));
		const body = recordingBytes(callIdOf(name), frames);
		writeRaw(res, 200, body, audioHeaders(body, name));
	});
	server.listen(0, host);
	await once(server, 'listening');
	const address = server.address();
	const port = typeof address === 'object' && address ? address.port : 0;
	return {
		url: `http://${urlHost(host)}:${port}`,
		seen,
		/** @param {string} path @param {{status: number, headers?: Record<string, string>, body?: string}} reply */
		answer: (path, reply) => void answers.set(path, reply),
		reset() {
			seen.length = 0;
			answers.clear();
		},
		/** @returns {Promise<void>} */
		close: () =>
			new Promise((resolve) => {
				server.close(() => resolve());
				server.closeAllConnections();
			}),
	};
}

module.exports = {
	FRAMES_PER_SECOND,
	recordingBytes,
	recordingName,
	serveRecording,
	startRecordingHost,
};
