/** Display helpers shared by the pages. */
import { formatDuration as formatShared } from '../../src/shared/duration'

/** The terminal's duration format (`src/shared/duration.ts`), with a dash for "unknown". */
export function formatDuration(ms: number | undefined): string {
  return ms === undefined || !Number.isFinite(ms) ? '—' : formatShared(ms)
}

/** `2024-05-01 14:03:07` in local time: the tables' timestamps. */
export function formatTime(iso: string | number | undefined): string {
  if (iso === undefined) {
    return '—'
  }
  const d = new Date(iso)
  const pad = (n: number) => String(n).padStart(2, '0')
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`
}

/** `+12.345s` from the run start: the journal's time column. */
export function formatOffset(t: number, start: number | undefined): string {
  if (start === undefined) {
    return formatTime(t)
  }
  return `+${((t - start) / 1000).toFixed(3)}s`
}

export function durationBetween(start: string, end: string | undefined, now = Date.now()): number {
  return (end ? Date.parse(end) : now) - Date.parse(start)
}

export function formatScore(score: number | undefined): string {
  return score === undefined ? '—' : String(Math.round(score))
}
