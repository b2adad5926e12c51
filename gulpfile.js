const { task, src, dest } = require('gulp');

// tsc emits only JavaScript; n8n also loads each node's icons and codex file from dist/.
task('build:icons', () =>
	src(['nodes/**/*.{png,svg}', 'credentials/**/*.{png,svg}', 'nodes/**/*.node.json'], {
		base: '.',
		encoding: false,
	}).pipe(dest('dist')),
);
