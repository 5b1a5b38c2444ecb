/**
 * Why a load threshold failed, in words that point at the weakness: the figure with its unit,
 * the limit, and the failures behind it with when they happened relative to the faults:
 *
 *   http_req_failed 12% > 1% (rate<0.01): 48 × 502, 3 × timeout between +6.1 s and +9.8 s,
 *   during "process-kill of api" (+6.0 s..+9.0 s)
 *
 * Today's JSON holds the same facts (the ops and the fault windows); this puts them in the
 * one line a CI log shows. Kept apart from src/load/thresholds.ts, which judges thresholds.
 * @module
 */
import type { HistoryOp, LoadTick, ThresholdResult } from '../load/contract.js'
import { parseThreshold, type Aggregation } from '../load/thresholds.js'
import type { FaultWindow } from '../checks/contract.js'
import { placeSpan } from '../checks/windows.js'
import { formatCount, formatMs, formatOffset } from '../shared/units.js'
import { thresholdComparison, thresholdFigure } from '../shared/threshold-text.js'

/** What a failed threshold is explained with, all times in ms since the epoch. */
export interface ThresholdEvidence {
  runStartedAt: number
  /** When the load step started: tick `second` N covers loadStartedAt + N s. */
  loadStartedAt: number
  /** The load's failed completions (fail or info), in order. */
  failures: readonly HistoryOp[]
  timeline: readonly LoadTick[]
  faults: readonly FaultWindow[]
}

// The comparison lives in src/shared so the UI's probe table prints the same words.
export { thresholdComparison, thresholdFigure }

/** The whole reason: the comparison, then what lies behind it and when. */
export function thresholdReason(t: ThresholdResult, evidence: ThresholdEvidence): string {
  const comparison = thresholdComparison(t)
  const behind = t.metric.endsWith('_duration')
    ? slowSeconds(t, evidence)
    : t.metric === 'dropped_iterations'
      ? droppedSeconds(evidence)
      : failuresText(evidence)
  return behind ? `${comparison}: ${behind}` : comparison
}

/** `48 × 502, 3 × timeout between +6.1 s and +9.8 s, during "…" (+6.0 s..+9.0 s)` */
function failuresText(evidence: ThresholdEvidence): string | undefined {
  if (evidence.failures.length === 0) {
    return undefined
  }
  const kinds = new Map<string, number>()
  let first = Number.POSITIVE_INFINITY
  let last = Number.NEGATIVE_INFINITY
  for (const op of evidence.failures) {
    const kind = failureKind(op)
    kinds.set(kind, (kinds.get(kind) ?? 0) + 1)
    first = Math.min(first, op.time)
    last = Math.max(last, op.time)
  }
  const counts = [...kinds]
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .map(([kind, n]) => `${formatCount(n)} × ${kind}`)
  return `${counts.join(', ')} ${between(first, last, evidence)}`
}

/** `502`, `timeout`, `ECONNREFUSED`: what a failed completion was, as a reader groups them. */
export function failureKind(op: HistoryOp): string {
  if (op.status !== undefined) {
    return String(op.status)
  }
  const error = op.error ?? 'no answer'
  if (/^timeout/i.test(error)) {
    return 'timeout'
  }
  // `ECONNRESET after sending` → `ECONNRESET`: the code is the kind, the rest is detail.
  return /^[A-Z][A-Z_]+\b/.exec(error)?.[0] ?? error
}

/** A per-second latency figure every load tick carries. */
type TickSeries = 'p50' | 'p95' | 'p99'

/**
 * For latency thresholds: the seconds whose figure broke the limit, in the per-second series
 * closest to the threshold's aggregation (p(95) → p95, med → p50, max → p99, avg and min →
 * p50, p(90) → p95); the text names the series it used. Only response time is kept per
 * second, so a service-time threshold says so rather than quote the wrong series.
 */
function slowSeconds(t: ThresholdResult, evidence: ThresholdEvidence): string | undefined {
  const parsed = parseThreshold(t.metric, t.expression)
  if (!parsed.ok) {
    return undefined
  }
  if (t.metric === 'http_req_service_duration') {
    return 'no per-second service times to say when (the load keeps them for response time only)'
  }
  const { aggregation, operator, value: limit } = parsed.threshold
  // A ceiling (`<`, `<=`) breaks on the slow seconds, a floor (`>`, `>=`) on the fast ones.
  const ceiling = operator === '<' || operator === '<='
  if (t.metric !== 'http_req_duration' || (!ceiling && operator !== '>' && operator !== '>=')) {
    return undefined
  }
  const series = nearestSeries(aggregation)
  const breaks = (tick: LoadTick) =>
    ceiling ? tick[series] > limit : tick[series] < limit && tick.ok + tick.errors.http > 0
  const slow = evidence.timeline.filter(breaks)
  if (slow.length === 0) {
    return undefined
  }
  const worst = slow.reduce((a, b) =>
    (ceiling ? b[series] > a[series] : b[series] < a[series]) ? b : a
  )
  const start = evidence.loadStartedAt + slow[0]!.second * 1000
  const end = evidence.loadStartedAt + (slow[slow.length - 1]!.second + 1) * 1000
  return (
    `${slow.length} s with ${series} ${ceiling ? 'over' : 'under'} ${formatMs(limit)} ` +
    `(worst ${formatMs(worst[series])}) ${between(start, end, evidence)}`
  )
}

/** The tick series nearest an aggregation: p50, p95 and p99 are kept for every second. */
export function nearestSeries(aggregation: Aggregation): TickSeries {
  switch (aggregation.kind) {
    case 'p': {
      const kept = [50, 95, 99] as const
      // Nearest percentile; a tie goes to the higher one (p(97) → p99).
      const near = kept.reduce((a, b) =>
        Math.abs(b - aggregation.percentile) <= Math.abs(a - aggregation.percentile) ? b : a
      )
      return `p${near}`
    }
    case 'max':
      return 'p99'
    default:
      // med, and avg and min as the nearest the ticks have.
      return 'p50'
  }
}

function droppedSeconds(evidence: ThresholdEvidence): string | undefined {
  const dropping = evidence.timeline.filter((tick) => tick.dropped > 0)
  if (dropping.length === 0) {
    return undefined
  }
  const total = dropping.reduce((n, tick) => n + tick.dropped, 0)
  const start = evidence.loadStartedAt + dropping[0]!.second * 1000
  const end = evidence.loadStartedAt + (dropping[dropping.length - 1]!.second + 1) * 1000
  return `${formatCount(total)} dropped (every slot busy) ${between(start, end, evidence)}`
}

/**
 * `between +6.1 s and +9.8 s, during "…" (+6.0 s..+9.0 s)`: a span, and where it falls among
 * the faults in the words findings use (`placeSpan`).
 */
function between(first: number, last: number, evidence: ThresholdEvidence): string {
  const t0 = evidence.runStartedAt
  const span =
    Math.round((last - first) / 100) === 0
      ? `at ${formatOffset(first - t0)}`
      : `between ${formatOffset(first - t0)} and ${formatOffset(last - t0)}`
  return `${span}, ${placeSpan(first, last, evidence.faults, t0)}`
}
