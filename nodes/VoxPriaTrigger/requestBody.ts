import type { IWebhookFunctions } from 'n8n-workflow';

import { refuse, type Refused } from './checkDelivery';

/** n8n's own default limit on a request body (`N8N_PAYLOAD_SIZE_MAX`, 16 MiB). */
export const MAX_BODY_BYTES = 16 * 1024 * 1024;

type WebhookRequest = ReturnType<IWebhookFunctions['getRequestObject']> & { rawBody?: Buffer };

/** The body's bytes, or undefined once over MAX_BODY_BYTES (reading stops; the socket stays open for the answer). */
function readAll(request: WebhookRequest): Promise<Buffer | undefined> {
	return new Promise((resolve, reject) => {
		const chunks: Buffer[] = [];
		let size = 0;
		const stop = () => {
			request.off('data', onData).off('end', onEnd).off('error', reject);
			request.pause();
		};
		const onData = (chunk: Buffer) => {
			size += chunk.length;
			if (size <= MAX_BODY_BYTES) return void chunks.push(chunk);
			stop();
			resolve(undefined);
		};
		const onEnd = () => {
			stop();
			resolve(Buffer.concat(chunks));
		};
		request.on('data', onData).on('end', onEnd).on('error', reject);
	});
}

/**
 * The exact bytes of the request's body, as n8n's body parser gives them (`rawBody`).
 *
 * n8n reads the body before webhook() runs, except for a node above version 1 and a content type
 * it does not parse (anything but JSON, text, form and XML, or none): then the body is still
 * unread (n8n 2.x, `parseRequestBody` in webhook-helpers). Version 1 costs n8n an expression
 * evaluation per request instead (docs/BENCHMARKS.md, figure 6), so version 1.1 reads such
 * bodies here, up to n8n's limit. n8n Cloud allows a community node no decompression, so a
 * compressed body of such a type is refused (VoxPria sends plain JSON).
 */
export async function readRawBody(request: WebhookRequest): Promise<Buffer | Refused> {
	if (request.rawBody !== undefined) return request.rawBody;
	if (request.readableEnded) return Buffer.alloc(0);
	const encoding = String(request.headers['content-encoding'] ?? 'identity')
		.trim()
		.toLowerCase();
	if (encoding !== 'identity' && encoding !== '') {
		return refuse(
			415,
			'unsupported encoding',
			`the body is encoded as "${encoding}"; VoxPria sends plain JSON (Content-Type: application/json)`,
			false,
		);
	}
	const read = await readAll(request);
	if (read) return read;
	return refuse(
		413,
		'body too large',
		`the body is larger than ${MAX_BODY_BYTES / 1024 / 1024} MiB`,
		false,
	);
}
