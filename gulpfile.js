const { task, src, dest } = require('gulp');

// tsc emits only JavaScript; n8n also loads the icons and each node's codex file from dist/.
// Both nodes and the credential share one copy of each icon, in icons/.
task('build:icons', () =>
	src(['icons/*.{png,svg}', 'nodes/**/*.node.json'], {
		base: '.',
		encoding: false,
	}).pipe(dest('dist')),
);
