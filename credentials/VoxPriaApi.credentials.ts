import type {
	IAuthenticateGeneric,
	Icon,
	ICredentialTestRequest,
	ICredentialType,
	INodeProperties,
} from 'n8n-workflow';

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

	// VoxPria documents GET /credits as the way to check a key. The base URL is read the way the
	// nodes read it (normalizeBaseUrl in nodes/shared/transport.ts).
	test: ICredentialTestRequest = {
		request: {
			baseURL: '={{$credentials.baseUrl.trim().replace(/\\/+$/, "").replace(/\\/api\\/v1$/, "")}}',
			url: '/api/v1/credits',
			method: 'GET',
		},
		rules: [
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
		],
	};
}
