/**
 * A capacity step's curve: p50/p99 and error rate against the offered rate, the baseline and
 * fault phases as two series each, and each phase's sustainable rate marked by a vertical line.
 * Trials at the same rate (repeats) are merged by their worst figures, as the search judges them.
 * A trial in which no request completed has no figures: it is a gap in the lines and a cross at
 * the top of both charts at its rate (capacity-curve.ts).
 */
import uPlot from 'uplot'
import type { ReportCapacity } from '../../../src/report/html/data'
import type { CapacityPhase } from '../../../src/shared/capacity'
import { formatMs, formatPercent } from '../../../src/shared/units'
import { chartWidth } from './time-chart'
import { countPoints, readout } from './readout'
import { msTicks } from './series-charts'
import { capacityCurve } from './capacity-curve'

export { capacityCurve, type CapacityCurve } from './capacity-curve'

const PHASE_COLORS: Record<CapacityPhase, string> = { baseline: '#1a73e8', fault: '#d93025' }

/** Draws the curve under `host`; returns the plots so that whoever removes them destroys them. */
export function capacityCharts(host: HTMLElement, c: ReportCapacity, index: number): uPlot[] {
  const curve = capacityCurve(c.trials)
  const section = document.createElement('section')
  section.className = 'capacity'
  section.dataset['capacity'] = String(index)
  const h = document.createElement('h3')
  h.textContent = `Capacity: ${c.name}`
  const summary = document.createElement('p')
  summary.className = 'capacity-summary'
  summary.textContent = capacitySummary(c)
  section.append(h, summary)
  host.append(section)
  if (curve.rates.length === 0) {
    return []
  }
  const marks = sustainableMarks(c)
  const phases: CapacityPhase[] = c.trials.some((t) => t.phase === 'fault')
    ? ['baseline', 'fault']
    : ['baseline']
  const label = (p: CapacityPhase) =>
    p === 'baseline' ? 'baseline' : `with ${c.result?.fault?.faultType ?? 'fault'}`
  const silent: Silent[] = phases.flatMap((p) =>
    curve.rates
      .filter((_, i) => curve.noCompletion[p][i])
      .map((rate) => ({ rate, color: PHASE_COLORS[p] }))
  )
  const latency = chart(
    section,
    `capacity-${index}-latency`,
    'latency (ms, log)',
    curve.rates,
    marks,
    silent,
    { distr: 3, log: 10 },
    msTicks,
    phases.flatMap((p) => [
      {
        label: `${label(p)} p50`,
        stroke: PHASE_COLORS[p],
        width: 1,
        dash: [4, 3],
        data: curve.p50[p],
        value: (v: number) => formatMs(v),
      },
      {
        label: `${label(p)} p99`,
        stroke: PHASE_COLORS[p],
        width: 2,
        data: curve.p99[p],
        value: (v: number) => formatMs(v),
      },
    ])
  )
  const errors = chart(
    section,
    `capacity-${index}-errors`,
    '% failed',
    curve.rates,
    marks,
    silent,
    { auto: true, range: (_u, _a, max) => [0, Math.max(max, 1) * 1.1] },
    undefined,
    phases.map((p) => ({
      label: `${label(p)} errors`,
      stroke: PHASE_COLORS[p],
      width: 2,
      data: curve.errorRate[p],
      value: (v: number) => formatPercent(v / 100),
    }))
  )
  return [latency, errors]
}

/** A rate at which a trial had no request complete. */
interface Silent {
  rate: number
  color: string
}

interface Mark {
  label: string
  rate: number
  color: string
}

function sustainableMarks(c: ReportCapacity): Mark[] {
  const marks: Mark[] = []
  const r = c.result
  if (r && r.baseline.sustainable !== null) {
    marks.push({
      label: `baseline ${Math.round(r.baseline.sustainable)}/s`,
      rate: r.baseline.sustainable,
      color: PHASE_COLORS.baseline,
    })
  }
  if (r?.fault && r.fault.sustainable !== null) {
    marks.push({
      label: `${r.fault.faultType} ${Math.round(r.fault.sustainable)}/s`,
      rate: r.fault.sustainable,
      color: PHASE_COLORS.fault,
    })
  }
  return marks
}

export function capacitySummary(c: ReportCapacity): string {
  const r = c.result
  if (!r) {
    return `${c.trials.length} trials, no answer (the step did not finish)`
  }
  const rate = (p: { sustainable: number | null; generatorLimited: boolean }) =>
    p.sustainable === null
      ? 'none (even the start rate failed)'
      : `${Math.round(p.sustainable)} req/s${p.generatorLimited ? ' (generator limit)' : ''}`
  let text = `baseline ${rate(r.baseline)}`
  if (r.fault) {
    text += ` → with ${r.fault.faultType} (${r.fault.mode}) ${rate(r.fault)}`
    if (r.changePercent !== undefined) {
      // Signed after rounding: a change of −0.3 % reads "0 %", not "−0 %".
      const pct = Math.round(r.changePercent)
      text += ` (${pct > 0 ? '+' : pct < 0 ? '−' : ''}${Math.abs(pct)} %)`
    }
  }
  return `${text}; ±${(r.precision * 100).toFixed(0)} %, ${c.trials.length} trials`
}

interface CurveSeries {
  label: string
  stroke: string
  width: number
  dash?: number[]
  data: (number | null)[]
  value: (v: number) => string
}

function chart(
  host: HTMLElement,
  id: string,
  yLabel: string,
  rates: number[],
  marks: Mark[],
  silent: Silent[],
  yScale: uPlot.Scale,
  yValues: uPlot.Axis['values'] | undefined,
  series: CurveSeries[]
): uPlot {
  const wrap = document.createElement('div')
  wrap.className = 'chart'
  wrap.dataset['chart'] = id
  host.append(wrap)
  const data: uPlot.AlignedData = [rates, ...series.map((s) => s.data)]
  const entry = {
    kind: 'capacity' as const,
    points: countPoints(data),
    bands: [],
    xMin: 0,
    xMax: 0,
    width: 0,
    marks: [] as { label: string; rate: number; left: number }[],
    noCompletion: [] as { rate: number; left: number }[],
  }
  readout.charts[id] = entry
  return new uPlot(
    {
      width: chartWidth(host),
      height: 200,
      legend: { live: true },
      scales: { x: { time: false, distr: 3, log: 10 }, y: yScale },
      axes: [
        {
          label: 'offered rate (req/s, log)',
          values: (_u, splits) => splits.map((v) => (v === null ? '' : String(Math.round(v)))),
        },
        { scale: 'y', label: yLabel, size: 60, ...(yValues ? { values: yValues } : {}) },
      ],
      series: [
        { label: 'rate', value: (_u, v) => (v === null ? '—' : `${Math.round(v)}/s`) },
        ...series.map((s) => ({
          label: s.label,
          scale: 'y',
          stroke: s.stroke,
          width: s.width,
          ...(s.dash ? { dash: s.dash } : {}),
          spanGaps: true,
          points: { show: true, size: 5 },
          value: (_u: uPlot, v: number | null) => (v === null ? '—' : s.value(v)),
        })),
      ],
      hooks: {
        draw: [
          (u: uPlot) => {
            entry.marks = drawMarks(u, marks)
            entry.noCompletion = drawSilent(u, silent)
            entry.width = u.bbox.width / devicePixelRatio
            entry.xMin = u.scales['x']?.min ?? 0
            entry.xMax = u.scales['x']?.max ?? 0
            readout.firstChartMs ??= performance.now()
          },
        ],
      },
    },
    data,
    wrap
  )
}

/** A dashed vertical line at each sustainable rate, labelled. */
function drawMarks(u: uPlot, marks: Mark[]): { label: string; rate: number; left: number }[] {
  const { ctx, bbox } = u
  ctx.save()
  ctx.setLineDash([5 * devicePixelRatio, 4 * devicePixelRatio])
  ctx.lineWidth = devicePixelRatio
  ctx.font = `${Math.round(11 * devicePixelRatio)}px system-ui, sans-serif`
  ctx.textBaseline = 'top'
  const out = marks.map((m, i) => {
    const x = u.valToPos(m.rate, 'x', true)
    ctx.strokeStyle = m.color
    ctx.beginPath()
    ctx.moveTo(x, bbox.top)
    ctx.lineTo(x, bbox.top + bbox.height)
    ctx.stroke()
    ctx.fillStyle = m.color
    ctx.fillText(m.label, x + 4 * devicePixelRatio, bbox.top + (4 + i * 14) * devicePixelRatio)
    return { label: m.label, rate: m.rate, left: u.valToPos(m.rate, 'x') }
  })
  ctx.restore()
  return out
}

/** A cross at the top of the plot at each rate where nothing completed, and one caption. */
function drawSilent(u: uPlot, silent: Silent[]): { rate: number; left: number }[] {
  if (silent.length === 0) {
    return []
  }
  const { ctx, bbox } = u
  const r = 4 * devicePixelRatio
  const y = bbox.top + r + 2 * devicePixelRatio
  ctx.save()
  ctx.lineWidth = 2 * devicePixelRatio
  ctx.font = `${Math.round(11 * devicePixelRatio)}px system-ui, sans-serif`
  ctx.textBaseline = 'middle'
  ctx.textAlign = 'right'
  const out = silent.map((s) => {
    const x = u.valToPos(s.rate, 'x', true)
    ctx.strokeStyle = s.color
    ctx.beginPath()
    ctx.moveTo(x - r, y - r)
    ctx.lineTo(x + r, y + r)
    ctx.moveTo(x + r, y - r)
    ctx.lineTo(x - r, y + r)
    ctx.stroke()
    return { rate: s.rate, left: u.valToPos(s.rate, 'x') }
  })
  ctx.fillStyle = '#5f6368'
  ctx.fillText('× no request completed', bbox.left + bbox.width - 4 * devicePixelRatio, y + 3 * r)
  ctx.restore()
  return out
}
