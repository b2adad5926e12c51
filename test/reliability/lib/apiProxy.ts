/* eslint-disable @n8n/community-nodes/no-restricted-imports -- dev-only code, held to eslint.dev.config.mjs instead (CONTRIBUTING.md) */
/**
 * A transparent HTTP proxy between n8n and the VoxPria sandbox, for two things the sandbox cannot
 * do itself:
 *
 *  - record every webhook secret that VoxPria ever handed to n8n (they pass through here in the
 *    answers to POST /api/v1/webhooks), including those of registrations deleted a moment later,
 *    so the secrets checks cover every secret ever issued;
 *  - "connection refused" at a chosen moment: `refuse()` stops listening (and drops open
 *    connections), `accept()` listens on the same port again; `refuseAfter()` starts refusing
 *    right after answering one matching request (e.g. refused at create, after a working list).
 *
 * Everything else (sandbox faults: statuses, delays, dropped sockets) passes through unchanged:
 * a socket the sandbox drops is dropped towards n8n too.
 */
import * as http from 'http';
import type { AddressInfo, Socket } from 'net';

const SECRET = /whsec_[0-9A-Za-z_-]+/g;

export class ApiProxy {
	readonly secrets = new Set<string>();
	private readonly server: http.Server;
	private readonly sockets = new Set<Socket>();
	private port = 0;
	private refuseAfterMatch: ((method: string, path: string) => boolean) | undefined;
	// Not listening until start() calls accept().
	private refusing = true;

	private constructor(private readonly target: URL) {
		this.server = http.createServer((req, res) => this.forward(req, res));
		this.server.on('connection', (socket) => {
			this.sockets.add(socket);
			socket.on('close', () => this.sockets.delete(socket));
		});
	}

	static async start(target: string): Promise<ApiProxy> {
		const proxy = new ApiProxy(new URL(target));
		await proxy.accept();
		return proxy;
	}

	/** The credential's Base URL for going through the proxy. */
	get url(): string {
		return `http://127.0.0.1:${this.port}`;
	}

	/** From now on, connections to this port are refused. */
	async refuse(): Promise<void> {
		this.refuseAfterMatch = undefined;
		if (this.refusing) return;
		this.refusing = true;
		await new Promise<void>((resolve) => {
			this.server.close(() => resolve());
			for (const socket of this.sockets) socket.destroy();
		});
	}

	/** Listen again (on the same port after refuse()); a pending refuseAfter() is dropped. */
	async accept(): Promise<void> {
		this.refuseAfterMatch = undefined;
		// Listening already: a second listen() would fail and leave its error listener behind.
		if (!this.refusing) return;
		this.refusing = false;
		await new Promise<void>((resolve, reject) => {
			this.server.once('error', reject);
			this.server.listen(this.port, '127.0.0.1', () => {
				this.server.off('error', reject);
				resolve();
			});
		});
		this.port = (this.server.address() as AddressInfo).port;
	}

	/** Answer the next request that matches, then refuse connections. */
	refuseAfter(match: (method: string, path: string) => boolean): void {
		this.refuseAfterMatch = match;
	}

	async close(): Promise<void> {
		if (!this.refusing) await this.refuse();
	}

	private forward(req: http.IncomingMessage, res: http.ServerResponse): void {
		const method = req.method ?? 'GET';
		const path = (req.url ?? '/').split('?')[0];
		const upstream = http.request(
			{
				host: this.target.hostname,
				port: this.target.port,
				method,
				path: req.url,
				headers: { ...req.headers, host: this.target.host },
			},
			(answer) => {
				const chunks: Buffer[] = [];
				answer.on('data', (chunk: Buffer) => chunks.push(chunk));
				answer.on('error', () => req.socket.destroy());
				answer.on('end', () => {
					const body = Buffer.concat(chunks);
					for (const secret of body.toString('utf8').match(SECRET) ?? []) this.secrets.add(secret);
					const headers = { ...answer.headers };
					delete headers['transfer-encoding'];
					headers['content-length'] = String(body.length);
					const refuseNext = this.refuseAfterMatch?.(method, path) === true;
					if (refuseNext) {
						// Stop listening now; this answer still goes out whole, on a connection that then closes.
						headers.connection = 'close';
						this.refuseAfterMatch = undefined;
						res.on('finish', () => void this.refuse());
					}
					try {
						res.writeHead(answer.statusCode ?? 502, headers);
						res.end(body);
					} catch {
						// n8n gave up on this request already.
					}
				});
			},
		);
		// The sandbox dropped the connection: so does the proxy.
		upstream.on('error', () => req.socket.destroy());
		// n8n gave up (its timeout): the request towards VoxPria is abandoned too.
		res.on('close', () => {
			if (!res.writableFinished) upstream.destroy();
		});
		req.pipe(upstream);
	}
}
