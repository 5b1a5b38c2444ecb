/**
 * What to do with the ticks that fell due since the last one handled: normally exactly one,
 * on time; after downtime (or a clock jump) many. Never a burst: at most ONE of them runs,
 * the newest that is still within `startingDeadlineSeconds` (any, without a deadline) and not
 * in an excluded window (at its due time or at its actual start); every other one is recorded skipped with its reason. Pure.
 * @module
 */
import type { ExcludedWindow } from '../../../shared/continuous.js'
import { excludedBy, windowReason } from './windows.js'

/**
 * Timer slack: a tick handled this late by a running scheduler is still on time, so
 * `startingDeadlineSeconds: 0` means "on time or never", not "never".
 */
export const ON_TIME_MS = 1000

export interface Decision {
  dueAt: number
  fireAt: number
  action: 'run' | 'skip'
  reason?: string
}

export interface CatchUpInput {
  /** Due times since the last one handled, oldest first, whose fire time has come. */
  due: readonly number[]
  /** How many older ones were not enumerated (a long outage), and whether that is a lower bound. */
  older: number
  olderIsLowerBound?: boolean
  now: number
  fireAt(dueAt: number): number
  startingDeadlineSeconds?: number
  exclude: readonly ExcludedWindow[]
  timeZone: string
  /** Handled at server start (the server was down) rather than by a late timer. */
  startingUp: boolean
}

export function planCatchUp(input: CatchUpInput): Decision[] {
  const { now, startingDeadlineSeconds: deadline } = input
  const why = input.startingUp ? 'the server was down' : 'the scheduler was late'
  const tooLate = (fireAt: number) =>
    deadline !== undefined && now - fireAt > Math.max(deadline * 1000, ON_TIME_MS)
  const decisions = input.due.map((dueAt): Decision => {
    const fireAt = input.fireAt(dueAt)
    return tooLate(fireAt)
      ? {
          dueAt,
          fireAt,
          action: 'skip',
          reason: `missed: ${why}; older than startingDeadlineSeconds ${deadline}`,
        }
      : { dueAt, fireAt, action: 'run' }
  })
  // Only the newest tick still on time may run; the ones it supersedes are skipped.
  let runner: Decision | undefined
  for (let i = decisions.length - 1; i >= 0; i--) {
    const d = decisions[i]!
    if (d.action !== 'run') {
      continue
    }
    // Its due time, or (for the one that would run) its actual start after jitter or a late
    // catch-up, in a window: either way the run would land in a change freeze; skipped.
    const window =
      excludedBy(input.exclude, d.dueAt, input.timeZone) ??
      (runner === undefined
        ? excludedBy(input.exclude, Math.max(d.fireAt, now), input.timeZone)
        : undefined)
    if (runner !== undefined || window !== undefined) {
      d.action = 'skip'
      d.reason =
        window !== undefined ? windowReason(window) : `missed: ${why}; superseded by a later tick`
    }
    // Even an excluded newest tick supersedes the older ones: nothing runs late in its stead.
    runner ??= d
  }
  if (input.older > 0 && decisions.length > 0) {
    const oldest = decisions[0]!
    const count = `${input.older}${input.olderIsLowerBound ? '+' : ''}`
    oldest.reason = `${oldest.reason ?? ''}; ${count} earlier missed tick(s) not listed`
  }
  return decisions
}
