import type { INodePropertyOptions } from 'n8n-workflow';

/** A call moves queued → ringing → in_progress → one of the final statuses. */
export const FINAL_CALL_STATUSES = ['busy', 'completed', 'failed', 'no_answer'];

export const CALL_STATUS_OPTIONS: INodePropertyOptions[] = [
	{ name: 'Busy', value: 'busy', description: 'Final: the line was busy' },
	{
		name: 'Completed',
		value: 'completed',
		description: 'Final: the call took place and ended normally',
	},
	{ name: 'Failed', value: 'failed', description: 'Final: the call could not be made' },
	{
		name: 'In Progress',
		value: 'in_progress',
		description: 'The person answered and the agent is talking',
	},
	{ name: 'No Answer', value: 'no_answer', description: 'Final: nobody picked up' },
	{ name: 'Queued', value: 'queued', description: 'Accepted by VoxPria, not dialled yet' },
	{ name: 'Ringing', value: 'ringing', description: 'The phone is ringing' },
];

export function isFinalStatus(status: unknown): boolean {
	return typeof status === 'string' && FINAL_CALL_STATUSES.includes(status);
}
