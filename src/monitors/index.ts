/**
 * Monitors (issue 19): state machines over observations that hold or fail during a run. The
 * public API the TypeScript form builds on; the YAML form (schema.ts) compiles to the same.
 * @module
 */
export { accept, fail, goto, stay, type Decision } from './decision.js'
export {
  monitor,
  when,
  type Case,
  type Handler,
  type MonitorOptions,
  type StateSpec,
  type Transitions,
} from './machine.js'
export { all, any, sequence } from './compose.js'
export type {
  MonitorDef,
  MonitorInstance,
  MonitorVerdict,
  StartOptions,
  TransitionRecord,
  Trigger,
} from './contract.js'
