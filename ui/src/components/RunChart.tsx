/**
 * The run's timeline (Jepsen style): throughput and errors per second on the left axis, latency
 * percentiles on the right axis (ms), and every fault's active window shaded behind the lines
 * and labelled with its type, so cause and effect line up at a glance.
 */
import { useEffect, useRef } from 'react'
import uPlot from 'uplot'
import 'uplot/dist/uPlot.min.css'
import type { FaultWindowView, RunView } from '../../../src/shared/run-view'
import { faultColor } from './colors'

const HEIGHT = 300

interface Props {
  view: RunView
  /** `view.revision`: the view is mutated in place, so this is what says "redraw". */
  revision: number
  running: boolean
}

export function RunChart({ view, revision, running }: Props) {
  const host = useRef<HTMLDivElement>(null)
  const plot = useRef<uPlot | null>(null)
  // uPlot's hooks and range functions are created once; they read the latest state here.
  const state = useRef({ view, running })
  state.current = { view, running }

  useEffect(() => {
    const el = host.current!
    const u = new uPlot(options(el.clientWidth || 800, state), data(state.current.view), el)
    plot.current = u
    fitX(u, state)
    const resize = new ResizeObserver(() => u.setSize({ width: el.clientWidth, height: HEIGHT }))
    resize.observe(el)
    return () => {
      resize.disconnect()
      u.destroy()
      plot.current = null
    }
  }, [])

  useEffect(() => {
    redraw(plot.current, state)
  }, [view, revision])

  // While the run is live, keep the x range (and an open fault band) growing with the clock.
  useEffect(() => {
    if (!running) {
      return
    }
    const id = setInterval(() => redraw(plot.current, state), 1000)
    return () => clearInterval(id)
  }, [running])

  const empty = view.load.time.length === 0
  return (
    <div className="run-chart-wrap">
      <div ref={host} className="run-chart" data-testid="run-chart" />
      {empty && (
        <div className="chart-empty muted">
          {running ? 'Waiting for the first second of load…' : 'This run generated no load.'}
        </div>
      )}
    </div>
  )
}

function redraw(u: uPlot | null, state: StateRef): void {
  if (u) {
    u.setData(data(state.current.view))
    fitX(u, state)
  }
}

/**
 * The x range is set explicitly: with a single point (the first second of a live run) uPlot
 * pads the range by a fraction of the timestamp's magnitude — years — and skips the scale's
 * range function, so the chart would briefly show 2027 to 2029.
 */
function fitX(u: uPlot, state: StateRef): void {
  const time = state.current.view.load.time
  const [min, max] = xRange(state, time[0] ?? NaN, time[time.length - 1] ?? NaN)
  u.setScale('x', { min, max })
}

/** The whole run, not only its load: faults before or after the load stay visible. */
function xRange(state: StateRef, min: number, max: number): [number, number] {
  const { view, running } = state.current
  const start = view.startedAt !== undefined ? view.startedAt / 1000 : min
  const end = view.endedAt !== undefined ? view.endedAt / 1000 : running ? Date.now() / 1000 : max
  const lo = Math.min(start, Number.isFinite(min) ? min : start)
  const hi = Math.max(end, Number.isFinite(max) ? max : end)
  return lo === hi || !Number.isFinite(lo) ? [lo - 1, lo + 1] : [lo, hi]
}

function data(view: RunView): uPlot.AlignedData {
  const l = view.load
  return [l.time, l.ok, l.errors, l.dropped, l.p50, l.p95, l.p99]
}

type StateRef = { current: { view: RunView; running: boolean } }

function options(width: number, state: StateRef): uPlot.Options {
  return {
    width,
    height: HEIGHT,
    cursor: { drag: { x: true, y: false } },
    legend: { live: true },
    scales: {
      x: {
        time: true,
        range: (_u, min, max) => xRange(state, min, max),
      },
      rps: { auto: true, range: (_u, _min, max) => [0, Math.max(max, 1) * 1.1] },
      ms: { auto: true, range: (_u, _min, max) => [0, Math.max(max, 1) * 1.1] },
    },
    axes: [
      {},
      { scale: 'rps', label: 'per second', size: 56 },
      { scale: 'ms', label: 'latency (ms)', side: 1, size: 60, grid: { show: false } },
    ],
    series: [
      {},
      { label: 'ok/s', scale: 'rps', stroke: '#1e8e3e', width: 2, fill: 'rgba(30,142,62,0.06)' },
      { label: 'errors/s', scale: 'rps', stroke: '#d93025', width: 2 },
      { label: 'dropped/s', scale: 'rps', stroke: '#e8710a', width: 1, dash: [4, 3] },
      { label: 'p50', scale: 'ms', stroke: '#9aa0ff', width: 1, value: ms },
      { label: 'p95', scale: 'ms', stroke: '#5c6bc0', width: 1, value: ms },
      { label: 'p99', scale: 'ms', stroke: '#283593', width: 1.5, value: ms },
    ],
    hooks: {
      // drawAxes runs before the series are drawn, so the bands sit behind the lines.
      drawAxes: [(u) => drawFaultWindows(u, state.current.view.faults, state.current.running)],
    },
  }
}

function ms(_u: uPlot, v: number | null): string {
  return v === null ? '—' : `${v.toFixed(v < 10 ? 1 : 0)} ms`
}

function drawFaultWindows(u: uPlot, faults: FaultWindowView[], running: boolean): void {
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
    const end = f.end !== undefined ? f.end / 1000 : running ? Date.now() / 1000 : xMax
    const x0 = u.valToPos(f.start / 1000, 'x', true)
    const x1 = Math.max(u.valToPos(end, 'x', true), x0 + 2)
    ctx.fillStyle = faultColor(f.faultType, 0.14)
    ctx.fillRect(x0, bbox.top, x1 - x0, bbox.height)
    ctx.fillStyle = faultColor(f.faultType, 0.7)
    ctx.fillRect(x0, bbox.top, Math.max(1, devicePixelRatio), bbox.height)
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
