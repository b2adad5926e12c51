import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';

import { parseJsonArray, parseJsonObject } from '../../shared/validate';
import { contactBody } from './contactBody';

/** Reads the contacts that Create Many imports, from the mapped fields or from JSON arrays. */

/** One contact to import and where it came from. */
export interface PendingContact {
	itemIndex: number;
	/** Position in the item's JSON array (JSON source only). */
	arrayIndex?: number;
	contact: IDataObject;
}

/** A contact that was not imported, as the summary item lists it. */
export interface Rejection extends IDataObject {
	itemIndex: number;
	phone: IDataObject[keyof IDataObject];
	error: string;
	contact: IDataObject;
}

export function rejectionOf(pending: PendingContact, message: string): Rejection {
	return {
		itemIndex: pending.itemIndex,
		...(pending.arrayIndex !== undefined ? { arrayIndex: pending.arrayIndex } : {}),
		phone: pending.contact.phone ?? null,
		error: message,
		contact: pending.contact,
	};
}

/** What was read: the contacts to send, and those rejected before sending (bad metadata). */
export interface ReadContacts {
	contacts: PendingContact[];
	rejections: Rejection[];
}

/** `={{ $json.phone }}` or `={{ $json["first name"] }}`: a plain read of one input field. */
const PLAIN_FIELD = /^=\{\{\s*\$json(?:\.([A-Za-z_$][\w$]*)|\[\s*(['"])([^'"]*)\2\s*\])\s*\}\}$/;

/**
 * Reads one field for every item. Evaluating n8n expressions costs about 0.1 ms each, which for
 * 100,000 items and five fields is a minute; the common plain `{{ $json.field }}` mapping and fixed
 * values are therefore read directly, with the same result. Any other expression is evaluated.
 */
function fieldReader(this: IExecuteFunctions, name: string): (itemIndex: number) => unknown {
	const raw = this.getNodeParameter(name, 0, '', { rawExpressions: true });
	if (typeof raw !== 'string' || !raw.startsWith('=')) return () => raw;
	const plain = PLAIN_FIELD.exec(raw.trim());
	if (plain) {
		const key = plain[1] ?? plain[3];
		const items = this.getInputData();
		return (itemIndex) => items[itemIndex]?.json?.[key];
	}
	return (itemIndex) => this.getNodeParameter(name, itemIndex, '');
}

function contactsFromItems(this: IExecuteFunctions, count: number): ReadContacts {
	const read = {
		phone: fieldReader.call(this, 'phone'),
		firstName: fieldReader.call(this, 'firstName'),
		lastName: fieldReader.call(this, 'lastName'),
		email: fieldReader.call(this, 'email'),
		metadata: fieldReader.call(this, 'metadataJson'),
	};
	const contacts: PendingContact[] = [];
	const rejections: Rejection[] = [];
	for (let itemIndex = 0; itemIndex < count; itemIndex++) {
		const raw: IDataObject = {
			phone: read.phone(itemIndex) as IDataObject[keyof IDataObject],
			firstName: read.firstName(itemIndex) as IDataObject[keyof IDataObject],
			lastName: read.lastName(itemIndex) as IDataObject[keyof IDataObject],
			email: read.email(itemIndex) as IDataObject[keyof IDataObject],
		};
		try {
			const metadata = parseJsonObject(
				this.getNode(),
				read.metadata(itemIndex),
				'Metadata (JSON)',
				itemIndex,
			);
			contacts.push({ itemIndex, contact: contactBody({ ...raw, metadata }) });
		} catch (error) {
			const pending = { itemIndex, contact: contactBody(raw) };
			rejections.push(rejectionOf(pending, (error as Error).message));
		}
	}
	return { contacts, rejections };
}

const CONTACTS_EXAMPLE =
	'[{"phone": "+14155551234", "firstName": "Ana"}, {"phone": "+442079460958"}]';

function contactsFromJson(this: IExecuteFunctions, count: number): ReadContacts {
	const raw = this.getNodeParameter('contactsJson', 0, '[]', { rawExpressions: true });
	// A fixed array would otherwise be imported once per input item.
	const perItem = typeof raw === 'string' && raw.startsWith('=');
	const contacts: PendingContact[] = [];
	const rejections: Rejection[] = [];
	for (let itemIndex = 0; itemIndex < (perItem ? count : 1); itemIndex++) {
		const list = parseJsonArray(
			this.getNode(),
			this.getNodeParameter('contactsJson', itemIndex, '[]'),
			'Contacts (JSON)',
			itemIndex,
			CONTACTS_EXAMPLE,
		);
		list.forEach((entry, arrayIndex) => {
			if (!entry || typeof entry !== 'object' || Array.isArray(entry)) {
				const pending = { itemIndex, arrayIndex, contact: {} };
				rejections.push(rejectionOf(pending, 'A contact must be a JSON object'));
				return;
			}
			const fields = entry as IDataObject;
			const metadata = fields.metadata;
			const badMetadata =
				metadata !== undefined &&
				metadata !== null &&
				(typeof metadata !== 'object' || Array.isArray(metadata));
			if (badMetadata) {
				const pending = { itemIndex, arrayIndex, contact: fields };
				rejections.push(rejectionOf(pending, 'metadata must be a JSON object'));
				return;
			}
			const contact = contactBody({ ...fields, metadata: metadata as IDataObject });
			contacts.push({ itemIndex, arrayIndex, contact });
		});
	}
	return { contacts, rejections };
}

/** The contacts of all `count` input items, from the source the user chose. */
export function readPendingContacts(this: IExecuteFunctions, count: number): ReadContacts {
	const source = this.getNodeParameter('source', 0, 'items') as string;
	return source === 'json'
		? contactsFromJson.call(this, count)
		: contactsFromItems.call(this, count);
}
