import js from '@eslint/js';
import { n8nCommunityNodesPlugin } from '@n8n/eslint-plugin-community-nodes';
import n8nNodesBase from 'eslint-plugin-n8n-nodes-base';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const shipped = ['nodes/**/*.ts', 'credentials/**/*.ts'];
const { plugins: communityPlugins, rules: communityRules } = n8nCommunityNodesPlugin.configs.recommended;

export default tseslint.config(
	{
		ignores: ['dist/**', 'coverage/**', 'node_modules/**', 'test/e2e/runtime/**', '**/*.tgz'],
	},

	// What ships: n8n's community-node rules, as `n8n-node lint` and the verification scanner apply them.
	{
		files: shipped,
		extends: [tseslint.configs.recommended],
	},
	{
		files: [...shipped, 'package.json'],
		plugins: { ...communityPlugins, 'n8n-nodes-base': n8nNodesBase },
		rules: { ...communityRules, 'no-console': 'error' },
	},
	{
		files: ['package.json'],
		languageOptions: { parser: tseslint.parser },
		rules: { ...n8nNodesBase.configs.community.rules },
	},
	{
		files: ['credentials/**/*.ts'],
		rules: {
			...n8nNodesBase.configs.credentials.rules,
			// The scanner turns these two off for community packages.
			'n8n-nodes-base/cred-class-field-documentation-url-miscased': 'off',
			'n8n-nodes-base/cred-class-field-type-options-password-missing': 'off',
		},
	},
	{
		files: ['nodes/**/*.ts'],
		rules: {
			...n8nNodesBase.configs.nodes.rules,
			// The scanner turns these off: enum inputs/outputs, and APIs with real maximums.
			'n8n-nodes-base/node-class-description-inputs-wrong-regular-node': 'off',
			'n8n-nodes-base/node-class-description-outputs-wrong': 'off',
			'n8n-nodes-base/node-param-type-options-max-value-present': 'off',
		},
	},

	// Tests, the sandbox, the harness and the benchmarks run under Node and jest, not inside n8n.
	{
		files: ['test/**/*.ts', 'bench/**/*.ts'],
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
