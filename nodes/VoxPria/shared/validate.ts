import type { IDataObject, INode } from 'n8n-workflow';
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
export function assertE164(
	node: INode,
	value: unknown,
	fieldName: string,
	itemIndex: number,
): string {
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

export function requireText(
	node: INode,
	value: unknown,
	fieldName: string,
	itemIndex: number,
): string {
	const text =
		typeof value === 'string'
			? value.trim()
			: value === undefined || value === null
				? ''
				: String(value);
	if (text !== '') return text;
	throw new NodeOperationError(node, `${fieldName} is empty; it is required for this operation`, {
		itemIndex,
	});
}

/**
 * The value of a JSON field: text is parsed (empty text is `undefined`), anything else is what an
 * expression gave. Bad JSON is an error that names the field and says what to give instead.
 */
function readJson(
	node: INode,
	value: unknown,
	fieldName: string,
	itemIndex: number,
	expected: string,
): unknown {
	if (typeof value !== 'string') return value;
	if (value.trim() === '') return undefined;
	try {
		return JSON.parse(value);
	} catch (error) {
		throw new NodeOperationError(
			node,
			`${fieldName} is not valid JSON: ${(error as Error).message}`,
			{
				itemIndex,
				description: `Give ${expected}.`,
			},
		);
	}
}

/** A JSON object given as a string or as an object (an expression may yield either). */
export function parseJsonObject(
	node: INode,
	value: unknown,
	fieldName: string,
	itemIndex: number,
): IDataObject {
	const expected =
		'a JSON object, for example {"firstName": "Ana", "appointment": "Thursday 3 pm"}';
	const parsed = readJson(node, value, fieldName, itemIndex, expected);
	if (parsed === undefined || parsed === null) return {};
	if (typeof parsed !== 'object' || Array.isArray(parsed)) {
		const kind = Array.isArray(parsed) ? 'an array' : typeof parsed;
		throw new NodeOperationError(
			node,
			`${fieldName} must be a JSON object ({"key": "value"}), not ${kind}`,
			{ itemIndex },
		);
	}
	return parsed as IDataObject;
}

/** A JSON array given as a string or as an array; `example` shows the user what one looks like. */
export function parseJsonArray(
	node: INode,
	value: unknown,
	fieldName: string,
	itemIndex: number,
	example: string,
): unknown[] {
	const expected = `a JSON array, for example ${example}`;
	const parsed = readJson(node, value, fieldName, itemIndex, expected);
	if (parsed === undefined || parsed === null) return [];
	if (!Array.isArray(parsed)) {
		const kind = typeof parsed === 'object' ? 'an object' : `a ${typeof parsed}`;
		throw new NodeOperationError(node, `${fieldName} must be a JSON array, not ${kind}`, {
			itemIndex,
			description: `Give ${expected}.`,
		});
	}
	return parsed;
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
