import type { IDataObject, IPollFunctions } from 'n8n-workflow';
import { NodeApiError, NodeOperationError } from 'n8n-workflow';

import { apiError } from '../shared/errors';
import { readPage } from '../shared/paging';
import { voxPriaRequest } from '../shared/transport';

import { isFinal } from './callStatus';
import { isWanted, pollCalls, POLL_DEADLINE_MS, type PollSettings } from './pollCalls';
import { readState, writeState } from './pollState';
import { POLL_PAGE_SIZE } from './scanCalls';

/**
 * Polls in progress in this process, by workflow and node. n8n starts a poll on schedule even if
 * the last one is still running (a slow VoxPria); two at once would read the same saved position
 * and emit the same calls twice.
 */
const inFlight = new Set<string>();

/** A scheduled poll: the calls that ended since the last one, and the new position saved. */
export async function pollOnce(
	this: IPollFunctions,
	settings: PollSettings,
): Promise<IDataObject[]> {
	const key = `${this.getWorkflow().id}:${this.getNode().id}`;
	if (inFlight.has(key)) return [];
	inFlight.add(key);
	try {
		const staticData = this.getWorkflowStaticData('node');
		const outcome = await pollCalls.call(this, settings, readState(staticData));
		writeState(staticData, outcome.state);
		return outcome.calls;
	} catch (error) {
		throw explainFailure(this, error);
	} finally {
		inFlight.delete(key);
	}
}

/** Nothing was saved: say that no call is lost, so that nobody "fixes" the position by hand. */
function explainFailure(context: IPollFunctions, error: unknown): unknown {
	if (!(error instanceof NodeApiError)) return error;
	const note =
		'The trigger kept its position: the next check reads the same calls again, so none is missed.';
	const status = Number(error.httpCode) || 0;
	// A rate limit is the one failure a user may take for lost calls: the message itself says not.
	const message = status === 429 ? `${error.message}. ${note}` : error.message;
	return apiError(
		context.getNode(),
		status,
		message,
		[error.description, note].filter(Boolean).join(' '),
	);
}

/**
 * A manual run ("Fetch Test Event"): the most recent ended call of the kinds asked for, from the
 * newest page of calls, without touching the saved position.
 */
export async function latestCalls(
	this: IPollFunctions,
	settings: PollSettings,
): Promise<IDataObject[]> {
	const data = await voxPriaRequest.call(this, 'GET', '/calls', {
		qs: { page: 1, limit: POLL_PAGE_SIZE },
		deadline: Date.now() + POLL_DEADLINE_MS,
	});
	const match = readPage(data).records.find((call) => isFinal(call) && isWanted(call, settings));
	if (match === undefined) {
		throw new NodeOperationError(
			this.getNode(),
			`No ended call of the chosen kinds among VoxPria's ${POLL_PAGE_SIZE} most recent calls`,
			{
				description:
					'Make a test call in VoxPria and let it end, or choose more kinds under Trigger On, then fetch again.',
			},
		);
	}
	return [match];
}
