import type { INodePropertyOptions } from 'n8n-workflow';

/** The events VoxPria's Webhooks API documents. Users can add names VoxPria introduces later. */
export const WEBHOOK_EVENTS: INodePropertyOptions[] = [
	{
		name: 'Call Started',
		value: 'call.started',
		description: 'An AI agent call begins (the person picked up or the line is ringing through)',
	},
	{
		name: 'Call Completed',
		value: 'call.completed',
		description: 'A call finished successfully; carries duration, recording URL and transcript',
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
		name: 'Campaign Paused',
		value: 'campaign.paused',
		description: 'A calling campaign was paused',
	},
];

/** Sorted, de-duplicated, trimmed list of event names from the selection and a comma-separated extra list. */
export function eventList(selected: unknown, extra?: unknown): string[] {
	const names = Array.isArray(selected) ? selected.map(String) : [];
	if (typeof extra === 'string') names.push(...extra.split(','));
	return [...new Set(names.map((name) => name.trim()).filter(Boolean))].sort();
}
