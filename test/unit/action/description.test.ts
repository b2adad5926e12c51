import type { INodeProperties, INodePropertyOptions } from 'n8n-workflow';

import { VoxPria } from '../../../nodes/VoxPria/VoxPria.node';
import { agentOperations } from '../../../nodes/VoxPria/resources/agent';
import { callOperations } from '../../../nodes/VoxPria/resources/call';
import { contactBulkOperations, contactOperations } from '../../../nodes/VoxPria/resources/contact';
import { creditOperations } from '../../../nodes/VoxPria/resources/credit';
import { webhookOperations } from '../../../nodes/VoxPria/resources/webhook';

const { description } = new VoxPria();
const properties = description.properties;
const handlers: Record<string, Record<string, unknown>> = {
	agent: agentOperations,
	call: callOperations,
	contact: { ...contactOperations, ...contactBulkOperations },
	credit: creditOperations,
	webhook: webhookOperations,
};

function shownFor(resource: string, operation: string): string[] {
	return properties
		.filter((property) => {
			const show = property.displayOptions?.show;
			return (
				property.name !== 'operation' &&
				(show?.resource ?? []).includes(resource) &&
				(show?.operation ?? []).includes(operation)
			);
		})
		.map((property) => property.name);
}

function everyProperty(list: INodeProperties[]): INodeProperties[] {
	return list.flatMap((property) => {
		const nested = (property.options ?? []) as Array<
			INodeProperties | { values?: INodeProperties[] }
		>;
		const children = nested.flatMap((option) =>
			'values' in option && option.values
				? option.values
				: 'type' in option
					? [option as INodeProperties]
					: [],
		);
		return [property, ...everyProperty(children)];
	});
}

describe('VoxPria node description', () => {
	it('is the voxPria node, usable as an AI tool', () => {
		expect(description).toMatchObject({
			name: 'voxPria',
			displayName: 'VoxPria',
			version: 1,
			usableAsTool: true,
			icon: { light: 'file:../../icons/voxpria.svg', dark: 'file:../../icons/voxpria.dark.svg' },
			subtitle: '={{$parameter["operation"] + ": " + $parameter["resource"]}}',
			credentials: [{ name: 'voxPriaApi', required: true }],
		});
		expect(new VoxPria().methods.listSearch.getAgents).toEqual(expect.any(Function));
	});

	it('has a handler and an action sentence for every operation of every resource', () => {
		const resource = properties.find((property) => property.name === 'resource')!;
		const resources = (resource.options as INodePropertyOptions[]).map((option) => option.value);
		expect(resources).toEqual(['agent', 'call', 'contact', 'credit', 'webhook']);
		const operations: Record<string, string[]> = {};
		for (const name of resources) {
			const operation = properties.find(
				(property) =>
					property.name === 'operation' && property.displayOptions?.show?.resource?.includes(name),
			)!;
			expect(operation.noDataExpression).toBe(true);
			const options = operation.options as INodePropertyOptions[];
			operations[String(name)] = options.map((option) => String(option.value));
			for (const option of options) {
				expect(handlers[String(name)][String(option.value)]).toEqual(expect.any(Function));
				expect(option.action).toMatch(/^[A-Z][a-z]/);
				expect(option.description?.length).toBeGreaterThan(20);
			}
			expect(Object.keys(handlers[String(name)]).sort()).toEqual(
				[...operations[String(name)]].sort(),
			);
		}
		expect(operations).toEqual({
			agent: ['get', 'getFlow', 'getAll'],
			call: ['downloadRecording', 'get', 'getAll', 'create'],
			contact: ['create', 'createMany', 'delete', 'getAll', 'update'],
			credit: ['getBalance', 'getUsage'],
			webhook: ['create', 'delete', 'getAll'],
		});
	});

	it('keeps the parameter names saved workflows use', () => {
		expect(shownFor('webhook', 'create')).toEqual(['secretNotice', 'url', 'events', 'options']);
		expect(shownFor('webhook', 'getAll')).toEqual(['returnAll', 'limit']);
		expect(shownFor('webhook', 'delete')).toEqual(['webhookId']);
		expect(shownFor('call', 'create')).toEqual([
			'costNotice',
			'agentId',
			'toNumber',
			'variablesInput',
			'variables',
			'variablesJson',
			'waitForCompletion',
			'pollInterval',
			'timeout',
		]);
		expect(shownFor('call', 'get')).toEqual(['callId']);
		expect(shownFor('call', 'getAll')).toEqual(['returnAll', 'limit', 'filters']);
		expect(shownFor('call', 'downloadRecording')).toEqual([
			'recordingSource',
			'callId',
			'recordingUrl',
			'binaryPropertyName',
			'downloadOptions',
		]);
		expect(shownFor('contact', 'create')).toEqual([
			'phone',
			'firstName',
			'lastName',
			'email',
			'metadataInput',
			'metadata',
			'metadataJson',
		]);
		expect(shownFor('contact', 'createMany')).toEqual([
			'bulkNotice',
			'source',
			'phone',
			'firstName',
			'lastName',
			'email',
			'metadataJson',
			'contactsJson',
		]);
		expect(shownFor('contact', 'update')).toEqual(['contactId', 'updateFields']);
		expect(shownFor('contact', 'delete')).toEqual(['contactId']);
		expect(shownFor('agent', 'get')).toEqual(['agentId']);
		expect(shownFor('agent', 'getFlow')).toEqual(['agentId']);
		expect(shownFor('credit', 'getUsage')).toEqual(['startDate', 'endDate']);
	});

	it('follows n8n conventions: sorted options, Return All / Limit, "Whether" for booleans', () => {
		for (const property of everyProperty(properties)) {
			if (
				(property.type === 'options' || property.type === 'multiOptions') &&
				property.name !== 'operation'
			) {
				const names = (property.options as INodePropertyOptions[]).map((option) => option.name);
				expect({ [property.name]: names }).toEqual({
					[property.name]: [...names].sort((a, b) => a.localeCompare(b)),
				});
			}
			if (property.type === 'boolean') expect(property.description).toMatch(/^Whether /);
			if (property.name === 'returnAll') {
				expect(property.description).toBe(
					'Whether to return all results or only up to a given limit',
				);
			}
			if (property.name === 'limit') {
				expect(property).toMatchObject({
					default: 50,
					typeOptions: { minValue: 1 },
					description: 'Max number of results to return',
				});
			}
		}
		const start = properties.find((property) => property.name === 'toNumber')!;
		expect(start.description).toContain('+14155551234');
		const callOperation = properties.find(
			(property) =>
				property.name === 'operation' && property.displayOptions?.show?.resource?.includes('call'),
		)!;
		const startOption = (callOperation.options as INodePropertyOptions[]).find(
			(option) => option.value === 'create',
		)!;
		expect(startOption).toMatchObject({ name: 'Start', action: 'Start a call' });
		expect(startOption.description).toContain('real phone call and uses credits');
	});
});
