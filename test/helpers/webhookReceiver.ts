/* eslint-disable @n8n/community-nodes/no-restricted-globals, @n8n/community-nodes/no-restricted-imports -- dev-only code, held to eslint.dev.config.mjs instead (CONTRIBUTING.md) */
/**
 * A real HTTP server that receives deliveries the way n8n 2.40.7's production webhook route does,
 * running the trigger's webhook() in a real n8n-core WebhookContext (test/helpers/n8n.ts):
 *
 * 1. When the request's headers arrive, the workflow's static data is loaded from the "database"
 *    (a JSON text here; live-webhooks.js loadWebhookExecutionData).
 * 2. The body is read and parsed (n8n's body parser: rawBody plus JSON for application/json),
 *    except, for a node above version 1, a body whose content type n8n does not parse: that one
 *    is left unread (webhook-helpers.js parseRequestBody).
 * 3. webhook() runs. If it answered itself (noWebhookResponse), static data is saved if changed.
 * 4. Otherwise n8n records the execution: it first builds a second Workflow around the same static
 *    data (WorkflowRunner.establishContextForPersistence), which clears the "changed" mark, then
 *    writes the execution. If that fails it answers 500 without saving; otherwise it saves static
 *    data if changed and answers an empty 200.
 *
 * Several receivers can share one database (`store`), as n8n's webhook processes share Postgres;
 * give each its own module registry (jest.isolateModules) to model separate processes.
 */
import express, { type NextFunction, type Request, type Response } from 'express';
import type { Server } from 'http';
import type { AddressInfo } from 'net';
import type { IDataObject, INodeExecutionData } from 'n8n-workflow';
import { jsonParse, Workflow } from 'n8n-workflow';
import { gunzipSync } from 'zlib';

import type { Setup } from './n8n';

export const WEBHOOK_PATH = '/webhook/hook-0000-1111/webhook';

/** The workflow's static data as n8n's database holds it. */
export class StaticDataStore {
	text = '{}';
	writes = 0;
	bytesWritten = 0;

	constructor(initial: IDataObject = {}) {
		this.text = JSON.stringify(initial);
	}

	load(): IDataObject {
		return JSON.parse(this.text) as IDataObject;
	}

	/** WorkflowStaticDataService.saveStaticData: writes the whole object when it is marked changed. */
	saveIfChanged(staticData: IDataObject): void {
		const marked = staticData as IDataObject & { __dataChanged?: boolean };
		if (marked.__dataChanged !== true) return;
		this.text = JSON.stringify(staticData);
		this.writes++;
		this.bytesWritten += Buffer.byteLength(this.text);
		marked.__dataChanged = false;
	}

	/** The node's part, as saved. */
	node(name = 'VoxPria Trigger'): IDataObject {
		return (this.load()[`node:${name}`] ?? {}) as IDataObject;
	}
}

export interface Started {
	at: number;
	items: INodeExecutionData[];
}

export interface ReceiverControl {
	/** Answer 500 without recording for the next n accepted deliveries. */
	failNextRecordings: number;
	/** ms n8n takes to record an execution. */
	recordDelayMs: number;
}

type Harness = typeof import('./n8n');

/** webhook-helpers.js isParsableContentType. */
function isParsableContentType(contentType: string | undefined): boolean {
	const type = (contentType ?? '').split(';')[0].trim();
	return (
		type.startsWith('application/json') ||
		type.startsWith('text/plain') ||
		type.startsWith('application/x-www-form-urlencoded') ||
		type.endsWith('/xml') ||
		type.endsWith('+xml')
	);
}

function n8nBodyParser(nodeVersion: () => number) {
	return (req: Request, res: Response, next: NextFunction) => {
		if (nodeVersion() > 1 && !isParsableContentType(req.headers['content-type'])) return next();
		readAndParse(req, res, next);
	};
}

function readAndParse(req: Request, res: Response, next: NextFunction) {
	const chunks: Buffer[] = [];
	req.on('data', (chunk: Buffer) => chunks.push(chunk));
	req.on('end', () => {
		let raw = Buffer.concat(chunks);
		if (req.headers['content-encoding'] === 'gzip') raw = gunzipSync(raw);
		(req as Request & { rawBody: Buffer }).rawBody = raw;
		req.body = {};
		const [type, ...params] = (req.headers['content-type'] ?? '').split(';');
		const charset = /charset=([^;]+)/i.exec(params.join(';'))?.[1]?.trim() ?? 'utf-8';
		if (raw.length && type.trim() === 'application/json') {
			try {
				req.body = jsonParse(
					raw.toString(charset === 'latin1' || charset === 'iso-8859-1' ? 'latin1' : 'utf8'),
				);
			} catch {
				res.status(422).json({ message: 'Failed to parse request body' });
				return;
			}
		}
		next();
	});
}

export async function startReceiver(options: {
	getSetup: () => Setup;
	loadHarness: () => Harness;
	/** The shared database; a getter, so that a test can start from a new one. */
	store: { get: () => StaticDataStore };
}) {
	const started: Started[] = [];
	const control: ReceiverControl = { failNextRecordings: 0, recordDelayMs: 0 };
	const app = express();
	app.post(
		WEBHOOK_PATH,
		(req, _res, next) => {
			(req as Request & { staticData: IDataObject }).staticData = options.store.get().load();
			next();
		},
		n8nBodyParser(() => options.getSetup().typeVersion ?? 1),
		async (req, res) => {
			const staticData = (req as Request & { staticData: IDataObject }).staticData;
			const setup = { ...options.getSetup(), staticData };
			const result = await options.loadHarness().runWebhook(setup, req, res);
			if (result.noWebhookResponse) {
				options.store.get().saveIfChanged(staticData);
				return;
			}
			// establishContextForPersistence: a second Workflow around the same static data.
			new Workflow({
				nodes: [],
				connections: {},
				active: true,
				nodeTypes: options.loadHarness().nodeTypes,
				staticData,
			});
			// Writing the execution: at least one turn of the event loop (a database round trip).
			await new Promise((resolve) => setTimeout(resolve, Math.max(1, control.recordDelayMs)));
			if (control.failNextRecordings > 0) {
				control.failNextRecordings--;
				res.status(500).json({ code: 0, message: 'There was a problem executing the workflow' });
				return;
			}
			if (result.workflowData) started.push({ at: Date.now(), items: result.workflowData[0] });
			options.store.get().saveIfChanged(staticData);
			res.status(200).end();
		},
	);
	const server: Server = await new Promise((resolve) => {
		const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
	});
	const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}${WEBHOOK_PATH}`;
	return { url, started, control, close: () => new Promise((resolve) => server.close(resolve)) };
}

export type Receiver = Awaited<ReturnType<typeof startReceiver>>;
