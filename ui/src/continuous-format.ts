/**
 * How continuous chaos reads on every page (issue 16): what started a run, where a git-managed
 * experiment comes from, a schedule's ticks and windows, a trigger's conditions, a sync's
 * outcome. Pure (no DOM, no React), so node:test checks them (continuous-format.test.ts).
 * @module
 */
import { formatMs } from '../../src/shared/units.js'
import type { Role } from '../../src/shared/api.js'
import type {
  ContinuousPlacement,
  ExcludedWindow,
  GitManifestError,
  GitOrigin,
  GitSyncInfo,
  RunCause,
  ScheduleTick,
  TriggerCondition,
} from '../../src/shared/continuous.js'
import { formatTime, labelPairs } from './format.js'

/** Editors and owners change things (pause a schedule, sync a source, create a hook). */
export function canEdit(role: Role | undefined): boolean {
  return role === 'editor' || role === 'owner'
}

/** A commit as git prints it short: the first 7 hex digits. */
export function shortCommit(commit: string): string {
  return commit.slice(0, 7)
}

/** The banner of a git-managed experiment: `Managed by git source S — path @ 1a2b3c4`. */
export function originLine(origin: GitOrigin): string {
  return `Managed by git source ${origin.source} — ${origin.path} @ ${shortCommit(origin.commit)}`
}

/** `03:00` (or `03:00:30` when the seconds matter) in the browser's local time. */
export function clockTime(iso: string): string {
  const d = new Date(iso)
  if (Number.isNaN(d.getTime())) {
    return '—'
  }
  const pad = (n: number) => String(n).padStart(2, '0')
  const hhmm = `${pad(d.getHours())}:${pad(d.getMinutes())}`
  return d.getSeconds() === 0 ? hhmm : `${hhmm}:${pad(d.getSeconds())}`
}

/**
 * A later tick in a short form: `03:00` when it falls on `now`'s local day, else with its date
 * (`12-08 03:00`), so a list of next ticks a day apart never reads as the same time twice.
 */
export function shortWhen(iso: string, now: number): string {
  const full = formatTime(iso)
  if (full === '—') {
    return full
  }
  const sameDay = full.slice(0, 10) === formatTime(now).slice(0, 10)
  return sameDay ? clockTime(iso) : `${full.slice(5, 10)} ${clockTime(iso)}`
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`

/**
 * What started a run when no person did: `started by schedule nightly (due 03:00)`,
 * `started by trigger deploy via argo (3 events: argocd: app orders synced to 1a2b3c4)`.
 */
export function causeLine(cause: RunCause): string {
  switch (cause.kind) {
    case 'schedule':
      return `started by schedule ${cause.schedule} (due ${clockTime(cause.dueAt)})`
    case 'trigger':
      return `started by trigger ${cause.trigger} via ${cause.source} (${plural(cause.events, 'event')}: ${cause.summary})`
    case 'gate':
      return `started by gate ${cause.gate}`
  }
}

/**
 * How far `iso` is from `now`, in one unit or two: `in 12 s`, `in 4 min`, `in 2 h 5 min`,
 * `3 d 1 h ago`. Next ticks read as both the local time and this.
 */
export function relativeTime(iso: string, now: number): string {
  const t = Date.parse(iso)
  if (Number.isNaN(t)) {
    return '—'
  }
  const delta = t - now
  const s = Math.round(Math.abs(delta) / 1000)
  let text: string
  if (s < 60) {
    text = `${s} s`
  } else if (s < 3600) {
    text = `${Math.floor(s / 60)} min`
  } else if (s < 86_400) {
    const m = Math.floor((s % 3600) / 60)
    text = `${Math.floor(s / 3600)} h${m ? ` ${m} min` : ''}`
  } else {
    const h = Math.floor((s % 86_400) / 3600)
    text = `${Math.floor(s / 86_400)} d${h ? ` ${h} h` : ''}`
  }
  if (s === 0) {
    return 'now'
  }
  return delta > 0 ? `in ${text}` : `${text} ago`
}

/** A tick in one line: `ran`, `skipped: excluded window (change freeze)`, `failed: agent busy`. */
export function tickOutcomeText(tick: Pick<ScheduleTick, 'outcome' | 'reason'>): string {
  const label = tick.outcome === 'pending' ? 'starting' : tick.outcome
  return tick.reason ? `${label}: ${tick.reason}` : label
}

/** An excluded window: `Mon, Tue 09:00–10:00 (standup)`, `every day 22:00–06:00`, or a span. */
export function excludedText(window: ExcludedWindow): string {
  const reason = window.reason ? ` (${window.reason})` : ''
  if ('from' in window) {
    const days = window.days?.length ? window.days.join(', ') : 'every day'
    return `${days} ${window.from}–${window.to}${reason}`
  }
  return `${formatTime(window.start)} → ${formatTime(window.end)}${reason}`
}

/** Where the schedule's or trigger's runs go: `this server`, `agent edge-1`, `labels zone=eu`. */
export function placementText(placement: ContinuousPlacement | undefined): string {
  if (!placement) {
    return 'this server'
  }
  return 'agent' in placement
    ? `agent ${placement.agent}`
    : `labels ${labelPairs(placement.labels).join(', ')}`
}

/** `app EqualTo orders and status Matches ^Succeeded$`; `every event` without conditions. */
export function conditionsText(conditions: TriggerCondition[], type: 'and' | 'or'): string {
  if (conditions.length === 0) {
    return 'every event'
  }
  return conditions
    .map((c) =>
      c.value === undefined ? `${c.key} ${c.operator}` : `${c.key} ${c.operator} ${c.value}`
    )
    .join(` ${type} `)
}

/** A debounce window as durations read everywhere else (`30 s`, `1.5 min`). */
export function debounceText(ms: number): string {
  return ms <= 0 ? 'none' : formatMs(ms)
}

/** A manifest git could not load, as a compiler says it: `exp/bad.yaml:12: message`. */
export function manifestErrorText(e: GitManifestError): string {
  return `${e.path}${e.line !== undefined ? `:${e.line}` : ''}: ${e.message}`
}

/**
 * A sync's outcome in one line: `ok @ 1a2b3c4: 2 created, 1 updated, 0 deleted, 5 unchanged,
 * 1 invalid` or `error: fatal: couldn't find remote ref main`.
 */
export function syncLine(sync: GitSyncInfo): string {
  if (!sync.ok) {
    return `error: ${sync.error ?? 'the sync failed'}`
  }
  const at = sync.commit ? ` @ ${shortCommit(sync.commit)}` : ''
  const counts = [
    `${sync.created} created`,
    `${sync.updated} updated`,
    `${sync.deleted} deleted`,
    `${sync.unchanged} unchanged`,
  ]
  if (sync.invalid.length > 0) {
    counts.push(`${sync.invalid.length} invalid`)
  }
  return `ok${at}: ${counts.join(', ')}`
}
