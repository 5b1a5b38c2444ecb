/** Display helpers shared by the pages. */

export function formatDuration(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms)) {
    return '—'
  }
  if (ms < 1000) {
    return `${Math.round(ms)}ms`
  }
  const s = Math.floor(ms / 1000)
  if (s < 60) {
    return `${(ms / 1000).toFixed(1)}s`
  }
  const m = Math.floor(s / 60)
  if (m < 60) {
    return `${m}m ${String(s % 60).padStart(2, '0')}s`
  }
  return `${Math.floor(m / 60)}h ${String(m % 60).padStart(2, '0')}m`
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
