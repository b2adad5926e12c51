/**
 * Remembers accepted deliveries so that neither VoxPria's retries nor a captured delivery start a
 * second execution. The rules (README, "Security"):
 *
 * - A delivery is identified by its signature digest and dated by its signed `timestamp`.
 * - It is remembered until that timestamp is older than the replay window; older ones are refused
 *   by the window itself (checkDelivery.ts).
 * - At most `maxEntries` are kept, because n8n rewrites the whole static data on every save and
 *   each entry costs database writes on every accepted delivery. When one more arrives, the entry
 *   with the oldest timestamp is dropped and its timestamp becomes the floor: anything at or below
 *   the floor is refused. So a dropped delivery can never run again, whatever its age.
 * - A delivery is pending until n8n has recorded its execution. A copy of a pending delivery must
 *   not be answered 200 (if the recording then fails, VoxPria would stop retrying and the event
 *   would be lost), and only recorded deliveries are saved, so that no other process or restart
 *   takes an unrecorded delivery for a duplicate.
 */

export const MAX_ENTRIES = 1_000;
/**
 * Keys are a 40-bit prefix of the delivery's HMAC, and a delivery matches an entry only with the
 * same signed timestamp too: a false match needs two deliveries with the same timestamp and the
 * same 40 bits, about one in 10^11 even with 10 deliveries a second.
 */
export const KEY_BYTES = 5;

/** A number, not a string: 40 bits fit a double exactly, and number-keyed maps are faster. */
export type DeliveryKey = number;

export function deliveryKey(digest: Buffer): DeliveryKey {
	return digest.readUIntBE(0, KEY_BYTES);
}

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

const FORMAT = '2';

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

	/** `anyTime`: match on the key alone (deliveries without a timestamp, unsigned). */
	recall(key: DeliveryKey, at: number, anyTime = false): Recall {
		const entry = this.entries.get(key);
		if (entry && (entry.at === at || entry.legacy || anyTime)) return entry.recorded ? 'recorded' : 'pending';
		return at <= this.floorAt ? 'belowFloor' : 'new';
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
		}
	}

	/** Takes back a pending delivery (n8n could not record it), so that VoxPria's retry runs. */
	forget(key: DeliveryKey): void {
		const entry = this.entries.get(key);
		if (entry && !entry.recorded) {
			this.entries.delete(key);
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
		this.floorAt = Math.max(this.floorAt, decoded.floor);
		for (const [key, at] of decoded.entries) {
			if (at <= this.floorAt) continue;
			const entry = this.entries.get(key);
			if (entry && entry.at === at) entry.recorded = true;
			else if (!entry) this.insert({ key, at, recorded: true, legacy: decoded.legacy });
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
	 * The form kept in static data: recorded deliveries (plus `alsoKey`, the delivery whose own save
	 * this is) and the floor, packed: "2.<unit>.<floor>.<first timestamp>.<entries>", numbers in
	 * base 36, entries as base64url of (varint time since the previous entry, 5 key bytes), oldest
	 * first. The unit is seconds ("s") when every timestamp is a whole second, as in VoxPria's
	 * examples, else ms ("m"): 8 to 10 characters an entry.
	 */
	toSaved(alsoKey?: DeliveryKey): string {
		if (this.cached?.version === this.version && this.cached.alsoKey === alsoKey) return this.cached.text;
		const included: Entry[] = [];
		let wholeSeconds = true;
		for (let index = this.head; index < this.order.length; index++) {
			const entry = this.order[index];
			if (this.entries.get(entry.key) !== entry) continue;
			if (!entry.recorded && entry.key !== alsoKey) continue;
			included.push(entry);
			if (entry.at % 1000 !== 0) wholeSeconds = false;
		}
		const unit = wholeSeconds ? 1000 : 1;
		const packed = Buffer.allocUnsafe(included.length * (KEY_BYTES + 8));
		let offset = 0;
		let previous = included[0]?.at ?? 0;
		for (const entry of included) {
			offset = writeVarint(packed, offset, (entry.at - previous) / unit);
			offset = packed.writeUIntBE(entry.key, offset, KEY_BYTES);
			previous = entry.at;
		}
		const text = [
			FORMAT,
			wholeSeconds ? 's' : 'm',
			this.floorAt.toString(36),
			included.length ? included[0].at.toString(36) : '',
			packed.toString('base64url', 0, offset),
		].join('.');
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
		while (this.head < this.order.length && this.entries.get(this.order[this.head].key) !== this.order[this.head]) {
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
			if (raisesFloor) this.floorAt = Math.max(this.floorAt, entry.at);
		}
		this.head++;
	}
}

function writeVarint(buffer: Buffer, offset: number, value: number): number {
	let rest = Math.max(0, Math.floor(value));
	do {
		let byte = rest % 128;
		rest = Math.floor(rest / 128);
		if (rest > 0) byte |= 128;
		buffer[offset++] = byte;
	} while (rest > 0);
	return offset;
}

interface DecodedMemory {
	floor: number;
	entries: Array<[key: DeliveryKey, at: number]>;
	legacy?: boolean;
}

/** 0.1.0 kept "<12-byte key in base64url>.<seconds received, base 36>" strings. */
const LEGACY_ENTRY = /^([A-Za-z0-9_-]{16})\.([0-9a-z]{1,8})$/;

/** Reads what toSaved() wrote, or 0.1.0's list; undefined for anything else. */
export function decodeMemory(saved: unknown): DecodedMemory | undefined {
	if (Array.isArray(saved)) {
		const entries: Array<[DeliveryKey, number]> = [];
		for (const item of saved) {
			const match = typeof item === 'string' ? LEGACY_ENTRY.exec(item) : null;
			if (!match) continue;
			entries.push([Buffer.from(match[1], 'base64url').readUIntBE(0, KEY_BYTES), parseInt(match[2], 36) * 1000]);
		}
		return { floor: 0, entries, legacy: true };
	}
	if (typeof saved !== 'string') return undefined;
	const [format, unitText, floorText, firstText, packed] = saved.split('.');
	if (format !== FORMAT || packed === undefined || (unitText !== 's' && unitText !== 'm')) return undefined;
	const unit = unitText === 's' ? 1000 : 1;
	const floor = parseInt(floorText, 36);
	if (!Number.isFinite(floor)) return undefined;
	const entries: Array<[DeliveryKey, number]> = [];
	if (packed === '') return { floor, entries };
	const bytes = Buffer.from(packed, 'base64url');
	let at = parseInt(firstText, 36);
	if (!Number.isFinite(at)) return undefined;
	let offset = 0;
	while (offset < bytes.length) {
		let delta = 0;
		let scale = 1;
		for (;;) {
			if (offset >= bytes.length) return undefined;
			const byte = bytes[offset++];
			delta += (byte & 127) * scale;
			scale *= 128;
			if (byte < 128) break;
		}
		if (offset + KEY_BYTES > bytes.length) return undefined;
		at += delta * unit;
		entries.push([bytes.readUIntBE(offset, KEY_BYTES), at]);
		offset += KEY_BYTES;
	}
	return { floor, entries };
}
