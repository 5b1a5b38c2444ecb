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
import { parseThreshold } from '../load/thresholds.js'
import type { FaultWindow } from '../checks/contract.js'
import { formatCount, formatMs, formatOffset, formatSpan } from '../shared/units.js'
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

/** For latency thresholds: the seconds whose p99 broke the limit. */
function slowSeconds(t: ThresholdResult, evidence: ThresholdEvidence): string | undefined {
  const parsed = parseThreshold(t.metric, t.expression)
  if (!parsed.ok || t.metric !== 'http_req_duration') {
    return undefined
  }
  const limit = parsed.threshold.value
  const slow = evidence.timeline.filter((tick) => tick.p99 > limit)
  if (slow.length === 0) {
    return undefined
  }
  const worst = slow.reduce((a, b) => (b.p99 > a.p99 ? b : a))
  const start = evidence.loadStartedAt + slow[0]!.second * 1000
  const end = evidence.loadStartedAt + (slow[slow.length - 1]!.second + 1) * 1000
  return (
    `${slow.length} s with p99 over ${formatMs(limit)} (worst ${formatMs(worst.p99)}) ` +
    between(start, end, evidence)
  )
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

/** `between +6.1 s and +9.8 s, during "…" (+6.0 s..+9.0 s)`: a span and the faults it meets. */
function between(first: number, last: number, evidence: ThresholdEvidence): string {
  const t0 = evidence.runStartedAt
  const span =
    Math.round((last - first) / 100) === 0
      ? `at ${formatOffset(first - t0)}`
      : `between ${formatOffset(first - t0)} and ${formatOffset(last - t0)}`
  const overlapping = evidence.faults.filter(
    (f) => f.start <= last && (f.end === undefined || f.end >= first)
  )
  const label = (f: FaultWindow) =>
    `"${f.name ?? f.type}" (${formatSpan(f.start - t0, f.end === undefined ? undefined : f.end - t0)})`
  if (overlapping.length > 0) {
    return `${span}, during ${overlapping.map(label).join(', ')}`
  }
  const before = evidence.faults
    .filter((f) => f.end !== undefined && f.end < first)
    .sort((a, b) => b.end! - a.end!)[0]
  if (before) {
    return `${span}, after ${label(before)}`
  }
  return evidence.faults.length > 0
    ? `${span}, before any fault`
    : `${span}, with no fault in the run`
}
