import type {
	IDataObject,
	IExecuteFunctions,
	INodeExecutionData,
	INodeProperties,
	IPairedItemData,
} from 'n8n-workflow';
import { NodeApiError, updateDisplayOptions } from 'n8n-workflow';

import { asNodeError } from '../../../shared/errors';
import { voxPriaRequest } from '../../../shared/transport';
import { outputFieldsOf } from '../../shared/operation';
import { readPendingContacts, rejectionOf, type PendingContact } from './pendingContacts';

/** VoxPria takes at most this many contacts per POST /contacts/bulk. */
export const BULK_BATCH_SIZE = 10_000;

const fromItems = { show: { source: ['items'] } };

const properties: INodeProperties[] = [
	{
		displayName:
			'Imports the contacts of all input items at once and outputs one summary item. Running it again is safe: phone numbers VoxPria already has are skipped.',
		name: 'bulkNotice',
		type: 'notice',
		default: '',
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
		hint: 'The summary counts the imported and skipped contacts and lists each error with the index of the input item it came from',
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
		description: 'A JSON array of contacts, e.g. [{"phone": "+14155551234", "firstName": "Ana"}]',
		hint: 'Each contact may have phone, firstName, lastName, email and metadata. An expression is read once per input item and the arrays are joined; a fixed value is read once.',
		displayOptions: { show: { source: ['json'] } },
	},
];

const displayOptions = { show: { resource: ['contact'], operation: ['createMany'] } };

export const description = updateDisplayOptions(displayOptions, properties);

/**
 * Sends one batch. VoxPria documents 10,000 contacts per request but no size limit in bytes; when
 * the server answers 413 (too large), the batch is split in half and each half sent on its own.
 */
async function sendBatch(
	this: IExecuteFunctions,
	batch: PendingContact[],
): Promise<Array<{ part: PendingContact[]; result: IDataObject }>> {
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

function itemRange(batch: PendingContact[]): string {
	const first = batch[0].itemIndex;
	const last = batch[batch.length - 1].itemIndex;
	return first === last ? `item ${first}` : `items ${first} to ${last}`;
}

/** Imports the contacts of all input items, in batches of 10,000, and outputs one summary item. */
export async function execute(this: IExecuteFunctions): Promise<INodeExecutionData[]> {
	const count = this.getInputData().length;
	const { contacts, rejections } = readPendingContacts.call(this, count);
	// Contacts that could not even be built (bad metadata JSON) are not sent, only reported.
	const notSent = rejections.length;

	const batches: PendingContact[][] = [];
	for (let start = 0; start < contacts.length; start += BULK_BATCH_SIZE) {
		batches.push(contacts.slice(start, start + BULK_BATCH_SIZE));
	}

	let imported = 0;
	let skipped = 0;
	const covered = new Set<number>(rejections.map((rejection) => rejection.itemIndex));
	const batchFailures: INodeExecutionData[] = [];

	for (const [batchIndex, batch] of batches.entries()) {
		let results: Array<{ part: PendingContact[]; result: IDataObject }>;
		try {
			results = await sendBatch.call(this, batch);
		} catch (error) {
			const progress =
				`Batch ${batchIndex + 1} of ${batches.length} (${itemRange(batch)}) was not imported. ${
					batchIndex > 0
						? `The ${batchIndex} batch(es) before it were (imported ${imported}, skipped ${skipped}); running the import again skips those numbers.`
						: ''
				}`.trim();
			const failure = asNodeError(this.getNode(), error, batch[0].itemIndex);
			if (!this.continueOnFail()) {
				failure.description = `${progress} ${failure.description ?? ''}`.trim();
				throw failure;
			}
			batchFailures.push({
				json: {
					error: failure.message,
					batch: batchIndex + 1,
					detail: progress,
					...outputFieldsOf(error),
				},
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
				const message =
					typeof reported.error === 'string' ? reported.error : JSON.stringify(reported);
				if (origin) rejections.push(rejectionOf(origin, message));
				else {
					const phone = (reported.phone as string) ?? null;
					rejections.push({ itemIndex: -1, phone, error: message, contact: {} });
				}
			}
		}
	}

	rejections.sort(
		(a, b) => a.itemIndex - b.itemIndex || Number(a.arrayIndex ?? 0) - Number(b.arrayIndex ?? 0),
	);
	const output: INodeExecutionData[] = [];
	// The summary covers every item whose contacts were read, unless all of them failed to send.
	if (covered.size > 0 || batchFailures.length === 0) {
		output.push({
			json: {
				imported,
				skipped,
				failed: rejections.length,
				total: contacts.length + notSent,
				batches: batches.length,
				// The output field keeps its name: workflows read `errors` from the summary.
				errors: rejections,
			},
			pairedItem: pairedWith(
				covered.size > 0 ? covered : Array.from({ length: count }, (_, item) => item),
			),
		});
	}
	return [...output, ...batchFailures];
}
