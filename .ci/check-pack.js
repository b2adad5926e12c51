// `npm pack` must ship the built package and nothing else: no sources, tests or sandbox.
const { execFileSync } = require('child_process');
const { posix, resolve } = require('path');

const { n8n } = require('../package.json');

/**
 * The icon files the built nodes and credential point at, resolved the way n8n's loader does:
 * `file:` paths relative to the .js file that names them. A missing one is a broken icon in n8n.
 */
function iconsNamedBy(files) {
	const icons = [];
	for (const file of files) {
		for (const Type of Object.values(require(resolve(__dirname, '..', file)))) {
			// n8n loads the class named like the file; other exports (constants) are no node.
			if (typeof Type !== 'function') continue;
			const instance = new Type();
			const { icon } = instance.description ?? instance;
			for (const name of typeof icon === 'string' ? [icon] : Object.values(icon ?? {})) {
				if (name.startsWith('file:')) icons.push(posix.join(posix.dirname(file), name.slice(5)));
			}
		}
	}
	return icons;
}

const [{ files, filename, size }] = JSON.parse(
	execFileSync('npm', ['pack', '--dry-run', '--json'], { encoding: 'utf8' }),
);
const paths = files.map((file) => file.path).sort();
const allowed = (path) =>
	path.startsWith('dist/') || ['package.json', 'README.md', 'LICENSE'].includes(path);
const unexpected = paths.filter((path) => !allowed(path));
const required = [
	'package.json',
	'README.md',
	'LICENSE',
	'dist/credentials/VoxPriaApi.credentials.js',
	'dist/icons/voxpria.svg',
	'dist/icons/voxpria.dark.svg',
	'dist/nodes/VoxPria/VoxPria.node.js',
	'dist/nodes/VoxPria/VoxPria.node.json',
	'dist/nodes/VoxPriaTrigger/VoxPriaTrigger.node.js',
	'dist/nodes/VoxPriaTrigger/VoxPriaTrigger.node.json',
	'dist/nodes/VoxPriaPollTrigger/VoxPriaPollTrigger.node.js',
	'dist/nodes/VoxPriaPollTrigger/VoxPriaPollTrigger.node.json',
	...iconsNamedBy([...n8n.nodes, ...n8n.credentials]),
];
const missing = [...new Set(required)].filter((path) => !paths.includes(path));
const sourceMaps = paths.filter((path) => path.endsWith('.ts') || path.includes('/test/'));

console.log(`${filename}: ${paths.length} files, ${size} bytes`);
if (unexpected.length || missing.length || sourceMaps.length) {
	if (unexpected.length) console.error(`Not meant to ship: ${unexpected.join(', ')}`);
	if (missing.length) console.error(`Missing: ${missing.join(', ')}`);
	if (sourceMaps.length) console.error(`Sources or tests in dist: ${sourceMaps.join(', ')}`);
	process.exit(1);
}
console.log('npm pack holds dist/, README.md, LICENSE and package.json only.');
