// @ts-check
'use strict';

/*
 * The type names n8n gives this package's nodes (`<package name>.<node name>`), as workflows
 * store them. Plain JavaScript so that the TypeScript tests, the e2e scripts and bench/ share it.
 */

const TRIGGER_TYPE = 'n8n-nodes-voxpria.voxPriaTrigger';
const ACTION_TYPE = 'n8n-nodes-voxpria.voxPria';
const POLL_TRIGGER_TYPE = 'n8n-nodes-voxpria.voxPriaPollTrigger';
/** The trigger's version a new node gets (defaultVersion); workflows saved before keep 1. */
const TRIGGER_VERSION = 1.1;

module.exports = { TRIGGER_TYPE, ACTION_TYPE, POLL_TRIGGER_TYPE, TRIGGER_VERSION };
