// @ts-check
'use strict';

/** @param {number} pid @returns {boolean} whether a process with this id exists (also another user's) */
function isAlive(pid) {
	try {
		process.kill(pid, 0);
		return true;
	} catch (err) {
		return /** @type {NodeJS.ErrnoException} */ (err).code === 'EPERM';
	}
}

module.exports = { isAlive };
