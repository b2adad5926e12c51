import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';
import { NodeOperationError, updateDisplayOptions } from 'n8n-workflow';

import { voxPriaRequest } from '../../../shared/transport';
import { toInstant } from '../../shared/dates';

const properties: INodeProperties[] = [
	{
		displayName: 'Start Date',
		name: 'startDate',
		type: 'dateTime',
		required: true,
		default: '',
		description:
			"Start of the period, inclusive. Without a time zone, the workflow's time zone applies. Example: 2025-02-01T00:00:00.",
	},
	{
		displayName: 'End Date',
		name: 'endDate',
		type: 'dateTime',
		required: true,
		default: '',
		description:
			'End of the period, inclusive; a date without a time means the whole of that day. Example: 2025-02-28T23:59:59.',
	},
];

const displayOptions = { show: { resource: ['credit'], operation: ['getUsage'] } };

export const description = updateDisplayOptions(displayOptions, properties);

function readDate(
	context: IExecuteFunctions,
	name: string,
	label: string,
	itemIndex: number,
	endOfDay: boolean,
): Date {
	const value = context.getNodeParameter(name, itemIndex, '');
	const instant = toInstant(value, context.getTimezone(), endOfDay);
	if (instant) return instant;
	const shown =
		value === '' || value === undefined || value === null ? 'empty' : `"${String(value)}"`;
	throw new NodeOperationError(
		context.getNode(),
		`${label} is ${shown}; it needs a date and time`,
		{
			itemIndex,
			description:
				'Use an ISO 8601 date such as 2025-02-01 or 2025-02-01T09:00:00, or pick one in the date picker.',
		},
	);
}

export async function execute(this: IExecuteFunctions, itemIndex: number): Promise<IDataObject> {
	const start = readDate(this, 'startDate', 'Start Date', itemIndex, false);
	const end = readDate(this, 'endDate', 'End Date', itemIndex, true);
	if (start.getTime() > end.getTime()) {
		throw new NodeOperationError(
			this.getNode(),
			`Start Date (${start.toISOString()}) is after End Date (${end.toISOString()})`,
			{ itemIndex, description: 'Swap the two dates, or move Start Date before End Date.' },
		);
	}
	return (await voxPriaRequest.call(this, 'GET', '/credits/usage', {
		qs: { startDate: start.toISOString(), endDate: end.toISOString() },
	})) as IDataObject;
}
