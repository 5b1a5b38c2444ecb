/**
 * Places an operation relative to the fault windows, so a finding reads "acknowledged at
 * +6.2 s, before "process-kill of api" at +6.4 s" rather than a bare timestamp or an
 * internal step id.
 * @module
 */
import type { FaultWindow, Finding } from './contract.js'
import { formatOffset, formatSpan } from '../shared/units.js'

/** What every finding needs besides the op: the run's start and its faults. */
export interface FindingContext {
  faults: readonly FaultWindow[]
  runStartedAt: number
}

/**
 * `during "process-kill of api" (+6.0 s..+9.0 s)` (every fault active at `time`, by start),
 * else `before "process-kill of api" at +6.4 s` (the next fault to start), else
 * `after "…" (+6.0 s..+9.0 s)` (the fault that ended last), else `with no fault in the run`.
 * With a fault both before and after: `after "…" (+1.0 s..+3.0 s), before "…" at +6.4 s`.
 * Windows are closed intervals; a fault never reverted lasts forever.
 * @param time ms since the epoch
 * @param runStartedAt ms since the epoch: offsets are shown from it
 */
export function windowOf(time: number, faults: readonly FaultWindow[], runStartedAt = 0): string {
  return placeSpan(time, time, faults, runStartedAt)
}

/**
 * Where the span `[first, last]` (ms since the epoch) falls among the faults, in the words of
 * `windowOf` (a point is a span of 0): `during` every fault it meets, else `after` the fault
 * that ended last before it and `before` the next one to start. One wording for findings and
 * threshold reasons alike.
 */
export function placeSpan(
  first: number,
  last: number,
  faults: readonly FaultWindow[],
  runStartedAt = 0
): string {
  const active = faults
    .filter((f) => f.start <= last && (f.end === undefined || first <= f.end))
    .sort((a, b) => a.start - b.start)
  if (active.length > 0) {
    return `during ${active.map((f) => spanLabel(f, runStartedAt)).join(', ')}`
  }
  let next: FaultWindow | undefined
  let latest: FaultWindow | undefined
  for (const fault of faults) {
    if (fault.start > last && (!next || fault.start < next.start)) {
      next = fault
    }
    if (fault.end !== undefined && fault.end < first && (!latest || fault.end > latest.end!)) {
      latest = fault
    }
  }
  const parts = [
    ...(latest ? [`after ${spanLabel(latest, runStartedAt)}`] : []),
    ...(next ? [`before ${label(next)} at ${formatOffset(next.start - runStartedAt)}`] : []),
  ]
  return parts.length > 0 ? parts.join(', ') : 'with no fault in the run'
}

/**
 * A finding for the op with `id` invoked at `time` (ms since the epoch). With `ackedAt` (an
 * acknowledged op), the window places the acknowledgement: what a lost write is judged by.
 */
export function findingAt(
  id: string,
  time: number,
  ctx: FindingContext,
  ackedAt?: number
): Finding {
  // Whole milliseconds: enough to place an op on the run's timeline, and readable in JSON.
  return {
    id,
    at: Math.round(time - ctx.runStartedAt),
    ...(ackedAt === undefined ? {} : { ackedAt: Math.round(ackedAt - ctx.runStartedAt) }),
    window: windowOf(ackedAt ?? time, ctx.faults, ctx.runStartedAt),
  }
}

/**
 * One line for people about a lost operation: `o-17: acknowledged at +6.2 s, before
 * "process-kill of api" at +6.4 s, never delivered` (queue) or `k-3: known from +6.2 s, …,
 * missing from every later read` (set).
 */
export function describeLost(finding: Finding, check: 'queue' | 'set'): string {
  // A set element is known from its acknowledgement or from the first read that showed it,
  // whichever came first (set.ts): "written at" would be wrong when the read came first.
  const when =
    finding.ackedAt === undefined
      ? `sent at ${formatOffset(finding.at)}`
      : check === 'queue'
        ? `acknowledged at ${formatOffset(finding.ackedAt)}`
        : `known from ${formatOffset(finding.ackedAt)}`
  const after = check === 'queue' ? 'never delivered' : 'missing from every later read'
  return `${finding.id}: ${when}, ${finding.window}, ${after}`
}

/**
 * Time order (the order a reader follows the run in), then id for a stable output. Sorts on
 * the raw times, before `at` is rounded.
 */
export function byTime(a: { time: number; id: string }, b: { time: number; id: string }): number {
  return a.time - b.time || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)
}

/** `"process-kill of api"`: the step's name from the manifest, or its fault type. */
function label(fault: FaultWindow): string {
  return `"${fault.name ?? fault.type}"`
}

function spanLabel(fault: FaultWindow, runStartedAt: number): string {
  const end = fault.end === undefined ? undefined : fault.end - runStartedAt
  return `${label(fault)} (${formatSpan(fault.start - runStartedAt, end)})`
}
