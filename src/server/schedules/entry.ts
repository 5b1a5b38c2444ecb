/**
 * A schedule as the scheduler holds it (its definition, parsed expression, pause state and
 * the last due time handled), and how the API shows it: with its next ticks, excluded windows
 * applied, computed once until the first of them passes (croner takes ~50 µs a step).
 * @module
 */
import type { Cron } from 'croner'
import type { ScheduleInfo, ScheduleTick } from '../../shared/continuous.js'
import type { ScheduleDef } from './declared.js'
import type { ExperimentRef } from './scheduler.js'
import { upcomingTicks } from './plan/upcoming.js'
import { jitterOf } from './plan/jitter.js'

const iso = (t: number) => new Date(t).toISOString()

export interface Entry {
  key: string
  experiment: ExperimentRef
  def: ScheduleDef
  cron: Cron
  paused: boolean
  pausedBy?: string
  pausedAt?: string
  /** The newest due time handled (or the time the schedule has watched since). */
  lastDue: number
  gen: number
  /** Bumped when its manifest is read again (load): a tick handled meanwhile keeps nothing stale. */
  version: number
  busy: boolean
  /** The due time the heap holds for it (nextDue after lastDue), so handling it costs no croner step. */
  armedDue?: number
  /** The next ticks shown, kept until the first of them passes (croner is not free). */
  upcoming?: { from: number; ticks: number[] }
}

export function scheduleInfo(
  entry: Entry,
  last: ScheduleTick | undefined,
  now: number
): ScheduleInfo {
  const { def } = entry
  return {
    experimentId: entry.experiment.id,
    experimentName: entry.experiment.name,
    name: def.name,
    cron: def.cron,
    timeZone: def.timeZone,
    jitterMs: def.jitterMs,
    concurrencyPolicy: def.concurrencyPolicy,
    ...(def.startingDeadlineSeconds !== undefined
      ? { startingDeadlineSeconds: def.startingDeadlineSeconds }
      : {}),
    historyLimit: def.historyLimit,
    exclude: def.exclude,
    ...(def.placement !== undefined ? { placement: def.placement } : {}),
    paused: entry.paused,
    ...(entry.pausedBy !== undefined ? { pausedBy: entry.pausedBy } : {}),
    ...(entry.pausedAt !== undefined ? { pausedAt: entry.pausedAt } : {}),
    nextTicks: entry.paused ? [] : upcomingOf(entry, now).map(iso),
    ...(last !== undefined ? { lastTick: last } : {}),
  }
}

function upcomingOf(entry: Entry, now: number): number[] {
  const from = Math.max(entry.lastDue, now)
  const cached = entry.upcoming
  if (cached === undefined || from < cached.from || from >= (cached.ticks[0] ?? Infinity)) {
    entry.upcoming = {
      from,
      ticks: upcomingTicks(
        entry.cron,
        from,
        entry.def.exclude,
        entry.def.timeZone,
        5,
        (due) => due + jitterOf(entry.experiment.id, entry.def.name, due, entry.def.jitterMs)
      ),
    }
  }
  return entry.upcoming!.ticks
}
