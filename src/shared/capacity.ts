/**
 * Capacity under failure (issue 17): what a `capacity` step (and `ordeal capacity`) finds and
 * what the journal, the JSON result, the HTML report and the UI show of it. Shared with the UI,
 * so no Node APIs here.
 *
 * The search, per phase: a ramp (start, start × growth, ...) until a trial fails, which brackets
 * the capacity, then a bisection of the bracket until (high − low) / low ≤ precision. A trial is
 * an open-model load at one rate for `trial` ms, of which the first `warmup` ms are not judged.
 * The `baseline` phase runs without the fault, the `fault` phase with it (injected for each trial
 * or held for the whole phase).
 * @module
 */

export type CapacityPhase = 'baseline' | 'fault'

/** One trial: one rate, judged by the step's thresholds on its steady part (warm-up excluded). */
export interface CapacityTrial {
  phase: CapacityPhase
  /** 0-based, in order of execution within the phase. */
  index: number
  /** `ramp` while looking for the bracket, `bisect` inside it, `repeat` for a repeated rate. */
  stage: 'ramp' | 'bisect' | 'repeat'
  /** Target rate, requests per second. */
  rate: number
  /** Rate actually sent during the judged part (the generator's own limit shows here). */
  achieved: number
  /** Completed requests per second in the judged part. */
  throughput: number
  passed: boolean
  /** Why it failed: the first threshold that did not hold, or the generator's limit. */
  reason?: string
  /** Failed / completed in the judged part, 0..1. */
  errorRate: number
  /** Response time (from intended send) percentiles over the judged part, ms. */
  p50: number
  p99: number
  /** ms since the epoch. */
  startedAt: number
  endedAt: number
  /** The trial was cut short because it had clearly failed. */
  stoppedEarly: boolean
}

export interface CapacityPhaseResult {
  phase: CapacityPhase
  /**
   * The highest rate whose trials passed (req/s); null when even the start rate failed. Never
   * above what the generator could send (`generatorLimited`).
   */
  sustainable: number | null
  /** The last bracket: `low` passed, `high` failed (high is null if no trial failed up to max). */
  bracket: { low: number | null; high: number | null }
  /** The lowest rate at which any request failed, if one did. */
  errorsFrom?: number
  /** True when the generator, not the system, stopped the search (its limit in `generatorLimit`). */
  generatorLimited: boolean
  generatorLimit?: number
  trials: number
  /**
   * In words, when the answer is not a plain one: the generator's limit stopped the search, or
   * the phase was cut short (a held fault's duration ran out).
   */
  note?: string
}

export interface CapacityResult {
  stepId: string
  name: string
  /** Relative precision the bisection stopped at, 0..1 (0.05 = ±5 %). */
  precision: number
  baseline: CapacityPhaseResult
  /** Present when the step names a fault. */
  fault?: CapacityPhaseResult & { faultType: string; faultName: string; mode: 'per-trial' | 'held' }
  /**
   * (fault − baseline) / baseline × 100, negative for a loss; absent without both numbers, or
   * when the baseline is only a lower bound (then `changeUnknown` says why).
   */
  changePercent?: number
  /** Why the change is unknown: the baseline is a lower bound (generator limit, max reached). */
  changeUnknown?: string
  /** The step's `expect`, when given, and whether the answer met it. */
  expectation?: {
    /** Least sustainable rate with the fault, req/s. */
    atLeast?: number
    /** Largest loss allowed, percent (40 = −40 %). */
    maxLossPercent?: number
    met: boolean
    /** Set (with met false) when the answer cannot say: the loss could not be measured. */
    unknown?: boolean
    /** Why it was not met, in words. */
    reason?: string
  }
}
