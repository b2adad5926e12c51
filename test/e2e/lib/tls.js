// @ts-check
'use strict';
/**
 * A self-signed certificate for localhost / 127.0.0.1 / ::1, made once with `openssl` and kept in
 * the cache folder (<cache>/tls/). n8n serves HTTPS with it (N8N_SSL_KEY / N8N_SSL_CERT), so that
 * webhook URLs are real https:// URLs.
 */

const fs = require('node:fs');
const path = require('node:path');
const crypto = require('node:crypto');
const { execFileSync } = require('node:child_process');
const { cacheRoot } = require('./runtime');

/**
 * @param {{ cacheDir?: string }} [opts]
 * @returns {{ key: string, cert: string, keyPem: string, certPem: string }} file paths and contents
 */
function ensureCert({ cacheDir = cacheRoot() } = {}) {
	const dir = path.join(cacheDir, 'tls');
	const key = path.join(dir, 'localhost.key');
	const cert = path.join(dir, 'localhost.crt');
	if (!isUsable(key, cert)) {
		fs.mkdirSync(dir, { recursive: true });
		// Generate under temporary names, then rename: concurrent callers never see half a pair.
		const tag = `${process.pid}-${crypto.randomBytes(4).toString('hex')}`;
		const tmpKey = `${key}.${tag}`;
		const tmpCert = `${cert}.${tag}`;
		try {
			execFileSync(
				'openssl',
				[
					'req',
					'-x509',
					'-newkey',
					'rsa:2048',
					'-nodes',
					'-sha256',
					'-days',
					'3650',
					'-subj',
					'/CN=localhost',
					'-addext',
					'subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1',
					'-keyout',
					tmpKey,
					'-out',
					tmpCert,
				],
				{ stdio: 'pipe' },
			);
			fs.renameSync(tmpKey, key);
			fs.renameSync(tmpCert, cert);
		} finally {
			fs.rmSync(tmpKey, { force: true });
			fs.rmSync(tmpCert, { force: true });
		}
	}
	return {
		key,
		cert,
		keyPem: fs.readFileSync(key, 'utf8'),
		certPem: fs.readFileSync(cert, 'utf8'),
	};
}

/**
 * @param {string} key
 * @param {string} cert
 */
function isUsable(key, cert) {
	try {
		const x509 = new crypto.X509Certificate(fs.readFileSync(cert));
		const privateKey = crypto.createPrivateKey(fs.readFileSync(key));
		// Renew a month before expiry; the pair must match.
		return (
			x509.checkPrivateKey(privateKey) &&
			new Date(x509.validTo).getTime() - Date.now() > 30 * 86400e3
		);
	} catch {
		return false;
	}
}

module.exports = { ensureCert };
