import type {
	IDataObject,
	IExecuteFunctions,
	INodeExecutionData,
	INodeProperties,
	IPairedItemData,
} from 'n8n-workflow';
import { NodeApiError, NodeOperationError } from 'n8n-workflow';

import { asNodeError } from '../../../shared/errors';
import { outputFieldsOf } from '../../shared/operation';
import { voxPriaRequest } from '../../../shared/transport';
import { parseJsonObject } from '../../shared/validate';
import { contactBody } from './contactBody';

/** VoxPria takes at most this many contacts per POST /contacts/bulk. */
export const BULK_BATCH_SIZE = 10_000;

const displayOptions = { show: { resource: ['contact'], operation: ['createMany'] } };
const fromItems = { show: { resource: ['contact'], operation: ['createMany'], source: ['items'] } };

export const description: INodeProperties[] = [
	{
		displayName:
			'Imports the contacts of all input items at once and outputs one summary item: how many were imported, how many were skipped because their phone number already exists, and the errors, each with the index of the input item it came from. Running the import again is safe: existing numbers are skipped.',
		name: 'bulkNotice',
		type: 'notice',
		default: '',
		displayOptions,
	},
	{
		displayName: 'Source',
		name: 'source',
		type: 'options',
		noDataExpression: true,
		options: [
			{
				name: 'Input Items',
				value: 'items',
				description: 'One contact per input item, with fields mapped below',
			},
			{
				name: 'JSON Array',
				value: 'json',
				description: 'A JSON array of contact objects',
			},
		],
		default: 'items',
		description: 'Where the contacts come from',
		displayOptions,
	},
	{
		displayName: 'Phone',
		name: 'phone',
		type: 'string',
		required: true,
		default: '={{ $json.phone }}',
		placeholder: 'e.g. +14155551234',
		description:
			"Each contact's phone number in E.164 format, e.g. +14155551234. Numbers VoxPria rejects are listed in the summary's errors.",
		displayOptions: fromItems,
	},
	{
		displayName: 'First Name',
		name: 'firstName',
		type: 'string',
		default: '={{ $json.firstName }}',
		displayOptions: fromItems,
	},
	{
		displayName: 'Last Name',
		name: 'lastName',
		type: 'string',
		default: '={{ $json.lastName }}',
		displayOptions: fromItems,
	},
	{
		displayName: 'Email',
		name: 'email',
		type: 'string',
		default: '={{ $json.email }}',
		placeholder: 'e.g. nathan@example.com',
		displayOptions: fromItems,
	},
	{
		displayName: 'Metadata (JSON)',
		name: 'metadataJson',
		type: 'json',
		default: '={{ $json.metadata }}',
		description: 'Extra data stored with each contact, as a JSON object. Leave empty for none.',
		displayOptions: fromItems,
	},
	{
		displayName: 'Contacts (JSON)',
		name: 'contactsJson',
		type: 'json',
		default: '[]',
		description:
			'A JSON array of contacts, each {"phone": "+14155551234", "firstName": "...", "lastName": "...", "email": "...", "metadata": {...}}. An expression is read once per input item and the arrays are joined; a fixed value is read once.',
		displayOptions: { show: { resource: ['contact'], operation: ['createMany'], source: ['json'] } },
	},
];

/** One contact to import and where it came from. */
interface Source {
	itemIndex: number;
	/** Position in the item's JSON array (JSON source only). */
	arrayIndex?: number;
	contact: IDataObject;
}

interface ImportError extends IDataObject {
	itemIndex: number;
	phone: IDataObject[keyof IDataObject];
	error: string;
	contact: IDataObject;
}

function errorFor(source: Source, message: string): ImportError {
	return {
		itemIndex: source.itemIndex,
		...(source.arrayIndex !== undefined ? { arrayIndex: source.arrayIndex } : {}),
		phone: source.contact.phone ?? null,
		error: message,
		contact: source.contact,
	};
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

function contactsFromItems(this: IExecuteFunctions, count: number, rejected: ImportError[]): Source[] {
	const read = {
		phone: fieldReader.call(this, 'phone'),
		firstName: fieldReader.call(this, 'firstName'),
		lastName: fieldReader.call(this, 'lastName'),
		email: fieldReader.call(this, 'email'),
		metadata: fieldReader.call(this, 'metadataJson'),
	};
	const sources: Source[] = [];
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
			sources.push({ itemIndex, contact: contactBody({ ...raw, metadata }) });
		} catch (error) {
			rejected.push(errorFor({ itemIndex, contact: contactBody(raw) }, (error as Error).message));
		}
	}
	return sources;
}

function parseArray(this: IExecuteFunctions, value: unknown, itemIndex: number): unknown[] {
	let parsed = value;
	if (typeof value === 'string') {
		if (value.trim() === '') return [];
		try {
			parsed = JSON.parse(value);
		} catch (error) {
			throw new NodeOperationError(
				this.getNode(),
				`Contacts (JSON) is not valid JSON: ${(error as Error).message}`,
				{ itemIndex },
			);
		}
	}
	if (parsed === undefined || parsed === null) return [];
	if (!Array.isArray(parsed)) {
		throw new NodeOperationError(
			this.getNode(),
			'Contacts (JSON) must be a JSON array of contact objects',
			{
				itemIndex,
				description:
					'For example [{"phone": "+14155551234", "firstName": "Ana"}, {"phone": "+442079460958"}].',
			},
		);
	}
	return parsed;
}

function contactsFromJson(this: IExecuteFunctions, count: number, rejected: ImportError[]): Source[] {
	const raw = this.getNodeParameter('contactsJson', 0, '[]', { rawExpressions: true });
	// A fixed array would otherwise be imported once per input item.
	const perItem = typeof raw === 'string' && raw.startsWith('=');
	const sources: Source[] = [];
	for (let itemIndex = 0; itemIndex < (perItem ? count : 1); itemIndex++) {
		const list = parseArray.call(this, this.getNodeParameter('contactsJson', itemIndex, '[]'), itemIndex);
		list.forEach((entry, arrayIndex) => {
			if (!entry || typeof entry !== 'object' || Array.isArray(entry)) {
				rejected.push(errorFor({ itemIndex, arrayIndex, contact: {} }, 'A contact must be a JSON object'));
				return;
			}
			const fields = entry as IDataObject;
			const metadata = fields.metadata;
			const badMetadata =
				metadata !== undefined &&
				metadata !== null &&
				(typeof metadata !== 'object' || Array.isArray(metadata));
			if (badMetadata) {
				const source = { itemIndex, arrayIndex, contact: fields };
				rejected.push(errorFor(source, 'metadata must be a JSON object'));
				return;
			}
			const contact = contactBody({ ...fields, metadata: metadata as IDataObject });
			sources.push({ itemIndex, arrayIndex, contact });
		});
	}
	return sources;
}

/**
 * Sends one batch. VoxPria documents 10,000 contacts per request but no size limit in bytes; when
 * the server answers 413 (too large), the batch is split in half and each half sent on its own.
 */
async function sendBatch(
	this: IExecuteFunctions,
	batch: Source[],
): Promise<Array<{ part: Source[]; result: IDataObject }>> {
	try {
		const result = (await voxPriaRequest.call(this, 'POST', '/contacts/bulk', {
			body: { contacts: batch.map((entry) => entry.contact) },
		})) as IDataObject;
		return [{ part: batch, result: result ?? {} }];
	} catch (error) {
		if (!(error instanceof NodeApiError && error.httpCode === '413' && batch.length > 1)) {
			throw asNodeError(this.getNode(), error, batch[0].itemIndex);
		}
		const middle = Math.ceil(batch.length / 2);
		return [
			...(await sendBatch.call(this, batch.slice(0, middle))),
			...(await sendBatch.call(this, batch.slice(middle))),
		];
	}
}

function pairedWith(itemIndexes: Iterable<number>): IPairedItemData[] {
	return [...new Set(itemIndexes)].sort((a, b) => a - b).map((item) => ({ item }));
}

function itemRange(batch: Source[]): string {
	const first = batch[0].itemIndex;
	const last = batch[batch.length - 1].itemIndex;
	return first === last ? `item ${first}` : `items ${first} to ${last}`;
}

/** Imports the contacts of all input items, in batches of 10,000, and outputs one summary item. */
export async function execute(this: IExecuteFunctions): Promise<INodeExecutionData[]> {
	const count = this.getInputData().length;
	const source = this.getNodeParameter('source', 0, 'items') as string;
	const errors: ImportError[] = [];
	const sources =
		source === 'json'
			? contactsFromJson.call(this, count, errors)
			: contactsFromItems.call(this, count, errors);
	// Contacts that could not even be built (bad metadata JSON) are not sent, only reported.
	const notSent = errors.length;

	const batches: Source[][] = [];
	for (let start = 0; start < sources.length; start += BULK_BATCH_SIZE) {
		batches.push(sources.slice(start, start + BULK_BATCH_SIZE));
	}

	let imported = 0;
	let skipped = 0;
	const covered = new Set<number>(errors.map((error) => error.itemIndex));
	const failures: INodeExecutionData[] = [];

	for (const [number, batch] of batches.entries()) {
		let results: Array<{ part: Source[]; result: IDataObject }>;
		try {
			results = await sendBatch.call(this, batch);
		} catch (error) {
			const progress = `Batch ${number + 1} of ${batches.length} (${itemRange(batch)}) was not imported. ${
				number > 0
					? `The ${number} batch(es) before it were (imported ${imported}, skipped ${skipped}); running the import again skips those numbers.`
					: ''
			}`.trim();
			const failure = asNodeError(this.getNode(), error, batch[0].itemIndex);
			if (!this.continueOnFail()) {
				failure.description = `${progress} ${failure.description ?? ''}`.trim();
				throw failure;
			}
			failures.push({
				json: { error: failure.message, batch: number + 1, detail: progress, ...outputFieldsOf(error) },
				pairedItem: pairedWith(batch.map((entry) => entry.itemIndex)),
			});
			continue;
		}

		for (const { part, result } of results) {
			imported += Number(result.imported ?? 0);
			skipped += Number(result.skipped ?? 0);
			for (const entry of part) covered.add(entry.itemIndex);
			const reportedErrors = Array.isArray(result.errors) ? (result.errors as IDataObject[]) : [];
			for (const reported of reportedErrors) {
				// VoxPria's index counts within the request; `part` maps it back to the input item.
				const index = Number(reported.index);
				const origin = Number.isInteger(index) ? part[index] : undefined;
				const message = typeof reported.error === 'string' ? reported.error : JSON.stringify(reported);
				if (origin) errors.push(errorFor(origin, message));
				else {
					const phone = (reported.phone as string) ?? null;
					errors.push({ itemIndex: -1, phone, error: message, contact: {} });
				}
			}
		}
	}

	errors.sort(
		(a, b) => a.itemIndex - b.itemIndex || Number(a.arrayIndex ?? 0) - Number(b.arrayIndex ?? 0),
	);
	const output: INodeExecutionData[] = [];
	// The summary covers every item whose contacts were read, unless all of them failed to send.
	if (covered.size > 0 || failures.length === 0) {
		output.push({
			json: {
				imported,
				skipped,
				failed: errors.length,
				total: sources.length + notSent,
				batches: batches.length,
				errors,
			},
			pairedItem: pairedWith(covered.size > 0 ? covered : Array.from({ length: count }, (_, item) => item)),
		});
	}
	return [...output, ...failures];
}
