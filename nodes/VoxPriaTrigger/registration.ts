import type { IDataObject, IHookFunctions, IWebhookFunctions } from 'n8n-workflow';
import { NodeApiError, NodeOperationError } from 'n8n-workflow';

import { eventList } from '../shared/events';
import { asNodeError } from '../shared/errors';
import { pathFor } from '../shared/ids';
import { listAll } from '../shared/paging';
import { voxPriaRequest } from '../shared/transport';
import type { Registration } from './storedState';

/** The trigger's registration at VoxPria: making, checking and removing it. */

type Context = IHookFunctions | IWebhookFunctions;

export interface RemoteWebhook {
	webhookId: string;
	url?: string;
	events?: string[];
	active?: boolean;
}

export function selectedEvents(context: Context): string[] {
	const options = context.getNodeParameter('options', {}) as IDataObject;
	return eventList(context.getNodeParameter('events', []), options.additionalEvents);
}

export function sameEvents(a: unknown, b: string[]): boolean {
	const left = eventList(a);
	return left.length === b.length && left.every((event, index) => event === b[index]);
}

export function webhookUrlOf(context: Context): string {
	const url = context.getNodeWebhookUrl('default');
	if (!url)
		throw new NodeOperationError(
			context.getNode(),
			'n8n did not provide a webhook URL for this node',
		);
	return url;
}

/**
 * VoxPria only delivers to HTTPS. n8n shows only an activation error's message (in the editor and
 * the publication status), so the fix is in the message itself.
 */
export function assertDeliverable(context: IHookFunctions, url: string): void {
	const { allowHttp } = context.getNodeParameter('options', {}) as IDataObject;
	if (url.startsWith('https://') || allowHttp === true) return;
	throw new NodeOperationError(
		context.getNode(),
		`VoxPria only delivers to HTTPS, but n8n's webhook URL is ${url}. Set n8n's WEBHOOK_URL environment variable to the public https:// address of this n8n and restart it, or for a local sandbox turn on Options → Allow HTTP URL.`,
	);
}

export function describeTrigger(context: Context): string {
	const { id, name } = context.getWorkflow();
	return `[workflow "${String(name ?? '').replace(/["\r\n]/g, '')}" (${id ?? '?'}), node "${context.getNode().name}"]`;
}

async function listWebhooks(context: Context): Promise<RemoteWebhook[]> {
	const records = await listAll.call(context, '/webhooks', {
		idField: 'webhookId',
	});
	return records as unknown as RemoteWebhook[];
}

/** Whether VoxPria still holds this registration. */
export async function isRegistered(context: Context, webhookId: string): Promise<boolean> {
	return (await listWebhooks(context)).some((webhook) => webhook.webhookId === webhookId);
}

/** Deletes one registration; "already gone" is what we wanted. */
export async function deleteRemote(context: Context, webhookId: string): Promise<void> {
	try {
		await voxPriaRequest.call(context, 'DELETE', pathFor('/webhooks/:id', webhookId));
	} catch (error) {
		if (error instanceof NodeApiError && error.httpCode === '404') return;
		throw asNodeError(context.getNode(), error);
	}
}

/** Removes every registration that points at `url` (none of them has a secret we hold). */
export async function removeRegistrationsFor(
	context: Context,
	url: string,
	keep?: string,
): Promise<string[]> {
	const removed: string[] = [];
	for (const webhook of await listWebhooks(context)) {
		if (webhook.url === url && webhook.webhookId !== keep) {
			await deleteRemote(context, webhook.webhookId);
			removed.push(webhook.webhookId);
		}
	}
	return removed;
}

/**
 * checkExists: answers whether `registration` is registered at VoxPria for this URL and these
 * events, and is the only one for the URL. Otherwise it deletes every registration for the URL
 * (and the outdated one), so that create() leaves exactly one; answers the ids it removed.
 */
export async function removeStaleRegistrations(
	context: IHookFunctions,
	registration: Registration | undefined,
	url: string,
	events: string[],
): Promise<{ current: boolean; removed: string[] }> {
	const webhooks = await listWebhooks(context);
	const mine =
		registration && webhooks.find((webhook) => webhook.webhookId === registration.webhookId);
	const forThisUrl = webhooks.filter((webhook) => webhook.url === url);
	const current =
		mine !== undefined &&
		mine.url === url &&
		mine.active !== false &&
		sameEvents(mine.events, events) &&
		forThisUrl.length === 1;
	if (current) return { current, removed: [] };

	const stale = new Set(forThisUrl.map((webhook) => webhook.webhookId));
	if (mine) stale.add(mine.webhookId);
	for (const webhookId of stale) await deleteRemote(context, webhookId);
	return { current, removed: [...stale] };
}

/** Registers `url` for `events` at VoxPria and answers the registration with its secret. */
export async function registerWebhook(
	context: Context,
	url: string,
	events: string[],
): Promise<Registration> {
	let created: IDataObject;
	try {
		created = (await voxPriaRequest.call(context, 'POST', '/webhooks', {
			body: { url, events, active: true },
		})) as IDataObject;
	} catch (error) {
		// A timeout or a server error may still have registered the URL at VoxPria.
		if (error instanceof NodeApiError && (!error.httpCode || Number(error.httpCode) >= 500)) {
			try {
				await removeRegistrationsFor(context, url);
			} catch (cleanupError) {
				error.description =
					`${error.description ?? ''} A registration for ${url} may remain at VoxPria (${(cleanupError as Error).message}); the next activation removes it.`.trim();
			}
		}
		throw asNodeError(context.getNode(), error);
	}

	const webhookId = typeof created?.webhookId === 'string' ? created.webhookId : undefined;
	const secret = typeof created?.secret === 'string' ? created.secret : undefined;
	if (!webhookId || !secret) {
		if (webhookId) await deleteRemote(context, webhookId);
		throw new NodeOperationError(
			context.getNode(),
			`VoxPria's answer to registering the webhook lacks ${webhookId ? 'the signing secret' : 'the webhook ID'}, so deliveries could not be verified; nothing was kept registered. Activate the workflow again; if this keeps happening, contact VoxPria support.`,
		);
	}
	return { webhookId, secret, webhookUrl: url, events, registeredAt: Date.now() };
}

/**
 * After a delivery with a well-formed signature matched no secret we hold: is our registration
 * outdated? It is when VoxPria no longer has it but has another one for our URL (a request that
 * began before a re-publish wrote the old registration back over the new one, in another process
 * of n8n's queue mode), or has none at all. Answers the registrations for our URL when outdated.
 */
export async function findOutdated(
	context: IWebhookFunctions,
	known: Registration | undefined,
	url: string,
): Promise<RemoteWebhook[] | undefined> {
	const forThisUrl = (await listWebhooks(context)).filter((webhook) => webhook.url === url);
	if (known && forThisUrl.some((webhook) => webhook.webhookId === known.webhookId))
		return undefined;
	return forThisUrl;
}
