import { decodeMemory, type DecodedMemory, type DeliveryKey, encodeMemory } from './savedMemory';

export { deliveryKey, KEY_BYTES, type DeliveryKey } from './savedMemory';

/**
 * Remembers accepted deliveries so that neither VoxPria's retries nor a captured delivery start a
 * second execution. The rules (README, "Security"):
 *
 * - A delivery is identified by its signature digest and dated by its signed `timestamp`.
 * - It is remembered until that timestamp is older than the replay window; older ones are refused
 *   by the window itself (checkDelivery.ts).
 * - At most `maxEntries` are kept, because n8n rewrites the whole static data on every save and
 *   each entry costs database writes on every accepted delivery. When one more arrives, the entry
 *   with the oldest timestamp is dropped and its timestamp becomes the floor: anything older is
 *   refused. So a dropped delivery can never run again, whatever its age. The keys dropped at the
 *   floor's own timestamp are kept (`floorKeys`): VoxPria dates deliveries to the second, and a
 *   burst shares one, so a new delivery dated like the floor is told apart from a dropped one.
 * - A delivery is pending until n8n has recorded its execution. A copy of a pending delivery must
 *   not be answered 200 (if the recording then fails, VoxPria would stop retrying and the event
 *   would be lost), and only recorded deliveries are saved, so that no other process or restart
 *   takes an unrecorded delivery for a duplicate.
 */

export const MAX_ENTRIES = 500;

/** What the memory knows about a delivery. */
export type Recall = 'new' | 'recorded' | 'pending' | 'belowFloor';

interface Entry {
	key: DeliveryKey;
	/** The delivery's signed timestamp, in ms. */
	at: number;
	recorded: boolean;
	/** Saved by 0.1.0, which kept the time received, not the signed timestamp. */
	legacy?: boolean;
}

export class DeliveryMemory {
	private readonly entries = new Map<DeliveryKey, Entry>();
	/**
	 * Entries by timestamp, oldest first. Entries forgotten since stay here until they reach the
	 * head (an entry counts only while `entries` maps its key to that same object), so that
	 * forgetting is O(1) and eviction walks a plain array.
	 */
	private order: Entry[] = [];
	private head = 0;
	private floorAt = 0;
	/**
	 * The keys dropped with the floor's timestamp, each with whether n8n recorded it; undefined
	 * when not all of them are known.
	 */
	private floorKeys: Map<DeliveryKey, boolean> | undefined = new Map();
	/** The saved text merged last, and whether it lacks a recorded delivery held here. */
	private mergedText: unknown;
	private mergedLacksSome = true;
	/** toSaved() is asked once per save and the memory rarely changes in between. */
	private version = 0;
	private cached?: { version: number; alsoKey?: DeliveryKey; text: string };

	constructor(readonly maxEntries = MAX_ENTRIES) {}

	get size(): number {
		return this.entries.size;
	}

	/** Deliveries with a timestamp at or below this (ms) are refused. */
	get floor(): number {
		return this.floorAt;
	}

	/** The newest signed timestamp held (ms), 0 when empty. */
	get newest(): number {
		for (let index = this.order.length - 1; index >= this.head; index--) {
			const entry = this.order[index];
			if (this.entries.get(entry.key) === entry) return entry.at;
		}
		return 0;
	}

	/** `anyTime`: match on the key alone (deliveries without a timestamp, unsigned). */
	recall(key: DeliveryKey, at: number, anyTime = false): Recall {
		const entry = this.entries.get(key);
		if (entry && (entry.at === at || entry.legacy || anyTime))
			return entry.recorded ? 'recorded' : 'pending';
		if (at > this.floorAt) return 'new';
		if (at === this.floorAt && this.floorKeys) {
			const recorded = this.floorKeys.get(key);
			return recorded === undefined ? 'new' : recorded ? 'recorded' : 'pending';
		}
		return 'belowFloor';
	}

	/** Records a new delivery as pending. */
	remember(key: DeliveryKey, at: number): void {
		this.insert({ key, at, recorded: false });
		this.evictOverflow();
		this.version++;
	}

	/** n8n recorded the delivery's execution. */
	confirm(key: DeliveryKey): void {
		const entry = this.entries.get(key);
		if (entry && !entry.recorded) {
			entry.recorded = true;
			this.changed();
		} else if (!entry && this.floorKeys?.get(key) === false) {
			this.floorKeys.set(key, true);
			this.changed();
		}
	}

	/** Takes back a pending delivery (n8n could not record it), so that VoxPria's retry runs. */
	forget(key: DeliveryKey): void {
		const entry = this.entries.get(key);
		if (entry && !entry.recorded) {
			this.entries.delete(key);
			this.version++;
		} else if (!entry && this.floorKeys?.get(key) === false) {
			this.floorKeys.delete(key);
			this.version++;
		}
	}

	/** Drops what the replay window refuses anyway. */
	expire(oldestAllowed: number): void {
		this.compact();
		while (this.head < this.order.length && this.order[this.head].at < oldestAllowed) {
			this.dropHead(false);
			this.version++;
		}
	}

	/**
	 * Adds what another process (or this one before a restart) saved. Everything saved was
	 * recorded, so it counts as recorded here too.
	 */
	merge(saved: unknown): void {
		if (saved === this.mergedText) return;
		const decoded = decodeMemory(saved);
		if (!decoded) return;
		this.raiseFloor(decoded.floor, decoded.floorKeys, true);
		for (const [key, at] of decoded.entries) {
			const entry = this.entries.get(key);
			if (entry) {
				if (entry.at === at) entry.recorded = true;
			} else if (this.recall(key, at) === 'new') {
				this.insert({ key, at, recorded: true, legacy: decoded.legacy });
			}
		}
		this.evictOverflow();
		this.version++;
		this.mergedText = saved;
		this.mergedLacksSome = this.lacksSome(decoded);
	}

	/** Whether `saved` lacks a recorded delivery this memory holds: saving again would add it. */
	isAheadOf(saved: unknown): boolean {
		if (saved === this.mergedText) return this.mergedLacksSome;
		return this.lacksSome(decodeMemory(saved));
	}

	private lacksSome(decoded: DecodedMemory | undefined): boolean {
		if (!decoded || decoded.floor < this.floorAt) return true;
		if (this.floorKeys && !decoded.floorKeys) return true;
		const savedFloorKeys = new Set(decoded.floorKeys);
		for (const [key, recorded] of this.floorKeys ?? []) {
			if (recorded && decoded.floor === this.floorAt && !savedFloorKeys.has(key)) return true;
		}
		let recorded = 0;
		for (const entry of this.entries.values()) if (entry.recorded) recorded++;
		let present = 0;
		for (const [key, at] of decoded.entries) {
			const entry = this.entries.get(key);
			if (entry?.recorded && entry.at === at) present++;
		}
		return recorded > present;
	}

	private changed(): void {
		this.version++;
		this.mergedLacksSome = true;
	}

	/**
	 * The form kept in static data (savedMemory.ts): the floor and the recorded deliveries, plus
	 * `alsoKey`, the delivery whose own save this is.
	 */
	toSaved(alsoKey?: DeliveryKey): string {
		if (this.cached?.version === this.version && this.cached.alsoKey === alsoKey)
			return this.cached.text;
		const included: Entry[] = [];
		let wholeSeconds = true;
		for (let index = this.head; index < this.order.length; index++) {
			const entry = this.order[index];
			if (this.entries.get(entry.key) !== entry) continue;
			if (!entry.recorded && entry.key !== alsoKey) continue;
			included.push(entry);
			if (entry.at % 1000 !== 0) wholeSeconds = false;
		}
		const floorKeys = this.floorKeys && [
			...[...this.floorKeys].flatMap(([key, recorded]) =>
				recorded || key === alsoKey ? [key] : [],
			),
		];
		const text = encodeMemory(this.floorAt, included, wholeSeconds, floorKeys);
		this.cached = { version: this.version, alsoKey, text };
		return text;
	}

	private insert(entry: Entry): void {
		const previous = this.entries.get(entry.key);
		if (previous) this.entries.delete(entry.key);
		this.entries.set(entry.key, entry);
		// Timestamps mostly arrive in order: append, or find the place from the end.
		let index = this.order.length;
		while (index > this.head && this.order[index - 1].at > entry.at) index--;
		if (index === this.order.length) this.order.push(entry);
		else this.order.splice(index, 0, entry);
	}

	private evictOverflow(): void {
		while (this.entries.size > this.maxEntries) {
			this.compact();
			this.dropHead(true);
		}
		this.compact();
	}

	/** Skips forgotten entries at the head. */
	private compact(): void {
		while (
			this.head < this.order.length &&
			this.entries.get(this.order[this.head].key) !== this.order[this.head]
		) {
			this.head++;
		}
		if (this.head > this.maxEntries) {
			this.order = this.order.slice(this.head);
			this.head = 0;
		}
	}

	private dropHead(raisesFloor: boolean): void {
		const entry = this.order[this.head];
		if (this.entries.get(entry.key) === entry) {
			this.entries.delete(entry.key);
			if (raisesFloor) this.raiseFloor(entry.at, [entry.key], entry.recorded);
		}
		this.head++;
	}

	/** Takes a floor (and the keys dropped at it, when known) from an eviction or another save. */
	private raiseFloor(
		at: number,
		keys: readonly DeliveryKey[] | undefined,
		recorded: boolean,
	): void {
		if (at < this.floorAt) return;
		if (at > this.floorAt) {
			this.floorAt = at;
			this.floorKeys = new Map();
		}
		if (!keys || !this.floorKeys || this.floorKeys.size + keys.length > this.maxEntries) {
			// Unknown or too many to keep: everything dated like the floor may have run.
			this.floorKeys = undefined;
			return;
		}
		for (const key of keys) this.floorKeys.set(key, recorded || this.floorKeys.get(key) === true);
	}
}
