import js from '@eslint/js';
import { config as n8nConfig } from '@n8n/node-cli/eslint';
import globals from 'globals';
import tseslint from 'typescript-eslint';

// Code that never ships and runs under Node and jest, not inside n8n: the sandbox, the harness,
// the tests, benchmarks and dev scripts spawn processes and read files on purpose.
const devOnly = ['test/**', 'bench/**', 'scripts/**'];

// n8n's published config, exactly as `n8n-node lint` applies it, narrowed to what ships. It is not
// the verbatim template that `"strict": true` demands, because that would also hold the tests to
// n8n Cloud's rules (no child_process, no fs, no process.env).
const shipped = n8nConfig.map((block) =>
	block.files?.includes('**/*.ts')
		? { ...block, ignores: [...(block.ignores ?? []), ...devOnly] }
		: block,
);

export default tseslint.config(
	{
		ignores: ['dist/**', 'coverage/**', 'node_modules/**', 'test/e2e/runtime/**', '**/*.tgz'],
	},

	...shipped,
	{
		// n8n's config turns this off; our previous config had it on and the code keeps to it.
		files: ['nodes/**/*.ts', 'credentials/**/*.ts'],
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
