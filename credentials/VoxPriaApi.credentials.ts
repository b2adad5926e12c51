import type {
	IAuthenticateGeneric,
	IAuthenticateRuleResponseCode,
	IAuthenticateRuleResponseSuccessBody,
	Icon,
	ICredentialTestRequest,
	ICredentialType,
	INodeProperties,
} from 'n8n-workflow';

const RULES: Array<IAuthenticateRuleResponseCode | IAuthenticateRuleResponseSuccessBody> = [
	{
		type: 'responseCode',
		properties: {
			value: 401,
			message:
				'Invalid API key: VoxPria did not accept it. Copy the key again from VoxPria (Settings → API Keys).',
		},
	},
	{
		type: 'responseCode',
		properties: {
			value: 403,
			message:
				'VoxPria accepted the key but it lacks the credits scope, which the connection test uses. Add that scope to the key.',
		},
	},
	{
		type: 'responseCode',
		properties: {
			value: 404,
			message:
				'No VoxPria API at this Base URL: /api/v1/credits was not found. Check the Base URL (normally https://app.voxpria.com).',
		},
	},
	...[301, 302, 303, 307, 308].map((value) => ({
		type: 'responseCode' as const,
		properties: {
			value,
			message:
				'The Base URL answered with a redirect, which is not followed so that the API key is not sent elsewhere. Check the Base URL (normally https://app.voxpria.com).',
		},
	})),
	{
		type: 'responseSuccessBody',
		properties: {
			key: 'data.balance',
			value: undefined,
			message:
				'The Base URL answered, but not like the VoxPria API (no credit balance in the answer). Check the Base URL (normally https://app.voxpria.com).',
		},
	},
];

export class VoxPriaApi implements ICredentialType {
	name = 'voxPriaApi';

	displayName = 'VoxPria API';

	icon: Icon = { light: 'file:../icons/voxpria.svg', dark: 'file:../icons/voxpria.dark.svg' };

	documentationUrl = 'https://github.com/voxpria/n8n-nodes-voxpria#credentials';

	properties: INodeProperties[] = [
		{
			displayName: 'API Key',
			name: 'apiKey',
			type: 'string',
			typeOptions: { password: true },
			required: true,
			default: '',
			placeholder: 'agl_sk_...',
			description:
				'Create one in VoxPria under Settings → API Keys. Give it the scopes your workflows use (webhooks for the trigger; calls, contacts, agents, credits for the action node).',
		},
		{
			displayName: 'Base URL',
			name: 'baseUrl',
			type: 'string',
			default: 'https://app.voxpria.com',
			hint: 'Only change this for a VoxPria sandbox or a dedicated host',
			description: 'The address of the VoxPria API. A trailing slash or /api/v1 is fine.',
		},
	];

	authenticate: IAuthenticateGeneric = {
		type: 'generic',
		properties: {
			headers: {
				Authorization: '=Bearer {{$credentials.apiKey}}',
			},
		},
	};

	// VoxPria documents GET /credits as the way to check a key. The Base URL is read the way the
	// nodes read it (normalizeBaseUrl in nodes/shared/baseUrl.ts): blank means the default. Redirects
	// are not followed, as in the nodes, so that the key is not sent to another host. n8n 2.40.7 only
	// checks a success answer through responseSuccessBody rules ("error when the value at key equals
	// value"): an answer without data.balance is not VoxPria's, e.g. a web page at a wrong address.
	test: ICredentialTestRequest = {
		request: {
			baseURL:
				'={{(String($credentials.baseUrl || "").trim() || "https://app.voxpria.com").replace(/\\/+$/, "").replace(/\\/api\\/v1$/, "")}}',
			url: '/api/v1/credits',
			method: 'GET',
			disableFollowRedirect: true,
		},
		// n8n-workflow types a list of one kind of rule only; n8n's CredentialsTester reads both
		// kinds from one list (responseCode on a failed request, responseSuccessBody on a success).
		rules: RULES as IAuthenticateRuleResponseCode[],
	};
}
