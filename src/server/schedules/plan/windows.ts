/**
 * Excluded windows: recurring `{days?, from, to}` read in the schedule's time zone (spanning
 * midnight when `to` is before `from`: the part after midnight belongs to the day it started
 * on), and fixed `{start, end}` spans. A due time inside one is skipped with the window's
 * reason. Pure; the local clock comes from Intl, one formatter per zone.
 * @module
 */
import type { ExcludedWindow, Weekday } from '../../../shared/continuous.js'

const WEEKDAYS: Weekday[] = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun']
const formatters = new Map<string, Intl.DateTimeFormat>()

/** Weekday and minute of the day at `t` in `timeZone`. */
export function localTime(t: number, timeZone: string): { weekday: Weekday; minute: number } {
  let format = formatters.get(timeZone)
  if (format === undefined) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      weekday: 'short',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    })
    formatters.set(timeZone, format)
  }
  let weekday: Weekday = 'Mon'
  let hour = 0
  let minute = 0
  for (const part of format.formatToParts(t)) {
    if (part.type === 'weekday') {
      weekday = part.value as Weekday
    } else if (part.type === 'hour') {
      hour = Number(part.value)
    } else if (part.type === 'minute') {
      minute = Number(part.value)
    }
  }
  return { weekday, minute: hour * 60 + minute }
}

const minutesOf = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5))

const previousDay = (day: Weekday): Weekday => WEEKDAYS[(WEEKDAYS.indexOf(day) + 6) % 7]!

/** Whether `t` falls in the window. */
export function inWindow(window: ExcludedWindow, t: number, timeZone: string): boolean {
  if ('start' in window) {
    return t >= Date.parse(window.start) && t < Date.parse(window.end)
  }
  const { weekday, minute } = localTime(t, timeZone)
  const from = minutesOf(window.from)
  const to = minutesOf(window.to)
  const on = (day: Weekday) => window.days === undefined || window.days.includes(day)
  if (from < to) {
    return on(weekday) && minute >= from && minute < to
  }
  // Spans midnight: the evening part on its own day, the morning part on the day after.
  return (minute >= from && on(weekday)) || (minute < to && on(previousDay(weekday)))
}

/** The window's line for a skipped tick: `excluded: change freeze (Mon-Fri 09:00-10:00)`. */
export function windowReason(window: ExcludedWindow): string {
  const span =
    'start' in window
      ? `${window.start} to ${window.end}`
      : `${window.days === undefined ? 'every day' : window.days.join(',')} ${window.from}-${window.to}`
  return window.reason === undefined
    ? `excluded window (${span})`
    : `excluded: ${window.reason} (${span})`
}

/** The first window `t` falls in, if any. */
export function excludedBy(
  windows: readonly ExcludedWindow[],
  t: number,
  timeZone: string
): ExcludedWindow | undefined {
  return windows.find((w) => inWindow(w, t, timeZone))
}
