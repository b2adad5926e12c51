/* eslint-disable @n8n/community-nodes/no-restricted-globals -- dev-only code, held to eslint.dev.config.mjs instead (CONTRIBUTING.md) */
/**
 * Sizes of the reliability suite. CI runs the small sizes; `VOXPRIA_RELIABILITY_FULL=1` runs the
 * large ones (see ../README.md for the figures of both).
 */
export const FULL = process.env.VOXPRIA_RELIABILITY_FULL === '1';

/** The CI size, or the full size when VOXPRIA_RELIABILITY_FULL=1. */
export function size(ci: number, full: number): number {
	return FULL ? full : ci;
}

/** The machine is shared with other n8n instances: polls wait generously. */
export const minutes = (n: number) => n * 60_000;
