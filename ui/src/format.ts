/**
 * Display helpers shared by every page: one date format, one score format, one way to say who
 * did something. Pure (no DOM, no React), so node:test checks them
 * (test/e2e/chaos-center-ui-format.test.ts).
 */
import { formatDuration as formatShared } from '../../src/shared/duration.js'

/** The terminal's duration format (`src/shared/duration.ts`), with a dash for "unknown". */
export function formatDuration(ms: number | undefined): string {
  return ms === undefined || !Number.isFinite(ms) ? '—' : formatShared(ms)
}

/**
 * The one date format of the UI: `2026-12-06 23:14:05` in the browser's local time zone,
 * sortable and unambiguous (no `12/6` vs `6/12`). Every page shows dates through this.
 */
export function formatTime(iso: string | number | undefined): string {
  if (iso === undefined) {
    return '—'
  }
  const d = new Date(iso)
  if (Number.isNaN(d.getTime())) {
    return '—'
  }
  const pad = (n: number) => String(n).padStart(2, '0')
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`
}

/** What `formatTime` prints, for tests that check no page shows another date format. */
export const TIME_PATTERN = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/

/** The browser's time zone, shown once (in the nav's tooltip) so "local" is not a guess. */
export function timeZoneName(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'local time'
}

/** `+12.345s` from the run start: the journal's time column. */
export function formatOffset(t: number, start: number | undefined): string {
  if (start === undefined) {
    return formatTime(t)
  }
  return `+${((t - start) / 1000).toFixed(3)}s`
}

/** `+12s` (or `+2.5s` when zoomed in): the run chart's x axis, in seconds from the run start. */
export function formatAxisSeconds(seconds: number): string {
  const rounded = Math.round(seconds * 10) / 10
  return `${rounded < 0 ? '−' : '+'}${Math.abs(rounded)}s`
}

export function durationBetween(start: string, end: string | undefined, now = Date.now()): number {
  return (end ? Date.parse(end) : now) - Date.parse(start)
}

/**
 * The API's score as the CLI prints it (`src/report/terminal.ts` prints
 * `String(result.resilienceScore)`): the server already truncates it to two decimals, so 62.5
 * stays 62.5 and 83.33 stays 83.33; rounding here would make the UI disagree with the CLI, the
 * JSON, the JUnit and the metrics.
 */
export function formatScore(score: number | null | undefined): string {
  return score === undefined || score === null || !Number.isFinite(score) ? '—' : String(score)
}

/**
 * Who did something: the user's name (the id when the server sends no name), and the API
 * token's name when it was done with one: `alice (token ci-deploy)`.
 */
export function formatWho(name: string | undefined, id: string, via?: string): string {
  const who = name !== undefined && name !== '' ? name : id
  return via !== undefined && via !== '' ? `${who} (token ${via})` : who
}
