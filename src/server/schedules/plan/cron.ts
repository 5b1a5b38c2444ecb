/**
 * Due times of a cron expression in an IANA time zone, from croner (the same library checks the
 * manifest: src/experiment/schedule-semantics.ts). Daylight saving follows Vixie cron: a
 * fixed-time expression (`30 2 * * *`, `0 9,17 * * *`) fires once when its local time falls in
 * the spring gap (at the first valid time after it) or occurs twice in the autumn; an interval
 * expression (`*\/15 * * * *`) keeps its rhythm in absolute time through both.
 * @module
 */
import { Cron } from 'croner'
import { CRON_OPTIONS } from '../../../experiment/schedule-semantics.js'

export interface CronSpec {
  cron: string
  timeZone: string
}

/**
 * A croner instance holds a year table of 10,000 entries (about 80 KB): schedules with the
 * same expression and zone share one (its `nextRun(from)` and `previousRuns` keep no state).
 * The sharing is a least-recently-used cache of MAX_SHARED: expressions edited away (or synced
 * away from git) leave it, and an entry keeps its own instance whatever the cache drops.
 */
const shared = new Map<string, Cron>()
export const MAX_SHARED = 1000

/**
 * A parsed expression; throws croner's own message when the expression is refused (the zone
 * only when a time is computed: the manifest check tries both first).
 */
export function cronOf(spec: CronSpec): Cron {
  const key = `${spec.cron}\0${spec.timeZone}`
  let cron = shared.get(key)
  if (cron !== undefined) {
    // Most recently used last: a Map iterates in insertion order.
    shared.delete(key)
  } else {
    cron = new Cron(spec.cron, { ...CRON_OPTIONS, timezone: spec.timeZone, paused: true })
    if (shared.size >= MAX_SHARED) {
      shared.delete(shared.keys().next().value!)
    }
  }
  shared.set(key, cron)
  return cron
}

/** Instances the cache holds (its bound is tested). */
export const sharedCrons = () => shared.size

/** The first due time strictly after `after` (ms), or undefined when there is none. */
export function nextDue(cron: Cron, after: number): number | undefined {
  return cron.nextRun(new Date(after))?.getTime()
}

/**
 * Due times in (after, until], oldest first: at most the `max` newest of them, and how many
 * older ones there were on top (counted up to `countCap`, after which `more` is a lower bound).
 * A week-long outage of a per-second schedule must not cost 600,000 rows or minutes of CPU
 * (croner takes tens of microseconds a step).
 */
export function dueBetween(
  cron: Cron,
  after: number,
  until: number,
  max: number,
  countCap = 10_000,
  /** `nextDue(cron, after)` when the caller knows it already (the time its timer was armed for). */
  first?: number
): { due: number[]; older: number; olderIsLowerBound: boolean; beyond?: number } {
  // The usual case (a tick on time, a short outage): walk forward; it stops after a few.
  const forward: number[] = []
  let t = first ?? nextDue(cron, after)
  for (; t !== undefined && t <= until; t = nextDue(cron, t)) {
    forward.push(t)
    if (forward.length > max) {
      break
    }
  }
  if (forward.length <= max) {
    // `beyond`: the first due time after `until`, the next one to arm (saves a croner step).
    return {
      due: forward,
      older: 0,
      olderIsLowerBound: false,
      ...(t !== undefined ? { beyond: t } : {}),
    }
  }
  // A long outage: the newest `max` from croner walking backwards from `until`, then a count.
  const due = cron
    .previousRuns(max, new Date(until + 1))
    .map((d) => d.getTime())
    .filter((d) => d > after && d <= until)
    .reverse()
  const oldestKept = due[0] ?? until
  let older = 0
  let step: number | undefined = after
  while (older < countCap) {
    step = nextDue(cron, step)
    if (step === undefined || step >= oldestKept) {
      break
    }
    older += 1
  }
  return { due, older, olderIsLowerBound: older >= countCap }
}
