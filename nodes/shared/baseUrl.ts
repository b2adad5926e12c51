import type { INode } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

/** The credential's Base URL: its default, how it is read, and which addresses are refused. */

export const DEFAULT_BASE_URL = 'https://app.voxpria.com';
export const API_PREFIX = '/api/v1';

/**
 * Accepts "https://host", "https://host/" and "https://host/api/v1/"; empty or blank means the
 * default. The credential's connection test reads the field the same way (its `baseURL`
 * expression in credentials/VoxPriaApi.credentials.ts).
 */
export function normalizeBaseUrl(baseUrl: unknown): string {
	const text =
		typeof baseUrl === 'string' && baseUrl.trim() !== '' ? baseUrl.trim() : DEFAULT_BASE_URL;
	return text.replace(/\/+$/, '').replace(/\/api\/v1$/, '');
}

/** This machine: 127.0.0.0/8, ::1 and localhost. Nothing leaves it, so plain http is fine there. */
export function isLoopback(hostname: string): boolean {
	return hostname === 'localhost' || hostname === '[::1]' || /^127(\.\d{1,3}){3}$/.test(hostname);
}

/**
 * Throws before any request when the Base URL is not an https:// address (http:// is allowed for
 * loopback hosts, such as the VoxPria sandbox): every request carries the API key.
 */
export function assertSafeBaseUrl(node: INode, baseUrl: string): void {
	let url: URL;
	try {
		url = new URL(baseUrl);
	} catch {
		url = new URL('invalid:');
	}
	if (url.protocol === 'https:') return;
	if (url.protocol === 'http:') {
		if (isLoopback(url.hostname)) return;
		throw new NodeOperationError(
			node,
			`The Base URL ${baseUrl} uses http://, which would send the API key unencrypted: change it to https:// in the VoxPria credential (http:// is only allowed for localhost)`,
			{ description: `VoxPria's own address is ${DEFAULT_BASE_URL}. Nothing was sent.` },
		);
	}
	throw new NodeOperationError(
		node,
		`The Base URL ${baseUrl} is not a web address: set it to an https:// address in the VoxPria credential (normally ${DEFAULT_BASE_URL})`,
	);
}

/** An http(s) URL, resolved against `base` when relative; undefined for anything else. */
export function webAddress(text: string, base?: URL): URL | undefined {
	try {
		const url = new URL(text.trim(), base);
		return url.protocol === 'https:' || url.protocol === 'http:' ? url : undefined;
	} catch {
		return undefined;
	}
}
