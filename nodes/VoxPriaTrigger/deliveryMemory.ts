/**
 * Remembers recently accepted deliveries so that VoxPria's retries start no second execution.
 *
 * n8n gives each webhook request its own copy of the node's static data, loaded when the
 * request arrives, so concurrent requests cannot see each other's writes there. The memory
 * therefore lives in this process (one per trigger node), where a check-and-record is atomic
 * because no await separates them. Static data holds a reference to it: n8n serialises static
 * data only when it saves it, so whichever request saves last writes the whole, current memory.
 * After a restart the memory is rebuilt from that saved copy.
 */

/** At most this many deliveries are remembered... */
export const MEMORY_MAX_ENTRIES = 2_000;
/** ...and none for longer than this. */
export const MEMORY_TTL_SECONDS = 24 * 60 * 60;

/** Keys are a 96-bit prefix of the delivery's HMAC: short to store, and collisions are negligible. */
export function deliveryKey(digest: Buffer): string {
	return digest.subarray(0, 12).toString('base64url');
}

const SAVED_ENTRY = /^([A-Za-z0-9_-]{1,43})\.([0-9a-z]{1,8})$/;

export class DeliveryMemory {
	/** Key → the sequence number of its entry in `order`. */
	private readonly keys = new Map<string, number>();
	/**
	 * Entries oldest first; those before `head` are gone. A queue, not the Map's own order:
	 * iterating a Map from its start walks over every entry deleted since V8 last rehashed it,
	 * which made a full memory about 6 times slower.
	 */
	private order: Array<[key: string, seenAt: number, sequence: number]> = [];
	private head = 0;
	private sequence = 0;

	constructor(persisted?: unknown, nowMs = Date.now()) {
		if (!Array.isArray(persisted)) return;
		const oldestAllowed = Math.floor(nowMs / 1000) - MEMORY_TTL_SECONDS;
		for (const entry of persisted.slice(-MEMORY_MAX_ENTRIES)) {
			const match = typeof entry === 'string' ? SAVED_ENTRY.exec(entry) : null;
			if (!match) continue;
			const seenAt = parseInt(match[2], 36);
			if (seenAt >= oldestAllowed && !this.keys.has(match[1])) this.add(match[1], seenAt);
		}
	}

	get size(): number {
		return this.keys.size;
	}

	/** Records the key; answers false if it was already there (a duplicate). */
	remember(key: string, nowMs = Date.now()): boolean {
		const now = Math.floor(nowMs / 1000);
		while (this.head < this.order.length && this.order[this.head][1] <= now - MEMORY_TTL_SECONDS) {
			this.dropOldest();
		}
		if (this.keys.has(key)) return false;
		this.add(key, now);
		while (this.keys.size > MEMORY_MAX_ENTRIES) this.dropOldest();
		return true;
	}

	/** Takes a key back, so that a retry of that delivery is accepted again. */
	forget(key: string): void {
		this.keys.delete(key);
	}

	private add(key: string, seenAt: number): void {
		this.sequence++;
		this.keys.set(key, this.sequence);
		this.order.push([key, seenAt, this.sequence]);
	}

	private dropOldest(): void {
		const [key, , sequence] = this.order[this.head];
		// A forgotten key may have been remembered again since: only its own entry removes it.
		if (this.keys.get(key) === sequence) this.keys.delete(key);
		this.head++;
		// Drop the dead prefix once it is as long as the bound, so the queue stays within 2x.
		if (this.head >= MEMORY_MAX_ENTRIES) {
			this.order = this.order.slice(this.head);
			this.head = 0;
		}
	}

	/** The form kept in static data: "<key>.<seconds in base 36>", oldest first. */
	toJSON(): string[] {
		const entries: string[] = [];
		for (let index = this.head; index < this.order.length; index++) {
			const [key, seenAt, sequence] = this.order[index];
			if (this.keys.get(key) === sequence) entries.push(`${key}.${seenAt.toString(36)}`);
		}
		return entries;
	}
}

const memories = new Map<string, DeliveryMemory>();

/** The memory of one trigger node; built from its saved copy the first time after a start. */
export function memoryFor(scope: string, persisted: unknown): DeliveryMemory {
	let memory = memories.get(scope);
	if (!memory) {
		memory = new DeliveryMemory(persisted);
		memories.set(scope, memory);
	}
	return memory;
}

export function forgetMemory(scope: string): void {
	memories.delete(scope);
}
