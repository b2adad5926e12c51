// `npm pack` must ship the built package and nothing else: no sources, tests or sandbox.
const { execFileSync } = require('child_process');

const [{ files, filename, size }] = JSON.parse(execFileSync('npm', ['pack', '--dry-run', '--json'], { encoding: 'utf8' }));
const paths = files.map((file) => file.path).sort();
const allowed = (path) => path.startsWith('dist/') || ['package.json', 'README.md', 'LICENSE'].includes(path);
const unexpected = paths.filter((path) => !allowed(path));
const required = [
	'package.json',
	'README.md',
	'LICENSE',
	'dist/credentials/VoxPriaApi.credentials.js',
	'dist/credentials/voxpria.svg',
	'dist/credentials/voxpria.dark.svg',
	'dist/nodes/VoxPria/VoxPria.node.js',
	'dist/nodes/VoxPria/VoxPria.node.json',
	'dist/nodes/VoxPria/voxpria.svg',
	'dist/nodes/VoxPria/voxpria.dark.svg',
	'dist/nodes/VoxPriaTrigger/VoxPriaTrigger.node.js',
	'dist/nodes/VoxPriaTrigger/VoxPriaTrigger.node.json',
	'dist/nodes/VoxPriaTrigger/voxpria.svg',
	'dist/nodes/VoxPriaTrigger/voxpria.dark.svg',
];
const missing = required.filter((path) => !paths.includes(path));
const sourceMaps = paths.filter((path) => path.endsWith('.ts') || path.includes('/test/'));

console.log(`${filename}: ${paths.length} files, ${size} bytes`);
if (unexpected.length || missing.length || sourceMaps.length) {
	if (unexpected.length) console.error(`Not meant to ship: ${unexpected.join(', ')}`);
	if (missing.length) console.error(`Missing: ${missing.join(', ')}`);
	if (sourceMaps.length) console.error(`Sources or tests in dist: ${sourceMaps.join(', ')}`);
	process.exit(1);
}
console.log('npm pack holds dist/, README.md, LICENSE and package.json only.');
