/**
 * One lane per monitor under the run's timeline (issue 19): each state a labelled segment on the
 * chart's x axis (seconds since the run started), a green (accept) or red (fail) marker where the
 * monitor stopped, and for a failure the transition that failed written under the lane. The
 * fault windows are shaded behind the lanes, as on the chart, so a state change lines up with
 * the fault that caused it. A live lane's current state grows with the clock.
 */
import { useEffect, useRef, useState } from 'react'
import { laneFailureText, monitorLanes, type MonitorLane } from '../../../src/shared/monitor-lanes'
import type { RunView } from '../../../src/shared/run-view'
import { formatAxisSeconds } from '../format'
import { chartSeries } from './chart-data'
import { faultColor } from './colors'
import { laneStateColor } from './lane-colors'

interface Props {
  view: RunView
  /** `view.revision`: the view is mutated in place, so this is what says "redraw". */
  revision: number
  running: boolean
}

/** Where the chart's plot area sits in the card, so the lanes' tracks line up with it. */
interface PlotBox {
  left: number
  width: number
}

/** The label column when there is no chart to line up with (a run without load). */
const LABEL_WIDTH = 120
const TICKS = 8

export function MonitorLanes({ view, revision, running }: Props) {
  const host = useRef<HTMLDivElement>(null)
  const [now, setNow] = useState(() => Date.now())
  const [plot, setPlot] = useState<PlotBox | undefined>()

  // While the run is live, the current states grow with the clock (as the fault windows do).
  useEffect(() => {
    if (!running) {
      return
    }
    const id = setInterval(() => setNow(Date.now()), 1000)
    return () => clearInterval(id)
  }, [running])

  // The chart (uPlot) draws its plot area inside its axes; the lanes read where it is rather
  // than guess the axes' widths. Effects run after the chart's, which creates the plot.
  useEffect(() => {
    const el = host.current
    if (!el) {
      return
    }
    const measure = () => {
      const over = el.parentElement?.querySelector('[data-testid="run-chart"] .u-over')
      const box = over?.getBoundingClientRect()
      const mine = el.getBoundingClientRect()
      const next =
        box && box.width > 0 ? { left: box.left - mine.left, width: box.width } : undefined
      setPlot((p) => (p?.left === next?.left && p?.width === next?.width ? p : next))
    }
    measure()
    const resize = new ResizeObserver(measure)
    resize.observe(el)
    return () => resize.disconnect()
  }, [revision])

  if (view.monitors.length === 0) {
    return null
  }
  const origin = view.startedAt ?? now
  const until = view.endedAt ?? (running ? now : Math.max(origin, ...lastTimes(view)))
  const lanes = monitorLanes(view.monitors, { origin, since: view.readyAt, until })
  const [lo, hi] = xRange(view, lanes, (until - origin) / 1000)
  const pct = (s: number) =>
    `${Math.min(100, Math.max(0, (100 * (s - lo)) / (hi - lo))).toFixed(3)}%`
  const label = plot ? `${Math.max(0, plot.left)}px` : `${LABEL_WIDTH}px`
  const track = plot ? `${plot.width}px` : '1fr'
  const faults = view.faults.map((f) => ({
    faultType: f.faultType,
    start: (f.start - origin) / 1000,
    end: ((f.end ?? until) - origin) / 1000,
  }))
  return (
    <div
      ref={host}
      className="monitor-lanes"
      data-testid="monitor-lanes"
      style={{ gridTemplateColumns: `${label} ${track}` }}
    >
      {lanes.map((lane) => (
        <Lane key={lane.name} lane={lane} pct={pct} faults={faults} />
      ))}
      <div />
      <div className="lane-axis">
        {Array.from({ length: TICKS + 1 }, (_, i) => lo + ((hi - lo) * i) / TICKS).map((s) => (
          <span key={s} className="tick" style={{ left: pct(s) }}>
            {formatAxisSeconds(s)}
          </span>
        ))}
      </div>
    </div>
  )
}

function Lane({
  lane,
  pct,
  faults,
}: {
  lane: MonitorLane
  pct: (s: number) => string
  faults: { faultType: string; start: number; end: number }[]
}) {
  const failure = lane.verdict === 'fail' ? laneFailureText(lane) : undefined
  const width = (a: number, b: number) => `calc(${pct(b)} - ${pct(a)})`
  return (
    <>
      <div className="lane-label strong" title={`monitor ${lane.name}`}>
        {lane.name}
      </div>
      <div
        className="lane-track"
        data-testid="monitor-lane"
        data-monitor={lane.name}
        data-verdict={lane.verdict ?? 'running'}
      >
        {faults.map((f, i) => (
          <div
            key={i}
            className="lane-fault"
            style={{
              left: pct(f.start),
              width: width(f.start, f.end),
              background: faultColor(f.faultType, 0.12),
            }}
          />
        ))}
        {lane.segments.map((s, i) => (
          <div
            key={i}
            className={s.open ? 'lane-segment open' : 'lane-segment'}
            data-testid="lane-segment"
            data-state={s.state}
            style={{
              left: pct(s.start),
              width: width(s.start, s.end),
              background: laneStateColor(lane.states, s.state),
            }}
            title={`${lane.name}: ${s.state} ${formatAxisSeconds(s.start)}..${s.open ? 'now' : formatAxisSeconds(s.end)}`}
          >
            {s.state}
          </div>
        ))}
        {lane.verdict !== undefined && lane.endAt !== undefined && (
          <div
            className={`lane-marker ${lane.verdict}`}
            data-testid="lane-marker"
            style={{ left: pct(lane.endAt) }}
            title={failure ?? `accepted at ${formatAxisSeconds(lane.endAt)}: ${lane.reason ?? ''}`}
          >
            {lane.verdict === 'fail' ? '✗' : '✓'}
          </div>
        )}
      </div>
      {failure !== undefined && (
        <>
          <div />
          <div className="lane-failure" data-testid="lane-failure">
            {lane.name} failed: {failure}
          </div>
        </>
      )}
    </>
  )
}

/** The chart's x range (RunChart's xRange: the whole run, faults and load included). */
function xRange(view: RunView, lanes: MonitorLane[], end: number): [number, number] {
  const origin = view.startedAt ?? 0
  const x = chartSeries(view.load, view.startedAt).x
  const faultEnd = Math.max(0, ...view.faults.map((f) => ((f.end ?? f.start) - origin) / 1000))
  const laneEnd = Math.max(0, ...lanes.map((l) => l.segments.at(-1)?.end ?? 0))
  return [Math.min(0, x[0] ?? 0), Math.max(end, x.at(-1) ?? 0, faultEnd, laneEnd, 1)]
}

/** An ended-but-unfinished journal's last known times: where an open state is drawn to. */
function lastTimes(view: RunView): number[] {
  return view.monitors.flatMap((m) => m.transitions.map((t) => t.at))
}
