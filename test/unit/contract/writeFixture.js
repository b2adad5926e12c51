// Writes parameters.json from the built package: `npm run build && node test/unit/contract/writeFixture.js`.
// Run it only for a deliberate change of the public contract, and say so in the changelog: saved
// workflows of every user depend on what this file pins.
const { writeFileSync } = require('fs');
const { join } = require('path');

const { contractOf } = require('./parameterTree');

const dist = join(__dirname, '../../../dist');
// The poll trigger (added after 0.1.0) is pinned on its own, in pollTrigger.json (see pollTrigger.test.ts).
const contract = contractOf({
	...require(join(dist, 'nodes/VoxPria/VoxPria.node.js')),
	...require(join(dist, 'nodes/VoxPriaTrigger/VoxPriaTrigger.node.js')),
	...require(join(dist, 'credentials/VoxPriaApi.credentials.js')),
});
writeFileSync(join(__dirname, 'parameters.json'), `${JSON.stringify(contract, null, '\t')}\n`);
