import type { IDataObject, INodeExecutionData } from 'n8n-workflow';

/**
 * Headers that must not reach the execution data: the signature (with the body it is a ready-made
 * replay) and credentials a proxy may add. Their presence stays visible.
 */
const SECRET_HEADER = /signature|authori[sz]ation|cookie|api[-_]?key|token|secret/i;
export const REDACTED = '[redacted]';

export function redactHeaders(headers: IDataObject): IDataObject {
	const copy: IDataObject = {};
	for (const [name, value] of Object.entries(headers)) {
		copy[name] = SECRET_HEADER.test(name) ? REDACTED : value;
	}
	return copy;
}

/**
 * One item whose `json` is exactly the JSON VoxPria signed. With Include Headers the request
 * headers are added under `headers`, or under `requestHeaders` when the delivery has a `headers`
 * field of its own, which is left intact.
 */
export function deliveryItem(payload: IDataObject, headers?: IDataObject): INodeExecutionData {
	if (!headers) return { json: payload };
	const field = 'headers' in payload ? 'requestHeaders' : 'headers';
	return { json: { ...payload, [field]: redactHeaders(headers) } };
}
