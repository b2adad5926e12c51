import js from '@eslint/js';
import { config as n8nConfig } from '@n8n/node-cli/eslint';
import globals from 'globals';
import tseslint from 'typescript-eslint';

// The second lint pass (`npm run lint`, after n8n's own `n8n-node lint` with the verbatim
// eslint.config.mjs that strict mode requires). Code that never ships runs under Node and jest, not
// inside n8n: the sandbox, the harness, the tests, benchmarks and dev scripts spawn processes and
// read files on purpose, so they are held to these rules instead of n8n Cloud's.
const devOnly = ['test/**', 'bench/**', 'scripts/**'];

export default tseslint.config(
	{
		ignores: ['dist/**', 'coverage/**', 'node_modules/**', 'test/e2e/runtime/**', '**/*.tgz'],
	},

	{
		// The n8n Cloud rules a dev file is exempt from are named in its first line for n8n's config
		// (eslint.config.mjs): known here, so that the names resolve, but not turned on.
		plugins: {
			'@n8n/community-nodes': n8nConfig.find((block) => block.plugins?.['@n8n/community-nodes'])
				.plugins['@n8n/community-nodes'],
		},
		linterOptions: { reportUnusedDisableDirectives: 'off' },
	},
	{
		// n8n's config turns this off; our previous config had it on and the code keeps to it.
		files: ['nodes/**/*.ts', 'credentials/**/*.ts'],
		extends: [tseslint.configs.recommended],
		rules: { 'prefer-spread': 'error' },
	},

	{
		files: devOnly.map((folder) => `${folder}/*.ts`),
		extends: [tseslint.configs.recommended],
		languageOptions: { globals: { ...globals.node, ...globals.jest } },
	},
	{
		files: ['**/*.js', '**/*.mjs'],
		extends: [js.configs.recommended],
		languageOptions: { globals: { ...globals.node } },
	},
	{
		files: ['**/*.js'],
		languageOptions: { sourceType: 'commonjs' },
	},
);
