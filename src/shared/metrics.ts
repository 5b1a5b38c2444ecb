/**
 * Metrics sampled during a run (issue 17): a queue's depth, a consumer's rate, any Prometheus
 * query, read every `interval` from `spec.metrics` and recorded in the journal as `metric.sample`
 * events, so the backlog and recovery checks, the HTML report and the UI read one time series.
 * Shared with the UI, so no Node APIs here.
 * @module
 */

/** One reading of a metric. */
export interface MetricSample {
  /** ms since the epoch, when the reading was taken. */
  t: number
  value: number
}

/** `backlog`: after the fault ends, the metric falls below `below` within `withinMs`. */
export interface BacklogCheckResult {
  type: 'backlog'
  valid: boolean
  metric: string
  below: number
  withinMs: number
  /** The fault the deadline counts from (its name) and when it ended, ms since the epoch. */
  fault: string
  faultEndedAt: number
  /** Highest value seen from the fault's injection to the end of the window. */
  peak: number
  peakAt: number
  /** When the metric first read below `below` after the fault ended; absent if it never did. */
  drainedAt?: number
  /** drainedAt − faultEndedAt. */
  drainMs?: number
  /** The reading at drainedAt (the `12` of "drained to 12 < 100"). */
  drainedValue?: number
  /** Why it is invalid, in one line (never drained, no samples, ...). */
  reason?: string
}

/** `recovery`: after the fault ends, the metric gets back to ≥ `atLeast` × before within `withinMs`. */
export interface RecoveryCheckResult {
  type: 'recovery'
  valid: boolean
  metric: string
  /** 0..1, e.g. 0.9 for "90 % of before". */
  atLeast: number
  withinMs: number
  fault: string
  faultEndedAt: number
  /** Mean of the samples in the baseline window before the fault was injected. */
  before: number
  /** Lowest value while the fault was active (the dip). */
  during: number
  recoveredAt?: number
  recoveryMs?: number
  /** The reading at recoveredAt. */
  recoveredValue?: number
  reason?: string
}
