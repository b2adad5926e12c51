// @ts-check
'use strict';
/**
 * A client for one running n8n main process: owner setup and login (cookie), the public API
 * (X-N8N-API-KEY), the editor's cookie REST, and the workflow publication status. Endpoints and
 * answers are those of n8n 2.40.7 (see README.md).
 */

const { request, waitFor } = require('./http');

/**
 * @typedef {import('./http').HttpResponse} HttpResponse
 * @typedef {import('./http').WaitOptions} WaitOptions
 * @typedef {{ status: 'in_progress' | 'not_published' | 'published' | 'partial' | 'failed',
 *   liveVersionId: string | null, pendingVersionId: string | null,
 *   triggers: { nodeId: string, status: 'activated' | 'failed', errorMessage: string | null }[] }} PublicationStatus
 */

const OWNER = {
	email: 'owner@voxpria-e2e.test',
	firstName: 'E2E',
	lastName: 'Owner',
	password: 'VoxPria-e2e-Passw0rd',
};
const BROWSER_ID = 'voxpria-e2e-harness';

/**
 * @param {string} what
 * @param {HttpResponse} res
 * @param {number[]} [ok]
 */
function check(what, res, ok) {
	const good = ok ? ok.includes(res.status) : res.status >= 200 && res.status < 300;
	if (!good) {
		throw new Error(`${what}: HTTP ${res.status} ${res.text.slice(0, 1000)}`);
	}
	return res;
}

/**
 * @param {{ baseUrl: () => string }} o `baseUrl` answers the main process's current URL (it can
 *   change when a start had to pick other ports).
 */
function createApiClient({ baseUrl }) {
	/** @type {string | undefined} */
	let cookie;
	/** @type {string | undefined} */
	let apiKey;

	/** @param {HttpResponse} res */
	const keepCookie = (res) => {
		const set = res.headers['set-cookie'];
		if (!set) return;
		for (const c of set) {
			const m = /^n8n-auth=([^;]*)/.exec(c);
			if (m) cookie = m[1] ? `n8n-auth=${m[1]}` : undefined;
		}
	};

	/**
	 * @param {string} method
	 * @param {string} p
	 * @param {unknown} [body]
	 */
	const restRaw = async (method, p, body) => {
		/** @type {Record<string, string>} */
		const headers = { 'browser-id': BROWSER_ID };
		if (cookie) headers.cookie = cookie;
		const res = await request(`${baseUrl()}/rest${p}`, { method, headers, body });
		keepCookie(res);
		return res;
	};

	/**
	 * Cookie-authenticated internal REST call; answers n8n's `data` field.
	 * @param {string} method
	 * @param {string} p path below /rest
	 * @param {unknown} [body]
	 */
	const rest = async (method, p, body) => {
		const res = await restRaw(method, p, body);
		check(`${method} /rest${p}`, res);
		return res.body && typeof res.body === 'object' && 'data' in res.body
			? res.body.data
			: res.body;
	};

	/**
	 * Public API call (X-N8N-API-KEY).
	 * @param {string} method
	 * @param {string} p path below /api/v1
	 * @param {unknown} [body]
	 * @param {number[]} [ok]
	 */
	const api = async (method, p, body, ok) => {
		if (!apiKey) throw new Error('no API key yet: call setupOwner() first');
		const res = await request(`${baseUrl()}/api/v1${p}`, {
			method,
			headers: { 'x-n8n-api-key': apiKey },
			body,
		});
		check(`${method} /api/v1${p}`, res, ok);
		return res.body;
	};

	/**
	 * GET with the login cookie outside /rest (the editor's /types/*.json).
	 * @param {string} p
	 */
	const cookieGet = async (p) => {
		const res = await request(`${baseUrl()}${p}`, {
			headers: { cookie: cookie ?? '', 'browser-id': BROWSER_ID },
		});
		return /** @type {any[]} */ (check(`GET ${p}`, res).body);
	};

	const login = async () => {
		const res = await restRaw('POST', '/login', {
			emailOrLdapLoginId: OWNER.email,
			password: OWNER.password,
		});
		check('POST /rest/login', res);
		if (!cookie) throw new Error('POST /rest/login set no n8n-auth cookie');
	};

	/**
	 * GET /rest/workflows/{id}/publication-status. With N8N_USE_WORKFLOW_PUBLICATION_SERVICE=false
	 * n8n answers that endpoint with 404 "Workflow publication status is not available"; the
	 * same shape is then derived from the older endpoints GET /rest/active-workflows (ids of
	 * active workflows without activation errors) and GET /rest/active-workflows/error/{id}
	 * (the last activation error), marked `legacy: true`. Legacy mode has no in-flight state.
	 * @param {string} id
	 * @returns {Promise<PublicationStatus & { legacy?: boolean }>}
	 */
	const publicationStatus = async (id) => {
		const res = await restRaw('GET', `/workflows/${encodeURIComponent(id)}/publication-status`);
		if (res.status === 404 && /publication status is not available/i.test(res.text)) {
			const [activeIds, error] = await Promise.all([
				rest('GET', '/active-workflows'),
				rest('GET', `/active-workflows/error/${encodeURIComponent(id)}`),
			]);
			const errorMessage = error
				? String(typeof error === 'object' ? (error.message ?? JSON.stringify(error)) : error)
				: null;
			/** @type {PublicationStatus['status']} */
			const status = errorMessage
				? 'failed'
				: activeIds.includes(id)
					? 'published'
					: 'not_published';
			return {
				status,
				liveVersionId: null,
				pendingVersionId: null,
				triggers: errorMessage ? [{ nodeId: '', status: 'failed', errorMessage }] : [],
				legacy: true,
			};
		}
		check(`GET /rest/workflows/${id}/publication-status`, res);
		return res.body.data;
	};

	/**
	 * Waits until activation has settled (neither in progress nor not yet started).
	 * @param {string} id
	 * @param {string} description
	 * @param {WaitOptions} o
	 */
	const settledStatus = (id, description, o) =>
		waitFor(
			async () => {
				const s = await publicationStatus(id);
				return s.status === 'in_progress' || s.status === 'not_published' ? false : s;
			},
			{ timeoutMs: 60_000, description, ...o },
		);

	return {
		owner: OWNER,
		get apiKey() {
			return apiKey;
		},
		get cookie() {
			return cookie;
		},
		rest,
		restRaw,
		api,

		/** Creates the owner, logs in (keeping the cookie) and creates an API key with every scope offered. */
		setupOwner: async () => {
			const setup = await restRaw('POST', '/owner/setup', OWNER);
			check('POST /rest/owner/setup', setup);
			await login();
			const scopes = /** @type {string[]} */ (await rest('GET', '/api-keys/scopes'));
			const created = await rest('POST', '/api-keys', {
				label: 'voxpria-e2e',
				expiresAt: null,
				scopes,
			});
			apiKey = created.rawApiKey;
			if (!apiKey) {
				throw new Error(`POST /rest/api-keys answered no rawApiKey: ${JSON.stringify(created)}`);
			}
			return { apiKey, scopes, owner: OWNER };
		},
		login,

		// --- public API ---
		/** @param {{ name: string, type: string, data: Record<string, unknown> }} c */
		createCredential: (c) => api('POST', '/credentials', c),
		/** @param {string} id */
		deleteCredential: (id) => api('DELETE', `/credentials/${encodeURIComponent(id)}`),
		/**
		 * Tests a stored credential (public API, POST /api/v1/credentials/{id}/test).
		 * @param {string} id
		 */
		testCredentialById: (id) => api('POST', `/credentials/${encodeURIComponent(id)}/test`),
		/**
		 * @param {{ name: string, nodes: unknown[], connections: unknown, settings?: unknown, staticData?: unknown, pinData?: unknown, description?: string }} wf
		 */
		createWorkflow: (wf) => {
			// The public API rejects unknown and read-only fields (id, active, versionId, tags, ...).
			/** @type {Record<string, unknown>} */
			const body = {
				name: wf.name,
				nodes: wf.nodes,
				connections: wf.connections ?? {},
				settings: wf.settings ?? { executionOrder: 'v1' },
			};
			for (const k of /** @type {const} */ (['staticData', 'pinData', 'description'])) {
				if (wf[k] !== undefined) body[k] = wf[k];
			}
			return api('POST', '/workflows', body);
		},
		/**
		 * Saves new nodes (and connections) into a workflow, as the editor's save does; activate()
		 * publishes them.
		 * @param {string} id @param {{ name: string, nodes: unknown[], connections: unknown, settings?: unknown }} wf
		 */
		updateWorkflow: (id, wf) =>
			api('PUT', `/workflows/${encodeURIComponent(id)}`, {
				name: wf.name,
				nodes: wf.nodes,
				connections: wf.connections ?? {},
				settings: wf.settings ?? { executionOrder: 'v1' },
			}),
		/** @param {string} id */
		getWorkflow: (id) => api('GET', `/workflows/${encodeURIComponent(id)}`),
		/** @param {string} id */
		activate: (id) => api('POST', `/workflows/${encodeURIComponent(id)}/activate`),
		/** @param {string} id */
		deactivate: (id) => api('POST', `/workflows/${encodeURIComponent(id)}/deactivate`),
		/**
		 * Deletes a workflow. n8n 2.40.7 answers 409 "Workflow is still being unpublished" while a
		 * deactivation is in flight; that is waited out.
		 * @param {string} id
		 * @param {WaitOptions} [o]
		 */
		deleteWorkflow: (id, o = {}) =>
			waitFor(
				async () => {
					const body = await api(
						'DELETE',
						`/workflows/${encodeURIComponent(id)}`,
						undefined,
						[200, 409],
					);
					return body && /still being unpublished/.test(String(body.message)) ? false : body;
				},
				{ timeoutMs: 30_000, description: `workflow ${id} to be deletable`, ...o },
			),
		/**
		 * All executions (following nextCursor), newest first.
		 * @param {{ workflowId?: string, includeData?: boolean, status?: string }} [q]
		 * @returns {Promise<any[]>}
		 */
		executions: async ({ workflowId, includeData = false, status } = {}) => {
			/** @type {any[]} */
			const all = [];
			/** @type {string | undefined} */
			let cursor;
			do {
				const qs = new URLSearchParams({ limit: '250', includeData: String(includeData) });
				if (workflowId) qs.set('workflowId', workflowId);
				if (status) qs.set('status', status);
				if (cursor) qs.set('cursor', cursor);
				const page = await api('GET', `/executions?${qs}`);
				all.push(...page.data);
				cursor = page.nextCursor ?? undefined;
			} while (cursor);
			return all;
		},

		// --- cookie REST ---
		publicationStatus,
		/**
		 * Waits until the workflow's triggers are live. Throws with n8n's error messages if
		 * activation settles as failed.
		 * @param {string} id
		 * @param {WaitOptions} [o]
		 */
		waitForPublished: async (id, o = {}) => {
			const st = await settledStatus(id, `workflow ${id} to be published`, o);
			if (st.status !== 'published') {
				const why = st.triggers
					.map((t) => `${t.nodeId}: ${t.status} ${t.errorMessage ?? ''}`)
					.join('; ');
				throw new Error(`workflow ${id} activation ${st.status}: ${why}`);
			}
			return st;
		},
		/**
		 * Waits until a deactivated workflow's triggers are all gone (status `not_published`).
		 * @param {string} id
		 * @param {WaitOptions} [o]
		 */
		waitForUnpublished: (id, o = {}) =>
			waitFor(
				async () => {
					const s = await publicationStatus(id);
					return s.status === 'not_published' ? s : false;
				},
				{ timeoutMs: 60_000, description: `workflow ${id} to be unpublished`, ...o },
			),
		/**
		 * Waits until activation has settled as failed (after n8n's retries, ~15 s) and answers the
		 * status with the triggers' error messages. Throws if it settles as published.
		 * @param {string} id
		 * @param {WaitOptions} [o]
		 */
		waitForActivationFailure: async (id, o = {}) => {
			const st = await settledStatus(id, `workflow ${id} activation to settle`, o);
			if (st.status === 'published') {
				throw new Error(`workflow ${id} was published, expected its activation to fail`);
			}
			return st;
		},
		/**
		 * n8n's credential test as the editor runs it: POST /rest/credentials/test with
		 * `{ credentials: { id, name, type, data } }`. `id` is the stored credential's id (stored
		 * secrets fill in any redacted values in `data`), or '' to test unsaved data (owner only).
		 * Answers `{ status: 'OK' | 'Error', message }`.
		 * @param {{ id?: string, name?: string, type: string, data: Record<string, unknown> }} credentials
		 * @returns {Promise<{ status: 'OK' | 'Error', message: string }>}
		 */
		testCredential: (credentials) =>
			rest('POST', '/credentials/test', {
				credentials: { id: '', name: '', ...credentials },
			}),
		/** Node type descriptions as the editor loads them (GET /types/nodes.json, cookie auth). */
		nodeTypes: () => cookieGet('/types/nodes.json'),
		/** Credential type descriptions (GET /types/credentials.json, cookie auth). */
		credentialTypes: () => cookieGet('/types/credentials.json'),
	};
}

module.exports = { createApiClient, OWNER };
