/**
 * Constants and the saved-memory codec of the trigger as built in dist/ (what gets packed into
 * n8n), so that the assertions follow the code n8n runs. Build first: `npm run build`.
 */
/* eslint-disable @typescript-eslint/no-require-imports */
const memory =
	require('../../../dist/nodes/VoxPriaTrigger/deliveryMemory') as typeof import('../../../nodes/VoxPriaTrigger/deliveryMemory');
const saved =
	require('../../../dist/nodes/VoxPriaTrigger/savedMemory') as typeof import('../../../nodes/VoxPriaTrigger/savedMemory');
const check =
	require('../../../dist/nodes/VoxPriaTrigger/checkDelivery') as typeof import('../../../nodes/VoxPriaTrigger/checkDelivery');
const log =
	require('../../../dist/nodes/VoxPriaTrigger/refusalLog') as typeof import('../../../nodes/VoxPriaTrigger/refusalLog');
const outdated =
	require('../../../dist/nodes/VoxPriaTrigger/outdatedRegistration') as typeof import('../../../nodes/VoxPriaTrigger/outdatedRegistration');
/* eslint-enable @typescript-eslint/no-require-imports */

/** How many accepted deliveries the duplicate memory holds before it drops the oldest. */
export const MAX_ENTRIES = memory.MAX_ENTRIES;
/** Retry-After (seconds) on a 409 for a copy of a delivery still being recorded. */
export const PENDING_RETRY_AFTER_S = check.PENDING_RETRY_AFTER_S;
/** How far ahead of n8n's clock a signed timestamp may be. */
export const FUTURE_SKEW_MS = check.FUTURE_SKEW_MS;
/** The refusal log's period: first line per reason, then one summary line per period. */
export const SUMMARY_INTERVAL_MS = log.SUMMARY_INTERVAL_MS;
/** How often, at most, a signature failure makes the trigger look up its registration at VoxPria. */
export const STALE_CHECK_INTERVAL_MS = outdated.STALE_CHECK_INTERVAL_MS;

/** Decodes the memory the trigger saved in static data (`seen`). */
export const decodeMemory = saved.decodeMemory;

/** The memory a workflow's trigger node saved: its floor and entries ([key, signed ms]). */
export function savedMemoryOf(
	workflow: { staticData?: Record<string, { seen?: unknown } | undefined> | null },
	node = 'VoxPria Trigger',
) {
	const seen = workflow.staticData?.[`node:${node}`]?.seen;
	if (typeof seen !== 'string')
		throw new Error(
			`no saved memory in the static data of node "${node}": ${JSON.stringify(seen)}`,
		);
	const decoded = decodeMemory(seen);
	if (!decoded)
		throw new Error(`the saved memory of node "${node}" does not decode: ${seen.slice(0, 80)}`);
	return { ...decoded, chars: seen.length };
}
