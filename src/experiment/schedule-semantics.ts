/**
 * Whole-manifest checks of `spec.schedules` at validation (exit 2, one line naming the field):
 * unique names, a cron expression and time zone the scheduler's own library accepts (croner,
 * pure JS: this file is bundled into the UI with the schema), excluded windows that are not
 * empty, `agent` and `labels` not both, a jitter shorter than the shortest interval between ticks.
 * @module
 */
import { Cron } from 'croner'
import { formatDuration, parseDuration } from '../shared/duration.js'
import type { ExperimentInput } from './schema.js'
import type { SemanticIssue } from './semantics.js'

/**
 * How cron expressions are read, here and by the scheduler: 5 fields, or 6 with seconds first;
 * lists and ranges of fixed times (`0 9,17 * * *`) fire once across a daylight-saving change.
 */
export const CRON_OPTIONS = { mode: '5-or-6-parts', fixedTimeRule: 'no-wildcard' } as const

/** croner's reason, without its class prefix (`CronPattern: `). */
const cronReason = (error: unknown) =>
  String(error instanceof Error ? error.message : error).replace(/^\w+: /, '')

// Making an Intl.DateTimeFormat costs about a millisecond: once per zone name is enough.
const zones = new Map<string, boolean>()

export function isTimeZone(zone: string): boolean {
  let known = zones.get(zone)
  if (known === undefined) {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: zone })
      known = true
    } catch {
      known = false
    }
    if (zones.size < 1000) {
      zones.set(zone, known)
    }
  }
  return known
}

/**
 * Consecutive due times sampled (from a fixed date, so the answer does not change by the day):
 * enough for lists of hours or weekdays; croner takes ~0.15 ms a step with a zone, so the gap
 * is kept per expression and zone (10,000 manifests often share a handful).
 */
const GAP_SAMPLE = 12
const GAP_FROM = new Date('2026-01-01T00:00:00Z')
const gaps = new Map<string, number | undefined>()

/** The shortest interval between two consecutive due times in a sample, in ms. */
function shortestGap(cron: Cron, key: string): number | undefined {
  if (gaps.has(key)) {
    return gaps.get(key)
  }
  const runs = cron.nextRuns(GAP_SAMPLE, GAP_FROM).map((d) => d.getTime())
  let gap: number | undefined
  for (let i = 1; i < runs.length; i++) {
    const step = runs[i]! - runs[i - 1]!
    gap = gap === undefined ? step : Math.min(gap, step)
  }
  if (gaps.size < 1000) {
    gaps.set(key, gap)
  }
  return gap
}

export function scheduleIssues(input: ExperimentInput): SemanticIssue[] {
  const issues: SemanticIssue[] = []
  const seen = new Set<string>()
  input.spec.schedules?.forEach((schedule, i) => {
    const at = (...path: (string | number)[]) => ['spec', 'schedules', i, ...path]
    if (seen.has(schedule.name)) {
      issues.push({ path: at('name'), message: `duplicate schedule name '${schedule.name}'` })
    }
    seen.add(schedule.name)
    if (schedule.agent !== undefined && schedule.labels !== undefined) {
      issues.push({ path: at(), message: 'give agent or labels, not both' })
    }
    const zone = schedule.timeZone ?? 'UTC'
    const zoneOk = isTimeZone(zone)
    if (!zoneOk) {
      issues.push({
        path: at('timeZone'),
        message: `unknown time zone '${zone}': use an IANA name like Europe/Berlin`,
      })
    }
    try {
      const cron = new Cron(schedule.cron, {
        ...CRON_OPTIONS,
        paused: true,
        ...(zoneOk ? { timezone: zone } : {}),
      })
      const jitterMs = schedule.jitter === undefined ? 0 : (parseDuration(schedule.jitter) ?? 0)
      const gap = jitterMs > 0 ? shortestGap(cron, `${schedule.cron}\0${zone}`) : undefined
      // A jitter as long as the gap between two ticks makes one tick wait behind the last one's
      // fire time, and be skipped as late: refused rather than losing runs silently.
      if (gap !== undefined && jitterMs >= gap) {
        issues.push({
          path: at('jitter'),
          message: `must be shorter than the shortest interval between two ticks of '${schedule.cron}' (${formatDuration(gap)})`,
        })
      }
    } catch (error) {
      issues.push({
        path: at('cron'),
        message: `not a cron expression croner accepts: ${cronReason(error)}`,
      })
    }
    schedule.exclude?.forEach((window, w) => {
      if ('from' in window && window.from === window.to) {
        issues.push({
          path: at('exclude', w, 'to'),
          message: 'must differ from `from` (an empty window; before `from` spans midnight)',
        })
      }
      if ('start' in window && Date.parse(window.end) <= Date.parse(window.start)) {
        issues.push({ path: at('exclude', w, 'end'), message: 'must be after `start`' })
      }
    })
  })
  return issues
}
