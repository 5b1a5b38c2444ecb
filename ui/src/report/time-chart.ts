/**
 * A chart over the run's time axis (seconds since start), uPlot as in the run page's RunChart
 * (same palette, axis format and fault bands behind the lines), so the report and the Chaos
 * Center look alike. Every fault window is shaded; the readout records where.
 */
import uPlot from 'uplot'
import type { ReportData, ReportFault } from '../../../src/report/html/data'
import { formatAxisSeconds } from '../format'
import { faultColor } from '../components/colors'
import { countPoints, readout, type BandReadout } from './readout'

export interface TimeChartSpec {
  id: string
  title: string
  height: number
  data: uPlot.AlignedData
  series: uPlot.Series[]
  /** The y scale: name, label, options. */
  scale: { key: string; label: string; options: uPlot.Scale; values?: uPlot.Axis['values'] }
  labels?: boolean
}

export function timeChart(host: HTMLElement, report: ReportData, spec: TimeChartSpec): uPlot {
  const wrap = document.createElement('section')
  wrap.className = 'chart'
  wrap.dataset['chart'] = spec.id
  const h = document.createElement('h3')
  h.textContent = spec.title
  wrap.append(h)
  host.append(wrap)
  const xMax = Math.max(report.duration, 1)
  const bands: BandReadout[] = []
  const entry = {
    kind: 'time' as const,
    points: countPoints(spec.data, 0, xMax),
    bands,
    xMin: 0,
    xMax,
    width: 0,
  }
  readout.charts[spec.id] = entry
  const opts: uPlot.Options = {
    width: chartWidth(host),
    height: spec.height,
    cursor: { drag: { x: true, y: false }, sync: { key: 'report-time' } },
    legend: { live: true },
    scales: {
      x: { time: false, range: () => [0, xMax] },
      [spec.scale.key]: spec.scale.options,
    },
    axes: [
      { values: (_u, splits) => splits.map(formatAxisSeconds) },
      {
        scale: spec.scale.key,
        label: spec.scale.label,
        size: 60,
        ...(spec.scale.values ? { values: spec.scale.values } : {}),
      },
    ],
    series: [
      { label: 'time', value: (_u, v) => (v === null ? '—' : formatAxisSeconds(v)) },
      ...spec.series,
    ],
    hooks: {
      // drawAxes runs before the series are drawn, so the bands sit behind the lines.
      drawAxes: [
        (u: uPlot) => {
          bands.length = 0
          bands.push(...drawFaultBands(u, report.faults, xMax, spec.labels ?? false))
          entry.width = u.bbox.width / devicePixelRatio
          entry.xMin = u.scales['x']?.min ?? 0
          entry.xMax = u.scales['x']?.max ?? xMax
        },
      ],
      draw: [() => (readout.firstChartMs ??= performance.now())],
    },
  }
  return new uPlot(opts, spec.data, wrap)
}

export function chartWidth(host: HTMLElement): number {
  return Math.max(480, Math.min(host.clientWidth || 960, 1200))
}

/** Shades each fault's window (a 1 px edge at its start), RunChart's look. */
function drawFaultBands(
  u: uPlot,
  faults: ReportFault[],
  xMax: number,
  labels: boolean
): BandReadout[] {
  const { ctx, bbox } = u
  const out: BandReadout[] = []
  ctx.save()
  ctx.beginPath()
  ctx.rect(bbox.left, bbox.top, bbox.width, bbox.height)
  ctx.clip()
  const font = Math.round(11 * devicePixelRatio)
  ctx.font = `${font}px system-ui, sans-serif`
  ctx.textBaseline = 'top'
  let row = 0
  let lastRight = -Infinity
  for (const f of faults) {
    const end = f.end ?? xMax
    const x0 = u.valToPos(f.start, 'x', true)
    const x1 = Math.max(u.valToPos(end, 'x', true), x0 + 2)
    ctx.fillStyle = faultColor(f.faultType, 0.14)
    ctx.fillRect(x0, bbox.top, x1 - x0, bbox.height)
    ctx.fillStyle = faultColor(f.faultType, 0.7)
    ctx.fillRect(x0, bbox.top, Math.max(1, devicePixelRatio), bbox.height)
    out.push({
      label: f.faultType,
      start: f.start,
      end,
      left: u.valToPos(f.start, 'x'),
      right: u.valToPos(end, 'x'),
    })
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
  return out
}
