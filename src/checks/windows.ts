/**
 * Places an operation relative to the fault windows, so a finding reads "lost, invoked during
 * run.1 (process-kill)" rather than a bare timestamp.
 * @module
 */
import type { FaultWindow, Finding } from './contract.js'

/** What every finding needs besides the op: the run's start and its faults. */
export interface FindingContext {
  faults: readonly FaultWindow[]
  runStartedAt: number
}

/**
 * `before any fault`, `during run.1 (process-kill)` (every fault active at `time`, by start),
 * or `after run.1 (process-kill)` (the fault that ended last before `time`). Windows are closed
 * intervals; a fault never reverted lasts forever.
 * @param time ms since the epoch
 */
export function windowOf(time: number, faults: readonly FaultWindow[]): string {
  const active = faults
    .filter((f) => f.start <= time && (f.end === undefined || time <= f.end))
    .sort((a, b) => a.start - b.start)
  if (active.length > 0) {
    return `during ${active.map(label).join(', ')}`
  }
  let latest: FaultWindow | undefined
  for (const fault of faults) {
    if (fault.end !== undefined && fault.end < time && (!latest || fault.end > latest.end!)) {
      latest = fault
    }
  }
  return latest ? `after ${label(latest)}` : 'before any fault'
}

/** A finding for the op with `id` invoked at `time` (ms since the epoch). */
export function findingAt(id: string, time: number, ctx: FindingContext): Finding {
  // Whole milliseconds: enough to place an op on the run's timeline, and readable in JSON.
  return { id, at: Math.round(time - ctx.runStartedAt), window: windowOf(time, ctx.faults) }
}

/**
 * Time order (the order a reader follows the run in), then id for a stable output. Sorts on
 * the raw times, before `at` is rounded.
 */
export function byTime(a: { time: number; id: string }, b: { time: number; id: string }): number {
  return a.time - b.time || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)
}

function label(fault: FaultWindow): string {
  return `${fault.faultId} (${fault.type})`
}
