// @ts-check
'use strict';

/** Checks on request bodies and admin input; each failure is an HttpError 400 with its reason. */

const { E164 } = require('./constants');
const { HttpError } = require('./http');

/** @param {unknown} value @returns {value is Record<string, any>} */
function isObject(value) {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** @param {unknown} body @returns {Record<string, any>} */
function requireObject(body) {
	if (!isObject(body)) throw new HttpError(400, 'Body must be a JSON object');
	return body;
}

/** @param {unknown} value @param {string} field @returns {string} */
function requirePhone(value, field) {
	if (typeof value !== 'string' || !E164.test(value)) {
		throw new HttpError(400, `${field} must be an E.164 phone number (e.g. +14155551234)`);
	}
	return value;
}

/** @param {unknown} value @param {number} fallback */
function positiveInt(value, fallback) {
	const n = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : NaN;
	return n >= 1 ? n : fallback;
}

/**
 * @param {unknown} value @param {string} name @param {number} min @param {number} fallback
 * @returns {number}
 */
function intOption(value, name, min, fallback) {
	if (value === undefined) return fallback;
	if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
		throw new HttpError(400, `${name} must be an integer >= ${min}`);
	}
	return value;
}

/**
 * @template T @param {T[] | undefined} value @param {string} name @returns {T[]}
 */
function listOf(value, name) {
	if (value === undefined) return [];
	if (!Array.isArray(value) || !value.every(isObject)) {
		throw new HttpError(400, `${name} must be an array of objects`);
	}
	return value;
}

module.exports = { isObject, requireObject, requirePhone, positiveInt, intOption, listOf };
