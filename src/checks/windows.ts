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
 * Windows are closed intervals; a fault never reverted lasts forever.
 * @param time ms since the epoch
 * @param runStartedAt ms since the epoch: offsets are shown from it
 */
export function windowOf(time: number, faults: readonly FaultWindow[], runStartedAt = 0): string {
  const active = faults
    .filter((f) => f.start <= time && (f.end === undefined || time <= f.end))
    .sort((a, b) => a.start - b.start)
  if (active.length > 0) {
    return `during ${active.map((f) => spanLabel(f, runStartedAt)).join(', ')}`
  }
  let next: FaultWindow | undefined
  let latest: FaultWindow | undefined
  for (const fault of faults) {
    if (fault.start > time && (!next || fault.start < next.start)) {
      next = fault
    }
    if (fault.end !== undefined && fault.end < time && (!latest || fault.end > latest.end!)) {
      latest = fault
    }
  }
  if (next && !latest) {
    return `before ${label(next)} at ${formatOffset(next.start - runStartedAt)}`
  }
  return latest ? `after ${spanLabel(latest, runStartedAt)}` : 'with no fault in the run'
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
 * "process-kill of api" at +6.4 s, never delivered` (queue) or `…, missing from every later
 * read` (set).
 */
export function describeLost(finding: Finding, check: 'queue' | 'set'): string {
  // A set element is known from its acknowledgement or from the first read that showed it.
  const verb = check === 'queue' ? 'acknowledged' : 'written'
  const when =
    finding.ackedAt === undefined
      ? `sent at ${formatOffset(finding.at)}`
      : `${verb} at ${formatOffset(finding.ackedAt)}`
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
