import type { IDataObject } from 'n8n-workflow';

/** A contact as VoxPria takes it: phone plus the optional fields that have a value. */
export function contactBody(fields: {
	phone?: unknown;
	firstName?: unknown;
	lastName?: unknown;
	email?: unknown;
	metadata?: IDataObject;
}): IDataObject {
	const phone = typeof fields.phone === 'string' ? fields.phone.trim() : fields.phone;
	const body: IDataObject = { phone: (phone as IDataObject[keyof IDataObject]) ?? '' };
	for (const key of ['firstName', 'lastName', 'email'] as const) {
		const value = fields[key];
		if (value === undefined || value === null) continue;
		const text = String(value).trim();
		if (text !== '') body[key] = text;
	}
	if (fields.metadata && Object.keys(fields.metadata).length > 0) body.metadata = fields.metadata;
	return body;
}
