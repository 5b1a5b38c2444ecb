/**
 * Journal events: the spine of a run. Drivers only emit these; the result, scoring, reports
 * and the UI are all derived from the same stream (a run can be replayed from its journal).
 * @module
 */
import type { ProbeMode } from '../probes/common-schema.js'

/** A step as planned, carried in `run.started` so the journal alone can rebuild the result. */
export interface PlannedStep {
  id: string
  name: string
  kind: 'fault' | 'wait' | 'serial' | 'parallel'
  path: string
  weight: number
  /** Scored steps count in the resilience score: fault steps and steps with probes. */
  scored: boolean
  faultType?: string
  probes: { id: string; name: string; type: string; mode: ProbeMode }[]
  /** Planned offset from the run start and length, when knowable statically. */
  plannedStartMs: number
  plannedDurationMs: number
  parent?: string
}

export type ProbeVerdict = 'Passed' | 'Failed' | 'N/A'
export type AbortKind = 'signal' | 'probe' | 'deadline' | 'error'

export type JournalEventBody =
  | {
      type: 'run.started'
      runId: string
      experiment: string
      hypothesis: string
      file?: string
      plan: PlannedStep[]
    }
  | { type: 'system.starting'; services: string[] }
  | { type: 'system.ready' }
  | { type: 'system.failed'; error: string }
  | { type: 'system.stopped' }
  | { type: 'service.started'; service: string; replica: number; pid: number }
  | { type: 'service.ready'; service: string; replica: number; pid: number }
  | {
      type: 'service.exited'
      service: string
      replica: number
      pid: number
      code: number | null
      signal: string | null
      expected: boolean
    }
  | { type: 'service.restarting'; service: string; replica: number; delayMs: number }
  | { type: 'step.started'; stepId: string }
  | { type: 'step.ended'; stepId: string; status: 'ok' | 'error' | 'aborted'; error?: string }
  | {
      type: 'fault.injected'
      faultId: string
      stepId: string
      faultType: string
      targets: string[]
    }
  | { type: 'fault.action'; faultId: string; detail: string }
  | { type: 'fault.reverted'; faultId: string }
  | {
      type: 'fault.failed'
      faultId: string
      stepId: string
      phase: 'inject' | 'revert'
      error: string
    }
  | {
      type: 'probe.attempt'
      probeId: string
      phase: 'pre' | 'during' | 'post'
      passed: boolean
      message: string
    }
  | {
      type: 'probe.verdict'
      probeId: string
      stepId: string
      name: string
      probeType: string
      mode: ProbeMode
      verdict: ProbeVerdict
      message: string
    }
  | { type: 'run.aborted'; kind: AbortKind; reason: string }
  | { type: 'run.warning'; message: string }
  | { type: 'run.ended' }

/** Every event carries a sequence number and a wall-clock timestamp (ms since the epoch). */
export type JournalEvent = JournalEventBody & { seq: number; t: number }
