// @ts-check
'use strict';
/**
 * Memory of a process and everything it started (n8n and its task runner, Postgres's postmaster
 * and its backends), read from Linux's /proc. RSS counts shared pages once per process, so for
 * Postgres (shared_buffers in every backend) PSS, which splits shared pages among their users, is
 * the fairer figure; both are given. Elsewhere than Linux the figures are undefined.
 */

const fs = require('node:fs');

/**
 * @typedef {{ pids: number[], rssMb: number, pssMb: number | undefined }} TreeMemory
 */

/** @returns {Map<number, number[]>} parent pid -> child pids */
function childrenByParent() {
	/** @type {Map<number, number[]>} */
	const map = new Map();
	for (const entry of fs.readdirSync('/proc')) {
		if (!/^\d+$/.test(entry)) continue;
		let stat;
		try {
			stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
		} catch {
			continue; // gone meanwhile
		}
		// The command name (field 2) may hold spaces and parentheses: parse after the last ')'.
		const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
		const list = map.get(ppid) ?? [];
		list.push(Number(entry));
		map.set(ppid, list);
	}
	return map;
}

/**
 * @param {number} pid
 * @param {string} field e.g. 'Rss' (smaps_rollup) or 'VmRSS' (status)
 * @param {string} file
 * @returns {number | undefined} kB
 */
function readKb(pid, field, file) {
	try {
		const text = fs.readFileSync(`/proc/${pid}/${file}`, 'utf8');
		const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(text);
		return m ? Number(m[1]) : undefined;
	} catch {
		return undefined;
	}
}

/**
 * RSS and PSS (MB) of `pid` and all its descendants; undefined if the process is gone or this is
 * not Linux.
 * @param {number | undefined} pid
 * @returns {TreeMemory | undefined}
 */
function treeMemory(pid) {
	if (pid === undefined || process.platform !== 'linux' || !fs.existsSync(`/proc/${pid}`)) {
		return undefined;
	}
	const children = childrenByParent();
	/** @type {number[]} */
	const pids = [];
	const queue = [pid];
	while (queue.length > 0) {
		const p = /** @type {number} */ (queue.shift());
		pids.push(p);
		queue.push(...(children.get(p) ?? []));
	}
	let rss = 0;
	/** @type {number | undefined} */
	let pss = 0;
	for (const p of pids) {
		rss += readKb(p, 'VmRSS', 'status') ?? 0;
		const pPss = readKb(p, 'Pss', 'smaps_rollup');
		pss = pss === undefined || pPss === undefined ? undefined : pss + pPss;
	}
	const mb = (/** @type {number} */ kb) => Math.round(kb / 102.4) / 10;
	return { pids, rssMb: mb(rss), pssMb: pss === undefined ? undefined : mb(pss) };
}

module.exports = { treeMemory };
