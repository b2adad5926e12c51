/* eslint-disable @n8n/community-nodes/no-dangerous-functions, @n8n/community-nodes/no-restricted-imports -- dev-only code, held to eslint.dev.config.mjs instead (CONTRIBUTING.md) */
/**
 * Python's own `json.dumps(json.loads(text))` for each text, the form VoxPria's Python sample
 * verifies signatures over: the ground truth the trigger's Python form is checked against (python3
 * is on every machine the tests run on).
 */
import { execFileSync } from 'child_process';

const SCRIPT = [
	'import json, sys',
	'for line in sys.stdin:',
	'    print(json.dumps(json.dumps(json.loads(json.loads(line)))))',
].join('\n');

export function pythonDumps(texts: string[]): string[] {
	const output = execFileSync('python3', ['-c', SCRIPT], {
		input: texts.map((text) => JSON.stringify(text)).join('\n'),
		encoding: 'utf8',
	});
	return output
		.trim()
		.split('\n')
		.map((line) => JSON.parse(line) as string);
}
