// @ts-check
'use strict';

/*
 * The type names n8n gives this package's nodes (`<package name>.<node name>`), as workflows
 * store them. Plain JavaScript so that the TypeScript tests, the e2e scripts and bench/ share it.
 */

const TRIGGER_TYPE = 'n8n-nodes-voxpria.voxPriaTrigger';
const ACTION_TYPE = 'n8n-nodes-voxpria.voxPria';

module.exports = { TRIGGER_TYPE, ACTION_TYPE };
