import type { INodePropertyOptions } from 'n8n-workflow';

/**
 * The events VoxPria documents. Its Webhooks API page (the primary specification) names the first
 * six; its developers/webhooks and "Setting Up Webhooks" pages name the others. Users can add
 * names VoxPria introduces later (Options → Additional Events).
 */
export const WEBHOOK_EVENTS: INodePropertyOptions[] = [
	{
		name: 'Call Started',
		value: 'call.started',
		description: 'An AI agent call begins (the person picked up or the line is ringing through)',
	},
	{
		name: 'Call Answered',
		value: 'call.answered',
		description: 'The person picked up (named on VoxPria\'s "Setting Up Webhooks" page)',
	},
	{
		name: 'Call Completed',
		value: 'call.completed',
		description: 'A call finished successfully; carries duration, recording URL and transcript',
	},
	{
		name: 'Call Ended',
		value: 'call.ended',
		description:
			'A call ended, whatever its outcome (named on VoxPria\'s "Setting Up Webhooks" page)',
	},
	{
		name: 'Call Failed',
		value: 'call.failed',
		description: 'A call could not be completed: failed, no answer or busy',
	},
	{
		name: 'Campaign Started',
		value: 'campaign.started',
		description: 'A calling campaign begins dialing',
	},
	{
		name: 'Campaign Finished',
		value: 'campaign.finished',
		description: 'A calling campaign has worked through all its contacts',
	},
	{
		name: 'Campaign Completed',
		value: 'campaign.completed',
		description:
			"A calling campaign completed, with its stats (named on VoxPria's developers/webhooks page)",
	},
	{
		name: 'Campaign Paused',
		value: 'campaign.paused',
		description: 'A calling campaign was paused',
	},
	{
		name: 'Credit Low',
		value: 'credit.low',
		description:
			"The credit balance fell below VoxPria's threshold (named on VoxPria's developers/webhooks page)",
	},
];

/** Sorted, de-duplicated, trimmed list of event names from the selection and a comma-separated extra list. */
export function eventList(selected: unknown, extra?: unknown): string[] {
	const names = Array.isArray(selected) ? selected.map(String) : [];
	if (typeof extra === 'string') names.push(...extra.split(','));
	return [...new Set(names.map((name) => name.trim()).filter(Boolean))].sort();
}
