import type { IDataObject, IExecuteFunctions, INode } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

/** Checks and converts user input before anything is sent to VoxPria. */

export const E164 = /^\+[1-9]\d{6,14}$/;
export const E164_EXAMPLE = '+14155551234';

/** True for a phone number in E.164 form: "+", country code and number, 8 to 16 characters. */
export function isE164(value: unknown): value is string {
	return typeof value === 'string' && E164.test(value);
}

function shown(value: unknown): string {
	if (value === undefined || value === null || value === '') return 'an empty value';
	return `"${typeof value === 'string' ? value : JSON.stringify(value)}"`;
}

/** Returns the trimmed number, or throws an error that names the bad value and shows the format. */
export function assertE164(node: INode, value: unknown, fieldName: string, itemIndex: number): string {
	const phone = typeof value === 'string' ? value.trim() : value;
	if (isE164(phone)) return phone;
	throw new NodeOperationError(
		node,
		`${fieldName} must be a phone number in E.164 format, such as "${E164_EXAMPLE}", but got ${shown(value)}`,
		{
			itemIndex,
			description:
				'E.164 is a plus sign, the country code and the number, with no spaces, dashes or brackets: "+14155551234" (US), "+442079460958" (UK), "+33612345678" (France).',
		},
	);
}

export function requireText(node: INode, value: unknown, fieldName: string, itemIndex: number): string {
	const text = typeof value === 'string' ? value.trim() : value === undefined || value === null ? '' : String(value);
	if (text !== '') return text;
	throw new NodeOperationError(node, `${fieldName} is empty; it is required for this operation`, {
		itemIndex,
	});
}

/** A JSON object given as a string or as an object (an expression may yield either). */
export function parseJsonObject(
	node: INode,
	value: unknown,
	fieldName: string,
	itemIndex: number,
): IDataObject {
	let parsed: unknown = value;
	if (typeof value === 'string') {
		if (value.trim() === '') return {};
		try {
			parsed = JSON.parse(value);
		} catch (error) {
			throw new NodeOperationError(node, `${fieldName} is not valid JSON: ${(error as Error).message}`, {
				itemIndex,
				description: 'Give a JSON object, for example {"firstName": "Ana", "appointment": "Thursday 3 pm"}.',
			});
		}
	}
	if (parsed === undefined || parsed === null) return {};
	if (typeof parsed !== 'object' || Array.isArray(parsed)) {
		throw new NodeOperationError(
			node,
			`${fieldName} must be a JSON object ({"key": "value"}), not ${Array.isArray(parsed) ? 'an array' : typeof parsed}`,
			{ itemIndex },
		);
	}
	return parsed as IDataObject;
}

/** Turns fixedCollection rows `[{name, value}]` into an object; rows without a name are skipped. */
export function pairsToObject(rows: unknown): IDataObject {
	const result: IDataObject = {};
	if (!Array.isArray(rows)) return result;
	for (const row of rows as IDataObject[]) {
		const name = typeof row?.name === 'string' ? row.name.trim() : '';
		if (name !== '') result[name] = row.value as IDataObject[keyof IDataObject];
	}
	return result;
}

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
	const asUtc = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
	return asUtc - Math.floor(instant / 1000) * 1000;
}

const LOCAL_DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3})\d*)?)?)?$/;

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
		let wall = Date.UTC(+y, +mo - 1, +d, +(h ?? 0), +(mi ?? 0), +(s ?? 0), +(ms ?? '0').padEnd(3, '0'));
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

/** The agent ID from the Agent resource locator (either mode), or from a plain string. */
export function readAgentId(context: IExecuteFunctions, itemIndex: number): string {
	const value = context.getNodeParameter('agentId', itemIndex, '', { extractValue: true });
	return requireText(context.getNode(), value, 'Agent', itemIndex);
}
