/**
 * The VoxPria Poll Trigger: its description (which n8n's linter wants in this file) and poll(),
 * which n8n calls on the schedule the user sets. The cursor logic is in pollCalls.ts.
 */
import type {
	IDataObject,
	INodeExecutionData,
	INodeType,
	INodeTypeDescription,
	IPollFunctions,
} from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';

import { wantedStatuses } from './callStatus';
import { MAX_REQUESTS_PER_POLL } from './pollCalls';
import { latestCalls, pollOnce } from './runPoll';

export class VoxPriaPollTrigger implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'VoxPria Poll Trigger',
		name: 'voxPriaPollTrigger',
		icon: { light: 'file:../../icons/voxpria.svg', dark: 'file:../../icons/voxpria.dark.svg' },
		group: ['trigger'],
		version: 1,
		subtitle: '={{"Calls: " + $parameter["triggerOn"].join(", ")}}',
		description: 'Starts the workflow when VoxPria calls end, by checking VoxPria on a schedule',
		defaults: {
			name: 'VoxPria Poll Trigger',
		},
		polling: true,
		inputs: [],
		outputs: [NodeConnectionTypes.Main],
		credentials: [
			{
				name: 'voxPriaApi',
				required: true,
			},
		],
		properties: [
			{
				displayName: `Checks VoxPria's call list on the schedule below and starts the workflow once for each call that ended since the last check. It needs no public URL, but uses up to ${MAX_REQUESTS_PER_POLL} API requests per check. For instant events, use the VoxPria Trigger.`,
				name: 'pollNotice',
				type: 'notice',
				default: '',
			},
			{
				displayName: 'Trigger On',
				name: 'triggerOn',
				type: 'multiOptions',
				required: true,
				default: ['completed', 'failed'],
				options: [
					{
						name: 'Completed Calls',
						value: 'completed',
						description: 'Calls with status completed',
					},
					{
						name: 'Failed Calls',
						value: 'failed',
						description: 'Calls with status failed, no_answer or busy',
					},
				],
				description: 'Which ended calls start the workflow',
			},
			{
				displayName: 'Options',
				name: 'options',
				type: 'collection',
				placeholder: 'Add option',
				default: {},
				options: [
					{
						displayName: 'Agent ID',
						name: 'agentId',
						type: 'string',
						default: '',
						placeholder: 'e.g. agt_sales',
						description:
							'Only calls made by this agent. VoxPria cannot filter the list, so the node reads every call and keeps this agent’s.',
					},
					{
						displayName: 'Include Calls From Before Activation',
						name: 'includeExisting',
						type: 'boolean',
						default: false,
						description:
							'Whether the first check also starts the workflow for calls that had already ended (the most recent ones, as far as one check reads). Off: only calls that end from now on.',
					},
				],
			},
		],
	};

	async poll(this: IPollFunctions): Promise<INodeExecutionData[][] | null> {
		const options = this.getNodeParameter('options', {}) as IDataObject;
		const agentId = typeof options.agentId === 'string' ? options.agentId.trim() : '';
		const settings = {
			statuses: wantedStatuses(this.getNodeParameter('triggerOn', []) as string[]),
			agentId: agentId === '' ? undefined : agentId,
			includeExisting: options.includeExisting === true,
		};
		// A manual run shows recent data and leaves the saved position alone.
		const calls =
			this.getMode() === 'manual'
				? await latestCalls.call(this, settings)
				: await pollOnce.call(this, settings);
		return calls.length === 0 ? null : [this.helpers.returnJsonArray(calls)];
	}
}
