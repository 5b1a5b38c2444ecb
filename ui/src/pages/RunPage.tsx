/**
 * One run, live. Loads the run and its non-op journal (paged, 5000 at a time) into the run view,
 * then, while the run is queued or running, follows the stream from the last seq. Op events
 * (most of a big run) are never fetched here: the stream only sends their count. A run placed
 * on an agent says which; while it waits for one, a banner says why and offers Cancel.
 */
import { useEffect, useMemo, useRef, useState } from 'react'
import { Link, useParams } from 'react-router'
import {
  ENDED_STATUSES,
  type EventPage,
  type JournalEvent,
  type Run,
  type RunPart,
  type RunSummary,
} from '../../../src/shared/api'
import { applyEvents, createRunView, runDurationMs } from '../../../src/shared/run-view'
import { api, errorMessage } from '../api/client'
import { followRun } from '../api/stream'
import { ErrorBox } from '../components/Layout'
import { RunChart } from '../components/RunChart'
import { MonitorLanes } from '../components/MonitorLanes'
import { RunCurves, hasCurves } from '../components/RunCurves'
import { ReportCollector } from '../../../src/report/html/collect'
import { CheckFindings, ProbeTable, StepsList } from '../components/RunDetails'
import { Journal, type LiveTail } from '../components/Journal'
import { hasLoad } from '../components/chart-data'
import { RunDownloads } from '../components/RunDownloads'
import { RunStatusBadge } from '../components/RunStatus'
import { RunContextLine } from '../components/continuous/RunContextLine'
import {
  durationBetween,
  formatDuration,
  formatScore,
  formatTime,
  formatWhere,
  formatWho,
} from '../format'
import { useInterval } from '../hooks'

/** The newest non-op events kept for the journal's live tail: a run can hold 100,000 events. */
const TAIL = 1000
const EMPTY_TAIL: LiveTail = { events: [], after: -1 }

/** Appends non-op events to the tail, dropping the oldest beyond TAIL (and remembering where). */
/** A part's tooltip: its agent's state and clock offset against the Chaos Center's. */
function partTitle(p: RunPart): string {
  const clock =
    p.clockOffsetMs === undefined
      ? ''
      : `, clock ${p.clockOffsetMs >= 0 ? '+' : ''}${p.clockOffsetMs} ms${p.clockErrorMs === undefined ? '' : ` ±${p.clockErrorMs} ms`}`
  return `agent ${p.agent}: ${p.status}${p.reason ? ` (${p.reason})` : ''}${clock}`
}

function growTail(tail: LiveTail, events: readonly JournalEvent[]): LiveTail {
  const all = [...tail.events, ...events.filter((e) => e.seq > (tail.events.at(-1)?.seq ?? -1))]
  const drop = all.length - TAIL
  return drop > 0
    ? { events: all.slice(drop), after: all[drop - 1]?.seq ?? tail.after }
    : { events: all, after: tail.after }
}

export function RunPage() {
  const { id = '' } = useParams()
  const view = useRef(createRunView())
  // Metric samples and capacity trials, which the run view does not keep (the HTML report's fold).
  const curves = useRef(new ReportCollector())
  const [revision, setRevision] = useState(0)
  const [run, setRun] = useState<Run>()
  const [live, setLive] = useState(false)
  const [ops, setOps] = useState<number>()
  const [tail, setTail] = useState<LiveTail>(EMPTY_TAIL)
  const [error, setError] = useState<string>()
  const [aborting, setAborting] = useState(false)
  const [, setNow] = useState(0)

  useEffect(() => {
    const ctrl = new AbortController()
    const v = createRunView()
    view.current = v
    const extra = new ReportCollector()
    curves.current = extra
    setRevision(0)
    setRun(undefined)
    setOps(undefined)
    setTail(EMPTY_TAIL)
    const base = `/api/runs/${encodeURIComponent(id)}`
    const refresh = () =>
      api.get<Run>(base, ctrl.signal).then((r) => !ctrl.signal.aborted && setRun(r))

    async function load() {
      const r = await api.get<Run>(base, ctrl.signal)
      setRun(r)
      let after = -1
      for (;;) {
        const page = await api.get<EventPage>(
          `${base}/events?after=${after}&limit=5000&exclude=op`,
          ctrl.signal
        )
        applyEvents(v, page.events)
        extra.addAll(page.events)
        setRevision(v.revision)
        // The journal list may have been loaded before these pages: the tail covers the gap.
        setTail((t) => growTail(t, page.events))
        if (page.next === undefined || page.events.length === 0) {
          break
        }
        after = page.next
      }
      if (ENDED_STATUSES.includes(r.status)) {
        return
      }
      await followRun(
        id,
        v.lastSeq,
        {
          journal: (events) => {
            applyEvents(v, events)
            extra.addAll(events)
            setRevision(v.revision)
            setTail((t) => growTail(t, events))
          },
          ops: setOps,
          status: (s: RunSummary) => {
            setRun((prev) => (prev ? { ...prev, ...s } : prev))
            if (ENDED_STATUSES.includes(s.status)) {
              // The full run (with its derived result) once it has ended.
              void refresh()
            }
          },
          connected: setLive,
        },
        ctrl.signal
      )
    }
    load().catch((e: unknown) => {
      if (!ctrl.signal.aborted) {
        setError(errorMessage(e))
      }
    })
    return () => ctrl.abort()
  }, [id])

  const running = run?.status === 'running'
  const queued = run?.status === 'queued'
  const result = run?.result
  const curveData = useMemo(
    () => (result ? curves.current.finish(result) : undefined),
    [result, revision]
  )
  // The duration ticks while the run is live.
  useInterval(() => setNow(Date.now()), 1000, running || queued)

  async function cancel() {
    if (!window.confirm('Cancel this queued run? It has not started; nothing was touched.')) {
      return
    }
    setAborting(true)
    try {
      const s = await api.post<RunSummary>(`/api/runs/${encodeURIComponent(id)}/abort`)
      setRun((prev) => (prev ? { ...prev, ...s } : prev))
    } catch (e) {
      setError(errorMessage(e))
    } finally {
      setAborting(false)
    }
  }

  async function abort() {
    if (
      !window.confirm('Abort this run? Every fault is rolled back and the verdict will be fail.')
    ) {
      return
    }
    setAborting(true)
    try {
      const s = await api.post<RunSummary>(`/api/runs/${encodeURIComponent(id)}/abort`)
      setRun((prev) => (prev ? { ...prev, ...s } : prev))
    } catch (e) {
      setError(errorMessage(e))
    } finally {
      setAborting(false)
    }
  }

  const v = view.current
  if (!run) {
    return error ? <ErrorBox error={error} /> : <div className="muted">Loading run…</div>
  }
  const verdict = run.verdict
  const duration = run.startedAt
    ? durationBetween(run.startedAt, run.endedAt)
    : runDurationMs(v, Date.now())
  const opCount = ops ?? (running ? undefined : Math.max(0, run.eventCount - v.eventCount))

  return (
    <section className="run-page">
      <div className="page-head run-head">
        <div>
          <div className="crumbs">
            <Link to={`/experiments/${run.experimentId}`}>{run.experimentName}</Link>{' '}
            <span className="muted">v{run.experimentVersion}</span>
          </div>
          <h1>
            Run <span className="mono small">{run.id}</span>
          </h1>
          <div className="run-meta">
            <RunStatusBadge status={run.status} verdict={verdict} live={live} />
            <span className="muted" data-testid="run-started">
              started {formatTime(run.startedAt)} by{' '}
              <span data-testid="run-started-by">
                {formatWho(run.startedByName, run.startedBy, run.startedVia)}
              </span>{' '}
              ·{' '}
              {run.parts !== undefined && run.parts.length > 0 ? (
                <>
                  on hosts{' '}
                  <span data-testid="run-parts">
                    {run.parts.map((p, i) => (
                      <span key={p.logical} title={partTitle(p)} data-testid="run-part">
                        {i > 0 && ', '}
                        {p.logical}={p.agent}
                        {p.status === 'lost' && ' (lost)'}
                      </span>
                    ))}
                  </span>
                </>
              ) : run.agent ? (
                <>
                  on agent <span data-testid="run-agent">{run.agent}</span>
                </>
              ) : run.placement ? (
                <>for {formatWhere(run)}</>
              ) : (
                run.source
              )}{' '}
              · {formatDuration(duration)}
            </span>
          </div>
          <RunContextLine cause={run.cause} origin={run.origin} />
          {queued && (
            <div className="queued-banner" data-testid="queued-banner" role="status">
              <span>
                Queued:{' '}
                <span data-testid="queue-reason">{run.queueReason ?? 'waiting for an agent'}</span>
              </span>
              <button
                type="button"
                className="danger-outline"
                data-testid="cancel-run"
                disabled={aborting}
                onClick={() => void cancel()}
              >
                {aborting ? 'Cancelling…' : 'Cancel'}
              </button>
            </div>
          )}
          <RunDownloads
            runId={run.id}
            experimentName={run.experimentName}
            running={running || queued}
          />
          {(run.reason ?? v.abort?.reason ?? v.systemError) && (
            <div className="reason">{run.reason ?? v.abort?.reason ?? v.systemError}</div>
          )}
        </div>
        <div className="score-box">
          {run.score !== undefined ? (
            <>
              <div className="score" data-testid="run-score">
                {formatScore(run.score)}
              </div>
              <div className="muted small">resilience score</div>
            </>
          ) : (
            <div className="muted small">score when the run ends</div>
          )}
          {running && (
            <button
              type="button"
              className="danger"
              data-testid="abort-run"
              disabled={aborting}
              onClick={() => void abort()}
            >
              {aborting ? 'Aborting…' : 'Abort'}
            </button>
          )}
        </div>
      </div>
      <ErrorBox error={error} />
      {v.hypothesis && <p className="hypothesis-lead">Hypothesis: {v.hypothesis}</p>}

      <div className="card">
        {/* No empty chart for a run without load: only a run that plans or has load gets one. */}
        {hasLoad(
          v.load,
          v.plan.map((p) => p.kind)
        ) ? (
          <RunChart view={v} revision={revision} running={running} />
        ) : (
          <div className="muted" data-testid="no-load">
            No load in this run: nothing to chart. Faults and probes are below.
          </div>
        )}
        {/* A lane per monitor (issue 19), on the chart's x axis. */}
        <MonitorLanes view={v} revision={revision} running={running} />
        <div
          className="muted small chart-foot"
          data-testid="run-progress"
          data-events={v.eventCount}
          data-ops={opCount ?? 0}
        >
          {v.eventCount} journal events{opCount !== undefined ? ` · ${opCount} ops` : ''}
          {v.warnings.length > 0 &&
            ` · ${v.warnings.length} warning${v.warnings.length === 1 ? '' : 's'}`}
        </div>
      </div>
      {hasCurves(curveData) && <RunCurves data={curveData} />}
      {v.warnings.length > 0 && (
        <ul className="warnings">
          {v.warnings.map((w, i) => (
            <li key={i}>⚠ {w.message}</li>
          ))}
        </ul>
      )}

      <div className="grid-2">
        <StepsList view={v} result={run.result} />
        <div>
          <ProbeTable view={v} />
          <CheckFindings view={v} />
        </div>
      </div>
      <Journal runId={run.id} startedAt={v.startedAt} running={running} tail={tail} />
    </section>
  )
}
