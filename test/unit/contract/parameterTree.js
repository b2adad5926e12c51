/**
 * The public contract of the two nodes and the credential, as saved workflows and credentials
 * depend on it: type names, versions, webhooks, and every parameter's name, type, default, options
 * (name and value), type options and display conditions. Text written for people (display names,
 * descriptions, hints, placeholders, action labels, error messages) is left out: it may change.
 */
const TEXT = new Set([
	'displayName',
	'description',
	'hint',
	'placeholder',
	'action',
	'subtitle',
	'icon',
	'codex',
	'errorMessage',
	'message',
]);

/** A copy without the text keys, with object keys sorted so the fixture diffs cleanly. */
function strip(value) {
	if (Array.isArray(value)) return value.map(strip);
	if (!value || typeof value !== 'object') return value;
	const kept = {};
	for (const key of Object.keys(value).sort()) {
		if (!TEXT.has(key) && value[key] !== undefined) kept[key] = strip(value[key]);
	}
	return kept;
}

/** One entry per parameter, nested ones (collection, fixedCollection) named by their path. */
function parameters(properties, prefix = '') {
	const list = [];
	for (const property of properties) {
		const path = prefix === '' ? property.name : `${prefix}.${property.name}`;
		const { options, ...rest } = property;
		const entry = { path, ...strip(rest) };
		if (property.type === 'options' || property.type === 'multiOptions')
			entry.options = strip(options);
		list.push(entry);
		if (property.type === 'collection') list.push(...parameters(options, path));
		if (property.type === 'fixedCollection') {
			for (const group of options) list.push(...parameters(group.values, `${path}.${group.name}`));
		}
	}
	return list;
}

function nodeContract(description) {
	const { properties, ...node } = description;
	return { node: strip(node), parameters: parameters(properties) };
}

function credentialContract(credential) {
	return {
		name: credential.name,
		authenticate: strip(credential.authenticate),
		parameters: parameters(credential.properties),
	};
}

/** Takes the node classes and the credential class, from the sources or from dist/. */
function contractOf({ VoxPria, VoxPriaTrigger, VoxPriaApi }) {
	return {
		voxPria: nodeContract(new VoxPria().description),
		voxPriaTrigger: nodeContract(new VoxPriaTrigger().description),
		voxPriaApi: credentialContract(new VoxPriaApi()),
	};
}

module.exports = { contractOf, nodeContract };
