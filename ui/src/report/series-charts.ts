/**
 * The time-axis charts of the report: load (throughput, error rate, latency: RunChart's two
 * panels plus the error rate the issue asks for), one chart per sampled metric, and the checks'
 * lost and duplicated ids placed where they happened (the id on hover).
 */
import type uPlot from 'uplot'
import type { ReportData, ReportFinding } from '../../../src/report/html/data'
import { formatMs } from '../../../src/shared/units'
import { chartSeries } from '../components/chart-data'
import { timeChart } from './time-chart'

export function loadCharts(host: HTMLElement, report: ReportData): void {
  if (report.load.time.length === 0) {
    return
  }
  // Times are already relative (origin 0); a bucketed series is spaced by its bucket width.
  const s = chartSeries(report.load, 0, report.loadBucket * 1.5)
  const suffix = report.loadBucket > 1 ? ` (${report.loadBucket} s buckets)` : ''
  timeChart(host, report, {
    id: 'throughput',
    title: `Throughput${suffix}`,
    height: 220,
    labels: true,
    data: [s.x, s.ok, s.errors, s.dropped, s.inFlight],
    scale: {
      key: 'rps',
      label: 'per second',
      options: { auto: true, range: (_u, _min, max) => [0, Math.max(max, 1) * 1.1] },
    },
    series: [
      { label: 'ok/s', scale: 'rps', stroke: '#1e8e3e', width: 2, fill: 'rgba(30,142,62,0.06)' },
      { label: 'errors/s', scale: 'rps', stroke: '#d93025', width: 2 },
      { label: 'dropped/s', scale: 'rps', stroke: '#e8710a', width: 1, dash: [4, 3] },
      { label: 'in flight', scale: 'rps', stroke: '#80868b', width: 1, dash: [2, 2] },
    ],
  })
  const rate = s.ok.map((ok, i) => {
    const errors = s.errors[i]
    return ok === null || errors === null || errors === undefined || ok + errors === 0
      ? null
      : (100 * errors) / (ok + errors)
  })
  timeChart(host, report, {
    id: 'error-rate',
    title: 'Error rate',
    height: 140,
    data: [s.x, rate],
    scale: {
      key: 'pct',
      label: '% failed',
      options: { auto: true, range: (_u, _a, max) => [0, Math.max(max, 1) * 1.1] },
    },
    series: [
      {
        label: 'errors',
        scale: 'pct',
        stroke: '#d93025',
        width: 2,
        value: (_u, v) => (v === null ? '—' : `${v.toFixed(2)} %`),
      },
    ],
  })
  timeChart(host, report, {
    id: 'latency',
    title: 'Latency',
    height: 200,
    data: [s.x, s.p50, s.p95, s.p99],
    scale: {
      key: 'ms',
      label: 'latency (ms, log)',
      options: { distr: 3, log: 10 },
      values: msTicks,
    },
    series: [
      { label: 'p50', scale: 'ms', stroke: '#9aa0ff', width: 1, value: ms },
      { label: 'p95', scale: 'ms', stroke: '#5c6bc0', width: 1, value: ms },
      { label: 'p99', scale: 'ms', stroke: '#283593', width: 1.5, value: ms },
    ],
  })
}

/** One chart per metric; returns the plots so that whoever removes them destroys them. */
export function metricCharts(host: HTMLElement, report: ReportData): uPlot[] {
  return report.metrics.map((m, i) => {
    const bucketed = m.samples > m.t.length ? ` (${m.samples} samples, min/max per bucket)` : ''
    return timeChart(host, report, {
      id: `metric-${i}`,
      title: `Metric ${m.name}${bucketed}${m.failed ? ` — sampling failed: ${m.failed}` : ''}`,
      height: 180,
      labels: true,
      data: [m.t, m.v],
      scale: {
        key: 'v',
        label: m.name,
        options: { auto: true, range: (_u, _min, max) => [0, Math.max(max, 1) * 1.1] },
      },
      series: [
        { label: m.name, scale: 'v', stroke: '#1a73e8', width: 2, fill: 'rgba(26,115,232,0.06)' },
      ],
    })
  })
}

interface Placed {
  x: number
  lane: number
  id: string
}

const LANES = ['lost (invoked)', 'lost (acknowledged)', 'duplicated'] as const

/** Every placed finding as a point in its lane; hovering shows its id. */
export function findingsChart(host: HTMLElement, report: ReportData): void {
  const points: Placed[] = []
  const push = (f: ReportFinding, lane: number, x: number, check: string) =>
    points.push({ x, lane, id: `${f.id}${f.count ? ` ×${f.count}` : ''} (${check})` })
  for (const c of report.checks) {
    for (const f of c.lost) {
      push(f, 0, f.at, c.name)
      if (f.acked !== undefined) {
        push(f, 1, f.acked, c.name)
      }
    }
    for (const f of c.duplicated) {
      push(f, 2, f.acked ?? f.at, c.name)
    }
  }
  if (points.length === 0) {
    return
  }
  points.sort((a, b) => a.x - b.x)
  const x = points.map((p) => p.x)
  const lanes = LANES.map((_, lane) => points.map((p) => (p.lane === lane ? lane + 1 : null)))
  const colors = ['#d93025', '#e8710a', '#6a1b9a']
  const capped = report.checks.some(
    (c) => c.lostTotal > c.lost.length || c.duplicatedTotal > c.duplicated.length
  )
  timeChart(host, report, {
    id: 'findings',
    title: `Lost and duplicated ids${capped ? ' (first findings only: see the counts below)' : ''}`,
    height: 170,
    data: [x, ...lanes],
    scale: {
      key: 'lane',
      label: '',
      options: { range: [0.5, 3.5] },
      values: (_u, splits) => splits.map(() => ''),
    },
    series: LANES.map((label, lane) => ({
      label,
      scale: 'lane',
      stroke: colors[lane]!,
      paths: () => null,
      points: { show: true, size: 7, fill: colors[lane]! },
      value: (_u: uPlot, v: number | null, _si: number, idx: number | null) =>
        v === null || idx === null ? '—' : (points[idx]?.id ?? '—'),
    })),
  })
}

function ms(_u: uPlot, v: number | null): string {
  return v === null ? '—' : formatMs(v)
}

/** Log axis: only the powers of ten get a label (RunChart's rule). */
export function msTicks(_u: uPlot, splits: (number | null)[]): string[] {
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
