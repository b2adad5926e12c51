// @ts-check
'use strict';

/*
 * The sandbox's JSDoc types, shared by its modules: `@typedef {import('./types').Call} Call`.
 */

/** @typedef {import('./engine').Engine} Engine */

/**
 * @typedef {object} SandboxOptions
 * @property {number} [port] 0 picks a free port
 * @property {string} [host]
 * @property {string} [apiKey] the one key that is accepted
 * @property {number} [callStepMs] time between call status steps
 * @property {number} [retryBaseMs] first retry delay; doubles each retry
 * @property {boolean} [seed] start with three agents and a credit balance
 * @property {boolean} [requireHttps] reject http:// webhook URLs with 400
 * @property {boolean} [log] one line per request and delivery on stderr
 * @property {string | string[]} [signing] how new webhooks' deliveries are signed (signedForms.js):
 *   one form, or several given to new webhooks in turn; default "raw"
 * @property {number} [recordingFrames] MPEG frames in each served recording (recordings.js);
 *   default 8 (3.4 kB); 38 frames make a second of 128 kbit/s audio
 */

/** @typedef {Required<SandboxOptions>} Settings */

/**
 * @typedef {object} Webhook
 * @property {string} webhookId
 * @property {string} url
 * @property {string[]} events
 * @property {boolean} active
 * @property {string} secret
 * @property {string} createdAt
 * @property {import('./signedForms').SigningForm} signing how its deliveries are signed
 */

/**
 * @typedef {object} Call
 * @property {string} callId
 * @property {string} agentId
 * @property {string} toNumber
 * @property {string} status queued, ringing, in_progress, completed, failed, no_answer or busy
 * @property {number | null} duration seconds
 * @property {string | null} recording
 * @property {string | null} transcript
 * @property {string | null} outcome
 * @property {Record<string, unknown>} variables
 * @property {string | null} startedAt
 * @property {string | null} completedAt
 * @property {string} createdAt
 */

/**
 * @typedef {object} Contact
 * @property {string} contactId
 * @property {string} phone
 * @property {string | null} firstName
 * @property {string | null} lastName
 * @property {string | null} email
 * @property {Record<string, unknown> | null} metadata
 * @property {string} createdAt
 */

/**
 * @typedef {object} Flow
 * @property {Array<Record<string, unknown>>} nodes
 * @property {Array<Record<string, unknown>>} edges
 * @property {number} version
 */

/**
 * @typedef {object} Agent
 * @property {string} agentId
 * @property {string} name
 * @property {string} description
 * @property {string} language
 * @property {string} voice
 * @property {string} status
 * @property {string} createdAt
 * @property {Record<string, unknown>} configuration
 * @property {Flow} flow
 */

/**
 * @typedef {object} Db
 * @property {Webhook[]} webhooks
 * @property {Call[]} calls insertion order
 * @property {Contact[]} contacts
 * @property {Agent[]} agents
 * @property {number} credits
 */

/**
 * @typedef {object} Paging
 * @property {'honour' | 'cap' | 'ignore'} mode
 * @property {number} cap
 */

/**
 * @typedef {object} FaultSpec
 * @property {string} path exact request path, or a regex source wrapped in slashes ("/^\\/api/")
 * @property {string} [method] case-insensitive; any method when absent
 * @property {number} [count] how many matching requests get the fault (default 1)
 * @property {number} [status] answer with this status instead of serving the request
 * @property {Record<string, string | number>} [headers]
 * @property {unknown} [body] a string is sent as is, anything else JSON-encoded
 * @property {number} [delayMs] wait first; without status the request is then served normally
 * @property {boolean} [destroy] close the socket without answering
 * @property {boolean} [afterHandler] with destroy: serve the request first (its effects happen),
 *   then close the socket instead of answering, like an answer lost on the way back
 */

/**
 * @typedef {object} Fault
 * @property {string} id
 * @property {string | null} method
 * @property {string} path
 * @property {number} count matching requests still to be hit
 * @property {number | null} status
 * @property {Record<string, string>} headers
 * @property {unknown} body
 * @property {number} delayMs
 * @property {boolean} destroy
 * @property {boolean} afterHandler
 */

/**
 * @typedef {object} LogEntry
 * @property {string} method
 * @property {string} path without the query string
 * @property {Record<string, string>} query
 * @property {import('http').IncomingHttpHeaders} headers lower-case names, as received
 * @property {unknown} body parsed JSON; the raw text if it was not JSON; null if empty
 * @property {number | null} status null when the socket was destroyed by a fault
 * @property {string} at
 */

/**
 * @typedef {object} Attempt
 * @property {number | null} status null on a network error
 * @property {string | null} error
 * @property {string} at
 * @property {number} ms
 * @property {string} body the answer's first 500 characters
 * @property {string} [retryAfter] the answer's Retry-After header, when it had one
 */

/**
 * @typedef {object} Delivery
 * @property {string} id
 * @property {string | null} webhookId null for an admin delivery to a bare url
 * @property {string} url
 * @property {string} event
 * @property {string} body the exact bytes sent
 * @property {Attempt[]} attempts
 * @property {boolean} done no further attempt will be made
 * @property {boolean} ok the last attempt got a 2xx
 */

/**
 * @typedef {object} PostResult
 * @property {number | null} status
 * @property {string} body
 * @property {string | null} error
 * @property {string} at
 * @property {number} ms
 * @property {string} [retryAfter]
 */

/**
 * @typedef {object} DeliverResult
 * @property {string} deliveryId see deliveries(); retries, if asked for, show up there
 * @property {number | null} status
 * @property {string} body
 * @property {number} ms
 * @property {string} [error]
 * @property {string} [retryAfter] the answer's Retry-After header, when it had one
 */

/**
 * @typedef {object} DeliverSpec
 * @property {string} [webhookId] take url and secret from a registered webhook
 * @property {string} [url]
 * @property {string} [secret]
 * @property {string} [event] default call.completed
 * @property {unknown} [data]
 * @property {unknown} [payload] replaces the generated {event, timestamp, data}
 * @property {string} [body] replaces the bytes sent (and signed)
 * @property {string} [signature] 'valid' (default), 'forged', 'missing' or a literal header value
 * @property {'exact' | 'pretty'} [form] "pretty": signing "node"
 * @property {string} [signing] raw, node, python, timestamped or both; default the webhook's
 * @property {Record<string, string>} [headers]
 * @property {number} [copies]
 * @property {boolean} [concurrent]
 * @property {boolean} [retry]
 */

/**
 * @typedef {object} EmitSpec
 * @property {string} event
 * @property {unknown} [data]
 * @property {boolean} [retry] default true
 */

/**
 * @typedef {object} SeedSpec
 * @property {number | Array<Partial<Call>>} [calls]
 * @property {number | Array<Partial<Contact>>} [contacts]
 * @property {Array<Partial<Agent>>} [agents]
 * @property {Array<Partial<Webhook>>} [webhooks]
 * @property {number} [credits] the balance
 */

/**
 * @typedef {object} PagingSpec
 * @property {string} mode honour, cap or ignore
 * @property {number} [cap]
 */

/**
 * @typedef {object} Counts
 * @property {number} webhooks
 * @property {number} calls
 * @property {number} contacts
 * @property {number} agents
 * @property {number} credits the balance
 */

/**
 * @typedef {object} Ctx
 * @property {import('http').IncomingMessage} req
 * @property {string} method upper case
 * @property {string} path
 * @property {Record<string, string>} query
 * @property {Record<string, string>} params
 * @property {any} body parsed JSON, undefined when empty
 */

/** @typedef {(sb: Engine, ctx: Ctx) => unknown} Handler */

module.exports = {};
