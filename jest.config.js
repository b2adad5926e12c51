/** @type {import('jest').Config} */
const common = {
	preset: 'ts-jest',
	testEnvironment: 'node',
	transform: { '^.+\\.ts$': 'ts-jest' },
	// The n8n lock folders (one package.json per tested n8n version) are no modules of ours.
	modulePathIgnorePatterns: ['<rootDir>/test/e2e/runtime/'],
};

module.exports = {
	projects: [
		{
			...common,
			displayName: 'unit',
			testMatch: ['<rootDir>/test/unit/**/*.test.ts', '<rootDir>/test/sandbox/**/*.test.ts'],
		},
		{
			...common,
			displayName: 'e2e',
			testMatch: [
				'<rootDir>/test/e2e/**/*.test.ts',
				'<rootDir>/test/reliability/**/*.test.ts',
				'<rootDir>/test/scale/**/*.test.ts',
			],
		},
		{
			// One real n8n of the version VOXPRIA_N8N_VERSION names (`npm run test:compat`).
			...common,
			displayName: 'compat',
			testMatch: ['<rootDir>/test/compat/**/*.test.ts'],
		},
	],
};
