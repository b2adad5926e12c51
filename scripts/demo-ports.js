// @ts-check
'use strict';
/*
 * n8n on the port users know (5678), for `npm run demo`: the harness starts n8n on a free port of
 * its own choosing, and the demo forwards the known port to it.
 */

const net = require('node:net');
const tls = require('node:tls');

/** @param {number} port @param {string} host */
function canListen(port, host) {
	return new Promise((resolve) => {
		const server = net.createServer();
		server.once('error', (/** @type {NodeJS.ErrnoException} */ err) =>
			resolve(err.code === 'EADDRNOTAVAIL'),
		);
		server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(true)));
	});
}

/** @param {number} port free on both loopback addresses (IPv6 may be missing: that counts as free) */
async function isFree(port) {
	return (await canListen(port, '127.0.0.1')) && (await canListen(port, '::1'));
}

/**
 * Forwards localhost:<port> to 127.0.0.1:<target>. Without `tlsTo`, byte for byte (TLS, if any,
 * ends at n8n). With `tlsTo`, the forwarder speaks TLS to an n8n that serves only HTTPS, trusting
 * just that certificate, and the browser gets plain HTTP on <port>.
 * @param {number} port @param {number} target
 * @param {{ tlsTo?: { ca: string } }} [o]
 */
async function forward(port, target, { tlsTo } = {}) {
	/** @type {Set<net.Socket>} */
	const sockets = new Set();
	const onConnection = (/** @type {net.Socket} */ client) => {
		const upstream = tlsTo
			? tls.connect({ port: target, host: '127.0.0.1', servername: 'localhost', ca: tlsTo.ca })
			: net.connect({ port: target, host: '127.0.0.1' });
		for (const socket of [client, upstream]) {
			sockets.add(socket);
			socket.on('close', () => sockets.delete(socket));
			socket.on('error', () => {
				client.destroy();
				upstream.destroy();
			});
		}
		client.pipe(upstream).pipe(client);
	};
	/** @type {net.Server[]} */
	const servers = [];
	for (const host of ['127.0.0.1', '::1']) {
		const server = net.createServer(onConnection);
		const ok = await new Promise((resolve, reject) => {
			server.once('error', (/** @type {NodeJS.ErrnoException} */ err) =>
				err.code === 'EADDRNOTAVAIL' && host === '::1' ? resolve(false) : reject(err),
			);
			server.listen({ port, host, exclusive: true }, () => resolve(true));
		});
		if (ok) servers.push(server);
	}
	return {
		close: () => {
			for (const socket of sockets) socket.destroy();
			return Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
		},
	};
}

module.exports = { isFree, forward };
