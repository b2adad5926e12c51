/* eslint-disable @n8n/community-nodes/no-restricted-globals, @n8n/community-nodes/no-restricted-imports -- dev-only code, held to eslint.dev.config.mjs instead (CONTRIBUTING.md) */
/**
 * Runs this package's nodes inside real n8n-core contexts (ExecuteContext, HookContext,
 * WebhookContext, RoutingNode) and real n8n-workflow Workflow objects, so that requests go
 * through n8n's own HTTP helpers to a real local server. The one piece n8n's CLI normally
 * supplies, the credentials helper, is reproduced here in a few lines, resolving the
 * credential's `authenticate` block with n8n's expression engine the way the CLI does.
 */
import { mkdtempSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';

process.env.N8N_USER_FOLDER ??= mkdtempSync(join(tmpdir(), 'voxpria-n8n-'));

import type { Request, Response } from 'express';
import { ExecuteContext, HookContext, PollContext, RoutingNode, WebhookContext } from 'n8n-core';
import type {
	ICredentialDataDecryptedObject,
	ICredentials,
	ICredentialsHelper,
	IDataObject,
	IExecuteData,
	IHttpRequestOptions,
	INode,
	INodeExecutionData,
	INodeParameters,
	INodeType,
	INodeTypes,
	ITaskDataConnections,
	IWebhookData,
	IWorkflowExecuteAdditionalData,
	Workflow as WorkflowType,
	WorkflowActivateMode,
	WorkflowExecuteMode,
} from 'n8n-workflow';
import { createRunExecutionData, isExpression, NodeHelpers, Workflow } from 'n8n-workflow';

import { VoxPriaApi } from '../../credentials/VoxPriaApi.credentials';
import { VoxPria } from '../../nodes/VoxPria/VoxPria.node';
import { VoxPriaPollTrigger } from '../../nodes/VoxPriaPollTrigger/VoxPriaPollTrigger.node';
import { VoxPriaTrigger } from '../../nodes/VoxPriaTrigger/VoxPriaTrigger.node';
import { ACTION_TYPE, POLL_TRIGGER_TYPE, TRIGGER_TYPE } from './nodeTypes';

const types: Record<string, INodeType> = {
	[TRIGGER_TYPE]: new VoxPriaTrigger(),
	[ACTION_TYPE]: new VoxPria(),
	[POLL_TRIGGER_TYPE]: new VoxPriaPollTrigger(),
};

export const nodeTypes: INodeTypes = {
	getByName: (type) => types[type],
	getByNameAndVersion: (type, version) => NodeHelpers.getVersionedNodeType(types[type], version),
	getKnownTypes: () => ({}),
};

const credentialType = new VoxPriaApi();

function resolve(
	value: string,
	credentials: ICredentialDataDecryptedObject,
	workflow: WorkflowType,
	node: INode,
) {
	if (!isExpression(value)) return value;
	const resolved = workflow.expression.getSimpleParameterValue(
		node,
		value,
		'internal',
		{ $credentials: credentials },
		undefined,
		'',
	);
	return resolved ? String(resolved) : '';
}

/** The part of n8n's CLI CredentialsHelper that a generic-auth credential uses. */
function credentialsHelper(data: ICredentialDataDecryptedObject): ICredentialsHelper {
	return {
		getParentTypes: () => [],
		isCredentialUsableByNode: () => true,
		async authenticate(
			credentials: ICredentialDataDecryptedObject,
			_type: string,
			requestOptions: IHttpRequestOptions,
			workflow?: WorkflowType,
			node?: INode,
		) {
			const options = requestOptions as IHttpRequestOptions;
			const { properties } = credentialType.authenticate;
			for (const [outerKey, entries] of Object.entries(properties)) {
				const target = ((options as unknown as IDataObject)[outerKey] ??= {}) as IDataObject;
				for (const [key, value] of Object.entries(entries as IDataObject)) {
					target[resolve(key, credentials, workflow!, node!)] = resolve(
						String(value),
						credentials,
						workflow!,
						node!,
					);
				}
			}
			return options;
		},
		preAuthentication: async () => undefined,
		runPreAuthentication: async () => undefined,
		getCredentials: async () => ({}) as ICredentials,
		getDecrypted: async () => ({ ...data }),
		updateCredentials: async () => undefined,
		updateCredentialsOauthTokenData: async () => undefined,
		getCredentialsProperties: () => credentialType.properties,
	} as unknown as ICredentialsHelper;
}

export interface Setup {
	/** The credential's values: { apiKey, baseUrl }. */
	credentials: ICredentialDataDecryptedObject;
	/** The node's parameters as a user would set them. */
	parameters?: IDataObject;
	/** Shared between calls to model n8n's per-workflow static data. */
	staticData?: IDataObject;
	webhookBaseUrl?: string;
	workflowId?: string;
	nodeId?: string;
	/** The node's version in the workflow (default 1). */
	typeVersion?: number;
}

const NODE_NAMES: Record<string, string> = {
	[TRIGGER_TYPE]: 'VoxPria Trigger',
	[POLL_TRIGGER_TYPE]: 'VoxPria Poll Trigger',
};

function makeNode(type: string, setup: Setup): INode {
	return {
		id: setup.nodeId ?? 'node-1',
		name: NODE_NAMES[type] ?? 'VoxPria',
		type,
		typeVersion: setup.typeVersion ?? 1,
		position: [0, 0],
		parameters: structuredClone(setup.parameters ?? {}) as INodeParameters,
		credentials: { voxPriaApi: { id: 'cred-1', name: 'VoxPria account' } },
		webhookId: type === TRIGGER_TYPE ? 'hook-0000-1111' : undefined,
	};
}

function makeWorkflow(node: INode, setup: Setup): WorkflowType {
	return new Workflow({
		id: setup.workflowId ?? 'wf-1',
		name: 'Test workflow',
		nodes: [node],
		connections: {},
		active: true,
		nodeTypes,
		// n8n loads static data from its database for each call; a shared object models that.
		staticData: setup.staticData,
	});
}

/** A node of this type as the user set it up, alone in its workflow. */
function nodeInWorkflow(type: string, setup: Setup) {
	const node = makeNode(type, setup);
	return { node, workflow: makeWorkflow(node, setup) };
}

function makeAdditionalData(setup: Setup, extra: Partial<IWorkflowExecuteAdditionalData> = {}) {
	const base = setup.webhookBaseUrl ?? 'https://n8n.example.com';
	return {
		credentialsHelper: credentialsHelper(setup.credentials),
		webhookBaseUrl: `${base}/webhook`,
		webhookTestBaseUrl: `${base}/webhook-test`,
		webhookWaitingBaseUrl: `${base}/webhook-waiting`,
		formWaitingBaseUrl: `${base}/form-waiting`,
		restApiUrl: `${base}/rest`,
		instanceBaseUrl: base,
		variables: {},
		executionTimeoutTimestamp: undefined,
		currentNodeExecutionIndex: 0,
		...extra,
	} as unknown as IWorkflowExecuteAdditionalData;
}

/** The trigger's one webhook as n8n describes it to the node's hooks and to webhook(). */
function webhookData(workflow: WorkflowType, node: INode, isTest = false): IWebhookData {
	return {
		httpMethod: 'POST',
		node: node.name,
		path: 'webhook',
		webhookDescription: { name: 'default', httpMethod: 'POST', path: 'webhook' },
		workflowId: workflow.id,
		isTest,
	} as unknown as IWebhookData;
}

/**
 * The one place that builds an n8n-core ExecuteContext (ten positional arguments in n8n-core
 * 2.40), so that a change of that constructor breaks here only.
 * - `items`: the items the node runs over (n8n's connectionInputData).
 * - `inputData`: what arrives at the node's inputs; by default those items on its main input.
 * - `executeData`: what n8n hands the node about its run; by default the same input data.
 */
function executeContext(
	workflow: WorkflowType,
	node: INode,
	additionalData: IWorkflowExecuteAdditionalData,
	mode: WorkflowExecuteMode,
	items: INodeExecutionData[],
	inputData: ITaskDataConnections = { main: [items] },
	executeData: IExecuteData = { node, data: inputData, source: null },
) {
	return new ExecuteContext(
		workflow,
		node,
		additionalData,
		mode,
		createRunExecutionData(),
		0, // runIndex
		items,
		inputData,
		executeData,
		[], // closeFunctions
	);
}

/** A HookContext as n8n builds it to activate or deactivate a trigger. */
export function hookContext(
	setup: Setup,
	mode: WorkflowExecuteMode = 'trigger',
	activation: WorkflowActivateMode = 'activate',
) {
	const { node, workflow } = nodeInWorkflow(TRIGGER_TYPE, setup);
	// The editor's "Listen for test event" runs the lifecycle in manual mode for the test URL.
	const data = webhookData(workflow, node, mode === 'manual');
	const context = new HookContext(
		workflow,
		node,
		makeAdditionalData(setup),
		mode,
		activation,
		data,
	);
	return { context, workflow, node };
}

/** The trigger's webhook lifecycle, run the way n8n runs it. */
export function triggerLifecycle(setup: Setup) {
	const methods = new VoxPriaTrigger().webhookMethods.default;
	const run = (method: 'checkExists' | 'create' | 'delete', mode?: WorkflowExecuteMode) => {
		const { context } = hookContext(setup, mode);
		return methods[method].call(context);
	};
	return {
		checkExists: (mode?: WorkflowExecuteMode) => run('checkExists', mode),
		create: (mode?: WorkflowExecuteMode) => run('create', mode),
		delete: (mode?: WorkflowExecuteMode) => run('delete', mode),
		/** What n8n does on activation: create unless checkExists says it is there. */
		async activate(mode?: WorkflowExecuteMode) {
			if (!(await run('checkExists', mode))) await run('create', mode);
		},
		webhookUrl(mode: WorkflowExecuteMode = 'trigger') {
			return hookContext(setup, mode).context.getNodeWebhookUrl('default');
		},
	};
}

/** Runs the trigger's webhook() for one real express request, in a real WebhookContext. */
export async function runWebhook(setup: Setup, req: Request, res: Response) {
	const { node, workflow } = nodeInWorkflow(TRIGGER_TYPE, setup);
	const additionalData = makeAdditionalData(setup, { httpRequest: req, httpResponse: res });
	const data = webhookData(workflow, node);
	const context = new WebhookContext(workflow, node, additionalData, 'webhook', data, [], null);
	return await new VoxPriaTrigger().webhook.call(context);
}

/** Runs the action node's execute() over input items, in a real ExecuteContext. */
export async function runAction(
	setup: Setup,
	items: INodeExecutionData[] = [{ json: {} }],
	nodeSettings: Partial<INode> = {},
): Promise<INodeExecutionData[][]> {
	const node = { ...makeNode(ACTION_TYPE, setup), ...nodeSettings };
	const workflow = makeWorkflow(node, setup);
	const context = executeContext(workflow, node, makeAdditionalData(setup), 'manual', items);
	return (await new VoxPria().execute.call(context)) as INodeExecutionData[][];
}

/** A load-options / list-search call, as the editor makes it. */
export function loadOptionsContext(setup: Setup) {
	const { node, workflow } = nodeInWorkflow(ACTION_TYPE, setup);
	// An ExecuteContext offers the same getCredentials/helpers that list search uses.
	return executeContext(workflow, node, makeAdditionalData(setup), 'manual', [{ json: {} }]);
}

/**
 * Runs the credential's test request through n8n-core's RoutingNode, as n8n's credential
 * dialog does, and applies the credential's rules the way n8n's CredentialsTester does.
 */
export async function testCredential(credentials: ICredentialDataDecryptedObject) {
	const tempType: INodeType = {
		description: {
			displayName: 'Temp',
			name: 'temp',
			group: [],
			version: 1,
			description: '',
			defaults: {},
			inputs: [],
			outputs: [],
			credentials: [{ name: 'voxPriaApi', required: true }],
			properties: [
				{
					displayName: 'Temp',
					name: 'temp',
					type: 'string',
					routing: { request: credentialType.test.request },
					default: '',
				},
			],
		},
	};
	const tempTypes: INodeTypes = {
		getByName: () => tempType,
		getByNameAndVersion: () => tempType,
		getKnownTypes: () => ({}),
	};
	const node: INode = {
		id: 'temp',
		name: 'Temp-Node',
		type: 'temp',
		typeVersion: 1,
		position: [0, 0],
		parameters: {},
		credentials: { voxPriaApi: { id: 'cred-1', name: 'VoxPria account' } },
	};
	const workflow = new Workflow({
		nodes: [node],
		connections: {},
		active: false,
		nodeTypes: tempTypes,
	});
	// As n8n's CredentialsTester builds it: no items, one empty item at the input, no execute data.
	const context = executeContext(
		workflow,
		node,
		makeAdditionalData({ credentials }),
		'internal',
		[],
		{ main: [[{ json: {} }]] },
		{ node, data: {}, source: null },
	);
	const routingNode = new RoutingNode(context, tempType, {
		id: 'cred-1',
		name: 'VoxPria account',
		type: 'voxPriaApi',
		data: credentials,
	});
	// From here on as n8n 2.40.7's CredentialsTester.runRequestTest (services/credentials-tester.service.js).
	const rules = credentialType.test.rules ?? [];
	let response: INodeExecutionData[][] | null | undefined;
	try {
		response = (await routingNode.runNode()) as INodeExecutionData[][] | null | undefined;
	} catch (error) {
		const cause = (
			error as { cause?: { code?: string; response?: { status: number; statusText: string } } }
		).cause;
		if (cause?.response) {
			const rule = rules.find(
				(candidate) =>
					candidate.type === 'responseCode' &&
					candidate.properties.value === cause.response!.status,
			);
			if (rule) return { status: 'Error', message: (rule.properties as IDataObject).message };
			return {
				status: 'Error',
				message: cause.response.statusText || `Received HTTP status code: ${cause.response.status}`,
			};
		}
		if (cause?.code) return { status: 'Error', message: cause.code };
		return { status: 'Error', message: (error as Error).message };
	}
	for (const rule of rules) {
		if (rule.type !== 'responseSuccessBody') continue;
		const json = response?.[0]?.[0]?.json as unknown;
		// lodash's get(json, key), for the dotted keys a rule uses.
		const value = rule.properties.key
			.split('.')
			.reduce<unknown>(
				(at, part) => (at === null || at === undefined ? undefined : (at as IDataObject)[part]),
				json,
			);
		if (value === rule.properties.value)
			return { status: 'Error', message: rule.properties.message };
	}
	return { status: 'OK', message: 'Connection successful!' };
}

/** A credential expression (such as the test request's `baseURL`) resolved as n8n resolves it. */
export function resolveCredentialExpression(
	value: string,
	credentials: ICredentialDataDecryptedObject,
): string {
	const { node, workflow } = nodeInWorkflow(ACTION_TYPE, { credentials });
	return resolve(value, credentials, workflow, node);
}

/**
 * Runs the poll trigger's poll() once in a real PollContext, the way n8n's poll executor does on
 * a schedule ('trigger') or for "Fetch Test Event" ('manual'). Static data is `setup.staticData`.
 */
export async function runPoll(setup: Setup, mode: WorkflowExecuteMode = 'trigger') {
	const { node, workflow } = nodeInWorkflow(POLL_TRIGGER_TYPE, setup);
	const context = new PollContext(
		workflow,
		node,
		makeAdditionalData(setup),
		mode,
		mode === 'manual' ? 'manual' : 'activate',
	);
	return await new VoxPriaPollTrigger().poll.call(context);
}
