#!/usr/bin/env node
// @ts-check
'use strict';
/*
 * `npm run lint:conflicts`: fails when a tracked file holds a merge conflict marker. Prettier does
 * not catch one in Markdown: it reformats `>>>>>>> branch` into a block quote (`> > > > > > >`),
 * and a README with both sides of a conflict once passed lint that way.
 */

const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.join(__dirname, '..');
const MARKER = /^(<{7} |>{7} |(> ){7})/;

const files = execFileSync('git', ['ls-files', '-z'], { cwd: ROOT, encoding: 'utf8' })
	.split('\0')
	.filter((file) => file && !file.endsWith('package-lock.json') && !file.includes('/runtime/'));
const found = [];
for (const file of files) {
	let text;
	try {
		text = fs.readFileSync(path.join(ROOT, file), 'utf8');
	} catch {
		continue; // deleted in the working tree
	}
	text.split('\n').forEach((line, index) => {
		if (MARKER.test(line)) found.push(`${file}:${index + 1}: ${line.slice(0, 60)}`);
	});
}
if (found.length) {
	console.error(`merge conflict markers left in:\n${found.join('\n')}`);
	process.exit(1);
}
