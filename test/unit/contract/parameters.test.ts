import { VoxPriaApi } from '../../../credentials/VoxPriaApi.credentials';
import { VoxPria } from '../../../nodes/VoxPria/VoxPria.node';
import { VoxPriaTrigger } from '../../../nodes/VoxPriaTrigger/VoxPriaTrigger.node';
import { contractOf } from './parameterTree';
import pinned from './parameters.json';

// parameters.json was written from release 0.1.0. A difference here breaks saved workflows: a
// renamed parameter or option value loses the user's setting, a changed default changes what an
// unset field does, a changed display condition hides or shows a field that holds a value.
describe('public contract: node types, parameters and credential fields', () => {
	const current = contractOf({ VoxPria, VoxPriaTrigger, VoxPriaApi });

	it.each(['voxPria', 'voxPriaTrigger', 'voxPriaApi'] as const)('%s is unchanged', (name) => {
		expect(current[name]).toEqual(pinned[name]);
	});

	it('covers every parameter, nested ones included', () => {
		const paths = current.voxPria.parameters.map((entry: { path: string }) => entry.path);
		expect(paths).toEqual(
			expect.arrayContaining(['updateFields.phone', 'variables.variable.value']),
		);
		expect(paths.length).toBeGreaterThan(40);
	});
});
