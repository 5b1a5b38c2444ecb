/**
 * What the HTML report embeds: everything the page draws, already bounded (series bucketed,
 * findings and probe attempts capped, ops only counted), in seconds since the run started so
 * every chart shares one x axis. Shared with the page bundle (ui/src/report/), so types only.
 * @module
 */
import type { CapacityResult, CapacityTrial } from '../../shared/capacity.js'
import type { LoadSeries, StepStatus } from '../../shared/run-view.js'
import type { CaptureResult, Verdict } from '../../shared/result.js'
import type { CaptureWindow } from '../../shared/capture-text.js'
import type { MonitorLane } from '../../shared/monitor-lanes.js'

/** Bump when the embedded shape changes, so a page can tell an old file apart. */
export const REPORT_DATA_VERSION = 1

export interface ReportStep {
  name: string
  kind: string
  path: string
  depth: number
  faultType?: string
  status: StepStatus
  /** Seconds since the run started. */
  start?: number
  end?: number
  error?: string
}

export interface ReportFault {
  faultType: string
  step: string
  targets: string[]
  start: number
  /** Absent when the fault never ended (drawn to the end of the run). */
  end?: number
  error?: string
}

export interface ReportProbe {
  name: string
  type: string
  mode: string
  step: string
  verdict: string
  message: string
  /** Each attempt: seconds since start, passed, phase; failures keep their message. */
  attempts: { t: number; passed: boolean; phase: string; message?: string }[]
  /** Attempts left out of `attempts` to bound the file (transitions and failures are kept first). */
  omitted: number
}

/** A check finding on the time axis: `at` is the invoke, `acked` the acknowledgement (s). */
export interface ReportFinding {
  id: string
  at: number
  acked?: number
  count?: number
  window?: string
}

export interface ReportCheck {
  name: string
  type: string
  verdict: string
  attempted?: number
  error?: string
  /** Backlog and recovery checks: why they passed or failed, in one line (the run view's). */
  message?: string
  lost: ReportFinding[]
  lostTotal: number
  duplicated: ReportFinding[]
  duplicatedTotal: number
  /** Duplicated ids without a time (set checks): listed, not placed. */
  duplicatedIds: string[]
  /** Queue checks: ids delivered but never attempted (capped; the total beside). */
  unexpected: string[]
  unexpectedTotal: number
}

export interface ReportMetric {
  name: string
  /** Seconds since the run started. */
  t: number[]
  v: number[]
  /** How many samples the journal held (more than `t.length` when bucketed). */
  samples: number
  failed?: string
}

export interface ReportCapacity {
  name: string
  trials: CapacityTrial[]
  result?: CapacityResult
}

export interface ReportData {
  version: number
  experiment: string
  runId: string
  hypothesis: string
  verdict: Verdict
  reason?: string
  score: number
  /** ms since the epoch. */
  startedAt: number
  /** Seconds from start to end. */
  duration: number
  steps: ReportStep[]
  faults: ReportFault[]
  /** Per-second load ticks, bucketed to at most a few thousand points; `time` in s since start. */
  load: LoadSeries
  /** Width of one load point, seconds (1 unless bucketed). */
  loadBucket: number
  probes: ReportProbe[]
  checks: ReportCheck[]
  metrics: ReportMetric[]
  capacity: ReportCapacity[]
  /** `spec.capture`'s files, each with the fault windows in its own time (absent: none). */
  captures?: ReportCapture[]
  /** A lane per monitor (issue 19), in seconds since the run started (absent: no monitors). */
  monitors?: MonitorLane[]
  ops: number
  events: number
  warnings: string[]
}

export interface ReportCapture extends CaptureResult {
  windows: CaptureWindow[]
}
