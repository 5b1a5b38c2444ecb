/**
 * The run's timeline (Jepsen style), in two panels sharing one x axis in seconds since the run
 * started (`+12.0 s`, like the steps, faults and journal): throughput, errors and requests in flight
 * on top; latency percentiles below on a log scale, so a 300 ms toxic stands out next to a 2 ms
 * baseline instead of being flattened by one 10 s timeout. Every fault's active window is shaded
 * behind both panels (labelled in the top one), so cause and effect line up. Seconds without a
 * completed request are gaps, not zeros (see chart-data.ts).
 */
import { useEffect, useRef } from 'react'
import uPlot from 'uplot'
import 'uplot/dist/uPlot.min.css'
import type { FaultWindowView, RunView } from '../../../src/shared/run-view'
import { formatMs } from '../../../src/shared/units'
import { formatAxisSeconds } from '../format'
import { chartSeries } from './chart-data'
import { faultColor } from './colors'

const RATE_HEIGHT = 220
const LATENCY_HEIGHT = 200

interface Props {
  view: RunView
  /** `view.revision`: the view is mutated in place, so this is what says "redraw". */
  revision: number
  running: boolean
}

type StateRef = { current: { view: RunView; running: boolean } }

export function RunChart({ view, revision, running }: Props) {
  const rateHost = useRef<HTMLDivElement>(null)
  const latencyHost = useRef<HTMLDivElement>(null)
  const plots = useRef<uPlot[]>([])
  // uPlot's hooks and range functions are created once; they read the latest state here.
  const state = useRef({ view, running })
  state.current = { view, running }

  useEffect(() => {
    const hosts = [rateHost.current!, latencyHost.current!]
    const [rate, latency] = data(state.current.view)
    const width = hosts[0]!.clientWidth || 800
    plots.current = [
      new uPlot(rateOptions(width, state), rate, hosts[0]!),
      new uPlot(latencyOptions(width, state), latency, hosts[1]!),
    ]
    for (const u of plots.current) {
      fitX(u, state)
    }
    const resize = new ResizeObserver(() => {
      for (const [i, u] of plots.current.entries()) {
        u.setSize({ width: hosts[0]!.clientWidth, height: i === 0 ? RATE_HEIGHT : LATENCY_HEIGHT })
      }
    })
    resize.observe(hosts[0]!)
    return () => {
      resize.disconnect()
      for (const u of plots.current) {
        u.destroy()
      }
      plots.current = []
    }
  }, [])

  useEffect(() => {
    redraw(plots.current, state)
  }, [view, revision])

  // While the run is live, keep the x range (and an open fault band) growing with the clock.
  useEffect(() => {
    if (!running) {
      return
    }
    const id = setInterval(() => redraw(plots.current, state), 1000)
    return () => clearInterval(id)
  }, [running])

  const empty = view.load.time.length === 0
  return (
    <div className="run-chart-wrap">
      <div ref={rateHost} className="run-chart" data-testid="run-chart" />
      <div ref={latencyHost} className="run-chart latency" data-testid="latency-chart" />
      {empty && (
        <div className="chart-empty muted">
          {running ? 'Waiting for the first second of load…' : 'This run generated no load.'}
        </div>
      )}
    </div>
  )
}

function redraw(plots: uPlot[], state: StateRef): void {
  const [rate, latency] = data(state.current.view)
  plots[0]?.setData(rate)
  plots[1]?.setData(latency)
  for (const u of plots) {
    fitX(u, state)
  }
}

function data(view: RunView): [uPlot.AlignedData, uPlot.AlignedData] {
  const s = chartSeries(view.load, view.startedAt)
  return [
    [s.x, s.ok, s.errors, s.dropped, s.inFlight],
    [s.x, s.p50, s.p95, s.p99],
  ]
}

/**
 * The x range is set explicitly: with a single point (the first second of a live run) uPlot
 * pads the range by a fraction of the value, and skips the scale's range function.
 */
function fitX(u: uPlot, state: StateRef): void {
  const [min, max] = xRange(state)
  u.setScale('x', { min, max })
}

/** The whole run, not only its load: faults before or after the load stay visible. */
function xRange(state: StateRef): [number, number] {
  const { view, running } = state.current
  const s = chartSeries(view.load, view.startedAt)
  const origin = view.startedAt ?? Date.now()
  const end =
    view.endedAt !== undefined
      ? (view.endedAt - origin) / 1000
      : running
        ? (Date.now() - origin) / 1000
        : (s.x.at(-1) ?? 1)
  const faultEnd = Math.max(0, ...view.faults.map((f) => ((f.end ?? f.start) - origin) / 1000))
  const hi = Math.max(end, s.x.at(-1) ?? 0, faultEnd, 1)
  return [Math.min(0, s.x[0] ?? 0), hi]
}

/** Seconds since the run start → the start-relative value for an epoch-ms time. */
function rel(state: StateRef, ms: number): number {
  return (ms - (state.current.view.startedAt ?? ms)) / 1000
}

const xAxis: uPlot.Axis = {
  values: (_u, splits) => splits.map(formatAxisSeconds),
}

function common(width: number, height: number, state: StateRef, labels: boolean) {
  return {
    width,
    height,
    cursor: { drag: { x: true, y: false }, sync: { key: 'run-chart' } },
    legend: { live: true },
    hooks: {
      // drawAxes runs before the series are drawn, so the bands sit behind the lines.
      drawAxes: [
        (u: uPlot) =>
          drawFaultWindows(u, state.current.view.faults, state.current.running, state, labels),
      ],
    },
  }
}

function rateOptions(width: number, state: StateRef): uPlot.Options {
  return {
    ...common(width, RATE_HEIGHT, state, true),
    scales: {
      x: { time: false, range: () => xRange(state) },
      rps: { auto: true, range: (_u, _min, max) => [0, Math.max(max, 1) * 1.1] },
    },
    axes: [xAxis, { scale: 'rps', label: 'per second', size: 56 }],
    series: [
      { label: 'time', value: (_u, v) => (v === null ? '—' : formatAxisSeconds(v)) },
      { label: 'ok/s', scale: 'rps', stroke: '#1e8e3e', width: 2, fill: 'rgba(30,142,62,0.06)' },
      { label: 'errors/s', scale: 'rps', stroke: '#d93025', width: 2 },
      { label: 'dropped/s', scale: 'rps', stroke: '#e8710a', width: 1, dash: [4, 3] },
      { label: 'in flight', scale: 'rps', stroke: '#80868b', width: 1, dash: [2, 2] },
    ],
  }
}

function latencyOptions(width: number, state: StateRef): uPlot.Options {
  return {
    ...common(width, LATENCY_HEIGHT, state, false),
    scales: {
      x: { time: false, range: () => xRange(state) },
      ms: { distr: 3, log: 10 },
    },
    axes: [xAxis, { scale: 'ms', label: 'latency (ms, log)', size: 56, values: msTicks }],
    series: [
      { label: 'time', value: (_u, v) => (v === null ? '—' : formatAxisSeconds(v)) },
      { label: 'p50', scale: 'ms', stroke: '#9aa0ff', width: 1, value: ms },
      { label: 'p95', scale: 'ms', stroke: '#5c6bc0', width: 1, value: ms },
      { label: 'p99', scale: 'ms', stroke: '#283593', width: 1.5, value: ms },
    ],
  }
}

/** A latency in the legend, in the unit the terminal would use (`310 ms`, `2.04 s`). */
function ms(_u: uPlot, v: number | null): string {
  return v === null ? '—' : formatMs(v)
}

/** Log axis: uPlot splits at 1..9 × 10ⁿ; only the powers of ten get a label. */
function msTicks(_u: uPlot, splits: (number | null)[]): string[] {
  return splits.map((v) => {
    if (v === null || !Number.isFinite(v) || v <= 0) {
      return ''
    }
    const exponent = Math.log10(v)
    if (Math.abs(exponent - Math.round(exponent)) > 1e-9) {
      return ''
    }
    return v >= 1000 ? `${v / 1000}s` : `${v}`
  })
}

function drawFaultWindows(
  u: uPlot,
  faults: FaultWindowView[],
  running: boolean,
  state: StateRef,
  labels: boolean
): void {
  const { ctx, bbox } = u
  const xMax = u.scales.x?.max ?? 0
  ctx.save()
  ctx.beginPath()
  ctx.rect(bbox.left, bbox.top, bbox.width, bbox.height)
  ctx.clip()
  const font = Math.round(11 * devicePixelRatio)
  ctx.font = `${font}px system-ui, sans-serif`
  ctx.textBaseline = 'top'
  // Overlapping windows get their labels on separate rows.
  let row = 0
  let lastRight = -Infinity
  for (const f of faults) {
    const end = f.end !== undefined ? rel(state, f.end) : running ? rel(state, Date.now()) : xMax
    const x0 = u.valToPos(rel(state, f.start), 'x', true)
    const x1 = Math.max(u.valToPos(end, 'x', true), x0 + 2)
    ctx.fillStyle = faultColor(f.faultType, 0.14)
    ctx.fillRect(x0, bbox.top, x1 - x0, bbox.height)
    ctx.fillStyle = faultColor(f.faultType, 0.7)
    ctx.fillRect(x0, bbox.top, Math.max(1, devicePixelRatio), bbox.height)
    if (!labels) {
      continue
    }
    row = x0 < lastRight ? row + 1 : 0
    const label = f.error ? `${f.faultType} ✗` : f.faultType
    ctx.fillStyle = faultColor(f.faultType, 0.95)
    ctx.fillText(
      label,
      x0 + 4 * devicePixelRatio,
      bbox.top + 4 * devicePixelRatio + row * (font + 3)
    )
    lastRight = Math.max(lastRight, x0 + ctx.measureText(label).width + 8 * devicePixelRatio)
  }
  ctx.restore()
}
