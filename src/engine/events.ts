/**
 * Journal events: the spine of a run. Drivers only emit these; the result, scoring, reports
 * and the UI are all derived from the same stream (a run can be replayed from its journal).
 * @module
 */
import type { ProbeMode } from '../probes/common-schema.js'
import type { HistoryOp, LoadSummary, LoadTick } from '../load/contract.js'
import type { QueueCheckResult, SetCheckResult } from '../checks/contract.js'
import type { CapacityResult, CapacityTrial } from '../shared/capacity.js'
import type { BacklogCheckResult, MetricSample, RecoveryCheckResult } from '../shared/metrics.js'
import type { CaptureResult } from '../shared/result.js'
import type { TransitionRecord } from '../monitors/contract.js'

/** A step as planned, carried in `run.started` so the journal alone can rebuild the result. */
export interface PlannedStep {
  id: string
  name: string
  kind: 'fault' | 'load' | 'capacity' | 'wait' | 'serial' | 'parallel' | 'script'
  path: string
  weight: number
  /** Scored steps count in the resilience score: fault steps and steps with probes. */
  scored: boolean
  faultType?: string
  probes: { id: string; name: string; type: string; mode: ProbeMode }[]
  /** Planned offset from the run start and length, when knowable statically. */
  /** Load steps: their thresholds, which score like probes of the step. */
  thresholds?: { metric: string; expression: string }[]
  plannedStartMs: number
  plannedDurationMs: number
  parent?: string
}

/** A monitor as planned, carried in `run.started` (issue 19). */
export interface PlannedMonitor {
  name: string
  initial: string
  states: string[]
}

export type ProbeVerdict = 'Passed' | 'Failed' | 'N/A'
export type AbortKind = 'signal' | 'probe' | 'threshold' | 'deadline' | 'error'

/**
 * A check as planned. It scores like a probe of the load step whose history it checks (the
 * seed demo's load step carries the "all delivered" assertion), or of the run's root step.
 */
export interface PlannedCheck {
  id: string
  name: string
  type: string
  stepId: string
}

export type JournalEventBody =
  | {
      type: 'run.started'
      runId: string
      experiment: string
      hypothesis: string
      file?: string
      plan: PlannedStep[]
      checks?: PlannedCheck[]
      /**
       * The seed of the run's randomised fault timing (`after: 5s..15s`): `ordeal run --seed`
       * with it draws the same values again. Absent in journals older than issue 18.
       */
      seed?: number
      /** `spec.monitors` (issue 19): each monitor's states, for its lane before it moves. */
      monitors?: PlannedMonitor[]
    }
  | { type: 'system.starting'; services: string[] }
  | { type: 'system.ready' }
  /** Hosts and networks created for the run: every kernel object is named `ord-<netId>-…`. */
  | { type: 'network.created'; netId: string; namespaces: string[] }
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
  /**
   * A value of a randomised `after` or `interval` drawn from the run's seed, as the fault is
   * scheduled (`after`, before the wait) or repeats (`interval`, the n-th wait).
   */
  | {
      type: 'fault.timing'
      faultId: string
      field: 'after' | 'interval'
      /** 1 for the field's first draw in the run. */
      n: number
      ms: number
      minMs: number
      maxMs: number
    }
  /** A Kubernetes fault's workload fully available again (or not, with why): its recovery time. */
  | {
      type: 'fault.recovery'
      faultId: string
      workload: string
      recovered: boolean
      ms?: number
      reason?: string
      /** Set when the recovery could not be observed (API down, 403): an error, not a failure. */
      error?: string
    }
  | {
      type: 'fault.reverted'
      faultId: string
      /**
       * Set when someone other than the runner reverted the fault before its time (the
       * watchdog past a deadline, `ordeal recover --force`): the fault window ended at `at`,
       * and the run cannot pass.
       */
      early?: { by: string; reason: string; at: number }
    }
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
      /** The observed value (a status, a query result), when the probe has one: monitors compare it. */
      value?: string | number
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
  | {
      type: 'load.started'
      stepId: string
      method: string
      url: string
      targetRate: number
      durationMs: number
    }
  /** One history operation (Jepsen model: invoke, then ok / fail / info). */
  | { type: 'op'; stepId: string; op: HistoryOp }
  | { type: 'load.tick'; stepId: string; tick: LoadTick }
  | { type: 'load.ended'; stepId: string; summary: LoadSummary }
  /** A `capacity` step's trial ended (issue 17). */
  | { type: 'capacity.trial'; stepId: string; trial: CapacityTrial }
  /** A `capacity` step's answer: the sustainable rate without and with its fault. */
  | { type: 'capacity.result'; stepId: string; result: CapacityResult }
  /** One reading of a `spec.metrics` entry (issue 17); `metricId` is `metric/<name>`. */
  | { type: 'metric.sample'; metricId: string; name: string; sample: MetricSample }
  /**
   * A reading that failed (source down, bad answer): the series has a gap, with this reason.
   * Journaled once at the first failure of a streak; when a streak of several ends (a reading
   * succeeds, or sampling stops), once more with `count`, the streak's length, and its last error.
   */
  | { type: 'metric.failed'; metricId: string; name: string; error: string; count?: number }
  /**
   * After the steps, sampling goes on until every `backlog` / `recovery` check's window is
   * covered or decided: said once, why the run waits (`waiting up to 30 s for queue-depth to drain`).
   */
  | { type: 'metric.waiting'; metrics: string[]; waitMs: number; message: string }
  | { type: 'check.started'; checkId: string; name: string }
  | {
      type: 'check.result'
      checkId: string
      name: string
      checkType: string
      result?: QueueCheckResult | SetCheckResult | BacklogCheckResult | RecoveryCheckResult
      error?: string
    }
  /** `spec.capture`: tcpdump listens on these hosts (capture/run-capture.ts). */
  | { type: 'capture.started'; captures: { host: string; file: string }[] }
  /** One host's pcap file is complete (capture stopped at the end of the steps). */
  | { type: 'capture.saved'; capture: CaptureResult }
  /**
   * A monitor moved (issue 19): a change of state, or its stop (`to` is `accept` / `fail`).
   * `monitor` is the top-level monitor; `transition.monitor` the part that moved (`a/b`).
   */
  | { type: 'monitor.transition'; monitor: string; transition: TransitionRecord }
  /** A monitor stopped: its verdict, why, and the transition that decided (a part's, for a composite). */
  | {
      type: 'monitor.ended'
      monitor: string
      verdict: 'accept' | 'fail'
      reason: string
      state: string
      transition: TransitionRecord
    }
  | { type: 'run.aborted'; kind: AbortKind; reason: string }
  | { type: 'run.warning'; message: string }
  /** `note(text)` in a script step of the TypeScript form (issue 19): shown like a step's line. */
  | { type: 'script.note'; stepId: string; text: string }
  /**
   * `observe(name, value)` in a script step: a value for the run's monitors (issue 19 §2 reads
   * it as an observation `{ kind: 'value', name, value }`).
   */
  | { type: 'observation'; stepId: string; name: string; value: string | number | boolean }
  /**
   * Appended to a dead run's journal by whoever undid what its ledger still listed (start-up
   * recovery of `ordeal server` / `ordeal run`, `ordeal recover`): the run did not end by itself.
   */
  | { type: 'run.recovered'; by: string; reason: string; undone: string[]; failed: string[] }
  | { type: 'run.ended' }

/**
 * Where an event of a multi-host run happened (issue 14 item 5): the logical agent (`a`, from
 * `spec.system.agents`), the agent's own timestamp, and how far the corrected `t` may be off.
 * Absent on single-host runs and on the coordinator's own events.
 */
export type EventHost = {
  /** The logical agent name from `spec.system.agents` (not the agent's registered name). */
  host?: string
  /** The event's `t` on the agent's clock, before the offset was taken out. */
  hostT?: number
  /** `t` = hostT − offset is right within ± this many ms (half the best ping round trip). */
  clockErrorMs?: number
}
// A type, not an interface: journal events must stay assignable to index-signature shapes.

/**
 * Every event carries a sequence number and a wall-clock timestamp (ms since the epoch). In a
 * multi-host run `t` is on the Chaos Center's clock and seq order equals `t` order.
 */
export type JournalEvent = JournalEventBody & { seq: number; t: number } & EventHost
