/**
 * Run ids become file names (ledgers, run dirs, an agent's journal): one someone else assigned
 * (a Chaos Center placing a run on an agent) must match this before it is used.
 * @module
 */
export const RUN_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/
