import type { IDataObject } from 'n8n-workflow';

/** VoxPria's rate limit (429 with X-RateLimit-Reset or Retry-After): how long to wait. */

/** A wait longer than this inside an execution or an activation would look like a hang. */
export const MAX_RATE_LIMIT_WAIT_MS = 60_000;
/** Used when a 429 carries no reset time: 1 s, 2 s, 4 s. */
const FALLBACK_BACKOFF_MS = 1_000;

/**
 * A numeric X-RateLimit-Reset below this is seconds from now, from here on epoch seconds. No epoch
 * time this small (September 2001) is a current reset, and no wait this long (31 years) is meant.
 */
export const RESET_EPOCH_THRESHOLD = 1_000_000_000;

/** A header of an answer, by its name in any case; the first value of a repeated one. */
export function header(headers: IDataObject | undefined, name: string): string | undefined {
	const value = headers?.[name.toLowerCase()] ?? headers?.[name];
	if (Array.isArray(value)) return String(value[0]);
	return value === undefined || value === null ? undefined : String(value);
}

/**
 * How long to wait before retrying a 429, or undefined when the wait is too long.
 * X-RateLimit-Reset is epoch seconds, or seconds from now when small (RESET_EPOCH_THRESHOLD);
 * Retry-After (seconds) is honoured as well.
 */
export function rateLimitWaitMs(
	headers: IDataObject | undefined,
	attempt: number,
	now = Date.now(),
): { waitMs?: number; resetAt?: Date } {
	const reset = Number(header(headers, 'x-ratelimit-reset'));
	const retryAfter = Number(header(headers, 'retry-after'));
	let resetAt: Date | undefined;
	if (Number.isFinite(reset) && reset > 0) {
		resetAt = new Date(reset < RESET_EPOCH_THRESHOLD ? now + reset * 1000 : reset * 1000);
	} else if (Number.isFinite(retryAfter) && retryAfter >= 0)
		resetAt = new Date(now + retryAfter * 1000);

	if (resetAt === undefined) return { waitMs: FALLBACK_BACKOFF_MS * 2 ** attempt };
	// The reset second is inclusive on most servers: wait until it has passed.
	const waitMs = Math.max(0, resetAt.getTime() - now) + 250;
	return waitMs <= MAX_RATE_LIMIT_WAIT_MS ? { waitMs, resetAt } : { resetAt };
}
