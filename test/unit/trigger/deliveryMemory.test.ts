import { createHash } from 'crypto';

import {
	DeliveryMemory,
	KEY_BYTES,
	MAX_ENTRIES,
	deliveryKey,
} from '../../../nodes/VoxPriaTrigger/deliveryMemory';
import { decodeMemory } from '../../../nodes/VoxPriaTrigger/savedMemory';

const key = (n: number) => deliveryKey(createHash('sha256').update(String(n)).digest());
const T0 = Date.UTC(2026, 10, 27, 12, 0, 0);

function filled(count: number, memory = new DeliveryMemory()) {
	for (let n = 0; n < count; n++) {
		memory.remember(key(n), T0 + n * 1000);
		memory.confirm(key(n));
	}
	return memory;
}

describe('DeliveryMemory', () => {
	it('knows a delivery as pending until it is confirmed, then as recorded', () => {
		const memory = new DeliveryMemory();
		expect(memory.recall(key(1), T0)).toBe('new');
		memory.remember(key(1), T0);
		expect(memory.recall(key(1), T0)).toBe('pending');
		memory.confirm(key(1));
		expect(memory.recall(key(1), T0)).toBe('recorded');
		expect(memory.recall(key(2), T0)).toBe('new');
	});

	it('forgets a pending delivery (n8n could not record it), but never a recorded one', () => {
		const memory = new DeliveryMemory();
		memory.remember(key(1), T0);
		memory.forget(key(1));
		expect(memory.recall(key(1), T0)).toBe('new');
		memory.remember(key(2), T0);
		memory.confirm(key(2));
		memory.forget(key(2));
		expect(memory.recall(key(2), T0)).toBe('recorded');
	});

	it(`keeps ${MAX_ENTRIES} deliveries; the oldest timestamp it drops becomes the floor`, () => {
		const memory = filled(MAX_ENTRIES + 1);
		expect(memory.size).toBe(MAX_ENTRIES);
		expect(memory.floor).toBe(T0);
		// The dropped delivery is still known as run; anything older is refused rather than run again.
		expect(memory.recall(key(0), T0)).toBe('recorded');
		expect(memory.recall(key(99_999), T0 - 5_000)).toBe('belowFloor');
		// A first delivery dated like the floor, or one millisecond newer, is new.
		expect(memory.recall(key(99_999), T0)).toBe('new');
		expect(memory.recall(key(99_999), T0 + 1)).toBe('new');
		expect(memory.recall(key(1), T0 + 1000)).toBe('recorded');
	});

	it('tells a new delivery from a dropped one in a burst that shares one second (VoxPria dates to the second)', () => {
		const memory = new DeliveryMemory();
		// 900 deliveries all dated T0, then 20 dated a second later: 420 were dropped at T0.
		for (let n = 0; n < 920; n++) {
			const at = n < 900 ? T0 : T0 + 1000;
			expect(memory.recall(key(n), at)).toBe('new');
			memory.remember(key(n), at);
			memory.confirm(key(n));
		}
		expect(memory.floor).toBe(T0);
		for (let n = 0; n < 920; n++)
			expect(memory.recall(key(n), n < 900 ? T0 : T0 + 1000)).toBe('recorded');
		expect(memory.recall(key(2_000), T0)).toBe('new');
		// The same holds in another process that reads what this one saved.
		const other = new DeliveryMemory();
		other.merge(memory.toSaved());
		expect(other.recall(key(0), T0)).toBe('recorded');
		expect(other.recall(key(2_000), T0)).toBe('new');
	});

	it('refuses everything dated like the floor once it cannot keep all keys dropped at it', () => {
		const memory = new DeliveryMemory(3);
		for (let n = 0; n < 10; n++) {
			memory.remember(key(n), T0);
			memory.confirm(key(n));
		}
		expect(memory.recall(key(0), T0)).toBe('belowFloor');
		expect(memory.recall(key(100), T0)).toBe('belowFloor');
		// A memory saved by a release without the floor keys: the same, at its floor.
		const old = new DeliveryMemory();
		old.merge(
			filled(MAX_ENTRIES + 1)
				.toSaved()
				.split('.')
				.slice(0, 5)
				.join('.'),
		);
		expect(old.recall(key(99_999), T0)).toBe('belowFloor');
		expect(old.recall(key(99_999), T0 + 1)).toBe('new');
	});

	it('keeps a dropped delivery pending until n8n records it, and lets its retry run if n8n could not', () => {
		const memory = new DeliveryMemory(2);
		memory.remember(key(1), T0);
		memory.remember(key(2), T0 + 1000);
		memory.remember(key(3), T0 + 2000);
		expect(memory.recall(key(1), T0)).toBe('pending');
		memory.forget(key(1));
		expect(memory.recall(key(1), T0)).toBe('new');
		memory.remember(key(4), T0 + 3000);
		expect(memory.floor).toBe(T0 + 1000);
		memory.confirm(key(2));
		expect(memory.recall(key(2), T0 + 1000)).toBe('recorded');
		expect(decodeMemory(memory.toSaved())?.floorKeys).toEqual([key(2)]);
	});

	it('drops by signed timestamp, not by arrival: a late arrival with an old timestamp goes first', () => {
		const memory = new DeliveryMemory(3);
		memory.remember(key(1), T0 + 10_000);
		memory.remember(key(2), T0 + 20_000);
		memory.remember(key(3), T0 + 5_000); // a retry of an older event, arriving last
		memory.remember(key(4), T0 + 30_000);
		expect(memory.recall(key(3), T0 + 5_000)).toBe('pending');
		expect(memory.recall(key(5), T0 + 4_000)).toBe('belowFloor');
		expect(memory.floor).toBe(T0 + 5_000);
		expect(memory.recall(key(1), T0 + 10_000)).toBe('pending');
	});

	it('the 2,001-replay attack: a captured delivery never runs twice, however many others are replayed', () => {
		const memory = filled(MAX_ENTRIES);
		// Replaying 2,000 more signed deliveries (newer ones) pushes every early one out...
		for (let n = MAX_ENTRIES; n < MAX_ENTRIES * 3; n++) {
			if (memory.recall(key(n), T0 + n * 1000) === 'new') {
				memory.remember(key(n), T0 + n * 1000);
				memory.confirm(key(n));
			}
		}
		// ...and each of those, replayed once more, is refused: below the floor or recorded.
		for (let n = 0; n < MAX_ENTRIES * 3; n++)
			expect(memory.recall(key(n), T0 + n * 1000)).not.toBe('new');
	});

	it('expires by timestamp without raising the floor', () => {
		const memory = filled(10);
		memory.expire(T0 + 5_000);
		expect(memory.size).toBe(5);
		expect(memory.floor).toBe(0);
	});

	it('saves only recorded deliveries (plus the one whose save this is), and reads them back', () => {
		const memory = filled(3);
		memory.remember(key(100), T0 + 100_000);
		const saved = memory.toSaved();
		expect(decodeMemory(saved)?.entries.map(([k]) => k)).toEqual([key(0), key(1), key(2)]);
		const withOwn = memory.toSaved(key(100));
		expect(decodeMemory(withOwn)?.entries).toEqual([
			[key(0), T0],
			[key(1), T0 + 1000],
			[key(2), T0 + 2000],
			[key(100), T0 + 100_000],
		]);
	});

	it('stays small: 8 characters a delivery with whole-second timestamps, under 10 with ms', () => {
		expect(KEY_BYTES).toBe(5);
		expect(filled(MAX_ENTRIES).toSaved().length / MAX_ENTRIES).toBeLessThan(8.1);
		const precise = new DeliveryMemory();
		for (let n = 0; n < MAX_ENTRIES; n++) {
			precise.remember(key(n), T0 + n * 1537 + (n % 7));
			precise.confirm(key(n));
		}
		const saved = precise.toSaved();
		expect(saved.length / MAX_ENTRIES).toBeLessThan(9.5);
		expect(decodeMemory(saved)?.entries[MAX_ENTRIES - 1]).toEqual([
			key(MAX_ENTRIES - 1),
			T0 + (MAX_ENTRIES - 1) * 1537 + ((MAX_ENTRIES - 1) % 7),
		]);
	});

	it('matches a delivery only with its own timestamp too', () => {
		const memory = filled(1);
		expect(memory.recall(key(0), T0)).toBe('recorded');
		expect(memory.recall(key(0), T0 + 1)).toBe('new');
	});

	it('merges what other processes saved, floor included, as recorded deliveries', () => {
		const other = filled(MAX_ENTRIES + 5);
		const mine = new DeliveryMemory();
		mine.remember(key(500_000), T0 + 500_000_000);
		mine.merge(other.toSaved());
		// Its own pending delivery made one more than the bound: the next oldest went too.
		expect(mine.floor).toBe(other.floor + 1000);
		expect(mine.recall(key(10), T0 + 10_000)).toBe('recorded');
		expect(mine.recall(key(0), T0)).toBe('belowFloor');
		expect(mine.recall(key(5), T0 + 5_000)).toBe('recorded');
		expect(mine.recall(key(500_000), T0 + 500_000_000)).toBe('pending');
		expect(mine.size).toBe(MAX_ENTRIES);
	});

	it('tells whether a saved copy lacks something it holds', () => {
		const memory = filled(5);
		const saved = memory.toSaved();
		expect(memory.isAheadOf(saved)).toBe(false);
		memory.remember(key(6), T0 + 6_000);
		expect(memory.isAheadOf(saved)).toBe(false); // pending: not to be saved yet
		memory.confirm(key(6));
		expect(memory.isAheadOf(saved)).toBe(true);
		expect(memory.isAheadOf(undefined)).toBe(true);
	});

	it('reads the memory 0.1.0 saved, so an upgrade keeps recognising duplicates', () => {
		const digest = createHash('sha256').update('old').digest();
		const legacyKey = digest.subarray(0, 12).toString('base64url');
		const memory = new DeliveryMemory();
		memory.merge([`${legacyKey}.${Math.floor(T0 / 1000).toString(36)}`, 'garbage']);
		expect(memory.recall(deliveryKey(digest), T0)).toBe('recorded');
		expect(memory.size).toBe(1);
	});

	it('ignores a saved memory it cannot read', () => {
		const memory = new DeliveryMemory();
		for (const bad of [undefined, null, 42, 'x', '2.zz', '2.0.1.!!!', { seen: [] }])
			memory.merge(bad);
		expect(memory.size).toBe(0);
		expect(memory.floor).toBe(0);
	});
});
