/**
 * A `capacity` step resolved: every default applied, durations in ms, the thresholds parsed by
 * the caller. The engine, the CLI command and the plan read this.
 * @module
 */
import type { Fault } from '../experiment/model.js'
import type { LoadSpec, ThresholdSpec } from '../load/contract.js'

export interface CapacitySpec {
  /** The load of every trial; `rate`, `durationMs` and `thresholds` are set per trial. */
  load: LoadSpec
  thresholds: ThresholdSpec[]
  start: number
  max: number
  growth: number
  /** 0..1 */
  precision: number
  trialMs: number
  warmupMs: number
  repeat: number
  /** The fault of the fault phase; its id is `<stepId>/fault`. */
  fault?: Fault
  faultMode: 'held' | 'per-trial'
  expect?: { atLeast?: number; maxLossPercent?: number }
}
