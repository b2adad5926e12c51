import type { INode } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

/**
 * VoxPria's IDs (call_xyz789, wh_…, agt_…, ct_…) go into request paths. An ID such as ".." or
 * "a/b" would change which URL is requested, and IDs may come from an AI model (the action node is
 * usable as a tool), so every path segment must look like an ID before anything is sent.
 *
 * The alphabet: letters, digits, "_" and "-", plus "." and ":" after the first character, up to
 * 200 characters. VoxPria documents no ID format; every ID it shows fits this, and "." and ":" are
 * allowed inside because they are harmless there and common in IDs. A segment that starts with a
 * dot is refused, which rules out the dot segments "." and ".." (and ".env"). Anything else,
 * including "%", "/", "\", "?", "#", spaces, control characters and non-ASCII letters, is refused.
 */
const ID = /^[A-Za-z0-9_-][A-Za-z0-9_.:-]{0,199}$/;

export const ID_RULE = 'IDs have only letters, digits and _ - . : and do not start with a dot';

/** The field a user fills in for the ID that follows a collection in a path (`webhooks` → Webhook ID). */
export function idFieldFor(collection: string | undefined): string | undefined {
	const fields: Record<string, string> = {
		calls: 'Call ID',
		contacts: 'Contact ID',
		agents: 'Agent ID',
		webhooks: 'Webhook ID',
	};
	return collection !== undefined && Object.prototype.hasOwnProperty.call(fields, collection)
		? fields[collection]
		: undefined;
}

/**
 * A path below /api/v1 with IDs filled in: `pathFor('/agents/:id/flow', agentId)`. Each `:name`
 * segment takes the next ID, URL-encoded; voxPriaRequest then refuses any segment that is not an ID.
 */
export function pathFor(template: string, ...ids: string[]): string {
	let next = 0;
	// ":" is allowed in a path segment (RFC 3986) and in IDs; everything else outside the
	// alphabet stays encoded, so that voxPriaRequest refuses it.
	return template.replace(/:[A-Za-z]+/g, () =>
		encodeURIComponent(ids[next++] ?? '').replace(/%3A/gi, ':'),
	);
}

function shown(segment: string): string {
	let text: string;
	try {
		text = decodeURIComponent(segment);
	} catch {
		text = segment;
	}
	return JSON.stringify(text.length > 60 ? `${text.slice(0, 60)}…` : text);
}

/**
 * Throws a NodeOperationError naming the field when a segment of `path` is not a VoxPria ID (or a
 * fixed word such as "flow", which fits the same alphabet).
 */
export function assertPathOfIds(node: INode, path: string): void {
	const segments = path.split('/').slice(1);
	segments.forEach((segment, index) => {
		// A caller that encodes with encodeURIComponent alone (as pathFor does not) sends ":" as %3A.
		if (ID.test(segment.replace(/%3A/gi, ':'))) return;
		const field = idFieldFor(segments[index - 1]) ?? 'ID';
		throw new NodeOperationError(
			node,
			`${field} ${shown(segment)} is not a VoxPria ID: ${ID_RULE}`,
			{
				description:
					'VoxPria IDs look like call_xyz789 or wh_abc123. Nothing was sent to VoxPria. If the ID comes from an expression or an AI model, check what it gives.',
			},
		);
	});
}
