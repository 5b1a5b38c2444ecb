/**
 * The next ticks a schedule shows (API and UI): due times after `now` with excluded windows
 * applied, at most `count`. A window covering every tick ends the search after a bound.
 * @module
 */
import type { Cron } from 'croner'
import type { ExcludedWindow } from '../../../shared/continuous.js'
import { nextDue } from './cron.js'
import { excludedBy } from './windows.js'

const MAX_LOOKAHEAD = 2000

export function upcomingTicks(
  cron: Cron,
  now: number,
  exclude: readonly ExcludedWindow[],
  timeZone: string,
  count = 5,
  /** The tick's fire time (due + its jitter): one firing inside a window is skipped too. */
  fireAt: (dueAt: number) => number = (dueAt) => dueAt
): number[] {
  const ticks: number[] = []
  let t: number | undefined = now
  for (let i = 0; i < MAX_LOOKAHEAD && ticks.length < count; i++) {
    t = nextDue(cron, t)
    if (t === undefined) {
      break
    }
    if (
      excludedBy(exclude, t, timeZone) === undefined &&
      excludedBy(exclude, fireAt(t), timeZone) === undefined
    ) {
      ticks.push(t)
    }
  }
  return ticks
}
