/**
 * The raw journal, paged from `/events` (200 at a time, "load more" follows `next`): a run can
 * hold 100,000 events, most of them ops, so the page never fetches or renders them all. While the
 * run is running and the list has reached the end of what was stored, the non-op events the run
 * page streams (`tail`) are appended live; ops are not streamed, so "load more" fetches those.
 */
import { useCallback, useEffect, useState } from 'react'
import { describeTransition } from '../../../src/monitors/text'
import type { EventPage, JournalEvent } from '../../../src/shared/api'
import { api, errorMessage } from '../api/client'
import { formatOffset } from '../format'
import { recoveryText } from '../../../src/shared/recovery-text'

const PAGE = 200

/** The newest non-op events the run page holds (bounded), oldest first. */
export interface LiveTail {
  events: readonly JournalEvent[]
  /** Every non-op event with a seq above this one is in `events` (older ones were dropped). */
  after: number
}

interface Props {
  runId: string
  startedAt: number | undefined
  running: boolean
  tail: LiveTail
}

export function Journal({ runId, startedAt, running, tail }: Props) {
  const [events, setEvents] = useState<JournalEvent[]>([])
  const [next, setNext] = useState<number | undefined>(-1)
  // The last page loaded was the end of the stored journal: only then can the live tail follow
  // on without leaving a hole between the list and the streamed events.
  const [atEnd, setAtEnd] = useState(false)
  // Ops are most of a big run's journal and drown the events a reader looks for.
  const [hideOps, setHideOps] = useState(true)
  const [loading, setLoading] = useState(false)
  const [error, setError] = useState<string>()

  const load = useCallback(
    async (after: number, replace: boolean) => {
      setLoading(true)
      try {
        const page = await api.get<EventPage>(
          `/api/runs/${encodeURIComponent(runId)}/events?after=${after}&limit=${PAGE}${hideOps ? '&exclude=op' : ''}`
        )
        setEvents((prev) => (replace ? page.events : [...prev, ...page.events]))
        // No `next` means "this was the last page": a running run may still grow, so keep a
        // cursor at the last seq to let "load more" pick up what was written since.
        const last = page.events[page.events.length - 1]
        setNext(page.next ?? (running ? (last?.seq ?? after) : undefined))
        setAtEnd(page.next === undefined)
        setError(undefined)
      } catch (e) {
        setError(errorMessage(e))
      } finally {
        setLoading(false)
      }
    },
    [runId, hideOps, running]
  )

  useEffect(() => {
    void load(-1, true)
  }, [load])

  const lastShown = events.at(-1)?.seq ?? -1
  const following = running && atEnd
  const live = following ? tail.events.filter((e) => e.seq > lastShown) : []
  // The tail dropped events newer than the list: say so rather than show a silent hole.
  const gap = following && tail.after > lastShown
  // Nothing more to fetch: the stored journal is all shown, or (ops hidden, run live) the live
  // tail already carries every newer event.
  const end = next === undefined || (following && hideOps && !gap)

  return (
    <div className="card">
      <div className="journal-head">
        <h3>Journal</h3>
        <label className="small">
          <input
            type="checkbox"
            data-testid="hide-ops"
            checked={hideOps}
            onChange={(e) => setHideOps(e.target.checked)}
          />{' '}
          hide ops
        </label>
      </div>
      <ol className="journal" data-testid="journal">
        {events.map((e) => (
          <Row key={e.seq} event={e} startedAt={startedAt} />
        ))}
        {following && !hideOps && (
          <li className="jr-note muted" data-testid="journal-live-note">
            live: new non-op events only — ops are not streamed, “Load more” fetches them
          </li>
        )}
        {gap && (
          <li className="jr-note muted" data-testid="journal-live-gap">
            … older live events not shown — “Load more” fetches them
          </li>
        )}
        {live.map((e) => (
          <Row key={e.seq} event={e} startedAt={startedAt} />
        ))}
      </ol>
      {error && <div className="error-box">{error}</div>}
      <div className="toolbar">
        <button
          type="button"
          data-testid="journal-load-more"
          disabled={loading || end}
          title={end ? 'the whole journal is shown' : undefined}
          onClick={() => next !== undefined && void load(next, false)}
        >
          {loading ? 'Loading…' : end ? 'End of journal' : 'Load more'}
        </button>
        <span className="muted small">
          {events.length} shown{live.length > 0 && ` + ${live.length} live`}
        </span>
      </div>
    </div>
  )
}

function Row({ event: e, startedAt }: { event: JournalEvent; startedAt: number | undefined }) {
  return (
    <li data-testid="journal-row" className={`jr jr-${e.type.split('.')[0]}`}>
      <span className="seq">{e.seq}</span>
      <span className="when">{formatOffset(e.t, startedAt)}</span>
      <span className="type">{e.type}</span>
      <span className="detail">
        {e.host !== undefined && (
          // Multi-host runs: which host did it, and how sure its corrected time is.
          <span className="host" data-testid="journal-host" title={hostTitle(e)}>
            {e.host}
          </span>
        )}
        {describe(e)}
      </span>
    </li>
  )
}

/** `agent clock 12:00:01.234, ±3 ms`: what the host's own clock said, and the correction's error. */
function hostTitle(e: JournalEvent): string {
  const own = e.hostT === undefined ? '' : `its own clock: ${new Date(e.hostT).toISOString()}`
  const error = e.clockErrorMs === undefined ? '' : `time corrected within ±${e.clockErrorMs} ms`
  return [`on host ${e.host ?? ''}`, own, error].filter((x) => x !== '').join('; ')
}

/** One line for an event: what a human wants to read in the journal. */
export function describe(e: JournalEvent): string {
  switch (e.type) {
    case 'run.started':
      return `${e.experiment}: ${e.hypothesis}${e.seed === undefined ? '' : ` (seed ${e.seed})`}`
    case 'system.starting':
      return e.services.join(', ')
    case 'network.created':
      return `${e.netId} (${e.namespaces.join(', ')})`
    case 'system.failed':
      return e.error
    case 'service.started':
    case 'service.ready':
      return `${e.service}#${e.replica} pid ${e.pid}`
    case 'service.exited':
      return `${e.service}#${e.replica} pid ${e.pid} ${e.signal ?? `code ${e.code}`}${e.expected ? ' (expected)' : ''}`
    case 'service.restarting':
      return `${e.service}#${e.replica} in ${e.delayMs}ms`
    case 'step.started':
      return e.stepId
    case 'step.ended':
      return `${e.stepId} ${e.status}${e.error ? `: ${e.error}` : ''}`
    case 'fault.injected':
      return `${e.faultType} on ${e.targets.join(', ')}`
    case 'fault.action':
      return `${e.faultId}: ${e.detail}`
    case 'fault.timing':
      return `${e.faultId}: ${e.field}${e.field === 'interval' ? ` #${e.n}` : ''} ${e.ms}ms (drawn from ${e.minMs}..${e.maxMs}ms)`
    case 'fault.recovery':
      return `${e.faultId}: ${recoveryText(e)}`
    case 'fault.reverted':
      return e.early ? `${e.faultId} early, by ${e.early.by}: ${e.early.reason}` : e.faultId
    case 'fault.failed':
      return `${e.faultId} ${e.phase}: ${e.error}`
    case 'probe.attempt':
      return `${e.probeId} (${e.phase}) ${e.passed ? 'passed' : 'failed'}: ${e.message}`
    case 'probe.verdict':
      return `${e.name} (${e.mode}) ${e.verdict}: ${e.message}`
    case 'load.started':
      return `${e.method} ${e.url} at ${e.targetRate}/s`
    case 'op':
      return `${e.op.type} ${e.op.f}${e.op.value ? ` ${e.op.value}` : ''}${e.op.error ? ` — ${e.op.error}` : ''} (p${e.op.process})`
    case 'load.tick': {
      const t = e.tick
      const errors = t.errors.http + t.errors.timeout + t.errors.connection
      return `s${t.second}: ${t.ok} ok, ${errors} errors, p99 ${Math.round(t.p99)}ms`
    }
    case 'load.ended':
      return `${e.summary.requests} requests, ${e.summary.ok} ok, ${e.summary.failed} failed`
    case 'check.started':
      return e.name
    case 'check.result':
      return e.error
        ? `${e.name}: ${e.error}`
        : `${e.name}: ${e.result?.valid === true ? 'valid' : 'invalid'}`
    case 'run.aborted':
      return `${e.kind}: ${e.reason}`
    case 'run.warning':
      return e.message
    case 'run.recovered':
      return `by ${e.by} (${e.reason}): ${e.undone.length} undone${e.failed.length ? `, ${e.failed.length} failed` : ''}`
    case 'capacity.trial':
      return `${e.trial.phase} ${e.trial.rate}/s: ${e.trial.passed ? 'held' : `failed${e.trial.reason ? ` (${e.trial.reason})` : ''}`}`
    case 'capacity.result':
      return `${e.result.name}: ${e.result.baseline.sustainable ?? 'none'}${e.result.fault ? ` → ${e.result.fault.sustainable ?? 'none'}` : ''} req/s`
    case 'metric.sample':
      return `${e.name}: ${e.sample.value}`
    case 'metric.failed':
      return `${e.name}: ${e.error}${e.count === undefined ? '' : ` (${e.count} readings in a row)`}`
    case 'metric.waiting':
      return e.message
    case 'capture.started':
      return e.captures.map((c) => c.host).join(', ')
    case 'capture.saved':
      return `${e.capture.host}: ${e.capture.packets ?? '?'} packets, ${e.capture.bytes} bytes${e.capture.truncated ? ' (cap reached)' : ''} → ${e.capture.file}`
    case 'script.note':
      return e.text
    case 'observation':
      return `${e.name} = ${JSON.stringify(e.value)}`
    case 'monitor.transition':
      return `${e.monitor}: ${describeTransition(e.transition)}`
    case 'monitor.ended':
      return `${e.monitor}: ${e.verdict}, ${e.reason}`
    case 'system.ready':
    case 'system.stopped':
    case 'run.ended':
      return ''
  }
}
