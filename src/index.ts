/**
 * ordeal's public API: define experiments in TypeScript, validate them like YAML manifests,
 * and run them programmatically.
 *
 * @example
 * ```ts
 * import { defineExperiment, resolve, runExperiment } from 'ordeal'
 * const experiment = defineExperiment({ apiVersion: 'ordeal.dev/v1', kind: 'Experiment', ... })
 * const result = await runExperiment(resolve(experiment))
 * ```
 * @module
 */
export { defineExperiment, resolve } from './experiment/define.js'
export { loadExperimentFile, loadExperimentText } from './experiment/load.js'
export { loadExperimentModule, loadAnyExperimentFile } from './experiment/module-load.js'
export type { TypedExperiment, DefinedExperiment } from './experiment/typed.js'
export type {
  ScriptContext,
  ScriptFunction,
  FaultHandle,
  ScriptTarget,
} from './experiment/script-types.js'
export { ManifestError, formatIssue, type ManifestIssue } from './experiment/errors.js'
export type {
  ExperimentInput,
  StepInputType as StepInput,
  FaultInput,
  ProbeInput,
  ServiceInput,
} from './experiment/schema.js'
export type { Experiment, Step, Probe, Fault, ServiceSpec } from './experiment/model.js'
export { runExperiment, startRun, type RunOptions, type RunHandle } from './engine/runner.js'
export { deriveResult, EXIT_CODES, type RunResult, type Verdict } from './engine/result.js'
export type { JournalEvent } from './engine/events.js'
export { defineFault, type FaultDriver } from './faults/contract.js'
export { defineProbe, type ProbeDriver } from './probes/contract.js'
// Monitors (issue 19): state machines over observations; docs/monitors.md.
export * from './monitors/index.js'
export { MonitorFeed, type MonitorFeedOptions } from './engine/monitor-feed.js'
export type { Observation, ObservationFeed } from './monitors/observation.js'
