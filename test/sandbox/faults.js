// @ts-check
'use strict';

/*
 * Injected faults: the admin API's `POST /__admin/faults` builds one, the next matching API
 * requests take it, and it answers (or delays, or drops) them instead of the handler.
 */

const { HttpError, writeRaw } = require('./http');
const { isObject, requireObject, intOption } = require('./validate');
const { newId } = require('./records');

/** @typedef {import('./types').Engine} Engine */
/** @typedef {import('./types').FaultSpec} FaultSpec */
/** @typedef {import('./types').Fault} Fault */
/** @typedef {import('./types').LogEntry} LogEntry */
/** @typedef {{fault: Fault, matches: (path: string) => boolean}} ActiveFault */

/** @param {string} pattern @returns {(path: string) => boolean} */
function pathMatcher(pattern) {
	if (pattern.length > 2 && pattern.startsWith('/') && pattern.endsWith('/')) {
		/** @type {RegExp} */
		let re;
		try {
			re = new RegExp(pattern.slice(1, -1));
		} catch {
			throw new HttpError(400, `path is not a valid regex: ${pattern}`);
		}
		// An exact path that happens to end in "/" still matches itself.
		return (path) => path === pattern || re.test(path);
	}
	return (path) => path === pattern;
}

/** @param {unknown} body @returns {{text: string, type: string | null}} */
function faultBody(body) {
	if (body === null || body === undefined) return { text: '', type: null };
	if (typeof body === 'string') return { text: body, type: 'text/plain; charset=utf-8' };
	return { text: JSON.stringify(body), type: 'application/json; charset=utf-8' };
}

/**
 * Checks an admin fault spec and builds the fault with its path matcher.
 * @param {FaultSpec} spec @returns {ActiveFault}
 */
function makeFault(spec) {
	const s = requireObject(spec);
	if (typeof s.path !== 'string' || s.path === '') throw new HttpError(400, 'path is required');
	const matches = pathMatcher(s.path);
	if (s.method !== undefined && (typeof s.method !== 'string' || s.method === '')) {
		throw new HttpError(400, 'method must be a string');
	}
	if (s.status !== undefined && (!Number.isInteger(s.status) || s.status < 200 || s.status > 599)) {
		throw new HttpError(400, 'status must be an integer from 200 to 599');
	}
	if (s.headers !== undefined && !isObject(s.headers)) {
		throw new HttpError(400, 'headers must be an object');
	}
	if (s.destroy !== undefined && typeof s.destroy !== 'boolean') {
		throw new HttpError(400, 'destroy must be a boolean');
	}
	/** @type {Fault} */
	const fault = {
		id: newId('flt'),
		method: s.method ? s.method.toUpperCase() : null,
		path: s.path,
		count: intOption(s.count, 'count', 1, 1),
		status: s.status ?? null,
		headers: Object.fromEntries(Object.entries(s.headers ?? {}).map(([k, v]) => [k, String(v)])),
		body: s.body === undefined ? null : s.body,
		delayMs: intOption(s.delayMs, 'delayMs', 0, 0),
		destroy: s.destroy === true,
		afterHandler: s.afterHandler === true,
	};
	return { fault, matches };
}

/**
 * The first fault matching this request, with one use taken off it (removed when used up).
 * @param {ActiveFault[]} faults @param {string} method @param {string} path @returns {Fault | null}
 */
function takeFault(faults, method, path) {
	const index = faults.findIndex(
		({ fault, matches }) => (fault.method === null || fault.method === method) && matches(path),
	);
	if (index < 0) return null;
	const { fault } = faults[index];
	fault.count--;
	if (fault.count <= 0) faults.splice(index, 1);
	return { ...fault };
}

/**
 * @param {Engine} sb @param {Fault} fault @param {import('http').IncomingMessage} req
 * @param {import('http').ServerResponse} res @param {LogEntry} entry
 * @returns {Promise<boolean>} whether the fault answered (or killed) the request
 */
async function applyFault(sb, fault, req, res, entry) {
	if (fault.delayMs > 0) await sb.sleep(fault.delayMs);
	if (sb.closed) return true;
	if (fault.destroy && fault.afterHandler) {
		// Let the handler run, but drop its answer on the floor.
		res.writeHead = /** @type {any} */ (() => res);
		res.end = /** @type {any} */ (
			() => {
				req.socket.destroy();
				return res;
			}
		);
		return false;
	}
	if (fault.destroy) {
		req.socket.destroy();
		return true;
	}
	if (fault.status === null) return false;
	const { text, type } = faultBody(fault.body);
	entry.status = fault.status;
	writeRaw(res, fault.status, text, {
		...(type ? { 'Content-Type': type } : {}),
		...fault.headers,
	});
	return true;
}

module.exports = { makeFault, takeFault, applyFault };
