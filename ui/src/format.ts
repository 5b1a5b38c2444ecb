/**
 * Display helpers shared by every page: one date format, one way to say who did something, and
 * dashes for "unknown" around the figures of src/shared/units.ts, the formatters the CLI's
 * reports use too (durations `1.5 min`, offsets `+6.2 s`, scores `62.5`). Pure (no DOM, no
 * React), so node:test checks them (format.test.ts beside this file).
 */
import {
  formatMs,
  formatOffset as formatSharedOffset,
  formatScore as formatSharedScore,
} from '../../src/shared/units.js'
import type { AgentInfo, RunSummary } from '../../src/shared/api.js'

/** A duration as the terminal prints it (`12.3 s`, `1.5 min`), with a dash for "unknown". */
export function formatDuration(ms: number | undefined): string {
  return ms === undefined || !Number.isFinite(ms) ? '—' : formatMs(ms)
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

/**
 * `+6.2 s` from the run start, as the verdict's reasons and the terminal write it: the journal's
 * time column, the steps' and faults' windows. The date when the start is unknown.
 */
export function formatOffset(t: number, start: number | undefined): string {
  if (start === undefined) {
    return formatTime(t)
  }
  return formatSharedOffset(t - start)
}

/** The run chart's x axis and legend (seconds from the run start), in the same `+6.2 s`. */
export function formatAxisSeconds(seconds: number): string {
  return formatSharedOffset(seconds * 1000)
}

export function durationBetween(start: string, end: string | undefined, now = Date.now()): number {
  return (end ? Date.parse(end) : now) - Date.parse(start)
}

/** The score as the CLI prints it (src/shared/units.ts `formatScore`), a dash when there is none. */
export function formatScore(score: number | null | undefined): string {
  return score === undefined || score === null || !Number.isFinite(score)
    ? '—'
    : formatSharedScore(score)
}

/**
 * Who did something: the user's name (the id when the server sends no name), and the API
 * token's name when it was done with one: `alice (token ci-deploy)`.
 */
export function formatWho(name: string | undefined, id: string, via?: string): string {
  const who = name !== undefined && name !== '' ? name : id
  return via !== undefined && via !== '' ? `${who} (token ${via})` : who
}

/** Labels as chips and flags write them: `zone=eu`, in key order. */
export function labelPairs(labels: Record<string, string> | undefined): string[] {
  return Object.entries(labels ?? {})
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
}

/**
 * Where a run executes: `this server` (the embedded agent), `cli` (recorded by `ordeal run
 * --server`), the agent's name once dispatched, or where it was asked to go while queued.
 */
export function formatWhere(run: Pick<RunSummary, 'source' | 'agent' | 'placement'>): string {
  if (run.agent) {
    return run.agent
  }
  if (run.placement && 'agent' in run.placement) {
    return run.placement.agent
  }
  if (run.placement && 'labels' in run.placement) {
    return labelPairs(run.placement.labels).join(', ') || 'any agent'
  }
  if (run.placement && 'parts' in run.placement) {
    // A multi-host run still queued: the agents it waits for (once sent, `agent` lists them).
    return Object.values(run.placement.parts).join(', ')
  }
  return run.source === 'server' ? 'this server' : run.source
}

/**
 * The labels input of the Run button: `zone=eu, os=linux` (commas or spaces between pairs)
 * into a record, or the first malformed pair as a one-line error.
 */
export function parseLabels(text: string): { labels: Record<string, string> } | { error: string } {
  const labels: Record<string, string> = {}
  for (const pair of text.split(/[\s,]+/).filter(Boolean)) {
    const m = /^([^=]+)=(.*)$/.exec(pair)
    if (!m) {
      return { error: `labels: '${pair}' must look like key=value` }
    }
    labels[m[1]!] = m[2]!
  }
  return { labels }
}

/** An agent's clock against the server's: `+12 ms ± 3 ms`, a dash when not measured yet. */
export function formatClock(clock: { offsetMs: number; errorMs: number } | undefined): string {
  if (!clock) {
    return '—'
  }
  const sign = clock.offsetMs >= 0 ? '+' : '−'
  return `${sign}${formatMs(Math.abs(clock.offsetMs))} ± ${formatMs(clock.errorMs)}`
}

/** Connected first, then by name: the agents that can take a run now are on top. */
export function sortAgents(agents: readonly AgentInfo[]): AgentInfo[] {
  return [...agents].sort(
    (a, b) =>
      Number(b.connected) - Number(a.connected) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)
  )
}
