import type { IExecuteFunctions, INodeExecutionData, INodeType, INodeTypeDescription } from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';

// Placeholder until the action node lands: lets the package build and the trigger be tested.
export class VoxPria implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'VoxPria',
		name: 'voxPria',
		icon: { light: 'file:voxpria.svg', dark: 'file:voxpria.dark.svg' },
		group: ['output'],
		version: 1,
		subtitle: '={{$parameter["operation"] + ": " + $parameter["resource"]}}',
		description: 'Start AI phone calls and manage contacts, agents, credits and webhooks in VoxPria',
		defaults: { name: 'VoxPria' },
		usableAsTool: true,
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		credentials: [{ name: 'voxPriaApi', required: true }],
		properties: [],
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return [this.getInputData()];
	}
}
