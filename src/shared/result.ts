/**
 * The run result as the UI, the API and the reports share it: verdict, score and what each
 * step, probe, check, fault and load did. Types only; `engine/result.ts` derives it from the
 * journal (DESIGN.md "Layout": the types the UI shares live in shared/).
 * @module
 */
import type { PlannedStep, ProbeVerdict } from '../engine/events.js'
import type { LoadSummary } from '../load/contract.js'
import type { QueueCheckResult, SetCheckResult } from '../checks/contract.js'
import type { BacklogCheckResult, RecoveryCheckResult } from './metrics.js'
import type { CapacityResult } from './capacity.js'
import type { TransitionRecord } from '../monitors/contract.js'

export type Verdict = 'pass' | 'fail' | 'error' | 'interrupted'

export interface StepResult {
  id: string
  name: string
  kind: PlannedStep['kind']
  path: string
  weight: number
  scored: boolean
  /** Per-step score term (null for unscored steps). */
  score: number | null
  status: 'ok' | 'error' | 'aborted' | 'not-run'
  startedAt?: string
  endedAt?: string
  error?: string
}

export interface ProbeResult {
  id: string
  name: string
  type: string
  mode: string
  stepId: string
  verdict: ProbeVerdict
  message: string
  attempts: number
  failedAttempts: number
}

export interface FaultResult {
  /** The journal's id (machines); `name` is what people read. */
  id: string
  /** The fault step's name from the manifest, or generated (`process-kill of api`). */
  name: string
  stepId: string
  type: string
  targets: string[]
  injectedAt?: string
  revertedAt?: string
  actions: { at: string; detail: string }[]
  /** Kubernetes faults on workloads: the time until each was fully available again. */
  recovery?: RecoveryResult[]
  error?: string
}

export interface RecoveryResult {
  /** `deployment/orders` */
  workload: string
  recovered: boolean
  /** From the fault's last action on the workload until every replica was available again. */
  ms?: number
  reason?: string
  /** The recovery could not be measured (the API failed): the run errs, no hypothesis fails. */
  error?: string
}

export interface LoadResult {
  stepId: string
  name: string
  method: string
  url: string
  summary?: LoadSummary
  /**
   * Each failed threshold with why, in words: the figure with its unit, the limit, and the
   * failures behind it relative to the fault windows.
   */
  failedThresholds?: { metric: string; expression: string; reason: string }[]
}

export interface CheckResult {
  id: string
  name: string
  type: string
  verdict: ProbeVerdict
  message: string
  /** Counts every checker reports (0 when not applicable), for CI and side-by-side views. */
  lost: number
  duplicated: number
  unexpected: number
  details?: QueueCheckResult | SetCheckResult | BacklogCheckResult | RecoveryCheckResult
  error?: string
}

export interface RunResult {
  runId: string
  experiment: string
  hypothesis: string
  verdict: Verdict
  /** Why the verdict is not `pass`, in one line. */
  reason?: string
  resilienceScore: number
  startedAt: string
  endedAt: string
  steps: StepResult[]
  probes: ProbeResult[]
  checks: CheckResult[]
  faults: FaultResult[]
  loads: LoadResult[]
  /** Capacity steps' answers (issue 17), in the order they ended; absent when there is none. */
  capacity?: CapacityResult[]
  /**
   * The seed of the run's randomised fault timing: `ordeal run --seed` with it draws the same
   * `after` / `interval` values again. Absent for runs recorded before issue 18.
   */
  seed?: number
  /** `spec.capture`'s pcap files, one per host; absent when the run captured nothing. */
  captures?: CaptureResult[]
  /** `spec.monitors` (issue 19): each monitor's verdict and transitions; absent when none. */
  monitors?: MonitorResult[]
}

/** A monitor of the run: where it ended, why, and every transition it (and its parts) made. */
export interface MonitorResult {
  name: string
  /** `not-run`: the steps never started (the system failed), or the journal ended first. */
  verdict: 'accept' | 'fail' | 'not-run'
  reason?: string
  /** The state it ended in (or is in). */
  state: string
  /** Its states as planned, for the UI's lane. */
  states: string[]
  endedAt?: string
  /** The transition that decided, for a failure the one that failed (a part's, in a composite). */
  decidedBy?: MonitorTransitionResult
  transitions: MonitorTransitionResult[]
}

/** A {@link TransitionRecord} with its time as an ISO string, like the result's other times. */
export type MonitorTransitionResult = Omit<TransitionRecord, 'at'> & { at: string }

/** One host's pcap file (`spec.capture`). */
export interface CaptureResult {
  host: string
  /** Where the file is, on the machine that ran the run. */
  file: string
  bytes: number
  /** Whole packets in the file. */
  packets?: number
  /** The cap was reached: the file holds the start of the capture, not the end. */
  truncated: boolean
  /** When tcpdump was listening on every recorded host. */
  startedAt: string
  endedAt: string
  /** The first packet's time: where Wireshark's "seconds since beginning of capture" start. */
  firstPacketAt?: string
  /** tcpdump failed or its output was not a pcap stream: the file may be short. */
  error?: string
}
