/** Dates as n8n's date picker and expressions give them, turned into instants for VoxPria. */

/** Offset of a time zone from UTC at a given instant, in ms (positive east of UTC). */
function zoneOffsetMs(instant: number, timeZone: string): number {
	const parts = new Intl.DateTimeFormat('en-US', {
		timeZone,
		hourCycle: 'h23',
		year: 'numeric',
		month: '2-digit',
		day: '2-digit',
		hour: '2-digit',
		minute: '2-digit',
		second: '2-digit',
	}).formatToParts(new Date(instant));
	const get = (type: string) => Number(parts.find((part) => part.type === type)?.value);
	const asUtc = Date.UTC(
		get('year'),
		get('month') - 1,
		get('day'),
		get('hour'),
		get('minute'),
		get('second'),
	);
	return asUtc - Math.floor(instant / 1000) * 1000;
}

const LOCAL_DATE_TIME =
	/^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3})\d*)?)?)?$/;

/**
 * Converts a Date & Time field value to an instant. n8n's date picker gives wall-clock time
 * without an offset ("2025-02-01T09:00:00"), meant in the workflow's time zone; values with an
 * offset or "Z", Date objects and Luxon DateTimes from expressions are taken as they are.
 * A bare date as an end date means the end of that day.
 */
export function toInstant(value: unknown, timeZone: string, endOfDay = false): Date | undefined {
	if (value === undefined || value === null || value === '') return undefined;
	if (value instanceof Date) return Number.isNaN(value.getTime()) ? undefined : value;
	if (typeof value === 'object' && typeof (value as { toISO?: unknown }).toISO === 'function') {
		const iso = (value as { toISO: () => string | null }).toISO();
		return iso ? toInstant(iso, timeZone, endOfDay) : undefined;
	}
	const text = String(value).trim();
	const local = LOCAL_DATE_TIME.exec(text);
	if (local) {
		const [, y, mo, d, h, mi, s, ms] = local;
		const dateOnly = h === undefined;
		let wall = Date.UTC(
			+y,
			+mo - 1,
			+d,
			+(h ?? 0),
			+(mi ?? 0),
			+(s ?? 0),
			+(ms ?? '0').padEnd(3, '0'),
		);
		if (dateOnly && endOfDay) wall += 86_400_000 - 1;
		let zone = timeZone;
		try {
			zoneOffsetMs(0, zone);
		} catch {
			zone = 'UTC';
		}
		// Two passes settle the offset across a daylight-saving change.
		let instant = wall - zoneOffsetMs(wall, zone);
		instant = wall - zoneOffsetMs(instant, zone);
		return new Date(instant);
	}
	const parsed = Date.parse(text);
	return Number.isNaN(parsed) ? undefined : new Date(parsed);
}
