import type {
	IBinaryData,
	IDataObject,
	IExecuteFunctions,
	INode,
	IWebhookFunctions,
} from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { shownUrl } from './errors';
import { downloadFile, type DownloadOptions } from './transport';

/** A call's recording as n8n binary data: where it is, its file name and its MIME type. */

const FINAL_STATUSES = ['busy', 'completed', 'failed', 'no_answer'];

/** Audio types by file extension, for an answer without a useful Content-Type. */
const AUDIO_TYPES: Record<string, string> = {
	aac: 'audio/aac',
	flac: 'audio/flac',
	m4a: 'audio/mp4',
	mp3: 'audio/mpeg',
	mp4: 'audio/mp4',
	oga: 'audio/ogg',
	ogg: 'audio/ogg',
	opus: 'audio/ogg',
	wav: 'audio/wav',
	webm: 'audio/webm',
};
const DEFAULT_TYPE = 'audio/mpeg';
/** Content types that say nothing about the file. */
const GENERIC_TYPES = ['', 'application/octet-stream', 'binary/octet-stream', 'application/binary'];
/** Content types that are certainly not a recording: a login page, an API error. */
const NOT_AUDIO = /^(text\/html|application\/(problem\+)?json|application\/xhtml)/;

/**
 * The recording URL of a call as VoxPria returns it (GET /calls/{id}, or a call event's data), or
 * an error that says why there is none and what to do.
 */
export function recordingUrlOf(node: INode, call: IDataObject, itemIndex?: number): string {
	const callId = String(call.callId ?? call.id ?? 'the call');
	const status = typeof call.status === 'string' ? call.status : 'unknown';
	const recording = call.recording;
	if (typeof recording === 'string' && recording.trim() !== '') return recording.trim();
	if (!FINAL_STATUSES.includes(status)) {
		return fail(
			node,
			`Call ${callId} has no recording yet (status: ${status}). Wait until the call has ended: use the VoxPria Trigger on Call Completed, or Start with Wait for Call to End, then download it`,
			itemIndex,
		);
	}
	return fail(
		node,
		status === 'completed'
			? `Call ${callId} has no recording (status: completed): VoxPria has not attached one yet, or the call was not recorded; try again in a few minutes`
			: `Call ${callId} has no recording (status: ${status}): only calls that took place are recorded`,
		itemIndex,
	);
}

function fail(node: INode, message: string, itemIndex?: number): never {
	throw new NodeOperationError(node, message, { itemIndex });
}

function headerText(headers: IDataObject, name: string): string {
	const value = headers[name];
	return String((Array.isArray(value) ? value[0] : value) ?? '');
}

/** A file name without any folder part or control characters; empty when nothing is left. */
function cleanName(name: string): string {
	const base = name.split(/[\\/]/).pop() ?? '';
	return [...base]
		.filter((char) => char > '\u001f' && char !== '\u007f' && char !== '"')
		.join('')
		.trim();
}

/** The file name a Content-Disposition header gives (RFC 6266: filename* first), if any. */
export function dispositionName(disposition: string): string | undefined {
	const extended = /filename\*\s*=\s*(?:[\w-]+)?'[^']*'([^;]+)/i.exec(disposition)?.[1];
	if (extended) {
		try {
			return cleanName(decodeURIComponent(extended.trim())) || undefined;
		} catch {
			// Badly encoded: fall back to the plain filename.
		}
	}
	const plain = /filename\s*=\s*(?:"([^"]*)"|([^;]+))/i.exec(disposition);
	return cleanName(plain?.[1] ?? plain?.[2] ?? '') || undefined;
}

const extensionOf = (name: string) => /\.([a-z0-9]{1,5})$/i.exec(name)?.[1].toLowerCase();

function extensionFor(mimeType: string): string {
	const found = Object.entries(AUDIO_TYPES).find(([, type]) => type === mimeType);
	return found ? (found[0] === 'mp4' ? 'm4a' : found[0]) : 'mp3';
}

/** The MIME type of the file: its Content-Type unless generic, else from the name, else MP3. */
export function mimeTypeOf(contentType: string, fileName: string): string {
	const type = contentType.split(';')[0].trim().toLowerCase();
	if (!GENERIC_TYPES.includes(type)) return type;
	return AUDIO_TYPES[extensionOf(fileName) ?? ''] ?? DEFAULT_TYPE;
}

/**
 * The file name: Content-Disposition's, else the URL's last path segment when it has an
 * extension, else `<fallback>.<extension of the type>` (fallback: the call ID; else that segment).
 */
export function fileNameOf(headers: IDataObject, url: URL, fallback: string): string {
	const fromHeader = dispositionName(headerText(headers, 'content-disposition'));
	if (fromHeader) return fromHeader;
	let segment = '';
	try {
		segment = cleanName(decodeURIComponent(url.pathname.split('/').pop() ?? ''));
	} catch {
		segment = '';
	}
	if (segment && extensionOf(segment)) return segment;
	const type = mimeTypeOf(headerText(headers, 'content-type'), '');
	return `${cleanName(fallback) || segment || 'recording'}.${extensionFor(type)}`;
}

/**
 * Downloads a recording and stores it as n8n binary data, streamed (n8n keeps it on disk in its
 * filesystem mode). `fallbackName` (a call ID, or empty) names the file when neither the answer
 * nor the URL does.
 */
export async function downloadRecording(
	context: IExecuteFunctions | IWebhookFunctions,
	url: string,
	fallbackName: string,
	options: DownloadOptions = {},
): Promise<IBinaryData> {
	const file = await downloadFile.call(context, url, options);
	const contentType = headerText(file.headers, 'content-type');
	if (NOT_AUDIO.test(contentType.toLowerCase())) {
		file.discard();
		throw new NodeOperationError(
			context.getNode(),
			`${shownUrl(file.url)} answered with ${contentType.split(';')[0]}, not an audio file: check the recording URL. A web page there usually means the host wants a login (see Send API Key to Other Hosts)`,
		);
	}
	const fileName = fileNameOf(file.headers, file.url, fallbackName);
	const mimeType = mimeTypeOf(contentType, fileName);
	try {
		return await context.helpers.prepareBinaryData(file.body, fileName, mimeType);
	} catch (error) {
		file.discard();
		throw file.failure(error);
	}
}
