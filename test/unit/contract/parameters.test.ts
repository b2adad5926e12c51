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

	/** Parameters added since 0.1.0: new options inside a collection leave saved workflows intact. */
	const ADDED: Record<keyof typeof pinned, string[]> = {
		// Call → Download Recording (issue 22).
		voxPria: [
			'recordingSource',
			'callId#2',
			'recordingUrl',
			'binaryPropertyName',
			'downloadOptions',
			'downloadOptions.sendKeyToOtherHosts',
		],
		voxPriaTrigger: ['options.downloadRecording', 'options.replayWindowHours'],
		voxPriaApi: [],
	};
	/**
	 * Option values added since 0.1.0 (path, or path#n for a repeated path): a saved value keeps its
	 * meaning when the list grows, so only additions are allowed, in any place.
	 */
	const NEW_EVENTS = ['call.answered', 'call.ended', 'campaign.completed', 'credit.low'];
	const ADDED_OPTIONS: Record<keyof typeof pinned, Record<string, string[]>> = {
		voxPria: { events: NEW_EVENTS, 'operation#2': ['downloadRecording'] },
		voxPriaTrigger: { events: NEW_EVENTS },
		voxPriaApi: {},
	};
	/** Node versions added since 0.1.0: saved workflows keep theirs, new nodes get the newest. */
	const ADDED_VERSIONS: Record<keyof typeof pinned, number[]> = {
		voxPria: [],
		voxPriaTrigger: [1.1],
		voxPriaApi: [],
	};

	it.each(['voxPria', 'voxPriaTrigger', 'voxPriaApi'] as const)(
		'%s keeps every 0.1.0 parameter as it was, and adds only what is listed',
		(name) => {
			type Entry = { path: string };
			// Several parameters share a path (an `operation` per resource): number the repeats.
			const keyed = (list: Entry[]) => {
				const seen = new Map<string, number>();
				return list.map((entry) => {
					const count = (seen.get(entry.path) ?? 0) + 1;
					seen.set(entry.path, count);
					return [count === 1 ? entry.path : `${entry.path}#${count}`, entry] as const;
				});
			};
			type NodeFields = { version?: number | number[]; defaultVersion?: number };
			type Described = { parameters: Entry[]; node?: NodeFields };
			const { parameters: now, ...restNow } = current[name] as Described;
			const { parameters: then, ...restThen } = pinned[name] as unknown as Described;
			const { version: versionNow, defaultVersion, ...nodeNow } = restNow.node ?? {};
			const { version: versionThen, ...nodeThen } = restThen.node ?? {};
			expect({ ...restNow, node: nodeNow }).toEqual({ ...restThen, node: nodeThen });
			const versions = [versionThen ?? []].flat().concat(ADDED_VERSIONS[name]);
			expect([versionNow ?? []].flat()).toEqual(versions);
			expect(defaultVersion).toBe(ADDED_VERSIONS[name].length ? versions.at(-1) : undefined);
			type Option = { value: unknown };
			const byKey = new Map(keyed(now));
			for (const [key, entry] of keyed(then)) {
				const added = ADDED_OPTIONS[name][key] ?? [];
				const found = byKey.get(key) as (Entry & { options?: Option[] }) | undefined;
				const kept = found?.options && {
					...found,
					options: found.options.filter((option) => !added.includes(String(option.value))),
				};
				expect([key, kept ?? found]).toEqual([key, entry]);
				const addedNow = (found?.options ?? [])
					.map((option) => String(option.value))
					.filter((value) => added.includes(value));
				expect([key, addedNow.sort()]).toEqual([key, [...added].sort()]);
			}
			const known = new Set(keyed(then).map(([key]) => key));
			expect(
				keyed(now)
					.map(([key]) => key)
					.filter((key) => !known.has(key)),
			).toEqual(ADDED[name]);
		},
	);

	it('covers every parameter, nested ones included', () => {
		const paths = current.voxPria.parameters.map((entry: { path: string }) => entry.path);
		expect(paths).toEqual(
			expect.arrayContaining(['updateFields.phone', 'variables.variable.value']),
		);
		expect(paths.length).toBeGreaterThan(40);
	});
});
