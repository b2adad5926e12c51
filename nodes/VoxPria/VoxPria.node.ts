import type {
	IDataObject,
	IExecuteFunctions,
	INodeExecutionData,
	INodeType,
	INodeTypeDescription,
} from 'n8n-workflow';
import { NodeConnectionTypes, NodeOperationError } from 'n8n-workflow';

import { asNodeError } from '../shared/errors';
import { getAgents } from './listSearch/getAgents';
import { agentDescription, agentOperations } from './resources/agent';
import { callDescription, callOperations } from './resources/call';
import { contactBulkOperations, contactDescription, contactOperations } from './resources/contact';
import { creditDescription, creditOperations } from './resources/credit';
import { webhookDescription, webhookOperations } from './resources/webhook';
import type { BulkOperation, ItemOperation } from './shared/operation';
import { ItemWithBinary, outputFieldsOf } from './shared/operation';

const itemOperations: Record<string, Record<string, ItemOperation>> = {
	agent: agentOperations,
	call: callOperations,
	contact: contactOperations,
	credit: creditOperations,
	webhook: webhookOperations,
};

const bulkOperations: Record<string, Record<string, BulkOperation>> = {
	contact: contactBulkOperations,
};

function lookup<T>(table: Record<string, Record<string, T>>, resource: string, operation: string) {
	const operations = Object.prototype.hasOwnProperty.call(table, resource) ? table[resource] : {};
	return Object.prototype.hasOwnProperty.call(operations, operation)
		? operations[operation]
		: undefined;
}

export class VoxPria implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'VoxPria',
		name: 'voxPria',
		icon: { light: 'file:../../icons/voxpria.svg', dark: 'file:../../icons/voxpria.dark.svg' },
		group: ['output'],
		version: 1,
		subtitle: '={{$parameter["operation"] + ": " + $parameter["resource"]}}',
		description:
			'Start AI voice agent phone calls and manage contacts, agents, credits and webhooks in VoxPria',
		defaults: { name: 'VoxPria' },
		usableAsTool: true,
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		credentials: [{ name: 'voxPriaApi', required: true }],
		properties: [
			{
				displayName: 'Resource',
				name: 'resource',
				type: 'options',
				noDataExpression: true,
				options: [
					{
						name: 'Agent',
						value: 'agent',
						description: 'The AI voice agents that make calls (read-only)',
					},
					{
						name: 'Call',
						value: 'call',
						description: 'Outbound phone calls made by an AI agent',
					},
					{
						name: 'Contact',
						value: 'contact',
						description: 'People to call, with phone number, name and metadata',
					},
					{
						name: 'Credit',
						value: 'credit',
						description: 'The credit balance that pays for calls, and its usage',
					},
					{
						name: 'Webhook',
						value: 'webhook',
						description: 'URLs that VoxPria sends call and campaign events to',
					},
				],
				default: 'call',
			},
			...agentDescription,
			...callDescription,
			...contactDescription,
			...creditDescription,
			...webhookDescription,
		],
	};

	methods = {
		listSearch: {
			getAgents,
		},
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const items = this.getInputData();
		const resource = this.getNodeParameter('resource', 0) as string;
		const operation = this.getNodeParameter('operation', 0) as string;

		const bulk = lookup(bulkOperations, resource, operation);
		if (bulk) return [await bulk.call(this)];

		const run = lookup(itemOperations, resource, operation);
		if (!run) {
			throw new NodeOperationError(
				this.getNode(),
				`The operation "${operation}" is not known for the resource "${resource}"`,
			);
		}

		const returnData: INodeExecutionData[] = [];
		for (let itemIndex = 0; itemIndex < items.length; itemIndex++) {
			try {
				const data = await run.call(this, itemIndex);
				if (data instanceof ItemWithBinary) {
					const { json, binary } = data;
					returnData.push({ json, binary, pairedItem: { item: itemIndex } });
					continue;
				}
				const records = Array.isArray(data) ? data : [data];
				for (const record of records) {
					// An item's json must be an object, whatever VoxPria answered.
					const json: IDataObject =
						record && typeof record === 'object' ? record : { data: record ?? null };
					returnData.push({ json, pairedItem: { item: itemIndex } });
				}
			} catch (error) {
				if (this.continueOnFail()) {
					returnData.push({
						json: { error: (error as Error).message, ...outputFieldsOf(error) },
						pairedItem: { item: itemIndex },
					});
					continue;
				}
				throw asNodeError(this.getNode(), error, itemIndex);
			}
		}
		return [returnData];
	}
}
