/* eslint-disable @n8n/community-nodes/no-restricted-globals, @n8n/community-nodes/no-restricted-imports -- dev-only code, held to eslint.dev.config.mjs instead (CONTRIBUTING.md) */
import { readFileSync } from 'fs';
import { join } from 'path';

import { VoxPriaPollTrigger } from '../../../nodes/VoxPriaPollTrigger/VoxPriaPollTrigger.node';
import { nodeContract } from './parameterTree';
import pinned from './pollTrigger.json';

// pollTrigger.json pins the poll trigger's first release, as parameters.json does for the other
// nodes: saved workflows depend on its type name, parameter names, values and defaults.
describe('public contract: VoxPria Poll Trigger', () => {
	const description = new VoxPriaPollTrigger().description;

	it('keeps its type name, version and parameters as first released', () => {
		expect(nodeContract(description)).toEqual(pinned);
	});

	it('is a polling trigger n8n loads from the package, and not an AI tool', () => {
		expect(description).toMatchObject({ name: 'voxPriaPollTrigger', polling: true, version: 1 });
		expect(description.usableAsTool).toBeUndefined();
		const pkg = JSON.parse(readFileSync(join(__dirname, '../../../package.json'), 'utf8'));
		expect(pkg.n8n.nodes).toEqual([
			'dist/nodes/VoxPria/VoxPria.node.js',
			'dist/nodes/VoxPriaTrigger/VoxPriaTrigger.node.js',
			'dist/nodes/VoxPriaPollTrigger/VoxPriaPollTrigger.node.js',
		]);
	});
});
