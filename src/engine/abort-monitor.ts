/**
 * Watches the journal for the experiment's abort conditions. A load condition is a k6
 * threshold evaluated on each second of a load (`http_req_failed: rate<0.5`); the run aborts
 * when it fails in `for` consecutive seconds. A probe condition aborts at the probe's failure.
 * @module
 */
import type { AbortCondition } from '../experiment/model.js'
import { thresholdComparison } from './threshold-reason.js'
import type { LoadTick } from '../load/contract.js'
import {
  evaluateThreshold,
  parseThreshold,
  type MetricSource,
  type ParsedThreshold,
} from '../load/thresholds.js'
import type { AbortKind, JournalEvent } from './events.js'

export class AbortMonitor {
  readonly #conditions: AbortCondition[]
  readonly #abort: (kind: AbortKind, reason: string) => void
  /** Consecutive failing seconds per condition index and load step. */
  readonly #streaks = new Map<string, number>()
  /** Load conditions' thresholds, parsed once (they were validated with the manifest). */
  readonly #thresholds = new Map<number, ParsedThreshold>()

  constructor(conditions: AbortCondition[], abort: (kind: AbortKind, reason: string) => void) {
    this.#conditions = conditions
    this.#abort = abort
    conditions.forEach((c, i) => {
      const parsed = c.kind === 'load' ? parseThreshold(c.metric, c.threshold) : undefined
      if (parsed?.ok) {
        this.#thresholds.set(i, parsed.threshold)
      }
    })
  }

  /** The journal listener. */
  readonly onEvent = (event: JournalEvent): void => {
    if (event.type === 'load.tick') {
      this.#conditions.forEach(
        (c, i) => c.kind === 'load' && this.#onTick(c, i, event.stepId, event.tick)
      )
    } else if (event.type === 'probe.verdict' && event.verdict === 'Failed') {
      for (const c of this.#conditions) {
        if (c.kind === 'probe' && c.probe === event.name) {
          this.#abort(
            'probe',
            `abort condition ${c.path}: probe ${c.probe} failed: ${event.message}`
          )
        }
      }
    }
  }

  #onTick(
    c: Extract<AbortCondition, { kind: 'load' }>,
    index: number,
    stepId: string,
    tick: LoadTick
  ): void {
    if (c.stepId !== undefined && c.stepId !== stepId) {
      return
    }
    const threshold = this.#thresholds.get(index)
    if (!threshold) {
      return
    }
    const result = evaluateThreshold(threshold, tickSource(tick))
    const key = `${index}:${stepId}`
    const streak = result.ok ? 0 : (this.#streaks.get(key) ?? 0) + 1
    this.#streaks.set(key, streak)
    if (streak >= c.forSeconds) {
      this.#abort(
        'threshold',
        `abort condition ${c.path}: ${thresholdComparison({ metric: c.metric, expression: c.threshold, ok: false, observed: result.observed })} in the last second, for ${streak} s in a row`
      )
    }
  }
}

/** One second of load as a metric source: its percentiles, completions and failures. */
function tickSource(tick: LoadTick): MetricSource {
  const failed = tick.errors.http + tick.errors.timeout + tick.errors.connection
  return {
    trend: (metric, a) => {
      if (metric !== 'http_req_duration' || tick.ok + failed === 0) {
        return undefined
      }
      // A second only carries these percentiles; other aggregations have no sample (pass).
      const percentile = a.kind === 'med' ? 50 : a.kind === 'p' ? a.percentile : undefined
      return percentile === 50
        ? tick.p50
        : percentile === 95
          ? tick.p95
          : percentile === 99
            ? tick.p99
            : undefined
    },
    completed: tick.ok + failed,
    failed,
    sent: tick.sent,
    dropped: tick.dropped,
    elapsedSeconds: 1,
  }
}
