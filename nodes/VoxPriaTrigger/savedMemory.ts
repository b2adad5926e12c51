/**
 * The duplicate memory as static data keeps it, small because n8n rewrites the whole static data
 * on every save: "2.<unit>.<floor>.<first timestamp>.<entries>.<floor keys>", numbers in base 36,
 * entries as base64url of (varint time since the previous entry, 5 key bytes), oldest first, the
 * keys dropped at the floor's timestamp as base64url of 5 bytes each ("*": not all known). The
 * unit is seconds ("s") when every timestamp is a whole second, as in VoxPria's examples, else ms
 * ("m"): 8 to 10 characters an entry. Releases before the floor keys wrote five fields; they read
 * the sixth as absent, so either release reads the other's memory.
 */

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

const FORMAT = '2';

export function encodeMemory(
	floor: number,
	entries: ReadonlyArray<{ key: DeliveryKey; at: number }>,
	wholeSeconds: boolean,
	floorKeys?: readonly DeliveryKey[],
): string {
	const unit = wholeSeconds ? 1000 : 1;
	const packed = Buffer.allocUnsafe(entries.length * (KEY_BYTES + 8));
	let offset = 0;
	let previous = entries[0]?.at ?? 0;
	for (const entry of entries) {
		offset = writeVarint(packed, offset, (entry.at - previous) / unit);
		offset = packed.writeUIntBE(entry.key, offset, KEY_BYTES);
		previous = entry.at;
	}
	return [
		FORMAT,
		wholeSeconds ? 's' : 'm',
		floor.toString(36),
		entries.length ? entries[0].at.toString(36) : '',
		packed.toString('base64url', 0, offset),
		floorKeys ? packKeys(floorKeys) : '*',
	].join('.');
}

function packKeys(keys: readonly DeliveryKey[]): string {
	const packed = Buffer.allocUnsafe(keys.length * KEY_BYTES);
	let offset = 0;
	for (const key of keys) offset = packed.writeUIntBE(key, offset, KEY_BYTES);
	return packed.toString('base64url');
}

function unpackKeys(text: string | undefined): DeliveryKey[] | undefined {
	if (text === undefined || text === '*') return undefined;
	const bytes = Buffer.from(text, 'base64url');
	if (bytes.length % KEY_BYTES !== 0) return undefined;
	const keys: DeliveryKey[] = [];
	for (let offset = 0; offset < bytes.length; offset += KEY_BYTES)
		keys.push(bytes.readUIntBE(offset, KEY_BYTES));
	return keys;
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

export interface DecodedMemory {
	floor: number;
	entries: Array<[key: DeliveryKey, at: number]>;
	/** The keys dropped at the floor's timestamp; undefined when not all are known. */
	floorKeys?: DeliveryKey[];
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
			entries.push([
				Buffer.from(match[1], 'base64url').readUIntBE(0, KEY_BYTES),
				parseInt(match[2], 36) * 1000,
			]);
		}
		return { floor: 0, entries, legacy: true };
	}
	if (typeof saved !== 'string') return undefined;
	const [format, unitText, floorText, firstText, packed, floorKeysText] = saved.split('.');
	if (format !== FORMAT || packed === undefined || (unitText !== 's' && unitText !== 'm'))
		return undefined;
	const unit = unitText === 's' ? 1000 : 1;
	const floor = parseInt(floorText, 36);
	if (!Number.isFinite(floor)) return undefined;
	const entries: Array<[DeliveryKey, number]> = [];
	const floorKeys = unpackKeys(floorKeysText);
	if (packed === '') return { floor, entries, floorKeys };
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
	return { floor, entries, floorKeys };
}
