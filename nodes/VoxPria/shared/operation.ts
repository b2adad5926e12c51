import type {
	IBinaryKeyData,
	IDataObject,
	IExecuteFunctions,
	INodeExecutionData,
} from 'n8n-workflow';

/** One output item with a file besides its JSON (Download Recording). */
export class ItemWithBinary {
	constructor(
		readonly json: IDataObject,
		readonly binary: IBinaryKeyData,
	) {}
}

/**
 * Runs one operation for one input item; returns one record or a list (one output item each), or
 * an item with binary data.
 */
export type ItemOperation = (
	this: IExecuteFunctions,
	itemIndex: number,
) => Promise<IDataObject | IDataObject[] | ItemWithBinary>;

/** Runs one operation over all input items at once (bulk import). */
export type BulkOperation = (this: IExecuteFunctions) => Promise<INodeExecutionData[]>;

const OUTPUT_FIELDS = 'outputFields';

/**
 * Attaches fields that a continue-on-fail error item should carry besides `error`, such as the
 * callId of a call that is still running when the wait times out.
 */
export function withOutputFields<E extends { context: IDataObject }>(
	error: E,
	fields: IDataObject,
): E {
	error.context[OUTPUT_FIELDS] = fields;
	return error;
}

export function outputFieldsOf(error: unknown): IDataObject {
	const context = (error as { context?: IDataObject })?.context;
	const fields = context?.[OUTPUT_FIELDS];
	return fields && typeof fields === 'object' ? (fields as IDataObject) : {};
}
