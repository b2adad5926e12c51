// Runs n8n's community-package verification scanner on this package without the registry:
// the scanner's own analyzePackage(), first on the source tree, then on the unpacked tarball
// that `npm pack` produces, exactly the two passes it makes on a published package.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import {
	analyzePackage,
	SOURCE_FILE_PATTERNS,
} from '@n8n/scan-community-package/scanner/scanner.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

function report(label, result) {
	if (result.passed) {
		console.log(`✅ ${label}: no errors${result.message ? ` (${result.message})` : ''}`);
		return true;
	}
	console.error(`❌ ${label}: ${result.message}`);
	if (result.details) console.error(result.details);
	return false;
}

const sourceOk = report('source tree', await analyzePackage(root, SOURCE_FILE_PATTERNS));

const work = mkdtempSync(join(tmpdir(), 'voxpria-scan-'));
let tarballOk = false;
try {
	execFileSync('npm', ['run', 'build', '--silent'], { cwd: root, stdio: 'inherit' });
	const [{ filename }] = JSON.parse(
		execFileSync('npm', ['pack', '--json', '--pack-destination', work], {
			cwd: root,
			encoding: 'utf8',
		}),
	);
	const unpacked = join(work, 'package');
	execFileSync('tar', ['-xzf', join(work, filename), '-C', work]);
	tarballOk = report(
		'npm pack tarball',
		await analyzePackage(unpacked, ['**/*.js', 'package.json']),
	);
} finally {
	rmSync(work, { recursive: true, force: true });
}

process.exit(sourceOk && tarballOk ? 0 : 1);
