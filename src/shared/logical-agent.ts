/**
 * A logical host's name (`spec.system.agents[].name`): the agent-name rule, since it ends up in
 * run ids (`<runId>.<logical>`) and journal `host` fields. Here, not in platforms/agent/part.ts,
 * because the manifest schema (which the UI bundles too) needs it without Node's modules.
 * @module
 */
export const LOGICAL_AGENT_PATTERN = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/
