/**
 * `--dry-run` lines for randomised fault timing: the ranges as written, and with `--seed N`
 * the values the run with that seed will draw (the same sub-streams as the run's: the n-th
 * value of a fault's field depends only on the seed and the fault's id, timing-draw.ts).
 * @module
 */
import type { Fault } from '../experiment/model.js'
import { formatDuration } from '../shared/duration.js'
import { formatTiming, isFixed, parseTiming, type TimingRange } from '../shared/timing-range.js'
import { TimingDraws } from './timing-draw.js'

/** More waits than this are summarised: a dry run is read by people. */
const kShownWaits = 12

/** The fault's `interval` as a range, when it repeats. */
export function intervalRange(fault: Fault): TimingRange | undefined {
  const text = (fault.params as { interval?: unknown }).interval
  if (typeof text !== 'string') {
    return undefined
  }
  const parsed = parseTiming(text)
  return parsed.ok ? parsed.range : undefined
}

/** Whether the fault draws anything at run time. */
export function isRandomised(fault: Fault): boolean {
  const interval = intervalRange(fault)
  return fault.afterRange !== undefined || (interval !== undefined && !isFixed(interval))
}

/** `after 5s..15s` in the timeline, with the value drawn for `seed` when there is one. */
export function afterText(fault: Fault, seed: number | undefined): string {
  if (fault.afterRange === undefined) {
    return fault.afterMs ? ` after ${formatDuration(fault.afterMs)}` : ''
  }
  const range = formatTiming(fault.afterRange)
  if (seed === undefined) {
    return ` after ${range}`
  }
  const { ms } = new TimingDraws(seed).next(fault.id, 'after', fault.afterRange)
  return ` after ${exact(ms)} (drawn from ${range})`
}

/**
 * The waits between repeats a run with `seed` draws while the fault holds: as many as fit in
 * its duration (the kills themselves take a little time, so the run may fit one fewer).
 */
export function intervalLine(fault: Fault, seed: number | undefined): string | undefined {
  const range = intervalRange(fault)
  if (range === undefined || isFixed(range)) {
    return undefined
  }
  if (seed === undefined) {
    return `every ${formatTiming(range)}: each wait drawn from the run's seed (--seed N shows them)`
  }
  const draws = new TimingDraws(seed)
  const waits: number[] = []
  let total = 0
  for (;;) {
    const { ms } = draws.next(fault.id, 'interval', range)
    if (total + ms >= fault.durationMs) {
      break
    }
    total += ms
    waits.push(ms)
  }
  const shown = waits.slice(0, kShownWaits).map(exact)
  const more = waits.length > kShownWaits ? `, ... (${waits.length} in all)` : ''
  return `waits between repeats drawn from ${formatTiming(range)}: ${shown.join(', ') || 'none within its duration'}${more}`
}

/** A drawn value to the millisecond (`7.234s`), as the journal's `fault.timing` has it. */
function exact(ms: number): string {
  return ms < 1000 ? `${ms}ms` : `${ms / 1000}s`
}
