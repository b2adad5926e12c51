import {
	DeliveryMemory,
	MEMORY_MAX_ENTRIES,
	MEMORY_TTL_SECONDS,
	deliveryKey,
	forgetMemory,
	memoryFor,
} from '../../../nodes/VoxPriaTrigger/deliveryMemory';
import { createHash } from 'crypto';

const key = (n: number) => deliveryKey(createHash('sha256').update(String(n)).digest());
const T0 = Date.UTC(2026, 10, 27, 12, 0, 0);

describe('DeliveryMemory', () => {
	it('answers true the first time and false for a repeat', () => {
		const memory = new DeliveryMemory();
		expect(memory.remember(key(1), T0)).toBe(true);
		expect(memory.remember(key(1), T0 + 1000)).toBe(false);
		expect(memory.remember(key(2), T0 + 2000)).toBe(true);
	});

	it(`keeps at most ${MEMORY_MAX_ENTRIES} entries, forgetting the oldest first`, () => {
		const memory = new DeliveryMemory();
		for (let n = 0; n < MEMORY_MAX_ENTRIES + 500; n++) memory.remember(key(n), T0 + n);
		expect(memory.size).toBe(MEMORY_MAX_ENTRIES);
		expect(memory.remember(key(MEMORY_MAX_ENTRIES + 499), T0)).toBe(false);
		// The first 500 were evicted, so they count as new again.
		expect(memory.remember(key(0), T0)).toBe(true);
	});

	it('forgets entries older than 24 hours', () => {
		const memory = new DeliveryMemory();
		memory.remember(key(1), T0);
		expect(memory.remember(key(1), T0 + (MEMORY_TTL_SECONDS - 60) * 1000)).toBe(false);
		expect(memory.remember(key(1), T0 + (MEMORY_TTL_SECONDS + 60) * 1000)).toBe(true);
	});

	it('round-trips through JSON, as n8n stores static data, dropping expired entries', () => {
		const memory = new DeliveryMemory();
		memory.remember(key(1), T0);
		memory.remember(key(2), T0 + 10 * 3600 * 1000);
		const saved = JSON.parse(JSON.stringify({ seen: memory })).seen;
		expect(saved).toHaveLength(2);
		const restored = new DeliveryMemory(saved, T0 + 30 * 3600 * 1000);
		expect(restored.size).toBe(1);
		expect(restored.remember(key(2), T0 + 30 * 3600 * 1000)).toBe(false);
		expect(restored.remember(key(1), T0 + 30 * 3600 * 1000)).toBe(true);
	});

	it('forgets a key on request, and a key remembered again outlives its old entry', () => {
		const memory = new DeliveryMemory();
		memory.remember(key(1), T0);
		memory.forget(key(1));
		expect(JSON.parse(JSON.stringify(memory))).toEqual([]);
		expect(memory.remember(key(1), T0 + 1000)).toBe(true);
		// Push the old entry of key 1 out by size: the new one must survive it.
		for (let n = 2; n < MEMORY_MAX_ENTRIES; n++) memory.remember(key(n), T0 + 2000);
		expect(memory.size).toBe(MEMORY_MAX_ENTRIES - 1);
		memory.remember(key(MEMORY_MAX_ENTRIES), T0 + 3000);
		expect(memory.remember(key(1), T0 + 4000)).toBe(false);
		expect(memory.size).toBe(MEMORY_MAX_ENTRIES);
	});

	it('ignores saved data that is not its own format', () => {
		expect(new DeliveryMemory({ not: 'an array' }).size).toBe(0);
		expect(new DeliveryMemory([42, null, 'nodot', `${key(1)}.zz`], T0).size).toBe(0);
	});

	it('stays small in static data: about 52 kB at its bound', () => {
		const memory = new DeliveryMemory();
		for (let n = 0; n < 100_000; n++) memory.remember(key(n), T0 + n);
		expect(memory.size).toBe(MEMORY_MAX_ENTRIES);
		expect(JSON.stringify(memory).length).toBeLessThan(60_000);
	});

	it('gives each trigger node its own memory, rebuilt once from what was saved', () => {
		const saved = JSON.parse(JSON.stringify(new DeliveryMemory()));
		const a = memoryFor('wf:a:wh1', saved);
		expect(memoryFor('wf:a:wh1', undefined)).toBe(a);
		expect(memoryFor('wf:b:wh2', saved)).not.toBe(a);
		forgetMemory('wf:a:wh1');
		expect(memoryFor('wf:a:wh1', undefined)).not.toBe(a);
	});
});
